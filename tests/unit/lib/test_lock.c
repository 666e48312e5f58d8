/*
 * Unit tests of lib/lock: two processes incrementing a counter file under
 * the lock 1000 times each end with 2000; try-once and timed waits fail with
 * EWOULDBLOCK and ETIMEDOUT; a waiter gets the lock when it is released or
 * its holder dies; two handles in one process exclude each other (Linux);
 * misuse panics.
 */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/lock.h"

static char tmpdir[] = "/tmp/tamis-test-lock-XXXXXX";
static char lock_path[256], counter_path[256];

static long long
ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int
wait_child(pid_t pid)
{
    int st = -1;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Read, add one, write back: a race without the lock. */
static int
bump(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    long v = strtol(buf, NULL, 10);
    sched_yield(); /* widen the window a missing lock would leave open */
    int len = snprintf(buf, sizeof(buf), "%ld\n", v + 1);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
        return -1;
    return 0;
}

/* A child's work: 1000 increments under its own handle. Exit status 0. */
static int
incrementer(void)
{
    struct lock *l = lock_open(lock_path, 0600);
    int fd = open(counter_path, O_RDWR);
    if (l == NULL || fd < 0)
        return 1;
    for (int i = 0; i < 1000; i++) {
        if (lock_acquire(l, -1) < 0)
            return 2;
        if (bump(fd) < 0)
            return 3;
        if (lock_release(l) < 0)
            return 4;
    }
    close(fd);
    lock_close(&l);
    return 0;
}

static void
test_counter(void)
{
    int fd = open(counter_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, "0\n", 2), 2);
    fflush(NULL);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(incrementer());
    }
    for (int i = 0; i < 2; i++)
        CHECK_INT(wait_child(kids[i]), 0);
    char buf[32] = {0};
    CHECK(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
    CHECK_STR(buf, "2000\n");
    close(fd);
}

/* In a child: try the lock held by the parent. Exit 0 if all went as said. */
static int
contender(void)
{
    struct lock *l = lock_open(lock_path, 0600);
    if (l == NULL)
        return 1;
    errno = 0;
    if (lock_acquire(l, 0) != -1 || errno != EWOULDBLOCK)
        return 2;
    long long t0 = ms_now();
    errno = 0;
    if (lock_acquire(l, 150) != -1 || errno != ETIMEDOUT)
        return 3;
    long long took = ms_now() - t0;
    if (took < 150 || took > 2000)
        return 4;
    /* the parent releases after about 200 ms */
    if (lock_acquire(l, 5000) != 0)
        return 5;
    lock_close(&l);
    return 0;
}

static void
test_try_and_timeout(void)
{
    struct lock *l = lock_open(lock_path, 0600);
    CHECK(l != NULL);
    CHECK_INT(lock_acquire(l, 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(contender());
    sleep_ms(400);
    CHECK_INT(lock_release(l), 0);
    CHECK_INT(wait_child(pid), 0);
    /* the child closed its handle: free again */
    CHECK_INT(lock_acquire(l, 0), 0);
    lock_close(&l);
    CHECK(l == NULL);
    lock_close(&l); /* NULL is fine */
}

static void
test_holder_dies(void)
{
    int ready[2];
    CHECK_INT(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct lock *l = lock_open(lock_path, 0600);
        if (l == NULL || lock_acquire(l, -1) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(2);
        pause(); /* killed while holding the lock */
        _exit(3);
    }
    char x;
    CHECK_INT(read(ready[0], &x, 1), 1);
    struct lock *l = lock_open(lock_path, 0600);
    errno = 0;
    CHECK_INT(lock_acquire(l, 0), -1);
    CHECK_INT(errno, EWOULDBLOCK);
    kill(pid, SIGKILL);
    CHECK_INT(wait_child(pid), 100 + SIGKILL);
    CHECK_INT(lock_acquire(l, 2000), 0);
    lock_close(&l);
    close(ready[0]);
    close(ready[1]);
}

static void
test_one_process(void)
{
#ifdef __linux__
    /* open-file-description locks: two handles exclude each other */
    struct lock *a = lock_open(lock_path, 0600), *b = lock_open(lock_path, 0600);
    CHECK_INT(lock_acquire(a, 0), 0);
    errno = 0;
    CHECK_INT(lock_acquire(b, 0), -1);
    CHECK_INT(errno, EWOULDBLOCK);
    CHECK_INT(lock_acquire(b, 30), -1);
    CHECK_INT(errno, ETIMEDOUT);
    /* closing another descriptor of the file keeps the lock */
    int fd = open(lock_path, O_RDWR);
    close(fd);
    CHECK_INT(lock_acquire(b, 0), -1);
    /* closing the holder's handle frees it */
    lock_close(&a);
    CHECK_INT(lock_acquire(b, 0), 0);
    CHECK_INT(lock_release(b), 0);
    CHECK_INT(lock_acquire(b, -1), 0);
    lock_close(&b);
#endif
}

static void
test_open(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/no/such/folder/lock", tmpdir);
    errno = 0;
    CHECK(lock_open(path, 0600) == NULL);
    CHECK_INT(errno, ENOENT);
    snprintf(path, sizeof(path), "%s/new.lock", tmpdir);
    umask(022);
    struct lock *l = lock_open(path, 0640);
    CHECK(l != NULL);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0640);
    lock_close(&l);
    unlink(path);
}

/* Run fn in a child; it must die of SIGABRT (log_panic). */
static void
expect_panic(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(2);
        fn();
        _exit(0);
    }
    CHECK_INT(wait_child(pid), 100 + SIGABRT);
}

static void
panic_twice(void)
{
    struct lock *l = lock_open(lock_path, 0600);
    lock_acquire(l, -1);
    lock_acquire(l, -1);
}

static void
panic_release_unheld(void)
{
    struct lock *l = lock_open(lock_path, 0600);
    lock_release(l);
}

static void
test_panics(void)
{
    expect_panic(panic_twice);
    expect_panic(panic_release_unheld);
}

int
main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(lock_path, sizeof(lock_path), "%s/lock", tmpdir);
    snprintf(counter_path, sizeof(counter_path), "%s/counter", tmpdir);
    T_RUN(test_counter);
    T_RUN(test_try_and_timeout);
    T_RUN(test_holder_dies);
    T_RUN(test_one_process);
    T_RUN(test_open);
    T_RUN(test_panics);
    unlink(lock_path);
    unlink(counter_path);
    rmdir(tmpdir);
    return t_done();
}
