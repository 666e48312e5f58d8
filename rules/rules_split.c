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
 * What it costs (the stock rules' six cut expressions, 45 to 224 KB, were
 * over half of filterd's start-up): pcre2_compile of the pieces and their
 * JIT compile, which is most of it. So no compile is thrown away where it
 * can be seen coming: the whole is not compiled again (the caller found it
 * too large), nor a piece longer than SPLIT_DOOMED_BYTES; pieces are
 * JIT-compiled only once all of them are compiled. The pieces themselves
 * are those of plain halving (cutting in more pieces at once, sized from
 * the text, gave as many pieces on the stock rules, not fewer).
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
    size_t opens = 0;
    for (const char *p = s->re;
         (p = memchr(p, '(', (size_t)(s->re + s->len - p))) != NULL; p++)
        opens++;
    s->g = xcalloc(opens + 1, sizeof(*s->g));
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

/* Whether group k has alternatives and neither it nor a group around it
 * is repeated or a lookaround. */
static bool
cuttable(const struct scan *s, size_t k)
{
    for (size_t a = k; a != SIZE_MAX; a = s->g[a].parent)
        if (s->g[a].blocked)
            return false;
    return s->g[k].nalts > 0;
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

/* Text beyond which a piece is cut without trying to compile it whole.
 * Measured on the stock rules' ReplaceTags expressions (docs/rules.md):
 * their pieces compile to about 1.7 bytes a byte of text; every piece up
 * to 38.6 KB fitted under pcre2's 64 KiB, none from 38.8 KB did. */
#define SPLIT_DOOMED_BYTES (40u << 10)

struct split {
    uint32_t opts;
    pcre2_code **v; /* the pieces, in order, not yet JIT-compiled */
    size_t n;
};

static bool split_expr(struct split *sp, const char *re, size_t len, unsigned depth,
                       bool too_large);

/* Compile re as one piece: 1 kept, 0 too large, -1 another error. */
static int
compile_piece(struct split *sp, const char *re, size_t len)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, len, sp->opts | PCRE2_NEVER_BACKSLASH_C,
                                  &code, &off, NULL);
    if (c == NULL)
        return code == PCRE2_ERROR_PATTERN_TOO_LARGE ? 0 : -1;
    sp->v = xreallocarray(sp->v, sp->n + 1, sizeof(*sp->v));
    sp->v[sp->n++] = c;
    return 1;
}

/* Offset of the first byte of alternative a of group k, or (a = nalts + 1)
 * of its ")". */
static size_t
alt_start(const struct scan *s, size_t k, const size_t *bars, size_t a)
{
    if (a == 0)
        return s->g[k].body;
    return a == s->g[k].nalts + 1 ? s->g[k].close + 1 : bars[a - 1] + 1;
}

/* Cut prefix + alternatives [from, to) of group k + suffix out as an
 * expression of its own, and compile it (cut again if it must be). */
static bool
cut_piece(struct split *sp, const struct scan *s, size_t k, const size_t *bars,
          size_t from, size_t to, unsigned depth)
{
    const struct group *g = &s->g[k];
    size_t start = alt_start(s, k, bars, from), end = alt_start(s, k, bars, to) - 1;
    struct str p;
    str_init(&p, 0);
    str_append(&p, s->re, g->body);
    str_append(&p, s->re + start, end - start);
    str_append(&p, s->re + g->close, s->len - g->close);
    bool ok = split_expr(sp, p.buf ? p.buf : "", p.len, depth + 1, false);
    str_deinit(&p);
    return ok;
}

/* The largest group that may be cut, or SIZE_MAX. */
static size_t
pick(const struct scan *s)
{
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < s->n; k++)
        if (cuttable(s, k) &&
            (best == SIZE_MAX ||
             s->g[k].close - s->g[k].body > s->g[best].close - s->g[best].body))
            best = k;
    return best;
}

/* Compile re, cut in pieces while pcre2 finds one too large (too_large:
 * known to be, or longer than SPLIT_DOOMED_BYTES: not compiled whole). */
static bool
split_expr(struct split *sp, const char *re, size_t len, unsigned depth, bool too_large)
{
    if (!too_large && len <= SPLIT_DOOMED_BYTES) {
        int r = compile_piece(sp, re, len);
        if (r != 0)
            return r > 0 && sp->n <= RULES_SPLIT_MAX;
    }
    if (depth >= 16 || sp->n >= RULES_SPLIT_MAX)
        return false;
    struct scan s = {.re = re, .len = len};
    bool ok = scan(&s);
    size_t k = ok ? pick(&s) : SIZE_MAX;
    if (k != SIZE_MAX) {
        size_t *bars = xcalloc(s.g[k].nalts, sizeof(*bars));
        bars_of(&s, k, bars);
        size_t half = (s.g[k].nalts + 1) / 2;
        ok = cut_piece(sp, &s, k, bars, 0, half, depth) &&
             cut_piece(sp, &s, k, bars, half, s.g[k].nalts + 1, depth);
        free(bars);
    }
    free(s.g);
    return ok && k != SIZE_MAX;
}

/* re is not compiled whole: the caller found it too large (cut as if). The
 * pieces are the caller's (rules_int.h), JIT-compiled. */
size_t
rules_regex_split(const char *re, size_t len, uint32_t opts, pcre2_code ***parts_r)
{
    struct split sp = {.opts = opts};
    *parts_r = NULL;
    bool ok = !(opts & PCRE2_EXTENDED) && split_expr(&sp, re, len, 0, true) && sp.n >= 2;
    for (size_t i = 0; i < sp.n; i++) {
        if (ok)
            (void)pcre2_jit_compile(sp.v[i], PCRE2_JIT_COMPLETE);
        else
            pcre2_code_free(sp.v[i]);
    }
    if (!ok) {
        free(sp.v);
        return 0;
    }
    *parts_r = sp.v;
    return sp.n;
}
