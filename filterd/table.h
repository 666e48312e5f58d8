/*
 * table: the lookup tables of filterd's table checks (docs/tables.md):
 * qmail control files (badmailfrom, badrcptto: one address or @domain a
 * line), pcre2 pattern files (one pattern a line), and access tables in
 * the style of Sendmail's and Postfix's (KEY VALUE lines: IP addresses and
 * prefixes, host names and domains, addresses, user@, @domain).
 *
 * Parsing is pure (no I/O, no logging) and bounded: TABLE_FILE_MAX bytes a
 * file, TABLE_LINE_MAX a line, TABLE_ENTRIES_MAX entries a table. Every bad
 * line is an error "NAME:LINE: text"; a table with an error must not be
 * used (the caller refuses it as a whole). A table is read-only once
 * parsed and may be shared by threads.
 */
#ifndef TAMIS_FILTERD_TABLE_H
#define TAMIS_FILTERD_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/str.h"

#define TABLE_FILE_MAX (64 * 1024 * 1024) /* bytes of one file */
#define TABLE_LINE_MAX 2048               /* bytes of one logical line */
#define TABLE_ENTRIES_MAX 2000000         /* entries (or patterns) of one table */
#define TABLE_ERRORS_MAX 50               /* errors reported per table */
#define TABLE_TEXT_MAX 200                /* bytes of a reply text */
#define TABLE_SCORE_MAX 10000.0           /* |score| of a value */
#define TABLE_MATCH_LIMIT 100000          /* pcre2 match and depth limit */

enum table_format {
    TABLE_LIST,     /* qmail control file: user@host or @host a line */
    TABLE_PATTERNS, /* pcre2 patterns, one a line, caseless */
    TABLE_ACCESS,   /* KEY VALUE lines */
};

/* What is looked up; access keys may be limited to some with a tag
 * (Connect:, From:, To:). */
enum table_kind {
    TABLE_CLIENT = 1, /* the client's address or host name */
    TABLE_FROM = 2,   /* the envelope sender */
    TABLE_RCPT = 4,   /* an envelope recipient */
};

enum table_action {
    TABLE_NONE,     /* list and pattern entries: the check's action decides */
    TABLE_OK,       /* allow: later table checks are skipped */
    TABLE_DUNNO,    /* stop looking for less specific keys; do nothing */
    TABLE_SCORE,    /* add a symbol with this score */
    TABLE_REJECT,   /* REJECT [text], 5NN [x.y.z] [text] */
    TABLE_TEMPFAIL, /* DEFER [text], 4NN [x.y.z] [text] */
    TABLE_DISCARD,  /* DISCARD [text] */
    TABLE_HOLD,     /* HOLD [text]: quarantine (Postfix's hold queue) */
};

/* The value of an entry (or of a setting in the same syntax). */
struct table_value {
    enum table_action action;
    double score;   /* TABLE_SCORE */
    char code[4];   /* "550"; "" when not given */
    char xcode[12]; /* "5.7.1"; "" when not given */
    char *text;     /* NULL when not given */
};

/* One match: the entry's value, the key as written (or the pattern), and
 * the file and line it came from. Owned by the table. */
struct table_entry {
    struct table_value value;
    const char *key;
    const char *file;
    size_t line;
};

struct table;

/* An empty table of format f. Free with table_free(). */
struct table *table_new(enum table_format f);
void table_free(struct table **tp);
enum table_format table_format(const struct table *t);
/* Entries (or patterns) loaded, and duplicate keys ignored (the first
 * one counts, as postmap does). */
size_t table_size(const struct table *t);
size_t table_duplicates(const struct table *t);

/*
 * For the files parsed next into an access table: 0 (the default) lets
 * each key serve every lookup it fits, or limit it with a tag; a kind
 * (TABLE_CLIENT, TABLE_FROM, TABLE_RCPT) makes every key serve that kind of
 * lookup only, as in Postfix's check_client_access, check_sender_access
 * and check_recipient_access maps (a tag for another kind is an error).
 */
void table_set_kind(struct table *t, unsigned kind);

/*
 * Add the lines of one file's text (len bytes at buf; name is used in
 * errors as "NAME:LINE: text\n", appended to err). Returns 0, or -1 when a
 * line was bad or a limit was reached: the table must then be refused.
 */
int table_parse(struct table *t, const char *name, const char *buf, size_t len,
                struct str *err);

/*
 * Parse one value (OK or PERMIT, DUNNO, REJECT [text], DEFER [text],
 * DISCARD [text], HOLD [text],
 * a score, 4NN/5NN [x.y.z] [text], ERROR:[x.y.z:]NNN text) into *out (text
 * allocated; free with table_value_deinit). Returns 0, or -1 with a reason
 * (no newline) appended to why.
 */
int table_value_parse(struct slice s, struct table_value *out, struct str *why);
void table_value_deinit(struct table_value *v);

/*
 * Lookups. Each returns the first entry found in the order of
 * docs/tables.md, or NULL. Items longer than TABLE_LINE_MAX bytes match
 * nothing. Matching ignores ASCII case.
 *
 * table_lookup_addr: an address (without <>; "" is the null sender, looked
 * up as "<>"). TABLE_LIST: the whole address, then @domain. TABLE_ACCESS:
 * user+ext@domain, user@domain, @domain, domain and its parents,
 * user+ext@, user@.
 * table_lookup_host: a host name, then its parent domains (TABLE_ACCESS).
 * table_lookup_ip: an IPv4 or IPv6 address, most specific prefix first
 * (TABLE_ACCESS); NULL when ip is not an address.
 * table_match: the first pattern that matches s (TABLE_PATTERNS); a match
 * that stops on the pcre2 limit counts as no match.
 */
const struct table_entry *table_lookup_addr(const struct table *t, enum table_kind kind,
                                            const char *addr);
const struct table_entry *table_lookup_host(const struct table *t, enum table_kind kind,
                                            const char *host);
const struct table_entry *table_lookup_ip(const struct table *t, const char *ip);
const struct table_entry *table_match(const struct table *t, const char *s);

#endif
