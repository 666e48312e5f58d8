/*
 * rules_set: freezing a loaded rule set (compiling expressions, expanding
 * ReplaceTags, binding and ordering meta rules, choosing scores), its
 * summary for `filterd lint`, and freeing it.
 *
 * Untrusted input: the rules as loaded from files (see rules_conf.c).
 * Meta rules that depend on each other in a cycle are dropped and
 * reported; the ordering recursion is bounded by the number of rules and
 * done with an explicit stack.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

static void
drop(struct rules *rs, struct rule *r, enum rules_skip why, const char *what,
     const char *reason)
{
    struct rules_pos pos = {.file = r->file ? r->file : "?", .line = r->line};
    rules_skip(rs, &pos, why, "%s: %s: %s", r->name, what, reason);
    r->defined = false;
    r->skipped_def = true;
}

/* A rule with %{NAME} tags: checked now with every tag as (?:x), compiled
 * per message with the values (rules_capture.c). */
static void
compile_template(struct rules *rs, struct rule *r, struct str *final)
{
    struct tag_values any = {.n = 0};
    struct str probe, err;
    str_init(&probe, 0);
    str_init(&err, 512);
    const char *p = str_cstr(final);
    for (const char *t = strstr(p, "%{"); t && any.n < RULES_TAGS_MAX; t = strstr(t + 2, "%{")) {
        size_t n = strcspn(t + 2, "}");
        char *name = xmemdup0(t + 2, n);
        any.v[any.n++] = (struct tag_value){.name = name, .value = SLICE_LIT("x")};
    }
    (void)rules_fill_template(p, &any, &probe);
    pcre2_code *c = rules_regex_compile(str_cstr(&probe), probe.len, r->re_opts, &err);
    if (c == NULL) {
        drop(rs, r, SKIP_REGEX, "pcre2 refuses the regular expression", str_cstr(&err));
    } else {
        r->templated = true;
        r->re_final = str_steal(final, NULL);
        rs->ntemplated++;
    }
    pcre2_code_free(c);
    for (size_t i = 0; i < any.n; i++)
        free((char *)any.v[i].name);
    str_deinit(&probe);
    str_deinit(&err);
    str_deinit(final);
}

/* "(?:^|\s)X" (the opening of the ReplaceTags rules: a word start) as
 * "(?<!\S)X": the same texts match (a position at the start or after a
 * white space), with the same groups, but pcre2 then starts its tries at
 * X's first characters, not at every space (the six cut ReplaceTags rules
 * run ~1.4 times faster). The match itself starts one byte later, which
 * changes counts only for tflags multiple: those are left as written. */
static void
word_start_lookbehind(struct str *re)
{
    static const char from[] = "(?:^|\\s)", to[] = "(?<!\\S)";
    if (re->len < sizeof(from) - 1 || memcmp(re->buf, from, sizeof(from) - 1) != 0)
        return;
    struct str out;
    str_init(&out, 0);
    str_append_cstr(&out, to);
    str_append(&out, re->buf + sizeof(from) - 1, re->len - (sizeof(from) - 1));
    str_clear(re);
    str_append_slice(re, str_slice(&out));
    str_deinit(&out);
}

/* "(?:G)" of a "(?:G){N}" expression (rules_repeat.c), for the
 * prefilter: G{N} never matches where G alone does not. */
static char *
repeated_group(const struct str *final)
{
    const char *brace = final->buf ? strrchr(final->buf, '{') : NULL;
    size_t len = brace ? (size_t)(brace - final->buf) : 0;
    char *g = xmalloc(len + 1);
    if (len)
        memcpy(g, final->buf, len);
    g[len] = '\0';
    return g;
}

static void
compile_rule(struct rules *rs, struct rule *r)
{
    if (r->type == RULE_META) {
        const char *why;
        r->meta = meta_compile(slice_from_cstr(r->meta_text), &why);
        if (r->meta == NULL)
            drop(rs, r, SKIP_META, "meta expression", why);
        return;
    }
    if (r->re_text == NULL) /* exists: */
        return;
    struct str text, final, err;
    str_init(&text, 0);
    str_init(&final, 0);
    str_init(&err, 512);
    if (r->in_replace)
        rules_expand_tags(rs, r->re_text, &text);
    else
        str_append_cstr(&text, r->re_text);
    rules_regex_translate(text.buf ? text.buf : "", text.len, &final);
    if (!(r->tflags & TF_MULTIPLE))
        word_start_lookbehind(&final);
    if (rules_has_template(str_cstr(&final))) {
        compile_template(rs, r, &final);
        str_deinit(&text);
        str_deinit(&err);
        return;
    }
    r->re = rules_regex_compile(str_cstr(&final), final.len, r->re_opts, &err);
    if (r->re == NULL && strstr(str_cstr(&err), "too large")) {
        r->nparts = rules_regex_split(str_cstr(&final), final.len, r->re_opts, &r->re_parts);
        if (r->nparts) {
            r->re = r->re_parts[0];
            rs->nsplit++;
        } else {
            r->repeat = rules_regex_repeat(str_cstr(&final), final.len, r->re_opts, &r->re,
                                           &r->re_pre);
            rs->nsplit += r->repeat > 0;
        }
    }
    if (r->re == NULL)
        drop(rs, r, SKIP_REGEX, "pcre2 refuses the regular expression", str_cstr(&err));
    else if (r->nparts == 0 && r->repeat == 0)
        r->re_final = str_steal(&final, NULL); /* for the prefilter */
    else if (r->repeat)
        r->re_final = repeated_group(&final);
    uint32_t names = 0;
    if (r->re && pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &names) == 0 && names)
        r->captures = r->nparts == 0 && r->repeat == 0;
    str_deinit(&text);
    str_deinit(&final);
    str_deinit(&err);
}

size_t
rules_prefiltered(const struct rules *rs, size_t *refused)
{
    return prefilter_count(prefilter_get(rs), refused);
}

bool
rules_external_name(const char *name)
{
    static const char *const prefixes[] = {"BAYES_", "RCVD_IN_", "URIBL_", "GTUBE"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* Mark the meta rules that read a rule tamis skipped (an eval: test, an
 * unsupported header): they run with the skipped rule as 0, as
 * SpamAssassin runs a meta over a rule it does not have, and are counted
 * apart. Dependencies come first in rs->order, so one pass carries the mark
 * through metas over such metas. */
static void
mark_partial_metas(struct rules *rs)
{
    for (size_t k = 0; k < rs->norder; k++) {
        struct rule *r = &rs->rules[rs->order[k]];
        if (r->defined && meta_skipped_dep(r->meta, rs) != NULL) {
            r->partial = true;
            rs->npartial++;
        }
    }
}

static double
default_score(const struct rule *r)
{
    double s = strncmp(r->name, "T_", 2) == 0 ? 0.01 : 1.0;
    return (r->tflags & TF_NICE) ? -s : s;
}

/* Depth-first ordering of meta rules: dependencies first. state: 0 new,
 * 1 on the stack, 2 done. */
static void
order_meta(struct rules *rs, size_t start, unsigned char *state, size_t *stack)
{
    size_t sp = 0;
    stack[sp++] = start;
    state[start] = 1;
    while (sp) {
        size_t cur = stack[sp - 1], *deps, next = SIZE_MAX;
        size_t n = meta_deps(rs->rules[cur].meta, &deps);
        for (size_t k = 0; k < n && next == SIZE_MAX; k++) {
            const struct rule *d = &rs->rules[deps[k]];
            if (d->type != RULE_META || !d->defined || state[deps[k]] == 2)
                continue;
            if (state[deps[k]] == 1) {
                drop(rs, &rs->rules[cur], SKIP_META, "meta", "depends on itself (a cycle)");
                break;
            }
            next = deps[k];
        }
        if (next != SIZE_MAX) {
            state[next] = 1;
            stack[sp++] = next;
            continue;
        }
        state[cur] = 2;
        rs->order[rs->norder++] = cur;
        sp--;
    }
}

void
rules_finish(struct rules *rs, int score_set)
{
    if (rs->finished)
        return;
    rs->finished = true;
    if (score_set < 0 || score_set > 3)
        score_set = 0;
    for (size_t i = 0; i < rs->n; i++) {
        struct rule *r = &rs->rules[i];
        if (r->defined)
            compile_rule(rs, r);
        r->score = r->scored ? r->scores[score_set] : default_score(r);
        if ((r->tflags & TF_NET) && !(score_set & 1))
            r->score = 0;
    }
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rules[i].defined && rs->rules[i].type == RULE_META)
            meta_bind(rs->rules[i].meta, rs);
    unsigned char *state = xcalloc(rs->n + 1, 1);
    size_t *stack = xcalloc(rs->n + 1, sizeof(*stack));
    rs->order = xcalloc(rs->n + 1, sizeof(*rs->order));
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rules[i].defined && rs->rules[i].type == RULE_META && state[i] == 0)
            order_meta(rs, i, state, stack);
    free(state);
    free(stack);
    mark_partial_metas(rs);
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rules[i].defined)
            rs->loaded[rs->rules[i].type]++;
}

static const char *const type_names[RULE_NTYPES] = {
    "header", "body", "rawbody", "uri", "full", "meta",
};

static const char *const skip_names[SKIP_NKINDS] = {
    "eval: tests (Perl code, skipped)",
    "regular expressions pcre2 refuses",
    "malformed lines",
    "unsupported header targets and rule kinds",
    "settings ignored (SpamAssassin and plugin options)",
    "meta expressions that do not parse",
    "files not read",
};

size_t
rules_count(const struct rules *rs, enum rule_type t)
{
    return rs->loaded[t];
}

size_t
rules_skipped(const struct rules *rs, enum rules_skip why)
{
    return rs->skipped[why];
}

size_t
rules_diag_count(const struct rules *rs)
{
    return rs->ndiags;
}

const char *
rules_diag(const struct rules *rs, size_t i)
{
    return i < rs->ndiags ? rs->diags[i] : NULL;
}

double
rules_required_score(const struct rules *rs)
{
    return rs->required_score;
}

static const struct rule *
nth_defined(const struct rules *rs, size_t i)
{
    for (size_t k = 0; k < rs->n; k++)
        if (rs->rules[k].defined && i-- == 0)
            return &rs->rules[k];
    return NULL;
}

const char *
rules_name(const struct rules *rs, size_t i)
{
    const struct rule *r = nth_defined(rs, i);
    return r ? r->name : NULL;
}

size_t
rules_partial_count(const struct rules *rs)
{
    return rs->npartial;
}

bool
rules_partial(const struct rules *rs, size_t i)
{
    const struct rule *r = nth_defined(rs, i);
    return r && r->partial;
}

void
rules_summary(const struct rules *rs, struct str *out)
{
    size_t total = 0;
    for (int t = 0; t < RULE_NTYPES; t++)
        total += rs->loaded[t];
    str_appendf(out, "rules: %zu loaded:", total);
    for (int t = 0; t < RULE_NTYPES; t++)
        str_appendf(out, " %s %zu%s", type_names[t], rs->loaded[t],
                    t + 1 < RULE_NTYPES ? "," : "\n");
    for (int k = 0; k < SKIP_NKINDS; k++) {
        if (rs->skipped[k] == 0)
            continue;
        str_appendf(out, "rules: skipped %zu %s", rs->skipped[k], skip_names[k]);
        if (k == SKIP_EVAL)
            for (int t = 0; t < RULE_NTYPES; t++)
                if (rs->eval_by_type[t])
                    str_appendf(out, "%s %s %zu", t ? "," : ":", type_names[t],
                                rs->eval_by_type[t]);
        str_appendc(out, '\n');
    }
    if (rs->ntemplated)
        str_appendf(out, "rules: %zu rules read captured tags %%{NAME}\n", rs->ntemplated);
    if (rs->nsplit)
        str_appendf(out, "rules: %zu regular expressions too large for pcre2 run as several "
                         "pieces or as a repeated group\n", rs->nsplit);
    if (rs->npartial)
        str_appendf(out, "rules: metas using skipped rules: %zu (loaded; a skipped rule reads "
                         "as 0, not fired)\n", rs->npartial);
    size_t refused, npf = rules_prefiltered(rs, &refused);
    if (npf)
        str_appendf(out, "rules: %zu body rules prefiltered by Hyperscan (%zu refused by it)\n",
                    npf, refused);
    for (size_t i = 0; i < rs->ndiags; i++)
        str_appendf(out, "rules: %s\n", rs->diags[i]);
}

static void
free_rule(struct rule *r)
{
    free(r->name);
    free(r->re_text);
    free(r->re_final);
    free(r->if_unset);
    free(r->meta_text);
    free(r->description);
    if (r->nparts == 0)
        pcre2_code_free(r->re);
    pcre2_code_free(r->re_pre);
    for (size_t i = 0; i < r->nparts; i++)
        pcre2_code_free(r->re_parts[i]);
    free(r->re_parts);
    meta_free(&r->meta);
}

void
rules_free(struct rules **rsp)
{
    struct rules *rs = *rsp;
    if (rs == NULL)
        return;
    for (size_t i = 0; i < rs->n; i++)
        free_rule(&rs->rules[i]);
    for (size_t i = 0; i < rs->nsources; i++)
        free(rs->sources[i].field);
    for (size_t i = 0; i < rs->nplugins; i++)
        free(rs->plugins[i]);
    for (size_t i = 0; i < rs->nfiles; i++)
        free(rs->files[i]);
    for (size_t i = 0; i < rs->ntags; i++) {
        free(rs->tags[i].kind);
        free(rs->tags[i].name);
        free(rs->tags[i].value);
    }
    for (size_t i = 0; i < rs->ndiags; i++)
        free(rs->diags[i]);
    free(rs->rules);
    free(rs->hash);
    free(rs->sources);
    free(rs->plugins);
    free(rs->files);
    free(rs->tags);
    free(rs->diags);
    free(rs->order);
    prefilter_free(&rs->pf);
    rules_netset_clear(&rs->trusted);
    rules_netset_clear(&rs->internal);
    free(rs->tag_start);
    free(rs->tag_end);
    free(rs);
    *rsp = NULL;
}
