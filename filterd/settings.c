/*
 * settings: the schema of filterd's configuration file. Names that scripts
 * rely on (DESIGN.md section 6) are kept as they are: bayes_db, rules,
 * clamav_db, dns_servers, milter_socket. Untrusted input: no (the schema is
 * static; values are checked by lib/config).
 */
#include "settings.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check.h"
#include "lib/log.h"
#include "lib/mem.h"

#define K (1024LL)
#define M (1024LL * 1024LL)

static const struct config_key base_schema[] = {
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
    {"quarantine_maildir", CONFIG_STRING, "", 0, 0,
     "Maildir folder for quarantined messages (empty: the MTA's hold queue)"},
    {"reject_score", CONFIG_STRING, "15", 0, 0, "score from which a message is rejected"},
    {"discard_score", CONFIG_STRING, "-1", 0, 0,
     "score from which a message is discarded (-1: never)"},
    /* What the actions write (docs/actions.md). */
    {"add_header_mode", CONFIG_STRING, "always", 0, 0,
     "when to add the spam headers: always, or spam (score >= required_score)"},
    {"spam_header_status", CONFIG_STRING, "X-Spam-Status", 0, 0,
     "name of the \"Yes|No, score=S required=R tests=...\" header (empty: none)"},
    {"spam_header_score", CONFIG_STRING, "X-Spam-Score", 0, 0,
     "name of the header holding the score (empty: none)"},
    {"spam_header_flag", CONFIG_STRING, "X-Spam-Flag", 0, 0,
     "name of the header set to YES on spam (empty: none)"},
    {"spam_header_level", CONFIG_STRING, "X-Spam-Level", 0, 0,
     "name of the header with one '*' per point of score (empty: none)"},
    {"subject_prefix", CONFIG_STRING, "[SPAM]", 0, 0,
     "put before the subject by rewrite-subject and quarantine (empty: no rewrite)"},
    {"reject_message", CONFIG_STRING, "Message rejected as spam", 0, 0,
     "text of the 550 5.7.1 reply of reject"},
    {"tempfail_message", CONFIG_STRING, "Try again later", 0, 0,
     "text of the 451 4.7.1 reply of tempfail"},
    /* The content checks (docs/actions.md). */
    {"max_message_size", CONFIG_SIZE, "0", 0, 0,
     "larger messages get MESSAGE_TOO_BIG and max_message_size_action (0: no limit)"},
    {"max_message_size_action", CONFIG_STRING, "reject", 0, 0,
     "for a message over max_message_size: reject, tempfail, discard, quarantine or "
     "accept"},
    {"pattern_files", CONFIG_LIST, "", 0, 0, "files of header and body patterns"},
    {"pattern_match_limit", CONFIG_INT, "1000000", 100, 1000000000,
     "pcre2 match and depth limit of one pattern match"},
    {"on_error_patterns", CONFIG_STRING, "tempfail", 0, 0,
     "when a pattern cannot be matched (a pcre2 limit): tempfail or accept"},
    {"milter_socket_mode", CONFIG_STRING, "0660", 0, 0, "mode of a unix milter socket (octal)"},
};

/* The base schema and every registered check's, joined once. */
static struct config_key *schema;
static size_t schema_n;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void
join_schema(void)
{
    size_t nchecks, n = sizeof(base_schema) / sizeof(base_schema[0]);
    const struct check_ops *const *checks = checks_registry(&nchecks);
    for (size_t i = 0; i < nchecks; i++)
        n += checks[i]->nschema;
    schema = xcalloc(n, sizeof(*schema));
    memcpy(schema, base_schema, sizeof(base_schema));
    schema_n = sizeof(base_schema) / sizeof(base_schema[0]);
    for (size_t i = 0; i < nchecks; i++)
        for (size_t j = 0; j < checks[i]->nschema; j++) {
            const struct config_key *k = &checks[i]->schema[j];
            for (size_t e = 0; e < schema_n; e++)
                if (strcmp(schema[e].name, k->name) == 0)
                    log_panic("settings: check %s redefines the setting %s",
                              checks[i]->name, k->name);
            schema[schema_n++] = *k;
        }
}

const struct config_key *
settings_schema(size_t *n_r)
{
    pthread_once(&schema_once, join_schema);
    *n_r = schema_n;
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

/* Settings whose value is one word of a fixed set. */
static const struct {
    const char *key;
    const char *const *words;
} choice_keys[] = {
    {"add_header_mode", (const char *const[]){"always", "spam", NULL}},
    {"max_message_size_action",
     (const char *const[]){"accept", "quarantine", "tempfail", "reject", "discard", NULL}},
    {"on_error_patterns", (const char *const[]){"tempfail", "accept", NULL}},
};

static const char *const header_keys[] = {"spam_header_status", "spam_header_score",
                                          "spam_header_flag", "spam_header_level"};

/* Settings that become SMTP reply text or a subject: printable, bounded. */
static const struct {
    const char *key;
    size_t max;
    bool ascii; /* SMTP replies are ASCII; a subject prefix may be UTF-8 */
    bool nonempty;
} text_keys[] = {
    {"subject_prefix", SETTINGS_SUBJECT_PREFIX_MAX, false, false},
    {"reject_message", SETTINGS_REPLY_TEXT_MAX, true, true},
    {"tempfail_message", SETTINGS_REPLY_TEXT_MAX, true, true},
};

int
settings_choice(const struct config *c, const char *key)
{
    const char *v = config_get_str(c, key);
    for (size_t i = 0; i < sizeof(choice_keys) / sizeof(choice_keys[0]); i++) {
        if (strcmp(choice_keys[i].key, key) != 0)
            continue;
        for (int j = 0; choice_keys[i].words[j]; j++)
            if (strcmp(v, choice_keys[i].words[j]) == 0)
                return j;
        return -1;
    }
    return -1;
}

static int
validate_choices(const struct config *c, struct str *err)
{
    int r = 0;
    for (size_t i = 0; i < sizeof(choice_keys) / sizeof(choice_keys[0]); i++) {
        const char *key = choice_keys[i].key;
        if (settings_choice(c, key) >= 0)
            continue;
        str_appendf(err, "%s: bad value for %s: \"%s\" is not one of", config_source(c, key),
                    key, config_get_str(c, key));
        for (int j = 0; choice_keys[i].words[j]; j++)
            str_appendf(err, "%s %s", j ? "," : "", choice_keys[i].words[j]);
        str_appendc(err, '\n');
        r = -1;
    }
    return r;
}

/* A header field name: 1 to 64 printable ASCII characters, no ':'. */
static bool
valid_field_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SETTINGS_HEADER_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 || s[i] == ':')
            return false;
    return true;
}

static int
validate_headers(const struct config *c, struct str *err)
{
    int r = 0;
    size_t n = sizeof(header_keys) / sizeof(header_keys[0]);
    for (size_t i = 0; i < n; i++) {
        const char *key = header_keys[i], *v = config_get_str(c, key);
        const char *why = NULL;
        if (*v == '\0')
            continue;
        if (!valid_field_name(v))
            why = "is not a header field name (1 to 64 printable characters, no ':')";
        else if (slice_case_eq_cstr(slice_from_cstr(v), "Subject"))
            why = "is the subject";
        for (size_t j = 0; j < i && why == NULL; j++)
            if (slice_case_eq_cstr(slice_from_cstr(v), config_get_str(c, header_keys[j])))
                why = "is already the name of another of our headers";
        if (why) {
            str_appendf(err, "%s: bad value for %s: \"%s\" %s\n", config_source(c, key), key,
                        v, why);
            r = -1;
        }
    }
    return r;
}

static int
validate_texts(const struct config *c, struct str *err)
{
    int r = 0;
    for (size_t i = 0; i < sizeof(text_keys) / sizeof(text_keys[0]); i++) {
        const char *key = text_keys[i].key, *v = config_get_str(c, key);
        size_t n = strlen(v);
        const char *why = NULL;
        if (n > text_keys[i].max)
            why = "is too long";
        else if (n == 0 && text_keys[i].nonempty)
            why = "must not be empty";
        for (size_t j = 0; j < n && why == NULL; j++) {
            unsigned char b = (unsigned char)v[j];
            if (b < 0x20 || b == 0x7f)
                why = "holds a control character";
            else if (b >= 0x80 && text_keys[i].ascii)
                why = "must be ASCII (it is an SMTP reply)";
        }
        if (why) {
            str_appendf(err, "%s: bad value for %s: %s (at most %zu bytes)\n",
                        config_source(c, key), key, why, text_keys[i].max);
            r = -1;
        }
    }
    return r;
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
    if (validate_choices(c, err) < 0)
        r = -1;
    if (validate_headers(c, err) < 0)
        r = -1;
    if (validate_texts(c, err) < 0)
        r = -1;
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
