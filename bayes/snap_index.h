/*
 * snap_index: what a process keeps of one whole snapshot of a store, so
 * that scoring a stream of mail does not walk the B-tree for every token.
 * Built from a scan of every token of the snapshot (bayes/store_lmdb.c
 * builds it once a snapshot has served enough lookups):
 *   - up to SNAP_TABLE_MAX_KEYS tokens: a hash table of every token's
 *     counts (16 bytes a slot, at most 2/3 full: 8 MB for 350,000
 *     tokens, at most 32 MB): every lookup is answered from memory;
 *   - more: a Bloom filter of the keys (key_filter.h): a token the
 *     snapshot does not hold is answered from memory, the others are
 *     looked up.
 * The answers are exactly the snapshot's. Not thread-safe: the store
 * guards it.
 */
#ifndef TAMIS_BAYES_SNAP_INDEX_H
#define TAMIS_BAYES_SNAP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bayes/classify.h"

#define SNAP_TABLE_MAX_KEYS ((size_t)1 << 20)

struct snap_index;

/* An empty index for a snapshot of nkeys tokens (free with
 * snap_index_free). */
struct snap_index *snap_index_new(size_t nkeys);
void snap_index_free(struct snap_index **xp);
/* Add one token of the snapshot: its stored key (the top 48 bits of its
 * hash) and counts. Returns false (nothing added) past the nkeys given to
 * snap_index_new. */
bool snap_index_add(struct snap_index *x, uint64_t key, struct bayes_count c);
/* Start loading the memory that a get or add of key will read (call a
 * few keys ahead: the table is larger than the CPU caches). */
void snap_index_prefetch(const struct snap_index *x, uint64_t key);
/* Is the answer for key known without the store? True: *out holds its
 * counts (0 and 0: not in the snapshot). False: look it up. */
bool snap_index_get(const struct snap_index *x, uint64_t key, struct bayes_count *out);

#endif
