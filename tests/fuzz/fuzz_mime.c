/*
 * fuzz_mime: the MIME parser and the body decoders. The input is parsed
 * whole and again in chunks whose sizes come from the input's first bytes;
 * both trees must be the same (split-feeding), every offset must lie inside
 * the message and inside its parent, and every leaf is decoded with a
 * bounded output. Small limits make the limit paths reachable.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/mime.h"
#include "mail/mime_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_tree(const struct mime_message *m)
{
    size_t n = 0;
    for (const struct mime_part *p = m->root; p; p = mime_next((struct mime_part *)p)) {
        n++;
        if (p->body_start > p->body_end || p->body_end > m->size || p->header_start > p->body_start)
            FUZZ_CHECK_FAILED();
        if (p->parent && (p->body_start < p->parent->body_start ||
                          p->body_end > p->parent->body_end))
            FUZZ_CHECK_FAILED();
        if (p->depth > 8 + 1)
            FUZZ_CHECK_FAILED();
    }
    if (n != m->nparts)
        FUZZ_CHECK_FAILED();
}

/* A fingerprint of the tree: kinds, types and offsets of every part. */
static void
fingerprint(const struct mime_message *m, struct str *out)
{
    for (const struct mime_part *p = m->root; p; p = mime_next((struct mime_part *)p))
        str_appendf(out, "%zu:%d:%s:%zu-%zu:%zu:%x;", p->depth, (int)p->kind, p->type,
                    p->body_start, p->body_end, p->headers.n, p->flags);
    str_appendf(out, "|%x", m->flags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail_limits lim = mail_limits_default();
    lim.mime_depth_max = 8;
    lim.parts_max = 64;
    lim.header_block_max = 2048;
    lim.header_count_max = 50;
    lim.line_max = 200;
    struct arena *a = arena_new(0), *b = arena_new(0);
    const char *msg = (const char *)data;

    struct mime_message *whole = mime_parse(a, &lim, msg, size);
    check_tree(whole);

    struct mime_parser *p = mime_parser_new(b, &lim);
    size_t off = 0, k = 0;
    while (off < size) {
        size_t n = 1 + (size ? data[k++ % size] % 61 : 0);
        if (n > size - off)
            n = size - off;
        mime_parser_push(p, msg + off, n);
        off += n;
    }
    struct mime_message *split = mime_parser_finish(p);
    mime_parser_free(&p);

    struct str f1, f2;
    str_init(&f1, 0);
    str_init(&f2, 0);
    fingerprint(whole, &f1);
    fingerprint(split, &f2);
    if (!slice_eq(str_slice(&f1), str_slice(&f2)))
        FUZZ_CHECK_FAILED();

    struct str out;
    str_init(&out, 4096);
    for (struct mime_part *q = whole->root; q; q = mime_next(q)) {
        str_clear(&out);
        (void)mime_part_decode(q, msg, size, &out, NULL);
        if (out.len > 4096)
            FUZZ_CHECK_FAILED();
    }
    str_deinit(&out);
    str_deinit(&f1);
    str_deinit(&f2);
    arena_free(&a);
    arena_free(&b);
    return 0;
}
