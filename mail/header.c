/*
 * header: RFC 5322 header blocks, built line by line.
 * Untrusted input: yes. Limits: header_block_max bytes and header_count_max
 * fields per block (more is dropped and flagged); line pieces of line_max.
 * Accepts bare LF and CRLF, 8-bit bytes, duplicate fields, obsolete
 * whitespace before ':'. A line that is neither a field nor a fold ends the
 * block (as Postfix's cleanup does); it belongs to the body.
 */
#include "header.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "mail/lines.h"
#include "mail/rfc2047.h"

struct field_pos {
    size_t name_off, name_len;
    size_t value_off, value_end; /* in buf */
    size_t eol;                  /* terminator length of the field's last line */
    unsigned flags;
};

void
header_builder_init(struct header_builder *hb, const struct mail_limits *lim,
                    bool allow_mbox_from)
{
    memset(hb, 0, sizeof(*hb));
    str_init(&hb->buf, lim->header_block_max);
    str_init(&hb->held, lim->line_max ? lim->line_max : MAIL_LIMIT_LINE_MAX);
    hb->count_max = lim->header_count_max;
    hb->allow_mbox_from = allow_mbox_from;
    hb->mbox_off = -1;
}

void
header_builder_deinit(struct header_builder *hb)
{
    str_deinit(&hb->buf);
    str_deinit(&hb->held);
    free(hb->pos);
    hb->pos = NULL;
    hb->npos = hb->cappos = 0;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
has_8bit(struct slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80)
            return true;
    return false;
}

/* The length of the field name if line starts a field, else 0. Sets
 * *colon_r to the index of ':' and flags obsolete spacing. */
static size_t
field_name_len(struct slice line, size_t *colon_r, unsigned *flags)
{
    size_t i = 0, name_end;
    while (i < line.len && line.ptr[i] != ':') {
        unsigned char c = (unsigned char)line.ptr[i];
        if (c <= 32 || c >= 127)
            break;
        i++;
    }
    name_end = i;
    while (i < line.len && is_blank(line.ptr[i]))
        i++;
    if (name_end == 0 || i >= line.len || line.ptr[i] != ':')
        return 0;
    if (i != name_end)
        *flags |= HEADER_F_SPACE_NAME;
    *colon_r = i;
    return name_end;
}

/* Append a line to buf; on the block limit, flag and return -1. */
static int
take_bytes(struct header_builder *hb, struct slice line)
{
    if (str_append(&hb->buf, line.ptr, line.len) < 0) {
        hb->flags |= HEADER_F_BLOCK_LIMIT;
        return -1;
    }
    return 0;
}

static void
extend_field(struct header_builder *hb, struct slice line)
{
    struct field_pos *f;
    if (hb->npos == 0 || (hb->pos[hb->npos - 1].flags & HEADER_F_BLOCK_LIMIT))
        return;
    f = &hb->pos[hb->npos - 1];
    if (take_bytes(hb, line) < 0) {
        f->flags |= HEADER_F_BLOCK_LIMIT;
        return;
    }
    f->value_end = hb->buf.len;
    f->eol = line_eol_len(line);
    if (has_8bit(line))
        f->flags |= HEADER_F_8BIT;
}

static void
start_field(struct header_builder *hb, struct slice line, size_t name_len, size_t colon,
            unsigned flags)
{
    struct field_pos *f;
    size_t v = colon + 1;
    if (hb->npos >= hb->count_max) {
        hb->flags |= HEADER_F_COUNT_LIMIT;
        /* Later folds of this field must not join the previous one. */
        if (hb->npos)
            hb->pos[hb->npos - 1].flags |= HEADER_F_BLOCK_LIMIT;
        return;
    }
    size_t base = hb->buf.len;
    if (take_bytes(hb, line) < 0) {
        if (hb->npos)
            hb->pos[hb->npos - 1].flags |= HEADER_F_BLOCK_LIMIT;
        return;
    }
    if (hb->npos == hb->cappos) {
        hb->cappos = hb->cappos ? hb->cappos * 2 : 16;
        hb->pos = xreallocarray(hb->pos, hb->cappos, sizeof(*hb->pos));
    }
    while (v < line.len && is_blank(line.ptr[v]))
        v++;
    f = &hb->pos[hb->npos++];
    f->name_off = base;
    f->name_len = name_len;
    f->value_off = base + v;
    f->value_end = hb->buf.len;
    f->eol = line_eol_len(line);
    f->flags = flags | (has_8bit(line) ? HEADER_F_8BIT : 0);
}

/* Hold a malformed line until the next one decides what it was. */
static enum header_line_result
hold_line(struct header_builder *hb, struct slice line, bool cut)
{
    if (hb->has_held || cut) {
        hb->flags |= HEADER_F_NO_BLANK | HEADER_F_BAD_LINE;
        return HEADER_LINE_BODY;
    }
    str_clear(&hb->held);
    (void)str_append(&hb->held, line.ptr, line.len);
    hb->has_held = true;
    return HEADER_LINE_HELD;
}

/* The held line turned out to be junk inside the header block. */
static void
drop_held(struct header_builder *hb)
{
    if (hb->has_held) {
        hb->has_held = false;
        hb->flags |= HEADER_F_BAD_LINE;
    }
}

enum header_line_result
header_builder_line(struct header_builder *hb, struct slice line, bool cut)
{
    unsigned flags = 0;
    size_t colon = 0, name_len;
    bool continues = hb->in_cut_line;

    hb->in_cut_line = cut;
    if (continues) {
        hb->flags |= HEADER_F_LONG_LINE;
        extend_field(hb, line);
        return HEADER_LINE_MORE;
    }
    if (line.len == line_eol_len(line)) { /* "" at EOF, "\n" or "\r\n" */
        if (line.len == 0)
            return HEADER_LINE_BODY;
        drop_held(hb);
        return HEADER_LINE_END;
    }
    if (is_blank(line.ptr[0])) {
        if (hb->has_held || (hb->npos == 0 && hb->buf.len == 0))
            return hold_line(hb, line, cut);
        extend_field(hb, line);
        return HEADER_LINE_MORE;
    }
    if (hb->allow_mbox_from && hb->npos == 0 && hb->buf.len == 0 && !hb->has_held &&
        line.len > 5 && memcmp(line.ptr, "From ", 5) == 0) {
        hb->mbox_off = (long)hb->buf.len;
        hb->mbox_len = (long)(line.len - line_eol_len(line));
        hb->flags |= HEADER_F_MBOX_FROM;
        (void)take_bytes(hb, line);
        return HEADER_LINE_MORE;
    }
    name_len = field_name_len(line, &colon, &flags);
    if (name_len == 0) {
        hb->in_cut_line = false;
        return hold_line(hb, line, cut);
    }
    drop_held(hb);
    if (cut)
        hb->flags |= HEADER_F_LONG_LINE;
    start_field(hb, line, name_len, colon, flags);
    return HEADER_LINE_MORE;
}

bool
header_builder_held(const struct header_builder *hb, struct slice *line_r)
{
    if (!hb->has_held)
        return false;
    *line_r = str_slice(&hb->held);
    return true;
}

void
header_builder_finish(struct header_builder *hb, struct arena *a, struct header_block *out)
{
    const char *base = arena_memdup0(a, hb->buf.buf ? hb->buf.buf : "", hb->buf.len);
    out->n = hb->npos;
    out->fields = arena_calloc(a, hb->npos ? hb->npos : 1, sizeof(*out->fields));
    out->flags = hb->flags;
    for (size_t i = 0; i < hb->npos; i++) {
        struct field_pos *f = &hb->pos[i];
        size_t end = f->value_end - f->eol;
        if (end < f->value_off)
            end = f->value_off;
        out->fields[i].name = slice_make(base + f->name_off, f->name_len);
        out->fields[i].value = slice_make(base + f->value_off, end - f->value_off);
        out->fields[i].flags = f->flags & ~HEADER_F_BLOCK_LIMIT;
        out->flags |= f->flags & HEADER_F_8BIT;
    }
    out->mbox_from = hb->mbox_off >= 0 ? slice_make(base + hb->mbox_off, (size_t)hb->mbox_len)
                                       : SLICE_NULL;
    str_clear(&hb->buf);
    str_clear(&hb->held);
    hb->has_held = false;
    hb->npos = 0;
    hb->flags = 0;
    hb->in_cut_line = false;
    hb->mbox_off = -1;
}

size_t
header_parse(struct arena *a, const struct mail_limits *lim, struct slice data,
             bool allow_mbox_from, struct header_block *out)
{
    struct header_builder hb;
    size_t off = 0, held_off = 0, line_max = lim->line_max ? lim->line_max : 65536;
    bool ended = false;
    header_builder_init(&hb, lim, allow_mbox_from);
    while (off < data.len && !ended) {
        const char *p = data.ptr + off;
        const char *nl = memchr(p, '\n', data.len - off);
        size_t n = nl ? (size_t)(nl - p) + 1 : data.len - off;
        bool cut = n > line_max;
        if (cut)
            n = line_max;
        switch (header_builder_line(&hb, slice_make(p, n), cut)) {
        case HEADER_LINE_HELD:
            held_off = off;
            break;
        case HEADER_LINE_BODY:
            if (hb.has_held)
                off = held_off;
            hb.has_held = false;
            hb.flags |= HEADER_F_NO_BLANK | HEADER_F_BAD_LINE;
            header_builder_finish(&hb, a, out);
            header_builder_deinit(&hb);
            return off;
        case HEADER_LINE_END:
            ended = true;
            break;
        case HEADER_LINE_MORE:
            break;
        }
        off += n;
    }
    if (hb.has_held) { /* the input ended on a malformed line: it is body */
        off = held_off;
        hb.has_held = false;
        hb.flags |= HEADER_F_BAD_LINE;
    }
    if (!ended && data.len)
        hb.flags |= HEADER_F_NO_BLANK;
    header_builder_finish(&hb, a, out);
    header_builder_deinit(&hb);
    return off;
}

const struct header_field *
header_get(const struct header_block *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (slice_case_eq_cstr(b->fields[i].name, name))
            return &b->fields[i];
    return NULL;
}

size_t
header_count(const struct header_block *b, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += slice_case_eq_cstr(b->fields[i].name, name);
    return n;
}

int
header_unfold(struct slice raw, struct str *out)
{
    struct slice v = slice_trim(raw);
    size_t i = 0;
    while (i < v.len) {
        size_t j = i;
        while (j < v.len && v.ptr[j] != '\r' && v.ptr[j] != '\n')
            j++;
        if (str_append(out, v.ptr + i, j - i) < 0)
            return -1;
        while (j < v.len && (v.ptr[j] == '\r' || v.ptr[j] == '\n'))
            j++;
        i = j;
    }
    return 0;
}

char *
header_decode(struct arena *a, struct slice raw, size_t max, unsigned *flags_r)
{
    struct str s;
    unsigned flags = 0;
    str_init(&s, max);
    (void)rfc2047_decode(slice_trim(raw), &s, &flags);
    if (flags_r)
        *flags_r = flags;
    char *r = arena_memdup0(a, s.buf ? s.buf : "", s.len);
    str_deinit(&s);
    return r;
}
