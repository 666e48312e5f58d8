/*
 * Tests of filterd/virus_engine: an engine loaded from a database made
 * here (the EICAR file is put together at run time); the watcher swaps in
 * a new engine when the folder changes, while a scan that holds the old
 * one goes on with it; a folder emptied or broken keeps the engine loaded
 * before; and scans keep running, never paused, while a large database
 * loads in another thread.
 */
#include <clamav.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filterd/virus_engine.h"
#include "t.h"

static char dir[256], eicar[96];
static size_t eicar_len;

static void
nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write dir/NAME atomically (a new inode: the watcher must see it). */
static void
write_db(const char *name, const char *text)
{
    char tmp[300], path[300];
    snprintf(tmp, sizeof(tmp), "%s/.new", dir);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
    CHECK(rename(tmp, path) == 0);
}

/* The .hdb line of the EICAR file under name. */
static void
eicar_db(const char *name)
{
    char line[128];
    snprintf(line, sizeof(line), "44d88612fea8a8f36de82e1278abb02f:68:%s\n", name);
    write_db("test.hdb", line);
}

/* Scan the EICAR file with e; the signature name, or "" when clean. */
static const char *
scan(const struct virus_engine *e)
{
    struct cl_scan_options o;
    memset(&o, 0, sizeof(o));
    o.parse = ~0u;
    cl_fmap_t *map = cl_fmap_open_memory(eicar, eicar_len);
    const char *name = NULL;
    unsigned long scanned = 0;
    cl_error_t r = cl_scanmap_callback(map, "eicar", &name, &scanned, e->cl, &o, NULL);
    cl_fmap_close(map);
    return r == CL_VIRUS && name ? name : "";
}

static const struct virus_limits lim = {100 << 20, 25 << 20, 17, 10000, 120000};

static bool
wait_generation(struct virus_engines *h, unsigned g, double seconds)
{
    double end = now() + seconds;
    while (virus_engines_generation(h) < g && now() < end)
        nap_ms(20);
    return virus_engines_generation(h) >= g;
}

static void
test_swap(void)
{
    bool load_error = true;
    eicar_db("Sig-One");
    struct virus_engines *h = virus_engines_new(dir, "", &lim, 1, &load_error);
    CHECK(!load_error);
    const char *why = NULL;
    struct virus_engine *e1 = virus_engines_get(h, &why);
    CHECK(e1 != NULL);
    if (e1 == NULL)
        return;
    CHECK_INT(e1->sigs, 1);
    CHECK(strncmp(scan(e1), "Sig-One", 7) == 0);
    eicar_db("Sig-Two");
    CHECK(wait_generation(h, 2, 10));
    struct virus_engine *e2 = virus_engines_get(h, &why);
    CHECK(e2 != NULL && e2 != e1);
    CHECK(strncmp(scan(e2), "Sig-Two", 7) == 0);
    CHECK(strncmp(scan(e1), "Sig-One", 7) == 0); /* the old one, still held */
    virus_engines_put(h, e1);
    virus_engines_put(h, e2);
    /* A broken database, then none: the engine loaded before stays. */
    write_db("test.hdb", "not a signature\n");
    sleep(2);
    char path[300];
    snprintf(path, sizeof(path), "%s/test.hdb", dir);
    unlink(path);
    sleep(2);
    CHECK_INT(virus_engines_generation(h), 2);
    e2 = virus_engines_get(h, &why);
    CHECK(e2 != NULL && strncmp(scan(e2), "Sig-Two", 7) == 0);
    virus_engines_put(h, e2);
    virus_engines_free(&h);
    CHECK(h == NULL);
}

static void
test_no_database(void)
{
    bool load_error = true;
    struct virus_engines *h = virus_engines_new(dir, "", &lim, 0, &load_error);
    CHECK(!load_error); /* an empty folder is not an error, only no engine */
    const char *why = NULL;
    CHECK(virus_engines_get(h, &why) == NULL);
    CHECK(why && strstr(why, "no signature database in") != NULL);
    virus_engines_free(&h);
    write_db("bad.hdb", "not a signature\n");
    h = virus_engines_new(dir, "", &lim, 0, &load_error);
    CHECK(load_error);
    CHECK(virus_engines_get(h, &why) == NULL);
    CHECK(strstr(why, "cannot load the ClamAV database") != NULL);
    virus_engines_free(&h);
    char path[300];
    snprintf(path, sizeof(path), "%s/bad.hdb", dir);
    unlink(path);
}

/* --- Scans go on while a new engine loads ------------------------------- */

struct scanner {
    struct virus_engines *h;
    atomic_bool stop;
    atomic_ulong scans;
};

static void *
scan_loop(void *arg)
{
    struct scanner *s = arg;
    while (!atomic_load(&s->stop)) {
        const char *why;
        struct virus_engine *e = virus_engines_get(s->h, &why);
        if (e) {
            if (*scan(e) == '\0')
                abort(); /* every engine here knows EICAR */
            virus_engines_put(s->h, e);
            atomic_fetch_add(&s->scans, 1);
        }
    }
    return NULL;
}

/* A database of n random MD5 signatures and EICAR's. */
static void
big_db(size_t n)
{
    size_t cap = n * 64 + 128, len = 0;
    char *text = malloc(cap);
    CHECK(text != NULL);
    srand(42);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 32; k++)
            text[len++] = "0123456789abcdef"[rand() & 15];
        len += (size_t)snprintf(text + len, cap - len, ":%zu:Random-%zu\n", 100 + i % 5000, i);
    }
    snprintf(text + len, cap - len, "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Big\n");
    write_db("big.hdb", text);
    free(text);
}

static void
test_no_pause(void)
{
    bool load_error;
    eicar_db("Sig-Small");
    struct virus_engines *h = virus_engines_new(dir, "", &lim, 0, &load_error);
    struct scanner s = {.h = h};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, scan_loop, &s);
    nap_ms(50);
    big_db(300000);
    unsigned long before = atomic_load(&s.scans);
    double t0 = now();
    CHECK_INT(virus_engines_reload(h), 0); /* loads in this thread */
    double took = now() - t0;
    unsigned long during = atomic_load(&s.scans) - before;
    atomic_store(&s.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    fprintf(stderr, "# a 300002-signature load took %.3f s; %lu scans ran meanwhile\n", took,
            during);
    CHECK(during > 0);
    const char *why;
    struct virus_engine *e = virus_engines_get(h, &why);
    CHECK(e && e->sigs == 300002);
    if (e)
        virus_engines_put(h, e);
    virus_engines_free(&h);
    char path[300];
    snprintf(path, sizeof(path), "%s/big.hdb", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/test.hdb", dir);
    unlink(path);
}

/* The process-wide cache: a second holder of the same folder and settings
 * (a SIGHUP's new pipeline) keeps the engine when the database did not
 * change, loads it again when it did; other limits are another holder. */
static void
test_cache(void)
{
    bool load_error = true;
    eicar_db("Sig-Kept");
    unsigned loads = virus_engines_loads();
    struct virus_engines *a = virus_engines_new(dir, "", &lim, 0, &load_error);
    CHECK(!load_error);
    CHECK_INT(virus_engines_loads(), loads + 1);
    const char *why = NULL;
    struct virus_engine *e1 = virus_engines_get(a, &why);
    struct virus_engines *b = virus_engines_new(dir, "", &lim, 0, &load_error);
    CHECK(b == a && !load_error);
    CHECK_INT(virus_engines_loads(), loads + 1); /* unchanged: no second load */
    struct virus_engine *e2 = virus_engines_get(b, &why);
    CHECK(e1 != NULL && e2 == e1);
    virus_engines_put(b, e2);
    virus_engines_free(&a); /* the old pipeline goes; b still works */
    eicar_db("Sig-New");
    struct virus_engines *c = virus_engines_new(dir, "", &lim, 0, &load_error);
    CHECK(c == b && !load_error);
    CHECK_INT(virus_engines_loads(), loads + 2); /* changed: loaded again */
    e2 = virus_engines_get(c, &why);
    CHECK(e2 != NULL && e2 != e1 && strncmp(scan(e2), "Sig-New", 7) == 0);
    CHECK(e1 != NULL && strncmp(scan(e1), "Sig-Kept", 8) == 0); /* still held */
    virus_engines_put(c, e2);
    virus_engines_put(c, e1);
    struct virus_limits other = lim;
    other.max_files = 7;
    struct virus_engines *d = virus_engines_new(dir, "", &other, 0, &load_error);
    CHECK(d != c);
    CHECK_INT(virus_engines_loads(), loads + 3);
    virus_engines_free(&d);
    virus_engines_free(&b);
    virus_engines_free(&c);
}

/* The private temporary folder: one per process, shared, removed by the
 * last release; an empty folder of a process that is gone is swept. */
static void
test_tmpdir(void)
{
    struct str p1, p2;
    str_init(&p1, 0);
    str_init(&p2, 0);
    CHECK_INT(virus_tmpdir_acquire(&p1), 0);
    CHECK_INT(virus_tmpdir_acquire(&p2), 0);
    CHECK_STR(str_cstr(&p1), str_cstr(&p2));
    char stale[400];
    const char *slash = strrchr(str_cstr(&p1), '/');
    snprintf(stale, sizeof(stale), "%.*s/tamis-clamav.%ld.999999999",
             (int)(slash - str_cstr(&p1)), str_cstr(&p1), (long)geteuid());
    CHECK(mkdir(stale, 0700) == 0);
    virus_tmpdir_release();
    CHECK(access(str_cstr(&p1), F_OK) == 0);
    virus_tmpdir_release();
    CHECK(access(str_cstr(&p1), F_OK) != 0);
    CHECK_INT(virus_tmpdir_acquire(&p2), 0); /* sweeps the stale one */
    CHECK(access(stale, F_OK) != 0);
    virus_tmpdir_release();
    str_deinit(&p1);
    str_deinit(&p2);
}

int
main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/tamis-virus-XXXXXX", t && *t ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    eicar_len = (size_t)snprintf(eicar, sizeof(eicar), "%s%s",
                                 "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
                                 "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    CHECK_INT(eicar_len, 68);
    T_RUN(test_no_database);
    T_RUN(test_swap);
    T_RUN(test_cache);
    T_RUN(test_tmpdir);
    T_RUN(test_no_pause);
    rmdir(dir);
    return t_done();
}
