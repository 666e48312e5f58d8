/*
 * bench_subdb: the subscriber store at scale, and where a change's time
 * goes. Usage:
 *   bench_subdb DIR N OPS [EZLIST]
 * makes DIR/subscribers with N subscribers (bulk: journalled and folded in
 * chunks), then times OPS single subscribes of new addresses and OPS single
 * unsubscribes (each one subdb_apply: lock, read the journal and one
 * bucket, write one record, fdatasync; now and then a fold, which is
 * counted and timed apart), a membership test each, and a full listing.
 * The split: the list's lock alone (open, take, close), one in-place
 * record write with its fdatasync alone (in a file like the journal, in
 * the same folder), and with EZLIST (DIR is then made a list with
 * `EZLIST make`) whole `ezlist sub` and `ezlist unsub` processes and a bare
 * `ezlist --help` (the process start; its status is not checked, as
 * older builds have no --help) beside /bin/true. Prints the
 * median, the 99th percentile and the mean in microseconds, and the peak
 * resident memory.
 * Not a test: see bench/README.md and run-subdb-bench.sh.
 */
#include "ezlist/subdb.h"
#include "lib/lock.h"
#include "lib/mem.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
report(const char *what, double *t, size_t n)
{
    if (n == 0) {
        printf("%-22s (none)\n", what);
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof *t, cmp_d);
    printf("%-22s median %8.1f us   p99 %8.1f us   mean %8.1f us   (%zu ops)\n", what,
           t[n / 2], t[n * 99 / 100], sum / (double)n, n);
}

static int
count(void *ctx, unsigned b, const char *c)
{
    (void)b;
    (void)c;
    (*(size_t *)ctx)++;
    return 0;
}

/* Run argv (stdout and stderr to /dev/null); its time in us, or -1 when
 * it fails (any exit status is fine with any_status). */
static double
run(char *const *argv, bool any_status)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int st;
    double s = now_us();
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
        waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
        (WEXITSTATUS(st) != 0 && !any_status))
        return -1;
    posix_spawn_file_actions_destroy(&fa);
    return now_us() - s;
}

/* Whether the journal is empty (first byte zero): a fold just ran. */
static int
journal_empty(const char *dir)
{
    char path[4096], c = 0;
    snprintf(path, sizeof path, "%s/subscribers/journal", dir);
    int fd = open(path, O_RDONLY);
    if (fd >= 0 && pread(fd, &c, 1, 0) != 1)
        c = 0;
    if (fd >= 0)
        close(fd);
    return c == 0;
}

/* OPS single changes (k 0: subscribe, 1: unsubscribe) or lookups (2);
 * the changes that folded are reported apart. */
static int
time_ops(const char *dir, int k, size_t ops, double *ts, double *folds, struct str *err)
{
    static const char *const names[] = {"subscribe", "unsubscribe", "lookup"};
    size_t nt = 0, nf = 0;
    for (size_t i = 0; i < ops; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "new%zu@example.org", i);
        char *one[] = {buf};
        double s = now_us();
        int rc = k == 2
                     ? subdb_has(dir, buf, err)
                     : subdb_apply(dir, k ? SUBDB_REMOVE : SUBDB_ADD, one, 1, NULL, err);
        double t = now_us() - s;
        if (rc < 0)
            return -1;
        if (k < 2 && journal_empty(dir))
            folds[nf++] = t;
        else
            ts[nt++] = t;
    }
    char what[32];
    snprintf(what, sizeof what, "%s%s", names[k], k < 2 ? " (no fold)" : "");
    report(what, ts, nt);
    if (k < 2)
        report("  of which folds", folds, nf);
    return 0;
}

/* The split: the lock alone, an in-place write + fdatasync alone. */
static void
time_parts(const char *dir, size_t ops, double *ts)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lock", dir);
    for (size_t i = 0; i < ops; i++) {
        double s = now_us();
        struct lock *l = lock_open(path, 0640);
        if (l == NULL || lock_acquire(l, 1000) < 0)
            return;
        lock_close(&l);
        ts[i] = now_us() - s;
    }
    report("lock alone", ts, ops);
    snprintf(path, sizeof path, "%s/subscribers/sync-probe", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
    size_t size = 139264;
    char *zeros = xcalloc(1, size);
    if (fd < 0 || write(fd, zeros, size) != (ssize_t)size || fsync(fd) < 0)
        return;
    for (size_t i = 0; i < ops; i++) {
        static const char rec[] = "+new1234@example.org 0123abcd\n";
        double s = now_us();
        if (pwrite(fd, rec, sizeof rec - 1, (off_t)((i * 30) % (size - 64))) < 0 ||
            fdatasync(fd) < 0)
            return;
        ts[i] = now_us() - s;
    }
    report("write+fdatasync", ts, ops);
    close(fd);
    unlink(path);
    free(zeros);
}

/* Whole processes: ezlist sub, ezlist unsub, ezlist --help (the start of
 * ezlist), /bin/true (the start of any process). */
static void
time_processes(const char *ez, const char *dir, size_t ops, double *ts)
{
    static const char *const what[] = {"process: sub", "process: unsub", "process: start",
                                       "process: /bin/true"};
    for (int k = 0; k < 4; k++) {
        size_t n = 0;
        for (size_t i = 0; i < ops; i++) {
            char addr[64];
            snprintf(addr, sizeof addr, "proc%zu@example.org", i);
            char *sub[] = {(char *)ez, k ? "unsub" : "sub", (char *)dir, addr, NULL};
            char *help[] = {(char *)ez, "--help", NULL};
            char *nothing[] = {"/bin/true", NULL};
            double t = run(k == 3 ? nothing : k == 2 ? help : sub, k >= 2);
            if (t >= 0 && !(k < 2 && journal_empty(dir)))
                ts[n++] = t;
        }
        report(what[k], ts, n);
    }
}

int
main(int argc, char **argv)
{
    if (argc != 4 && argc != 5)
        return fprintf(stderr, "usage: bench_subdb DIR N OPS [EZLIST]\n"), 2;
    const char *dir = argv[1], *ez = argc == 5 ? argv[4] : NULL;
    size_t n = strtoul(argv[2], NULL, 10), ops = strtoul(argv[3], NULL, 10);
    char path[4096];
    if (ez != NULL) {
        char *make[] = {(char *)ez, "make", (char *)dir, "bench@example.org", NULL};
        if (run(make, false) < 0)
            return fprintf(stderr, "%s make %s failed\n", ez, dir), 1;
    }
    snprintf(path, sizeof path, "%s/subscribers", dir);
    mkdir(dir, 0755);
    mkdir(path, 0755);
    struct str err;
    str_init(&err, 0);
    char **v = xreallocarray(NULL, n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "user%zu@example%zu.com", i, i % 1000);
        v[i] = xstrdup(buf);
    }
    double t0 = now_us();
    if (subdb_apply(dir, SUBDB_ADD, v, n, NULL, &err) < 0)
        return fprintf(stderr, "%s\n", str_cstr(&err)), 1;
    printf("bulk import            %zu subscribers in %.2f s\n", n,
           (now_us() - t0) / 1e6);
    double *ts = xreallocarray(NULL, ops, sizeof *ts);
    double *folds = xreallocarray(NULL, ops, sizeof *folds);
    time_parts(dir, ops, ts);
    for (int k = 0; k < 3; k++)
        if (time_ops(dir, k, ops, ts, folds, &err) < 0)
            return fprintf(stderr, "%s\n", str_cstr(&err)), 1;
    if (ez != NULL)
        time_processes(ez, dir, ops / 10 ? ops / 10 : 1, ts);
    size_t c = 0;
    t0 = now_us();
    subdb_each(dir, 0, NULL, count, &c, &err);
    printf("listing                %zu subscribers in %.2f s\n", c,
           (now_us() - t0) / 1e6);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS               %ld MiB (includes the %zu generated addresses)\n",
           ru.ru_maxrss / 1024, n);
    return 0;
}
