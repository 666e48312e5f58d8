/*
 * key_filter: a Bloom filter of the token keys that one snapshot of a
 * store holds, so that a lookup of a token the store has never seen (most
 * word pairs of a new message) is answered without a walk down the
 * B-tree. It can say "maybe" for a key that is absent (about one in a
 * hundred at 16 bits a key), never "no" for one that is present.
 *
 * One 64-bit word per key with four bits set in it (a blocked filter: one
 * memory access a query). Not thread-safe: the store guards it.
 */
#ifndef TAMIS_BAYES_KEY_FILTER_H
#define TAMIS_BAYES_KEY_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most keys a filter is built for (16 bits each: 128 MB). */
#define KEY_FILTER_MAX_KEYS ((size_t)1 << 26)

struct key_filter;

/* An empty filter sized for nkeys keys (at most KEY_FILTER_MAX_KEYS; free
 * with key_filter_free). */
struct key_filter *key_filter_new(size_t nkeys);
void key_filter_free(struct key_filter **fp);
/* Add a key (any 64-bit value: the store's 48-bit key). */
void key_filter_add(struct key_filter *f, uint64_t key);
/* False when key was never added; true when it was, or by chance. */
bool key_filter_may_have(const struct key_filter *f, uint64_t key);

#endif
