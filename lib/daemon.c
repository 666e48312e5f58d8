/*
 * daemon: detaching, the pid file, the privilege drop and the signal
 * thread that every tamis daemon shares.
 *
 * Untrusted input: none (the user name and paths come from the
 * configuration). Limits: the pid file is read up to 31 bytes.
 *
 * _DEFAULT_SOURCE: initgroups(), setgroups() and chroot() are BSD
 * interfaces, not POSIX; glibc declares them only then.
 */
#define _DEFAULT_SOURCE 1

#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

struct daemon {
    char *ident;
    bool background;
    int ready_fd; /* write end of the pipe to the waiting first process */
    int pid_fd;   /* the locked pid file */
    char *pid_path;
    pthread_t sig_thread;
    bool sig_started;
    atomic_bool sig_quit;
    atomic_bool stopping;
    struct daemon_handlers handlers;
};

/* The signals the signal thread takes. SIGUSR2 only wakes it to quit. */
static const int daemon_sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR2};

struct daemon *
daemon_new(const char *ident)
{
    struct daemon *d = xcalloc(1, sizeof(*d));
    d->ident = xstrdup(ident);
    d->ready_fd = -1;
    d->pid_fd = -1;
    return d;
}

/* In the first process: wait for the daemon's status byte, exit with it. */
static void
wait_for_daemon(int fd, pid_t child)
{
    unsigned char status = EX_SOFTWARE;
    ssize_t r;
    do
        r = read(fd, &status, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) {
        fputs("daemon: the daemon exited during startup\n", stderr);
        status = EX_SOFTWARE;
    }
    (void)waitpid(child, NULL, 0);
    _exit(status);
}

int
daemon_detach(struct daemon *d, bool foreground, struct str *err)
{
    int p[2];
    if (foreground)
        return 0;
    if (pipe(p) < 0) {
        str_appendf(err, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        str_appendf(err, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        wait_for_daemon(p[0], pid);
    }
    close(p[0]);
    if (setsid() < 0)
        _exit(EX_OSERR);
    pid = fork();
    if (pid < 0)
        _exit(EX_OSERR);
    if (pid > 0)
        _exit(0); /* the session leader goes; the daemon can get no tty */
    (void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
    d->ready_fd = p[1];
    d->background = true;
    return 0;
}

int
daemon_signals_block(struct str *err)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(daemon_sigs) / sizeof(daemon_sigs[0]); i++)
        sigaddset(&set, daemon_sigs[i]);
    int e = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (e != 0) {
        str_appendf(err, "pthread_sigmask: %s", strerror(e));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, NULL) < 0) {
        str_appendf(err, "sigaction: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* A whole-file write lock, without waiting. Returns 0, or -1 with errno
 * (EAGAIN or EACCES: another process holds it). */
static int
lock_whole(int fd)
{
    struct flock fl;
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, F_SETLK, &fl);
}

/* Read the pid written in fd (0 if none). */
static long
read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

/*
 * An existing pid file: 1 if it was stale and is now removed, 0 if another
 * daemon holds it (err says so), -1 on another error. The stale file is
 * removed while its lock is held, so two daemons starting at once cannot
 * both remove a file and both go on.
 */
static int
pidfile_clear_stale(const char *path, struct str *err)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1; /* gone meanwhile: try again */
        str_appendf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (lock_whole(fd) < 0) {
        int e = errno;
        bool held = e == EAGAIN || e == EACCES;
        if (held)
            str_appendf(err, "%s: already running (pid %ld)", path, read_pid(fd));
        else
            str_appendf(err, "%s: cannot lock: %s", path, strerror(e));
        close(fd);
        return held ? 0 : -1;
    }
    struct stat a, b;
    int r = 1;
    if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev && unlink(path) < 0) {
        str_appendf(err, "%s: cannot remove the stale pid file: %s", path,
                    strerror(errno));
        r = -1;
    }
    close(fd);
    return r;
}

/* Write "pid\n" to a fresh, locked pid file. */
static int
pidfile_write(int fd, const char *path, struct str *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (lock_whole(fd) < 0 || write(fd, buf, (size_t)n) != n) {
        str_appendf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
daemon_pidfile_create(struct daemon *d, const char *path, struct str *err)
{
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0) {
            if (pidfile_write(fd, path, err) < 0) {
                unlink(path);
                close(fd);
                return -1;
            }
            d->pid_fd = fd;
            d->pid_path = xstrdup(path);
            return 0;
        }
        if (errno != EEXIST) {
            str_appendf(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        int r = pidfile_clear_stale(path, err);
        if (r <= 0)
            return -1;
        log_info(NULL, "%s: removed a stale pid file", path);
    }
    str_appendf(err, "%s: cannot create the pid file (it keeps coming back)", path);
    return -1;
}

int
daemon_user_lookup(const char *name, struct daemon_user *u, struct str *err)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    int e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
    if (res == NULL && e == 0 && *name) {
        char *end;
        errno = 0;
        unsigned long id = strtoul(name, &end, 10);
        if (*end == '\0' && errno == 0 && id <= (unsigned long)(uid_t)-2)
            e = getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &res);
    }
    if (res == NULL) {
        str_appendf(err, "unknown user \"%s\"%s%s", name, e ? ": " : "",
                    e ? strerror(e) : "");
        return -1;
    }
    memset(u, 0, sizeof(*u));
    u->uid = pw.pw_uid;
    u->gid = pw.pw_gid;
    snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
    return 0;
}

/* After the switch: the ids are u's and root cannot come back. */
static int
verify_dropped(const struct daemon_user *u, struct str *err)
{
    if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid ||
        getegid() != u->gid) {
        str_appendf(err, "privilege drop to %s did not take: uid %ld/%ld gid %ld/%ld",
                    u->name, (long)getuid(), (long)geteuid(), (long)getgid(),
                    (long)getegid());
        return -1;
    }
    if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        str_appendf(err, "privilege drop to %s can be undone: setuid(0) worked", u->name);
        return -1;
    }
    if (u->gid != 0 && u->uid != 0 && (setgid(0) == 0 || setegid(0) == 0)) {
        str_appendf(err, "privilege drop to %s can be undone: setgid(0) worked", u->name);
        return -1;
    }
    return 0;
}

int
daemon_drop_privileges(const struct daemon_user *u, const char *chroot_dir,
                       struct str *err)
{
    if (geteuid() != 0) {
        if (geteuid() == u->uid && getuid() == u->uid)
            return verify_dropped(u, err);
        str_appendf(err, "cannot become user %s: not started as root", u->name);
        return -1;
    }
    if (initgroups(u->name, u->gid) < 0) {
        str_appendf(err, "initgroups(%s): %s", u->name, strerror(errno));
        return -1;
    }
    if (setgid(u->gid) < 0) {
        str_appendf(err, "setgid(%ld): %s", (long)u->gid, strerror(errno));
        return -1;
    }
    if (chroot_dir && *chroot_dir && (chroot(chroot_dir) < 0 || chdir("/") < 0)) {
        str_appendf(err, "chroot(%s): %s", chroot_dir, strerror(errno));
        return -1;
    }
    if (setuid(u->uid) < 0) {
        str_appendf(err, "setuid(%ld): %s", (long)u->uid, strerror(errno));
        return -1;
    }
    return verify_dropped(u, err);
}

/* The signal thread: one signal at a time, handlers called here. */
static void *
signal_thread(void *arg)
{
    struct daemon *d = arg;
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(daemon_sigs) / sizeof(daemon_sigs[0]); i++)
        sigaddset(&set, daemon_sigs[i]);
    while (!atomic_load(&d->sig_quit)) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig < 0)
            continue; /* EINTR */
        if (sig == SIGUSR2)
            continue; /* the loop test sees sig_quit */
        if (sig == SIGHUP) {
            log_info(NULL, "SIGHUP: reloading the configuration");
            if (d->handlers.reload)
                d->handlers.reload(d->handlers.arg);
        } else if (atomic_exchange(&d->stopping, true)) {
            log_info(NULL, "%s: already stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        } else {
            log_info(NULL, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            if (d->handlers.stop)
                d->handlers.stop(d->handlers.arg);
        }
    }
    return NULL;
}

int
daemon_signals_start(struct daemon *d, const struct daemon_handlers *h, struct str *err)
{
    d->handlers = *h;
    int e = pthread_create(&d->sig_thread, NULL, signal_thread, d);
    if (e != 0) {
        str_appendf(err, "cannot start the signal thread: %s", strerror(e));
        return -1;
    }
    d->sig_started = true;
    return 0;
}

/* Send the status byte to the waiting first process, once. */
static void
report(struct daemon *d, int status)
{
    if (d->ready_fd < 0)
        return;
    unsigned char b = (unsigned char)status;
    ssize_t r;
    do
        r = write(d->ready_fd, &b, 1);
    while (r < 0 && errno == EINTR);
    close(d->ready_fd);
    d->ready_fd = -1;
}

void
daemon_ready(struct daemon *d)
{
    report(d, 0);
    if (!d->background)
        return;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        (void)dup2(fd, STDIN_FILENO);
        (void)dup2(fd, STDOUT_FILENO);
        (void)dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    if (chdir("/") < 0)
        log_warn(NULL, "chdir /: %s", strerror(errno));
    log_open(d->ident, true);
}

void
daemon_fail(struct daemon *d, int status)
{
    report(d, status ? status : EX_SOFTWARE);
}

/* Remove the pid file, or empty it when its folder is not ours to change. */
static void
pidfile_remove(struct daemon *d)
{
    if (d->pid_fd < 0)
        return;
    struct stat a, b;
    if (fstat(d->pid_fd, &a) == 0 && stat(d->pid_path, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev && unlink(d->pid_path) < 0 && ftruncate(d->pid_fd, 0) < 0)
        log_warn(NULL, "%s: cannot remove or empty the pid file: %s", d->pid_path,
                 strerror(errno));
    close(d->pid_fd);
    d->pid_fd = -1;
}

void
daemon_free(struct daemon **dp)
{
    struct daemon *d = *dp;
    if (d == NULL)
        return;
    if (d->sig_started) {
        atomic_store(&d->sig_quit, true);
        pthread_kill(d->sig_thread, SIGUSR2);
        pthread_join(d->sig_thread, NULL);
    }
    if (d->ready_fd >= 0)
        daemon_fail(d, EX_SOFTWARE);
    pidfile_remove(d);
    free(d->pid_path);
    free(d->ident);
    free(d);
    *dp = NULL;
}
