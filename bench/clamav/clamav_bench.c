/*
 * clamav_bench: what the virus and file-type checks cost filterd per
 * message. Reads the listed messages into memory (not timed), then scans
 * them all through filterd's pipeline (the code `filterd check` and the
 * milter run) in several configurations, RUNS passes each, alternating,
 * and prints the median of each:
 *   base       virus_scan=no filetype_check=no (parse and built-in checks)
 *   filetype   + libmagic on every attachment
 *   virus      + libclamav, its temporary folder on tmpfs (the default)
 *   virus-disk + libclamav, its temporary folder on disk (-t DIR)
 * one line each: "MODE messages=N seconds=S msgs_per_s=X us_per_msg=U
 * extra_us_per_msg=E" (E: over base). Before them, the engine's load:
 * "load sigs=N seconds=S rss_kb_before=A rss_kb_after=B".
 *
 * usage: clamav_bench -d DB -l LIST [-r RUNS] [-t DISK_TMPDIR]
 *   DB    a ClamAV signature folder (tests/virus/make-db.sh makes one)
 *   LIST  message files, one a line (scripts/fetch-corpus.sh)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/mem.h"

#define MODES 4
#define RUNS_MAX 31

struct input {
    char *data;
    size_t len;
};

static struct input *
read_list(const char *list, size_t *n_r)
{
    FILE *f = fopen(list, "r");
    if (f == NULL) {
        perror(list);
        exit(1);
    }
    size_t n = 0, cap = 1024;
    struct input *in = xcalloc(cap, sizeof(*in));
    char path[4096];
    while (fgets(path, sizeof(path), f)) {
        path[strcspn(path, "\n")] = '\0';
        if (*path == '\0')
            continue;
        FILE *m = fopen(path, "rb");
        if (m == NULL) {
            perror(path);
            exit(1);
        }
        struct str s;
        str_init(&s, 0);
        char buf[65536];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), m)) > 0)
            str_append(&s, buf, got);
        fclose(m);
        if (n == cap)
            in = xreallocarray(in, cap *= 2, sizeof(*in));
        in[n].data = str_steal(&s, &in[n].len);
        str_deinit(&s);
        n++;
    }
    fclose(f);
    *n_r = n;
    return in;
}

static struct pipeline *
make_pipeline(const char *const *overrides)
{
    struct config *c = settings_new();
    for (size_t i = 0; overrides[i]; i++)
        if (config_set_override(c, overrides[i]) < 0) {
            config_print_errors(c, stderr);
            exit(1);
        }
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    if (p == NULL) {
        fprintf(stderr, "%s", str_cstr(&err));
        exit(1);
    }
    str_deinit(&err);
    config_free(&c);
    return p;
}

/* One pass over every message; returns its seconds. */
static double
pass(const struct pipeline *p, const struct input *in, size_t n, size_t *viruses)
{
    static const struct scan_env env = {.queue_id = "", .client_addr = "", .client_name = "",
                                        .helo = "", .sender = ""};
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        struct message *m = message_from_memory(in[i].data, in[i].len, pipeline_limits(p));
        struct verdict v;
        verdict_init(&v, m->arena);
        pipeline_scan(p, &env, m, &v);
        *viruses += v.nviruses;
        message_free(&m);
    }
    return bench_now() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    const char *db = NULL, *list = NULL, *disk = "/var/tmp";
    int runs = 5, ch;
    while ((ch = getopt(argc, argv, "d:l:r:t:")) != -1) {
        if (ch == 'd')
            db = optarg;
        else if (ch == 'l')
            list = optarg;
        else if (ch == 'r')
            runs = atoi(optarg);
        else if (ch == 't')
            disk = optarg;
        else
            return 2;
    }
    if (db == NULL || list == NULL || runs < 1 || runs > RUNS_MAX) {
        fputs("usage: clamav_bench -d DB -l LIST [-r RUNS] [-t DISK_TMPDIR]\n", stderr);
        return 2;
    }
    log_set_level(LOG_LEVEL_WARN);
    size_t n;
    struct input *in = read_list(list, &n);
    char dbset[4200], tmpset[4200];
    snprintf(dbset, sizeof(dbset), "clamav_db=%s", db);
    snprintf(tmpset, sizeof(tmpset), "clamav_tmpdir=%s", disk);
    const char *names[MODES] = {"base", "filetype", "virus", "virus-disk"};
    const char *const sets[MODES][5] = {
        {"virus_scan=no", "filetype_check=no", NULL},
        {"virus_scan=no", NULL},
        {"virus_scan=yes", "filetype_check=no", dbset, NULL},
        {"virus_scan=yes", "filetype_check=no", dbset, tmpset, NULL},
    };
    struct pipeline *p[MODES];
    for (int i = 0; i < 2; i++)
        p[i] = make_pipeline(sets[i]);
    long before = bench_rss_kb();
    double t0 = bench_now();
    p[2] = make_pipeline(sets[2]);
    double load = bench_now() - t0;
    long after = bench_rss_kb();
    p[3] = make_pipeline(sets[3]);
    struct str sum;
    str_init(&sum, 0);
    pipeline_summary(p[2], &sum);
    fprintf(stderr, "%s", str_cstr(&sum));
    str_deinit(&sum);
    printf("load seconds=%.3f rss_kb_before=%ld rss_kb_after=%ld\n", load, before, after);
    double t[MODES][RUNS_MAX];
    size_t viruses[MODES] = {0};
    for (int r = 0; r < runs; r++)
        for (int i = 0; i < MODES; i++)
            t[i][r] = pass(p[i], in, n, &viruses[i]);
    double base = 0;
    for (int i = 0; i < MODES; i++) {
        qsort(t[i], (size_t)runs, sizeof(double), cmp_double);
        double med = t[i][runs / 2], us = med / (double)n * 1e6;
        if (i == 0)
            base = us;
        printf("%-10s messages=%zu seconds=%.3f msgs_per_s=%.0f us_per_msg=%.1f "
               "extra_us_per_msg=%.1f viruses=%zu\n",
               names[i], n, med, (double)n / med, us, us - base, viruses[i] / (size_t)runs);
    }
    for (int i = 0; i < MODES; i++)
        pipeline_free(&p[i]);
    for (size_t i = 0; i < n; i++)
        free(in[i].data);
    free(in);
    return 0;
}
