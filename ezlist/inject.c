/*
 * inject: fork and exec a sendmail-compatible command (see inject.h).
 *
 * Untrusted input: none is interpreted; addresses are passed as argv words
 * after "--" by the callers, so no address is ever read as an option or by
 * a shell. Limits: 4 KiB of the command's output kept for the log.
 */
#include "ezlist/inject.h"

#include "lib/fdio.h"
#include "lib/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char **
join_argv(char *const *cmd, char *const *args)
{
    size_t n = 0, m = 0;
    while (cmd[n])
        n++;
    while (args && args[m])
        m++;
    char **v = xreallocarray(NULL, n + m + 1, sizeof *v);
    memcpy(v, cmd, n * sizeof *v);
    if (m)
        memcpy(v + n, args, m * sizeof *v);
    v[n + m] = NULL;
    return v;
}

/* Two pipes, close-on-exec. Returns 0, or -1 with err (none left open). */
static int
two_pipes(int a[2], int b[2], struct str *err)
{
    if (pipe(a) < 0) {
        str_appendf(err, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe(b) < 0) {
        str_appendf(err, "pipe: %s", strerror(errno));
        close(a[0]);
        close(a[1]);
        return -1;
    }
    int fds[] = {a[0], a[1], b[0], b[1]};
    for (size_t i = 0; i < 4; i++)
        (void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    return 0;
}

static void
child(char **argv, int in_fd, int out_fd)
{
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
}

/* Read the child's output (bounded) until EOF. */
static void
drain(int fd, struct str *out)
{
    char buf[4096];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        str_append_trunc(out, buf, (size_t)r);
    }
}

static int
report(int status, const char *prog, struct str *out, struct str *err)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        str_appendf(err, "%s exited %d", prog, WEXITSTATUS(status));
    else
        str_appendf(err, "%s killed by signal %d", prog, WTERMSIG(status));
    struct slice o = slice_trim(str_slice(out));
    if (o.len)
        str_appendf(err, ": %.*s", (int)(o.len > 400 ? 400 : o.len), o.ptr);
    return -1;
}

int
inject_run(char *const *cmd, char *const *args, const char *msg, size_t len, struct str *err)
{
    int in[2], out[2];
    if (two_pipes(in, out, err) < 0)
        return -1;
    char **argv = join_argv(cmd, args);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    int rc = 0;
    if (pid < 0) {
        str_appendf(err, "fork: %s", strerror(errno));
        rc = -1;
    }
    /* Output is read after the write: the commands read all their input
     * before they say much, and 64 KiB of pipe buffer holds what they say. */
    int werr = pid > 0 && fdio_write_all(in[1], msg, len) < 0 ? errno : 0;
    close(in[1]);
    struct str text;
    str_init(&text, 4096);
    if (pid > 0) {
        drain(out[0], &text);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        rc = report(status, argv[0], &text, err);
        if (rc == 0 && werr) {
            str_appendf(err, "write to %s: %s", argv[0], strerror(werr));
            rc = -1;
        }
    }
    close(out[0]);
    signal(SIGPIPE, old);
    str_deinit(&text);
    free(argv);
    return rc;
}

/* Child side of inject_qmail_queue: message on fd 0, envelope on fd 1. */
static void
qq_child(const char *prog, int msg_fd, int env_fd)
{
    if (dup2(msg_fd, 0) < 0 || dup2(env_fd, 1) < 0)
        _exit(120);
    signal(SIGPIPE, SIG_DFL);
    char *argv[] = {(char *)prog, NULL};
    execv(prog, argv);
    _exit(120);
}

static void
envelope_bytes(const char *sender, char *const *rcpt, size_t n, struct str *out)
{
    str_appendc(out, 'F');
    str_append(out, sender, strlen(sender) + 1);
    for (size_t i = 0; i < n; i++) {
        str_appendc(out, 'T');
        str_append(out, rcpt[i], strlen(rcpt[i]) + 1);
    }
    str_appendc(out, '\0');
}

int
inject_qmail_queue(const char *prog, const char *sender, char *const *rcpt, size_t n,
                   const char *msg, size_t len, struct str *err)
{
    int m[2], e[2];
    if (two_pipes(m, e, err) < 0)
        return -1;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0)
        qq_child(prog, m[0], e[0]);
    close(m[0]);
    close(e[0]);
    struct str env;
    str_init(&env, 0);
    envelope_bytes(sender, rcpt, n, &env);
    int werr = 0;
    if (pid > 0 && fdio_write_all(m[1], msg, len) < 0)
        werr = errno;
    close(m[1]);
    if (pid > 0 && werr == 0 && fdio_write_all(e[1], env.buf, env.len) < 0)
        werr = errno;
    close(e[1]);
    str_deinit(&env);
    int rc = -1, status = 0;
    if (pid < 0) {
        str_appendf(err, "fork: %s", strerror(errno));
    } else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
            rc = 0;
        else if (WIFEXITED(status))
            str_appendf(err, "%s exited %d (%s)", prog, WEXITSTATUS(status),
                        WEXITSTATUS(status) >= 11 && WEXITSTATUS(status) <= 40 ? "permanent"
                                                                               : "temporary");
        else
            str_appendf(err, "%s killed by signal %d", prog, WTERMSIG(status));
    }
    signal(SIGPIPE, old);
    return rc;
}
