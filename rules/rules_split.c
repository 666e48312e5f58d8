/*
 * rules_split: compiling a regular expression that is too large for pcre2
 * (Debian's pcre2 has 2-byte links: a compiled pattern stays under 64 KiB)
 * as several smaller ones whose matches together are the original's.
 *
 * An alternation (A|B|C) that is not repeated and not inside a repeated
 * group or a lookaround can be cut: P(A|B|C)S matches where P(A|B)S or
 * P(C)S does. The largest such group is cut in two halves, and each half
 * again while pcre2 still finds it too large, down to RULES_SPLIT_MAX
 * pieces. Refused (left too large): expressions with back references,
 * inline option settings such as (?i), conditionals, branch resets, \Q..\E
 * quoting or the x flag, where cutting could change the meaning.
 *
 * Input: an expression of a rule file (the administrator's), already
 * translated; the scan is linear and its group table bounded by the
 * expression's length.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

struct group {
    size_t open, body, close; /* "(", first byte inside, ")" */
    size_t parent;            /* SIZE_MAX: top level */
    bool blocked;             /* repeated, or a lookaround / atomic group */
    size_t nalts;             /* alternatives at its own level */
};

struct scan {
    const char *re;
    size_t len;
    struct group *g; /* g[0]: the whole expression */
    size_t n;
    bool refuse;
};

/* The kind of group opening at re[i] ("("): its body offset; blocked for
 * lookarounds and atomic groups; refuse for option settings, conditionals,
 * branch resets and comments. */
static size_t
group_open(struct scan *s, size_t i, bool *blocked)
{
    const char *r = s->re + i + 1;
    size_t left = s->len - i - 1;
    *blocked = false;
    if (left == 0 || r[0] != '?')
        return i + 1;
    if (left >= 2 && r[1] == ':')
        return i + 3;
    if (left >= 2 && (r[1] == '=' || r[1] == '!' || r[1] == '>')) {
        *blocked = true;
        return i + 3;
    }
    if (left >= 3 && r[1] == '<' && (r[2] == '=' || r[2] == '!')) {
        *blocked = true;
        return i + 4;
    }
    if (left >= 3 && r[1] == 'P' && (r[2] == '=' || r[2] == '>')) {
        s->refuse = true; /* (?P=name) (?P>name): a reference */
        return i + 2;
    }
    if (left >= 2 && (r[1] == '<' || r[1] == 'P' || r[1] == '\''))
        return i + 2; /* a named group: the name is read as text */
    s->refuse = true; /* (?i) (?i:...) (?( (?| (?# and the like */
    return i + 2;
}

/* After a character class starting at re[i] ("["). */
size_t
rules_regex_skip_class(const char *re, size_t len, size_t i)
{
    size_t k = i + 1;
    if (k < len && re[k] == '^')
        k++;
    if (k < len && re[k] == ']')
        k++;
    for (; k < len && re[k] != ']'; k++) {
        if (re[k] == '\\')
            k++;
        else if (re[k] == '[' && k + 1 < len && re[k + 1] == ':') {
            const char *e = strstr(re + k + 2, ":]");
            if (e)
                k = (size_t)(e - re) + 1;
        }
    }
    return k + 1;
}

static bool
quantified(const struct scan *s, size_t i)
{
    if (i >= s->len)
        return false;
    char c = s->re[i];
    return c == '*' || c == '+' || c == '?' ||
           (c == '{' && i + 1 < s->len && s->re[i + 1] >= '0' && s->re[i + 1] <= '9');
}

static void
escape(struct scan *s, size_t *i)
{
    char c = *i + 1 < s->len ? s->re[*i + 1] : '\0';
    if ((c >= '1' && c <= '9') || c == 'g' || c == 'k' || c == 'Q')
        s->refuse = true; /* back references, quoting */
    *i += 2;
}

static void
close_group(struct scan *s, size_t *cur, size_t i)
{
    struct group *g = &s->g[*cur];
    g->close = i;
    if (quantified(s, i + 1))
        g->blocked = true;
    *cur = g->parent;
}

/* Build the group table; false when the expression cannot be cut. */
static bool
scan(struct scan *s)
{
    s->g = xcalloc(s->len + 2, sizeof(*s->g));
    s->g[0] = (struct group){.open = 0, .body = 0, .close = s->len, .parent = SIZE_MAX};
    s->n = 1;
    size_t cur = 0;
    for (size_t i = 0; i < s->len && !s->refuse;) {
        char c = s->re[i];
        if (c == '\\') {
            escape(s, &i);
        } else if (c == '[') {
            i = rules_regex_skip_class(s->re, s->len, i);
        } else if (c == '(') {
            bool blocked;
            size_t body = group_open(s, i, &blocked);
            s->g[s->n] = (struct group){
                .open = i, .body = body, .parent = cur, .blocked = blocked};
            cur = s->n++;
            i = body;
        } else if (c == ')') {
            if (cur == 0)
                return false;
            close_group(s, &cur, i++);
        } else {
            if (c == '|')
                s->g[cur].nalts++;
            i++;
        }
    }
    return !s->refuse && cur == 0;
}

/* The largest group with alternatives that may be cut, or SIZE_MAX. */
static size_t
pick(const struct scan *s)
{
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < s->n; k++) {
        if (s->g[k].nalts == 0)
            continue;
        bool ok = true;
        for (size_t a = k; a != SIZE_MAX && ok; a = s->g[a].parent)
            ok = !s->g[a].blocked;
        if (ok && (best == SIZE_MAX ||
                   s->g[k].close - s->g[k].body > s->g[best].close - s->g[best].body))
            best = k;
    }
    return best;
}

/* Offsets of the '|' at group k's own level, into bars (nalts of them). */
static void
bars_of(const struct scan *s, size_t k, size_t *bars)
{
    size_t nb = 0, depth = 0;
    for (size_t i = s->g[k].body; i < s->g[k].close;) {
        char c = s->re[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '[') {
            i = rules_regex_skip_class(s->re, s->len, i);
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        else if (c == '|' && depth == 0)
            bars[nb++] = i;
        i++;
    }
}

struct pieces {
    pcre2_code **v;
    size_t n;
};

static bool split_compile(const char *re, size_t len, uint32_t opts, struct pieces *out,
                          unsigned depth);

/* Compile prefix + alternatives [from, to) of group k + suffix. */
static bool
compile_half(const struct scan *s, size_t k, const size_t *bars, size_t from, size_t to,
             uint32_t opts, struct pieces *out, unsigned depth)
{
    const struct group *g = &s->g[k];
    size_t start = from == 0 ? g->body : bars[from - 1] + 1;
    size_t end = to == g->nalts + 1 ? g->close : bars[to - 1];
    struct str p;
    str_init(&p, 0);
    str_append(&p, s->re, g->body);
    str_append(&p, s->re + start, end - start);
    str_append(&p, s->re + g->close, s->len - g->close);
    bool ok = split_compile(p.buf ? p.buf : "", p.len, opts, out, depth + 1);
    str_deinit(&p);
    return ok;
}

static bool
split_compile(const char *re, size_t len, uint32_t opts, struct pieces *out,
              unsigned depth)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, len, opts | PCRE2_NEVER_BACKSLASH_C,
                                  &code, &off, NULL);
    if (c) {
        (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
        out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
        out->v[out->n++] = c;
        return out->n <= RULES_SPLIT_MAX;
    }
    if (code != PCRE2_ERROR_PATTERN_TOO_LARGE || depth >= 16 || out->n >= RULES_SPLIT_MAX)
        return false;
    struct scan s = {.re = re, .len = len};
    bool ok = scan(&s);
    size_t k = ok ? pick(&s) : SIZE_MAX;
    if (k != SIZE_MAX) {
        size_t nalt = s.g[k].nalts + 1, *bars = xcalloc(nalt, sizeof(*bars));
        bars_of(&s, k, bars);
        ok = compile_half(&s, k, bars, 0, nalt / 2, opts, out, depth) &&
             compile_half(&s, k, bars, nalt / 2, nalt, opts, out, depth);
        free(bars);
    }
    free(s.g);
    return ok && k != SIZE_MAX;
}

size_t
rules_regex_split(const char *re, size_t len, uint32_t opts, pcre2_code ***parts_r)
{
    struct pieces out = {0};
    *parts_r = NULL;
    if ((opts & PCRE2_EXTENDED) || !split_compile(re, len, opts, &out, 0) || out.n < 2) {
        for (size_t i = 0; i < out.n; i++)
            pcre2_code_free(out.v[i]);
        free(out.v);
        return 0;
    }
    *parts_r = out.v;
    return out.n;
}
