/*
 * rules_int: the rule engine's internal structures, shared by its modules
 * (rules_conf: files and directives; rules_define: rule lines; rules_regex:
 * Perl to pcre2; rules_meta: expressions; rules_tags: ReplaceTags;
 * rules_eval: matching). Not for use outside rules/.
 */
#ifndef TAMIS_RULES_RULES_INT_H
#define TAMIS_RULES_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "rules/rules.h"

/* tflags bits. */
#define TF_MULTIPLE 0x01
#define TF_NICE 0x02
#define TF_NET 0x04
#define TF_NOSUBJECT 0x08
#define TF_LEARN 0x10
#define TF_USERCONF 0x20

/* Header modifiers. */
#define HM_RAW 0x01
#define HM_ADDR 0x02
#define HM_NAME 0x04
#define HM_FIRST 0x08
#define HM_LAST 0x10

/* Pseudo-headers. */
enum hdr_kind { HK_FIELD, HK_ALL, HK_TOCC, HK_MESSAGEID, HK_ENVFROM, HK_RELAYS, HK_MIME,
                HK_ALL_RELAYS /* ALL-TRUSTED and the like: .relays says which */ };


/* trusted_networks / internal_networks. */
struct rules_net {
    unsigned char addr[16];
    int family; /* 4 or 6 */
    unsigned plen;
    bool exclude; /* "!NET" */
};

struct rules_netset {
    struct rules_net *v;
    size_t n;
    bool set; /* a line set it (and no clear_ line came after) */
};

/* One header value source: a field (or pseudo-header) and modifiers; rules
 * that read the same source share its value per message. */
struct hsource {
    char *field;
    enum hdr_kind kind;
    unsigned mods;
    enum relays_kind relays; /* HK_RELAYS, HK_ALL_RELAYS */
};

struct meta_prog; /* rules_meta.c */

struct rule {
    char *name;
    enum rule_type type;
    bool defined;     /* a test line was read (not only score/describe) */
    bool subrule;     /* "__" name: never reported */
    bool in_replace;  /* named by replace_rules */
    bool skipped_def; /* its last test line was skipped (eval, unsupported) */
    bool partial;     /* meta reading a skipped rule (as 0) */
    const char *file; /* interned */
    unsigned line;
    char *re_text;    /* the expression as written (before tags) */
    uint32_t re_opts;
    char *re_final;   /* after ReplaceTags and translation: what is compiled;
                       * for a repeated group (repeat), "(?:G)" alone, for the
                       * prefilter; NULL when cut (nparts) */
    pcre2_code *re;
    pcre2_code **re_parts; /* an expression too large for pcre2, cut (rules_split.c) */
    size_t nparts;         /* 0, or the pieces (re is re_parts[0]) */
    unsigned repeat;       /* 0, or re is G of "(?:G){repeat}" (rules_repeat.c) */
    pcre2_code *re_pre;    /* repeat: "(?:G){k}", k < repeat, or NULL */
    bool captures;    /* has named groups (?<NAME>...): sets tags when it matches */
    bool templated;   /* uses %{NAME} tags: compiled per message (re NULL) */
    bool negate;      /* header !~ */
    bool mime;        /* a mimeheader rule: each MIME part's field (HK_MIME) */
    bool exists_test; /* header exists:Field */
    size_t source;    /* header: index in rules.sources */
    char *if_unset;
    char *meta_text;
    struct meta_prog *meta;
    double scores[4];
    bool scored;
    double score;     /* for the frozen score set */
    char *description;
    unsigned tflags;
    unsigned maxhits;
};

struct tag {
    char *kind; /* "tag", "pre", "inter", "post" */
    char *name;
    char *value;
};

struct rules {
    struct rule *rules;
    size_t n, cap;
    size_t *hash; /* open addressing over rule indexes + 1; 0 = empty */
    size_t hcap;
    struct hsource *sources;
    size_t nsources;
    char **plugins;
    size_t nplugins;
    char **files; /* interned file names */
    size_t nfiles;
    struct tag *tags;
    size_t ntags;
    char *tag_start, *tag_end;
    size_t skipped[SKIP_NKINDS];
    size_t eval_by_type[RULE_NTYPES]; /* SKIP_EVAL lines by rule type */
    size_t loaded[RULE_NTYPES];
    size_t npartial; /* meta rules with partial set */
    size_t nsplit;   /* rules whose expression was cut (nparts > 0) */
    size_t ntemplated; /* rules reading %{NAME} tags */
    struct rules_netset trusted, internal;
    char **diags;
    size_t ndiags;
    size_t depth; /* include depth */
    double required_score;
    /* NULL: none; set once (atomically: rules_prefilter.c), read with
     * prefilter_get. */
    struct prefilter *pf;
    size_t *order; /* meta rules in dependency order */
    size_t norder;
    bool finished;
};

/* Where a line is, for diagnostics. */
struct rules_pos {
    const char *file;
    unsigned line;
};

/* rules_conf.c */
void rules_skip(struct rules *rs, const struct rules_pos *pos, enum rules_skip why,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct slice rules_word(struct slice line, size_t *i);
bool rules_has_plugin(const struct rules *rs, struct slice name);

/* rules_if.c: the condition of an "if" line: plugin(NAME), can(NAME),
 * version and perl_version comparisons, !, &&, ||, parentheses. Returns
 * its value, or false with *why set when it does not parse. */
bool rules_if_eval(const struct rules *rs, struct slice expr, const char **why);
bool rules_valid_name(struct slice w);

/* rules_define.c: the rule of this name, created when new. */
struct rule *rules_get(struct rules *rs, struct slice name);
struct rule *rules_find(const struct rules *rs, const char *name, size_t len);
/* Handle one rule-defining or rule-describing line; returns false when
 * the directive is not one of them. */
bool rules_define_line(struct rules *rs, const struct rules_pos *pos, struct slice dir,
                       struct slice rest);

/* rules_regex.c: parse "/re/flags" or "m{re}flags" at rest[*i]. Returns 0
 * with the body in *re_r (in the arena-less string out) and the pcre2
 * options, or -1 with *why. */
int rules_regex_parse(struct slice rest, size_t *i, struct str *out, uint32_t *opts,
                      const char **why);
/* Translate Perl-only syntax for pcre2 (and Hyperscan). */
void rules_regex_translate(const char *re, size_t len, struct str *out);
/* Compile a translated expression; NULL with a reason in err. */
pcre2_code *rules_regex_compile(const char *re, size_t len, uint32_t opts, struct str *err);

/* rules_split.c: compile an expression pcre2 finds too large as several
 * whose matches together are its matches. Returns how many (2 to
 * RULES_SPLIT_MAX, in *parts_r, xmalloc'd), or 0 when it cannot be cut. */
size_t rules_regex_split(const char *re, size_t len, uint32_t opts, pcre2_code ***parts_r);
/* After the character class opening at re[i] ("["): the offset past its "]". */
size_t rules_regex_skip_class(const char *re, size_t len, size_t i);

/* rules_repeat.c: an expression "(?:G){N}" pcre2 finds too large, run as
 * G compiled alone (*group_r, the caller's) matched N times in sequence,
 * over every length G can match (pcre2's DFA matcher). Returns N (2 to
 * RULES_REPEAT_MAX), or 0 when the expression is not of that form or G
 * does not compile. *pre_r (the caller's, may be NULL): "(?:G){k}" for
 * the largest k < N that compiles, a necessary condition to run first. */
#define RULES_REPEAT_MAX 16
unsigned rules_regex_repeat(const char *re, size_t len, uint32_t opts, pcre2_code **group_r,
                            pcre2_code **pre_r);
/* The first match of G{times} in text at or after off: 1 with m[0], m[1]
 * its start and (longest) end, 0 when there is none, -1 when pcre2 failed
 * or the work limit was hit. md: the caller's scratch (one pair will do). */
int rules_repeat_find(const pcre2_code *g, unsigned times, struct slice text, size_t off,
                      pcre2_match_data *md, pcre2_match_context *mc, size_t m[2]);

/* rules_capture.c: SpamAssassin 4's capture tags. A rule with named
 * groups sets tag NAME to what the group matched; a rule whose expression
 * holds %{NAME} runs with it replaced by (?:V1|V2...) (the values, quoted),
 * and does not run when a tag it reads has no value. */
#define RULES_TAGS_MAX 64       /* tag values kept per message */
#define RULES_TAG_VALUE_MAX 512 /* bytes of one value (longer: cut) */
struct tag_value {
    const char *name;
    struct slice value;
};
struct tag_values {
    struct tag_value v[RULES_TAGS_MAX];
    size_t n;
};
bool rules_has_template(const char *re);
/* The expression with every %{NAME} put in, in out; false when a tag has
 * no value. */
bool rules_fill_template(const char *re, const struct tag_values *tv, struct str *out);
/* Record the named groups of the match in md (of code re). */
void rules_capture(struct arena *a, const pcre2_code *re, pcre2_match_data *md,
                   struct slice subject, struct tag_values *tv);

/* rules_prefilter.c: the Hyperscan prefilter of body rules. */
struct prefilter;
/* (rules_prefilter_compile, _load and _available are in rules.h.) */
void prefilter_free(struct prefilter **pp);
/* Set cand[i] for each prefiltered rule i that may match text. Returns 0,
 * or -1 when there is no prefilter or the scan failed (run every rule). */
int prefilter_scan(const struct prefilter *p, struct slice text, bool *cand);
/* Whether rule i runs only when the prefilter reports it. */
bool prefilter_member(const struct prefilter *p, size_t i);
/* Rules in the prefilter; *refused gets the candidates Hyperscan refused. */
size_t prefilter_count(const struct prefilter *p, size_t *refused);
static inline const struct prefilter *
prefilter_get(const struct rules *rs)
{
    return __atomic_load_n(&rs->pf, __ATOMIC_ACQUIRE);
}

/* rules_meta.c */
struct meta_prog *meta_compile(struct slice expr, const char **why);
void meta_free(struct meta_prog **pp);
/* Bind the names to rule indexes; call once the set is loaded. */
void meta_bind(struct meta_prog *p, const struct rules *rs);
/* The first name the program reads that is a rule whose test was skipped
 * and that no other check provides (see rules_set.c), or a meta rule that
 * reads one (partial), or NULL. */
const char *meta_skipped_dep(const struct meta_prog *p, const struct rules *rs);
/* Rule indexes the program reads (for ordering): count, and the i-th. */
size_t meta_deps(const struct meta_prog *p, size_t **deps_r);
/* Evaluate with hits[] (per rule) and the symbol lookup for names that are
 * not rules. */
double meta_eval(const struct meta_prog *p, const double *hits,
                 const struct rules_message *m);

/* rules_relays.c: add the networks of a trusted_networks or
 * internal_networks line (0, or -1 with *why); clear a set. */
int rules_netset_add(struct rules_netset *ns, struct slice words, const char **why);
void rules_netset_clear(struct rules_netset *ns);
/* rules_relays_build, and the Received index (0 = the topmost Received
 * field) where trust ends (bound[0]) and where internal ends (bound[1]):
 * the first untrusted / external one, or the number of Received fields. */
void rules_relays_walk(const struct rules *rs, const struct header_block *h, struct arena *a,
                       struct slice out[RELAYS_NKINDS], size_t bound[2]);

/* rules_set.c: names that other checks give as symbols (BAYES_*, ...). */
bool rules_external_name(const char *name);

/* rules_tags.c: expand <tags> in the rule's expression (ReplaceTags). */
void rules_expand_tags(const struct rules *rs, const char *re, struct str *out);

#endif
