/*
 * qmail: the code the two qmail front ends share (see qmail.h): the
 * envelope parser and reader, qmail-queue's statuses, the custom error
 * channel, options and configuration, and running the real qmail-queue.
 *
 * Untrusted input: yes. The envelope comes from qmail-smtpd, which copies
 * the SMTP client's MAIL and RCPT addresses into it; QMAILUSER, QMAILHOST
 * and QMAILRCPTS carry the same; TCPREMOTEHOST comes from the client's
 * reverse DNS. Limits: struct qmail_env_limits (one address, number of
 * recipients, envelope size), QMAIL_CUSTOM_ERROR_MAX bytes on fd 6.
 * The parser does no I/O and no logging; the rest of the file does.
 */
#include "qmail.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filterd/maildir.h"
#include "filterd/settings.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/mem.h"

/* ---- The envelope parser (pure). ---- */

enum env_state { ST_START, ST_ADDR, ST_RECORD, ST_DONE, ST_ERROR };

struct qmail_env_parser {
    struct arena *arena;
    struct qmail_env_limits lim;
    enum env_state state;
    enum qmail_env_status error;
    bool in_sender; /* the address being read is the sender */
    struct str cur; /* the address being read (bounded by lim.addr_max) */
    size_t total;   /* bytes taken so far */
    const char *sender;
    const char **rcpts;
    size_t nrcpts, cap;
};

struct qmail_env_limits
qmail_env_limits_default(void)
{
    return (struct qmail_env_limits){
        .addr_max = QMAIL_ADDR_MAX,
        .rcpts_max = QMAIL_RCPTS_MAX,
        .size_max = QMAIL_ENVELOPE_MAX,
    };
}

struct qmail_env_parser *
qmail_env_parser_new(struct arena *a, const struct qmail_env_limits *lim)
{
    struct qmail_env_parser *p = xcalloc(1, sizeof(*p));
    p->arena = a;
    p->lim = *lim;
    p->state = ST_START;
    str_init(&p->cur, 0); /* bounded by hand: a maximum of 0 would mean none */
    return p;
}

void
qmail_env_parser_free(struct qmail_env_parser **pp)
{
    struct qmail_env_parser *p = *pp;
    if (p == NULL)
        return;
    str_deinit(&p->cur);
    free(p);
    *pp = NULL;
}

static enum qmail_env_status
env_fail(struct qmail_env_parser *p, enum qmail_env_status s)
{
    p->state = ST_ERROR;
    p->error = s;
    return s;
}

/* Keep the address just read (sender or one more recipient). */
static void
env_store(struct qmail_env_parser *p)
{
    char *addr = arena_memdup0(p->arena, p->cur.buf ? p->cur.buf : "", p->cur.len);
    str_clear(&p->cur);
    if (p->in_sender) {
        p->sender = addr;
        return;
    }
    if (p->nrcpts == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        const char **r = arena_calloc(p->arena, cap, sizeof(*r));
        if (p->nrcpts)
            memcpy(r, p->rcpts, p->nrcpts * sizeof(*r));
        p->rcpts = r;
        p->cap = cap;
    }
    p->rcpts[p->nrcpts++] = addr;
}

/* Take the bytes of an address up to its NUL (or to the end of data, or
 * to what the size limit leaves). Returns bytes taken, or -1 on a limit. */
static long
env_take_addr(struct qmail_env_parser *p, const char *data, size_t n)
{
    size_t room = p->lim.size_max - p->total;
    size_t avail = n < room ? n : room;
    const char *z = memchr(data, '\0', avail);
    size_t take = z ? (size_t)(z - data) : avail;
    if (p->cur.len + take > p->lim.addr_max) {
        env_fail(p, QMAIL_ENV_ADDR_TOO_LONG);
        return -1;
    }
    str_append(&p->cur, data, take);
    p->total += take;
    if (z) {
        p->total++;
        env_store(p);
        p->state = ST_RECORD;
        return (long)take + 1;
    }
    return (long)take;
}

/* One byte where a record starts ("F" first, then "T" or the final NUL). */
static void
env_record(struct qmail_env_parser *p, char c)
{
    p->total++;
    if (p->state == ST_START) {
        if (c != 'F')
            env_fail(p, QMAIL_ENV_BAD_FORMAT);
        else
            p->in_sender = true, p->state = ST_ADDR;
    } else if (c == '\0') {
        p->state = ST_DONE;
    } else if (c != 'T') {
        env_fail(p, QMAIL_ENV_BAD_FORMAT);
    } else if (p->nrcpts >= p->lim.rcpts_max) {
        env_fail(p, QMAIL_ENV_TOO_MANY_RCPTS);
    } else {
        p->in_sender = false;
        p->state = ST_ADDR;
    }
}

enum qmail_env_status
qmail_env_parser_push(struct qmail_env_parser *p, const char *data, size_t n,
                      size_t *used_r)
{
    size_t i = 0;
    while (i < n && p->state != ST_DONE && p->state != ST_ERROR) {
        if (p->total >= p->lim.size_max) {
            env_fail(p, QMAIL_ENV_TOO_BIG);
            break;
        }
        if (p->state == ST_ADDR) {
            long t = env_take_addr(p, data + i, n - i);
            if (t < 0)
                break;
            i += (size_t)t;
        } else {
            env_record(p, data[i++]);
        }
    }
    if (used_r)
        *used_r = i;
    if (p->state == ST_DONE)
        return QMAIL_ENV_DONE;
    return p->state == ST_ERROR ? p->error : QMAIL_ENV_MORE;
}

enum qmail_env_status
qmail_env_parser_finish(struct qmail_env_parser *p, struct qmail_envelope *out)
{
    memset(out, 0, sizeof(*out));
    if (p->state == ST_ERROR)
        return p->error;
    if (p->state != ST_DONE)
        return env_fail(p, QMAIL_ENV_TRUNCATED);
    out->sender = p->sender;
    out->rcpts = p->rcpts;
    out->nrcpts = p->nrcpts;
    out->size = p->total;
    return QMAIL_ENV_DONE;
}

enum qmail_env_status
qmail_env_parse(struct arena *a, const struct qmail_env_limits *lim, const char *data,
                size_t n, struct qmail_envelope *out)
{
    struct qmail_env_parser *p = qmail_env_parser_new(a, lim);
    (void)qmail_env_parser_push(p, data, n, NULL);
    enum qmail_env_status s = qmail_env_parser_finish(p, out);
    qmail_env_parser_free(&p);
    return s;
}

int
qmail_env_status_exit(enum qmail_env_status s)
{
    switch (s) {
    case QMAIL_ENV_DONE:
        return QMAIL_EXIT_QUEUED;
    case QMAIL_ENV_MORE:
    case QMAIL_ENV_TRUNCATED:
    case QMAIL_ENV_READ_ERROR:
        return QMAIL_EXIT_READ;
    case QMAIL_ENV_BAD_FORMAT:
        return QMAIL_EXIT_ENVELOPE;
    case QMAIL_ENV_ADDR_TOO_LONG:
    case QMAIL_ENV_TOO_MANY_RCPTS:
    case QMAIL_ENV_TOO_BIG:
        return QMAIL_EXIT_ADDR_TOO_LONG;
    }
    return QMAIL_EXIT_BUG;
}

const char *
qmail_env_status_text(enum qmail_env_status s)
{
    switch (s) {
    case QMAIL_ENV_MORE:
        return "envelope incomplete";
    case QMAIL_ENV_DONE:
        return "envelope complete";
    case QMAIL_ENV_TRUNCATED:
        return "envelope ends before its final NUL";
    case QMAIL_ENV_READ_ERROR:
        return "cannot read the envelope";
    case QMAIL_ENV_BAD_FORMAT:
        return "envelope format error";
    case QMAIL_ENV_ADDR_TOO_LONG:
        return "envelope address too long";
    case QMAIL_ENV_TOO_MANY_RCPTS:
        return "too many envelope recipients";
    case QMAIL_ENV_TOO_BIG:
        return "envelope too large";
    }
    return "envelope status unknown";
}

/* ---- Reading an envelope (I/O). ---- */

enum qmail_env_status
qmail_env_read(int fd, struct arena *a, const struct qmail_env_limits *lim,
               struct qmail_envelope *out, struct str *raw)
{
    struct qmail_env_parser *p = qmail_env_parser_new(a, lim);
    enum qmail_env_status s = QMAIL_ENV_MORE;
    char buf[4096];
    while (s == QMAIL_ENV_MORE) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            qmail_env_parser_free(&p);
            memset(out, 0, sizeof(*out));
            errno = e;
            return QMAIL_ENV_READ_ERROR;
        }
        if (r == 0)
            break;
        size_t used;
        s = qmail_env_parser_push(p, buf, (size_t)r, &used);
        if (str_append(raw, buf, used) < 0)
            s = env_fail(p, QMAIL_ENV_TOO_BIG);
    }
    s = qmail_env_parser_finish(p, out);
    qmail_env_parser_free(&p);
    return s;
}

/* Add one recipient of QMAILRCPTS, with the limits a parser would apply. */
static enum qmail_env_status
environ_add_rcpt(struct qmail_env_parser *p, const char *s, size_t n)
{
    if (n > p->lim.addr_max)
        return QMAIL_ENV_ADDR_TOO_LONG;
    if (p->nrcpts >= p->lim.rcpts_max)
        return QMAIL_ENV_TOO_MANY_RCPTS;
    p->total += n + 2; /* "T" and its NUL */
    if (p->total > p->lim.size_max)
        return QMAIL_ENV_TOO_BIG;
    str_clear(&p->cur);
    str_append(&p->cur, s, n);
    p->in_sender = false;
    env_store(p);
    return QMAIL_ENV_DONE;
}

/* The sender: QMAILUSER@QMAILHOST, or QMAILUSER alone without a host. */
static enum qmail_env_status
environ_sender(struct qmail_env_parser *p)
{
    const char *user = getenv("QMAILUSER");
    const char *host = getenv("QMAILHOST");
    str_clear(&p->cur);
    str_append_cstr(&p->cur, user ? user : "");
    if (host && *host) {
        str_appendc(&p->cur, '@');
        str_append_cstr(&p->cur, host);
    }
    if (p->cur.len > p->lim.addr_max)
        return QMAIL_ENV_ADDR_TOO_LONG;
    p->total = p->cur.len + 3; /* "F", its NUL, and the final NUL */
    if (p->total > p->lim.size_max)
        return QMAIL_ENV_TOO_BIG;
    p->in_sender = true;
    env_store(p);
    return QMAIL_ENV_DONE;
}

enum qmail_env_status
qmail_env_from_environ(struct arena *a, const struct qmail_env_limits *lim,
                       struct qmail_envelope *out)
{
    struct qmail_env_parser *p = qmail_env_parser_new(a, lim);
    enum qmail_env_status s = environ_sender(p);
    const char *r = getenv("QMAILRCPTS");
    while (s == QMAIL_ENV_DONE && r && *r) {
        const char *nl = strchr(r, '\n');
        size_t n = nl ? (size_t)(nl - r) : strlen(r);
        if (n > 0)
            s = environ_add_rcpt(p, r, n);
        r = nl ? nl + 1 : r + n;
    }
    if (s == QMAIL_ENV_DONE)
        p->state = ST_DONE;
    else
        env_fail(p, s);
    s = qmail_env_parser_finish(p, out);
    qmail_env_parser_free(&p);
    return s;
}

/* ---- Verdicts and statuses. ---- */

bool
qmail_verdict_passes(enum verdict_action a)
{
    return a != VERDICT_REJECT && a != VERDICT_TEMPFAIL && a != VERDICT_DISCARD;
}

int
qmail_verdict_status(enum verdict_action a, enum qmail_front f)
{
    switch (a) {
    case VERDICT_REJECT:
        return QMAIL_EXIT_REFUSED;
    case VERDICT_TEMPFAIL:
        return QMAIL_EXIT_TEMP_REFUSED;
    case VERDICT_DISCARD:
        return f == QMAIL_FRONT_QFILTER ? QMAIL_EXIT_DROP : 0;
    default:
        return 0;
    }
}

/* Whether xcode is an enhanced status code ("5.7.1") of the right class. */
static bool
xcode_ok(const char *xcode, bool permanent)
{
    size_t n = strlen(xcode);
    if (n < 5 || n > 11 || xcode[0] != (permanent ? '5' : '4') || xcode[1] != '.')
        return false;
    return strspn(xcode, "0123456789.") == n;
}

void
qmail_custom_error_format(struct str *out, bool permanent, const char *xcode,
                          const char *text)
{
    if (xcode == NULL || !xcode_ok(xcode, permanent))
        xcode = permanent ? "5.7.1" : "4.7.1";
    if (text == NULL || *text == '\0')
        text = permanent ? "message refused by the content filter"
                         : "message deferred by the content filter, try again later";
    char suffix[24];
    int sn = snprintf(suffix, sizeof(suffix), " (#%s)", xcode);
    size_t room = QMAIL_CUSTOM_ERROR_MAX - 1 - (size_t)sn;
    str_appendc(out, permanent ? 'D' : 'Z');
    for (size_t i = 0; text[i] && i < room; i++) {
        unsigned char c = (unsigned char)text[i];
        str_appendc(out, c < 0x20 || c == 0x7f ? ' ' : c);
    }
    str_append_cstr(out, suffix);
}

int
qmail_refuse(const struct action_plan *plan, enum qmail_front f, int errfd,
             const char *id)
{
    enum verdict_action a = plan->action;
    int status = qmail_verdict_status(a, f);
    if (errfd < 0 || (a != VERDICT_REJECT && a != VERDICT_TEMPFAIL))
        return status;
    struct str t;
    str_init(&t, 0);
    qmail_custom_error_format(&t, a == VERDICT_REJECT, plan->reply_xcode,
                              plan->reply_text);
    if (fdio_write_all(errfd, t.buf, t.len) < 0) {
        log_warn(id, "cannot write the reason on fd %d: %s", errfd, strerror(errno));
        str_deinit(&t);
        return status;
    }
    str_deinit(&t);
    return QMAIL_EXIT_CUSTOM;
}

/* ---- The caller's descriptors, options, configuration. ---- */

int
qmail_caller_probe(struct qmail_caller *c)
{
    struct stat st;
    int fl;
    c->fd3 = (fl = fcntl(3, F_GETFL)) >= 0 && (fl & O_ACCMODE) != O_WRONLY &&
             fstat(3, &st) == 0 && S_ISREG(st.st_mode);
    c->fd6 = (fl = fcntl(QMAIL_CUSTOM_ERROR_FD, F_GETFL)) >= 0;
    c->errfd = -1;
    const char *off = getenv("TAMIS_QMAIL_CUSTOM_ERROR");
    if (c->fd6 && (fl & O_ACCMODE) != O_RDONLY && !(off && strcmp(off, "0") == 0) &&
        fstat(QMAIL_CUSTOM_ERROR_FD, &st) == 0 && S_ISFIFO(st.st_mode))
        c->errfd = QMAIL_CUSTOM_ERROR_FD;
    if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
        return -1;
    if (fcntl(2, F_GETFD) < 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

static void
usage(FILE *f, const char *prog)
{
    fprintf(f, "usage: %s [-c FILE] [-o key=value]...\n", prog);
}

int
qmail_parse_options(int argc, char **argv, struct qmail_opts *o)
{
    int c;
    memset(o, 0, sizeof(*o));
    optind = 1;
    while ((c = getopt(argc, argv, "c:o:h")) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 'o':
            if (o->noverrides == QMAIL_OVERRIDES_MAX) {
                fprintf(stderr, "%s: too many -o options\n", argv[0]);
                return -1;
            }
            o->overrides[o->noverrides++] = optarg;
            break;
        case 'h':
            usage(stdout, argv[0]);
            return 1;
        default:
            usage(stderr, argv[0]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", argv[0], argv[optind]);
        usage(stderr, argv[0]);
        return -1;
    }
    return 0;
}

void
qmail_log_lines(const char *id, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        if (n > 0)
            log_error(id, "%.*s", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

struct config *
qmail_load_config(const struct qmail_opts *o)
{
    struct config *c = settings_new();
    struct stat st;
    const char *path = o->config;
    bool bad = false;
    if (path == NULL &&
        (stat(FILTERD_CONFIG_DEFAULT, &st) == 0 || (errno != ENOENT && errno != ENOTDIR)))
        path = FILTERD_CONFIG_DEFAULT;
    if (path && config_load_file(c, path) < 0)
        bad = true;
    for (size_t i = 0; i < o->noverrides; i++)
        if (config_set_override(c, o->overrides[i]) < 0)
            bad = true;
    for (size_t i = 0; i < config_error_count(c); i++)
        log_error(NULL, "%s", config_error(c, i));
    for (size_t i = 0; i < config_warning_count(c); i++)
        log_warn(NULL, "%s", config_warning(c, i));
    struct str err;
    str_init(&err, 0);
    if (!bad && settings_validate(c, &err) < 0) {
        qmail_log_lines(NULL, str_cstr(&err));
        bad = true;
    }
    str_deinit(&err);
    if (bad)
        config_free(&c);
    return c;
}

struct pipeline *
qmail_pipeline_new(const struct qmail_opts *o, struct config **c_r)
{
    *c_r = qmail_load_config(o);
    if (*c_r == NULL)
        return NULL;
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(*c_r, &err);
    if (p == NULL) {
        log_error(NULL, "cannot set up the filter");
        qmail_log_lines(NULL, str_cstr(&err));
        config_free(c_r);
    }
    str_deinit(&err);
    return p;
}

void
qmail_log_open(const char *ident)
{
    struct stat st;
    log_open(ident, fstat(2, &st) < 0 || S_ISSOCK(st.st_mode));
}

void
qmail_make_id(char *buf, size_t n)
{
    snprintf(buf, n, "%llX.%lX", (unsigned long long)time(NULL), (unsigned long)getpid());
}

/* The value of name if it is 1..max bytes, all from allowed; else "". */
static const char *
env_checked(const char *name, size_t max, const char *allowed)
{
    const char *v = getenv(name);
    if (v == NULL)
        return "";
    size_t n = strlen(v);
    if (n == 0 || n > max || strspn(v, allowed) != n)
        return "";
    return v;
}

void
qmail_scan_env(struct scan_env *env, const struct qmail_envelope *e, const char *id)
{
    static const char ipchars[] = "0123456789abcdefABCDEF.:";
    static const char hostchars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789.-_";
    memset(env, 0, sizeof(*env));
    env->queue_id = id;
    env->client_addr = env_checked("TCPREMOTEIP", 64, ipchars);
    if (*env->client_addr == '\0')
        env->client_addr = env_checked("TCP6REMOTEIP", 64, ipchars);
    env->client_name = env_checked("TCPREMOTEHOST", 253, hostchars);
    env->helo = "";
    env->sender = e->sender ? e->sender : "";
    env->rcpts = e->rcpts;
    env->nrcpts = e->nrcpts;
}

const char *
qmail_queue_path(const struct config *c)
{
    const char *env = getenv("TAMIS_QMAIL_QUEUE");
    if (env && *env && strncmp(config_source(c, "qmail_queue"), "-o:", 3) != 0)
        return env;
    return config_get_str(c, "qmail_queue");
}

double
qmail_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
qmail_read_message(const struct pipeline *p, const char *id, struct message **m_r)
{
    struct str err;
    str_init(&err, 4096);
    *m_r = message_load("-", pipeline_limits(p), &err);
    if (*m_r == NULL) {
        log_error(id, "cannot read the message: %s", str_cstr(&err));
        str_deinit(&err);
        return QMAIL_EXIT_READ;
    }
    str_deinit(&err);
    return 0;
}

/* quarantine_maildir: the message goes into the folder and is then
 * dropped as a discard is; when it cannot be written, tempfail. */
static void
quarantine_to_maildir(struct action_plan *plan, const struct message *m, const char *id)
{
    struct str err;
    str_init(&err, 1024);
    if (maildir_quarantine(plan, m, id, &err) == 0) {
        plan->action = VERDICT_DISCARD;
    } else {
        log_error(id, "cannot quarantine: %s: tempfail", str_cstr(&err));
        plan->action = VERDICT_TEMPFAIL;
        plan->reply_code = "451";
        plan->reply_xcode = "4.3.0";
        plan->reply_text = "Temporary failure in the content filter";
    }
    str_deinit(&err);
}

void
qmail_scan(const struct pipeline *p, const struct scan_env *env, struct message *m,
           struct verdict *v, struct action_plan *plan, double t0)
{
    verdict_init(v, m->arena);
    pipeline_scan(p, env, m, v);
    actions_plan(p, m, v, plan);
    pipeline_log(p, env, m, v, qmail_now() - t0);
    if (plan->action == VERDICT_QUARANTINE && plan->quarantine_maildir)
        quarantine_to_maildir(plan, m, env->queue_id);
}

/* ---- Running the real qmail-queue. ---- */

static int
cloexec_pipe(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* In the child: message pipe on 0, envelope pipe on 1, exec. On failure
 * the errno goes to report (close-on-exec, so success closes it). The
 * caller's SIGPIPE disposition is kept, as exec would keep it. */
static void
child_exec(const char *prog, int msg, int env, int report, bool keep6)
{
    if (dup2(msg, 0) >= 0 && dup2(env, 1) >= 0) {
        for (int fd = 3; fd < QMAIL_CLOSE_FDS_MAX; fd++)
            if (fd != report && !(keep6 && fd == QMAIL_CUSTOM_ERROR_FD))
                close(fd);
        char *argv[] = {(char *)prog, NULL};
        execv(prog, argv);
    }
    int e = errno;
    (void)!write(report, &e, sizeof(e));
    _exit(QMAIL_EXIT_BUG);
}

/* Wait for pid; returns its wait status, or -1. */
static int
wait_child(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

/* Whether exec failed in the child (then *err gets its errno). */
static bool
exec_failed(int report, int *err)
{
    ssize_t r;
    while ((r = read(report, err, sizeof(*err))) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof(*err);
}

/* Feed the child; returns 0, or -1 with errno when it did not take it all. */
static int
feed(const struct action_plan *plan, const struct message *m, const struct str *raw_env,
     int msg, int env)
{
    int r = actions_write_message(plan, m, msg);
    int e = errno;
    close(msg);
    if (r == 0) {
        r = fdio_write_all(env, raw_env->buf ? raw_env->buf : "", raw_env->len);
        e = errno;
    }
    close(env);
    errno = e;
    return r;
}

/* The status to exit with, from the child's wait status. */
static int
child_status(const char *prog, int st, int fed, int feed_errno, const char *id)
{
    if (st < 0) {
        log_error(id, "cannot wait for %s: %s", prog, strerror(errno));
        return QMAIL_EXIT_BUG;
    }
    if (WIFSIGNALED(st)) {
        log_error(id, "%s died from signal %d: not queued", prog, WTERMSIG(st));
        return QMAIL_EXIT_BUG;
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : QMAIL_EXIT_BUG;
    if (code == 0 && fed < 0) {
        log_error(id, "%s exited 0 without taking the whole message: %s", prog,
                  strerror(feed_errno));
        return QMAIL_EXIT_BUG;
    }
    if (code != 0)
        log_warn(id, "%s exited %d: not queued", prog, code);
    return code;
}

int
qmail_queue_run(const char *prog, const struct action_plan *plan, const struct message *m,
                const struct str *raw_env, bool keep6, const char *id)
{
    int mp[2], ep[2], rp[2] = {-1, -1};
    if (prog == NULL || *prog == '\0') {
        log_error(id, "qmail_queue is empty: nowhere to queue the message");
        return QMAIL_EXIT_BUG;
    }
    if (cloexec_pipe(mp) < 0)
        goto pipe_fail;
    if (cloexec_pipe(ep) < 0) {
        close(mp[0]), close(mp[1]);
        goto pipe_fail;
    }
    if (cloexec_pipe(rp) < 0) {
        close(mp[0]), close(mp[1]), close(ep[0]), close(ep[1]);
        goto pipe_fail;
    }
    pid_t pid = fork();
    if (pid == 0)
        child_exec(prog, mp[0], ep[0], rp[1], keep6);
    close(mp[0]), close(ep[0]), close(rp[1]);
    int err = 0;
    if (pid < 0 || exec_failed(rp[0], &err)) {
        err = pid < 0 ? errno : err;
        close(rp[0]), close(mp[1]), close(ep[1]);
        if (pid > 0)
            wait_child(pid);
        log_error(id, "cannot run %s: %s", prog, strerror(err));
        return QMAIL_EXIT_BUG;
    }
    close(rp[0]);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    int fed = feed(plan, m, raw_env, mp[1], ep[1]);
    int feed_errno = errno;
    sigaction(SIGPIPE, &old, NULL);
    return child_status(prog, wait_child(pid), fed, feed_errno, id);
pipe_fail:
    log_error(id, "cannot make a pipe: %s", strerror(errno));
    return QMAIL_EXIT_BUG;
}

int
qmail_front_start(int argc, char **argv, const char *ident, const char *closed_msg,
                  struct qmail_caller *caller, struct pipeline **p_r, struct config **c_r)
{
    int probe = qmail_caller_probe(caller);
    qmail_log_open(ident);
    if (probe < 0) {
        log_error(NULL, "%s", closed_msg);
        return QMAIL_EXIT_READ;
    }
    struct qmail_opts o;
    int r = qmail_parse_options(argc, argv, &o);
    if (r != 0)
        return r > 0 ? 0 : QMAIL_EXIT_CONFIG;
    *p_r = qmail_pipeline_new(&o, c_r);
    return *p_r ? QMAIL_START_OK : QMAIL_EXIT_CONFIG;
}
