/*
 * virus_engine: loading libclamav engines, sharing them by reference count,
 * and replacing them in the background when the signature folder changes.
 *
 * Untrusted input: none here (signature files are the admin's; messages
 * are scanned in check_virus.c). Limits: one engine in use plus, while a
 * new one loads, a second one in memory (as clamd's concurrent reload);
 * the folder listing reads at most VIRUS_DB_FILES_MAX entries. Holders
 * are cached process-wide (a reload with the same folder and settings
 * takes the same holder and engine); the private temporary folder is one
 * per process, removed by its last user.
 *
 * Threads: libclamav's compiled engine is read-only and scanned by every
 * thread at once; the holder's lock guards only the current pointer and
 * the reference counts, never a load or a scan.
 */
#include "virus_engine.h"

#include <clamav.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/log.h"
#include "lib/mem.h"

#define VIRUS_DB_FILES_MAX 10000
#define TMPFS_MAGIC_NUMBER 0x01021994

struct virus_engines {
    char *dir, *tmpdir;
    struct virus_limits lim;
    unsigned interval_s;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop, watching;
    pthread_t watcher;
    struct virus_engine *cur; /* NULL: none loaded */
    char why[512];            /* why cur is NULL */
    uint64_t fingerprint;     /* of the folder cur (or the failure) came from */
    unsigned generation;
    unsigned users;              /* under cache_lock: virus_engines_new calls not freed */
    struct virus_engines *next;  /* in the process-wide cache */
};

/* The process-wide cache of holders (virus_engines_new), and the count of
 * database loads (a test hook). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct virus_engines *cache;
static unsigned nloads;

/* --- libclamav once ---------------------------------------------------- */

static pthread_once_t cl_once = PTHREAD_ONCE_INIT;
static int cl_init_status;

static void
cl_log(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
    (void)fullmsg, (void)ctx;
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        n--;
    if (severity == CL_MSG_ERROR)
        log_error(NULL, "libclamav: %.*s", (int)n, msg);
    else if (severity == CL_MSG_WARN)
        log_warn(NULL, "libclamav: %.*s", (int)n, msg);
}

static void
cl_start(void)
{
    cl_set_clcb_msg(cl_log);
    cl_init_status = cl_init(CL_INIT_DEFAULT);
}

/* --- The folder -------------------------------------------------------- */

static bool
is_db_name(const char *name)
{
    static const char *const exts[] = {
        ".cvd", ".cld", ".cud", ".hdb", ".hsb", ".hdu", ".hsu", ".mdb", ".msb", ".mdu",
        ".msu", ".ndb", ".ndu", ".ldb", ".ldu", ".idb", ".cdb", ".fp",  ".sfp",
        ".ign", ".ign2", ".pdb", ".gdb", ".wdb", ".ftm", ".cfg", ".cat", ".crb", ".cbc",
        ".imp", ".yar", ".yara", ".pwdb", ".info", NULL};
    const char *dot = strrchr(name, '.');
    if (dot == NULL || name[0] == '.')
        return false;
    for (size_t i = 0; exts[i]; i++)
        if (strcmp(dot, exts[i]) == 0)
            return true;
    return false;
}

/* FNV-1a over the names, sizes, times and inodes of dir's database files:
 * 0 when there is none (or dir cannot be read). */
static uint64_t
db_fingerprint(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    uint64_t h = 0, sum = 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < VIRUS_DB_FILES_MAX) {
        struct stat st;
        if (!is_db_name(e->d_name) || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        uint64_t f = 1469598103934665603ULL;
        for (const char *p = e->d_name; *p; p++)
            f = (f ^ (unsigned char)*p) * 1099511628211ULL;
        uint64_t vals[4] = {(uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
                            (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ino};
        for (size_t i = 0; i < 4; i++)
            f = (f ^ vals[i]) * 1099511628211ULL;
        sum += f; /* the order of readdir does not matter */
        n++;
    }
    closedir(d);
    if (n)
        h = sum ? sum : 1;
    return h;
}

bool
virus_db_present(const char *dir)
{
    return db_fingerprint(dir) != 0;
}

/* --- Loading ----------------------------------------------------------- */

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
virus_engine_configure(struct cl_engine *cl, const struct virus_limits *l, const char *tmpdir)
{
    if (cl_engine_set_num(cl, CL_ENGINE_MAX_SCANSIZE, (long long)l->max_scan_size) ||
        cl_engine_set_num(cl, CL_ENGINE_MAX_FILESIZE, (long long)l->max_file_size) ||
        cl_engine_set_num(cl, CL_ENGINE_MAX_RECURSION, l->max_recursion) ||
        cl_engine_set_num(cl, CL_ENGINE_MAX_FILES, l->max_files) ||
        cl_engine_set_num(cl, CL_ENGINE_MAX_SCANTIME, l->max_scan_ms))
        return -1;
    if (*tmpdir && cl_engine_set_str(cl, CL_ENGINE_TMPDIR, tmpdir))
        return -1;
    return 0;
}

struct virus_limits
virus_limits_read(const struct config *c)
{
    return (struct virus_limits){
        .max_scan_size = (uint64_t)config_get_size(c, "virus_max_scan_size"),
        .max_file_size = (uint64_t)config_get_size(c, "virus_max_file_size"),
        .max_recursion = (uint32_t)config_get_int(c, "virus_max_recursion"),
        .max_files = (uint32_t)config_get_int(c, "virus_max_files"),
        .max_scan_ms = (uint32_t)(config_get_duration(c, "virus_max_scan_time") * 1000),
    };
}

int
virus_libclamav_init(struct str *err)
{
    pthread_once(&cl_once, cl_start);
    if (cl_init_status == CL_SUCCESS)
        return 0;
    str_appendf(err, "libclamav: cl_init: %s", cl_strerror(cl_init_status));
    return -1;
}

/* Load h->dir into a new engine; NULL with the reason in why. */
static struct virus_engine *
load(const struct virus_engines *h, char *why, size_t why_n)
{
    pthread_once(&cl_once, cl_start);
    if (cl_init_status != CL_SUCCESS) {
        snprintf(why, why_n, "libclamav: cl_init: %s", cl_strerror(cl_init_status));
        return NULL;
    }
    double t0 = now_seconds();
    pthread_mutex_lock(&cache_lock);
    nloads++;
    pthread_mutex_unlock(&cache_lock);
    struct cl_engine *cl = cl_engine_new();
    if (cl == NULL) {
        snprintf(why, why_n, "libclamav: cannot make an engine");
        return NULL;
    }
    unsigned sigs = 0;
    cl_error_t r = virus_engine_configure(cl, &h->lim, h->tmpdir) ? CL_EARG : CL_SUCCESS;
    if (r == CL_SUCCESS)
        r = cl_load(h->dir, cl, &sigs, CL_DB_STDOPT);
    if (r == CL_SUCCESS)
        r = cl_engine_compile(cl);
    if (r != CL_SUCCESS) {
        snprintf(why, why_n, "cannot load the ClamAV database %s: %s", h->dir,
                 cl_strerror(r));
        cl_engine_free(cl);
        return NULL;
    }
    struct virus_engine *e = xcalloc(1, sizeof(*e));
    e->cl = cl;
    e->sigs = sigs;
    e->load_seconds = now_seconds() - t0;
    e->refs = 1; /* the holder's */
    return e;
}

/* Drop one reference under the lock; returns the engine to free (outside
 * the lock) when it was the last, else NULL. */
static struct virus_engine *
unref_locked(struct virus_engine *e)
{
    return (e && --e->refs == 0) ? e : NULL;
}

static void
engine_free(struct virus_engine *e)
{
    if (e == NULL)
        return;
    cl_engine_free(e->cl);
    free(e);
}

/* Load the folder (fingerprint fp) and swap the result in. */
static int
reload_fp(struct virus_engines *h, uint64_t fp)
{
    char why[sizeof(h->why)];
    struct virus_engine *e = NULL;
    if (fp == 0)
        snprintf(why, sizeof(why), "no signature database in %s", h->dir);
    else
        e = load(h, why, sizeof(why));
    pthread_mutex_lock(&h->lock);
    struct virus_engine *old = NULL;
    h->fingerprint = fp;
    if (e) {
        old = unref_locked(h->cur);
        h->cur = e;
        h->generation++;
    } else if (h->cur == NULL) {
        snprintf(h->why, sizeof(h->why), "%s", why);
    }
    pthread_mutex_unlock(&h->lock);
    engine_free(old);
    if (e)
        log_info(NULL, "virus: loaded %u signatures from %s in %.3f s", e->sigs, h->dir,
                 e->load_seconds);
    else if (fp)
        log_error(NULL, "virus: %s%s", why,
                  h->cur ? " (the engine loaded before stays in use)" : "");
    return e ? 0 : -1;
}

int
virus_engines_reload(struct virus_engines *h)
{
    return reload_fp(h, db_fingerprint(h->dir));
}

/* --- The watcher ------------------------------------------------------- */

static void *
watch(void *arg)
{
    struct virus_engines *h = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += h->interval_s;
        while (!h->stop && pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT) {
        }
        if (h->stop)
            break;
        uint64_t was = h->fingerprint;
        pthread_mutex_unlock(&h->lock);
        uint64_t fp = db_fingerprint(h->dir);
        if (fp != was && fp == 0)
            log_warn(NULL, "virus: no database files left in %s: the engine loaded "
                     "before stays in use", h->dir);
        else if (fp != was)
            log_info(NULL, "virus: %s changed: loading it in the background", h->dir);
        if (fp != was)
            (void)reload_fp(h, fp);
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static void
start_watcher(struct virus_engines *h)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (h->interval_s == 0)
        return;
    int e = pthread_create(&h->watcher, NULL, watch, h);
    if (e)
        log_error(NULL, "virus: cannot start the database watcher: %s", strerror(e));
    h->watching = e == 0;
}

static struct virus_engines *
holder_new(const char *dir, const char *tmpdir, const struct virus_limits *lim,
           unsigned interval_s, bool *load_error_r)
{
    struct virus_engines *h = xcalloc(1, sizeof(*h));
    h->dir = xstrdup(dir);
    h->tmpdir = xstrdup(tmpdir);
    h->lim = *lim;
    h->interval_s = interval_s;
    h->users = 1;
    pthread_mutex_init(&h->lock, NULL);
    uint64_t fp = db_fingerprint(dir);
    *load_error_r = reload_fp(h, fp) < 0 && fp != 0;
    h->generation = h->cur ? 1 : 0;
    start_watcher(h);
    return h;
}

static void
holder_free(struct virus_engines *h)
{
    if (h->watching) {
        pthread_mutex_lock(&h->lock);
        h->stop = true;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->watcher, NULL);
    }
    pthread_mutex_lock(&h->lock);
    struct virus_engine *last = unref_locked(h->cur);
    pthread_mutex_unlock(&h->lock);
    /* Scans hold no reference here: the pipeline is freed after its last
     * message (filterd/check.h). */
    engine_free(last);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h->dir);
    free(h->tmpdir);
    free(h);
}

/* Field by field: memcmp would compare the padding too. */
static bool
limits_equal(const struct virus_limits *a, const struct virus_limits *b)
{
    return a->max_scan_size == b->max_scan_size && a->max_file_size == b->max_file_size &&
           a->max_recursion == b->max_recursion && a->max_files == b->max_files &&
           a->max_scan_ms == b->max_scan_ms;
}

/* The cached holder of the same folder and settings, with one more user;
 * NULL when there is none. Under cache_lock. */
static struct virus_engines *
cache_find_locked(const char *dir, const char *tmpdir, const struct virus_limits *lim,
                  unsigned interval_s)
{
    for (struct virus_engines *h = cache; h; h = h->next)
        if (strcmp(h->dir, dir) == 0 && strcmp(h->tmpdir, tmpdir) == 0 &&
            limits_equal(&h->lim, lim) && h->interval_s == interval_s) {
            h->users++;
            return h;
        }
    return NULL;
}

/* A cached holder taken again: keep its engine when the folder's database
 * files are those it was loaded from, else load them now and swap. */
static void
holder_reuse(struct virus_engines *h, bool *load_error_r)
{
    uint64_t fp = db_fingerprint(h->dir);
    pthread_mutex_lock(&h->lock);
    bool same = fp == h->fingerprint && (h->cur != NULL || fp == 0);
    unsigned sigs = h->cur ? h->cur->sigs : 0;
    pthread_mutex_unlock(&h->lock);
    *load_error_r = false;
    if (same && sigs)
        log_info(NULL, "virus: %s did not change: keeping the engine loaded before "
                 "(%u signatures)", h->dir, sigs);
    if (same)
        return;
    log_info(NULL, "virus: %s changed: loading it again", h->dir);
    *load_error_r = reload_fp(h, fp) < 0 && fp != 0;
}

struct virus_engines *
virus_engines_new(const char *dir, const char *tmpdir, const struct virus_limits *lim,
                  unsigned interval_s, bool *load_error_r)
{
    pthread_mutex_lock(&cache_lock);
    struct virus_engines *h = cache_find_locked(dir, tmpdir, lim, interval_s);
    pthread_mutex_unlock(&cache_lock);
    if (h) {
        holder_reuse(h, load_error_r);
        return h;
    }
    /* Two first calls at once may load twice: each is a holder of its own,
     * and later calls find the first in the list. */
    h = holder_new(dir, tmpdir, lim, interval_s, load_error_r);
    pthread_mutex_lock(&cache_lock);
    h->next = cache;
    cache = h;
    pthread_mutex_unlock(&cache_lock);
    return h;
}

void
virus_engines_free(struct virus_engines **hp)
{
    struct virus_engines *h = *hp;
    if (h == NULL)
        return;
    *hp = NULL;
    pthread_mutex_lock(&cache_lock);
    bool last = --h->users == 0;
    if (last)
        for (struct virus_engines **pp = &cache; *pp; pp = &(*pp)->next)
            if (*pp == h) {
                *pp = h->next;
                break;
            }
    pthread_mutex_unlock(&cache_lock);
    if (last)
        holder_free(h);
}

unsigned
virus_engines_loads(void)
{
    pthread_mutex_lock(&cache_lock);
    unsigned n = nloads;
    pthread_mutex_unlock(&cache_lock);
    return n;
}

struct virus_engine *
virus_engines_get(struct virus_engines *h, const char **why)
{
    pthread_mutex_lock(&h->lock);
    struct virus_engine *e = h->cur;
    if (e)
        e->refs++;
    else
        *why = h->why;
    pthread_mutex_unlock(&h->lock);
    return e;
}

void
virus_engines_put(struct virus_engines *h, struct virus_engine *e)
{
    pthread_mutex_lock(&h->lock);
    struct virus_engine *last = unref_locked(e);
    pthread_mutex_unlock(&h->lock);
    engine_free(last);
}

unsigned
virus_engines_generation(struct virus_engines *h)
{
    pthread_mutex_lock(&h->lock);
    unsigned g = h->generation;
    pthread_mutex_unlock(&h->lock);
    return g;
}

/* --- The temporary folder ---------------------------------------------- */

static bool
writable_tmpfs(const char *dir)
{
    struct statfs sf;
    return statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == TMPFS_MAGIC_NUMBER &&
           access(dir, W_OK | X_OK) == 0;
}

/* Remove base's empty tamis-clamav.UID folder of earlier versions, and
 * the empty tamis-clamav.UID.PID folders of our processes that are gone
 * (killed before they could remove theirs). rmdir removes only empty
 * folders; a folder of a live process is left alone. */
static void
sweep_stale(const char *base, const char *prefix)
{
    DIR *d = opendir(base);
    if (d == NULL)
        return;
    size_t plen = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        const char *rest = e->d_name + plen;
        char *end;
        long pid = *rest == '.' ? strtol(rest + 1, &end, 10) : -1;
        bool stale = *rest == '\0' ||
                     (pid > 0 && *end == '\0' && kill((pid_t)pid, 0) < 0 && errno == ESRCH);
        if (stale)
            (void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* Make base/tamis-clamav.UID.PID (mode 0700, ours, not a link) in out. */
static int
tmpdir_make(const char *base, struct str *out)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "tamis-clamav.%ld", (long)geteuid());
    sweep_stale(base, prefix);
    str_clear(out);
    str_appendf(out, "%s/%s.%ld", base, prefix, (long)getpid());
    const char *path = str_cstr(out);
    struct stat st;
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        str_clear(out);
        str_appendf(out, "cannot make %s/%s.%ld: %s", base, prefix, (long)getpid(),
                    strerror(e));
        return -1;
    }
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        str_clear(out);
        str_appendf(out, "%s/%s.%ld is not a folder of ours with mode 0700", base, prefix,
                    (long)getpid());
        return -1;
    }
    return 0;
}

static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;
static char *tmp_path; /* the process's private folder, while tmp_users > 0 */
static unsigned tmp_users;
static pid_t tmp_pid;

int
virus_tmpdir_acquire(struct str *out)
{
    const char *base = getenv("TMPDIR");
    if (writable_tmpfs("/dev/shm"))
        base = "/dev/shm";
    else if (base == NULL || *base != '/')
        base = "/tmp";
    pthread_mutex_lock(&tmp_lock);
    if (tmp_users && tmp_pid != getpid()) { /* a forked child: a folder of its own */
        free(tmp_path);
        tmp_path = NULL;
        tmp_users = 0;
    }
    int r = 0;
    if (tmp_users == 0) {
        r = tmpdir_make(base, out);
        if (r == 0) {
            tmp_path = xstrdup(str_cstr(out));
            tmp_pid = getpid();
        }
    } else {
        str_clear(out);
        str_append_cstr(out, tmp_path);
    }
    if (r == 0)
        tmp_users++;
    pthread_mutex_unlock(&tmp_lock);
    return r;
}

void
virus_tmpdir_release(void)
{
    pthread_mutex_lock(&tmp_lock);
    if (tmp_users && --tmp_users == 0) {
        if (tmp_pid == getpid() && rmdir(tmp_path) < 0 && errno != ENOENT)
            log_warn(NULL, "virus: cannot remove %s: %s", tmp_path, strerror(errno));
        free(tmp_path);
        tmp_path = NULL;
    }
    pthread_mutex_unlock(&tmp_lock);
}
