/*
 * key_filter: the blocked Bloom filter of a snapshot's token keys
 * (key_filter.h).
 * Untrusted input: none (keys from the store). Bounded: 2 bytes a key,
 * rounded up to a power of two words, for at most KEY_FILTER_MAX_KEYS.
 */
#include "key_filter.h"

#include <stdlib.h>

#include "lib/mem.h"

struct key_filter {
    uint64_t *words;
    unsigned lg; /* log2 of the number of words */
};

struct key_filter *
key_filter_new(size_t nkeys)
{
    if (nkeys > KEY_FILTER_MAX_KEYS)
        nkeys = KEY_FILTER_MAX_KEYS;
    struct key_filter *f = xcalloc(1, sizeof(*f));
    f->lg = 6;
    while (((size_t)1 << f->lg) < nkeys / 4) /* 64 bits for 4 keys */
        f->lg++;
    f->words = xcalloc((size_t)1 << f->lg, sizeof(*f->words));
    return f;
}

void
key_filter_free(struct key_filter **fp)
{
    if (*fp == NULL)
        return;
    free((*fp)->words);
    free(*fp);
    *fp = NULL;
}

/* The word of key (from the top bits of a mix) and its four bits (from
 * four 6-bit fields below them). */
static uint64_t
mask_of(const struct key_filter *f, uint64_t key, size_t *word)
{
    uint64_t x = (key ^ (key >> 29)) * 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    x *= 0x94d049bb133111ebULL;
    *word = (size_t)(x >> (64 - f->lg));
    return (uint64_t)1 << (x & 63) | (uint64_t)1 << ((x >> 6) & 63) |
           (uint64_t)1 << ((x >> 12) & 63) | (uint64_t)1 << ((x >> 18) & 63);
}

void
key_filter_add(struct key_filter *f, uint64_t key)
{
    size_t w;
    uint64_t m = mask_of(f, key, &w);
    f->words[w] |= m;
}

bool
key_filter_may_have(const struct key_filter *f, uint64_t key)
{
    size_t w;
    uint64_t m = mask_of(f, key, &w);
    return (f->words[w] & m) == m;
}
