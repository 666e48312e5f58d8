/*
 * rules_if: the condition of an "if" line in a rule file, the subset that
 * rule files use: plugin(NAME), can(NAME), version and perl_version
 * compared with a number, local_tests_only, !, &&, || and parentheses.
 *
 * tamis answers as SpamAssassin 4.0.1 would with the plugins the rule set
 * holds: version is 4.000001; can(Mail::SpamAssassin::Conf::X) is true for
 * the features of 4.0.1's configuration parser listed below;
 * can(Mail::SpamAssassin::Plugin::P::has_X) is true when plugin P is
 * loaded. Anything else is false.
 *
 * Untrusted input: one line of a rule file; recursion bounded by
 * IF_DEPTH_MAX.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#define IF_DEPTH_MAX 32
#define SA_VERSION 4.000001
#define PERL_VERSION 5.036000

static const char *const conf_features[] = {
    "feature_originating_ip_headers", "feature_dns_local_ports_permit_avoid",
    "feature_bayes_auto_learn_on_error", "feature_uri_host_listed",
    "feature_yesno_takes_args",       "feature_bug6558_free",
    "feature_edns",                   "feature_dns_query_restriction",
    "feature_registryboundaries",     "feature_geodb",
    "feature_dns_block_rule",         "feature_compile_regexp",
    "feature_meta_rules_matching",    "feature_subjprefix",
    "feature_bayes_stopwords",        "feature_get_host",
    "feature_blocklist_welcomelist",  "feature_welcomelist_blocklist",
    "feature_header_address_parser",  "feature_local_tests_only",
    "feature_header_first_last",      "feature_header_match_many",
    "feature_capture_rules",          "has_tflags_nosubject",
    "has_tflags_nolog",               "perl_min_version_5010000",
};

#define CONF_PREFIX "Mail::SpamAssassin::Conf::"
#define PLUGIN_PREFIX "Mail::SpamAssassin::Plugin::"

struct ifp {
    const struct rules *rs;
    struct slice s;
    size_t i;
    int depth;
    const char *why;
};

static void
skip_blanks(struct ifp *p)
{
    while (p->i < p->s.len && (p->s.ptr[p->i] == ' ' || p->s.ptr[p->i] == '\t'))
        p->i++;
}

static bool
eat(struct ifp *p, const char *tok)
{
    skip_blanks(p);
    size_t n = strlen(tok);
    if (p->i + n <= p->s.len && memcmp(p->s.ptr + p->i, tok, n) == 0) {
        p->i += n;
        return true;
    }
    return false;
}

static void
fail(struct ifp *p, const char *why)
{
    if (p->why == NULL)
        p->why = why;
}

/* The argument of plugin(...) or can(...), up to ')'. */
static struct slice
paren_arg(struct ifp *p)
{
    skip_blanks(p);
    size_t start = p->i;
    while (p->i < p->s.len && p->s.ptr[p->i] != ')')
        p->i++;
    struct slice a = slice_trim(slice_make(p->s.ptr + start, p->i - start));
    if (!eat(p, ")"))
        fail(p, "missing )");
    return a;
}

static bool
can(const struct rules *rs, struct slice a)
{
    if (slice_starts_with_case(a, CONF_PREFIX)) {
        struct slice f = slice_from(a, sizeof(CONF_PREFIX) - 1);
        for (size_t i = 0; i < sizeof(conf_features) / sizeof(conf_features[0]); i++)
            if (slice_eq(f, slice_from_cstr(conf_features[i])))
                return true;
        return false;
    }
    if (!slice_starts_with_case(a, PLUGIN_PREFIX))
        return false;
    /* Mail::SpamAssassin::Plugin::P::has_X: P loaded. */
    for (size_t k = a.len; k > sizeof(PLUGIN_PREFIX); k--)
        if (a.ptr[k - 1] == ':' && a.ptr[k - 2] == ':')
            return slice_starts_with_case(slice_from(a, k), "has_") &&
                   rules_has_plugin(rs, slice_make(a.ptr, k - 2));
    return false;
}

static double
number(struct ifp *p)
{
    skip_blanks(p);
    char buf[64];
    size_t n = 0;
    while (p->i < p->s.len && n + 1 < sizeof(buf) &&
           ((p->s.ptr[p->i] >= '0' && p->s.ptr[p->i] <= '9') || p->s.ptr[p->i] == '.'))
        buf[n++] = p->s.ptr[p->i++];
    buf[n] = '\0';
    if (n == 0)
        fail(p, "a number was expected");
    return strtod(buf, NULL);
}

static bool
compare(struct ifp *p, double left)
{
    static const char *const ops[] = {">=", "<=", "==", "!=", ">", "<"};
    for (size_t k = 0; k < 6; k++) {
        if (!eat(p, ops[k]))
            continue;
        double r = number(p);
        switch (k) {
        case 0: return left >= r;
        case 1: return left <= r;
        case 2: return left == r;
        case 3: return left != r;
        case 4: return left > r;
        default: return left < r;
        }
    }
    fail(p, "a comparison was expected after version");
    return false;
}

static bool expr_or(struct ifp *p);

static bool
primary(struct ifp *p)
{
    if (++p->depth > IF_DEPTH_MAX) {
        fail(p, "nested too deep");
        return false;
    }
    bool v = false;
    if (eat(p, "!"))
        v = !primary(p);
    else if (eat(p, "(")) {
        v = expr_or(p);
        if (!eat(p, ")"))
            fail(p, "missing )");
    } else if (eat(p, "plugin("))
        v = rules_has_plugin(p->rs, paren_arg(p));
    else if (eat(p, "can("))
        v = can(p->rs, paren_arg(p));
    else if (eat(p, "perl_version"))
        v = compare(p, PERL_VERSION);
    else if (eat(p, "version"))
        v = compare(p, SA_VERSION);
    else if (eat(p, "local_tests_only"))
        v = true; /* tamis's rules never query the network */
    else
        fail(p, "unknown condition");
    p->depth--;
    return v;
}

static bool
expr_and(struct ifp *p)
{
    bool v = primary(p);
    while (p->why == NULL && eat(p, "&&"))
        v = primary(p) && v;
    return v;
}

static bool
expr_or(struct ifp *p)
{
    bool v = expr_and(p);
    while (p->why == NULL && eat(p, "||"))
        v = expr_and(p) || v;
    return v;
}

bool
rules_if_eval(const struct rules *rs, struct slice expr, const char **why)
{
    struct ifp p = {.rs = rs, .s = expr};
    bool v = expr_or(&p);
    skip_blanks(&p);
    if (p.why == NULL && p.i != p.s.len)
        fail(&p, "unexpected text after the condition");
    *why = p.why;
    return p.why ? false : v;
}
