/*
 * read_cache: the snapshot-tagged cache of token counts (read_cache.h).
 * Untrusted input: none (hashes and counts from the store). Bounded: a
 * fixed table of BAYES_READ_CACHE_SLOTS entries; a new token replaces the
 * one in its slot.
 */
#include "read_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* The tag is the stored part of the hash (its top 48 bits) with the low
 * bit set, so that 0 means an empty slot. */
struct slot {
    uint64_t tag;
    uint32_t spam, ham;
};

struct read_cache {
    pthread_mutex_t lock;
    uint64_t gen;
    bool have_gen;
    struct slot *slots;
};

#define MASK (BAYES_READ_CACHE_SLOTS - 1)

static uint64_t
tag_of(uint64_t hash)
{
    return (hash & ~(uint64_t)0xffff) | 1;
}

struct read_cache *
read_cache_new(void)
{
    struct read_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->slots = xcalloc(BAYES_READ_CACHE_SLOTS, sizeof(*c->slots));
    return c;
}

void
read_cache_free(struct read_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

bool
read_cache_begin(struct read_cache *c, uint64_t gen)
{
    if (pthread_mutex_trylock(&c->lock) != 0)
        return false;
    if (!c->have_gen || c->gen != gen) {
        memset(c->slots, 0, BAYES_READ_CACHE_SLOTS * sizeof(*c->slots));
        c->gen = gen;
        c->have_gen = true;
    }
    return true;
}

void
read_cache_end(struct read_cache *c)
{
    pthread_mutex_unlock(&c->lock);
}

bool
read_cache_get(const struct read_cache *c, uint64_t hash, struct bayes_count *out)
{
    const struct slot *s = &c->slots[(hash >> 16) & MASK];
    if (s->tag != tag_of(hash))
        return false;
    *out = (struct bayes_count){s->spam, s->ham};
    return true;
}

void
read_cache_put(struct read_cache *c, uint64_t hash, struct bayes_count v)
{
    c->slots[(hash >> 16) & MASK] = (struct slot){tag_of(hash), v.spam, v.ham};
}
