/*
 * rules_prefilter: one pass of a multi-pattern matcher (Hyperscan, in its
 * prefilter mode) over a message's body text tells which body rules may
 * match; pcre2 then runs only those, line by line, for the exact answer.
 * Prefilter mode approximates what Hyperscan cannot do exactly
 * (back-references, lookaround) by matching more, never less, and every
 * pattern is compiled multi-line over the whole text, so a rule that
 * matches a line is always reported for the whole text. Rules anchored to
 * the start or end of the subject (\A, \z, \Z, \G) and /x rules are not
 * prefiltered: pcre2 always runs them, and so the expressions longer than
 * PREFILTER_EXPR_MAX bytes (compiling them takes Hyperscan minutes). A
 * pattern Hyperscan refuses is left out the same way.
 *
 * Without Hyperscan at build time (TAMIS_HYPERSCAN undefined) every body
 * rule runs with pcre2 alone.
 *
 * Untrusted input: the body text (bounded by the caller). The patterns are
 * the rule files'. Scratch space is cloned per scan, so scans run in
 * parallel threads.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#ifdef TAMIS_HYPERSCAN
#include <hs/hs.h>

#define PREFILTER_RETRIES 500
/* Longer expressions (ReplaceTags expansions) are left to pcre2: Hyperscan
 * takes minutes to compile them. */
#define PREFILTER_EXPR_MAX 100

struct prefilter {
    hs_database_t *db;
    hs_scratch_t *scratch; /* the prototype cloned by each scan */
};

static bool
prefilterable(const struct rule *r)
{
    static const char *const anchors[] = {"\\A", "\\z", "\\Z", "\\G"};
    if (r->type != RULE_BODY || !r->defined || r->re_final == NULL || r->templated ||
        (r->re_opts & PCRE2_EXTENDED) || strlen(r->re_final) > PREFILTER_EXPR_MAX)
        return false;
    for (size_t k = 0; k < 4; k++)
        if (strstr(r->re_final, anchors[k]))
            return false;
    return true;
}

static unsigned
hs_flags(const struct rule *r)
{
    unsigned f = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY |
                 HS_FLAG_MULTILINE;
    if (r->re_opts & PCRE2_CASELESS)
        f |= HS_FLAG_CASELESS;
    if (r->re_opts & PCRE2_DOTALL)
        f |= HS_FLAG_DOTALL;
    return f;
}

/* Compile the rules marked prefiltered; a refused one is unmarked and the
 * rest compiled again. Returns the database or NULL. */
static hs_database_t *
compile_marked(struct rules *rs)
{
    const char **exprs = xcalloc(rs->n + 1, sizeof(*exprs));
    unsigned *flags = xcalloc(rs->n + 1, sizeof(*flags));
    unsigned *ids = xcalloc(rs->n + 1, sizeof(*ids));
    hs_database_t *db = NULL;
    for (int tries = 0; db == NULL && tries < PREFILTER_RETRIES; tries++) {
        size_t n = 0;
        for (size_t i = 0; i < rs->n; i++) {
            if (!rs->rules[i].prefiltered)
                continue;
            exprs[n] = rs->rules[i].re_final;
            flags[n] = hs_flags(&rs->rules[i]);
            ids[n++] = (unsigned)i;
        }
        if (n == 0)
            break;
        hs_compile_error_t *err = NULL;
        if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db,
                             &err) == HS_SUCCESS)
            break;
        int bad = err ? err->expression : -1;
        hs_free_compile_error(err);
        db = NULL;
        if (bad < 0 || (size_t)bad >= n)
            break;
        rs->rules[ids[bad]].prefiltered = false;
        rs->prefilter_refused++;
    }
    free(exprs);
    free(flags);
    free(ids);
    return db;
}

void
prefilter_build(struct rules *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        rs->rules[i].prefiltered = prefilterable(&rs->rules[i]);
    hs_database_t *db = compile_marked(rs);
    hs_scratch_t *scratch = NULL;
    if (db == NULL || hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        if (db)
            hs_free_database(db);
        for (size_t i = 0; i < rs->n; i++)
            rs->rules[i].prefiltered = false;
        return;
    }
    rs->pf = xcalloc(1, sizeof(*rs->pf));
    rs->pf->db = db;
    rs->pf->scratch = scratch;
}

void
prefilter_free(struct prefilter **pp)
{
    struct prefilter *p = *pp;
    if (p == NULL)
        return;
    hs_free_scratch(p->scratch);
    hs_free_database(p->db);
    free(p);
    *pp = NULL;
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
         unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    ((bool *)ctx)[id] = true;
    return 0;
}

int
prefilter_scan(const struct prefilter *p, struct slice text, bool *cand)
{
    if (p == NULL)
        return -1;
    hs_scratch_t *s = NULL;
    if (hs_clone_scratch(p->scratch, &s) != HS_SUCCESS)
        return -1;
    int rc = hs_scan(p->db, text.ptr ? text.ptr : "", (unsigned)text.len, 0, s, on_match,
                     cand) == HS_SUCCESS ? 0 : -1;
    hs_free_scratch(s);
    return rc;
}

#else /* no Hyperscan: pcre2 alone */

void
prefilter_build(struct rules *rs)
{
    (void)rs;
}

void
prefilter_free(struct prefilter **pp)
{
    *pp = NULL;
}

int
prefilter_scan(const struct prefilter *p, struct slice text, bool *cand)
{
    (void)p;
    (void)text;
    (void)cand;
    return -1;
}

#endif
