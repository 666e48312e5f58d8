/*
 * qmail_harness: what the qmail front-end tests share. It plays
 * qmail-smtpd (run_queue: message on fd 0, envelope on fd 1, an optional
 * custom error pipe on fd 6) and qmail-qfilter (run_qfilter: files on fd
 * 0, 1 and 3) around filterd-qmail-queue and `filterd qfilter`, and reads
 * back what the recording stand-in for qmail-queue was given. Each case
 * works in its own folder (make_dir), removed at the end.
 *
 * This file runs programs and reads files; it asserts nothing itself. The
 * checks (CHECK, CHECK_INT, check_queued, ...) are in qmail_harness.h and
 * in the two test programs, so that each program counts its own failures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "qmail_harness.h"

extern char **environ;

const char *qq_bin, *filterd_bin, *fake_bin;
char dir[4096];

const char ham[] = HEAD "Subject: lunch\n\nSee you at noon.\n";
const char spam[] = HEAD "Subject: test\n\nThis is spam.\n" GTUBE "\n";
const char env1[] = "Falice@example.com\0Tbob@example.org\0\0";
const size_t ham_len = sizeof(ham) - 1, spam_len = sizeof(spam) - 1,
             env1_len = sizeof(env1) - 1;

/* ---- Files. ---- */

void
path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

/* Read a file of this case's folder into out; -1 if it does not exist. */
int
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

void
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

bool
exists(const char *name)
{
    char p[4200];
    path_of(p, sizeof(p), name);
    return access(p, F_OK) == 0;
}

/* Remove a folder and what it holds. */
void
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
int
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
int
spool_files(void)
{
    return files_in("spool");
}

/* ---- Running a program. ---- */

void
run_init(struct run *r)
{
    memset(r, 0, sizeof(*r));
    str_init(&r->err6, 0);
    str_init(&r->log, 0);
    str_init(&r->out, 0);
}

void
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
void
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
void
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

/* Make this case's folder with its qq/ and spool/ folders. */
void
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

/* A message of about body_bytes, its lines ending in CRLF when crlf is set,
 * last_line last. The caller frees it. */
char *
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
