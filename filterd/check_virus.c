/*
 * check_virus: the virus check: settings, the scan of one message with
 * libclamav, and what its result does to the verdict.
 *
 * Untrusted input: the whole message, given to libclamav as it is (from
 * memory, or read from the spool file through a pread callback); libclamav
 * bounds its own work by the virus_max_* limits, and a scan that stops at
 * one of them is a defined result (virus_limit_action), never a silent
 * pass. Signature names reach the verdict, the SMTP reply and a header:
 * only their printable ASCII, at most VIRUS_NAME_MAX bytes. With
 * virus_scanner = clamd the message goes to clamd instead
 * (filterd/virus_clamd.c reads its answer, bounded).
 */
#include "check_virus.h"

#include <clamav.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_choice.h"
#include "filterd/pipeline.h"
#include "filterd/virus_clamd.h"
#include "filterd/virus_engine.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/mem.h"

#define K (1024LL)
#define M (1024LL * 1024LL)
#define VIRUS_NAME_MAX 128

static const struct config_key schema[] = {
    {"virus_scan", CONFIG_STRING, "auto", 0, 0,
     "scan for viruses with libclamav: yes, no, or auto (when clamav_db holds a database)"},
    {"clamav_tmpdir", CONFIG_STRING, "", 0, 0,
     "ClamAV's temporary folder (empty: a private folder under /dev/shm when it is tmpfs)"},
    {"clamav_db_check_interval", CONFIG_DURATION, "60s", 0, 86400,
     "how often clamav_db is looked at for new signatures (0: only on reload)"},
    {"virus_max_scan_size", CONFIG_SIZE, "100M", 1 * K, 4096 * M,
     "bytes ClamAV scans in one message, all its parts and archive members"},
    {"virus_max_file_size", CONFIG_SIZE, "25M", 1 * K, 4096 * M,
     "bytes of one file (the message, a part, an archive member) ClamAV scans"},
    {"virus_max_recursion", CONFIG_INT, "17", 1, 100,
     "nesting of archives and attached messages ClamAV goes into"},
    {"virus_max_files", CONFIG_INT, "10000", 1, 1000000,
     "files ClamAV extracts from one message"},
    {"virus_max_scan_time", CONFIG_DURATION, "120s", 1, 3600, "time of one scan"},
    {"virus_action", CONFIG_STRING, "reject", 0, 0,
     "for a virus: reject (554 5.7.1), discard, quarantine or accept (the score decides)"},
    {"virus_score", CONFIG_STRING, "20", 0, 0, "score of VIRUS_FOUND"},
    {"virus_limit_action", CONFIG_STRING, "tempfail", 0, 0,
     "when ClamAV stops at a limit: tempfail, reject or accept"},
    {"on_error_virus", CONFIG_STRING, "tempfail", 0, 0,
     "when the scan cannot run (no database, an error): tempfail or accept"},
    {"virus_headers", CONFIG_BOOL, "yes", 0, 0,
     "add X-Virus-Scanned and X-Virus-Status to scanned messages"},
    {"virus_scanner", CONFIG_STRING, "libclamav", 0, 0,
     "libclamav (in process) or clamd (a running clamd, INSTREAM over clamd_socket)"},
    {"clamd_socket", CONFIG_STRING, "/run/clamav/clamd.ctl", 0, 0,
     "clamd's unix socket, for virus_scanner = clamd"},
    {"clamd_timeout", CONFIG_DURATION, "120s", 1, 3600,
     "how long one read or write to clamd may wait"},
};

enum mode { MODE_AUTO, MODE_YES, MODE_NO };
enum limit_action { LIMIT_TEMPFAIL, LIMIT_REJECT, LIMIT_ACCEPT };

struct virus_state {
    bool on;                  /* false: the check does nothing */
    char *dir;
    struct virus_engines *engines;
    enum check_action action;
    enum limit_action limit_action;
    bool error_accept;
    bool headers;
    double score;
    uint64_t max_file_size;
    char *scanner; /* X-Virus-Scanned value */
    char *tmpdir;
    bool own_tmpdir; /* tmpdir is the process's private one (released) */
    atomic_bool *off_said; /* off by default: the warning was logged */
    char *clamd;             /* clamd's socket (virus_scanner = clamd), else NULL */
    unsigned clamd_timeout;
};

/* Read the words and numbers; -1 with errors in err. */
static int
read_choices(const struct config *c, struct virus_state *s, int *mode, struct str *err)
{
    int r = 0, a, l, e;
    *mode = check_choice(c, "virus_scan", (const char *const[]){"auto", "yes", "no", NULL},
                         err);
    a = check_choice(c, "virus_action", check_action_words, err);
    l = check_choice(c, "virus_limit_action",
                     (const char *const[]){"tempfail", "reject", "accept", NULL}, err);
    e = check_choice(c, "on_error_virus", (const char *const[]){"tempfail", "accept", NULL},
                     err);
    if (*mode < 0 || a < 0 || l < 0 || e < 0 || check_score(c, "virus_score", &s->score, err))
        r = -1;
    s->action = (enum check_action)a;
    s->limit_action = (enum limit_action)l;
    s->error_accept = e == 1;
    return r;
}

static void
state_free(void *p)
{
    struct virus_state *s = p;
    if (s == NULL)
        return;
    virus_engines_free(&s->engines);
    free(s->dir);
    free(s->scanner);
    free(s->tmpdir);
    free(s->off_said);
    free(s->clamd);
    if (s->own_tmpdir)
        virus_tmpdir_release();
    free(s);
}

/* ClamAV's temporary folder: the setting, or our private one. */
static int
pick_tmpdir(const struct config *c, struct virus_state *s, struct str *err)
{
    const char *set = config_get_str(c, "clamav_tmpdir");
    if (*set) {
        s->tmpdir = xstrdup(set);
        return 0;
    }
    struct str t;
    str_init(&t, 0);
    int r = virus_tmpdir_acquire(&t);
    if (r < 0)
        str_appendf(err, "%s: %s\n", config_source(c, "clamav_tmpdir"), str_cstr(&t));
    else
        s->tmpdir = str_steal(&t, NULL);
    s->own_tmpdir = r == 0;
    str_deinit(&t);
    return r;
}

/* virus_scanner = clamd: no engine here; auto scans as yes does (clamd
 * answers for its database). -1 on a bad word (in err). */
static int
use_clamd(const struct config *c, struct virus_state *s, int mode, struct str *err)
{
    int k = check_choice(c, "virus_scanner", (const char *const[]){"libclamav", "clamd", NULL},
                         err);
    if (k != 1)
        return k < 0 ? -1 : 0;
    s->on = mode != MODE_NO;
    s->clamd = xstrdup(config_get_str(c, "clamd_socket"));
    s->clamd_timeout = (unsigned)config_get_duration(c, "clamd_timeout");
    s->scanner = xstrdup("tamis filterd (clamd)");
    return 0;
}

/* Whether to scan. auto: when clamav_db holds a database; a clamav_db set
 * by the administrator that holds none is an error (-1, in err), never a
 * silent skip; the default folder without one turns scanning off, loudly
 * (a warning at the first message, and lint's summary). */
static int
decide_on(const struct config *c, struct virus_state *s, int mode, struct str *err)
{
    s->on = mode == MODE_YES || (mode == MODE_AUTO && virus_db_present(s->dir));
    if (s->on || mode == MODE_NO)
        return 0;
    if (config_is_set(c, "clamav_db")) {
        str_appendf(err, "%s: clamav_db %s holds no ClamAV database (virus_scan = auto): "
                    "add one, or set virus_scan = yes (tempfail until it has one) or no\n",
                    config_source(c, "clamav_db"), s->dir);
        return -1;
    }
    s->off_said = xcalloc(1, sizeof(*s->off_said)); /* said by the first message */
    return 0;
}

/* The warning of a scan that is off by default, once a pipeline (each
 * start and reload): lint says it in its summary instead. */
static void
say_off(const struct virus_state *s)
{
    if (s->off_said && !atomic_exchange(s->off_said, true))
        log_warn(NULL, "virus: VIRUS SCANNING IS OFF: no ClamAV database in %s "
                 "(virus_scan = auto); install one (freshclam) or set clamav_db", s->dir);
}

static void *
state_new(const struct config *c, struct str *err)
{
    struct virus_state *s = xcalloc(1, sizeof(*s));
    int mode;
    s->dir = xstrdup(config_get_str(c, "clamav_db"));
    s->headers = config_get_bool(c, "virus_headers");
    if (read_choices(c, s, &mode, err) < 0 || use_clamd(c, s, mode, err) < 0) {
        state_free(s);
        return NULL;
    }
    if (s->clamd)
        return s;
    if (decide_on(c, s, mode, err) < 0) {
        state_free(s);
        return NULL;
    }
    if (!s->on)
        return s;
    if (pick_tmpdir(c, s, err) < 0) {
        state_free(s);
        return NULL;
    }
    struct virus_limits lim = virus_limits_read(c);
    s->max_file_size = lim.max_file_size;
    bool load_error;
    s->engines = virus_engines_new(s->dir, s->tmpdir, &lim,
                                   (unsigned)config_get_duration(c, "clamav_db_check_interval"),
                                   &load_error);
    if (load_error) {
        const char *why = "";
        struct virus_engine *e = virus_engines_get(s->engines, &why);
        if (e)
            virus_engines_put(s->engines, e);
        str_appendf(err, "%s: %s\n", config_source(c, "clamav_db"), why);
        state_free(s);
        return NULL;
    }
    struct str sc;
    str_init(&sc, 0);
    str_appendf(&sc, "tamis filterd (ClamAV %s)", cl_retver());
    s->scanner = str_steal(&sc, NULL);
    str_deinit(&sc);
    return s;
}

/* --- The scan ---------------------------------------------------------- */

struct pread_ctx {
    char *buf;
    size_t got;
};

static int
copy_chunk(void *ctx, const char *p, size_t n)
{
    struct pread_ctx *c = ctx;
    memcpy(c->buf + c->got, p, n);
    c->got += n;
    return 0;
}

/* libclamav's read of a spooled message: count bytes at offset. */
static off_t
blob_pread(void *handle, void *buf, size_t count, off_t offset)
{
    const struct blob *b = handle;
    size_t size = blob_size(b), off = (size_t)offset;
    if (offset < 0 || off >= size)
        return 0;
    if (count > size - off)
        count = size - off;
    struct pread_ctx c = {.buf = buf};
    if (blob_foreach(b, off, off + count, copy_chunk, &c) < 0)
        return -1;
    return (off_t)c.got;
}

/* Scan m's bytes; the libclamav result, the name in *name. */
static cl_error_t
scan(const struct virus_engine *e, const struct message *m, const char **name)
{
    struct cl_scan_options o;
    memset(&o, 0, sizeof(o));
    o.general = CL_SCAN_GENERAL_HEURISTICS;
    o.parse = ~0u; /* every parser, the mail parser among them */
    o.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
    size_t size = blob_size(m->blob);
    const char *data = blob_data(m->blob);
    cl_fmap_t *map = data ? cl_fmap_open_memory(data, size)
                          : cl_fmap_open_handle((void *)m->blob, 0, size, blob_pread, 1);
    if (map == NULL)
        return CL_EMAP;
    unsigned long scanned = 0;
    cl_error_t r = cl_scanmap_callback(map, m->name, name, &scanned, e->cl, &o, NULL);
    cl_fmap_close(map);
    return r;
}

/* The printable ASCII of a signature name, bounded, in the arena. */
static const char *
clean_name(struct arena *a, const char *name)
{
    char buf[VIRUS_NAME_MAX + 1];
    size_t n = 0;
    for (; *name && n < VIRUS_NAME_MAX; name++)
        if ((unsigned char)*name > ' ' && (unsigned char)*name < 127)
            buf[n++] = *name;
    buf[n] = '\0';
    return arena_strdup(a, n ? buf : "Unnamed");
}

static void
found(const struct virus_state *s, const char *name, struct verdict *v)
{
    char text[VIRUS_NAME_MAX + 64];
    snprintf(text, sizeof(text), "ClamAV found %s", name);
    verdict_add(v, "VIRUS_FOUND", s->score, text);
    const char **names = arena_calloc(v->arena, v->nviruses + 1, sizeof(*names));
    if (v->nviruses)
        memcpy(names, v->viruses, v->nviruses * sizeof(*names));
    names[v->nviruses++] = name;
    v->viruses = names;
    snprintf(text, sizeof(text), "Infected (%s)", name);
    v->virus_status = arena_strdup(v->arena, text);
    snprintf(text, sizeof(text), "message contains a virus: %s", name);
    check_act(v, s->action, text);
}

/* "MaxFileSize" of "Heuristics.Limits.Exceeded.MaxFileSize". */
static const char *
limit_name(const char *name)
{
    const char *rest = name + strlen(VIRUS_LIMIT_PREFIX);
    return *rest == '.' && rest[1] ? rest + 1 : "unnamed";
}

/* ClamAV stopped at one of its limits (name: which) or its time limit. */
static void
limit_hit(const struct virus_state *s, const char *which, struct verdict *v)
{
    char text[VIRUS_NAME_MAX + 96];
    snprintf(text, sizeof(text), "ClamAV stopped at a limit (%s): the message was not "
             "scanned whole", which);
    verdict_add(v, "VIRUS_SCAN_LIMIT", 0.0, text);
    snprintf(text, sizeof(text), "virus scan incomplete (%s)", which);
    if (s->limit_action == LIMIT_TEMPFAIL)
        verdict_decide(v, VERDICT_TEMPFAIL, "451", "4.7.1", text);
    else if (s->limit_action == LIMIT_REJECT)
        verdict_decide(v, VERDICT_REJECT, "554", "5.7.1", text);
    else
        v->virus_status = "Unchecked (scan limit)";
}

/* The scan by a running clamd (virus_scanner = clamd). */
static void
clamd_content(const struct virus_state *s, const struct scan_env *env, struct message *m,
              struct verdict *v)
{
    char name[VIRUS_NAME_MAX + 1];
    enum clamd_result r = virus_clamd_scan(s->clamd, m->blob, s->clamd_timeout, name,
                                           sizeof(name));
    if (s->headers && (r == CLAMD_CLEAN || r == CLAMD_FOUND)) {
        v->virus_scanner = s->scanner;
        v->virus_status = "Clean";
    }
    if (r == CLAMD_FOUND)
        found(s, clean_name(v->arena, name), v);
    else if (r == CLAMD_LIMIT)
        limit_hit(s, "clamd StreamMaxLength", v);
    else if (r == CLAMD_ERROR) {
        log_error(env->queue_id && *env->queue_id ? env->queue_id : NULL, "virus: %s", name);
        verdict_check_failed(v, "virus", name, s->error_accept);
    }
    if (!s->headers)
        v->virus_status = NULL;
}

static void
content(const void *state, const struct scan_env *env, struct message *m, struct verdict *v)
{
    const struct virus_state *s = state;
    if (!s->on)
        say_off(s);
    if (!s->on || blob_size(m->blob) == 0)
        return;
    if (s->clamd) {
        clamd_content(s, env, m, v);
        return;
    }
    const char *why = NULL, *name = NULL;
    struct virus_engine *e = virus_engines_get(s->engines, &why);
    if (e == NULL) {
        verdict_check_failed(v, "virus", why, s->error_accept);
        return;
    }
    /* libclamav 1.4 reports a top-level file over its size limit as a
     * virus with no name: say it here, and take a nameless hit as a limit. */
    cl_error_t r = CL_VIRUS;
    if (blob_size(m->blob) > s->max_file_size)
        name = VIRUS_LIMIT_PREFIX ".MaxFileSize";
    else if ((r = scan(e, m, &name)) == CL_VIRUS && name == NULL)
        name = VIRUS_LIMIT_PREFIX ".Unnamed";
    if (r == CL_VIRUS)
        name = clean_name(v->arena, name);
    virus_engines_put(s->engines, e);
    if (s->headers && (r == CL_CLEAN || r == CL_VIRUS || r == CL_ETIMEOUT)) {
        v->virus_scanner = s->scanner;
        v->virus_status = "Clean";
    }
    if (r == CL_CLEAN)
        return;
    if (r == CL_VIRUS && strncmp(name, VIRUS_LIMIT_PREFIX, strlen(VIRUS_LIMIT_PREFIX)) != 0)
        found(s, name, v);
    else if (r == CL_VIRUS || r == CL_ETIMEOUT)
        limit_hit(s, r == CL_ETIMEOUT ? "MaxScanTime" : limit_name(name), v);
    else {
        char text[160];
        snprintf(text, sizeof(text), "ClamAV could not scan: %s", cl_strerror(r));
        log_error(env->queue_id && *env->queue_id ? env->queue_id : NULL, "virus: %s", text);
        verdict_check_failed(v, "virus", text, s->error_accept);
    }
    if (!s->headers)
        v->virus_status = NULL;
}

static void
summary(const void *state, struct str *out)
{
    const struct virus_state *s = state;
    if (s->on && s->clamd) {
        str_appendf(out, "virus: clamd at %s (INSTREAM; not reached by lint)\n", s->clamd);
        return;
    }
    if (!s->on) {
        str_appendf(out, "virus: OFF: messages are not scanned for viruses (%s)\n",
                    s->off_said ? "virus_scan = auto and no ClamAV database in the "
                                  "default clamav_db"
                                : "virus_scan = no");
        return;
    }
    const char *why = NULL;
    struct virus_engine *e = virus_engines_get(s->engines, &why);
    if (e == NULL) {
        str_appendf(out, "virus: NO ENGINE: %s: every message gets on_error_virus\n", why);
        return;
    }
    str_appendf(out, "virus: ClamAV %s, %u signatures from %s (loaded in %.3f s), "
                "temporary folder %s\n",
                cl_retver(), e->sigs, s->dir, e->load_seconds,
                *s->tmpdir ? s->tmpdir : "libclamav's default");
    virus_engines_put(s->engines, e);
}

const struct check_ops check_virus_ops = {
    .name = "virus",
    .schema = schema,
    .nschema = sizeof(schema) / sizeof(schema[0]),
    .state_new = state_new,
    .state_free = state_free,
    .content = content,
    .summary = summary,
};
