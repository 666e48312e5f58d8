/*
 * message: loading and parsing one message; decoding its parts from memory
 * or chunk by chunk from a file.
 * Untrusted input: yes (all parsing is in mail/, bounded by the limits).
 * Limits: the message is held in memory up to spool_threshold bytes, and
 * read in chunks beyond that; decoded parts are bounded by the caller.
 */
#include "message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "mail/mime_decode.h"
#include "mail/render.h"

static int
push_chunk(void *ctx, const char *p, size_t n)
{
    mime_parser_push(ctx, p, n);
    return 0;
}

static struct message *
message_parse(struct blob *b, const struct mail_limits *lim, const char *name)
{
    struct message *m = xcalloc(1, sizeof(*m));
    m->arena = arena_new(0);
    m->blob = b;
    m->limits = *lim;
    m->name = arena_strdup(m->arena, name);
    struct mime_parser *p = mime_parser_new(m->arena, lim);
    (void)blob_foreach(b, 0, blob_size(b), push_chunk, p);
    m->mime = mime_parser_finish(p);
    mime_parser_free(&p);
    return m;
}

struct message *
message_load(const char *path, const struct mail_limits *lim, struct str *err)
{
    struct blob *b = NULL;
    int r;
    if (strcmp(path, "-") == 0)
        r = blob_read_fd(&b, STDIN_FILENO, lim->spool_threshold, err);
    else
        r = blob_open_file(&b, path, lim->spool_threshold, err);
    if (r < 0)
        return NULL;
    return message_parse(b, lim, path);
}

struct message *
message_from_memory(const char *data, size_t len, const struct mail_limits *lim)
{
    return message_parse(blob_from_memory(data, len), lim, "-");
}

void
message_free(struct message **mp)
{
    struct message *m = *mp;
    if (m == NULL)
        return;
    blob_free(&m->blob);
    arena_free(&m->arena);
    free(m);
    *mp = NULL;
}

struct decode_ctx {
    struct mime_decoder d;
    struct str *out;
    int full;
};

static int
decode_chunk(void *ctx, const char *p, size_t n)
{
    struct decode_ctx *c = ctx;
    if (mime_decoder_push(&c->d, p, n, c->out) < 0) {
        c->full = 1;
        return 1; /* the output is full: stop reading */
    }
    return 0;
}

int
message_decode_part(const struct message *m, const struct mime_part *part,
                    struct str *out, unsigned *flags_r)
{
    struct decode_ctx c = {.out = out};
    mime_decoder_init(&c.d, part->cte);
    size_t end = part->body_end < m->mime->size ? part->body_end : m->mime->size;
    int r = blob_foreach(m->blob, part->body_start, end, decode_chunk, &c);
    if (!c.full && mime_decoder_finish(&c.d, out) < 0)
        c.full = 1;
    if (flags_r)
        *flags_r = c.d.flags;
    mime_decoder_deinit(&c.d);
    return (c.full || r < 0) ? -1 : 0;
}

const char *
message_header(const struct message *m, const char *name)
{
    const struct header_field *f = header_get(&m->mime->root->headers, name);
    if (f == NULL)
        return NULL;
    return header_decode(m->arena, f->value, m->limits.header_block_max, NULL);
}

size_t
message_texts(struct message *m, const struct message_text **texts_r)
{
    if (!m->texts_done) {
        size_t n = 0;
        for (struct mime_part *p = m->mime->root; p; p = mime_next(p))
            n += p->kind == MIME_LEAF && render_is_text(p);
        m->texts = arena_calloc(m->arena, n ? n : 1, sizeof(*m->texts));
        struct str dec, text;
        str_init(&dec, m->limits.decoded_max);
        str_init(&text, m->limits.decoded_max);
        for (struct mime_part *p = m->mime->root; p; p = mime_next(p)) {
            if (p->kind != MIME_LEAF || !render_is_text(p))
                continue;
            struct message_text *t = &m->texts[m->ntexts++];
            str_clear(&dec);
            str_clear(&text);
            t->part = p;
            t->truncated = message_decode_part(m, p, &dec, &t->decode_flags) < 0;
            if (render_text(p, str_slice(&dec), &text, NULL, NULL, &t->render_flags) < 0)
                t->truncated = true;
            t->text = arena_slice_dup(m->arena, str_slice(&text));
        }
        str_deinit(&dec);
        str_deinit(&text);
        m->texts_done = true;
    }
    *texts_r = m->texts;
    return m->ntexts;
}
