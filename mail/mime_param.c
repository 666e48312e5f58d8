/*
 * mime_param: Content-Type / Content-Disposition values and parameters
 * (RFC 2045, RFC 2231, RFC 2047 in values), read leniently.
 *
 * Untrusted input: yes (header field values). Limits: MIME_PARAM_MAX
 * parameters, MIME_PARAM_SEGMENTS_MAX name=value pieces, values of at most
 * MIME_PARAM_VALUE_MAX bytes once decoded; each limit reached is a flag.
 * Every loop is bounded by the input's length; memory comes from the
 * caller's arena and is linear in the input.
 */
#include "mime_param.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chars.h"
#include "mail/charset.h"
#include "mail/rfc2047.h"

/* One name=value piece as read. */
struct seg {
    char *name; /* base name, lower-cased */
    long index; /* continuation number, or -1 */
    bool encoded;
    struct slice value; /* unquoted, unfolded; in the arena */
    size_t pos;         /* order of appearance */
};

struct parser {
    struct arena *a;
    const char *s;
    size_t n, i;
    struct seg *segs;
    size_t nsegs, cap;
    unsigned flags;
};

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* A character of a token (a type, a parameter name): no controls. */
static bool
is_tok(char c)
{
    unsigned char u = (unsigned char)c;
    return u > 0x20 && u != 0x7f && c != ';' && c != '=' && c != '(' && c != '"';
}

static void
skip_comment(struct parser *p)
{
    size_t depth = 0;
    while (p->i < p->n) {
        char c = p->s[p->i++];
        if (c == '\\')
            p->i += p->i < p->n;
        else if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return;
    }
    p->flags |= MIME_PARAM_F_SYNTAX; /* unterminated */
}

static void
skip_cfws(struct parser *p)
{
    while (p->i < p->n) {
        if (is_ws(p->s[p->i]))
            p->i++;
        else if (p->s[p->i] == '(')
            skip_comment(p);
        else
            break;
    }
}

/* Does a "name =" start at j? (A parameter whose ';' is missing.) */
static bool
looks_like_param(const struct parser *p, size_t j)
{
    size_t k = j;
    while (k < p->n && is_tok(p->s[k]))
        k++;
    if (k == j)
        return false;
    while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t'))
        k++;
    return k < p->n && p->s[k] == '=';
}

/* ---- the value before the parameters ---- */

static void
parse_main_value(struct parser *p, struct mime_value *out)
{
    struct str v;
    str_init(&v, MIME_PARAM_VALUE_MAX);
    for (;;) {
        skip_cfws(p);
        if (p->i >= p->n || p->s[p->i] == ';')
            break;
        size_t t = p->i;
        if (!is_tok(p->s[t])) {
            p->flags |= MIME_PARAM_F_SYNTAX; /* stray character */
            p->i++;
            continue;
        }
        if (looks_like_param(p, t)) {
            p->flags |= MIME_PARAM_F_SYNTAX; /* "attachment filename=x" */
            break;
        }
        while (p->i < p->n && is_tok(p->s[p->i]))
            p->i++;
        struct slice tok = slice_make(p->s + t, p->i - t);
        if (v.len == 0 || v.buf[v.len - 1] == '/' || tok.ptr[0] == '/') {
            if (str_append_slice(&v, tok) < 0)
                p->flags |= MIME_PARAM_F_TOO_LONG;
        } else {
            p->flags |= MIME_PARAM_F_SYNTAX; /* "text/plain junk" */
        }
    }
    for (size_t k = 0; k < v.len; k++)
        v.buf[k] = lower(v.buf[k]);
    out->value = arena_memdup0(p->a, v.buf ? v.buf : "", v.len);
    str_deinit(&v);
}

/* ---- parameter values ---- */

/* A quoted string at p->i (the '"'): unescaped, CR and LF dropped. */
static struct slice
read_quoted(struct parser *p)
{
    size_t start = ++p->i, end = start, k = 0;
    while (end < p->n && p->s[end] != '"')
        end += (p->s[end] == '\\' && end + 1 < p->n) ? 2 : 1;
    char *buf = arena_alloc(p->a, end - start + 1);
    for (size_t j = start; j < end; j++) {
        char c = p->s[j];
        if (c == '\\' && j + 1 < end)
            c = p->s[++j];
        if (c != '\r' && c != '\n')
            buf[k++] = c;
    }
    buf[k] = '\0';
    if (end >= p->n)
        p->flags |= MIME_PARAM_F_SYNTAX; /* unterminated */
    p->i = end < p->n ? end + 1 : end;
    return slice_make(buf, k);
}

/* An unquoted value: to the next ';', or to a space before "name=". */
static struct slice
read_unquoted(struct parser *p)
{
    size_t start = p->i, end = start, k = 0;
    while (end < p->n && p->s[end] != ';') {
        if (is_ws(p->s[end])) {
            size_t j = end;
            while (j < p->n && is_ws(p->s[j]))
                j++;
            if (j < p->n && looks_like_param(p, j)) {
                p->flags |= MIME_PARAM_F_SYNTAX; /* missing ';' */
                break;
            }
            end = j;
            continue;
        }
        end++;
    }
    p->i = end;
    while (end > start && is_ws(p->s[end - 1]))
        end--;
    char *buf = arena_alloc(p->a, end - start + 1);
    for (size_t j = start; j < end; j++)
        if (p->s[j] != '\r' && p->s[j] != '\n')
            buf[k++] = p->s[j];
    buf[k] = '\0';
    return slice_make(buf, k);
}

/* Split "name*12*" into its base, number and encoded mark. Returns false if
 * nothing is left of the name. */
static bool
split_name(struct parser *p, const char *name, size_t len, struct seg *sg)
{
    const char *star;
    size_t ndig;
    sg->encoded = false;
    sg->index = -1;
    if (len > 0 && name[len - 1] == '*') {
        sg->encoded = true;
        len--;
    }
    star = len ? memchr(name, '*', len) : NULL;
    if (star != NULL) {
        ndig = len - (size_t)(star - name) - 1;
        bool digits = ndig > 0 && ndig <= 4;
        for (size_t k = 1; digits && k <= ndig; k++)
            digits = star[k] >= '0' && star[k] <= '9';
        if (digits) {
            sg->index = strtol(star + 1, NULL, 10);
            len = (size_t)(star - name);
        } else {
            p->flags |= MIME_PARAM_F_SYNTAX;
        }
    }
    if (len == 0)
        return false;
    sg->name = arena_memdup0(p->a, name, len);
    for (size_t k = 0; k < len; k++)
        sg->name[k] = lower(sg->name[k]);
    return true;
}

/* After a value: only ';' should follow. Skip anything else. */
static void
skip_trailing(struct parser *p)
{
    skip_cfws(p);
    if (p->i >= p->n || p->s[p->i] == ';')
        return;
    p->flags |= MIME_PARAM_F_SYNTAX;
    if (looks_like_param(p, p->i))
        return;
    const char *semi = memchr(p->s + p->i, ';', p->n - p->i);
    p->i = semi ? (size_t)(semi - p->s) : p->n;
}

/* One name=value piece; false when the input is done. */
static bool
parse_one(struct parser *p)
{
    while (p->i < p->n && (is_ws(p->s[p->i]) || p->s[p->i] == ';' || p->s[p->i] == '('))
        p->s[p->i] == '(' ? skip_comment(p) : (void)p->i++;
    if (p->i >= p->n)
        return false;
    if (p->nsegs >= p->cap) {
        /* Every piece has an '=': with cap below the count of '=', the
         * limit was reached; otherwise only junk is left. */
        p->flags |= p->cap >= MIME_PARAM_SEGMENTS_MAX ? MIME_PARAM_F_TOO_MANY : MIME_PARAM_F_SYNTAX;
        return false;
    }
    size_t t = p->i;
    while (p->i < p->n && is_tok(p->s[p->i]))
        p->i++;
    if (p->i == t) { /* '=', '"' or a control where a name should be */
        p->flags |= MIME_PARAM_F_SYNTAX;
        if (p->s[p->i] == '"')
            (void)read_quoted(p);
        else
            p->i++;
        return true;
    }
    struct slice name = slice_make(p->s + t, p->i - t);
    skip_cfws(p);
    if (p->i >= p->n || p->s[p->i] != '=') {
        p->flags |= MIME_PARAM_F_SYNTAX; /* a name without a value */
        return true;
    }
    p->i++;
    skip_cfws(p);
    struct seg *sg = &p->segs[p->nsegs];
    bool quoted = p->i < p->n && p->s[p->i] == '"';
    sg->value = quoted ? read_quoted(p) : read_unquoted(p);
    if (quoted)
        skip_trailing(p);
    if (!quoted && sg->value.len == 0)
        p->flags |= MIME_PARAM_F_SYNTAX; /* "name=" */
    sg->pos = p->nsegs;
    if (split_name(p, name.ptr, name.len, sg))
        p->nsegs++;
    else
        p->flags |= MIME_PARAM_F_SYNTAX;
    return true;
}

/* ---- assembling the parameters ---- */

static int
cmp_seg(const void *x, const void *y)
{
    const struct seg *a = *(const struct seg *const *)x, *b = *(const struct seg *const *)y;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

/* %XX to bytes; a '%' that is not followed by two hex digits stays. */
static int
percent_decode(struct slice v, struct str *raw)
{
    for (size_t k = 0; k < v.len; k++) {
        int hi, lo;
        char c = v.ptr[k];
        if (c == '%' && k + 2 < v.len && (hi = chars_hexval(v.ptr[k + 1])) >= 0 &&
            (lo = chars_hexval(v.ptr[k + 2])) >= 0) {
            c = (char)((hi << 4) | lo);
            k += 2;
        }
        if (str_appendc(raw, c) < 0)
            return -1;
    }
    return 0;
}

/* "charset'language'text": the charset (in the arena) and the text. */
static struct slice
split_charset(struct parser *p, struct slice v, const char **charset)
{
    const char *q1 = memchr(v.ptr, '\'', v.len), *q2 = NULL;
    if (q1)
        q2 = memchr(q1 + 1, '\'', v.len - (size_t)(q1 + 1 - v.ptr));
    if (q2 == NULL) {
        p->flags |= MIME_PARAM_F_SYNTAX; /* no charset'language' */
        return v;
    }
    *charset = arena_memdup0(p->a, v.ptr, (size_t)(q1 - v.ptr));
    return slice_from(v, (size_t)(q2 + 1 - v.ptr));
}

/* RFC 2231 pieces, sorted, to UTF-8 in out. */
static void
join_2231(struct parser *p, struct seg **list, size_t nl, struct str *out)
{
    struct str raw;
    const char *charset = NULL;
    bool any_encoded = false;
    unsigned cf = 0;
    str_init(&raw, 4 * MIME_PARAM_VALUE_MAX);
    for (size_t k = 0; k < nl; k++) {
        struct slice v = list[k]->value;
        int r;
        if (!list[k]->encoded) {
            r = str_append_slice(&raw, v);
        } else {
            if (k == 0 && list[k]->index <= 0)
                v = split_charset(p, v, &charset);
            any_encoded = true;
            r = percent_decode(v, &raw);
        }
        if (r < 0) {
            p->flags |= MIME_PARAM_F_TOO_LONG;
            break;
        }
    }
    if (!any_encoded) {
        if (rfc2047_decode(str_slice(&raw), out, &cf) < 0)
            p->flags |= MIME_PARAM_F_TOO_LONG;
        if (cf & RFC2047_F_BAD_CHARSET)
            p->flags |= MIME_PARAM_F_BAD_CHARSET;
    } else {
        if (charset_to_utf8(charset, str_slice(&raw), out, &cf) < 0)
            p->flags |= MIME_PARAM_F_TOO_LONG;
        /* An empty charset is allowed (RFC 2231): no flag for that. */
        if ((cf & CHARSET_F_INVALID) || ((cf & CHARSET_F_UNKNOWN) && charset && *charset))
            p->flags |= MIME_PARAM_F_BAD_CHARSET;
    }
    str_deinit(&raw);
}

/* The value of the group of pieces named like list[0], into out. */
static void
build_value(struct parser *p, struct seg **list, size_t nl, struct str *out)
{
    struct seg *plain = NULL, *single = NULL;
    size_t nplain = 0, nsingle = 0, nidx = 0;
    for (size_t k = 0; k < nl; k++) {
        if (list[k]->index >= 0)
            list[nidx++] = list[k]; /* indexed ones move to the front, in order */
        else if (list[k]->encoded && nsingle++ == 0)
            single = list[k];
        else if (!list[k]->encoded && nplain++ == 0)
            plain = list[k];
    }
    if (nidx > 0 && single != NULL)
        p->flags |= MIME_PARAM_F_DUPLICATE;
    if (single != NULL && (nidx == 0 || single->pos < list[0]->pos)) {
        if (nsingle > 1)
            p->flags |= MIME_PARAM_F_DUPLICATE;
        join_2231(p, &single, 1, out);
        return;
    }
    if (nidx > 0) {
        size_t m = 0;
        qsort(list, nidx, sizeof(list[0]), cmp_seg);
        for (size_t k = 0; k < nidx; k++) {
            if (m > 0 && list[k]->index == list[m - 1]->index) {
                p->flags |= MIME_PARAM_F_DUPLICATE;
                continue;
            }
            if (list[k]->index != (long)m)
                p->flags |= MIME_PARAM_F_SYNTAX; /* a gap */
            list[m++] = list[k];
        }
        join_2231(p, list, m, out);
        return;
    }
    unsigned rf = 0;
    if (nplain > 1)
        p->flags |= MIME_PARAM_F_DUPLICATE;
    if (rfc2047_decode(plain->value, out, &rf) < 0)
        p->flags |= MIME_PARAM_F_TOO_LONG;
    if (rf & RFC2047_F_BAD_CHARSET)
        p->flags |= MIME_PARAM_F_BAD_CHARSET;
}

/* A copy of the decoded value for the arena; NUL bytes become U+FFFD
 * (still within MIME_PARAM_VALUE_MAX). */
static char *
finish_value(struct parser *p, struct str *v)
{
    struct str r;
    size_t start = 0;
    char *ret;
    if (v->len == 0 || memchr(v->buf, '\0', v->len) == NULL)
        return arena_memdup0(p->a, v->buf ? v->buf : "", v->len);
    p->flags |= MIME_PARAM_F_SYNTAX;
    str_init(&r, MIME_PARAM_VALUE_MAX);
    for (size_t j = 0; j <= v->len; j++) {
        if (j < v->len && v->buf[j] != '\0')
            continue;
        if (charset_append_utf8(&r, v->buf + start, j - start) < 0 ||
            (j < v->len && charset_append_utf8(&r, "\xEF\xBF\xBD", 3) < 0)) {
            p->flags |= MIME_PARAM_F_TOO_LONG;
            break;
        }
        start = j + 1;
    }
    ret = arena_memdup0(p->a, r.buf ? r.buf : "", r.len);
    str_deinit(&r);
    return ret;
}

static void
assemble(struct parser *p, struct mime_value *out)
{
    bool *used = arena_calloc(p->a, p->nsegs ? p->nsegs : 1, sizeof(bool));
    struct seg **list = arena_calloc(p->a, p->nsegs ? p->nsegs : 1, sizeof(*list));
    size_t maxp = p->nsegs < MIME_PARAM_MAX ? p->nsegs : MIME_PARAM_MAX;
    struct str v;
    out->params = arena_calloc(p->a, maxp ? maxp : 1, sizeof(struct mime_param));
    out->nparams = 0;
    str_init(&v, MIME_PARAM_VALUE_MAX);
    for (size_t k = 0; k < p->nsegs; k++) {
        size_t nl = 0;
        if (used[k])
            continue;
        if (out->nparams == MIME_PARAM_MAX) {
            p->flags |= MIME_PARAM_F_TOO_MANY;
            break;
        }
        for (size_t j = k; j < p->nsegs; j++) {
            if (!used[j] && strcmp(p->segs[j].name, p->segs[k].name) == 0) {
                used[j] = true;
                list[nl++] = &p->segs[j];
            }
        }
        str_clear(&v);
        struct mime_param *mp = &out->params[out->nparams++];
        mp->name = p->segs[k].name;
        build_value(p, list, nl, &v);
        mp->value = finish_value(p, &v);
    }
    str_deinit(&v);
}

void
mime_value_parse(struct arena *a, struct slice in, struct mime_value *out)
{
    struct parser p;
    size_t neq = 0;
    memset(&p, 0, sizeof(p));
    p.a = a;
    p.s = in.ptr ? in.ptr : "";
    p.n = in.len;
    for (const char *e = p.s; p.n && (e = memchr(e, '=', p.n - (size_t)(e - p.s))) != NULL; e++)
        neq++;
    p.cap = neq < MIME_PARAM_SEGMENTS_MAX ? neq : MIME_PARAM_SEGMENTS_MAX;
    p.segs = arena_calloc(a, p.cap ? p.cap : 1, sizeof(struct seg));
    parse_main_value(&p, out);
    while (parse_one(&p))
        ;
    assemble(&p, out);
    out->flags = p.flags;
}

const char *
mime_value_param(const struct mime_value *v, const char *name)
{
    for (size_t k = 0; k < v->nparams; k++) {
        const char *x = v->params[k].name, *y = name;
        while (*x && lower(*x) == lower(*y))
            x++, y++;
        if (*x == '\0' && *y == '\0')
            return v->params[k].value;
    }
    return NULL;
}
