/*
 * store: where the Bayes counts live, behind one interface. A store holds
 * per-token counts (spam, ham, last time learned), the numbers of spam and
 * ham learned, and the digests of the messages learned with their class, so
 * that a message learned twice counts once and forgetting it undoes exactly
 * what learning did.
 *
 * Backends (chosen by the bayes_db setting, bayes_store_open):
 *   a path                 LMDB in that folder (store_lmdb.c): one writer and
 *                          many readers across processes, crash-safe
 *   redis://host:port/N    Redis (store_redis.c): several filterd hosts
 *                          share one database
 *
 * Reading (bayes_store_lookup) may run in several threads at once on one
 * store; writing (begin ... commit) is for one thread at a time.
 */
#ifndef TAMIS_BAYES_STORE_H
#define TAMIS_BAYES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bayes/classify.h"
#include "lib/str.h"

#define BAYES_DB_VERSION 1

struct bayes_meta {
    uint64_t nspam, nham;
    int64_t last_expire;        /* when expiry last ran (Unix time), 0: never */
    int64_t last_expire_age;    /* the age limit it used, seconds */
    uint64_t last_expire_count; /* tokens it removed */
};

/* One token's record: what --dump data and --backup show. */
struct bayes_token_rec {
    uint64_t hash;
    uint32_t spam, ham;
    uint32_t atime; /* last learned (Unix time) */
};

enum bayes_seen { BAYES_SEEN_NONE = 0, BAYES_SEEN_SPAM = 1, BAYES_SEEN_HAM = 2 };

typedef int (*bayes_token_cb)(void *ctx, const struct bayes_token_rec *rec);
typedef int (*bayes_seen_cb)(void *ctx, const uint8_t digest[16], enum bayes_seen cls);

/* What a backend implements. Every function returns 0 (or what it says)
 * and -1 with a reason appended to err. Write calls come between begin and
 * commit/abort; foreach runs in the write transaction when one is open. */
struct bayes_store_ops {
    const char *name;
    /* deps (NULL, or 2n positions in keys: bayes_tokens_deps) lets the
     * backend skip a pair whose word has no counts (its counts are then
     * 0 and 0, as a lookup would say). */
    int (*lookup)(void *b, const uint64_t *keys, const uint32_t *deps, size_t n,
                  struct bayes_count *out, struct bayes_meta *meta, struct str *err);
    int (*begin)(void *b, struct str *err);
    int (*commit)(void *b, struct str *err);
    void (*abort)(void *b);
    int (*get_meta)(void *b, struct bayes_meta *meta, struct str *err);
    int (*put_meta)(void *b, const struct bayes_meta *meta, struct str *err);
    /* Add dspam and dham (each -1, 0 or 1) to each token's counts, floored
     * at 0; a token at 0 and 0 is deleted; atime set when adding. */
    int (*update)(void *b, const uint64_t *keys, size_t n, int dspam, int dham,
                  uint32_t now, struct str *err);
    int (*put_token)(void *b, const struct bayes_token_rec *rec, struct str *err);
    /* The class a digest was learned as (BAYES_SEEN_NONE: not learned). */
    int (*get_seen)(void *b, const uint8_t digest[16], enum bayes_seen *cls,
                    struct str *err);
    int (*put_seen)(void *b, const uint8_t digest[16], enum bayes_seen cls,
                    struct str *err);
    int (*foreach_token)(void *b, bayes_token_cb cb, void *ctx, struct str *err);
    int (*foreach_seen)(void *b, bayes_seen_cb cb, void *ctx, struct str *err);
    /* Remove the tokens last learned before `before`; *removed_r gets how
     * many. */
    int (*expire)(void *b, uint32_t before, uint64_t *removed_r, struct str *err);
    int (*clear)(void *b, struct str *err);
    /* Bytes the database takes on disk (or in memory), for --dump magic. */
    uint64_t (*size)(void *b);
    void (*close)(void *b);
};

struct bayes_store {
    const struct bayes_store_ops *ops;
    void *backend;
    bool in_txn;
};

/* Tokens are stored by the top 48 bits of their hash, as 6 bytes
 * big-endian (both backends), and their last learning to the day. */
#define BAYES_KEY_LEN 6
#define BAYES_DAY 86400u
void bayes_store_key(uint64_t hash, unsigned char key[BAYES_KEY_LEN]);
uint64_t bayes_store_hash(const unsigned char key[BAYES_KEY_LEN]);

#define BAYES_STORE_WRITE 0x1  /* open for learning */
#define BAYES_STORE_CREATE 0x2 /* create the database if missing */
#define BAYES_STORE_LAZY 0x4   /* Redis: connect at the first use, not now
                                  (a server down at start-up is then a
                                  lookup error, under on_error_bayes) */

/* Open the store named by spec (the bayes_db setting). Returns 0 and the
 * store in *s_r (free with bayes_store_close), 1 when the database does not
 * exist and BAYES_STORE_CREATE was not given (nothing learned yet), or -1
 * with a reason in err. */
int bayes_store_open(const char *spec, unsigned flags, struct bayes_store **s_r,
                     struct str *err);
void bayes_store_close(struct bayes_store **sp);

/* A write transaction (one at a time per store; across processes LMDB
 * makes a second writer wait). Each returns 0 or -1 with a reason. */
int bayes_store_begin(struct bayes_store *s, struct str *err);
int bayes_store_commit(struct bayes_store *s, struct str *err);
void bayes_store_abort(struct bayes_store *s);

/* Classify n tokens (sorted hashes; deps from bayes_tokens_deps, or NULL)
 * with the counts of s: one consistent snapshot. counts_r (from a, n entries) gets each token's counts, meta_r
 * the message counts. Returns 0, or -1 with a reason in err. */
int bayes_store_classify(struct bayes_store *s, const struct bayes_params *p,
                         const uint64_t *sorted, const uint32_t *deps, size_t n,
                         struct arena *a,
                         struct bayes_count **counts_r, struct bayes_meta *meta_r,
                         struct bayes_result *r, struct str *err);

/* What learning did to one message. */
enum bayes_learn_result {
    BAYES_LEARNED,       /* counted (or, forgetting: uncounted) */
    BAYES_ALREADY,       /* learned before as the same class: nothing done */
    BAYES_NOT_LEARNED,   /* forgetting a message that was never learned */
};

/* Learn (cls spam or ham) or forget (cls BAYES_SEEN_NONE) one message by
 * its sorted token hashes, inside a transaction of s. A message learned as
 * the other class is forgotten first. Returns the result, or -1. */
int bayes_learn(struct bayes_store *s, const uint64_t *sorted, size_t n,
                enum bayes_seen cls, uint32_t now, struct str *err);

#endif
