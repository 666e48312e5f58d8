/*
 * dump: prints a parsed message. Untrusted input: everything printed comes
 * from the message; control characters are shown as \xNN (tabs as spaces) so
 * the output stays one item a line.
 */
#include "dump.h"

#include <string.h>

#include "mail/mime_decode.h"
#include "mail/render.h"

/* Append s with control characters escaped (UTF-8 kept as is). */
static void
append_visible(struct str *out, struct slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '\t')
            str_appendc(out, ' ');
        else if (c < 0x20 || c == 0x7f)
            str_appendf(out, "\\x%02x", c);
        else
            str_appendc(out, c);
    }
}

static const char *const flag_names[] = {
    "no-end-boundary", "no-boundary",  "no-parts",   "depth-limit",
    "parts-limit",     "header-limit", "long-line",  "bad-header",
    "8bit-header",     "bad-cte",      "size-limit", "bad-content-type",
    "bad-param",       "encoded-multipart",
};

static void
append_flags(struct str *out, unsigned flags)
{
    const char *sep = "";
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & (1u << i)) {
            str_appendf(out, "%s%s", sep, flag_names[i]);
            sep = ",";
        }
    if (*sep == '\0')
        str_append_cstr(out, "none");
}

static void
dump_headers(struct message *m, struct str *out)
{
    const struct header_block *h = &m->mime->root->headers;
    str_appendf(out, "headers: %zu\n", h->n);
    for (size_t i = 0; i < h->n; i++) {
        const char *v = header_decode(m->arena, h->fields[i].value,
                                      m->limits.header_block_max, NULL);
        str_append_cstr(out, "  ");
        append_visible(out, h->fields[i].name);
        str_append_cstr(out, ": ");
        append_visible(out, slice_from_cstr(v));
        str_appendc(out, '\n');
    }
}

/* The first lines of the part's rendered text, indented. */
static void
dump_text(struct message *m, const struct mime_part *p, struct slice decoded, int indent,
          struct str *out)
{
    struct str text;
    str_init(&text, m->limits.decoded_max);
    (void)render_text(p, decoded, &text, NULL, NULL, NULL);
    struct slice t = slice_trim(str_slice(&text));
    size_t shown = 0;
    for (int line = 0; line < DUMP_TEXT_LINES && t.len && shown < DUMP_TEXT_BYTES; line++) {
        long nl = slice_find_char(t, '\n');
        struct slice l = slice_head(t, nl < 0 ? t.len : (size_t)nl);
        if (l.len > DUMP_TEXT_BYTES - shown)
            l.len = DUMP_TEXT_BYTES - shown;
        /* Do not cut a UTF-8 sequence in two. */
        while (l.len && l.len < t.len && ((unsigned char)l.ptr[l.len] & 0xc0) == 0x80)
            l.len--;
        str_appendf(out, "%*s| ", indent, "");
        append_visible(out, slice_trim(l));
        str_appendc(out, '\n');
        shown += l.len;
        t = slice_trim(slice_from(t, nl < 0 ? t.len : (size_t)nl + 1));
    }
    if (t.len)
        str_appendf(out, "%*s| ...\n", indent, "");
    str_deinit(&text);
}

static void
dump_part(struct message *m, const struct mime_part *p, struct str *out)
{
    int indent = 2 + 2 * (int)p->depth;
    str_appendf(out, "%*s%zu %s", indent, "", p->index, p->type);
    if (p->charset)
        str_appendf(out, " charset=%s", p->charset);
    if (p->kind == MIME_LEAF)
        str_appendf(out, " cte=%s", mime_cte_name(p->cte));
    if (*p->disposition.value)
        str_appendf(out, " disposition=%s", p->disposition.value);
    if (p->filename) {
        str_append_cstr(out, " filename=\"");
        append_visible(out, slice_from_cstr(p->filename));
        str_appendc(out, '"');
    }
    if (p->kind == MIME_LEAF) {
        struct str dec;
        unsigned dflags = 0;
        str_init(&dec, m->limits.decoded_max);
        int r = message_decode_part(m, p, &dec, &dflags);
        str_appendf(out, " size=%zu%s", dec.len, r < 0 ? "+" : "");
        if (p->flags) {
            str_append_cstr(out, " flags=");
            append_flags(out, p->flags);
        }
        str_appendc(out, '\n');
        if (render_is_text(p))
            dump_text(m, p, str_slice(&dec), indent + 2, out);
        str_deinit(&dec);
        return;
    }
    if (p->kind == MIME_MULTIPART)
        str_appendf(out, " boundary=\"%s\"", p->boundary ? p->boundary : "");
    if (p->flags) {
        str_append_cstr(out, " flags=");
        append_flags(out, p->flags);
    }
    str_appendc(out, '\n');
}

void
dump_message(struct message *m, struct str *out)
{
    str_appendf(out, "message: %s\nsize: %zu\nparts: %zu\nflags: ", m->name, m->mime->size,
                m->mime->nparts);
    append_flags(out, m->mime->flags);
    str_appendc(out, '\n');
    dump_headers(m, out);
    str_append_cstr(out, "tree:\n");
    for (struct mime_part *p = m->mime->root; p; p = mime_next(p))
        dump_part(m, p, out);
}
