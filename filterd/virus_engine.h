/*
 * virus_engine: libclamav engines for the virus check (check_virus.c):
 * loaded from a signature folder, shared by every scanning thread under a
 * reference count, and replaced in the background when the folder changes
 * (a watcher thread compares the folder's database files every interval),
 * without pausing a scan: scans keep the engine they took until they end;
 * the old engine is freed by the last of them.
 */
#ifndef TAMIS_FILTERD_VIRUS_ENGINE_H
#define TAMIS_FILTERD_VIRUS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/str.h"

struct cl_engine;

/* ClamAV's scan limits, set on each engine before it is compiled. */
struct virus_limits {
    uint64_t max_scan_size; /* bytes scanned in one message, all parts */
    uint64_t max_file_size; /* bytes of one file (the message, a member) */
    uint32_t max_recursion; /* nesting of archives and mail parts */
    uint32_t max_files;     /* files in one message, all archives */
    uint32_t max_scan_ms;   /* time of one scan */
};

/* One loaded and compiled database. */
struct virus_engine {
    struct cl_engine *cl;
    unsigned sigs;       /* signatures loaded */
    double load_seconds; /* load and compile time */
    unsigned refs;       /* under the holder's lock */
};

struct virus_engines;

/*
 * A holder for dir's engines, from a process-wide cache: a call with the
 * same dir, tmpdir, limits and interval as a holder not yet freed gets
 * that holder, with its engine kept when dir's database files (names,
 * sizes, times, inodes) did not change, or dir loaded again now and
 * swapped in when they did (a SIGHUP reload with an unchanged database
 * costs nothing). Otherwise a new holder: loads dir now (in the calling
 * thread) and, when interval_s > 0, starts a thread that looks at dir every interval_s
 * seconds and loads it again when its database files changed. tmpdir is
 * ClamAV's temporary folder ("" for libclamav's default). Never NULL: when
 * dir holds no database or cannot be loaded, the holder has no engine and
 * virus_engines_get says why (the watcher keeps looking). *load_error_r is
 * set when dir holds databases that libclamav refused. Free with
 * virus_engines_free, once per call (the last stops and joins the watcher
 * and frees the engine once its last scan ended).
 */
struct virus_engines *virus_engines_new(const char *dir, const char *tmpdir,
                                        const struct virus_limits *lim, unsigned interval_s,
                                        bool *load_error_r);
void virus_engines_free(struct virus_engines **hp);

/* The current engine with one more reference (give it back with
 * virus_engines_put), or NULL with the reason in why (a static or
 * holder-owned string, e.g. "no signature database in /var/lib/clamav"). */
struct virus_engine *virus_engines_get(struct virus_engines *h, const char **why);
void virus_engines_put(struct virus_engines *h, struct virus_engine *e);
/* Load dir again now (in the calling thread) and swap the result in when
 * it loads; returns 0, or -1 (the old engine stays). */
int virus_engines_reload(struct virus_engines *h);
/* How many engines were swapped in since the start (the first counts). */
unsigned virus_engines_generation(struct virus_engines *h);
/* How many times this process loaded a database (a test hook: a reload
 * that keeps the engine loads nothing). */
unsigned virus_engines_loads(void);

/* libclamav's cl_init, once a process (every engine needs it). Returns 0,
 * or -1 with the reason in err. */
int virus_libclamav_init(struct str *err);
/* Set ClamAV's limits and temporary folder (tmpdir, "" for libclamav's
 * default) on an engine before it is compiled; returns 0 or -1. */
int virus_engine_configure(struct cl_engine *cl, const struct virus_limits *lim,
                           const char *tmpdir);
/* The limits of a configuration's virus_max_* settings. */
struct config;
struct virus_limits virus_limits_read(const struct config *c);

/* Whether dir holds at least one file with a ClamAV database extension. */
bool virus_db_present(const char *dir);
/* The process's private temporary folder for libclamav, made by the first
 * caller and shared by the next ones: under /dev/shm when it is a writable
 * tmpfs, else under $TMPDIR or /tmp, named tamis-clamav.UID.PID, mode
 * 0700, checked to be ours and not a link. Empty folders of processes that
 * are gone are removed on the way. The path goes to out. Returns 0, or -1
 * with a reason in out. Each success is matched by virus_tmpdir_release;
 * the last one removes the folder (when libclamav left it empty). */
int virus_tmpdir_acquire(struct str *out);
void virus_tmpdir_release(void);

#endif
