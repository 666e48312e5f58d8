/*
 * address: parse RFC 5322 address lists and single addresses, strictly;
 * extract what looks like addresses from broken headers, leniently.
 *
 * Untrusted input: yes (header fields, envelope addresses, list commands).
 * Pure: no I/O, no globals but read-only tables. Limits: at most
 * ADDRESS_LIST_MAX addresses in a list (more is an error), comments nested
 * at most ADDRESS_COMMENT_DEPTH_MAX deep, local parts of ADDRESS_LOCAL_MAX
 * bytes, domains of ADDRESS_DOMAIN_MAX bytes, display names of
 * ADDRESS_DISPLAY_MAX bytes (cut). Time is linear in the input; the arena
 * gets at most a few times the input's size.
 *
 * The input is lexed into tokens (atoms, quoted strings, domain literals
 * and the specials < > @ , ; : .), each remembering whether CFWS came
 * before it; the parser then follows RFC 5322 section 3.4 with the
 * obsolete forms that real mail still uses: dots in display names, empty
 * list elements, source routes. It is stricter than RFC 5322 where a mail
 * system must be: no spaces or comments inside a local part or a domain,
 * and a domain must be a host name of two labels or more or an address
 * literal. RFC 6532 (UTF-8 in atoms and quoted strings) is accepted.
 */
#include "address.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <string.h>

#include "lib/chars.h"
#include "mail/rfc2047.h"

enum tok_kind { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL, T_ERROR };

struct token {
    enum tok_kind kind;
    char c;           /* the character of a T_SPECIAL */
    size_t start, end; /* its bytes (quotes and brackets included) */
    bool space;       /* CFWS came before it */
    bool comment;     /* a comment came before it */
};

struct lexer {
    const unsigned char *p;
    size_t n, pos;
    struct token tok; /* the current token */
    const char *err;  /* set with T_ERROR */
    bool saw_comment; /* a comment was skipped somewhere */
};

/* What a phrase (a run of words and dots) looked like. */
struct phrase {
    size_t start, end; /* its bytes, from the first token to the last */
    size_t words, dots;
    bool qstr, atom;
    bool inner_space, inner_comment; /* CFWS between its tokens */
    bool first_dot, last_dot, double_dot;
};

struct parser {
    struct arena *a;
    struct lexer lx;
    struct address_list *out;
    size_t cap;
    bool bare; /* address_parse: no comments or spaces at all */
    const char *err;
};

/* ---- lexer ---- */

static bool
is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_atext(unsigned char c)
{
    return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static void
lex_error(struct lexer *lx, const char *err)
{
    lx->tok.kind = T_ERROR;
    lx->err = err;
}

/* Skip a comment at lx->pos ('('); returns 0 or -1 (error set). */
static int
lex_comment(struct lexer *lx)
{
    size_t depth = 0;
    while (lx->pos < lx->n) {
        unsigned char c = lx->p[lx->pos++];
        if (c == '\\') {
            if (lx->pos < lx->n)
                lx->pos++;
        } else if (c == '(') {
            if (++depth > ADDRESS_COMMENT_DEPTH_MAX) {
                lex_error(lx, "comments nested too deeply");
                return -1;
            }
        } else if (c == ')' && --depth == 0) {
            return 0;
        }
    }
    lex_error(lx, "unterminated comment");
    return -1;
}

/* A quoted string at lx->pos ('"'); returns 0 or -1 (error set). */
static int
lex_qstring(struct lexer *lx)
{
    lx->pos++;
    while (lx->pos < lx->n) {
        unsigned char c = lx->p[lx->pos];
        size_t len = 1;
        if (c == '"') {
            lx->pos++;
            return 0;
        }
        if (c == '\\') {
            if (lx->pos + 1 >= lx->n)
                break;
            c = lx->p[lx->pos + 1];
            len = 2;
        }
        if (c >= 0x80) {
            size_t u = chars_utf8_len(lx->p + lx->pos + len - 1, lx->n - lx->pos - len + 1);
            if (u == 0) {
                lex_error(lx, "invalid UTF-8");
                return -1;
            }
            len += u - 1;
        } else if ((c < 0x20 && !is_wsp(c)) || c == 0x7f) {
            lex_error(lx, "control character in quoted string");
            return -1;
        }
        lx->pos += len;
    }
    lex_error(lx, "unterminated quoted string");
    return -1;
}

/* A domain literal at lx->pos ('['); returns 0 or -1 (error set). */
static int
lex_dliteral(struct lexer *lx)
{
    lx->pos++;
    while (lx->pos < lx->n) {
        unsigned char c = lx->p[lx->pos++];
        if (c == ']')
            return 0;
        if (c == '[' || c == '\\' || c <= 0x20 || c >= 0x7f) {
            lex_error(lx, "bad address literal");
            return -1;
        }
    }
    lex_error(lx, "unterminated address literal");
    return -1;
}

/* An atom at lx->pos; returns 0 or -1 (error set). */
static int
lex_atom(struct lexer *lx)
{
    while (lx->pos < lx->n) {
        unsigned char c = lx->p[lx->pos];
        if (c < 0x80) {
            if (!is_atext(c))
                return 0;
            lx->pos++;
            continue;
        }
        size_t u = chars_utf8_len(lx->p + lx->pos, lx->n - lx->pos);
        if (u == 0) {
            lex_error(lx, "invalid UTF-8");
            return -1;
        }
        lx->pos += u;
    }
    return 0;
}

/* Skip CFWS, noting it in the token. Returns 0 or -1 (error set). */
static int
lex_cfws(struct lexer *lx)
{
    while (lx->pos < lx->n) {
        unsigned char c = lx->p[lx->pos];
        if (is_wsp(c)) {
            lx->pos++;
        } else if (c == '(') {
            if (lex_comment(lx) < 0)
                return -1;
            lx->tok.comment = true;
            lx->saw_comment = true;
        } else {
            break;
        }
        lx->tok.space = true;
    }
    return 0;
}

static const char *
bad_char_reason(unsigned char c)
{
    switch (c) {
    case ')':
        return "unbalanced ')'";
    case ']':
        return "unexpected ']'";
    case '\\':
        return "backslash outside quotes";
    default:
        return "invalid character";
    }
}

/* Read the next token into lx->tok. */
static void
lex_next(struct lexer *lx)
{
    if (lx->tok.kind == T_ERROR)
        return; /* errors are final */
    lx->tok = (struct token){.kind = T_END};
    if (lex_cfws(lx) < 0)
        return;
    lx->tok.start = lx->pos;
    if (lx->pos >= lx->n) {
        lx->tok.end = lx->pos;
        return;
    }
    unsigned char c = lx->p[lx->pos];
    int r = 0;
    if (c == '"') {
        lx->tok.kind = T_QSTR;
        r = lex_qstring(lx);
    } else if (c == '[') {
        lx->tok.kind = T_DLIT;
        r = lex_dliteral(lx);
    } else if (c != '\0' && strchr("<>@,;:.", c) != NULL) {
        lx->tok.kind = T_SPECIAL;
        lx->tok.c = (char)c;
        lx->pos++;
    } else if (is_atext(c) || c >= 0x80) {
        lx->tok.kind = T_ATOM;
        r = lex_atom(lx);
    } else {
        lex_error(lx, bad_char_reason(c));
        r = -1;
    }
    if (r == 0)
        lx->tok.end = lx->pos;
}

static void
lex_init(struct lexer *lx, const char *p, size_t start, size_t end)
{
    lx->p = (const unsigned char *)p;
    lx->n = end;
    lx->pos = start;
    lx->err = NULL;
    lx->saw_comment = false;
    lx->tok.kind = T_END;
    lex_next(lx);
}

static bool
tok_is(const struct token *t, char c)
{
    return t->kind == T_SPECIAL && t->c == c;
}

/* ---- building strings ---- */

/* The content of a quoted string (bytes start..end, quotes included):
 * escapes and line breaks (even escaped ones) removed. */
static void
unquote(const unsigned char *p, size_t start, size_t end, struct str *out)
{
    for (size_t i = start + 1; i + 1 < end; i++) {
        if (p[i] == '\\' && i + 2 < end)
            i++;
        if (p[i] == '\r' || p[i] == '\n')
            continue;
        (void)str_appendc(out, p[i]);
    }
}

/* The display form of a phrase: words joined by one space where CFWS
 * separated them, quoted strings unquoted, encoded words decoded. */
static char *
phrase_display(struct parser *ps, const struct phrase *ph)
{
    struct str raw, dec;
    struct lexer lx;
    if (ph->words == 0 && ph->dots == 0)
        return arena_strdup(ps->a, "");
    str_init(&raw, 4 * ADDRESS_DISPLAY_MAX);
    lex_init(&lx, (const char *)ps->lx.p, ph->start, ph->end);
    for (; lx.tok.kind != T_END && lx.tok.kind != T_ERROR; lex_next(&lx)) {
        if (lx.tok.space && raw.len > 0)
            (void)str_appendc(&raw, ' ');
        if (lx.tok.kind == T_QSTR)
            unquote(lx.p, lx.tok.start, lx.tok.end, &raw);
        else
            (void)str_append_trunc(&raw, lx.p + lx.tok.start, lx.tok.end - lx.tok.start);
    }
    /* Also turns invalid UTF-8 into U+FFFD and cuts at a character. */
    str_init(&dec, ADDRESS_DISPLAY_MAX);
    (void)rfc2047_decode(str_slice(&raw), &dec, NULL);
    char *s = arena_memdup0(ps->a, dec.buf ? dec.buf : "", dec.len);
    for (size_t i = 0; i < dec.len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = ' '; /* e.g. an encoded "=0D=0A": never a line break */
    str_deinit(&raw);
    str_deinit(&dec);
    return s;
}

/* ---- checks ---- */

/* Collect a phrase: words (atoms, quoted strings) and dots. */
static void
parse_phrase(struct parser *ps, struct phrase *ph)
{
    struct lexer *lx = &ps->lx;
    bool prev_dot = false;
    memset(ph, 0, sizeof(*ph));
    ph->start = ph->end = lx->tok.start;
    for (;; lex_next(lx)) {
        const struct token *t = &lx->tok;
        bool dot = tok_is(t, '.');
        if (t->kind != T_ATOM && t->kind != T_QSTR && !dot)
            break;
        if (ph->end > ph->start) {
            ph->inner_space |= t->space;
            ph->inner_comment |= t->comment;
        } else {
            ph->first_dot = dot;
        }
        ph->double_dot |= dot && prev_dot;
        ph->dots += dot;
        ph->words += !dot;
        ph->qstr |= t->kind == T_QSTR;
        ph->atom |= t->kind == T_ATOM;
        ph->last_dot = prev_dot = dot;
        ph->end = t->end;
    }
}

/* Is the phrase a valid local part? Returns NULL or the reason. */
static const char *
local_error(const struct phrase *ph)
{
    if (ph->words == 0 && ph->dots == 0)
        return "missing local part";
    if (ph->inner_comment)
        return "comment inside local part";
    if (ph->inner_space)
        return "unquoted space in local part";
    if (ph->qstr && (ph->atom || ph->dots || ph->words > 1))
        return "local part mixes quoted and unquoted text";
    if (ph->first_dot)
        return "local part starts with a dot";
    if (ph->last_dot)
        return "local part ends with a dot";
    if (ph->double_dot)
        return "two dots in a row in local part";
    if (ph->end - ph->start > ADDRESS_LOCAL_MAX)
        return "local part too long";
    if (ph->qstr && ph->end - ph->start == 2)
        return "empty quoted local part";
    return NULL;
}

static char *
local_string(struct parser *ps, const struct phrase *ph)
{
    if (!ph->qstr)
        return arena_memdup0(ps->a, ps->lx.p + ph->start, ph->end - ph->start);
    struct str s;
    str_init(&s, ADDRESS_LOCAL_MAX);
    unquote(ps->lx.p, ph->start, ph->end, &s);
    char *r = arena_memdup0(ps->a, s.buf ? s.buf : "", s.len);
    str_deinit(&s);
    return r;
}

/* Check one host-name label (n bytes at p). */
static const char *
label_error(const char *p, size_t n)
{
    if (n == 0)
        return "empty label in domain";
    if (n > 63)
        return "domain label too long";
    if (p[0] == '-' || p[n - 1] == '-')
        return "domain label starts or ends with a hyphen";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!is_alnum(c) && c != '-' && c < 0x80)
            return "invalid character in domain";
    }
    return NULL;
}

/* Check a (lowercased) host name. */
static const char *
host_error(const char *d, size_t n)
{
    size_t labels = 0, s = 0;
    const char *err;
    if (n > ADDRESS_DOMAIN_MAX)
        return "domain too long";
    for (size_t i = 0; i <= n; i++) {
        if (i < n && d[i] != '.')
            continue;
        if ((err = label_error(d + s, i - s)) != NULL)
            return err;
        labels++;
        s = i + 1;
    }
    if (labels < 2)
        return "domain has no dot";
    bool numeric = true;
    for (size_t i = n; i > 0 && d[i - 1] != '.'; i--)
        numeric &= d[i - 1] >= '0' && d[i - 1] <= '9';
    return numeric ? "top-level domain is numeric" : NULL;
}

/* Check an address literal "[...]" (lowercased). */
static const char *
literal_error(const char *d, size_t n)
{
    char buf[64];
    unsigned char addr[16];
    const char *in = d + 1;
    size_t len = n - 2;
    int af = AF_INET;
    if (len > 5 && memcmp(in, "ipv6:", 5) == 0) {
        af = AF_INET6;
        in += 5;
        len -= 5;
    }
    if (len == 0 || len >= sizeof(buf))
        return "bad address literal";
    memcpy(buf, in, len);
    buf[len] = '\0';
    return inet_pton(af, buf, addr) == 1 ? NULL : "bad address literal";
}

/* ---- parser ---- */

static int
fail(struct parser *ps, const char *err)
{
    if (ps->err == NULL)
        ps->err = err;
    return -1;
}

/* The reason for an unexpected token. */
static const char *
unexpected(const struct lexer *lx)
{
    const struct token *t = &lx->tok;
    if (t->kind == T_ERROR)
        return lx->err;
    if (t->kind == T_END)
        return "unexpected end of address";
    if (t->kind == T_DLIT)
        return "unexpected address literal";
    if (t->kind != T_SPECIAL)
        return "unexpected word";
    switch (t->c) {
    case '<':
        return "unexpected '<'";
    case '>':
        return "unexpected '>'";
    case '@':
        return "unexpected '@'";
    case ',':
        return "unexpected ','";
    case ';':
        return "unexpected ';'";
    case ':':
        return "unexpected ':'";
    default:
        return "unexpected '.'";
    }
}

/* A dot-atom domain: atoms and dots with nothing between them. */
static int
parse_dot_domain(struct parser *ps, size_t *end)
{
    struct lexer *lx = &ps->lx;
    for (;;) {
        *end = lx->tok.end;
        lex_next(lx);
        if (!tok_is(&lx->tok, '.'))
            return 0;
        if (lx->tok.space)
            return fail(ps, "space in domain");
        lex_next(lx);
        if (tok_is(&lx->tok, '.'))
            return fail(ps, "two dots in a row in domain");
        if (lx->tok.kind == T_ERROR)
            return fail(ps, lx->err);
        if (lx->tok.kind != T_ATOM)
            return fail(ps, "domain ends with a dot");
        if (lx->tok.space)
            return fail(ps, "space in domain");
    }
}

/* A domain after '@' (consumed): *domain_r gets it, lowercased. */
static int
parse_domain(struct parser *ps, char **domain_r)
{
    struct lexer *lx = &ps->lx;
    size_t start = lx->tok.start, end;
    if (ps->bare && lx->tok.space)
        return fail(ps, "space in domain");
    if (lx->tok.kind == T_DLIT) {
        end = lx->tok.end;
        lex_next(lx);
    } else if (lx->tok.kind == T_ATOM) {
        if (parse_dot_domain(ps, &end) < 0)
            return -1;
    } else if (lx->tok.kind == T_QSTR) {
        return fail(ps, "quoted string in domain");
    } else if (tok_is(&lx->tok, '.')) {
        return fail(ps, "domain starts with a dot");
    } else if (lx->tok.kind == T_ERROR) {
        return fail(ps, lx->err);
    } else {
        return fail(ps, "missing domain");
    }
    const struct token *t = &lx->tok;
    if (t->kind == T_ATOM || t->kind == T_QSTR || t->kind == T_DLIT || tok_is(t, '.'))
        return fail(ps, t->space ? "space in domain" : "invalid character in domain");
    char *d = arena_memdup0(ps->a, lx->p + start, end - start);
    for (char *c = d; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    const char *err = d[0] == '[' ? literal_error(d, end - start) : host_error(d, end - start);
    if (err != NULL)
        return fail(ps, err);
    *domain_r = d;
    return 0;
}

/* local@domain, the local part's phrase already read; lx is at '@'. */
static int
parse_addr_spec(struct parser *ps, const struct phrase *ph, struct address *ad)
{
    const char *err = local_error(ph);
    if (err != NULL)
        return fail(ps, err);
    if (ps->bare && ps->lx.tok.space)
        return fail(ps, "unquoted space in local part");
    ad->local = local_string(ps, ph);
    lex_next(&ps->lx);
    return parse_domain(ps, &ad->domain);
}

static int
add_address(struct parser *ps, const struct address *ad)
{
    struct address_list *l = ps->out;
    if (l->n >= ADDRESS_LIST_MAX)
        return fail(ps, "too many addresses");
    if (l->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 4;
        if (cap > ADDRESS_LIST_MAX)
            cap = ADDRESS_LIST_MAX;
        struct address *items = arena_calloc(ps->a, cap, sizeof(*items));
        if (l->n)
            memcpy(items, l->items, l->n * sizeof(*items));
        l->items = items;
        ps->cap = cap;
    }
    l->items[l->n++] = *ad;
    return 0;
}

/* An obsolete source route "@a,@b:" inside '<' (lx at the first '@'). */
static int
skip_route(struct parser *ps)
{
    struct lexer *lx = &ps->lx;
    char *ignored;
    while (tok_is(&lx->tok, '@') || tok_is(&lx->tok, ',')) {
        bool at = tok_is(&lx->tok, '@');
        lex_next(lx);
        if (at && parse_domain(ps, &ignored) < 0) {
            ps->err = NULL;
            return fail(ps, "missing local part");
        }
    }
    if (!tok_is(&lx->tok, ':'))
        return fail(ps, "missing local part");
    lex_next(lx);
    return 0;
}

/* "<" addr-spec ">", the '<' current. */
static int
parse_angle(struct parser *ps, struct address *ad)
{
    struct lexer *lx = &ps->lx;
    struct phrase ph;
    lex_next(lx);
    if (tok_is(&lx->tok, '>'))
        return fail(ps, "empty address");
    if (tok_is(&lx->tok, '@') && skip_route(ps) < 0)
        return -1;
    parse_phrase(ps, &ph);
    if (!tok_is(&lx->tok, '@')) {
        if (ph.words == 0)
            return fail(ps, unexpected(lx));
        return fail(ps, lx->tok.kind == T_ERROR ? lx->err : "missing '@' in address");
    }
    if (parse_addr_spec(ps, &ph, ad) < 0)
        return -1;
    if (!tok_is(&lx->tok, '>'))
        return fail(ps, lx->tok.kind == T_ERROR ? lx->err : "missing '>'");
    lex_next(lx);
    return 0;
}

static int parse_address(struct parser *ps, char *group);

/* The members of a group, after "name:"; ends after ';'. */
static int
parse_group(struct parser *ps, char *group)
{
    struct lexer *lx = &ps->lx;
    ps->out->ngroups++;
    for (;;) {
        if (tok_is(&lx->tok, ';')) {
            lex_next(lx);
            return 0;
        }
        if (tok_is(&lx->tok, ',')) {
            lex_next(lx);
            continue;
        }
        if (lx->tok.kind == T_END)
            return fail(ps, "missing ';' at the end of a group");
        if (parse_address(ps, group) < 0)
            return -1;
        if (!tok_is(&lx->tok, ',') && !tok_is(&lx->tok, ';'))
            return fail(ps, lx->tok.kind == T_END ? "missing ';' at the end of a group"
                                                  : "missing ',' between addresses");
    }
}

/* A mailbox, or a group when group is NULL (not inside one already). */
static int
parse_address(struct parser *ps, char *group)
{
    struct lexer *lx = &ps->lx;
    struct phrase ph;
    struct address ad = {.group = group};
    parse_phrase(ps, &ph);
    if (tok_is(&lx->tok, '<')) {
        ad.display = phrase_display(ps, &ph);
        if (parse_angle(ps, &ad) < 0)
            return -1;
        return add_address(ps, &ad);
    }
    if (tok_is(&lx->tok, '@')) {
        ad.display = arena_strdup(ps->a, "");
        if (parse_addr_spec(ps, &ph, &ad) < 0)
            return -1;
        return add_address(ps, &ad);
    }
    if (tok_is(&lx->tok, ':') && ph.words > 0) {
        if (group != NULL)
            return fail(ps, "group inside a group");
        char *name = phrase_display(ps, &ph);
        lex_next(lx);
        return parse_group(ps, name);
    }
    if (ph.words > 0 && lx->tok.kind != T_ERROR)
        return fail(ps, "missing '@' in address");
    return fail(ps, unexpected(lx));
}

int
address_list_parse(struct arena *a, struct slice in, struct address_list *out,
                   const char **error_r)
{
    struct parser ps = {.a = a, .out = out};
    memset(out, 0, sizeof(*out));
    lex_init(&ps.lx, in.ptr, 0, in.ptr ? in.len : 0);
    while (ps.lx.tok.kind != T_END) {
        if (tok_is(&ps.lx.tok, ',')) {
            lex_next(&ps.lx);
            continue;
        }
        if (parse_address(&ps, NULL) < 0)
            break;
        if (ps.lx.tok.kind != T_END && !tok_is(&ps.lx.tok, ',')) {
            bool word = ps.lx.tok.kind == T_ATOM || ps.lx.tok.kind == T_QSTR;
            fail(&ps, word ? "missing ',' between addresses" : unexpected(&ps.lx));
            break;
        }
    }
    if (ps.err == NULL && out->n == 0 && out->ngroups == 0)
        ps.err = "empty address list";
    if (ps.err != NULL) {
        *error_r = ps.err;
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return 0;
}

int
address_parse(struct arena *a, struct slice in, struct address *out, const char **error_r)
{
    struct address_list list = {0};
    struct parser ps = {.a = a, .out = &list, .bare = true};
    struct slice s = slice_trim(in);
    struct phrase ph;
    struct address ad = {0};
    memset(out, 0, sizeof(*out));
    lex_init(&ps.lx, s.ptr, 0, s.ptr ? s.len : 0);
    parse_phrase(&ps, &ph);
    if (ps.lx.tok.kind == T_END && ph.words == 0 && ph.dots == 0)
        fail(&ps, "empty address");
    else if (tok_is(&ps.lx.tok, '@'))
        (void)parse_addr_spec(&ps, &ph, &ad);
    else if (tok_is(&ps.lx.tok, '<'))
        fail(&ps, "angle brackets in a bare address");
    else
        fail(&ps, ph.words > 0 && ps.lx.tok.kind != T_ERROR ? "missing '@' in address"
                                                             : unexpected(&ps.lx));
    if (ps.err == NULL && ps.lx.tok.kind != T_END)
        fail(&ps, unexpected(&ps.lx));
    /* The whole input was lexed: no comment may have been in it. */
    if (ps.lx.saw_comment)
        ps.err = "comment in address";
    if (ps.err != NULL) {
        *error_r = ps.err;
        return -1;
    }
    ad.display = arena_strdup(a, "");
    *out = ad;
    return 0;
}

/* ---- lenient extraction ---- */

static bool
is_local_char(unsigned char c)
{
    return is_atext(c) || c == '.';
}

static bool
is_domain_char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '.';
}

/* Add the address around the '@' at i to out, if it looks like one. */
static void
extract_at(struct arena *a, const unsigned char *p, size_t n, size_t i,
           struct address_list *out)
{
    size_t l = i, r = i + 1;
    while (l > 0 && is_local_char(p[l - 1]))
        l--;
    while (l < i && p[l] == '.')
        l++;
    while (r < n && is_domain_char(p[r]))
        r++;
    while (r > i + 1 && (p[r - 1] == '.' || p[r - 1] == '-'))
        r--;
    if (l == i || i - l > ADDRESS_LOCAL_MAX || r - i - 1 > ADDRESS_DOMAIN_MAX)
        return;
    for (size_t k = l; k + 1 < i; k++)
        if (p[k] == '.' && p[k + 1] == '.')
            return;
    char *d = arena_memdup0(a, p + i + 1, r - i - 1);
    for (char *c = d; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    if (host_error(d, r - i - 1) != NULL)
        return;
    struct address *ad = &out->items[out->n++];
    ad->display = arena_strdup(a, "");
    ad->local = arena_memdup0(a, p + l, i - l);
    ad->domain = d;
    ad->group = NULL;
}

void
address_list_extract(struct arena *a, struct slice in, struct address_list *out)
{
    const char *err;
    if (address_list_parse(a, in, out, &err) == 0)
        return;
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t ats = 0;
    for (size_t i = 0; i < in.len; i++)
        ats += p[i] == '@';
    memset(out, 0, sizeof(*out));
    if (ats == 0)
        return;
    out->items = arena_calloc(a, ats < ADDRESS_LIST_MAX ? ats : ADDRESS_LIST_MAX,
                              sizeof(*out->items));
    for (size_t i = 0; i < in.len && out->n < ADDRESS_LIST_MAX; i++)
        if (p[i] == '@')
            extract_at(a, p, in.len, i, out);
}
