/*
 * delta: queued token count changes of a write transaction (delta.h).
 * Untrusted input: none (hashes from the tokenizer). Bounded by the tokens
 * of one batch of learning (the caller commits every so many messages);
 * the table doubles at half full.
 */
#include "delta.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void
delta_init(struct delta *d)
{
    memset(d, 0, sizeof(*d));
}

void
delta_clear(struct delta *d)
{
    if (d->v)
        memset(d->v, 0, d->cap * sizeof(*d->v));
    d->n = 0;
}

void
delta_deinit(struct delta *d)
{
    free(d->v);
    delta_init(d);
}

static size_t
home_of(size_t cap, uint64_t hash)
{
    return (size_t)(hash ^ hash >> 29) & (cap - 1);
}

static struct delta_entry *
slot_of(struct delta_entry *v, size_t cap, uint64_t hash)
{
    size_t i = home_of(cap, hash);
    while (v[i].used && v[i].hash != hash)
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static void
grow(struct delta *d)
{
    size_t cap = d->cap ? d->cap * 2 : 4096;
    /* Written, not calloc'ed: calloc's fresh pages would fault twice each
     * (read as the zero page by the probe, then copied on the write). */
    struct delta_entry *v = xmalloc(cap * sizeof(*v));
    memset(v, 0, cap * sizeof(*v));
    for (size_t i = 0; i < d->cap; i++)
        if (d->v[i].used)
            *slot_of(v, cap, d->v[i].hash) = d->v[i];
    free(d->v);
    d->v = v;
    d->cap = cap;
}

/* Add to the slot of hash; the table has room. */
static void
add_one(struct delta *d, uint64_t hash, int dspam, int dham, uint32_t now)
{
    struct delta_entry *e = slot_of(d->v, d->cap, hash);
    if (!e->used) {
        *e = (struct delta_entry){.hash = hash, .used = true};
        d->n++;
    }
    e->dspam += dspam;
    e->dham += dham;
    if (dspam > 0 || dham > 0)
        e->atime = now;
}

void
delta_add(struct delta *d, uint64_t hash, int dspam, int dham, uint32_t now)
{
    if (2 * (d->n + 1) > d->cap)
        grow(d);
    add_one(d, hash, dspam, dham, now);
}

/* The table is far larger than the CPU cache in a batch of learning, so
 * each add is a cache miss: room is made for all n at once (at most n new
 * entries) and the slot 8 keys ahead is fetched while this one is added. */
void
delta_add_all(struct delta *d, const uint64_t *keys, size_t n, int dspam, int dham,
              uint32_t now)
{
    while (2 * (d->n + n) > d->cap)
        grow(d);
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(&d->v[home_of(d->cap, keys[i + 8])]);
        add_one(d, keys[i], dspam, dham, now);
    }
}

static int
cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const struct delta_entry *)a)->hash;
    uint64_t y = ((const struct delta_entry *)b)->hash;
    return (x > y) - (x < y);
}

/* LSD radix sort of n entries by hash, 16 bits a pass, via tmp: linear
 * (a batch of learning holds up to millions of tokens). */
static void
radix_sort(struct delta_entry *v, struct delta_entry *tmp, size_t n)
{
    size_t *count = xcalloc((size_t)1 << 16, sizeof(*count));
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, ((size_t)1 << 16) * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[(v[i].hash >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < ((size_t)1 << 16); d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].hash >> shift) & 0xffff]++] = v[i];
        memcpy(v, tmp, n * sizeof(*v));
    }
    free(count);
}

struct delta_entry *
delta_sorted(const struct delta *d)
{
    struct delta_entry *out = xcalloc(d->n ? d->n : 1, sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; i < d->cap; i++)
        if (d->v[i].used)
            out[k++] = d->v[i];
    if (k < ((size_t)1 << 16)) { /* one message (autolearn): the counts would dominate */
        qsort(out, k, sizeof(*out), cmp_entry);
        return out;
    }
    struct delta_entry *tmp = xcalloc(k, sizeof(*tmp));
    radix_sort(out, tmp, k);
    free(tmp);
    return out;
}

static uint32_t
add_floor(uint32_t c, int32_t d)
{
    if (d < 0)
        return c > (uint32_t)-(int64_t)d ? c - (uint32_t)-(int64_t)d : 0;
    return DELTA_COUNT_MAX - c > (uint32_t)d ? c + (uint32_t)d : DELTA_COUNT_MAX;
}

void
delta_apply(struct bayes_token_rec *rec, const struct delta_entry *e)
{
    rec->spam = add_floor(rec->spam, e->dspam);
    rec->ham = add_floor(rec->ham, e->dham);
    if (e->atime)
        rec->atime = e->atime;
}

size_t
delta_merge(const struct bayes_token_rec *old, size_t nold, const struct delta_entry *v,
            size_t nv, struct bayes_token_rec *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < nold || j < nv) {
        uint64_t ko = i < nold ? old[i].hash >> 16 : UINT64_MAX;
        uint64_t kv = j < nv ? v[j].hash >> 16 : UINT64_MAX;
        if (ko < kv) {
            out[k++] = old[i++];
            continue;
        }
        struct bayes_token_rec r = {kv << 16, 0, 0, 0};
        if (ko == kv)
            r = old[i++];
        for (; j < nv && v[j].hash >> 16 == kv; j++) {
            delta_apply(&r, &v[j]);
            if (r.spam == 0 && r.ham == 0) /* deleted: a later entry starts afresh */
                r = (struct bayes_token_rec){kv << 16, 0, 0, 0};
        }
        if (r.spam || r.ham)
            out[k++] = r;
    }
    return k;
}
