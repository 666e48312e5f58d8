/*
 * rules_repeat: an expression "(?:G){N}" whose compiled form is too large
 * for pcre2 (Debian's 2-byte links: 64 KiB), as SpamAssassin's
 * __FILL_THIS_FORM_LONG1/2 are: G is compiled alone and matched N times
 * in sequence.
 *
 * G may match several lengths at one place, and the whole matches when
 * some choice of them chains N times; a backtracking matcher tries them
 * all. So does this one, without backtracking: pcre2's DFA matcher, run
 * anchored at a place, gives every end G can reach from there; the ends
 * after k steps are the places of step k + 1 (a set, so each place is
 * matched once per step). The whole matches from a start when the set
 * after N steps is not empty. Only starts where G itself matches (found
 * with the ordinary, JIT-compiled matcher) are tried, and only in a text
 * where "(?:G){k}" matches, for the largest k < N that pcre2 compiles
 * whole (the caller runs that pre-check: rules_eval.c).
 *
 * Refused (0): an expression not of that form, N over RULES_REPEAT_MAX,
 * the x flag, and G that does not compile or that the DFA matcher does not
 * run (back references, recursion: tried once on an empty text).
 *
 * Untrusted input: the text matched (a body line, a header, ...). Limits:
 * REPEAT_ENDS ends per place (the longest kept), REPEAT_WORK DFA runs per
 * search (then -1, as a hit match limit), the DFA workspace grown up to
 * REPEAT_WSPACE_MAX ints (4 MiB), pcre2's match limits from mc.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"

#define REPEAT_ENDS 256
#define REPEAT_WORK 4096
#define REPEAT_WSPACE 4096         /* the DFA matcher's workspace (ints), at first */
#define REPEAT_WSPACE_MAX (1 << 20) /* grown to, while pcre2 asks for more */

/* The offset of the ")" closing the group opening at re[0], or len. */
static size_t
group_close(const char *re, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (re[i] == '\\') {
            i++;
        } else if (re[i] == '[') {
            i = rules_regex_skip_class(re, len, i) - 1;
        } else if (re[i] == '(') {
            depth++;
        } else if (re[i] == ')' && --depth == 0) {
            return i;
        }
    }
    return len;
}

/* "(?:G){k}" for the largest k < n that pcre2 compiles whole (re[0..close]
 * is "(?:G)"), or NULL: a text it does not match holds no G{n}, and one
 * JIT-compiled match over a line is much cheaper than the DFA chains (it
 * rules out the lines of almost every message). */
static pcre2_code *
pre_check(const char *re, size_t close, unsigned n, uint32_t opts)
{
    pcre2_code *pre = NULL;
    struct str text, err;
    str_init(&text, 0);
    str_init(&err, 256);
    for (unsigned k = n - 1; k >= 2 && pre == NULL; k--) {
        str_clear(&text);
        str_append(&text, re, close + 1);
        str_appendf(&text, "{%u}", k);
        pre = rules_regex_compile(str_cstr(&text), text.len, opts, &err);
    }
    str_deinit(&text);
    str_deinit(&err);
    return pre;
}

unsigned
rules_regex_repeat(const char *re, size_t len, uint32_t opts, pcre2_code **group_r,
                   pcre2_code **pre_r)
{
    *group_r = NULL;
    *pre_r = NULL;
    if (len < 8 || memcmp(re, "(?:", 3) != 0 || (opts & PCRE2_EXTENDED))
        return 0;
    size_t close = group_close(re, len);
    if (close + 3 >= len || re[close + 1] != '{' || re[len - 1] != '}')
        return 0;
    unsigned n = 0;
    for (size_t i = close + 2; i < len - 1; i++) {
        if (re[i] < '0' || re[i] > '9' || n > RULES_REPEAT_MAX)
            return 0;
        n = n * 10 + (unsigned)(re[i] - '0');
    }
    if (n < 2 || n > RULES_REPEAT_MAX)
        return 0;
    struct str err;
    str_init(&err, 256);
    /* pcre2 makes a+ possessive where no match of the whole is lost, but an
     * end of G would be: every end counts here. */
    pcre2_code *g = rules_regex_compile(re + 3, close - 3, opts | PCRE2_NO_AUTO_POSSESS, &err);
    str_deinit(&err);
    pcre2_match_data *md = g ? pcre2_match_data_create(1, NULL) : NULL;
    int ws[64];
    int rc = md ? pcre2_dfa_match(g, (PCRE2_SPTR) "", 0, 0, 0, md, NULL, ws, 64) : -1;
    pcre2_match_data_free(md);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_DFA_WSSIZE) {
        pcre2_code_free(g);
        return 0;
    }
    *group_r = g;
    *pre_r = pre_check(re, close, n, opts);
    return n;
}

struct places {
    size_t *v;
    size_t n, cap;
};

static void
places_add(struct places *p, size_t at)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
    }
    p->v[p->n++] = at;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort and drop repeated places. */
static void
places_unique(struct places *p)
{
    if (p->n < 2)
        return;
    qsort(p->v, p->n, sizeof(*p->v), cmp_size);
    size_t k = 1;
    for (size_t i = 1; i < p->n; i++)
        if (p->v[i] != p->v[k - 1])
            p->v[k++] = p->v[i];
    p->n = k;
}

struct search {
    const pcre2_code *g;
    struct slice text;
    pcre2_match_context *mc;
    pcre2_match_data *md; /* REPEAT_ENDS pairs */
    int *ws;
    size_t nws;
    unsigned work;
};

/* Every end of G anchored at `at` into out; -1 on a pcre2 failure. */
static int
ends_at(struct search *s, size_t at, struct places *out)
{
    if (++s->work > REPEAT_WORK)
        return -1;
    int rc;
    while ((rc = pcre2_dfa_match(s->g, (PCRE2_SPTR)(s->text.ptr ? s->text.ptr : ""),
                                 s->text.len, at, PCRE2_ANCHORED, s->md, s->mc, s->ws,
                                 s->nws)) == PCRE2_ERROR_DFA_WSSIZE &&
           s->nws < REPEAT_WSPACE_MAX) {
        s->nws *= 2;
        s->ws = xreallocarray(s->ws, s->nws, sizeof(*s->ws));
    }
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return -1;
    size_t n = rc == 0 ? REPEAT_ENDS : (size_t)rc; /* 0: the longest REPEAT_ENDS */
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    for (size_t k = 0; k < n; k++)
        places_add(out, ov[2 * k + 1]);
    return 0;
}

/* Whether G{times} matches from start: 1 with *end, 0, or -1. */
static int
chain_from(struct search *s, unsigned times, size_t start, size_t *end)
{
    struct places cur = {0}, next = {0};
    places_add(&cur, start);
    int rc = 0;
    for (unsigned step = 0; step < times && cur.n && rc == 0; step++) {
        next.n = 0;
        for (size_t i = 0; i < cur.n && rc == 0; i++)
            rc = ends_at(s, cur.v[i], &next);
        places_unique(&next);
        struct places t = cur;
        cur = next;
        next = t;
    }
    if (rc == 0 && cur.n) {
        *end = cur.v[cur.n - 1];
        rc = 1;
    }
    free(cur.v);
    free(next.v);
    return rc;
}

int
rules_repeat_find(const pcre2_code *g, unsigned times, struct slice text, size_t off,
                  pcre2_match_data *md, pcre2_match_context *mc, size_t m[2])
{
    struct search s = {.g = g, .text = text, .mc = mc}; /* DFA state: at the first start */
    const char *p = text.ptr ? text.ptr : "";
    int rc = 0;
    while (rc == 0 && off <= text.len) {
        int mr = pcre2_match(g, (PCRE2_SPTR)p, text.len, off, 0, md, mc);
        if (mr < 0) {
            rc = mr == PCRE2_ERROR_NOMATCH ? 0 : -1;
            break;
        }
        if (s.md == NULL) {
            s.md = pcre2_match_data_create(REPEAT_ENDS, NULL);
            s.nws = REPEAT_WSPACE;
            s.ws = xreallocarray(NULL, s.nws, sizeof(*s.ws));
            if (s.md == NULL)
                log_fatal("out of memory");
        }
        m[0] = pcre2_get_ovector_pointer(md)[0];
        rc = chain_from(&s, times, m[0], &m[1]);
        off = m[0] + 1;
    }
    pcre2_match_data_free(s.md);
    free(s.ws);
    return rc;
}
