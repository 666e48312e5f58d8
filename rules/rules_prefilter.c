/*
 * rules_prefilter: one pass of a multi-pattern matcher (Hyperscan, in its
 * prefilter mode) over a message's body lines tells which body rules may
 * match; pcre2 then runs only those, line by line, for the exact answer.
 *
 * Why it is exact: prefilter mode approximates what Hyperscan cannot do
 * (back-references, lookarounds, atomic groups) by matching more, never
 * less. The scanned text is the body lines joined, each ending in "\n"
 * (a line cut at 2048 bytes gets one), and every pattern is compiled
 * multi-line, so ^ and $ fall where they fall on a line alone and a rule
 * that matches a line is always reported. A "(?:G){N}" rule run as G
 * repeated (rules_repeat.c) is prefiltered on G alone. Left to pcre2
 * (always run): rules anchored to the subject (\A, \z, \Z, \G), /x
 * rules, rules read with captured tags, expressions cut for pcre2
 * (hundreds of KB), and any
 * expression Hyperscan refuses or does not compile alone within
 * PREFILTER_TRIAL_SECONDS (tried in a child process, which is killed).
 *
 * Two databases: the short expressions (up to PREFILTER_SHORT_MAX bytes:
 * 520 of the 621 stock body rules, ~6 s to compile together) and the long
 * ones (the ReplaceTags FUZZY_* family and the like: ~90, ~40 s), so the
 * long ones do not slow the compile of the short ones; the message is
 * scanned by both.
 *
 * Compiling takes seconds, so the database is made once per rule set and
 * kept: rules_prefilter_compile writes it to a folder, in a file named by
 * a hash of everything it was built from (the Hyperscan version, each
 * candidate expression and its flags); the file holds that material too,
 * and rules_prefilter_load uses a file only when the material is byte for byte the
 * same, so a changed rule, a new Hyperscan or a hash collision never
 * gives a wrong database. A bad or stale file is ignored; writing a new
 * one removes the folder's other files (of rule sets replaced since).
 *
 * A set's prefilter is published with an atomic pointer, so it can be
 * compiled in a background thread while other threads run the rules.
 * Scratch space is cloned per scan (about 1 us), so scans run in parallel.
 *
 * Untrusted input: the body text (bounded by the caller). The cache file is
 * filterd's own, read bounded (PREFILTER_FILE_MAX) and checked.
 * Without Hyperscan at build time (TAMIS_HYPERSCAN undefined) there is no
 * prefilter and every body rule runs with pcre2 alone.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#ifdef TAMIS_HYPERSCAN
#include <errno.h>
#include <hs/hs.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "lib/atomic_file.h"

#define PREFILTER_RETRIES 500
#define PREFILTER_SHORT_MAX 300
#define PREFILTER_EXPR_MAX 65536
#define PREFILTER_TRIAL_SECONDS 5
#define PREFILTER_TIERS 2
#define PREFILTER_FILE_MAX (1024u * 1024 * 1024)
#define PREFILTER_MAGIC "tamis-hs-prefilter-2\n"

struct prefilter {
    hs_database_t *db[PREFILTER_TIERS];     /* NULL: none in that tier */
    hs_scratch_t *scratch[PREFILTER_TIERS]; /* prototypes cloned by each scan */
    size_t ncand;          /* candidates: the ids of the databases */
    size_t *rule_of;       /* candidate id -> rule index */
    bool *member;          /* [rules n]: in a database (else always run) */
    size_t nmember, nrefused;
};

struct candidates {
    size_t n;
    size_t *rule_of;
    struct str key; /* what the database is built from */
};


static bool
prefilterable(const struct rule *r)
{
    static const char *const anchors[] = {"\\A", "\\z", "\\Z", "\\G"};
    if (r->type != RULE_BODY || !r->defined || r->re_final == NULL || r->templated ||
        (r->re_opts & PCRE2_EXTENDED) || strlen(r->re_final) > PREFILTER_EXPR_MAX)
        return false;
    for (size_t k = 0; k < 4; k++)
        if (strstr(r->re_final, anchors[k]))
            return false;
    return true;
}

static unsigned
hs_flags(const struct rule *r)
{
    unsigned f = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY |
                 HS_FLAG_MULTILINE;
    if (r->re_opts & PCRE2_CASELESS)
        f |= HS_FLAG_CASELESS;
    if (r->re_opts & PCRE2_DOTALL)
        f |= HS_FLAG_DOTALL;
    return f;
}

/* The tier (database) of a candidate, 1-based as stored in membership. */
static unsigned char
tier_of(const struct rule *r)
{
    return strlen(r->re_final) <= PREFILTER_SHORT_MAX ? 1 : 2;
}

static void
candidates_find(const struct rules *rs, struct candidates *c)
{
    c->n = 0;
    c->rule_of = xcalloc(rs->n + 1, sizeof(*c->rule_of));
    str_init(&c->key, 0);
    str_append_cstr(&c->key, PREFILTER_MAGIC);
    str_appendf(&c->key, "%s %d %d\n", hs_version(), PREFILTER_SHORT_MAX,
                PREFILTER_TRIAL_SECONDS);
    for (size_t i = 0; i < rs->n; i++) {
        const struct rule *r = &rs->rules[i];
        if (!prefilterable(r))
            continue;
        c->rule_of[c->n++] = i;
        size_t len = strlen(r->re_final);
        str_appendf(&c->key, "%u %zu ", hs_flags(r), len);
        str_append(&c->key, r->re_final, len);
        str_appendc(&c->key, '\n');
    }
}

static void
candidates_free(struct candidates *c)
{
    free(c->rule_of);
    str_deinit(&c->key);
}

/* FNV-1a, 64 bits: only names the file; the content is compared in full. */
static uint64_t
key_hash(struct slice k)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < k.len; i++)
        h = (h ^ (unsigned char)k.ptr[i]) * 1099511628211ULL;
    return h;
}

static void
cache_path(const char *dir, const struct candidates *c, struct str *path)
{
    str_appendf(path, "%s/%016llx.hsdb", dir,
                (unsigned long long)key_hash(str_slice(&c->key)));
}

static void
free_dbs(hs_database_t **db)
{
    for (size_t t = 0; t < PREFILTER_TIERS; t++)
        if (db[t])
            hs_free_database(db[t]);
}

/* Take ownership of the databases and the membership (`in`: per
 * candidate, 0 out, else its tier); returns the prefilter, or NULL (the
 * databases freed) when scratch cannot be made. */
static struct prefilter *
prefilter_make(const struct rules *rs, struct candidates *c, hs_database_t **db,
               const unsigned char *in)
{
    struct prefilter *p = xcalloc(1, sizeof(*p));
    for (size_t t = 0; t < PREFILTER_TIERS; t++) {
        p->db[t] = db[t];
        if (db[t] && hs_alloc_scratch(db[t], &p->scratch[t]) != HS_SUCCESS) {
            prefilter_free(&p);
            return NULL;
        }
    }
    p->ncand = c->n;
    p->rule_of = c->rule_of;
    c->rule_of = NULL;
    p->member = xcalloc(rs->n + 1, sizeof(*p->member));
    for (size_t k = 0; k < p->ncand; k++) {
        bool on = in[k] && p->db[in[k] - 1];
        p->member[p->rule_of[k]] = on;
        p->nmember += on;
    }
    p->nrefused = p->ncand - p->nmember;
    return p;
}

/* Publish p as rs's prefilter unless one is there already (then p is
 * freed). */
static void
publish(struct rules *rs, struct prefilter *p)
{
    struct prefilter *none = NULL;
    if (!__atomic_compare_exchange_n(&rs->pf, &none, p, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        prefilter_free(&p);
}

/* --- Compiling ----------------------------------------------------------- */

/* Whether Hyperscan compiles r alone within PREFILTER_TRIAL_SECONDS; tried
 * in a child process (killed by its alarm), as a compile cannot be
 * interrupted and a few expressions take minutes. */
static bool
trial(const struct rule *r)
{
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        sigset_t alrm;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        signal(SIGALRM, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &alrm, NULL); /* the daemon's threads block it */
        alarm(PREFILTER_TRIAL_SECONDS);
        hs_database_t *db = NULL;
        hs_compile_error_t *err = NULL;
        _exit(hs_compile(r->re_final, hs_flags(r), HS_MODE_BLOCK, NULL, &db, &err) ==
                      HS_SUCCESS
                  ? 0
                  : 1);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Compile the candidates of tier t still marked in `in`; one refused is
 * unmarked and the rest compiled again. Returns the database or NULL. */
static hs_database_t *
compile_tier(const struct rules *rs, const struct candidates *c, unsigned char *in,
             unsigned char t)
{
    const char **exprs = xcalloc(c->n + 1, sizeof(*exprs));
    unsigned *flags = xcalloc(c->n + 1, sizeof(*flags));
    unsigned *ids = xcalloc(c->n + 1, sizeof(*ids));
    hs_database_t *db = NULL;
    for (int tries = 0; db == NULL && tries < PREFILTER_RETRIES; tries++) {
        size_t n = 0;
        for (size_t k = 0; k < c->n; k++) {
            if (in[k] != t)
                continue;
            const struct rule *r = &rs->rules[c->rule_of[k]];
            exprs[n] = r->re_final;
            flags[n] = hs_flags(r);
            ids[n++] = (unsigned)k;
        }
        if (n == 0)
            break;
        hs_compile_error_t *err = NULL;
        if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db,
                             &err) == HS_SUCCESS)
            break;
        int bad = err ? err->expression : -1;
        hs_free_compile_error(err);
        db = NULL;
        if (bad < 0 || (size_t)bad >= n)
            break;
        in[ids[bad]] = 0;
    }
    free(exprs);
    free(flags);
    free(ids);
    return db;
}

/* File: u64 key length, key, u64 candidates, membership (a byte each),
 * then per tier u64 length and the serialized database (length 0: none).
 * Native byte order: a database is only good on the host that made it. */
static int
cache_write(const char *path, const struct candidates *c, const unsigned char *in,
            hs_database_t *const *db, struct str *err)
{
    struct str out;
    str_init(&out, 0);
    uint64_t n64[2] = {c->key.len, c->n};
    str_append(&out, &n64[0], sizeof(n64[0]));
    str_append_slice(&out, str_slice(&c->key));
    str_append(&out, &n64[1], sizeof(n64[1]));
    str_append(&out, in, c->n);
    int r = 0;
    for (size_t t = 0; t < PREFILTER_TIERS && r == 0; t++) {
        char *bytes = NULL;
        size_t len = 0;
        if (db[t] && hs_serialize_database(db[t], &bytes, &len) != HS_SUCCESS) {
            str_appendf(err, "%s: Hyperscan cannot serialize the database", path);
            r = -1;
        }
        uint64_t l64 = len;
        str_append(&out, &l64, sizeof(l64));
        str_append(&out, bytes, len);
        free(bytes);
    }
    if (r == 0 && (r = atomic_file_write(path, out.buf, out.len, 0644)) < 0)
        str_appendf(err, "%s: cannot be written: %s", path, strerror(errno));
    str_deinit(&out);
    return r;
}

/* Remove the other prefilter files of dir (HEX16.hsdb): those of rule sets
 * replaced since, so that a folder does not fill up with one 37 MB file
 * per rules update. */
static void
remove_others(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n != 16 + 5 || strcmp(e->d_name + 16, ".hsdb") != 0 ||
            strspn(e->d_name, "0123456789abcdef") != 16 || strcmp(e->d_name, keep) == 0)
            continue;
        (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int
rules_prefilter_compile(struct rules *rs, const char *dir, struct str *err)
{
    struct candidates c;
    candidates_find(rs, &c);
    unsigned char *in = xcalloc(c.n + 1, 1);
    for (size_t k = 0; k < c.n; k++) {
        const struct rule *r = &rs->rules[c.rule_of[k]];
        in[k] = trial(r) ? tier_of(r) : 0;
    }
    hs_database_t *db[PREFILTER_TIERS] = {NULL};
    size_t ndb = 0;
    for (unsigned char t = 0; t < PREFILTER_TIERS; t++)
        ndb += (db[t] = compile_tier(rs, &c, in, t + 1)) != NULL;
    int r = 0;
    if (ndb == 0) {
        str_appendf(err, "Hyperscan compiled none of the %zu candidate body rules", c.n);
        r = -1;
    } else if (dir && *dir) {
        struct str path;
        str_init(&path, 0);
        cache_path(dir, &c, &path);
        r = cache_write(str_cstr(&path), &c, in, db, err);
        if (r == 0)
            remove_others(dir, strrchr(str_cstr(&path), '/') + 1);
        str_deinit(&path);
    }
    if (ndb) {
        struct prefilter *p = prefilter_make(rs, &c, db, in);
        if (p)
            publish(rs, p);
        else if (r == 0) {
            str_append_cstr(err, "Hyperscan cannot allocate scratch space");
            r = -1;
        }
    }
    free(in);
    candidates_free(&c);
    return r;
}

/* --- Loading ------------------------------------------------------------- */

struct reader {
    const char *p;
    size_t left;
};

static bool
take(struct reader *rd, void *out, size_t n)
{
    if (rd->left < n)
        return false;
    if (out)
        memcpy(out, rd->p, n);
    rd->p += n;
    rd->left -= n;
    return true;
}

/* The file's databases into db, when it was built from exactly c; in
 * gets the membership. Returns 0 or -1. */
static int
cache_parse(struct slice file, const struct candidates *c, unsigned char *in,
            hs_database_t **db)
{
    struct reader rd = {file.ptr, file.len};
    uint64_t klen = 0, n = 0;
    if (!take(&rd, &klen, sizeof(klen)) || klen != c->key.len || rd.left < klen ||
        memcmp(rd.p, c->key.buf, klen) != 0)
        return -1;
    take(&rd, NULL, klen);
    if (!take(&rd, &n, sizeof(n)) || n != c->n || !take(&rd, in, c->n))
        return -1;
    for (size_t k = 0; k < c->n; k++)
        if (in[k] > PREFILTER_TIERS)
            return -1;
    for (size_t t = 0; t < PREFILTER_TIERS; t++) {
        uint64_t len = 0;
        if (!take(&rd, &len, sizeof(len)) || len > rd.left ||
            (len && hs_deserialize_database(rd.p, len, &db[t]) != HS_SUCCESS))
            return -1;
        take(&rd, NULL, len);
    }
    return rd.left == 0 ? 0 : -1;
}

/* Map the file at path (read-only; *len_r its size). NULL with errno. */
static const char *
map_file(const char *path, size_t *len_r)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    void *p = MAP_FAILED;
    if (fstat(fd, &sb) < 0)
        goto out;
    errno = EFBIG;
    if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || (uint64_t)sb.st_size > PREFILTER_FILE_MAX)
        goto out;
    p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    *len_r = (size_t)sb.st_size;
out:
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int
rules_prefilter_load(struct rules *rs, const char *dir, struct str *err)
{
    struct candidates c;
    candidates_find(rs, &c);
    struct str path;
    str_init(&path, 0);
    cache_path(dir, &c, &path);
    int r = 0;
    unsigned char *in = xcalloc(c.n + 1, 1);
    size_t len = 0;
    const char *file = map_file(str_cstr(&path), &len);
    if (file == NULL) {
        if (errno != ENOENT) {
            str_appendf(err, "%s: cannot be read: %s", str_cstr(&path), strerror(errno));
            r = -1;
        }
    } else {
        hs_database_t *db[PREFILTER_TIERS] = {NULL};
        struct prefilter *p = NULL;
        if (cache_parse(slice_make(file, len), &c, in, db) < 0)
            free_dbs(db);
        else
            p = prefilter_make(rs, &c, db, in);
        munmap((void *)file, len);
        if (p) {
            publish(rs, p);
            r = 1;
        } else {
            str_appendf(err, "%s: not a prefilter of these rules (ignored)", str_cstr(&path));
            r = -1;
        }
    }
    free(in);
    str_deinit(&path);
    candidates_free(&c);
    return r;
}

void
prefilter_free(struct prefilter **pp)
{
    struct prefilter *p = *pp;
    if (p == NULL)
        return;
    for (size_t t = 0; t < PREFILTER_TIERS; t++) {
        if (p->scratch[t])
            hs_free_scratch(p->scratch[t]);
    }
    free_dbs(p->db);
    free(p->rule_of);
    free(p->member);
    free(p);
    *pp = NULL;
}

/* --- Scanning ------------------------------------------------------------ */

struct scan_ctx {
    const struct prefilter *p;
    bool *cand;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
         unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct scan_ctx *s = ctx;
    if (id < s->p->ncand)
        s->cand[s->p->rule_of[id]] = true;
    return 0;
}

int
prefilter_scan(const struct prefilter *p, struct slice text, bool *cand)
{
    if (p == NULL || text.len > UINT32_MAX)
        return -1;
    struct scan_ctx ctx = {p, cand};
    for (size_t t = 0; t < PREFILTER_TIERS; t++) {
        if (p->db[t] == NULL)
            continue;
        hs_scratch_t *s = NULL;
        if (hs_clone_scratch(p->scratch[t], &s) != HS_SUCCESS)
            return -1;
        hs_error_t e = hs_scan(p->db[t], text.ptr ? text.ptr : "", (unsigned)text.len, 0, s,
                               on_match, &ctx);
        hs_free_scratch(s);
        if (e != HS_SUCCESS)
            return -1;
    }
    return 0;
}

bool
prefilter_member(const struct prefilter *p, size_t i)
{
    return p && p->member[i];
}

size_t
prefilter_count(const struct prefilter *p, size_t *refused)
{
    if (refused)
        *refused = p ? p->nrefused : 0;
    return p ? p->nmember : 0;
}

bool
rules_prefilter_available(void)
{
    return true;
}

#else /* no Hyperscan: pcre2 alone */

int
rules_prefilter_compile(struct rules *rs, const char *dir, struct str *err)
{
    (void)rs;
    (void)dir;
    str_append_cstr(err, "this filterd was built without Hyperscan (TAMIS_HYPERSCAN)");
    return -1;
}

int
rules_prefilter_load(struct rules *rs, const char *dir, struct str *err)
{
    (void)rs;
    (void)dir;
    (void)err;
    return 0;
}

void
prefilter_free(struct prefilter **pp)
{
    *pp = NULL;
}

int
prefilter_scan(const struct prefilter *p, struct slice text, bool *cand)
{
    (void)p;
    (void)text;
    (void)cand;
    return -1;
}

bool
prefilter_member(const struct prefilter *p, size_t i)
{
    (void)p;
    (void)i;
    return false;
}

size_t
prefilter_count(const struct prefilter *p, size_t *refused)
{
    (void)p;
    if (refused)
        *refused = 0;
    return 0;
}

bool
rules_prefilter_available(void)
{
    return false;
}

#endif
