/*
 * settings: the schema of filterd's configuration file. Names that scripts
 * rely on (DESIGN.md section 6) are kept as they are: bayes_db, rules,
 * clamav_db, dns_servers, milter_socket. Untrusted input: no (the schema is
 * static; values are checked by lib/config).
 */
#include "settings.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define K (1024LL)
#define M (1024LL * 1024LL)

static const struct config_key schema[] = {
    /* Where things are. */
    {"milter_socket", CONFIG_STRING, "unix:/run/tamis/filterd.sock", 0, 0,
     "libmilter socket: unix:PATH or inet:PORT@ADDR"},
    {"bayes_db", CONFIG_STRING, "/var/lib/tamis/bayes", 0, 0,
     "Bayes database: an LMDB folder, or redis://host:port/N"},
    {"rules", CONFIG_LIST, "", 0, 0, "rule files or folders (SpamAssassin syntax)"},
    {"clamav_db", CONFIG_STRING, "/var/lib/clamav", 0, 0, "ClamAV signature folder"},
    {"dns_servers", CONFIG_LIST, "", 0, 0,
     "DNS servers for list lookups: address or address:port, comma-separated"},
    /* The daemon and the front ends. */
    {"user", CONFIG_STRING, "tamis", 0, 0,
     "user the daemon runs as after binding its socket (when started as root)"},
    {"pid_file", CONFIG_STRING, "/run/tamis/filterd.pid", 0, 0, "pid file of the daemon"},
    {"qmail_queue", CONFIG_STRING, "/var/qmail/bin/qmail-queue", 0, 0,
     "the real qmail-queue that filterd-qmail-queue runs after scanning"},
    /* Parser limits (docs/limits.md). */
    {"message_size_limit", CONFIG_SIZE, "64M", 1 * K, 1024 * M,
     "bytes of a message that are scanned; the rest is not"},
    {"header_size_limit", CONFIG_SIZE, "256k", 1 * K, 64 * M,
     "bytes of one header block (message or part)"},
    {"header_count_limit", CONFIG_INT, "2000", 10, 1000000, "fields in one header block"},
    {"line_length_limit", CONFIG_SIZE, "64k", 1 * K, 64 * M,
     "bytes of one line; longer lines are split"},
    {"mime_depth_limit", CONFIG_INT, "32", 1, 1000,
     "nesting of multiparts and attached messages"},
    {"mime_parts_limit", CONFIG_INT, "2000", 1, 1000000, "MIME parts in one message"},
    {"mime_boundary_limit", CONFIG_INT, "256", 70, 65536, "bytes of a multipart boundary"},
    {"decoded_size_limit", CONFIG_SIZE, "16M", 1 * K, 1024 * M,
     "decoded bytes of one part that are scanned"},
    {"spool_threshold", CONFIG_SIZE, "1M", 0, 1024 * M,
     "larger messages are read from a file in chunks, not held in memory"},
    /* Actions, by total score; a negative value turns an action off. */
    {"required_score", CONFIG_STRING, "5", 0, 0,
     "score from which a message is spam: headers say so (add-header)"},
    {"rewrite_subject_score", CONFIG_STRING, "-1", 0, 0,
     "score from which the subject gets a prefix (-1: never)"},
    {"quarantine_score", CONFIG_STRING, "-1", 0, 0,
     "score from which a message is quarantined (-1: never)"},
    {"reject_score", CONFIG_STRING, "15", 0, 0, "score from which a message is rejected"},
    {"discard_score", CONFIG_STRING, "-1", 0, 0,
     "score from which a message is discarded (-1: never)"},
};

const struct config_key *
settings_schema(size_t *n_r)
{
    *n_r = sizeof(schema) / sizeof(schema[0]);
    return schema;
}

struct config *
settings_new(void)
{
    size_t n;
    const struct config_key *s = settings_schema(&n);
    return config_new(s, n);
}

struct mail_limits
settings_limits(const struct config *c)
{
    struct mail_limits l = mail_limits_default();
    l.message_max = (size_t)config_get_size(c, "message_size_limit");
    l.header_block_max = (size_t)config_get_size(c, "header_size_limit");
    l.header_count_max = (size_t)config_get_int(c, "header_count_limit");
    l.line_max = (size_t)config_get_size(c, "line_length_limit");
    l.mime_depth_max = (size_t)config_get_int(c, "mime_depth_limit");
    l.parts_max = (size_t)config_get_int(c, "mime_parts_limit");
    l.boundary_max = (size_t)config_get_int(c, "mime_boundary_limit");
    l.decoded_max = (size_t)config_get_size(c, "decoded_size_limit");
    l.spool_threshold = (size_t)config_get_size(c, "spool_threshold");
    return l;
}

static const char *const score_keys[] = {"required_score", "rewrite_subject_score",
                                         "quarantine_score", "reject_score",
                                         "discard_score"};

/* Parse a score: a decimal number, possibly negative. */
static int
parse_score(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(*out))
        return -1;
    return 0;
}

int
settings_validate(const struct config *c, struct str *err)
{
    int r = 0;
    double d;
    for (size_t i = 0; i < sizeof(score_keys) / sizeof(score_keys[0]); i++) {
        const char *v = config_get_str(c, score_keys[i]);
        if (parse_score(v, &d) < 0) {
            str_appendf(err, "%s: bad value for %s: \"%s\" is not a number\n",
                        config_source(c, score_keys[i]), score_keys[i], v);
            r = -1;
        }
    }
    return r;
}

static double
score_setting(const struct config *c, const char *key)
{
    double d = -1;
    (void)parse_score(config_get_str(c, key), &d);
    return d;
}

struct verdict_thresholds
settings_thresholds(const struct config *c)
{
    return (struct verdict_thresholds){
        .add_header = score_setting(c, "required_score"),
        .rewrite_subject = score_setting(c, "rewrite_subject_score"),
        .quarantine = score_setting(c, "quarantine_score"),
        .reject = score_setting(c, "reject_score"),
        .discard = score_setting(c, "discard_score"),
    };
}
