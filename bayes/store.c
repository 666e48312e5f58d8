/*
 * store: choosing the backend from the bayes_db setting, and learning and
 * forgetting one message (store.h) on any backend.
 * Untrusted input: the setting (checked), token hashes. Bounded by n.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "bayes/store_lmdb.h"
#include "bayes/store_redis.h"
#include "bayes/token.h"
#include "lib/mem.h"

void
bayes_store_key(uint64_t h, unsigned char k[BAYES_KEY_LEN])
{
    for (int i = 0; i < BAYES_KEY_LEN; i++)
        k[i] = (unsigned char)(h >> (56 - 8 * i));
}

uint64_t
bayes_store_hash(const unsigned char k[BAYES_KEY_LEN])
{
    uint64_t h = 0;
    for (int i = 0; i < BAYES_KEY_LEN; i++)
        h |= (uint64_t)k[i] << (56 - 8 * i);
    return h;
}

int
bayes_store_open(const char *spec, unsigned flags, struct bayes_store **s_r,
                 struct str *err)
{
    *s_r = NULL;
    if (spec[0] == '\0') {
        str_append_cstr(err, "bayes_db is empty");
        return -1;
    }
    bool redis = strncmp(spec, "redis://", 8) == 0;
    void *b = NULL;
    int r = redis ? bayes_redis_open(spec, flags, &b, err) : bayes_lmdb_open(spec, flags, &b, err);
    if (r != 0)
        return r;
    struct bayes_store *s = xcalloc(1, sizeof(*s));
    s->ops = redis ? &bayes_redis_ops : &bayes_lmdb_ops;
    s->backend = b;
    *s_r = s;
    return 0;
}

void
bayes_store_close(struct bayes_store **sp)
{
    struct bayes_store *s = *sp;
    if (s == NULL)
        return;
    if (s->in_txn)
        s->ops->abort(s->backend);
    s->ops->close(s->backend);
    free(s);
    *sp = NULL;
}

/* Add d (1 or -1) to the class counts of the message and of its tokens. */
static int
count(struct bayes_store *s, const uint64_t *sorted, size_t n, enum bayes_seen cls, int d,
      uint32_t now, struct str *err)
{
    struct bayes_meta m;
    if (s->ops->get_meta(s->backend, &m, err) < 0)
        return -1;
    uint64_t *c = cls == BAYES_SEEN_SPAM ? &m.nspam : &m.nham;
    if (d > 0)
        (*c)++;
    else if (*c > 0)
        (*c)--;
    if (s->ops->put_meta(s->backend, &m, err) < 0)
        return -1;
    int ds = cls == BAYES_SEEN_SPAM ? d : 0, dh = cls == BAYES_SEEN_HAM ? d : 0;
    return s->ops->update(s->backend, sorted, n, ds, dh, now, err);
}

int
bayes_learn(struct bayes_store *s, const uint64_t *sorted, size_t n, enum bayes_seen cls,
            uint32_t now, struct str *err)
{
    uint8_t digest[16];
    bayes_tokens_digest(sorted, n, digest);
    enum bayes_seen was;
    if (s->ops->get_seen(s->backend, digest, &was, err) < 0)
        return -1;
    if (cls != BAYES_SEEN_NONE && was == cls)
        return BAYES_ALREADY;
    if (cls == BAYES_SEEN_NONE && was == BAYES_SEEN_NONE)
        return BAYES_NOT_LEARNED;
    if (was != BAYES_SEEN_NONE && count(s, sorted, n, was, -1, now, err) < 0)
        return -1;
    if (cls != BAYES_SEEN_NONE && count(s, sorted, n, cls, 1, now, err) < 0)
        return -1;
    if (s->ops->put_seen(s->backend, digest, cls, err) < 0)
        return -1;
    return BAYES_LEARNED;
}

int
bayes_store_begin(struct bayes_store *s, struct str *err)
{
    if (s->ops->begin(s->backend, err) < 0)
        return -1;
    s->in_txn = true;
    return 0;
}

int
bayes_store_commit(struct bayes_store *s, struct str *err)
{
    s->in_txn = false;
    return s->ops->commit(s->backend, err);
}

void
bayes_store_abort(struct bayes_store *s)
{
    if (s->in_txn)
        s->ops->abort(s->backend);
    s->in_txn = false;
}

int
bayes_store_classify(struct bayes_store *s, const struct bayes_params *p,
                     const uint64_t *sorted, const uint32_t *deps, size_t n,
                     struct arena *a,
                     struct bayes_count **counts_r, struct bayes_meta *meta_r,
                     struct bayes_result *r, struct str *err)
{
    struct bayes_count *c = arena_calloc(a, n ? n : 1, sizeof(*c));
    *counts_r = c;
    if (s->ops->lookup(s->backend, sorted, deps, n, c, meta_r, err) < 0)
        return -1;
    bayes_classify(p, c, n, meta_r->nspam, meta_r->nham, a, r);
    return 0;
}
