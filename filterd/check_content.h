/*
 * check_content: the first content checks of the pipeline: the GTUBE test
 * string, the header and body patterns of the files named by
 * pattern_files (pcre2), and the message size (max_message_size).
 * docs/actions.md describes the pattern file format.
 *
 * A struct content_checks is built once from a configuration, is read-only
 * afterwards and may be shared by threads (each scan allocates its own
 * match data).
 */
#ifndef TAMIS_FILTERD_CHECK_CONTENT_H
#define TAMIS_FILTERD_CHECK_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "filterd/message.h"
#include "filterd/verdict.h"
#include "lib/config.h"
#include "lib/str.h"

/* Limits of the pattern files. */
#define PATTERN_FILE_MAX (1024 * 1024) /* bytes of one file */
#define PATTERN_LINE_MAX 4096          /* bytes of one line */
#define PATTERN_NAME_MAX 64            /* bytes of a pattern's name */
#define PATTERNS_MAX 10000             /* patterns, all files together */
#define PATTERN_SCORE_MAX 10000.0      /* |score| of one pattern */
#define PATTERN_ERRORS_MAX 100         /* errors reported, all files together */

#define GTUBE_STRING                                                                     \
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
#define GTUBE_SCORE 1000.0

struct content_checks;

/*
 * Build the checks from c (filterd/settings.h schema, validated): reads and
 * compiles every file of pattern_files. Returns NULL with one line per
 * error appended to err: "SOURCE: text" for a setting (SOURCE from
 * config_source), "FILE:LINE: text" for a bad pattern line. The caller
 * frees the result with content_checks_free().
 */
struct content_checks *content_checks_new(const struct config *c, struct str *err);
void content_checks_free(struct content_checks **ccp);

/*
 * Add the patterns of one file's text (len bytes at buf; name is used in
 * messages as "NAME:LINE: text"). Bad lines are skipped and reported in
 * err. Returns 0, or -1 when any line was bad or a limit was reached.
 */
int content_checks_add_patterns(struct content_checks *cc, const char *name,
                                const char *buf, size_t len, struct str *err);
/* How many patterns were loaded. */
size_t content_checks_npatterns(const struct content_checks *cc);

/*
 * The size check: when max_message_size is set and size passes it, add
 * MESSAGE_TOO_BIG (score 0) and apply max_message_size_action: reject
 * (552 5.3.4), tempfail (452 4.3.4), discard or quarantine make the verdict
 * final; accept only adds the symbol. declared: the size is the SIZE= of
 * MAIL FROM, not the bytes received. Returns true when the verdict became
 * final.
 */
bool check_size(const struct content_checks *cc, size_t size, bool declared,
                struct verdict *v);

/*
 * GTUBE (symbol GTUBE, score 1000) in the raw body or the rendered text of
 * any text part; then every pattern, each firing at most once (its name
 * and score). Each part's text is bounded by m->limits.decoded_max, the raw
 * body by the bytes parsed (message_max), each pcre2 match by
 * pattern_match_limit. A match that fails on a pcre2 limit applies
 * on_error_patterns: symbol CHECK_ERROR_PATTERNS (score 0), and with
 * "tempfail" (the default) a final tempfail verdict.
 */
void check_content(const struct content_checks *cc, struct message *m, struct verdict *v);

#endif
