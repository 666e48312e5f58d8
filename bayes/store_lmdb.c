/*
 * store_lmdb: the Bayes store on LMDB (store_lmdb.h). Keys of "tokens" are
 * the top 48 bits of the 64-bit hashes, big-endian (so the sorted lookups of
 * a message walk the tree in order, and one cursor finds most keys on the
 * page it is on); values are 8 bytes: spam and ham counts (24 bits each,
 * saturating) and the day of the last learning (16 bits, days since
 * 1970). 14 bytes a token keep the whole corpus's database small
 * (docs/bayes.md); 48-bit keys collide for about one pair in a million
 * tokens, which moves no verdict. A process that looks up many messages
 * in one snapshot keeps it in memory (snap_index.h; built after
 * INDEX_AFTER lookups, dropped when the database changes).
 * Untrusted input: none beyond the path; values read back are checked for
 * their size. Bounded by LMDB's map size (BAYES_LMDB_MAP_SIZE).
 */
#include "store_lmdb.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bayes/key_filter.h"
#include "bayes/store_lmdb_int.h"
#include "bayes/token.h"
#include "lib/mem.h"

static pthread_mutex_t envs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_env *envs;

struct meta_rec {
    uint32_t version, pad;
    uint64_t nspam, nham;
    int64_t last_expire, last_expire_age;
    uint64_t last_expire_count;
};







/* The order of token keys: memcmp's (big-endian unsigned), without a call
 * per comparison: LMDB calls this a few dozen times per lookup, so it loads
 * each 6-byte key as one big-endian integer (key_load). Any program that
 * opens the database with the default comparison (mdb_dump, mdb_stat) sees
 * the same order. */
static int
key_cmp(const MDB_val *a, const MDB_val *b)
{
    if (a->mv_size != KEY_LEN || b->mv_size != KEY_LEN) {
        size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
        int c = memcmp(a->mv_data, b->mv_data, n);
        return c ? c : (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
    }
    uint64_t x = key_load(a->mv_data), y = key_load(b->mv_data);
    return (x > y) - (x < y);
}

/* Open the named databases (creating them when writable). Call with
 * envs_lock held. */
static int
open_dbs(struct shared_env *se, struct str *err)
{
    MDB_txn *txn;
    unsigned fl = se->writable ? MDB_CREATE : 0;
    int rc = mdb_txn_begin(se->env, NULL, se->writable ? 0 : MDB_RDONLY, &txn);
    if (rc)
        return fail(err, "begin", rc);
    if ((rc = mdb_dbi_open(txn, "tokens", fl, &se->tok)) == 0 &&
        (rc = mdb_dbi_open(txn, "seen", fl, &se->seen)) == 0 &&
        (rc = mdb_dbi_open(txn, "meta", fl, &se->meta)) == 0 &&
        (rc = mdb_set_compare(txn, se->tok, key_cmp)) == 0) {
        if ((rc = mdb_txn_commit(txn)) != 0)
            return fail(err, "open databases", rc);
        se->have_dbs = true;
        return 0;
    }
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : fail(err, "open databases", rc);
}

static struct shared_env *
env_new(const char *path, bool writable, struct str *err)
{
    struct shared_env *se = xcalloc(1, sizeof(*se));
    se->writable = writable;
    int rc = mdb_env_create(&se->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(se->env, 4);
    if (rc == 0)
        rc = mdb_env_set_mapsize(se->env, BAYES_LMDB_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_open(se->env, path, MDB_NOTLS | (writable ? 0 : MDB_RDONLY), 0660);
    if (rc != 0) {
        str_appendf(err, "bayes LMDB: %s: %s", path, mdb_strerror(rc));
        mdb_env_close(se->env);
        free(se);
        return NULL;
    }
    int dead;
    (void)mdb_reader_check(se->env, &dead);
    if (open_dbs(se, err) < 0) {
        mdb_env_close(se->env);
        free(se);
        return NULL;
    }
    se->path = xstrdup(path);
    se->cache = read_cache_new();
    return se;
}

/* Is there a database at path? 1 yes, 0 no, -1 error. */
static int
exists(const char *path, unsigned flags, struct str *err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT) {
            str_appendf(err, "bayes_db %s: %s", path, strerror(errno));
            return -1;
        }
        if (!(flags & BAYES_STORE_CREATE))
            return 0;
        if (mkdir(path, 0750) < 0) {
            str_appendf(err, "bayes_db %s: cannot create: %s", path, strerror(errno));
            return -1;
        }
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        str_appendf(err, "bayes_db %s: not a folder", path);
        return -1;
    }
    struct str f;
    str_init(&f, 0);
    str_appendf(&f, "%s/data.mdb", path);
    int r = access(str_cstr(&f), F_OK) == 0 || (flags & BAYES_STORE_CREATE);
    str_deinit(&f);
    return r;
}

int
bayes_lmdb_open(const char *path, unsigned flags, void **b_r, struct str *err)
{
    int r = exists(path, flags, err);
    if (r <= 0)
        return r < 0 ? -1 : 1;
    bool want_write = (flags & BAYES_STORE_WRITE) != 0;
    pthread_mutex_lock(&envs_lock);
    struct shared_env *se = envs;
    while (se && strcmp(se->path, path) != 0)
        se = se->next;
    if (se == NULL) {
        se = env_new(path, want_write || access(path, W_OK) == 0, err);
        if (se) {
            se->next = envs;
            envs = se;
        }
    } else if (want_write && !se->writable) {
        str_appendf(err, "bayes_db %s: already open read-only in this process", path);
        se = NULL;
    }
    if (se)
        se->refs++;
    pthread_mutex_unlock(&envs_lock);
    if (se == NULL)
        return -1;
    struct lmdb_store *ls = xcalloc(1, sizeof(*ls));
    ls->se = se;
    delta_init(&ls->pending);
    *b_r = ls;
    return 0;
}

static void
lmdb_close(void *b)
{
    struct lmdb_store *ls = b;
    pthread_mutex_lock(&envs_lock);
    if (--ls->se->refs == 0) {
        struct shared_env **pp = &envs;
        while (*pp != ls->se)
            pp = &(*pp)->next;
        *pp = ls->se->next;
        mdb_env_close(ls->se->env);
        read_cache_free(ls->se->cache);
        snap_index_free(&ls->se->index);
        free(ls->se->path);
        free(ls->se);
    }
    pthread_mutex_unlock(&envs_lock);
    delta_deinit(&ls->pending);
    free(ls);
}

/* The databases exist (a reader that opened before the first learning
 * looks again). */
static bool
dbs_ready(struct shared_env *se, struct str *err)
{
    if (se->have_dbs)
        return true;
    pthread_mutex_lock(&envs_lock);
    if (!se->have_dbs)
        (void)open_dbs(se, err);
    pthread_mutex_unlock(&envs_lock);
    return se->have_dbs;
}

static void
meta_from(const MDB_val *v, struct bayes_meta *m)
{
    memset(m, 0, sizeof(*m));
    struct meta_rec r;
    if (v->mv_size != sizeof(r))
        return;
    memcpy(&r, v->mv_data, sizeof(r));
    *m = (struct bayes_meta){r.nspam, r.nham, r.last_expire, r.last_expire_age,
                             r.last_expire_count};
}

static int
read_meta(MDB_txn *txn, MDB_dbi dbi, struct bayes_meta *m, struct str *err)
{
    MDB_val k = {1, (void *)"m"}, v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        memset(m, 0, sizeof(*m));
        return 0;
    }
    if (rc)
        return fail(err, "read counts", rc);
    meta_from(&v, m);
    return 0;
}


/* One token's counts at the cursor (0 and 0 when absent). The keys come
 * sorted: the cursor mostly finds the next one on the page it is on,
 * without a walk from the root. */
static int
lookup_one(MDB_cursor *c, uint64_t key, struct bayes_count *out, struct str *err)
{
    unsigned char kb[KEY_LEN];
    key_of(key, kb);
    MDB_val k = {KEY_LEN, kb}, v;
    int rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return fail(err, "read token", rc);
    struct bayes_token_rec rec;
    count_from(&v, &rec);
    *out = (struct bayes_count){rec.spam, rec.ham};
    return 0;
}

/* Lookups in one snapshot before it is indexed in memory: a scan of all
 * tokens costs about as much as a few dozen messages' lookups, so a
 * daemon whose database changes at every message (autolearn) does not
 * build it. */
#define INDEX_AFTER 32

/* Every token of the tokens database in txn, in memory, or NULL. */
static struct snap_index *
index_build(struct shared_env *se, MDB_txn *txn)
{
    MDB_stat st;
    MDB_cursor *c;
    if (mdb_stat(txn, se->tok, &st) != 0 || st.ms_entries > KEY_FILTER_MAX_KEYS ||
        mdb_cursor_open(txn, se->tok, &c) != 0)
        return NULL;
    struct snap_index *x = snap_index_new(st.ms_entries);
    uint64_t keys[16];
    struct bayes_count counts[16];
    size_t nb = 0;
    bool ok = true;
    MDB_val k, v;
    int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    for (; ok; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (rc == 0 && k.mv_size == KEY_LEN) { /* in batches: the table is written at random */
            struct bayes_token_rec rec;
            count_from(&v, &rec);
            keys[nb] = key_load(k.mv_data);
            counts[nb] = (struct bayes_count){rec.spam, rec.ham};
            snap_index_prefetch(x, keys[nb++]);
        }
        if (nb == 16 || (rc != 0 && nb > 0)) {
            for (size_t i = 0; i < nb && ok; i++)
                ok = snap_index_add(x, keys[i], counts[i]);
            nb = 0;
        }
        if (rc != 0)
            break;
    }
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND || !ok)
        snap_index_free(&x); /* an error: look everything up */
    return x;
}

/* The index of snapshot gen when there is one (call with the read cache
 * held). */
static const struct snap_index *
index_for(struct shared_env *se, MDB_txn *txn, uint64_t gen)
{
    if (se->index && se->index_gen == gen)
        return se->index;
    if (se->uses_gen != gen) {
        se->uses_gen = gen;
        se->uses = 0;
    }
    if (++se->uses < INDEX_AFTER)
        return NULL;
    snap_index_free(&se->index);
    se->index = index_build(se, txn);
    se->index_gen = gen;
    return se->index;
}

/* Look up the tokens of one pass: pass 0 those without words to wait
 * for, pass 1 the pairs whose two words are known. */
static int
lookup_pass(MDB_cursor *c, struct read_cache *cache, const struct snap_index *x,
            const uint64_t *keys, const uint32_t *deps, size_t n, int pass,
            struct bayes_count *out, struct str *err)
{
    int r = 0;
    for (size_t i = 0; x && i < n && i < 8; i++)
        snap_index_prefetch(x, keys[i] >> 16);
    for (size_t i = 0; i < n && r == 0; i++) {
        if (x && i + 8 < n)
            snap_index_prefetch(x, keys[i + 8] >> 16);
        bool pair = deps && deps[2 * i] != BAYES_NO_DEP;
        if (pair != (pass == 1))
            continue;
        if (pair && (out[deps[2 * i]].spam + out[deps[2 * i]].ham == 0 ||
                     out[deps[2 * i + 1]].spam + out[deps[2 * i + 1]].ham == 0))
            continue;
        if (x && snap_index_get(x, keys[i] >> 16, &out[i])) /* by the stored key */
            continue;
        if (cache && read_cache_get(cache, keys[i], &out[i]))
            continue;
        r = lookup_one(c, keys[i], &out[i], err);
        if (cache && r == 0)
            read_cache_put(cache, keys[i], out[i]);
    }
    return r;
}

/* What tags the read cache and the snapshot index: the transaction id and
 * the message counts of the snapshot (every learning changes them). With
 * the id alone, test_store's concurrent test saw, under load, a lookup
 * answered from the index of another snapshot (1 run in 20; a reader that
 * starts while a writer commits twice in a row may be given a newer
 * snapshot under the older id); with both, none in 36 runs. */
static uint64_t
snapshot_tag(MDB_txn *txn, const struct bayes_meta *m)
{
    uint64_t h = (uint64_t)mdb_txn_id(txn) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ m->nspam) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ m->nham) * 0x94d049bb133111ebULL;
    h = (h ^ (uint64_t)m->last_expire ^ m->last_expire_count) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 31);
}

static int
lmdb_lookup(void *b, const uint64_t *keys, const uint32_t *deps, size_t n,
            struct bayes_count *out, struct bayes_meta *meta, struct str *err)
{
    struct lmdb_store *ls = b;
    memset(out, 0, n * sizeof(*out));
    memset(meta, 0, sizeof(*meta));
    if (!dbs_ready(ls->se, err))
        return err->len ? -1 : 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin(ls->se->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return fail(err, "begin read", rc);
    int r = read_meta(txn, ls->se->meta, meta, err);
    MDB_cursor *c = NULL;
    if (r == 0 && n > 0 && (rc = mdb_cursor_open(txn, ls->se->tok, &c)) != 0)
        r = fail(err, "cursor", rc);
    struct read_cache *cache = ls->se->cache;
    uint64_t gen = snapshot_tag(txn, meta);
    if (r != 0 || n == 0 || !read_cache_begin(cache, gen))
        cache = NULL;
    const struct snap_index *x = cache ? index_for(ls->se, txn, gen) : NULL;
    for (int pass = 0; pass < 2 && r == 0; pass++)
        r = lookup_pass(c, cache, x, keys, deps, n, pass, out, err);
    if (cache)
        read_cache_end(cache);
    if (c)
        mdb_cursor_close(c);
    mdb_txn_abort(txn);
    return r;
}

static int
lmdb_begin(void *b, struct str *err)
{
    struct lmdb_store *ls = b;
    if (!ls->se->writable) {
        str_append_cstr(err, "bayes LMDB: the database is open read-only");
        return -1;
    }
    int rc = mdb_txn_begin(ls->se->env, NULL, 0, &ls->wtxn);
    return rc ? fail(err, "begin write", rc) : 0;
}

static void lmdb_abort(void *b);

static int
lmdb_commit(void *b, struct str *err)
{
    struct lmdb_store *ls = b;
    if (lmdb_flush_pending(ls, err) < 0) {
        lmdb_abort(b);
        return -1;
    }
    int rc = mdb_txn_commit(ls->wtxn);
    ls->wtxn = NULL;
    if (rc == MDB_MAP_FULL)
        str_append_cstr(err, "bayes LMDB: the database is full; run salearn --force-expire");
    return rc ? fail(err, "commit", rc) : 0;
}

static void
lmdb_abort(void *b)
{
    struct lmdb_store *ls = b;
    if (ls->wtxn)
        mdb_txn_abort(ls->wtxn);
    ls->wtxn = NULL;
    delta_clear(&ls->pending);
}

static int
lmdb_get_meta(void *b, struct bayes_meta *m, struct str *err)
{
    struct lmdb_store *ls = b;
    if (ls->wtxn)
        return read_meta(ls->wtxn, ls->se->meta, m, err);
    struct bayes_count none;
    return lmdb_lookup(b, NULL, NULL, 0, &none, m, err);
}

static int
lmdb_put_meta(void *b, const struct bayes_meta *m, struct str *err)
{
    struct lmdb_store *ls = b;
    struct meta_rec r = {BAYES_DB_VERSION, 0, m->nspam, m->nham, m->last_expire,
                         m->last_expire_age, m->last_expire_count};
    MDB_val k = {1, (void *)"m"}, v = {sizeof(r), &r};
    int rc = mdb_put(ls->wtxn, ls->se->meta, &k, &v, 0);
    return rc ? fail(err, "write counts", rc) : 0;
}

static int
put_rec(struct lmdb_store *ls, const struct bayes_token_rec *rec, struct str *err)
{
    unsigned char kb[KEY_LEN], vb[VAL_LEN];
    key_of(rec->hash, kb);
    MDB_val k = {KEY_LEN, kb};
    int rc;
    if (rec->spam == 0 && rec->ham == 0) {
        rc = mdb_del(ls->wtxn, ls->se->tok, &k, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    } else {
        val_of(rec, vb);
        MDB_val v = {VAL_LEN, vb};
        rc = mdb_put(ls->wtxn, ls->se->tok, &k, &v, 0);
    }
    return rc ? fail(err, "write token", rc) : 0;
}

/* Queued, applied at commit (or before a walk of the tokens). */
static int
lmdb_update(void *b, const uint64_t *keys, size_t n, int dspam, int dham, uint32_t now,
            struct str *err)
{
    struct lmdb_store *ls = b;
    (void)err;
    delta_add_all(&ls->pending, keys, n, dspam, dham, now);
    return 0;
}

static int
lmdb_put_token(void *b, const struct bayes_token_rec *rec, struct str *err)
{
    if (lmdb_flush_pending(b, err) < 0)
        return -1;
    return put_rec(b, rec, err);
}

static int
lmdb_get_seen(void *b, const uint8_t d[16], enum bayes_seen *cls, struct str *err)
{
    struct lmdb_store *ls = b;
    MDB_val k = {16, (void *)d}, v;
    int rc = mdb_get(ls->wtxn, ls->se->seen, &k, &v);
    *cls = BAYES_SEEN_NONE;
    if (rc == 0 && v.mv_size == 1)
        *cls = ((const unsigned char *)v.mv_data)[0] == 's' ? BAYES_SEEN_SPAM
                                                             : BAYES_SEEN_HAM;
    return rc && rc != MDB_NOTFOUND ? fail(err, "read seen", rc) : 0;
}

static int
lmdb_put_seen(void *b, const uint8_t d[16], enum bayes_seen cls, struct str *err)
{
    struct lmdb_store *ls = b;
    MDB_val k = {16, (void *)d};
    int rc;
    if (cls == BAYES_SEEN_NONE) {
        rc = mdb_del(ls->wtxn, ls->se->seen, &k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    } else {
        char c = cls == BAYES_SEEN_SPAM ? 's' : 'h';
        MDB_val v = {1, &c};
        rc = mdb_put(ls->wtxn, ls->se->seen, &k, &v, 0);
    }
    return rc ? fail(err, "write seen", rc) : 0;
}

/* A cursor on dbi in the write transaction, or in a new read one (*own_r). */
static int
cursor_open(struct lmdb_store *ls, MDB_dbi dbi, MDB_cursor **c_r, MDB_txn **own_r,
            struct str *err)
{
    *own_r = NULL;
    MDB_txn *txn = ls->wtxn;
    int rc = 0;
    if (txn == NULL && (rc = mdb_txn_begin(ls->se->env, NULL, MDB_RDONLY, own_r)) == 0)
        txn = *own_r;
    if (rc == 0)
        rc = mdb_cursor_open(txn, dbi, c_r);
    if (rc && *own_r)
        mdb_txn_abort(*own_r);
    return rc ? fail(err, "cursor", rc) : 0;
}

static void
cursor_close(MDB_cursor *c, MDB_txn *own)
{
    mdb_cursor_close(c);
    if (own)
        mdb_txn_abort(own);
}

static int
lmdb_foreach_token(void *b, bayes_token_cb cb, void *ctx, struct str *err)
{
    struct lmdb_store *ls = b;
    MDB_cursor *c;
    MDB_txn *own;
    if (!dbs_ready(ls->se, err))
        return err->len ? -1 : 0;
    if (ls->wtxn && lmdb_flush_pending(ls, err) < 0)
        return -1;
    if (cursor_open(ls, ls->se->tok, &c, &own, err) < 0)
        return -1;
    MDB_val k, v;
    int r = 0;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && r == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != KEY_LEN)
            continue;
        struct bayes_token_rec rec;
        count_from(&v, &rec);
        rec.hash = hash_of(k.mv_data);
        r = cb(ctx, &rec);
    }
    cursor_close(c, own);
    return r;
}

static int
lmdb_foreach_seen(void *b, bayes_seen_cb cb, void *ctx, struct str *err)
{
    struct lmdb_store *ls = b;
    MDB_cursor *c;
    MDB_txn *own;
    if (!dbs_ready(ls->se, err))
        return err->len ? -1 : 0;
    if (cursor_open(ls, ls->se->seen, &c, &own, err) < 0)
        return -1;
    MDB_val k, v;
    int r = 0;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && r == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 16 || v.mv_size != 1)
            continue;
        char cls = ((const char *)v.mv_data)[0];
        r = cb(ctx, k.mv_data, cls == 's' ? BAYES_SEEN_SPAM : BAYES_SEEN_HAM);
    }
    cursor_close(c, own);
    return r;
}

static int
lmdb_expire(void *b, uint32_t before, uint64_t *removed_r, struct str *err)
{
    struct lmdb_store *ls = b;
    MDB_cursor *c;
    *removed_r = 0;
    if (lmdb_flush_pending(ls, err) < 0)
        return -1;
    int rc = mdb_cursor_open(ls->wtxn, ls->se->tok, &c);
    if (rc)
        return fail(err, "cursor", rc);
    MDB_val k, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        struct bayes_token_rec rec;
        count_from(&v, &rec);
        if (rec.atime >= before)
            continue;
        if ((rc = mdb_cursor_del(c, 0)) != 0)
            break;
        (*removed_r)++;
    }
    mdb_cursor_close(c);
    return rc && rc != MDB_NOTFOUND ? fail(err, "expire", rc) : 0;
}

static int
lmdb_clear(void *b, struct str *err)
{
    struct lmdb_store *ls = b;
    delta_clear(&ls->pending);
    int rc = mdb_drop(ls->wtxn, ls->se->tok, 0);
    if (rc == 0)
        rc = mdb_drop(ls->wtxn, ls->se->seen, 0);
    if (rc == 0)
        rc = mdb_drop(ls->wtxn, ls->se->meta, 0);
    return rc ? fail(err, "clear", rc) : 0;
}

static uint64_t
lmdb_size(void *b)
{
    struct lmdb_store *ls = b;
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(ls->se->env, &info) || mdb_env_stat(ls->se->env, &st))
        return 0;
    return ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
}

const struct bayes_store_ops bayes_lmdb_ops = {
    .name = "lmdb",
    .lookup = lmdb_lookup,
    .begin = lmdb_begin,
    .commit = lmdb_commit,
    .abort = lmdb_abort,
    .get_meta = lmdb_get_meta,
    .put_meta = lmdb_put_meta,
    .update = lmdb_update,
    .put_token = lmdb_put_token,
    .get_seen = lmdb_get_seen,
    .put_seen = lmdb_put_seen,
    .foreach_token = lmdb_foreach_token,
    .foreach_seen = lmdb_foreach_seen,
    .expire = lmdb_expire,
    .clear = lmdb_clear,
    .size = lmdb_size,
    .close = lmdb_close,
};
