/*
 * message: loading and parsing one message; decoding its parts from memory
 * or chunk by chunk from a file; its rendered texts and URLs, found once.
 * Untrusted input: yes (all parsing is in mail/, bounded by the limits).
 * Limits: the message is held in memory up to spool_threshold bytes, and
 * read in chunks beyond that; decoded parts are bounded by the caller;
 * MESSAGE_URLS_MAX URLs kept.
 */
#include "message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "mail/mime_decode.h"
#include "mail/render.h"
#include "mail/url.h"

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

/* Append a URL (copied into the arena when copy) to list; past
 * MESSAGE_URLS_MAX it is only counted. */
static void
url_list_push(struct arena *a, struct message_url_list *list, struct message_url u,
              bool copy)
{
    if (list->found++ >= MESSAGE_URLS_MAX)
        return;
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 32;
        struct message_url *v = arena_calloc(a, cap, sizeof(*v));
        if (list->n)
            memcpy(v, list->v, list->n * sizeof(*v));
        list->v = v;
        list->cap = cap;
    }
    if (copy)
        u.url = arena_slice_dup(a, u.url);
    list->v[list->n++] = u;
}

/* render_text's callback: a URL of an HTML attribute of text m->ntexts-1
 * (its bytes live in a buffer that is reused: copied). */
static void
add_attr_url(void *ctx, struct slice url)
{
    struct message *m = ctx;
    if (url.len == 0)
        return;
    struct message_url u = {.url = url, .text = m->ntexts - 1, .attribute = true};
    url_list_push(m->arena, &m->attr_urls, u, true);
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
            if (render_text(p, str_slice(&dec), &text, add_attr_url, m,
                            &t->render_flags) < 0)
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

struct text_urls {
    struct message *m;
    size_t text;
};

static void
add_text_url(void *ctx, struct slice url)
{
    struct text_urls *t = ctx;
    struct message_url u = {.url = url, .text = t->text, .attribute = false};
    url_list_push(t->m->arena, &t->m->urls, u, false); /* the text is in the arena */
}

size_t
message_urls(struct message *m, const struct message_url **urls_r, size_t *found_r)
{
    if (!m->urls_done) {
        const struct message_text *texts;
        size_t n = message_texts(m, &texts), a = 0;
        for (size_t i = 0; i < n; i++) {
            for (; a < m->attr_urls.n && m->attr_urls.v[a].text == i; a++)
                url_list_push(m->arena, &m->urls, m->attr_urls.v[a], false);
            struct text_urls t = {m, i};
            size_t room =
                m->urls.found < MESSAGE_URLS_MAX ? MESSAGE_URLS_MAX - m->urls.found : 0;
            size_t all = url_find_in_text(texts[i].text, room, add_text_url, &t);
            if (all > room)
                m->urls.found += all - room; /* counted, not kept */
        }
        m->urls.found += m->attr_urls.found - m->attr_urls.n; /* dropped attributes */
        m->urls_done = true;
    }
    *urls_r = m->urls.v;
    if (found_r)
        *found_r = m->urls.found;
    return m->urls.n;
}
