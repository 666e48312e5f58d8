/* Unit tests of lib/arena: alignment, big blocks, reset. */
#include "t.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

static void
test_alignment_and_copy(void)
{
    struct arena *a = arena_new(256);
    for (size_t i = 1; i < 300; i++) {
        void *p = arena_alloc(a, i);
        CHECK_INT((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xab, i);
    }
    char *s = arena_strdup(a, "hello");
    CHECK_STR(s, "hello");
    char *big = arena_alloc(a, 1 << 20);
    memset(big, 1, 1 << 20);
    CHECK_STR(s, "hello");
    CHECK(arena_used(a) > (1 << 20));
    arena_reset(a);
    CHECK_INT(arena_used(a), 0);
    int *z = arena_calloc(a, 10, sizeof(int));
    CHECK_INT(z[9], 0);
    arena_free(&a);
    CHECK(a == NULL);
    arena_free(&a);
}

int
main(void)
{
    T_RUN(test_alignment_and_copy);
    return t_done();
}
