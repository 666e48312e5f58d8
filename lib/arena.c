/*
 * arena: bump allocation in a chain of blocks; large requests get a block of
 * their own. Untrusted input: no (callers bound what they allocate).
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct arena_block *head;
    size_t block_size;
    size_t used_total;
};

#define ARENA_ALIGN (alignof(max_align_t))

static struct arena_block *
block_new(size_t size)
{
    struct arena_block *b = xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct arena *
arena_new(size_t block_size)
{
    struct arena *a = xmalloc(sizeof(*a));
    a->block_size = block_size ? block_size : 16384;
    a->head = block_new(a->block_size);
    a->used_total = 0;
    return a;
}

void
arena_reset(struct arena *a)
{
    struct arena_block *b = a->head, *next;
    /* Keep the oldest block (the last in the chain): it has the base size. */
    while (b->next) {
        next = b->next;
        free(b);
        b = next;
    }
    a->head = b;
    b->used = 0;
    a->used_total = 0;
}

void
arena_free(struct arena **ap)
{
    struct arena *a = *ap;
    struct arena_block *b, *next;
    if (a == NULL)
        return;
    for (b = a->head; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
    *ap = NULL;
}

void *
arena_alloc(struct arena *a, size_t n)
{
    struct arena_block *b = a->head;
    size_t off = (b->used + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    size_t need;
    if (n == 0)
        n = 1;
    if (off > b->size || n > b->size - off) {
        if (__builtin_add_overflow(n, ARENA_ALIGN, &need))
            abort();
        if (need > a->block_size / 4) {
            /* A big request: its own block, linked behind the head so the
             * head keeps serving small requests. */
            struct arena_block *big = block_new(n);
            big->used = n;
            big->next = b->next;
            b->next = big;
            a->used_total += n;
            return big->data;
        }
        b = block_new(a->block_size);
        b->next = a->head;
        a->head = b;
        off = 0;
    }
    b->used = off + n;
    a->used_total += n;
    return b->data + off;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n))
        abort();
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *
arena_memdup0(struct arena *a, const void *p, size_t n)
{
    char *q = arena_alloc(a, n + 1);
    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return arena_memdup0(a, s, strlen(s));
}

struct slice
arena_slice_dup(struct arena *a, struct slice s)
{
    return (struct slice){arena_memdup0(a, s.ptr, s.len), s.len};
}

size_t
arena_used(const struct arena *a)
{
    return a->used_total;
}
