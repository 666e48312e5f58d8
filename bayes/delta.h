/*
 * delta: the changes of token counts that a write transaction has queued,
 * one entry per token however many messages touched it. Learning adds
 * each message's changes here; the store applies them at commit in key
 * order, one write per token (a token common to 5,000 messages of a batch
 * is read and written once, not 5,000 times).
 */
#ifndef TAMIS_BAYES_DELTA_H
#define TAMIS_BAYES_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bayes/store.h"

/* Counts saturate here (24 bits: the LMDB record's width). */
#define DELTA_COUNT_MAX 0xffffffu

struct delta_entry {
    uint64_t hash;
    int32_t dspam, dham; /* the sums of the changes */
    uint32_t atime;      /* the last learning (0: only forgotten) */
    bool used;
};

struct delta {
    struct delta_entry *v; /* open addressing on hash */
    size_t n, cap;
};

void delta_init(struct delta *d);
void delta_clear(struct delta *d);
void delta_deinit(struct delta *d);
/* Add dspam and dham (each -1, 0 or 1) to hash; a learning (a positive
 * change) sets its atime to now. */
void delta_add(struct delta *d, uint64_t hash, int dspam, int dham, uint32_t now);
/* delta_add of each of the n keys (the caller keeps keys), faster for
 * many: the table is grown once and its slots fetched ahead. */
void delta_add_all(struct delta *d, const uint64_t *keys, size_t n, int dspam, int dham,
                   uint32_t now);
/* The queued entries sorted by hash (a new array of d->n, free() it). */
struct delta_entry *delta_sorted(const struct delta *d);
/* Apply e to rec: counts floored at 0 and saturating at DELTA_COUNT_MAX;
 * a learning sets the atime. */
void delta_apply(struct bayes_token_rec *rec, const struct delta_entry *e);
/* The records after applying the nv sorted entries v to the nold records
 * old (sorted by stored key: the top 48 bits of the hash, the rest 0),
 * written to out (room for nold + nv) in key order, those at 0 and 0
 * left out. Entries whose hashes share a stored key apply one after the
 * other. Returns how many records out holds. */
size_t delta_merge(const struct bayes_token_rec *old, size_t nold, const struct delta_entry *v,
                   size_t nv, struct bayes_token_rec *out);

#endif
