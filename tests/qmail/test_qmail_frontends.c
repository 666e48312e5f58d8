/*
 * test_qmail_frontends: black-box tests of filterd-qmail-queue and
 * `filterd qfilter`, run the way qmail runs them.
 *
 * For filterd-qmail-queue this program plays qmail-smtpd: it writes the
 * message into a pipe on the program's fd 0, closes it, writes the
 * envelope into a pipe on fd 1, and, when a case asks, gives a pipe on
 * fd 6 and reads the custom error text from it (the
 * qmail-queue-custom-error patch). The real qmail-queue is
 * fake_qmail_queue, which records what it got. For `filterd qfilter` it
 * plays qmail-qfilter: files on fd 0 (message), fd 1 (output) and fd 3
 * (envelope).
 *
 * Usage: test_qmail_frontends CASE FILTERD_QMAIL_QUEUE FILTERD FAKE_QMAIL_QUEUE
 * Each case runs in its own folder under $TMPDIR (removed at the end),
 * with TMPDIR pointing into it for the programs' spool files. The
 * configuration is always given with -c, so /etc/tamis is never read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/str.h"
#include "t.h"

extern char **environ;

static const char *qq_bin, *filterd_bin, *fake_bin;
static char dir[4096]; /* this case's folder */

#define GTUBE "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
#define HEAD                                                                             \
    "From: Alice <alice@example.com>\n"                                                  \
    "To: bob@example.org\n"                                                              \
    "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"                                             \
    "Message-ID: <m1@example.com>\n"
static const char ham[] = HEAD "Subject: lunch\n\nSee you at noon.\n";
static const char spam[] = HEAD "Subject: test\n\nThis is spam.\n" GTUBE "\n";
static const char env1[] = "Falice@example.com\0Tbob@example.org\0\0";
#define ENV1 env1, sizeof(env1) - 1

struct run {
    const char *args[12]; /* after the program (and "qfilter") and -c */
    const char *vars[12]; /* NAME=value for the program's environment */
    const char *conf;     /* the configuration file's text; NULL: default */
    const char *msg;
    size_t msglen;
    const char *env; /* queue: fd 1; qfilter: fd 3 (NULL: closed) */
    size_t envlen;
    bool fd6;    /* give a custom error pipe on fd 6 */
    bool close1; /* start the program with fd 1 closed */
    bool pipe3;  /* qfilter: an idle pipe on fd 3, as qmail-qfilter 1 may leave */
    /* Results. */
    int status;      /* exit status, or 1000 + the signal */
    struct str err6; /* what was written on fd 6 */
    struct str log;  /* standard error */
    struct str out;  /* qfilter: fd 1 */
};

/* ---- Files. ---- */

static void
path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

/* Read a file of this case's folder into out; -1 if it does not exist. */
static int
slurp(const char *name, struct str *out)
{
    char p[4200], chunk[65536];
    path_of(p, sizeof(p), name);
    str_clear(out);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t r;
    while ((r = read(fd, chunk, sizeof(chunk))) > 0)
        str_append(out, chunk, (size_t)r);
    close(fd);
    return 0;
}

static void
spit(const char *name, const char *data, size_t n)
{
    char p[4200];
    path_of(p, sizeof(p), name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, n) != (ssize_t)n) {
        perror(p);
        exit(2);
    }
    close(fd);
}

static bool
exists(const char *name)
{
    char p[4200];
    path_of(p, sizeof(p), name);
    return access(p, F_OK) == 0;
}

/* Remove a folder and what it holds. */
static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[4200];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* Forget what the stand-in recorded last time. */
static void
reset_record(void)
{
    static const char *const names[] = {"qq/ran", "qq/message", "qq/envelope", "qq/fds"};
    char p[4200];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path_of(p, sizeof(p), names[i]);
        unlink(p);
    }
}

/* How many files (not starting with a dot) the folder name holds. */
static int
files_in(const char *name)
{
    char p[4200];
    path_of(p, sizeof(p), name);
    DIR *d = opendir(p);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* How many spool files the programs left in TMPDIR. */
static int
spool_files(void)
{
    return files_in("spool");
}

/* ---- Running a program. ---- */

static void
run_init(struct run *r)
{
    memset(r, 0, sizeof(*r));
    str_init(&r->err6, 0);
    str_init(&r->log, 0);
    str_init(&r->out, 0);
}

static void
run_deinit(struct run *r)
{
    str_deinit(&r->err6);
    str_deinit(&r->log);
    str_deinit(&r->out);
}

/* The environment: ours for the stand-in and TMPDIR, the sanitizers'
 * options, and the case's variables. */
static char **
make_envp(const struct run *r, char *store, size_t n)
{
    static char *envp[64];
    size_t k = 0, off = 0;
    off += (size_t)snprintf(store + off, n - off, "TMPDIR=%s/spool", dir) + 1;
    envp[k++] = store;
    envp[k++] = store + off;
    off += (size_t)snprintf(store + off, n - off, "FAKE_QQ_DIR=%s/qq", dir) + 1;
    for (char **e = environ; *e && k < 40; e++)
        if (strncmp(*e, "ASAN_", 5) == 0 || strncmp(*e, "UBSAN_", 6) == 0 ||
            strncmp(*e, "LSAN_", 5) == 0)
            envp[k++] = *e;
    for (size_t i = 0; r->vars[i] && k < 62; i++)
        envp[k++] = (char *)r->vars[i];
    envp[k] = NULL;
    return envp;
}

/* The program's argument vector. */
static char **
make_argv(const struct run *r, bool qfilter, char *conf)
{
    static char *argv[32];
    size_t k = 0;
    argv[k++] = (char *)(qfilter ? filterd_bin : qq_bin);
    if (qfilter)
        argv[k++] = "qfilter";
    argv[k++] = "-c";
    argv[k++] = conf;
    for (size_t i = 0; r->args[i] && k < 30; i++)
        argv[k++] = (char *)r->args[i];
    argv[k] = NULL;
    return argv;
}

/* In the child: put fds[t] on descriptor t (those >= 0), close the rest
 * (up to 1024), and run the program. The sources are first copied above
 * the targets, so that no move overwrites a source still to be moved. */
static void
child(const struct run *r, const int fds[7], char **argv, char **envp)
{
    int high[7];
    for (int t = 0; t < 7; t++)
        if ((high[t] = fds[t] >= 0 ? fcntl(fds[t], F_DUPFD, 100) : -1) < 0 && fds[t] >= 0)
            _exit(126);
    for (int t = 0; t < 7; t++)
        if (high[t] >= 0 && dup2(high[t], t) < 0)
            _exit(126);
    for (int fd = 0; fd < 1024; fd++)
        if (fd >= 7 || (fd > 2 && high[fd] < 0))
            close(fd);
    if (r->close1)
        close(1);
    signal(SIGPIPE, SIG_DFL);
    execve(argv[0], argv, envp);
    _exit(127);
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return; /* the program stopped reading: that is its business */
        p += w;
        n -= (size_t)w;
    }
}

static void
read_to_end(int fd, struct str *out)
{
    char buf[4096];
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        str_append(out, buf, (size_t)r);
    }
}

static int
wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Write the configuration: the case's, or one naming the stand-in. */
static void
write_conf(const struct run *r, char *conf, size_t n)
{
    char text[8192];
    path_of(conf, n, "filterd.conf");
    if (r->conf == NULL)
        snprintf(text, sizeof(text), "qmail_queue = %s\n", fake_bin);
    else
        snprintf(text, sizeof(text), "%s", r->conf);
    spit("filterd.conf", text, strlen(text));
}

/* Run filterd-qmail-queue as qmail-smtpd does. */
static void
run_queue(struct run *r)
{
    char conf[4200], store[16384], logp[4200];
    int mp[2], ep[2], p6[2] = {-1, -1};
    reset_record();
    write_conf(r, conf, sizeof(conf));
    path_of(logp, sizeof(logp), "log");
    int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (logfd < 0 || pipe(mp) < 0 || pipe(ep) < 0 || (r->fd6 && pipe(p6) < 0))
        exit(2);
    char **argv = make_argv(r, false, conf), **envp = make_envp(r, store, sizeof(store));
    pid_t pid = fork();
    if (pid == 0) {
        int fds[7] = {mp[0], ep[0], logfd, -1, -1, -1, p6[1]};
        child(r, fds, argv, envp);
    }
    close(mp[0]), close(ep[0]), close(logfd);
    if (p6[1] >= 0)
        close(p6[1]);
    write_all(mp[1], r->msg, r->msglen);
    close(mp[1]);
    write_all(ep[1], r->env, r->envlen);
    close(ep[1]);
    if (p6[0] >= 0) {
        read_to_end(p6[0], &r->err6);
        close(p6[0]);
    }
    r->status = wait_status(pid);
    slurp("log", &r->log);
}

/* Run `filterd qfilter` as qmail-qfilter does. */
static void
run_qfilter(struct run *r)
{
    char conf[4200], store[16384], p[4200];
    int fds[7] = {-1, -1, -1, -1, -1, -1, -1}, p6[2] = {-1, -1};
    write_conf(r, conf, sizeof(conf));
    spit("in", r->msg, r->msglen);
    path_of(p, sizeof(p), "in");
    fds[0] = open(p, O_RDONLY);
    path_of(p, sizeof(p), "out");
    fds[1] = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    path_of(p, sizeof(p), "log");
    fds[2] = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (r->env) {
        spit("env3", r->env, r->envlen);
        path_of(p, sizeof(p), "env3");
        fds[3] = open(p, O_RDONLY);
    }
    int p3[2] = {-1, -1};
    if ((r->fd6 && pipe(p6) < 0) || (r->pipe3 && pipe(p3) < 0))
        exit(2);
    fds[6] = p6[1];
    if (r->pipe3)
        fds[3] = p3[0];
    char **argv = make_argv(r, true, conf), **envp = make_envp(r, store, sizeof(store));
    pid_t pid = fork();
    if (pid == 0)
        child(r, fds, argv, envp);
    for (int i = 0; i < 7; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (p6[0] >= 0) {
        read_to_end(p6[0], &r->err6);
        close(p6[0]);
    }
    r->status = wait_status(pid); /* p3[1] stays open meanwhile: reading fd 3 hangs */
    if (p3[1] >= 0)
        close(p3[1]);
    slurp("log", &r->log);
    slurp("out", &r->out);
}

/* ---- Checks. ---- */

static bool
contains(const struct str *s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; s->buf && i + n <= s->len; i++)
        if (memcmp(s->buf + i, needle, n) == 0)
            return true;
    return false;
}

static bool
ends_with(const struct str *s, const char *tail, size_t n)
{
    return s->len >= n && memcmp(s->buf + s->len - n, tail, n) == 0;
}

#define CHECK_LOG(r, needle)                                                             \
    do {                                                                                 \
        CHECK(contains(&(r)->log, (needle)));                                            \
        if (!contains(&(r)->log, (needle)))                                              \
            fprintf(stderr, "  log was: %s\n", str_cstr(&(r)->log));                     \
    } while (0)

/* The stand-in got the message with our headers and the envelope as sent. */
static void
check_queued(const struct run *r, const char *body)
{
    struct str got;
    str_init(&got, 0);
    CHECK(exists("qq/ran"));
    CHECK_INT(slurp("qq/envelope", &got), 0);
    CHECK(got.len == r->envlen && memcmp(got.buf, r->env, r->envlen) == 0);
    CHECK_INT(slurp("qq/message", &got), 0);
    CHECK(contains(&got, "X-Spam-Status: "));
    CHECK(contains(&got, "Message-ID: <m1@example.com>"));
    CHECK(ends_with(&got, body, strlen(body)));
    CHECK(got.len > r->msglen);
    str_deinit(&got);
}

static void
check_not_queued(void)
{
    CHECK(!exists("qq/ran"));
}

/* ---- filterd-qmail-queue cases. ---- */

static void
case_accept(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, "\n\nSee you at noon.\n");
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(contains(&got, "X-Spam-Status: No"));
    CHECK(!contains(&got, "X-Spam-Flag: YES"));
    /* Only fds 0, 1, 2 reach the real qmail-queue. */
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_INT(got.len, 0);
    str_deinit(&got);
    CHECK_LOG(&r, "from=<alice@example.com>");
    CHECK_LOG(&r, "action=accept");
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

static void
case_spam_headers(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, GTUBE "\n");
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(contains(&got, "X-Spam-Status: Yes"));
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    CHECK(contains(&got, "GTUBE"));
    str_deinit(&got);
    CHECK_LOG(&r, "action=add-header");
    run_deinit(&r);
}

/* Headers of ours that the sender wrote are removed before ours go in. */
static void
case_forged_headers(void)
{
    static const char msg[] = "X-Spam-Status: No, forged\nX-Spam-Flag: NO\n" HEAD
                              "Subject: test\n\n" GTUBE "\n";
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = sizeof(msg) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(!contains(&got, "forged"));
    CHECK(!contains(&got, "X-Spam-Flag: NO"));
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    str_deinit(&got);
    run_deinit(&r);
}

static void
case_reject(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    run_queue(&r);
    CHECK_INT(r.status, 31);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    CHECK_LOG(&r, "action=reject");
    CHECK_LOG(&r, "GTUBE");
    run_deinit(&r);
}

/* A caller with the custom error patch gets 82 and the reason on fd 6. */
static void
case_reject_fd6(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 82);
    check_not_queued();
    CHECK(r.err6.len > 0 && r.err6.buf[0] == 'D');
    CHECK(contains(&r.err6, "Message rejected as spam"));
    CHECK(contains(&r.err6, "(#5.7.1)"));
    CHECK(!contains(&r.err6, "\n"));
    /* TAMIS_QMAIL_CUSTOM_ERROR=0 turns it off. */
    run_deinit(&r);
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.fd6 = true;
    r.vars[0] = "TAMIS_QMAIL_CUSTOM_ERROR=0";
    run_queue(&r);
    CHECK_INT(r.status, 31);
    CHECK_INT(r.err6.len, 0);
    run_deinit(&r);
}

/* A message over max_message_size with max_message_size_action=tempfail. */
static char *
big_message(size_t body_bytes, bool crlf, const char *last_line)
{
    const char *eol = crlf ? "\r\n" : "\n";
    struct str s;
    str_init(&s, 0);
    str_appendf(&s, "From: Alice <alice@example.com>%sTo: bob@example.org%s", eol, eol);
    str_appendf(&s,
                "Date: Mon, 2 Mar 2026 10:00:00 +0000%sMessage-ID: <m1@example.com>%s",
                eol, eol);
    str_appendf(&s, "Subject: big%s%s", eol, eol);
    for (size_t i = 0; s.len < body_bytes; i++)
        str_appendf(&s, "line %zu of a long body that goes on and on%s", i, eol);
    str_appendf(&s, "%s%s", last_line, eol);
    return str_steal(&s, NULL);
}

static void
case_tempfail(void)
{
    char *msg = big_message(4000, false, "end");
    for (int fd6 = 0; fd6 <= 1; fd6++) {
        struct run r;
        run_init(&r);
        r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
        r.args[0] = "-o", r.args[1] = "max_message_size=2k";
        r.args[2] = "-o", r.args[3] = "max_message_size_action=tempfail";
        r.fd6 = fd6;
        run_queue(&r);
        CHECK_INT(r.status, fd6 ? 82 : 71);
        check_not_queued();
        if (fd6) {
            CHECK(r.err6.len > 0 && r.err6.buf[0] == 'Z');
            CHECK(contains(&r.err6, "too big")); /* the size check's reply */
            CHECK(contains(&r.err6, "(#4."));
        }
        CHECK_LOG(&r, "action=tempfail");
        run_deinit(&r);
    }
    free(msg);
}

static void
case_discard(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "discard_score=100";
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    CHECK_LOG(&r, "action=discard");
    run_deinit(&r);
}

/* The real qmail-queue's status comes back as it is. */
static void
case_downstream_status(void)
{
    static const char *const codes[] = {"FAKE_QQ_EXIT=11", "FAKE_QQ_EXIT=31",
                                        "FAKE_QQ_EXIT=53", "FAKE_QQ_EXIT=71",
                                        "FAKE_QQ_EXIT=81", "FAKE_QQ_EXIT=0"};
    static const int want[] = {11, 31, 53, 71, 81, 0};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1,
        r.envlen = sizeof(env1) - 1;
        r.vars[0] = codes[i];
        run_queue(&r);
        CHECK_INT(r.status, want[i]);
        check_queued(&r, "See you at noon.\n");
        if (want[i] != 0)
            CHECK_LOG(&r, "not queued");
        run_deinit(&r);
    }
}

/* A downstream's own custom error (82 and fd 6) reaches the caller. */
static void
case_downstream_custom(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.fd6 = true;
    r.vars[0] = "FAKE_QQ_EXIT=82";
    r.vars[1] = "FAKE_QQ_ERRTEXT=Dno mailbox here (#5.1.1)";
    run_queue(&r);
    CHECK_INT(r.status, 82);
    CHECK_STR(str_cstr(&r.err6), "Dno mailbox here (#5.1.1)");
    struct str got;
    str_init(&got, 0);
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_STR(str_cstr(&got), "6\n");
    str_deinit(&got);
    run_deinit(&r);
}

static void
case_downstream_signal(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.vars[0] = "FAKE_QQ_SIGNAL=9";
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "signal 9");
    run_deinit(&r);
}

static void
case_downstream_missing(void)
{
    char conf[8192], path[4200];
    path_of(path, sizeof(path), "no-such-qmail-queue");
    snprintf(conf, sizeof(conf), "qmail_queue = %s\n", path);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.conf = conf;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "cannot run");
    CHECK_LOG(&r, "No such file");
    run_deinit(&r);
    /* A file that is not executable. */
    spit("not-executable", "#!/bin/sh\nexit 0\n", 17);
    path_of(path, sizeof(path), "not-executable");
    snprintf(conf, sizeof(conf), "qmail_queue = %s\n", path);
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.conf = conf;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "Permission denied");
    run_deinit(&r);
}

/* A downstream that exits 0 without reading a large message: not queued
 * for sure, so never 0. */
static void
case_downstream_early(void)
{
    char *msg = big_message(1 << 20, false, "end");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
    r.vars[0] = "FAKE_QQ_EARLY=1";
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "without taking the whole message");
    run_deinit(&r);
    free(msg);
}

/* Envelopes qmail-queue would refuse are refused with its statuses. */
static void
case_envelope_bad(void)
{
    static const struct {
        const char *env;
        size_t len;
        int want;
    } envs[] = {
        {"Xalice@example.com\0Tbob@example.org\0\0", 37, 91},
        {"Falice@example.com\0Xbob@example.org\0\0", 37, 91},
        {"Falice@example.com\0Tbob@example.org\0", 36, 54},
        {"Falice@example.com", 18, 54},
        {"", 0, 54},
    };
    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = envs[i].env,
        r.envlen = envs[i].len;
        run_queue(&r);
        CHECK_INT(r.status, envs[i].want);
        check_not_queued();
        CHECK_LOG(&r, "envelope");
        run_deinit(&r);
    }
}

/* qmail-queue's 1003-byte address limit: 1003 passes, 1004 is 11. */
static void
case_envelope_long(void)
{
    for (size_t n = 1003; n <= 1004; n++) {
        char env[1100];
        memcpy(env, "F\0T", 3);
        memset(env + 3, 'a', n);
        memcpy(env + 3 + n, "\0\0", 2);
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env, r.envlen = n + 5;
        run_queue(&r);
        CHECK_INT(r.status, n == 1003 ? 0 : 11);
        if (n == 1003)
            check_queued(&r, "See you at noon.\n");
        else
            check_not_queued();
        run_deinit(&r);
    }
}

/* The envelope reaches qmail-queue byte for byte: null sender, many
 * recipients, odd bytes. */
static void
case_envelope_unchanged(void)
{
    struct str env;
    str_init(&env, 0);
    str_append(&env, "F\0", 2);
    for (int i = 0; i < 300; i++) {
        str_appendf(&env, "Tuser%d@example.org", i);
        str_appendc(&env, '\0');
    }
    static const char last[] = "T\xc3\xa9t\xc3\xa9@example.org\0\0";
    str_append(&env, last, sizeof(last) - 1);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env.buf, r.envlen = env.len;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, "See you at noon.\n");
    CHECK_LOG(&r, "from=<>");
    run_deinit(&r);
    str_deinit(&env);
}

/* Larger than spool_threshold: spooled to a file, passed on whole, the
 * spool file gone afterwards and not passed to qmail-queue. */
static void
case_large(void)
{
    char *msg = big_message(3 << 20, false, "the very last line");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    const char *body = strstr(msg, "\n\nline 0 ");
    check_queued(&r, body);
    struct str got;
    str_init(&got, 0);
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_INT(got.len, 0);
    str_deinit(&got);
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    /* GTUBE at the end of a spooled message is still found. */
    free(msg);
    msg = big_message(3 << 20, false, GTUBE);
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_queue(&r);
    CHECK_INT(r.status, 31);
    check_not_queued();
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    free(msg);
}

/* CRLF line ends: the body goes on unchanged, our headers end in CRLF. */
static void
case_crlf(void)
{
    char *msg = big_message(200, true, "bye");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, strstr(msg, "\r\n\r\nline 0 "));
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    /* Every LF of the output is preceded by a CR. */
    size_t bare = 0;
    for (size_t i = 0; i < got.len; i++)
        bare += got.buf[i] == '\n' && (i == 0 || got.buf[i - 1] != '\r');
    CHECK_INT(bare, 0);
    str_deinit(&got);
    run_deinit(&r);
    free(msg);
}

static void
case_bad_config(void)
{
    static const char *const confs[] = {"mime_depth_limit = 5\nbogus line\n",
                                        "reject_score = lots\n", "no_such_setting = 1\n"};
    for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1,
        r.envlen = sizeof(env1) - 1;
        r.conf = confs[i];
        run_queue(&r);
        CHECK_INT(r.status, 55);
        check_not_queued();
        CHECK_LOG(&r, "filterd.conf:");
        run_deinit(&r);
    }
    /* A missing -c file, a bad -o, an unknown option. */
    static const char *const args[][3] = {
        {"-c", "/nonexistent/filterd.conf", NULL},
        {"-o", "required_score=high", NULL},
        {"-x", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1,
        r.envlen = sizeof(env1) - 1;
        for (size_t k = 0; k < 3 && args[i][k]; k++)
            r.args[k] = args[i][k];
        run_queue(&r);
        CHECK_INT(r.status, 55);
        check_not_queued();
        run_deinit(&r);
    }
}

/* Where the real qmail-queue is: -o, then TAMIS_QMAIL_QUEUE, then the file. */
static void
case_queue_path(void)
{
    char conf[8192], var[4300], opt[4300];
    snprintf(conf, sizeof(conf), "qmail_queue = %s/nowhere\n", dir);
    snprintf(var, sizeof(var), "TAMIS_QMAIL_QUEUE=%s", fake_bin);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.conf = conf;
    r.vars[0] = var;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK(exists("qq/ran"));
    run_deinit(&r);
    /* -o beats the environment. */
    snprintf(opt, sizeof(opt), "qmail_queue=%s/elsewhere", dir);
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.conf = conf;
    r.vars[0] = var;
    r.args[0] = "-o", r.args[1] = opt;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    check_not_queued();
    CHECK_LOG(&r, "elsewhere");
    run_deinit(&r);
}

/* tcpserver's variables name the client in the log; junk is ignored. */
static void
case_client(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.vars[0] = "TCPREMOTEIP=192.0.2.7";
    r.vars[1] = "TCPREMOTEHOST=mx.example.net";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "client=mx.example.net[192.0.2.7]");
    run_deinit(&r);
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.vars[0] = "TCPREMOTEIP=192.0.2.7 evil";
    r.vars[1] = "TCPREMOTEHOST=a b";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "client=unknown[unknown]");
    run_deinit(&r);
}

/* An empty message is queued, as qmail-queue would. */
static void
case_empty_message(void)
{
    struct run r;
    run_init(&r);
    r.msg = "", r.msglen = 0, r.env = env1, r.envlen = sizeof(env1) - 1;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK(exists("qq/ran"));
    run_deinit(&r);
}

/* fd 1 closed: the envelope cannot be read. */
static void
case_fd_closed(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.close1 = true;
    run_queue(&r);
    CHECK_INT(r.status, 54);
    check_not_queued();
    run_deinit(&r);
}

/* ---- quarantine_maildir, through both front ends. ---- */

/* The options that quarantine spam into the folder quar/ of this case
 * (or into path when it is given), with rejects off. */
static void
quarantine_args(struct run *r, const char *path)
{
    static char opt[4300];
    char p[4200];
    path_of(p, sizeof(p), "quar");
    snprintf(opt, sizeof(opt), "quarantine_maildir=%s", path ? path : p);
    r->args[0] = "-o", r->args[1] = "reject_score=-1";
    r->args[2] = "-o", r->args[3] = "quarantine_score=5";
    r->args[4] = "-o", r->args[5] = opt;
}

/* quar/new holds one message: the spam, with our headers. */
static void
check_quarantined(struct run *r)
{
    CHECK_INT(files_in("quar/new"), 1);
    CHECK_INT(files_in("quar/tmp"), 0);
    char p[4200], name[4300];
    path_of(p, sizeof(p), "quar/new");
    DIR *d = opendir(p);
    struct dirent *de;
    struct str got;
    str_init(&got, 0);
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') {
            snprintf(name, sizeof(name), "quar/new/%s", de->d_name);
            CHECK_INT(slurp(name, &got), 0);
        }
    if (d)
        closedir(d);
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    CHECK(contains(&got, "Message-ID: <m1@example.com>"));
    CHECK(contains(&got, GTUBE));
    str_deinit(&got);
    CHECK_LOG(r, "action=quarantine");
    CHECK_LOG(r, "quarantined to ");
}

/* qmail-queue: the spam lands in the Maildir, the real qmail-queue is not
 * run, and the status is 0 (qmail-smtpd answers 250). */
static void
case_quarantine_maildir(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    quarantine_args(&r, NULL);
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    check_quarantined(&r);
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

/* A folder that cannot be made (its parent is a file): tempfail (71),
 * nothing queued, nothing written. */
static void
case_quarantine_maildir_fail(void)
{
    char p[4200];
    spit("file", "x", 1);
    path_of(p, sizeof(p), "file/quar");
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    quarantine_args(&r, p);
    run_queue(&r);
    CHECK_INT(r.status, 71);
    check_not_queued();
    CHECK_LOG(&r, "cannot quarantine");
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

/* qmail-qfilter: the spam lands in the Maildir, nothing on fd 1, status
 * 99 (qmail-qfilter drops the message and reports success). */
static void
case_qfilter_quarantine(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    quarantine_args(&r, NULL);
    run_qfilter(&r);
    CHECK_INT(r.status, 99);
    CHECK_INT(r.out.len, 0);
    check_quarantined(&r);
    run_deinit(&r);
}

/* ---- filterd qfilter cases. ---- */

static void
case_qfilter_pass(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.vars[0] = "QMAILUSER=ignored", r.vars[1] = "QMAILHOST=example.net";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    CHECK(ends_with(&r.out, "\n\nSee you at noon.\n", 19));
    CHECK_LOG(&r, "from=<alice@example.com>"); /* fd 3 wins over the variables */
    CHECK_LOG(&r, "bob@example.org");
    run_deinit(&r);
    /* Spam below reject_score: marked. */
    run_init(&r);
    r.msg = spam, r.msglen = sizeof(spam) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK(contains(&r.out, "X-Spam-Flag: YES"));
    run_deinit(&r);
}

static void
case_qfilter_environ(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1;
    r.vars[0] = "QMAILUSER=carol", r.vars[1] = "QMAILHOST=example.com";
    r.vars[2] = "QMAILRCPTS=dave@example.org\nerin@example.org\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "from=<carol@example.com>");
    CHECK_LOG(&r, "erin@example.org");
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    run_deinit(&r);
}

/* qmail-qfilter 1 gives no envelope on fd 3 but may leave its own pipe
 * there: the variables are used, the pipe is not read. */
static void
case_qfilter_fd3_pipe(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1;
    r.pipe3 = true;
    r.vars[0] = "QMAILUSER=carol", r.vars[1] = "QMAILHOST=example.com";
    r.vars[2] = "QMAILRCPTS=dave@example.org\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "from=<carol@example.com>");
    run_deinit(&r);
}

static void
case_qfilter_refuse(void)
{
    static const struct {
        const char *args[5];
        bool fd6;
        int want;
        char errclass;
    } cases[] = {
        {{NULL}, false, 31, 0},
        {{NULL}, true, 82, 'D'},
        {{"-o", "discard_score=100", NULL}, false, 99, 0},
        {{"-o", "max_message_size=1k", "-o", "max_message_size_action=tempfail"},
         false,
         71,
         0},
        {{"-o", "max_message_size=1k", "-o", "max_message_size_action=tempfail"},
         true,
         82,
         'Z'},
    };
    char *msg = big_message(2000, false, GTUBE);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
        for (size_t k = 0; k < 4 && cases[i].args[k]; k++)
            r.args[k] = cases[i].args[k];
        r.fd6 = cases[i].fd6;
        run_qfilter(&r);
        CHECK_INT(r.status, cases[i].want);
        CHECK_INT(r.out.len, 0);
        if (cases[i].errclass)
            CHECK(r.err6.len > 0 && r.err6.buf[0] == cases[i].errclass);
        else
            CHECK_INT(r.err6.len, 0);
        run_deinit(&r);
    }
    free(msg);
}

static void
case_qfilter_bad(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = "garbage\0\0", r.envlen = 9;
    run_qfilter(&r);
    CHECK_INT(r.status, 91);
    CHECK_INT(r.out.len, 0);
    CHECK_LOG(&r, "fd 3");
    run_deinit(&r);
    run_init(&r);
    r.msg = ham, r.msglen = sizeof(ham) - 1, r.env = env1, r.envlen = sizeof(env1) - 1;
    r.conf = "bogus line\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 55);
    CHECK_INT(r.out.len, 0);
    run_deinit(&r);
}

/* Spooled and CRLF messages come out whole. */
static void
case_qfilter_large(void)
{
    char *msg = big_message(2 << 20, true, "the very last line");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = sizeof(env1) - 1;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    const char *body = strstr(msg, "\r\n\r\nline 0 ");
    CHECK(ends_with(&r.out, body, strlen(body)));
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    free(msg);
}

static const struct {
    const char *name;
    void (*fn)(void);
} all_cases[] = {
    {"accept", case_accept},
    {"spam_headers", case_spam_headers},
    {"forged_headers", case_forged_headers},
    {"reject", case_reject},
    {"reject_fd6", case_reject_fd6},
    {"tempfail", case_tempfail},
    {"discard", case_discard},
    {"downstream_status", case_downstream_status},
    {"downstream_custom", case_downstream_custom},
    {"downstream_signal", case_downstream_signal},
    {"downstream_missing", case_downstream_missing},
    {"downstream_early", case_downstream_early},
    {"envelope_bad", case_envelope_bad},
    {"envelope_long", case_envelope_long},
    {"envelope_unchanged", case_envelope_unchanged},
    {"large", case_large},
    {"crlf", case_crlf},
    {"bad_config", case_bad_config},
    {"queue_path", case_queue_path},
    {"client", case_client},
    {"empty_message", case_empty_message},
    {"fd_closed", case_fd_closed},
    {"qfilter_pass", case_qfilter_pass},
    {"qfilter_environ", case_qfilter_environ},
    {"qfilter_fd3_pipe", case_qfilter_fd3_pipe},
    {"qfilter_refuse", case_qfilter_refuse},
    {"qfilter_bad", case_qfilter_bad},
    {"qfilter_large", case_qfilter_large},
    {"quarantine_maildir", case_quarantine_maildir},
    {"quarantine_maildir_fail", case_quarantine_maildir_fail},
    {"qfilter_quarantine", case_qfilter_quarantine},
};

/* Make this case's folder with its qq/ and spool/ folders. */
static void
make_dir(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/qmail-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    char p[4200];
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        exit(2);
    }
    path_of(p, sizeof(p), "qq");
    mkdir(p, 0755);
    path_of(p, sizeof(p), "spool");
    mkdir(p, 0755);
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s CASE FILTERD_QMAIL_QUEUE FILTERD FAKE_QMAIL_QUEUE\n",
                argv[0]);
        return 2;
    }
    qq_bin = argv[2], filterd_bin = argv[3], fake_bin = argv[4];
    signal(SIGPIPE, SIG_IGN);
    int found = 0;
    for (size_t i = 0; i < sizeof(all_cases) / sizeof(all_cases[0]); i++) {
        if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], all_cases[i].name) != 0)
            continue;
        found = 1;
        make_dir(all_cases[i].name);
        t_current = all_cases[i].name;
        all_cases[i].fn();
        if (getenv("KEEP_QMAIL_TEST_DIR"))
            fprintf(stderr, "kept %s\n", dir);
        else
            remove_tree(dir);
    }
    if (!found) {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    return t_done();
}
