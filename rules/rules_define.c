/*
 * rules_define: the lines that define or describe a rule: header, body,
 * rawbody, uri, full, meta, score, describe, tflags, and ReplaceTags'
 * replace_rules, replace_tag, replace_pre, replace_inter, replace_post,
 * replace_start, replace_end. Regular expressions are kept as text here and
 * compiled when the set is frozen (rules_finish), after every
 * replace_rules line has been read.
 *
 * Untrusted input: lines of rule files (see rules_conf.c for the limits).
 * Rule names are [A-Za-z0-9_], RULES_NAME_MAX bytes at most; at most
 * RULES_MAX rules.
 */
#include "rules/rules_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/mem.h"

/* --- The table of rules by name ------------------------------------- */

static size_t
hash_name(const char *p, size_t n)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * (1099511628211ULL & SIZE_MAX);
    return h;
}

static void
hash_insert(struct rules *rs, size_t idx)
{
    const char *name = rs->rules[idx].name;
    size_t h = hash_name(name, strlen(name)) & (rs->hcap - 1);
    while (rs->hash[h])
        h = (h + 1) & (rs->hcap - 1);
    rs->hash[h] = idx + 1;
}

static void
hash_grow(struct rules *rs)
{
    free(rs->hash);
    rs->hcap = rs->hcap ? rs->hcap * 2 : 1024;
    rs->hash = xcalloc(rs->hcap, sizeof(*rs->hash));
    for (size_t i = 0; i < rs->n; i++)
        hash_insert(rs, i);
}

struct rule *
rules_find(const struct rules *rs, const char *name, size_t len)
{
    if (rs->hcap == 0)
        return NULL;
    size_t h = hash_name(name, len) & (rs->hcap - 1);
    for (; rs->hash[h]; h = (h + 1) & (rs->hcap - 1)) {
        struct rule *r = &rs->rules[rs->hash[h] - 1];
        if (strlen(r->name) == len && memcmp(r->name, name, len) == 0)
            return r;
    }
    return NULL;
}

struct rule *
rules_get(struct rules *rs, struct slice name)
{
    struct rule *r = rules_find(rs, name.ptr, name.len);
    if (r || rs->n >= RULES_MAX)
        return r;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        rs->rules = xreallocarray(rs->rules, rs->cap, sizeof(*rs->rules));
    }
    r = &rs->rules[rs->n++];
    memset(r, 0, sizeof(*r));
    r->name = xmemdup0(name.ptr, name.len);
    r->subrule = name.len >= 2 && name.ptr[0] == '_' && name.ptr[1] == '_';
    if ((rs->n) * 2 > rs->hcap)
        hash_grow(rs);
    else
        hash_insert(rs, rs->n - 1);
    return r;
}

/* Forget a rule's test (a redefinition, or a redefinition as eval:). */
static void
undefine(struct rule *r)
{
    free(r->re_text);
    free(r->if_unset);
    free(r->meta_text);
    r->re_text = r->if_unset = r->meta_text = NULL;
    r->negate = r->exists_test = r->mime = false;
    r->defined = false;
}

/* --- Header targets --------------------------------------------------- */

static const struct {
    const char *name;
    enum hdr_kind kind;
} pseudo[] = {
    {"ALL", HK_ALL},
    {"ToCc", HK_TOCC},
    {"MESSAGEID", HK_MESSAGEID},
    {"EnvelopeFrom", HK_ENVFROM},
};

static const struct {
    const char *name;
    unsigned bit;
} modifiers[] = {
    {"raw", HM_RAW}, {"addr", HM_ADDR}, {"name", HM_NAME},
    {"first", HM_FIRST}, {"last", HM_LAST},
};

/* Which pseudo-header PREFIX{Trusted,Untrusted,Internal,External} field is, or -1. */
static long
relays_kind(struct slice field, const char *prefix)
{
    static const char *const names[RELAYS_NKINDS] = {"Trusted", "Untrusted", "Internal",
                                                     "External"};
    if (!slice_starts_with_case(field, prefix))
        return -1;
    struct slice rest = slice_from(field, strlen(prefix));
    for (long k = 0; k < RELAYS_NKINDS; k++)
        if (slice_case_eq_cstr(rest, names[k]))
            return k;
    return -1;
}

/* The source index for "Field:mod:mod", or -1 with *why; mime: of a
 * mimeheader rule (a field of every MIME part, :raw the only modifier). */
static long
header_source(struct rules *rs, struct slice spec, bool mime, const char **why)
{
    long colon = slice_find_char(spec, ':');
    struct slice field = colon < 0 ? spec : slice_head(spec, (size_t)colon);
    unsigned mods = 0;
    for (size_t i = colon < 0 ? spec.len : (size_t)colon; i < spec.len;) {
        size_t start = ++i;
        while (i < spec.len && spec.ptr[i] != ':')
            i++;
        struct slice m = slice_make(spec.ptr + start, i - start);
        size_t k = 0;
        while (k < 5 && !slice_eq(m, slice_from_cstr(modifiers[k].name)))
            k++;
        if (k == 5) {
            *why = "header modifier not supported (raw, addr, name, first, last are)";
            return -1;
        }
        mods |= modifiers[k].bit;
    }
    enum hdr_kind kind = HK_FIELD;
    for (size_t k = 0; k < 4; k++)
        if (slice_eq(field, slice_from_cstr(pseudo[k].name)))
            kind = pseudo[k].kind;
    long relays = mime ? -1 : relays_kind(field, "X-Spam-Relays-");
    long all_relays = mime ? -1 : relays_kind(field, "ALL-");
    if (mime && (mods & ~HM_RAW)) {
        *why = "mimeheader modifier not supported (raw is)";
        return -1;
    }
    if (mime)
        kind = HK_MIME;
    else if (relays >= 0)
        kind = HK_RELAYS;
    else if (all_relays >= 0) {
        kind = HK_ALL_RELAYS;
        relays = all_relays;
    }
    else if (field.len == 0 || (!mime && (slice_starts_with_case(field, "X-Spam-Relays-") ||
                                           slice_starts_with_case(field, "ALL-")))) {
        *why = "pseudo-header needs SpamAssassin's relay analysis (not supported)";
        return -1;
    }
    for (size_t i = 0; i < rs->nsources; i++)
        if (rs->sources[i].kind == kind && rs->sources[i].mods == mods &&
            strlen(rs->sources[i].field) == field.len &&
            strncasecmp(rs->sources[i].field, field.ptr, field.len) == 0)
            return (long)i;
    rs->sources = xreallocarray(rs->sources, rs->nsources + 1, sizeof(*rs->sources));
    rs->sources[rs->nsources] =
        (struct hsource){.field = xmemdup0(field.ptr, field.len), .kind = kind, .mods = mods,
                         .relays = relays >= 0 ? (enum relays_kind)relays : RELAYS_TRUSTED};
    return (long)rs->nsources++;
}

/* "[if-unset: STR]" after the expression. */
static int
if_unset(struct slice rest, char **out)
{
    rest = slice_trim(rest);
    if (rest.len == 0)
        return 0;
    if (!slice_starts_with_case(rest, "[if-unset:") || rest.ptr[rest.len - 1] != ']')
        return -1;
    struct slice v = slice_trim(slice_make(rest.ptr + 10, rest.len - 11));
    *out = xmemdup0(v.ptr, v.len);
    return 0;
}

static const char *
define_header(struct rules *rs, struct rule *r, struct slice rest)
{
    const char *why = NULL;
    size_t i = 0;
    if (slice_starts_with_case(rest, "exists:")) {
        if (r->mime)
            return "mimeheader exists: is not supported";
        long src = header_source(rs, slice_trim(slice_from(rest, 7)), false, &why);
        if (src < 0)
            return why;
        r->exists_test = true;
        r->source = (size_t)src;
        return NULL;
    }
    struct slice spec = rules_word(rest, &i), op = rules_word(rest, &i);
    if (!slice_eq(op, SLICE_LIT("=~")) && !slice_eq(op, SLICE_LIT("!~")))
        return "a header rule is: NAME Field =~ /re/ (or !~, or exists:Field)";
    long src = header_source(rs, spec, r->mime, &why);
    if (src < 0)
        return why;
    struct str re;
    str_init(&re, RULES_LINE_MAX);
    if (rules_regex_parse(rest, &i, &re, &r->re_opts, &why) < 0 ||
        if_unset(slice_from(rest, i), &r->if_unset) < 0) {
        str_deinit(&re);
        return why ? why : "text after the regular expression is not [if-unset: ...]";
    }
    r->re_text = str_steal(&re, NULL);
    if (r->re_text == NULL)
        r->re_text = xstrdup("");
    r->negate = op.ptr[0] == '!';
    r->source = (size_t)src;
    return NULL;
}

static const char *
define_pattern(struct rule *r, struct slice rest)
{
    const char *why = NULL;
    size_t i = 0;
    struct str re;
    str_init(&re, RULES_LINE_MAX);
    if (rules_regex_parse(rest, &i, &re, &r->re_opts, &why) < 0) {
        str_deinit(&re);
        return why;
    }
    if (slice_trim(slice_from(rest, i)).len) {
        str_deinit(&re);
        return "text after the regular expression";
    }
    r->re_text = str_steal(&re, NULL);
    if (r->re_text == NULL)
        r->re_text = xstrdup("");
    return NULL;
}

static const char *const type_words[RULE_NTYPES] = {
    "header", "body", "rawbody", "uri", "full", "meta",
};

static int
rule_type_of(struct slice dir)
{
    for (int t = 0; t < RULE_NTYPES; t++)
        if (slice_eq(dir, slice_from_cstr(type_words[t])))
            return t;
    return -1;
}

static void
define_rule(struct rules *rs, const struct rules_pos *pos, enum rule_type t,
            struct slice rest, bool mime)
{
    size_t i = 0;
    struct slice name = rules_word(rest, &i);
    rest = slice_trim(slice_from(rest, i));
    if (!rules_valid_name(name)) {
        rules_skip(rs, pos, SKIP_SYNTAX, "%s: bad rule name", type_words[t]);
        return;
    }
    struct rule *r = rules_get(rs, name);
    if (r == NULL) {
        rules_skip(rs, pos, SKIP_SYNTAX, "too many rules (%d at most)", RULES_MAX);
        return;
    }
    undefine(r);
    r->skipped_def = true; /* until the line is read through */
    if (slice_starts_with_case(rest, "eval:")) {
        rs->eval_by_type[t]++;
        rules_skip(rs, pos, SKIP_EVAL, NULL); /* counted, not listed: many */
        return;
    }
    const char *why = NULL;
    r->mime = mime;
    if (t == RULE_HEADER)
        why = define_header(rs, r, rest);
    else if (t == RULE_META)
        r->meta_text = rest.len ? xmemdup0(rest.ptr, rest.len) : NULL;
    else
        why = define_pattern(r, rest);
    if (t == RULE_META && r->meta_text == NULL)
        why = "meta needs an expression";
    if (why) {
        undefine(r);
        rules_skip(rs, pos, strstr(why, "not supported") ? SKIP_UNSUPPORTED : SKIP_SYNTAX,
                   "%s %s: %s", mime ? "mimeheader" : type_words[t], r->name, why);
        return;
    }
    r->type = t;
    r->defined = true;
    r->skipped_def = false;
    r->file = pos->file;
    r->line = pos->line;
}

/* --- score, describe, tflags ----------------------------------------- */

static int
parse_score(struct slice w, double prev, double *out)
{
    bool rel = w.len >= 2 && w.ptr[0] == '(' && w.ptr[w.len - 1] == ')';
    if (rel)
        w = slice_make(w.ptr + 1, w.len - 2);
    char *s = xmemdup0(w.ptr, w.len), *end;
    double d = strtod(s, &end);
    int ok = w.len > 0 && *end == '\0' && isfinite(d) && fabs(d) < 1e6;
    free(s);
    if (!ok)
        return -1;
    *out = rel ? prev + d : d;
    return 0;
}

static void
set_score(struct rules *rs, const struct rules_pos *pos, struct rule *r, struct slice rest)
{
    double v[4];
    size_t i = 0, n = 0;
    for (struct slice w = rules_word(rest, &i); w.len && n < 4; w = rules_word(rest, &i)) {
        if (parse_score(w, r->scored ? r->scores[n] : 1.0, &v[n]) < 0) {
            rules_skip(rs, pos, SKIP_SYNTAX, "score %s: not a number", r->name);
            return;
        }
        n++;
    }
    if (n != 1 && n != 4) {
        rules_skip(rs, pos, SKIP_SYNTAX, "score %s: one or four scores", r->name);
        return;
    }
    for (size_t k = 0; k < 4; k++)
        r->scores[k] = v[n == 1 ? 0 : k];
    r->scored = true;
}

static void
set_tflags(struct rule *r, struct slice rest)
{
    size_t i = 0;
    r->tflags = 0;
    r->maxhits = 0;
    for (struct slice w = rules_word(rest, &i); w.len; w = rules_word(rest, &i)) {
        if (slice_eq(w, SLICE_LIT("multiple")))
            r->tflags |= TF_MULTIPLE;
        else if (slice_eq(w, SLICE_LIT("nice")))
            r->tflags |= TF_NICE;
        else if (slice_eq(w, SLICE_LIT("net")))
            r->tflags |= TF_NET;
        else if (slice_eq(w, SLICE_LIT("nosubject")))
            r->tflags |= TF_NOSUBJECT;
        else if (slice_eq(w, SLICE_LIT("learn")))
            r->tflags |= TF_LEARN;
        else if (slice_eq(w, SLICE_LIT("userconf")))
            r->tflags |= TF_USERCONF;
        else if (slice_starts_with_case(w, "maxhits="))
            r->maxhits = (unsigned)strtoul(w.ptr + 8, NULL, 10);
        /* Others (autolearn_force, noautolearn, a, ns, ...) do not change
         * what a rule matches. */
    }
}

/* replace_tag, replace_pre, replace_inter, replace_post NAME VALUE. */
static void
add_tag(struct rules *rs, const char *kind, struct slice rest)
{
    size_t i = 0;
    struct slice name = rules_word(rest, &i);
    struct slice value = slice_trim(slice_from(rest, i));
    for (size_t k = 0; k < rs->ntags; k++) {
        struct tag *t = &rs->tags[k];
        if (strcmp(t->kind, kind) == 0 && slice_eq(slice_from_cstr(t->name), name)) {
            free(t->value);
            t->value = xmemdup0(value.ptr, value.len);
            return;
        }
    }
    rs->tags = xreallocarray(rs->tags, rs->ntags + 1, sizeof(*rs->tags));
    rs->tags[rs->ntags++] = (struct tag){.kind = xstrdup(kind),
                                         .name = xmemdup0(name.ptr, name.len),
                                         .value = xmemdup0(value.ptr, value.len)};
}

static bool
replace_line(struct rules *rs, struct slice dir, struct slice rest)
{
    static const char *const kinds[] = {"tag", "pre", "inter", "post"};
    if (!slice_starts_with_case(dir, "replace_"))
        return false;
    struct slice k = slice_from(dir, 8);
    for (size_t j = 0; j < 4; j++)
        if (slice_eq(k, slice_from_cstr(kinds[j]))) {
            add_tag(rs, kinds[j], rest);
            return true;
        }
    if (slice_eq(k, SLICE_LIT("rules"))) {
        size_t i = 0;
        for (struct slice w = rules_word(rest, &i); w.len; w = rules_word(rest, &i)) {
            struct rule *r = rules_valid_name(w) ? rules_get(rs, w) : NULL;
            if (r)
                r->in_replace = true;
        }
    } else if (slice_eq(k, SLICE_LIT("start")) || slice_eq(k, SLICE_LIT("end"))) {
        char **p = k.ptr[0] == 's' ? &rs->tag_start : &rs->tag_end;
        free(*p);
        *p = xmemdup0(rest.ptr, rest.len);
    } else {
        return false;
    }
    return true;
}

bool
rules_define_line(struct rules *rs, const struct rules_pos *pos, struct slice dir,
                  struct slice rest)
{
    int t = rule_type_of(dir);
    if (t >= 0 || slice_eq(dir, SLICE_LIT("mimeheader"))) {
        define_rule(rs, pos, t >= 0 ? (enum rule_type)t : RULE_HEADER, rest, t < 0);
        return true;
    }
    if (replace_line(rs, dir, rest))
        return true;
    bool score = slice_eq(dir, SLICE_LIT("score"));
    bool desc = slice_eq(dir, SLICE_LIT("describe"));
    bool tfl = slice_eq(dir, SLICE_LIT("tflags"));
    if (!score && !desc && !tfl)
        return false;
    size_t i = 0;
    struct slice name = rules_word(rest, &i);
    rest = slice_trim(slice_from(rest, i));
    struct rule *r = rules_valid_name(name) ? rules_get(rs, name) : NULL;
    if (r == NULL) {
        rules_skip(rs, pos, SKIP_SYNTAX, "%.*s: bad rule name", (int)dir.len, dir.ptr);
        return true;
    }
    if (score) {
        set_score(rs, pos, r, rest);
    } else if (desc) {
        free(r->description);
        r->description = xmemdup0(rest.ptr, rest.len);
    } else {
        set_tflags(r, rest);
    }
    return true;
}
