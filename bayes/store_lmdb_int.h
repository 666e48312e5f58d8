/*
 * store_lmdb_int: what the LMDB store's two files share (store_lmdb.c:
 * opening, reading, the other calls; store_lmdb_flush.c: applying the
 * queued changes at commit): the environment and store records and the
 * codec of token records. Internal to bayes/.
 */
#ifndef TAMIS_BAYES_STORE_LMDB_INT_H
#define TAMIS_BAYES_STORE_LMDB_INT_H

#include <lmdb.h>
#include <string.h>

#include "bayes/delta.h"
#include "bayes/read_cache.h"
#include "bayes/snap_index.h"
#include "bayes/store.h"
#include "lib/str.h"

/* One environment per folder per process, shared and counted. */
struct shared_env {
    char *path;
    MDB_env *env;
    MDB_dbi tok, seen, meta;
    bool have_dbs, writable;
    struct read_cache *cache; /* token counts of the last snapshot read */
    /* Snapshot index_gen in memory (NULL: none yet), built once a
     * snapshot served INDEX_AFTER lookups; guarded by the cache's lock. */
    struct snap_index *index;
    uint64_t index_gen, uses_gen;
    unsigned uses;
    int refs;
    struct shared_env *next;
};

struct lmdb_store {
    struct shared_env *se;
    MDB_txn *wtxn;
    struct delta pending; /* count changes queued in wtxn (lmdb_flush_pending) */
};

#define KEY_LEN BAYES_KEY_LEN
#define VAL_LEN 8
#define COUNT_MAX DELTA_COUNT_MAX
#define DAY BAYES_DAY

static inline int
fail(struct str *err, const char *what, int rc)
{
    str_appendf(err, "bayes LMDB: %s: %s", what, mdb_strerror(rc));
    return -1;
}

static inline void
key_of(uint64_t h, unsigned char k[KEY_LEN])
{
    bayes_store_key(h, k);
}

static inline uint64_t
hash_of(const unsigned char k[KEY_LEN])
{
    return bayes_store_hash(k);
}

static inline void
val_of(const struct bayes_token_rec *r, unsigned char v[VAL_LEN])
{
    uint32_t sp = r->spam < COUNT_MAX ? r->spam : COUNT_MAX;
    uint32_t hm = r->ham < COUNT_MAX ? r->ham : COUNT_MAX;
    uint32_t day = r->atime / DAY;
    day = day < 0xffff ? day : 0xffff;
    unsigned char b[VAL_LEN] = {sp >> 16, sp >> 8, sp, hm >> 16, hm >> 8, hm, day >> 8, day};
    memcpy(v, b, VAL_LEN);
}

/* A 6-byte key as the big-endian integer it is. */
static inline uint64_t
key_load(const void *p)
{
    const unsigned char *k = p;
    uint64_t hi = (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
    return hi << 16 | (uint32_t)k[4] << 8 | k[5];
}

static inline void
count_from(const MDB_val *v, struct bayes_token_rec *r)
{
    r->spam = r->ham = r->atime = 0;
    if (v->mv_size != VAL_LEN)
        return;
    const unsigned char *b = v->mv_data;
    r->spam = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
    r->ham = (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
    r->atime = ((uint32_t)b[6] << 8 | b[7]) * DAY;
}

/* Apply the changes queued in ls->pending to the tokens database in
 * ls->wtxn, and empty the queue. Returns 0 or -1 (store_lmdb_flush.c). */
int lmdb_flush_pending(struct lmdb_store *ls, struct str *err);

#endif
