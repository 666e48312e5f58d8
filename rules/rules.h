/*
 * rules: a rule engine for SpamAssassin's rule language (docs/rules.md).
 *
 * A rule set is built by loading files or folders (rules_load), then
 * frozen (rules_finish): scores are chosen for the score set, meta
 * expressions are bound to rule numbers, and from then on the set is
 * read-only and may be shared by threads. rules_eval runs every rule on one
 * message, given as the pieces the caller already parsed (headers, rendered
 * text, decoded text, URIs, raw bytes), and reports each rule that fired.
 *
 * Lines that cannot be used (Perl eval: tests, plugins tamis does not have,
 * regular expressions pcre2 cannot take, syntax errors) are counted by kind
 * and the first RULES_DIAG_MAX of them are kept as "FILE:LINE: reason" for
 * `filterd lint`; loading goes on.
 */
#ifndef TAMIS_RULES_RULES_H
#define TAMIS_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/header.h"

/* Limits of rule files (they are the administrator's, read as hostile). */
#define RULES_FILE_MAX (8 << 20)   /* bytes of one file */
#define RULES_LINE_MAX (64 << 10)  /* bytes of one line */
#define RULES_MAX 100000           /* rules of one set */
#define RULES_INCLUDE_DEPTH 8      /* nested include */
#define RULES_IF_DEPTH 64          /* nested if/ifplugin */
#define RULES_NAME_MAX 128         /* bytes of a rule name */
#define RULES_META_TOKENS 4096     /* tokens of one meta expression */
#define RULES_DIAG_MAX 200         /* diagnostics kept for lint */
#define RULES_FOLDER_FILES 1000    /* *.cf files read from one folder */
#define RULES_SPLIT_MAX 64         /* pieces of one expression too large for pcre2 */

enum rule_type {
    RULE_HEADER,
    RULE_BODY,
    RULE_RAWBODY,
    RULE_URI,
    RULE_FULL,
    RULE_META,
    RULE_NTYPES
};

/* Why a line was not used (counted in rules_summary). */
enum rules_skip {
    SKIP_EVAL,        /* a Perl eval: test tamis does not implement */
    SKIP_REGEX,       /* a regular expression pcre2 does not accept */
    SKIP_SYNTAX,      /* a malformed rule line */
    SKIP_UNSUPPORTED, /* a header target or rule kind tamis does not read */
    SKIP_DIRECTIVE,   /* a setting of SpamAssassin or a plugin, ignored */
    SKIP_META,        /* a meta expression that does not parse */
    SKIP_FILE,        /* a file or folder that cannot be read */
    SKIP_NKINDS
};

struct rules;

/* The folder the default rule set is installed in (rules/default/ of the
 * sources, installed as ${datadir}/tamis/rules); a static string. */
const char *rules_default_dir(void);

/* An empty rule set; free with rules_free. */
struct rules *rules_new(void);
void rules_free(struct rules **rsp);
/* Treat plugin NAME (e.g. "Mail::SpamAssassin::Plugin::FreeMail") as loaded
 * for ifplugin and if plugin(...). A set starts with SpamAssassin's default
 * plugins (docs/rules.md); a loadplugin line adds one too. */
void rules_add_plugin(struct rules *rs, const char *name);
/* Load a rule file, or a folder: its *.pre files, then its *.cf files, each
 * group in byte order of the names (as SpamAssassin does). Returns 0, or -1
 * when path cannot be read (also counted as SKIP_FILE). Bad lines inside do
 * not make it fail: see rules_diag. */
int rules_load(struct rules *rs, const char *path);
/* Load rules from memory; name is used in diagnostics. include lines are
 * refused (there is no folder to resolve them in). */
void rules_load_buffer(struct rules *rs, const char *name, const char *buf, size_t len);
/* Freeze the set for score set 0-3 (SpamAssassin's: 0 no Bayes and no
 * network tests, 1 network, 2 Bayes, 3 both). Call once, after loading. */
void rules_finish(struct rules *rs, int score_set);

/* The Hyperscan prefilter of the body rules (docs/rules.md): one scan of
 * the body tells which body rules may match, pcre2 runs only those; the
 * hits are the same with it or without. It takes seconds to compile, so it
 * is kept in a folder (dir), in a file named after the rule set.
 *
 * Compile rs's prefilter (finished set) and attach it, unless rs has one
 * already (attaching is atomic: rules_eval may run meanwhile). When dir is not
 * NULL or "", also write it there (the folder must exist). Returns 0, or
 * -1 with the reason in err (e.g. no Hyperscan in this build; when only
 * the write failed the prefilter is attached all the same). It forks (a
 * trial compile of each expression in a child): call it from a process
 * with no other thread (filterd runs it as `filterd compile`). Takes
 * seconds to minutes. */
int rules_prefilter_compile(struct rules *rs, const char *dir, struct str *err);
/* Attach the prefilter kept in dir for exactly this rule set: 1 when
 * attached, 0 when dir has none for it (or no Hyperscan in this build), -1
 * with the reason in err when its file is there but unusable. */
int rules_prefilter_load(struct rules *rs, const char *dir, struct str *err);
/* Body rules rs runs only when its prefilter reports them (0: no
 * prefilter); *refused gets those Hyperscan refused (run always). */
size_t rules_prefiltered(const struct rules *rs, size_t *refused);
/* Whether this build has Hyperscan. */
bool rules_prefilter_available(void);

/* What was loaded, for `filterd lint`: counts by type and by reason, then
 * the kept diagnostics. */
void rules_summary(const struct rules *rs, struct str *out);
/* Rules of a type that load (are run), and lines skipped for a reason. */
size_t rules_count(const struct rules *rs, enum rule_type t);
size_t rules_skipped(const struct rules *rs, enum rules_skip why);
/* Meta rules that load but read a rule that was skipped (an eval: test, an
 * unsupported header...), directly or through another meta: the skipped
 * rule counts as 0 (did not fire), as SpamAssassin counts a rule it does
 * not have. rules_partial says whether the i-th name of rules_name is one. */
size_t rules_partial_count(const struct rules *rs);
bool rules_partial(const struct rules *rs, size_t i);
/* Diagnostic i ("FILE:LINE: reason"), i < rules_diag_count. */
size_t rules_diag_count(const struct rules *rs);
const char *rules_diag(const struct rules *rs, size_t i);
/* The required_score of the last rule file that set one, or -1. */
double rules_required_score(const struct rules *rs);
/* The names of the rules that are defined (for tests): NULL past the end. */
const char *rules_name(const struct rules *rs, size_t i);

/* One message, as the caller parsed it. Everything is borrowed. */
struct rules_message {
    const struct header_block *headers; /* the top-level header block */
    /* Every MIME part's header block, in order, the top-level one first (for
     * mimeheader rules); NULL: only headers. */
    const struct header_block *const *parts;
    size_t nparts;
    struct slice full;                   /* the whole message, as received */
    const struct slice *texts;           /* rendered text of each text part */
    size_t ntexts;
    const struct slice *decoded;         /* decoded, not rendered, text parts */
    size_t ndecoded;
    const struct slice *uris;            /* URIs found in the message */
    size_t nuris;
    /* Symbols other checks gave (BAYES_99, RCVD_IN_...): the number of times
     * name fired, 0 if not. May be NULL. */
    double (*symbol)(void *ctx, const char *name);
    void *symbol_ctx;
    unsigned match_limit;                /* pcre2 match and depth limit */
};

struct rules_hit {
    const char *name;
    const char *description; /* "" when there is none */
    double score;
    unsigned count;
};

/* Called for each rule that fired and is reported (not a __ sub-rule,
 * score not 0), in rule order. */
typedef void (*rules_hit_cb)(void *ctx, const struct rules_hit *hit);

/* SpamAssassin's relay pseudo-headers X-Spam-Relays-Trusted, -Untrusted,
 * -Internal and -External of a message (docs/rules.md), from its Received
 * fields and the trusted_networks / internal_networks lines of the rules:
 * out[k] is allocated in a (empty when there is no relay of that kind). */
enum relays_kind { RELAYS_TRUSTED, RELAYS_UNTRUSTED, RELAYS_INTERNAL, RELAYS_EXTERNAL,
                   RELAYS_NKINDS };
void rules_relays_build(const struct rules *rs, const struct header_block *h, struct arena *a,
                        struct slice out[RELAYS_NKINDS]);

/* Run every rule on m, with scratch space from a. Returns 0, or -1 when a
 * match could not run (the match limit was hit: *failed_r names the rule);
 * the other rules still run. */
int rules_eval(const struct rules *rs, const struct rules_message *m, struct arena *a,
               rules_hit_cb cb, void *ctx, const char **failed_r);

#endif
