/*
 * read_cache: a small direct-mapped cache of token counts in front of a
 * store's lookups, valid for one snapshot of the database. A daemon that
 * scores a stream of mail looks up the same common tokens (header words,
 * everyday words) message after message; a hit costs one probe instead of
 * a walk down the B-tree. Entries are tagged with the snapshot (LMDB's
 * transaction id): when the database changes, the cache is emptied, so a
 * lookup through it returns exactly what the snapshot holds.
 *
 * Thread-safe: one thread at a time holds the cache (read_cache_begin);
 * another thread that finds it held looks up without it.
 */
#ifndef TAMIS_BAYES_READ_CACHE_H
#define TAMIS_BAYES_READ_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "bayes/classify.h"

/* Slots (a power of two; 16 bytes each). */
#define BAYES_READ_CACHE_SLOTS ((size_t)1 << 17)

struct read_cache;

/* A new empty cache (free with read_cache_free). */
struct read_cache *read_cache_new(void);
void read_cache_free(struct read_cache *c);
/* Take the cache for a lookup in snapshot gen; false when another thread
 * holds it (look up without it then). Emptied when gen changed. */
bool read_cache_begin(struct read_cache *c, uint64_t gen);
void read_cache_end(struct read_cache *c);
/* The counts of hash, when cached (true). */
bool read_cache_get(const struct read_cache *c, uint64_t hash, struct bayes_count *out);
/* Remember the counts of hash (found or not) in this snapshot. */
void read_cache_put(struct read_cache *c, uint64_t hash, struct bayes_count v);

#endif
