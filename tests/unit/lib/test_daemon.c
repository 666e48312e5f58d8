/*
 * Unit tests of lib/daemon: the pid file (created with our pid, refused
 * while another process holds it, a stale one replaced, removed at the
 * end); user look-up by name and uid; the privilege drop (as root, in a
 * child: the ids change and root cannot be regained); the signal thread
 * (SIGHUP reloads, the first SIGTERM stops, later ones are ignored);
 * detaching (the starter exits with the status the daemon reports).
 */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/log.h"

static char dir[] = "/tmp/tamis-test-daemon-XXXXXX";
static char pid_path[256];

static int
wait_child(pid_t pid)
{
    int st = -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long
read_pid_file(void)
{
    char buf[32] = "";
    int fd = open(pid_path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static void
test_pidfile(void)
{
    struct str err;
    str_init(&err, 0);
    /* A child holds the pid file; we are refused. */
    int ready[2];
    CHECK_INT(pipe(ready), 0);
    pid_t child = fork();
    if (child == 0) {
        struct daemon *d = daemon_new("test");
        int r = daemon_pidfile_create(d, pid_path, &err);
        char c = r == 0 ? 'y' : 'n';
        (void)write(ready[1], &c, 1);
        pause();
        _exit(0);
    }
    char c = 0;
    CHECK_INT(read(ready[0], &c, 1), 1);
    CHECK_INT(c, 'y');
    CHECK_INT(read_pid_file(), child);
    struct daemon *d = daemon_new("test");
    CHECK_INT(daemon_pidfile_create(d, pid_path, &err), -1);
    char want[64];
    snprintf(want, sizeof(want), "already running (pid %ld)", (long)child);
    CHECK(strstr(str_cstr(&err), want) != NULL);
    /* The child dies without removing it: the file is stale. */
    kill(child, SIGKILL);
    wait_child(child);
    CHECK_INT(access(pid_path, F_OK), 0);
    str_clear(&err);
    CHECK_INT(daemon_pidfile_create(d, pid_path, &err), 0);
    CHECK_INT(read_pid_file(), getpid());
    daemon_free(&d);
    CHECK(d == NULL);
    CHECK_INT(access(pid_path, F_OK), -1);
    /* Garbage left by someone: stale too. */
    int fd = open(pid_path, O_WRONLY | O_CREAT, 0644);
    CHECK_INT(write(fd, "junk", 4), 4);
    close(fd);
    d = daemon_new("test");
    CHECK_INT(daemon_pidfile_create(d, pid_path, &err), 0);
    daemon_free(&d);
    /* A folder that does not exist. */
    d = daemon_new("test");
    str_clear(&err);
    CHECK_INT(daemon_pidfile_create(d, "/nonexistent/dir/x.pid", &err), -1);
    CHECK(strstr(str_cstr(&err), "/nonexistent/dir/x.pid") != NULL);
    daemon_free(&d);
    close(ready[0]);
    close(ready[1]);
    str_deinit(&err);
}

static void
test_user_lookup(void)
{
    struct daemon_user u;
    struct str err;
    str_init(&err, 0);
    CHECK_INT(daemon_user_lookup("root", &u, &err), 0);
    CHECK_INT(u.uid, 0);
    CHECK_STR(u.name, "root");
    CHECK_INT(daemon_user_lookup("0", &u, &err), 0);
    CHECK_STR(u.name, "root");
    CHECK_INT(daemon_user_lookup("no-such-user-tamis-test", &u, &err), -1);
    CHECK(strstr(str_cstr(&err), "unknown user") != NULL);
    str_clear(&err);
    CHECK_INT(daemon_user_lookup("", &u, &err), -1);
    str_deinit(&err);
}

/* In a child: drop to nobody and report what can be done after. */
static void
test_drop(void)
{
    struct daemon_user u;
    struct str err;
    str_init(&err, 0);
    if (daemon_user_lookup("nobody", &u, &err) < 0) {
        fprintf(stderr, "no user nobody: drop not tested\n");
        str_deinit(&err);
        return;
    }
    pid_t child = fork();
    if (child == 0) {
        uid_t was = geteuid();
        int r = daemon_drop_privileges(&u, NULL, &err);
        if (was != 0 && r == 0)
            _exit(3); /* not root: must fail */
        if (was != 0)
            _exit(strstr(str_cstr(&err), "not started as root") ? 0 : 4);
        if (r != 0 || getuid() != u.uid || getgid() != u.gid)
            _exit(5);
        if (setuid(0) == 0 || seteuid(0) == 0)
            _exit(6);
        /* Dropping again to the same user only verifies. */
        _exit(daemon_drop_privileges(&u, NULL, &err) == 0 ? 0 : 7);
    }
    CHECK_INT(wait_child(child), 0);
    str_deinit(&err);
}

static int sig_pipe[2];

static void
on_reload(void *arg)
{
    (void)write(sig_pipe[1], "H", 1);
}

static void
on_stop(void *arg)
{
    (void)write(sig_pipe[1], "T", 1);
}

/* In a child: the signal thread calls the handlers, the stop only once. */
static void
test_signals(void)
{
    CHECK_INT(pipe(sig_pipe), 0);
    pid_t child = fork();
    if (child == 0) {
        struct str err;
        str_init(&err, 0);
        struct daemon *d = daemon_new("test");
        struct daemon_handlers h = {.reload = on_reload, .stop = on_stop};
        if (daemon_signals_block(&err) < 0 || daemon_signals_start(d, &h, &err) < 0)
            _exit(2);
        kill(getpid(), SIGHUP);
        sleep_ms(50);
        kill(getpid(), SIGTERM);
        sleep_ms(50);
        kill(getpid(), SIGINT);
        sleep_ms(50);
        kill(getpid(), SIGHUP);
        sleep_ms(50);
        kill(getpid(), SIGPIPE); /* ignored */
        daemon_free(&d);
        (void)write(sig_pipe[1], ".", 1);
        _exit(0);
    }
    close(sig_pipe[1]);
    char buf[16] = "";
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(buf) - 1 &&
           (r = read(sig_pipe[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    CHECK_STR(buf, "HTH.");
    CHECK_INT(wait_child(child), 0);
    close(sig_pipe[0]);
}

/* In a child that becomes the starter: it exits with the daemon's status. */
static void
test_detach(void)
{
    static const int statuses[] = {0, 78};
    for (size_t i = 0; i < 2; i++) {
        pid_t starter = fork();
        if (starter == 0) {
            struct str err;
            str_init(&err, 0);
            struct daemon *d = daemon_new("test");
            pid_t old_sid = getsid(0);
            if (daemon_detach(d, false, &err) < 0)
                _exit(2);
            /* The daemon: a session of its own, not led by it (no tty). */
            if (getsid(0) == old_sid || getsid(0) == getpid())
                daemon_fail(d, 3);
            else if (statuses[i] == 0)
                daemon_ready(d);
            else
                daemon_fail(d, statuses[i]);
            daemon_free(&d);
            _exit(0);
        }
        CHECK_INT(wait_child(starter), statuses[i]);
    }
    /* Foreground: nothing happens. */
    struct str err;
    str_init(&err, 0);
    struct daemon *d = daemon_new("test");
    pid_t me = getpid();
    CHECK_INT(daemon_detach(d, true, &err), 0);
    CHECK_INT(getpid(), me);
    daemon_ready(d);
    daemon_free(&d);
    str_deinit(&err);
}

int
main(void)
{
    log_open("test_daemon", false);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(pid_path, sizeof(pid_path), "%s/test.pid", dir);
    T_RUN(test_pidfile);
    T_RUN(test_user_lookup);
    T_RUN(test_drop);
    T_RUN(test_signals);
    T_RUN(test_detach);
    unlink(pid_path);
    rmdir(dir);
    return t_done();
}
