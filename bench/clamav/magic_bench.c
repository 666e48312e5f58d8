/*
 * magic_bench: what a libmagic handle costs and how the file-type check
 * should share it between threads (check_filetype.c keeps a pool).
 * Prints:
 *   open  ms_per_handle=M kb_per_handle=K        (magic_open + magic_load)
 *   sniff us_per_call=U                          (MIME type + description of
 *                                                 one 64 KiB sample)
 *   pool  threads=T calls_per_s=X                (a handle per thread)
 *   lock  threads=T calls_per_s=X                (one handle, one mutex)
 * usage: magic_bench FILE [THREADS]   (FILE: the sample sniffed)
 */
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"

#define HANDLES 20
#define CALLS 2000

static char sample[65536];
static size_t sample_len;
static magic_t shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static magic_t
open_one(void)
{
    magic_t m = magic_open(MAGIC_NONE);
    if (m == NULL || magic_load(m, NULL) < 0) {
        fprintf(stderr, "libmagic: cannot load\n");
        exit(1);
    }
    return m;
}

static void
sniff(magic_t m)
{
    magic_setflags(m, MAGIC_MIME_TYPE);
    if (magic_buffer(m, sample, sample_len) == NULL)
        abort();
    magic_setflags(m, MAGIC_NONE);
    if (magic_buffer(m, sample, sample_len) == NULL)
        abort();
}

static void *
own_handle(void *arg)
{
    (void)arg;
    magic_t m = open_one();
    for (int i = 0; i < CALLS; i++)
        sniff(m);
    magic_close(m);
    return NULL;
}

static void *
locked_handle(void *arg)
{
    (void)arg;
    for (int i = 0; i < CALLS; i++) {
        pthread_mutex_lock(&lock);
        sniff(shared);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static double
run(void *(*fn)(void *), int threads)
{
    pthread_t t[64];
    double t0 = bench_now();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, fn, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return (double)threads * CALLS / (bench_now() - t0);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: magic_bench FILE [THREADS]\n", stderr);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    if (threads < 1 || threads > 64)
        threads = 2;
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    sample_len = fread(sample, 1, sizeof(sample), f);
    fclose(f);
    magic_t h[HANDLES];
    long before = bench_rss_kb();
    double t0 = bench_now();
    for (int i = 0; i < HANDLES; i++)
        h[i] = open_one();
    double open_s = bench_now() - t0;
    long after = bench_rss_kb();
    printf("open  ms_per_handle=%.3f kb_per_handle=%ld\n", open_s * 1e3 / HANDLES,
           (after - before) / HANDLES);
    t0 = bench_now();
    for (int i = 0; i < CALLS; i++)
        sniff(h[0]);
    printf("sniff us_per_call=%.2f (%s)\n", (bench_now() - t0) * 1e6 / CALLS,
           magic_buffer(h[0], sample, sample_len));
    for (int i = 1; i < HANDLES; i++)
        magic_close(h[i]);
    shared = h[0];
    printf("pool  threads=%d calls_per_s=%.0f\n", threads, run(own_handle, threads));
    printf("lock  threads=%d calls_per_s=%.0f\n", threads, run(locked_handle, threads));
    magic_close(shared);
    return 0;
}
