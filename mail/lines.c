/*
 * lines: a bounded line splitter over pushed chunks.
 * Untrusted input: yes. Limits: a line is at most line_max bytes; longer
 * ones are cut into pieces at fixed positions (multiples of line_max from
 * the line's start), so the pieces do not depend on how input was split.
 */
#include "lines.h"

#include <string.h>

void
line_reader_init(struct line_reader *lr, size_t line_max)
{
    str_init(&lr->partial, 0);
    lr->line_max = line_max ? line_max : 65536;
    lr->offset = 0;
}

void
line_reader_deinit(struct line_reader *lr)
{
    str_deinit(&lr->partial);
}

size_t
line_eol_len(struct slice line)
{
    if (line.len == 0 || line.ptr[line.len - 1] != '\n')
        return 0;
    return (line.len >= 2 && line.ptr[line.len - 2] == '\r') ? 2 : 1;
}

/* Hand over a line that starts at line_off, cutting it at line_max. */
static void
emit(struct line_reader *lr, const char *p, size_t n, size_t line_off, line_fn fn, void *ctx)
{
    while (n > lr->line_max) {
        fn(ctx, slice_make(p, lr->line_max), line_off, true);
        p += lr->line_max;
        n -= lr->line_max;
        line_off += lr->line_max;
    }
    fn(ctx, slice_make(p, n), line_off, false);
}

void
line_reader_push(struct line_reader *lr, const char *data, size_t len, line_fn fn, void *ctx)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t part_len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (lr->partial.len == 0 && nl) {
            emit(lr, p, part_len, lr->offset, fn, ctx);
        } else {
            /* Continue (or start) a line split across chunks; flush whole
             * pieces of line_max as they fill, as emit() would. */
            size_t room = lr->line_max - lr->partial.len;
            while (part_len > room) {
                (void)str_append(&lr->partial, p, room);
                fn(ctx, str_slice(&lr->partial), lr->offset - (lr->partial.len - room),
                   true);
                p += room;
                lr->offset += room;
                part_len -= room;
                str_clear(&lr->partial);
                room = lr->line_max;
            }
            (void)str_append(&lr->partial, p, part_len);
            if (nl) {
                size_t start = lr->offset + part_len - lr->partial.len;
                fn(ctx, str_slice(&lr->partial), start, false);
                str_clear(&lr->partial);
            }
        }
        p += part_len;
        lr->offset += part_len;
    }
}

void
line_reader_finish(struct line_reader *lr, line_fn fn, void *ctx)
{
    if (lr->partial.len) {
        fn(ctx, str_slice(&lr->partial), lr->offset - lr->partial.len, false);
        str_clear(&lr->partial);
    }
}

void
line_reader_skip(struct line_reader *lr, size_t len)
{
    str_clear(&lr->partial);
    lr->offset += len;
}
