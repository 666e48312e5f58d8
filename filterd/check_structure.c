/*
 * check_structure: structural symbols. Untrusted input: reads the parsed
 * message; every decode is bounded by limits.decoded_max.
 * The scores are the shipped defaults; each symbol's score becomes a
 * setting with the rule engine.
 */
#include "check_structure.h"

#include <stdio.h>

#include "mail/mime_decode.h"
#include "mail/render.h"

static const struct {
    unsigned flag;
    const char *name;
    double score;
    const char *description;
} mime_symbols[] = {
    {MIME_F_NO_END_BOUNDARY, "MIME_NO_END_BOUNDARY", 0.5,
     "multipart without its closing boundary"},
    {MIME_F_NO_BOUNDARY, "MIME_NO_BOUNDARY", 1.0, "multipart without a boundary parameter"},
    {MIME_F_NO_PARTS, "MIME_EMPTY_MULTIPART", 1.0, "multipart with no boundary line"},
    {MIME_F_DEPTH_LIMIT, "MIME_DEPTH_LIMIT", 2.0, "MIME nesting deeper than the limit"},
    {MIME_F_PARTS_LIMIT, "MIME_PARTS_LIMIT", 2.0, "more MIME parts than the limit"},
    {MIME_F_HEADER_LIMIT, "HEADER_LIMIT", 2.0, "header block past its size or count limit"},
    {MIME_F_LONG_LINE, "MIME_LONG_LINE", 0.5, "line longer than the line limit"},
    {MIME_F_BAD_HEADER, "HEADER_MALFORMED", 1.0, "malformed header line"},
    {MIME_F_8BIT_HEADER, "HEADER_8BIT", 0.5, "raw 8-bit bytes in a header"},
    {MIME_F_BAD_CTE, "MIME_BAD_CTE", 0.5, "unknown Content-Transfer-Encoding"},
    {MIME_F_BAD_CTYPE, "MIME_BAD_CTYPE", 0.5, "Content-Type without type/subtype"},
    {MIME_F_BAD_PARAM, "MIME_BAD_PARAM", 0.2, "malformed MIME parameters"},
    {MIME_F_ENCODED_MULTIPART, "MIME_ENCODED_MULTIPART", 1.0,
     "multipart or message with a base64 or quoted-printable encoding"},
    {MIME_F_SIZE_LIMIT, "MESSAGE_SIZE_LIMIT", 0.0,
     "message larger than the limit: the rest was not scanned"},
};

static void
check_headers(struct message *m, struct verdict *v)
{
    const struct header_block *h = &m->mime->root->headers;
    if (h->n == 0) {
        verdict_add(v, "MISSING_HEADERS", 3.0, "no header fields: not a mail message");
        return;
    }
    if (header_get(h, "From") == NULL)
        verdict_add(v, "MISSING_FROM", 1.0, "no From header");
    if (header_get(h, "Date") == NULL)
        verdict_add(v, "MISSING_DATE", 0.5, "no Date header");
    if (header_get(h, "Message-ID") == NULL)
        verdict_add(v, "MISSING_MID", 0.5, "no Message-ID header");
    if (header_count(h, "From") > 1)
        verdict_add(v, "MULTIPLE_FROM", 1.0, "more than one From header");
    if (header_count(h, "Subject") > 1)
        verdict_add(v, "MULTIPLE_SUBJECT", 0.5, "more than one Subject header");
}

/* Decode and render every leaf; flag what cannot be decoded or converted. */
static void
check_parts(struct message *m, struct verdict *v)
{
    unsigned dflags = 0, rflags = 0;
    bool truncated = false;
    const struct message_text *texts;
    size_t n = message_texts(m, &texts);
    for (size_t i = 0; i < n; i++) {
        dflags |= texts[i].decode_flags;
        rflags |= texts[i].render_flags;
        truncated |= texts[i].truncated;
    }
    /* The other leaves are decoded only for their flags. */
    struct str dec;
    str_init(&dec, m->limits.decoded_max);
    for (struct mime_part *p = m->mime->root; p; p = mime_next(p)) {
        if (p->kind != MIME_LEAF || render_is_text(p))
            continue;
        unsigned f = 0;
        str_clear(&dec);
        if (message_decode_part(m, p, &dec, &f) < 0)
            truncated = true;
        dflags |= f;
    }
    str_deinit(&dec);
    if (dflags & MIME_DECODE_F_GARBAGE)
        verdict_add(v, "MIME_BAD_ENCODING", 0.5, "invalid bytes in an encoded part");
    if (dflags & MIME_DECODE_F_TRUNCATED)
        verdict_add(v, "MIME_TRUNCATED_ENCODING", 0.5, "an encoded part is cut short");
    if (rflags & RENDER_F_CHARSET_UNKNOWN)
        verdict_add(v, "CHARSET_UNKNOWN", 0.3, "a text part in an unknown charset");
    if (rflags & RENDER_F_CHARSET_INVALID)
        verdict_add(v, "CHARSET_INVALID", 0.3, "bytes invalid in their charset");
    if (truncated)
        verdict_add(v, "MIME_DECODED_LIMIT", 0.0,
                    "a part decodes past the limit: only its start was scanned");
}

void
check_structure(struct message *m, struct verdict *v)
{
    unsigned flags = m->mime->flags;
    check_headers(m, v);
    for (size_t i = 0; i < sizeof(mime_symbols) / sizeof(mime_symbols[0]); i++)
        if (flags & mime_symbols[i].flag)
            verdict_add(v, mime_symbols[i].name, mime_symbols[i].score,
                        mime_symbols[i].description);
    check_parts(m, v);
}
