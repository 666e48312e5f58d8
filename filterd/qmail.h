/*
 * qmail: what the two qmail front ends share: filterd-qmail-queue (a
 * program for QMAILQUEUE) and `filterd qfilter` (a filter for
 * qmail-qfilter).
 *
 * - The qmail-queue envelope (qmail-queue(8)): "F" sender NUL, then "T"
 *   recipient NUL for each recipient, then one more NUL. A pure,
 *   incremental, bounded parser (no I/O, no logging), and a reader over it.
 * - qmail-queue's exit statuses, and the mapping of a verdict to them.
 * - The custom error channel of the qmail-queue-custom-error patch: exit
 *   82 with "D<text>" (permanent) or "Z<text>" (temporary) on fd 6.
 * - Options (-c, -o), the configuration, the scan environment from
 *   tcpserver's variables, and running the real qmail-queue.
 */
#ifndef TAMIS_FILTERD_QMAIL_H
#define TAMIS_FILTERD_QMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "filterd/actions.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/verdict.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/str.h"

/* qmail-queue's exit statuses (qmail-queue(8)); 11 to 40 are permanent,
 * every other non-zero status is temporary. */
#define QMAIL_EXIT_QUEUED 0
#define QMAIL_EXIT_ADDR_TOO_LONG 11 /* an envelope part over its limit */
#define QMAIL_EXIT_REFUSED 31       /* permanently refused (reject) */
#define QMAIL_EXIT_WRITE 53         /* write error or disk full */
#define QMAIL_EXIT_READ 54          /* cannot read the message or the envelope */
#define QMAIL_EXIT_CONFIG 55        /* cannot read the configuration */
#define QMAIL_EXIT_TEMP_REFUSED 71  /* temporarily refused (tempfail) */
#define QMAIL_EXIT_BUG 81           /* internal failure */
#define QMAIL_EXIT_CUSTOM 82        /* the text on fd 6 says why (patched callers) */
#define QMAIL_EXIT_ENVELOPE 91      /* envelope format error */
#define QMAIL_EXIT_DROP 99          /* qmail-qfilter: accept and drop the message */

/* Envelope limits. An address over QMAIL_ADDR_MAX is what qmail-queue
 * itself refuses (status 11); the other two bound memory. */
#define QMAIL_ADDR_MAX 1003                      /* bytes of one address */
#define QMAIL_RCPTS_MAX 100000                   /* recipients */
#define QMAIL_ENVELOPE_MAX (16u * 1024u * 1024u) /* bytes, terminator included */

/* The custom error channel (qmail-queue-custom-error patch). */
#define QMAIL_CUSTOM_ERROR_FD 6
#define QMAIL_CUSTOM_ERROR_MAX 512 /* bytes written on it, prefix included */

/* Most -o options one command line takes. */
#define QMAIL_OVERRIDES_MAX 64
/* Descriptors from 3 up to this one (excluded) are closed before running
 * the real qmail-queue. */
#define QMAIL_CLOSE_FDS_MAX 1024

struct qmail_env_limits {
    size_t addr_max;  /* bytes of one address (sender or recipient) */
    size_t rcpts_max; /* recipients */
    size_t size_max;  /* bytes of the whole envelope, terminator included */
};

enum qmail_env_status {
    QMAIL_ENV_MORE,          /* push: no terminator yet, more bytes needed */
    QMAIL_ENV_DONE,          /* the final NUL was seen */
    QMAIL_ENV_TRUNCATED,     /* end of input before the final NUL */
    QMAIL_ENV_READ_ERROR,    /* the reader could not read (errno set) */
    QMAIL_ENV_BAD_FORMAT,    /* no leading "F", or a record not starting "T" */
    QMAIL_ENV_ADDR_TOO_LONG, /* an address over addr_max */
    QMAIL_ENV_TOO_MANY_RCPTS,
    QMAIL_ENV_TOO_BIG, /* over size_max bytes */
};

/* A parsed envelope; strings are NUL-terminated copies in an arena (an
 * address cannot hold a NUL byte). */
struct qmail_envelope {
    const char *sender; /* "" for the null sender */
    const char **rcpts;
    size_t nrcpts;
    size_t size; /* bytes of the envelope, terminator included */
};

/* The limits above. */
struct qmail_env_limits qmail_env_limits_default(void);

struct qmail_env_parser;

/* A parser whose strings are allocated in a (which must outlive the
 * envelope it gives). Free with qmail_env_parser_free(). */
struct qmail_env_parser *qmail_env_parser_new(struct arena *a,
                                              const struct qmail_env_limits *lim);
void qmail_env_parser_free(struct qmail_env_parser **pp);
/* Feed n bytes. Returns QMAIL_ENV_MORE, QMAIL_ENV_DONE (*used_r bytes were
 * taken, the final NUL included; what follows is not looked at), or an
 * error status, which every later push and finish return again. */
enum qmail_env_status qmail_env_parser_push(struct qmail_env_parser *p, const char *data,
                                            size_t n, size_t *used_r);
/* At the end of the input: QMAIL_ENV_DONE with *out filled, or
 * QMAIL_ENV_TRUNCATED, or the error already met (out is then zeroed). */
enum qmail_env_status qmail_env_parser_finish(struct qmail_env_parser *p,
                                              struct qmail_envelope *out);
/* Parse a whole buffer at once (bytes after the final NUL are ignored,
 * as qmail-queue ignores them). Returns as qmail_env_parser_finish(). */
enum qmail_env_status qmail_env_parse(struct arena *a, const struct qmail_env_limits *lim,
                                      const char *data, size_t n,
                                      struct qmail_envelope *out);
/* Read an envelope from fd up to its final NUL (not to end of file).
 * raw gets the envelope's bytes exactly as read (terminator included,
 * nothing after it), to pass on unchanged. Returns as
 * qmail_env_parser_finish(), or QMAIL_ENV_READ_ERROR with errno set. */
enum qmail_env_status qmail_env_read(int fd, struct arena *a,
                                     const struct qmail_env_limits *lim,
                                     struct qmail_envelope *out, struct str *raw);
/* The envelope that qmail-qfilter describes in the environment: sender
 * QMAILUSER@QMAILHOST ("" when both are empty), recipients the lines of
 * QMAILRCPTS. Returns QMAIL_ENV_DONE, or a limit's status. */
enum qmail_env_status qmail_env_from_environ(struct arena *a,
                                             const struct qmail_env_limits *lim,
                                             struct qmail_envelope *out);
/* The qmail-queue exit status for s: 0 for DONE, 54 when truncated or
 * unreadable (as qmail-queue does), 91 for a format error, 11 for a limit. */
int qmail_env_status_exit(enum qmail_env_status s);
/* A few words for the log ("envelope format error", ...). Static. */
const char *qmail_env_status_text(enum qmail_env_status s);

/* The two front ends, which differ in how they drop a message. */
enum qmail_front { QMAIL_FRONT_QUEUE, QMAIL_FRONT_QFILTER };

/* Whether the message goes on (to qmail-queue, or out on fd 1): accept,
 * add-header, rewrite-subject, and quarantine (qmail has no hold queue: the
 * message goes on with its headers, unless quarantine_maildir is set: see
 * qmail_scan). */
bool qmail_verdict_passes(enum verdict_action a);
/* The exit status for an action: 0 when it passes; reject 31; tempfail
 * 71; discard 0 (qmail-queue: nothing is queued) or 99 (qfilter). */
int qmail_verdict_status(enum verdict_action a, enum qmail_front f);

/* What the caller gave on descriptors that mean something to qmail. */
struct qmail_caller {
    bool fd3;  /* fd 3 a regular file open for reading: the envelope of
                * qmail-qfilter 2 (version 1 may leave a pipe of its own
                * there, which must not be read) */
    bool fd6;  /* fd 6 open: passed on to the real qmail-queue */
    int errfd; /* QMAIL_CUSTOM_ERROR_FD when it is a custom error channel: a
                * pipe open for writing (what the qmail-queue-custom-error
                * patch gives) and TAMIS_QMAIL_CUSTOM_ERROR is not "0"; else -1 */
};
/* Look at the caller's descriptors before anything opens a file (a file
 * opened later could take a closed descriptor's number). Opens /dev/null
 * on fd 2 if it is closed. Returns 0, or -1 when fd 0 or fd 1 is closed. */
int qmail_caller_probe(struct qmail_caller *c);
/* Append "D" (permanent) or "Z" (temporary), the text and " (#xcode)" to
 * out, control bytes replaced by spaces, cut to QMAIL_CUSTOM_ERROR_MAX
 * bytes in all. NULL text or xcode give defaults. */
void qmail_custom_error_format(struct str *out, bool permanent, const char *xcode,
                               const char *text);
/* Exit status for a verdict that does not pass. For reject and tempfail,
 * when errfd >= 0: writes the plan's reply there and returns 82. */
int qmail_refuse(const struct action_plan *plan, enum qmail_front f, int errfd,
                 const char *id);

/* Options both front ends take: -c FILE and -o key=value. */
struct qmail_opts {
    const char *config; /* -c; NULL: FILTERD_CONFIG_DEFAULT if it exists */
    const char *overrides[QMAIL_OVERRIDES_MAX];
    size_t noverrides;
};

/* Parse argv (argv[0] is the program or command name). Returns 0, or -1
 * after printing a usage message to stderr. optind is left after them. */
int qmail_parse_options(int argc, char **argv, struct qmail_opts *o);
/* Load and check the configuration (the default file only if it exists;
 * a missing -c file is an error). Returns it (free with config_free), or
 * NULL after logging every error. */
struct config *qmail_load_config(const struct qmail_opts *o);
/* qmail_load_config, then pipeline_new. Returns the pipeline and the
 * configuration in *c_r (free both), or NULL after logging every error. */
struct pipeline *qmail_pipeline_new(const struct qmail_opts *o, struct config **c_r);
/* The start both front ends share: probe the caller's descriptors, open
 * the log as ident, parse -c and -o, load the configuration and build the
 * pipeline. Returns QMAIL_START_OK with *p_r and *c_r set (free both), or
 * the status to exit with (0 after a help request). closed_msg is logged
 * when fd 0 or fd 1 is closed. */
#define QMAIL_START_OK (-1)
int qmail_front_start(int argc, char **argv, const char *ident, const char *closed_msg,
                      struct qmail_caller *caller, struct pipeline **p_r,
                      struct config **c_r);
/* Log each line of text as an error (tagged with id when not NULL). */
void qmail_log_lines(const char *id, const char *text);
/* Log to syslog when fd 2 is a socket or closed (inetd: stderr would
 * reach the SMTP client), else to stderr, as ident. */
void qmail_log_open(const char *ident);
/* An id for the log lines of one message (qmail has no queue id before
 * queueing): time and pid in hex, in buf of n bytes. */
void qmail_make_id(char *buf, size_t n);
/* Fill env from the envelope and tcpserver's variables (TCPREMOTEIP, or
 * TCP6REMOTEIP, and TCPREMOTEHOST; ignored unless they look like an
 * address and a host name). rcpts point into e; strings are static or
 * from the environment. */
void qmail_scan_env(struct scan_env *env, const struct qmail_envelope *e, const char *id);
/* Seconds on a monotonic clock, to time a scan. */
double qmail_now(void);
/* Read the message on fd 0 with p's limits (spooled to a temporary file
 * past spool_threshold). Returns 0, or 54 after logging (tagged with id). */
int qmail_read_message(const struct pipeline *p, const char *id, struct message **m_r);
/* Scan m (pipeline_scan), compute the plan (in m's arena) and log the one
 * line per message (pipeline_log), timed from t0. A quarantine with
 * quarantine_maildir set is carried out here: the message is written to
 * the folder and the plan becomes a discard (a tempfail when it could not
 * be written). */
void qmail_scan(const struct pipeline *p, const struct scan_env *env, struct message *m,
                struct verdict *v, struct action_plan *plan, double t0);
/* The real qmail-queue: -o qmail_queue wins, then the environment
 * variable TAMIS_QMAIL_QUEUE, then the configuration file, then the
 * default. Owned by c or the environment. */
const char *qmail_queue_path(const struct config *c);
/*
 * Run prog (the real qmail-queue) with the message, the plan's header edits
 * applied, on its fd 0, then the raw envelope on its fd 1; fd 2, and fd 6
 * when keep6, are passed on; other descriptors below QMAIL_CLOSE_FDS_MAX
 * are closed. Returns prog's exit status (0: queued), or 81 (after
 * logging, tagged with id) when it cannot be run, dies from a signal, or
 * exits 0 without having taken the whole message and envelope.
 */
int qmail_queue_run(const char *prog, const struct action_plan *plan,
                    const struct message *m, const struct str *raw_env, bool keep6,
                    const char *id);

#endif
