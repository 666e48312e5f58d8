/*
 * store_lmdb_flush: the LMDB store applies the count changes a write
 * transaction queued (bayes/delta.c) at commit, in key order: token by
 * token (keys past the last one appended), or, for a batch at least half
 * as large as the database, by rewriting the tokens database in one sweep
 * of appends (pages come out full; the file stays smaller).
 * Untrusted input: none (hashes and counts). Bounded: the rewrite holds
 * the database's records and the batch in memory (16 bytes each).
 */
#include <stdlib.h>

#include "bayes/store_lmdb_int.h"
#include "lib/mem.h"

/* One token's new record at the cursor: replaced, deleted or added.
 * append: the key is past the last one of the database (added at its
 * end, without a search). */
static int
update_one(MDB_cursor *c, const struct delta_entry *e, bool append, struct str *err)
{
    unsigned char kb[KEY_LEN], vb[VAL_LEN];
    key_of(e->hash, kb);
    MDB_val k = {KEY_LEN, kb}, v;
    struct bayes_token_rec rec = {e->hash, 0, 0, 0};
    int rc = append ? MDB_NOTFOUND : mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    bool found = rc == 0;
    if (found)
        count_from(&v, &rec);
    else if (rc != MDB_NOTFOUND)
        return fail(err, "read token", rc);
    else if (e->dspam <= 0 && e->dham <= 0 && e->atime == 0)
        return 0;
    delta_apply(&rec, e);
    if (rec.spam == 0 && rec.ham == 0) {
        rc = found ? mdb_cursor_del(c, 0) : 0;
    } else {
        val_of(&rec, vb);
        MDB_val nv = {VAL_LEN, vb};
        k = (MDB_val){KEY_LEN, kb};
        rc = mdb_cursor_put(c, &k, &nv, found ? MDB_CURRENT : append ? MDB_APPEND : 0);
    }
    return rc ? fail(err, "write token", rc) : 0;
}

/* Apply v (sorted) one token at a time. Keys past the database's last one
 * (all of them in a new database) are appended. Two hashes can share a
 * stored key: the second finds the first. */
static int
flush_each(struct lmdb_store *ls, const struct delta_entry *v, size_t nv, struct str *err)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(ls->wtxn, ls->se->tok, &c);
    if (rc)
        return fail(err, "cursor", rc);
    MDB_val lk, lv;
    rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
    bool any = rc == 0 && lk.mv_size == KEY_LEN;
    uint64_t last = any ? key_load(lk.mv_data) : 0;
    int r = rc == 0 || rc == MDB_NOTFOUND ? 0 : fail(err, "read last token", rc);
    for (size_t i = 0; i < nv && r == 0; i++) {
        uint64_t key = v[i].hash >> 16;
        bool append = !any || key > last;
        r = update_one(c, &v[i], append, err);
        if (append && (v[i].dspam > 0 || v[i].dham > 0)) { /* it was added */
            any = true;
            last = key;
        }
    }
    mdb_cursor_close(c);
    return r;
}

/* Read the n records of the tokens database into a new array (*out_r,
 * free() it). Returns 0, 1 when a record is not one of ours (nothing to
 * rewrite), or -1. */
static int
read_all(struct lmdb_store *ls, size_t n, struct bayes_token_rec **out_r, size_t *n_r,
         struct str *err)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(ls->wtxn, ls->se->tok, &c);
    if (rc)
        return fail(err, "cursor", rc);
    struct bayes_token_rec *old = xcalloc(n + 1, sizeof(*old));
    size_t k = 0;
    MDB_val key, val;
    for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
        if (key.mv_size != KEY_LEN || val.mv_size != VAL_LEN || k == n)
            break;
        count_from(&val, &old[k]);
        old[k++].hash = hash_of(key.mv_data);
    }
    mdb_cursor_close(c);
    int r = rc == MDB_NOTFOUND ? 0 : rc == 0 ? 1 : fail(err, "read token", rc);
    if (r != 0)
        free(old);
    *out_r = r == 0 ? old : NULL;
    *n_r = k;
    return r;
}

/* Rewrite the tokens database with v (sorted) merged in, in one sweep of
 * appends: cheaper than a search and an insertion per token when the batch
 * is large next to the database, and the pages come out full. Returns 0,
 * 1 when not done (nothing changed), or -1. */
static int
flush_rewrite(struct lmdb_store *ls, const struct delta_entry *v, size_t nv, size_t entries,
              struct str *err)
{
    struct bayes_token_rec *old;
    size_t nold;
    int r = read_all(ls, entries, &old, &nold, err);
    if (r != 0)
        return r;
    struct bayes_token_rec *out = xcalloc(nold + nv + 1, sizeof(*out));
    size_t m = delta_merge(old, nold, v, nv, out);
    free(old);
    MDB_cursor *c = NULL;
    int rc = mdb_drop(ls->wtxn, ls->se->tok, 0);
    if (rc == 0)
        rc = mdb_cursor_open(ls->wtxn, ls->se->tok, &c);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        unsigned char kb[KEY_LEN], vb[VAL_LEN];
        key_of(out[i].hash, kb);
        val_of(&out[i], vb);
        MDB_val k = {KEY_LEN, kb}, d = {VAL_LEN, vb};
        rc = mdb_cursor_put(c, &k, &d, MDB_APPEND);
    }
    if (c)
        mdb_cursor_close(c);
    free(out);
    return rc ? fail(err, "rewrite tokens", rc) : 0;
}

/* Apply the queued count changes in key order: token by token, or by a
 * rewrite when the batch holds at least an eighth as many tokens as the
 * database (the sweep of appends costs less than a search a token from
 * there, and leaves the pages full: the learned split's file 18% smaller). */
int
lmdb_flush_pending(struct lmdb_store *ls, struct str *err)
{
    if (ls->pending.n == 0)
        return 0;
    struct delta_entry *v = delta_sorted(&ls->pending);
    MDB_stat st;
    int r = 1;
    if (mdb_stat(ls->wtxn, ls->se->tok, &st) == 0 && ls->pending.n >= st.ms_entries / 8)
        r = flush_rewrite(ls, v, ls->pending.n, st.ms_entries, err);
    if (r == 1)
        r = flush_each(ls, v, ls->pending.n, err);
    free(v);
    delta_clear(&ls->pending);
    return r;
}

