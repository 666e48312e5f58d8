/*
 * test_cache: the pieces that make the LMDB store fast. The read cache
 * answers only for the snapshot it was filled in and is emptied when the
 * snapshot changes; a second thread is turned away while one holds it. The
 * delta table sums the changes of many messages per token, keeps the last
 * learning day, and hands the entries back sorted.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bayes/delta.h"
#include "bayes/key_filter.h"
#include "bayes/snap_index.h"
#include "bayes/read_cache.h"
#include "lib/mem.h"
#include "t.h"

static void
test_read_cache(void)
{
    struct read_cache *c = read_cache_new();
    struct bayes_count v = {0, 0};
    uint64_t h = 0x123456789abc0000u, other = h + BAYES_READ_CACHE_SLOTS * 0x10000u;
    CHECK(read_cache_begin(c, 7));
    CHECK(!read_cache_get(c, h, &v));
    read_cache_put(c, h, (struct bayes_count){3, 4});
    CHECK(read_cache_get(c, h, &v));
    CHECK_INT(v.spam, 3);
    CHECK_INT(v.ham, 4);
    /* Same slot, other token: not taken for h. */
    CHECK(!read_cache_get(c, other, &v));
    /* A second taker is turned away while the cache is held. */
    CHECK(!read_cache_begin(c, 7));
    read_cache_end(c);
    CHECK(read_cache_begin(c, 7));
    CHECK(read_cache_get(c, h, &v));
    read_cache_end(c);
    /* A new snapshot empties it. */
    CHECK(read_cache_begin(c, 8));
    CHECK(!read_cache_get(c, h, &v));
    read_cache_end(c);
    read_cache_free(c);
}

/* The key filter never says no to a key it holds, and says yes to few
 * others. */
static void
test_key_filter(void)
{
    struct key_filter *f = key_filter_new(100000);
    for (uint64_t i = 1; i <= 100000; i++)
        key_filter_add(f, i * 0x9e3779b97f4a7c15u >> 16);
    size_t missing = 0, extra = 0;
    for (uint64_t i = 1; i <= 100000; i++) {
        missing += !key_filter_may_have(f, i * 0x9e3779b97f4a7c15u >> 16);
        extra += key_filter_may_have(f, (i + 200000) * 0x9e3779b97f4a7c15u >> 16);
    }
    CHECK_INT(missing, 0);
    CHECK(extra < 2000); /* under 2% */
    key_filter_free(&f);
    CHECK(f == NULL);
    /* Sequential keys (the store's are 48-bit hashes, but any will do). */
    f = key_filter_new(10);
    for (uint64_t i = 0; i < 10; i++)
        key_filter_add(f, i);
    for (uint64_t i = 0; i < 10; i++)
        CHECK(key_filter_may_have(f, i));
    key_filter_free(&f);
}

/* A snapshot in memory: a small one answers every token (its counts, or 0
 * and 0), a large one only the tokens it does not hold. */
static void
test_snap_index(void)
{
    struct snap_index *x = snap_index_new(1000);
    struct bayes_count c;
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK(snap_index_add(x, i * 0x9e3779b97f4a7c15u >> 16, (struct bayes_count){i, 2 * i}));
    CHECK(!snap_index_add(x, 5, (struct bayes_count){1, 1})); /* past what it was sized for */
    for (uint64_t i = 1; i <= 1000; i++) {
        CHECK(snap_index_get(x, i * 0x9e3779b97f4a7c15u >> 16, &c));
        CHECK_INT(c.spam, i);
        CHECK_INT(c.ham, 2 * i);
        CHECK(snap_index_get(x, (i + 5000) * 0x9e3779b97f4a7c15u >> 16, &c));
        CHECK_INT(c.spam + c.ham, 0);
    }
    snap_index_free(&x);
    CHECK(x == NULL);
    x = snap_index_new(SNAP_TABLE_MAX_KEYS + 1);
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK(snap_index_add(x, i, (struct bayes_count){1, 0}));
    size_t asked = 0;
    for (uint64_t i = 1; i <= 1000; i++) {
        CHECK(!snap_index_get(x, i, &c)); /* held: ask the store */
        asked += !snap_index_get(x, i + 1000000, &c);
    }
    CHECK(asked < 20);
    snap_index_free(&x);
}

static void
test_delta(void)
{
    struct delta d;
    delta_init(&d);
    /* Enough tokens to grow the table several times. */
    for (uint64_t i = 1; i <= 20000; i++) {
        uint64_t h = i * 0x9e3779b97f4a7c15u;
        delta_add(&d, h, 1, 0, 100);
        if (i % 2 == 0)
            delta_add(&d, h, 0, 1, 200);
        if (i % 3 == 0)
            delta_add(&d, h, -1, 0, 300);
    }
    CHECK_INT(d.n, 20000);
    struct delta_entry *v = delta_sorted(&d);
    size_t bad_order = 0, bad_sum = 0;
    for (size_t i = 0; i < d.n; i++) {
        if (i > 0 && v[i - 1].hash >= v[i].hash)
            bad_order++;
        if (v[i].dspam < 0 || v[i].dspam > 1 || v[i].dham < 0 || v[i].dham > 1)
            bad_sum++;
    }
    CHECK_INT(bad_order, 0);
    CHECK_INT(bad_sum, 0);
    free(v);
    /* A forgetting keeps the day of the last learning. */
    delta_clear(&d);
    CHECK_INT(d.n, 0);
    delta_add(&d, 42, 0, 1, 500);
    delta_add(&d, 42, 0, -1, 600);
    v = delta_sorted(&d);
    CHECK_INT(v[0].dham, 0);
    CHECK_INT(v[0].atime, 500);
    free(v);
    delta_deinit(&d);
}

/* Adding a message's keys at once (duplicates among them, several growths
 * of the table) queues what adding them one by one does. */
static void
test_delta_add_all(void)
{
    enum { N = 30000 };
    uint64_t *keys = xcalloc(N, sizeof(*keys));
    for (size_t i = 0; i < N; i++)
        keys[i] = (i % 7 == 0 ? i / 7 + 1 : i + 1) * 0x9e3779b97f4a7c15u;
    struct delta one, all;
    delta_init(&one);
    delta_init(&all);
    for (size_t i = 0; i < 10; i++)
        delta_add(&one, keys[i], 0, 1, 50);
    for (size_t i = 0; i < N; i++)
        delta_add(&one, keys[i], 1, 0, 100);
    delta_add_all(&all, keys, 10, 0, 1, 50); /* a small batch, then a large one */
    delta_add_all(&all, keys, N, 1, 0, 100);
    CHECK_INT(all.n, one.n);
    struct delta_entry *a = delta_sorted(&all), *b = delta_sorted(&one);
    size_t differ = 0;
    for (size_t i = 0; i < one.n; i++)
        differ += a[i].hash != b[i].hash || a[i].dspam != b[i].dspam ||
                  a[i].dham != b[i].dham || a[i].atime != b[i].atime;
    CHECK_INT(differ, 0);
    free(a);
    free(b);
    free(keys);
    delta_deinit(&one);
    delta_deinit(&all);
}

/* Merging a sorted batch into the stored records (a rewrite of the
 * database): records left alone pass through, new ones come in order,
 * counts floor at 0 (a record at 0 and 0 goes) and saturate, and two
 * hashes that share a stored key apply one after the other. */
static void
test_delta_merge(void)
{
    uint64_t k1 = 0x1111111111110000u, k2 = 0x2222222222220000u, k3 = 0x3333333333330000u;
    struct bayes_token_rec old[] = {{k1, 1, 0, 86400}, {k2, 2, 5, 86400},
                                    {k3, DELTA_COUNT_MAX, 1, 86400}};
    struct delta_entry v[] = {
        {0x0000000000000001u, 0, 1, 900, true}, /* new, before k1 */
        {k1 | 7, -1, 0, 0, true},              /* k1 goes to 0 and 0 */
        {k1 | 9, 0, 1, 1000, true},            /* the same key again: starts afresh */
        {k2 | 1, 0, -9, 0, true},              /* floored at 0 */
        {k3 | 1, 1, 0, 2000, true},            /* saturates */
        {0x4444444444440001u, -1, 0, 0, true}, /* forgetting what is not there */
    };
    struct bayes_token_rec out[9];
    size_t n = delta_merge(old, 3, v, 6, out);
    CHECK_INT(n, 4);
    CHECK(out[0].hash == 0 && out[0].ham == 1 && out[0].atime == 900);
    CHECK(out[1].hash == k1 && out[1].spam == 0 && out[1].ham == 1 && out[1].atime == 1000);
    CHECK(out[2].hash == k2 && out[2].spam == 2 && out[2].ham == 0 && out[2].atime == 86400);
    CHECK(out[3].hash == k3 && out[3].spam == DELTA_COUNT_MAX && out[3].atime == 2000);
    CHECK_INT(delta_merge(old, 3, v, 0, out), 3); /* nothing to apply */
    CHECK(out[2].spam == DELTA_COUNT_MAX);
}

int
main(void)
{
    T_RUN(test_read_cache);
    T_RUN(test_delta_merge);
    T_RUN(test_key_filter);
    T_RUN(test_snap_index);
    T_RUN(test_delta);
    T_RUN(test_delta_add_all);
    return t_done();
}
