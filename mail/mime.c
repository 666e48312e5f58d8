/*
 * mime: an incremental, bounded MIME parser (RFC 2045, 2046) and the
 * body decoder.
 * Untrusted input: yes. Limits (struct mail_limits): message_max bytes
 * (the rest is ignored and flagged), mime_depth_max (deeper multiparts and
 * messages stay leaves), parts_max (later boundaries are body text),
 * boundary_max, header_block_max and header_count_max per header block,
 * line_max per line. Bodies are never copied: parts record offsets.
 *
 * Tolerated, and flagged: multiparts without a closing boundary (closed by
 * an outer boundary or the end), without a boundary parameter or without
 * any boundary line (kept as leaves or empty), boundaries that are prefixes
 * of one another (a boundary line must match exactly, apart from "--" and
 * trailing blanks; the innermost open multipart is tried first), parts
 * with no headers, header lines without a colon (they start the body).
 */
#include "mime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "mail/lines.h"

#define OPEN_END SIZE_MAX

enum parser_state { ST_HEADERS, ST_BODY, ST_SINK };

struct open_entry {
    struct mime_part *part; /* a multipart (boundary != NULL) or a message */
    const char *boundary;
    size_t blen;
    bool in_epilogue;
    bool seen_boundary;
};

struct mime_parser {
    struct arena *a;
    struct mail_limits lim;
    struct line_reader lr;
    struct header_builder hb;
    struct mime_message *msg;
    struct mime_part *cur;
    enum parser_state state;
    struct open_entry *stack;
    size_t nstack, capstack;
    size_t nboundaries; /* open multiparts whose boundary can still match */
    size_t prev_eol;    /* terminator length of the previous body line */
    size_t held_off;    /* where the header builder's held line starts */
    bool prev_cut;      /* the previous piece did not end its line */
    bool size_cut;
};

static struct mime_part *
part_new(struct mime_parser *p, struct mime_part *parent, size_t header_start)
{
    struct mime_part *part;
    if (p->msg->nparts >= p->lim.parts_max) {
        p->msg->flags |= MIME_F_PARTS_LIMIT;
        if (parent)
            parent->flags |= MIME_F_PARTS_LIMIT;
        return NULL;
    }
    part = arena_calloc(p->a, 1, sizeof(*part));
    part->index = p->msg->nparts++;
    part->parent = parent;
    part->depth = parent ? parent->depth + 1 : 0;
    part->header_start = header_start;
    part->body_start = header_start;
    part->body_end = OPEN_END;
    part->preamble_end = OPEN_END;
    part->epilogue_start = OPEN_END;
    part->type = "text/plain";
    part->ctype.value = "";
    part->disposition.value = "";
    if (parent) {
        if (parent->last_child)
            parent->last_child->next = part;
        else
            parent->first_child = part;
        parent->last_child = part;
    }
    return part;
}

static enum mime_cte
parse_cte(struct slice v)
{
    static const struct { const char *name; enum mime_cte cte; } names[] = {
        {"7bit", MIME_CTE_7BIT},           {"8bit", MIME_CTE_8BIT},
        {"binary", MIME_CTE_BINARY},       {"base64", MIME_CTE_BASE64},
        {"quoted-printable", MIME_CTE_QP}, {"x-uuencode", MIME_CTE_UUENCODE},
        {"uuencode", MIME_CTE_UUENCODE},   {"x-uue", MIME_CTE_UUENCODE},
    };
    v = slice_trim(v);
    /* Drop a trailing comment or parameter some mailers add. */
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == ';' || v.ptr[i] == '(' || v.ptr[i] == ' ') {
            v = slice_trim(slice_head(v, i));
            break;
        }
    if (v.len == 0)
        return MIME_CTE_7BIT;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (slice_case_eq_cstr(v, names[i].name))
            return names[i].cte;
    return MIME_CTE_UNKNOWN;
}

static bool
type_is(const char *type, const char *prefix)
{
    return strncmp(type, prefix, strlen(prefix)) == 0;
}

static bool
is_message_type(const char *type)
{
    return strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/news") == 0 ||
           strcmp(type, "message/global") == 0;
}

/* Read the part's MIME fields from its finished header block. */
static void
part_read_headers(struct mime_parser *p, struct mime_part *part)
{
    const struct header_field *f;
    unsigned hf = part->headers.flags;
    if (hf & (HEADER_F_BLOCK_LIMIT | HEADER_F_COUNT_LIMIT))
        part->flags |= MIME_F_HEADER_LIMIT;
    if (hf & (HEADER_F_BAD_LINE | HEADER_F_SPACE_NAME))
        part->flags |= MIME_F_BAD_HEADER;
    if (hf & HEADER_F_8BIT)
        part->flags |= MIME_F_8BIT_HEADER;
    if (hf & HEADER_F_LONG_LINE)
        part->flags |= MIME_F_LONG_LINE;
    bool digest = part->parent && part->parent->kind == MIME_MULTIPART &&
                  strcmp(part->parent->type, "multipart/digest") == 0;
    part->type = digest ? "message/rfc822" : "text/plain";
    if ((f = header_get(&part->headers, "Content-Type")) != NULL) {
        mime_value_parse(p->a, f->value, &part->ctype);
        const char *v = part->ctype.value;
        const char *slash = strchr(v, '/');
        if (slash && slash != v && slash[1] != '\0')
            part->type = v;
        else
            part->flags |= MIME_F_BAD_CTYPE;
        if (part->ctype.flags)
            part->flags |= MIME_F_BAD_PARAM;
        part->charset = mime_value_param(&part->ctype, "charset");
    }
    if ((f = header_get(&part->headers, "Content-Disposition")) != NULL) {
        mime_value_parse(p->a, f->value, &part->disposition);
        if (part->disposition.flags)
            part->flags |= MIME_F_BAD_PARAM;
        part->filename = mime_value_param(&part->disposition, "filename");
    }
    if (part->filename == NULL && part->ctype.nparams)
        part->filename = mime_value_param(&part->ctype, "name");
    if ((f = header_get(&part->headers, "Content-Transfer-Encoding")) != NULL) {
        part->cte = parse_cte(f->value);
        if (part->cte == MIME_CTE_UNKNOWN)
            part->flags |= MIME_F_BAD_CTE;
    }
}

static void
stack_push(struct mime_parser *p, struct mime_part *part, const char *boundary)
{
    if (p->nstack == p->capstack) {
        p->capstack = p->capstack ? p->capstack * 2 : 8;
        p->stack = xreallocarray(p->stack, p->capstack, sizeof(*p->stack));
    }
    struct open_entry *e = &p->stack[p->nstack++];
    memset(e, 0, sizeof(*e));
    e->part = part;
    e->boundary = boundary;
    e->blen = boundary ? strlen(boundary) : 0;
    if (boundary)
        p->nboundaries++;
}

/* Start the body of the current part, whose headers have ended. */
static void
begin_body(struct mime_parser *p, size_t body_start)
{
    struct mime_part *part = p->cur;
    header_builder_finish(&p->hb, p->a, &part->headers);
    part_read_headers(p, part);
    part->body_start = body_start;
    p->state = ST_BODY;
    p->prev_eol = 0;
    p->prev_cut = false;
    bool too_deep = part->depth + 1 > p->lim.mime_depth_max;
    if (type_is(part->type, "multipart/")) {
        const char *b = mime_value_param(&part->ctype, "boundary");
        if (b == NULL || *b == '\0' || strlen(b) > p->lim.boundary_max) {
            part->flags |= MIME_F_NO_BOUNDARY;
        } else if (too_deep) {
            part->flags |= MIME_F_DEPTH_LIMIT;
        } else {
            part->kind = MIME_MULTIPART;
            part->boundary = b;
            if (part->cte == MIME_CTE_BASE64 || part->cte == MIME_CTE_QP)
                part->flags |= MIME_F_ENCODED_MULTIPART;
            stack_push(p, part, b);
            return;
        }
    } else if (is_message_type(part->type)) {
        if (part->cte == MIME_CTE_BASE64 || part->cte == MIME_CTE_QP) {
            part->flags |= MIME_F_ENCODED_MULTIPART;
        } else if (too_deep) {
            part->flags |= MIME_F_DEPTH_LIMIT;
        } else {
            struct mime_part *child = part_new(p, part, body_start);
            if (child) {
                part->kind = MIME_MESSAGE;
                stack_push(p, part, NULL);
                p->cur = child;
                p->state = ST_HEADERS;
                return;
            }
        }
    }
    if (p->nboundaries == 0)
        p->state = ST_SINK;
}

/* Does line close or delimit the multipart of e? Returns 1 (delimiter),
 * 2 (close delimiter) or 0. */
static int
boundary_match(const struct open_entry *e, struct slice line)
{
    size_t n = e->blen, i;
    if (line.len < n + 2 || memcmp(line.ptr + 2, e->boundary, n) != 0)
        return 0;
    i = n + 2;
    int kind = 1;
    if (line.len >= i + 2 && line.ptr[i] == '-' && line.ptr[i + 1] == '-') {
        kind = 2;
        i += 2;
    }
    for (; i < line.len; i++)
        if (line.ptr[i] != ' ' && line.ptr[i] != '\t' && line.ptr[i] != '\r' &&
            line.ptr[i] != '\n')
            return 0;
    return kind;
}

/* Close every part from the current one up to (not including) stop. */
static void
close_up_to(struct mime_parser *p, struct mime_part *stop, size_t end)
{
    for (struct mime_part *q = p->cur; q && q != stop; q = q->parent) {
        if (q->body_end == OPEN_END)
            q->body_end = end < q->body_start ? q->body_start : end;
        if (q->kind == MIME_MULTIPART && q->preamble_end == OPEN_END) {
            q->preamble_end = q->body_end;
            q->flags |= MIME_F_NO_PARTS;
        }
    }
}

static void
pop_to(struct mime_parser *p, size_t keep)
{
    while (p->nstack > keep) {
        struct open_entry *e = &p->stack[--p->nstack];
        if (e->boundary && !e->in_epilogue) {
            p->nboundaries--;
            if (e->seen_boundary)
                e->part->flags |= MIME_F_NO_END_BOUNDARY;
        }
    }
}

static void
on_boundary(struct mime_parser *p, size_t i, int kind, size_t off, size_t len)
{
    struct open_entry *e = &p->stack[i];
    struct mime_part *m = e->part;
    size_t end = off - p->prev_eol;
    if (end < m->body_start)
        end = m->body_start;
    close_up_to(p, m, end);
    pop_to(p, i + 1);
    if (!e->seen_boundary) {
        m->preamble_end = end;
        e->seen_boundary = true;
    }
    p->cur = m;
    p->prev_eol = 0;
    p->prev_cut = false;
    if (kind == 2) {
        e->in_epilogue = true;
        p->nboundaries--;
        m->epilogue_start = off + len;
        p->state = ST_BODY;
        return;
    }
    struct mime_part *child = part_new(p, m, off + len);
    if (child == NULL) {
        /* Past parts_max: everything left is body text of this multipart,
         * which counts as closed here (the limit flag says why). */
        e->in_epilogue = true;
        p->nboundaries--;
        m->epilogue_start = off + len;
        p->state = ST_SINK;
        return;
    }
    p->cur = child;
    p->state = ST_HEADERS;
    header_builder_deinit(&p->hb);
    header_builder_init(&p->hb, &p->lim, false);
}

static void
body_line(struct mime_parser *p, struct slice line, size_t off, bool cut)
{
    bool line_start = !p->prev_cut;
    p->prev_cut = cut;
    if (cut)
        p->cur->flags |= MIME_F_LONG_LINE;
    if (line_start && line.len >= 2 && line.ptr[0] == '-' && line.ptr[1] == '-' &&
        p->nboundaries) {
        for (size_t i = p->nstack; i-- > 0;) {
            struct open_entry *e = &p->stack[i];
            int kind;
            if (e->boundary == NULL || e->in_epilogue)
                continue;
            if ((kind = boundary_match(e, line)) != 0) {
                on_boundary(p, i, kind, off, line.len);
                return;
            }
        }
    }
    p->prev_eol = cut ? 0 : line_eol_len(line);
}

static void on_line(void *ctx, struct slice line, size_t off, bool cut);

/* Is line a boundary of an open multipart (so it ends a header block)? */
static bool
is_open_boundary(const struct mime_parser *p, struct slice line)
{
    if (p->nboundaries == 0 || line.len < 2 || line.ptr[0] != '-' || line.ptr[1] != '-')
        return false;
    for (size_t i = p->nstack; i-- > 0;) {
        const struct open_entry *e = &p->stack[i];
        if (e->boundary && !e->in_epilogue && boundary_match(e, line))
            return true;
    }
    return false;
}

/* The header block ended without its empty line: the body starts with the
 * held line, if any (at held_off), then line. */
static void
headers_cut_short(struct mime_parser *p, struct slice line, size_t off, bool cut)
{
    struct slice held;
    if (header_builder_held(&p->hb, &held)) {
        /* Copy: finishing the block reuses the builder's buffer. */
        char *copy = arena_memdup0(p->a, held.ptr, held.len);
        p->hb.has_held = false;
        p->hb.flags |= HEADER_F_NO_BLANK | HEADER_F_BAD_LINE;
        begin_body(p, p->held_off);
        if (p->state == ST_HEADERS)
            on_line(p, slice_make(copy, held.len), p->held_off, false);
        else if (p->state == ST_BODY)
            body_line(p, slice_make(copy, held.len), p->held_off, false);
    } else {
        begin_body(p, off);
    }
    if (p->state == ST_HEADERS) /* a message part: its headers start here */
        on_line(p, line, off, cut);
    else if (p->state == ST_BODY)
        body_line(p, line, off, cut);
}

static void
on_line(void *ctx, struct slice line, size_t off, bool cut)
{
    struct mime_parser *p = ctx;
    if (p->state == ST_SINK)
        return;
    if (p->state != ST_HEADERS) {
        body_line(p, line, off, cut);
        return;
    }
    if (!p->hb.in_cut_line && is_open_boundary(p, line)) {
        p->hb.flags |= HEADER_F_NO_BLANK;
        headers_cut_short(p, line, off, cut);
        return;
    }
    switch (header_builder_line(&p->hb, line, cut)) {
    case HEADER_LINE_MORE:
        return;
    case HEADER_LINE_HELD:
        p->held_off = off;
        return;
    case HEADER_LINE_END:
        begin_body(p, off + line.len);
        return;
    case HEADER_LINE_BODY:
        headers_cut_short(p, line, off, cut);
        return;
    }
}

struct mime_parser *
mime_parser_new(struct arena *a, const struct mail_limits *lim)
{
    struct mime_parser *p = xcalloc(1, sizeof(*p));
    p->a = a;
    p->lim = *lim;
    if (p->lim.line_max == 0)
        p->lim.line_max = MAIL_LIMIT_LINE_MAX;
    line_reader_init(&p->lr, p->lim.line_max);
    header_builder_init(&p->hb, &p->lim, true);
    p->msg = arena_calloc(a, 1, sizeof(*p->msg));
    p->msg->root = part_new(p, NULL, 0);
    p->cur = p->msg->root;
    p->state = ST_HEADERS;
    return p;
}

void
mime_parser_push(struct mime_parser *p, const char *data, size_t len)
{
    if (p->size_cut)
        return;
    if (len > p->lim.message_max - p->lr.offset) {
        len = p->lim.message_max - p->lr.offset;
        p->size_cut = true;
        p->msg->flags |= MIME_F_SIZE_LIMIT;
    }
    if (p->state == ST_SINK)
        line_reader_skip(&p->lr, len);
    else
        line_reader_push(&p->lr, data, len, on_line, p);
}

static void
flags_up(struct mime_message *msg)
{
    for (struct mime_part *q = msg->root; q; q = mime_next(q))
        msg->flags |= q->flags;
}

struct mime_message *
mime_parser_finish(struct mime_parser *p)
{
    if (p->state != ST_SINK)
        line_reader_finish(&p->lr, on_line, p);
    size_t end = p->lr.offset;
    p->msg->size = end;
    struct slice held;
    if (p->state == ST_HEADERS && header_builder_held(&p->hb, &held)) {
        /* The input ended on a malformed line: it starts the body. */
        char *copy = arena_memdup0(p->a, held.ptr, held.len);
        p->hb.has_held = false;
        p->hb.flags |= HEADER_F_NO_BLANK | HEADER_F_BAD_LINE;
        begin_body(p, p->held_off);
        if (p->state == ST_BODY)
            body_line(p, slice_make(copy, held.len), p->held_off, false);
    }
    while (p->state == ST_HEADERS) {
        begin_body(p, end); /* may open a message part with empty headers */
    }
    close_up_to(p, NULL, end);
    for (size_t i = 0; i < p->nstack; i++) {
        struct open_entry *e = &p->stack[i];
        if (e->boundary && !e->in_epilogue && e->seen_boundary)
            e->part->flags |= MIME_F_NO_END_BOUNDARY;
    }
    pop_to(p, 0);
    flags_up(p->msg);
    return p->msg;
}

void
mime_parser_free(struct mime_parser **pp)
{
    struct mime_parser *p = *pp;
    if (p == NULL)
        return;
    line_reader_deinit(&p->lr);
    header_builder_deinit(&p->hb);
    free(p->stack);
    free(p);
    *pp = NULL;
}

struct mime_message *
mime_parse(struct arena *a, const struct mail_limits *lim, const char *data, size_t len)
{
    struct mime_parser *p = mime_parser_new(a, lim);
    mime_parser_push(p, data, len);
    struct mime_message *m = mime_parser_finish(p);
    mime_parser_free(&p);
    return m;
}

struct mime_part *
mime_next(struct mime_part *p)
{
    if (p->first_child)
        return p->first_child;
    while (p) {
        if (p->next)
            return p->next;
        p = p->parent;
    }
    return NULL;
}

const char *
mime_cte_name(enum mime_cte cte)
{
    static const char *const names[] = {"7bit",   "8bit",     "binary", "base64",
                                        "quoted-printable", "x-uuencode", "unknown"};
    return names[cte];
}
