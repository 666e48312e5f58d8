/*
 * snap_index: a snapshot's tokens in memory, as a table of counts or a
 * filter of keys (snap_index.h).
 * Untrusted input: none (keys and counts from the store). Bounded: the
 * table holds at most SNAP_TABLE_MAX_KEYS tokens; the filter at most
 * KEY_FILTER_MAX_KEYS.
 */
#include "snap_index.h"

#include <stdlib.h>

#include "bayes/key_filter.h"
#include "lib/mem.h"

/* A slot: tag 0 is empty, else the key shifted up with the low bit set. */
struct slot {
    uint64_t tag;
    uint32_t spam, ham;
};

struct snap_index {
    struct slot *slots; /* the table, or NULL */
    size_t mask, n, max;
    struct key_filter *filter; /* when there is no table */
};

struct snap_index *
snap_index_new(size_t nkeys)
{
    struct snap_index *x = xcalloc(1, sizeof(*x));
    if (nkeys > SNAP_TABLE_MAX_KEYS) {
        x->filter = key_filter_new(nkeys);
        return x;
    }
    size_t cap = 64;
    while (cap < nkeys + nkeys / 2)
        cap *= 2;
    x->slots = xcalloc(cap, sizeof(*x->slots));
    x->mask = cap - 1;
    x->max = nkeys;
    return x;
}

void
snap_index_free(struct snap_index **xp)
{
    struct snap_index *x = *xp;
    if (x == NULL)
        return;
    free(x->slots);
    key_filter_free(&x->filter);
    free(x);
    *xp = NULL;
}

static size_t
home(uint64_t key, size_t mask)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 24) & mask;
}

void
snap_index_prefetch(const struct snap_index *x, uint64_t key)
{
    if (x->slots)
        __builtin_prefetch(&x->slots[home(key, x->mask)]);
}

bool
snap_index_add(struct snap_index *x, uint64_t key, struct bayes_count c)
{
    if (x->filter) {
        key_filter_add(x->filter, key);
        return true;
    }
    if (x->n >= x->max)
        return false;
    uint64_t tag = key << 1 | 1;
    size_t i = home(key, x->mask);
    while (x->slots[i].tag && x->slots[i].tag != tag)
        i = (i + 1) & x->mask;
    x->n += x->slots[i].tag == 0;
    x->slots[i] = (struct slot){tag, c.spam, c.ham};
    return true;
}

bool
snap_index_get(const struct snap_index *x, uint64_t key, struct bayes_count *out)
{
    *out = (struct bayes_count){0, 0};
    if (x->filter)
        return !key_filter_may_have(x->filter, key);
    uint64_t tag = key << 1 | 1;
    for (size_t i = home(key, x->mask); x->slots[i].tag; i = (i + 1) & x->mask)
        if (x->slots[i].tag == tag) {
            *out = (struct bayes_count){x->slots[i].spam, x->slots[i].ham};
            return true;
        }
    return true;
}
