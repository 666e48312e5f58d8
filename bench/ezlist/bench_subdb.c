/*
 * bench_subdb: the subscriber store at scale. Usage:
 *   bench_subdb DIR N OPS
 * makes DIR/subscribers with N subscribers (bulk: journalled and folded in
 * chunks), then times OPS single subscribes of new addresses and OPS single
 * unsubscribes (each one subdb_apply: lock, read the journal and one
 * bucket, append one record, fdatasync; now and then a fold), a membership
 * test each, and a full listing; prints the median, the 99th percentile and
 * the mean (which carries the folds) in microseconds, and the peak
 * resident memory.
 * Not a test: see bench/README.md.
 */
#include "ezlist/subdb.h"
#include "lib/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

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
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof *t, cmp_d);
    printf("%-12s median %8.1f us   p99 %8.1f us   mean %8.1f us   (%zu ops)\n", what,
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

int
main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: bench_subdb DIR N OPS\n"), 2;
    const char *dir = argv[1];
    size_t n = strtoul(argv[2], NULL, 10), ops = strtoul(argv[3], NULL, 10);
    char path[4096];
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
    printf("bulk import  %zu subscribers in %.2f s\n", n, (now_us() - t0) / 1e6);
    double *ts = xreallocarray(NULL, ops, sizeof *ts);
    const char *names[] = {"subscribe", "unsubscribe", "lookup"};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < ops; i++) {
            char buf[64];
            snprintf(buf, sizeof buf, "new%zu@example.org", i);
            char *one[] = {buf};
            double s = now_us();
            int rc = k == 2 ? subdb_has(dir, buf, &err)
                            : subdb_apply(dir, k ? SUBDB_REMOVE : SUBDB_ADD, one, 1, NULL, &err);
            ts[i] = now_us() - s;
            if (rc < 0)
                return fprintf(stderr, "%s\n", str_cstr(&err)), 1;
        }
        report(names[k], ts, ops);
    }
    size_t c = 0;
    t0 = now_us();
    subdb_each(dir, 0, NULL, count, &c, &err);
    printf("listing      %zu subscribers in %.2f s\n", c, (now_us() - t0) / 1e6);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS     %ld MiB (includes the %zu generated addresses)\n", ru.ru_maxrss / 1024, n);
    return 0;
}
