/*
 * store_redis: the Bayes store on Redis (store_redis.h), with hiredis.
 * Readers take a connection from a pool (one per concurrent thread);
 * the writer queues its commands inside MULTI on its own connection and
 * keeps, until they are sent, what they change (learned digests, message
 * counts) so that its own reads see them.
 * Untrusted input: the server's replies (types and sizes checked). Bounded:
 * BAYES_REDIS_CHUNK queued commands; replies are read whole by hiredis.
 */
#include "store_redis.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/mem.h"

#define K_S "tamis:bayes:s"
#define K_H "tamis:bayes:h"
#define K_A "tamis:bayes:a"
#define K_SEEN "tamis:bayes:seen"
#define K_META "tamis:bayes:meta"

/* Add ds and dh to each field's counts, floored at 0; a token at 0 and 0
 * goes; the day is set when adding. */
static const char update_lua[] =
    "local ds, dh, day = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]\n"
    "for i = 4, #ARGV do\n"
    "  local f = ARGV[i]\n"
    "  local s = redis.call('HINCRBY', KEYS[1], f, ds)\n"
    "  local h = redis.call('HINCRBY', KEYS[2], f, dh)\n"
    "  if s < 0 then redis.call('HSET', KEYS[1], f, 0); s = 0 end\n"
    "  if h < 0 then redis.call('HSET', KEYS[2], f, 0); h = 0 end\n"
    "  if s == 0 and h == 0 then\n"
    "    redis.call('HDEL', KEYS[1], f); redis.call('HDEL', KEYS[2], f)\n"
    "    redis.call('HDEL', KEYS[3], f)\n"
    "  elseif ds > 0 or dh > 0 then redis.call('HSET', KEYS[3], f, day) end\n"
    "end\n"
    "return 0\n";

struct pending_seen {
    uint8_t d[16];
    enum bayes_seen cls;
    bool used;
};

struct redis_store {
    char *host;
    int port, db;
    pthread_mutex_t lock;
    redisContext **pool; /* idle reader connections */
    size_t npool, cappool;
    redisContext *w;     /* the writer's */
    size_t queued;       /* commands queued after MULTI */
    struct pending_seen *seen; /* open addressing on the digest */
    size_t nseen, capseen;
    struct bayes_meta meta0, meta; /* at the first read, and now */
    bool have_meta;
};

static int
rfail(struct str *err, redisContext *c, const char *what)
{
    str_appendf(err, "bayes Redis: %s: %s", what, c && c->err ? c->errstr : "bad reply");
    return -1;
}

static redisContext *
connect_db(struct redis_store *r, struct str *err)
{
    struct timeval tv = {BAYES_REDIS_TIMEOUT_MS / 1000, (BAYES_REDIS_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(r->host, r->port, tv);
    if (c == NULL || c->err) {
        str_appendf(err, "bayes Redis %s:%d: %s", r->host, r->port,
                    c ? c->errstr : "cannot connect");
        if (c)
            redisFree(c);
        return NULL;
    }
    (void)redisSetTimeout(c, tv);
    redisReply *rep = redisCommand(c, "SELECT %d", r->db);
    bool ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    if (!ok) {
        rfail(err, c, "SELECT");
        redisFree(c);
        return NULL;
    }
    return c;
}

static redisContext *
reader_take(struct redis_store *r, struct str *err)
{
    redisContext *c = NULL;
    pthread_mutex_lock(&r->lock);
    if (r->npool)
        c = r->pool[--r->npool];
    pthread_mutex_unlock(&r->lock);
    return c ? c : connect_db(r, err);
}

/* Give a reader back, or drop it when it failed. */
static void
reader_give(struct redis_store *r, redisContext *c)
{
    if (c->err) {
        redisFree(c);
        return;
    }
    pthread_mutex_lock(&r->lock);
    if (r->npool == r->cappool)
        r->pool = xreallocarray(r->pool, r->cappool = r->cappool ? 2 * r->cappool : 4,
                                sizeof(*r->pool));
    r->pool[r->npool++] = c;
    pthread_mutex_unlock(&r->lock);
}

/* redis://HOST[:PORT][/N] */
static int
parse_url(const char *url, struct redis_store *r, struct str *err)
{
    const char *h = url + 8, *end = h + strcspn(h, ":/");
    r->port = 6379;
    r->db = 0;
    if (end == h || end - h > 255)
        goto bad;
    r->host = xcalloc(1, (size_t)(end - h) + 1);
    memcpy(r->host, h, (size_t)(end - h));
    char *e;
    if (*end == ':') {
        long p = strtol(end + 1, &e, 10);
        if (e == end + 1 || p < 1 || p > 65535)
            goto bad;
        r->port = (int)p;
        end = e;
    }
    if (*end == '/') {
        long n = strtol(end + 1, &e, 10);
        if (e == end + 1 || n < 0 || n > 100000)
            goto bad;
        r->db = (int)n;
        end = e;
    }
    if (*end == '\0')
        return 0;
bad:
    str_appendf(err, "bayes_db %s: not redis://HOST[:PORT][/N]", url);
    return -1;
}

static void
redis_close(void *b)
{
    struct redis_store *r = b;
    for (size_t i = 0; i < r->npool; i++)
        redisFree(r->pool[i]);
    if (r->w)
        redisFree(r->w);
    pthread_mutex_destroy(&r->lock);
    free(r->pool);
    free(r->seen);
    free(r->host);
    free(r);
}

int
bayes_redis_open(const char *url, unsigned flags, void **b_r, struct str *err)
{
    struct redis_store *r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    redisContext *c = NULL;
    if (parse_url(url, r, err) < 0 ||
        (!(flags & BAYES_STORE_LAZY) && (c = connect_db(r, err)) == NULL)) {
        redis_close(r);
        return -1;
    }
    if (c)
        reader_give(r, c); /* the server answers: keep the connection */
    *b_r = r;
    return 0;
}

/* Replies. */

static uint64_t
reply_u64(const redisReply *e)
{
    if (e == NULL)
        return 0;
    if (e->type == REDIS_REPLY_INTEGER)
        return e->integer > 0 ? (uint64_t)e->integer : 0;
    if (e->type != REDIS_REPLY_STRING)
        return 0;
    long long v = strtoll(e->str, NULL, 10);
    return v > 0 ? (uint64_t)v : 0;
}

static void
meta_from(const redisReply *a, struct bayes_meta *m)
{
    memset(m, 0, sizeof(*m));
    if (a == NULL || a->type != REDIS_REPLY_ARRAY || a->elements != 5)
        return;
    m->nspam = reply_u64(a->element[0]);
    m->nham = reply_u64(a->element[1]);
    m->last_expire = (int64_t)reply_u64(a->element[2]);
    m->last_expire_age = (int64_t)reply_u64(a->element[3]);
    m->last_expire_count = reply_u64(a->element[4]);
}

#define META_FIELDS "nspam", "nham", "last_expire", "last_expire_age", "last_expire_count"

/* argv for "CMD KEY field..." with the 6-byte keys of n hashes (one
 * allocation: the caller frees *argv_r and *len_r). */
static void
keys_argv(const char *cmd, const char *key, const uint64_t *keys, size_t n,
          unsigned char *buf, const char ***argv_r, size_t **len_r)
{
    const char **argv = xcalloc(n + 2, sizeof(*argv));
    size_t *len = xcalloc(n + 2, sizeof(*len));
    argv[0] = cmd, len[0] = strlen(cmd);
    argv[1] = key, len[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        bayes_store_key(keys[i], buf + BAYES_KEY_LEN * i);
        argv[i + 2] = (const char *)buf + BAYES_KEY_LEN * i;
        len[i + 2] = BAYES_KEY_LEN;
    }
    *argv_r = argv;
    *len_r = len;
}

/* Read the replies of MULTI, k queued commands and EXEC; *exec_r gets
 * EXEC's (the caller frees it). */
static int
read_exec(redisContext *c, size_t k, redisReply **exec_r, struct str *err)
{
    *exec_r = NULL;
    int bad = 0;
    for (size_t i = 0; i < k + 2; i++) {
        void *rep = NULL;
        if (redisGetReply(c, &rep) != REDIS_OK)
            return rfail(err, c, "reply");
        redisReply *rr = rep;
        if (i == k + 1)
            *exec_r = rr;
        else {
            bad |= rr->type == REDIS_REPLY_ERROR;
            freeReplyObject(rr);
        }
    }
    if (bad || *exec_r == NULL || (*exec_r)->type != REDIS_REPLY_ARRAY) {
        if (*exec_r)
            freeReplyObject(*exec_r);
        *exec_r = NULL;
        return rfail(err, NULL, "transaction");
    }
    return 0;
}

static void
counts_from(const redisReply *s, const redisReply *h, size_t n, struct bayes_count *out)
{
    bool ok_s = s && s->type == REDIS_REPLY_ARRAY && s->elements == n;
    bool ok_h = h && h->type == REDIS_REPLY_ARRAY && h->elements == n;
    for (size_t i = 0; i < n; i++) {
        uint64_t sp = ok_s ? reply_u64(s->element[i]) : 0;
        uint64_t hm = ok_h ? reply_u64(h->element[i]) : 0;
        out[i] = (struct bayes_count){sp > UINT32_MAX ? UINT32_MAX : (uint32_t)sp,
                                      hm > UINT32_MAX ? UINT32_MAX : (uint32_t)hm};
    }
}

static int
redis_lookup(void *b, const uint64_t *keys, const uint32_t *deps, size_t n,
             struct bayes_count *out, struct bayes_meta *meta, struct str *err)
{
    struct redis_store *r = b;
    memset(out, 0, n * sizeof(*out));
    memset(meta, 0, sizeof(*meta));
    redisContext *c = reader_take(r, err);
    if (c == NULL)
        return -1;
    unsigned char *buf = xcalloc(n ? n : 1, BAYES_KEY_LEN);
    const char **argv;
    size_t *len;
    keys_argv("HMGET", K_S, keys, n, buf, &argv, &len);
    static const char *const mf[] = {"HMGET", K_META, META_FIELDS};
    (void)redisAppendCommand(c, "MULTI");
    size_t k = 1;
    if (n) {
        (void)redisAppendCommandArgv(c, (int)n + 2, argv, len);
        argv[1] = K_H, len[1] = strlen(K_H);
        (void)redisAppendCommandArgv(c, (int)n + 2, argv, len);
        k += 2;
    }
    (void)redisAppendCommandArgv(c, 7, (const char **)mf, NULL);
    (void)redisAppendCommand(c, "EXEC");
    redisReply *ex;
    int rc = read_exec(c, k, &ex, err);
    if (rc == 0 && ex->elements == k) {
        if (n)
            counts_from(ex->element[0], ex->element[1], n, out);
        meta_from(ex->element[k - 1], meta);
    }
    if (ex)
        freeReplyObject(ex);
    free(argv);
    free(len);
    free(buf);
    reader_give(r, c);
    return rc;
}

/* Writing. */

static int
redis_begin(void *b, struct str *err)
{
    struct redis_store *r = b;
    if (r->w == NULL && (r->w = connect_db(r, err)) == NULL)
        return -1;
    (void)redisAppendCommand(r->w, "MULTI");
    r->queued = 0;
    r->have_meta = false;
    return 0;
}

/* Queue the message counts' changes (HINCRBY: writers add up). */
static void
queue_meta(struct redis_store *r)
{
    if (!r->have_meta)
        return;
    long long ds = (long long)r->meta.nspam - (long long)r->meta0.nspam;
    long long dh = (long long)r->meta.nham - (long long)r->meta0.nham;
    (void)redisAppendCommand(r->w, "HINCRBY %s nspam %lld", K_META, ds);
    (void)redisAppendCommand(r->w, "HINCRBY %s nham %lld", K_META, dh);
    (void)redisAppendCommand(r->w,
                             "HSET %s last_expire %lld last_expire_age %lld "
                             "last_expire_count %llu",
                             K_META, (long long)r->meta.last_expire,
                             (long long)r->meta.last_expire_age,
                             (unsigned long long)r->meta.last_expire_count);
    r->queued += 3;
    r->meta0 = r->meta;
}

static int
redis_commit(void *b, struct str *err)
{
    struct redis_store *r = b;
    queue_meta(r);
    (void)redisAppendCommand(r->w, "EXEC");
    redisReply *ex;
    int rc = read_exec(r->w, r->queued, &ex, err);
    if (ex) {
        for (size_t i = 0; i < ex->elements && rc == 0; i++)
            if (ex->element[i]->type == REDIS_REPLY_ERROR)
                rc = rfail(err, NULL, ex->element[i]->str);
        freeReplyObject(ex);
    }
    r->queued = 0;
    r->nseen = 0;
    if (r->seen)
        memset(r->seen, 0, r->capseen * sizeof(*r->seen));
    if (rc < 0 && r->w->err) {
        redisFree(r->w);
        r->w = NULL;
    }
    return rc;
}

static void
redis_abort(void *b)
{
    struct redis_store *r = b;
    if (r->w == NULL)
        return;
    (void)redisAppendCommand(r->w, "DISCARD");
    for (size_t i = 0; i < r->queued + 2; i++) {
        void *rep = NULL;
        if (redisGetReply(r->w, &rep) != REDIS_OK)
            break;
        freeReplyObject(rep);
    }
    r->queued = 0;
    r->nseen = 0;
    if (r->seen)
        memset(r->seen, 0, r->capseen * sizeof(*r->seen));
}

/* A long transaction is sent in chunks (see store_redis.h). */
static int
queued_one(struct redis_store *r, struct str *err)
{
    if (++r->queued < BAYES_REDIS_CHUNK)
        return 0;
    return redis_commit(r, err) < 0 ? -1 : redis_begin(r, err);
}

static int
redis_get_meta(void *b, struct bayes_meta *m, struct str *err)
{
    struct redis_store *r = b;
    if (r->have_meta) {
        *m = r->meta;
        return 0;
    }
    struct bayes_count none;
    if (redis_lookup(b, NULL, NULL, 0, &none, m, err) < 0)
        return -1;
    if (r->w) { /* inside a transaction: remember what was read */
        r->meta0 = r->meta = *m;
        r->have_meta = true;
    }
    return 0;
}

static int
redis_put_meta(void *b, const struct bayes_meta *m, struct str *err)
{
    struct redis_store *r = b;
    if (!r->have_meta) {
        struct bayes_meta now;
        if (redis_get_meta(b, &now, err) < 0)
            return -1;
    }
    r->meta = *m;
    return 0;
}

static int
redis_update(void *b, const uint64_t *keys, size_t n, int dspam, int dham, uint32_t now,
             struct str *err)
{
    struct redis_store *r = b;
    if (n == 0)
        return 0;
    unsigned char *buf = xcalloc(n, BAYES_KEY_LEN);
    const char **argv = xcalloc(n + 9, sizeof(*argv));
    size_t *len = xcalloc(n + 9, sizeof(*len));
    char ds[16], dh[16], day[16];
    snprintf(ds, sizeof(ds), "%d", dspam);
    snprintf(dh, sizeof(dh), "%d", dham);
    snprintf(day, sizeof(day), "%u", now / BAYES_DAY);
    const char *head[] = {"EVAL", update_lua, "3", K_S, K_H, K_A, ds, dh, day};
    for (size_t i = 0; i < 9; i++)
        argv[i] = head[i], len[i] = strlen(head[i]);
    for (size_t i = 0; i < n; i++) {
        bayes_store_key(keys[i], buf + BAYES_KEY_LEN * i);
        argv[9 + i] = (const char *)buf + BAYES_KEY_LEN * i;
        len[9 + i] = BAYES_KEY_LEN;
    }
    (void)redisAppendCommandArgv(r->w, (int)(n + 9), argv, len);
    free(argv);
    free(len);
    free(buf);
    return queued_one(r, err);
}

static int
redis_put_token(void *b, const struct bayes_token_rec *rec, struct str *err)
{
    struct redis_store *r = b;
    unsigned char k[BAYES_KEY_LEN];
    bayes_store_key(rec->hash, k);
    if (rec->spam == 0 && rec->ham == 0) { /* the token goes */
        (void)redisAppendCommand(r->w, "HDEL %s %b", K_S, k, (size_t)BAYES_KEY_LEN);
        (void)redisAppendCommand(r->w, "HDEL %s %b", K_H, k, (size_t)BAYES_KEY_LEN);
        (void)redisAppendCommand(r->w, "HDEL %s %b", K_A, k, (size_t)BAYES_KEY_LEN);
        r->queued += 2;
        return queued_one(r, err);
    }
    (void)redisAppendCommand(r->w, "HSET %s %b %u", K_S, k, (size_t)BAYES_KEY_LEN, rec->spam);
    (void)redisAppendCommand(r->w, "HSET %s %b %u", K_H, k, (size_t)BAYES_KEY_LEN, rec->ham);
    (void)redisAppendCommand(r->w, "HSET %s %b %u", K_A, k, (size_t)BAYES_KEY_LEN,
                             rec->atime / BAYES_DAY);
    r->queued += 2;
    return queued_one(r, err);
}

/* The pending digests of the open transaction (open addressing). */
static struct pending_seen *
pending(struct redis_store *r, const uint8_t d[16], bool add)
{
    if (add && (r->nseen + 1) * 2 > r->capseen) {
        struct pending_seen *old = r->seen;
        size_t oldcap = r->capseen;
        r->capseen = oldcap ? oldcap * 2 : 256;
        r->seen = xcalloc(r->capseen, sizeof(*r->seen));
        r->nseen = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].used)
                *pending(r, old[i].d, true) = old[i];
        free(old);
    }
    if (r->capseen == 0)
        return NULL;
    uint64_t h;
    memcpy(&h, d, sizeof(h));
    size_t j = (size_t)h & (r->capseen - 1);
    while (r->seen[j].used && memcmp(r->seen[j].d, d, 16) != 0)
        j = (j + 1) & (r->capseen - 1);
    if (!r->seen[j].used) {
        if (!add)
            return NULL;
        r->seen[j].used = true;
        memcpy(r->seen[j].d, d, 16);
        r->nseen++;
    }
    return &r->seen[j];
}

static int
redis_get_seen(void *b, const uint8_t d[16], enum bayes_seen *cls, struct str *err)
{
    struct redis_store *r = b;
    const struct pending_seen *p = pending(r, d, false);
    if (p) {
        *cls = p->cls;
        return 0;
    }
    redisContext *c = reader_take(r, err);
    if (c == NULL)
        return -1;
    redisReply *rep = redisCommand(c, "HGET %s %b", K_SEEN, d, (size_t)16);
    int rc = rep ? 0 : rfail(err, c, "HGET");
    *cls = BAYES_SEEN_NONE;
    if (rep && rep->type == REDIS_REPLY_STRING && rep->len == 1)
        *cls = rep->str[0] == 's' ? BAYES_SEEN_SPAM : BAYES_SEEN_HAM;
    if (rep)
        freeReplyObject(rep);
    reader_give(r, c);
    return rc;
}

static int
redis_put_seen(void *b, const uint8_t d[16], enum bayes_seen cls, struct str *err)
{
    struct redis_store *r = b;
    pending(r, d, true)->cls = cls;
    if (cls == BAYES_SEEN_NONE)
        (void)redisAppendCommand(r->w, "HDEL %s %b", K_SEEN, d, (size_t)16);
    else
        (void)redisAppendCommand(r->w, "HSET %s %b %s", K_SEEN, d, (size_t)16,
                                 cls == BAYES_SEEN_SPAM ? "s" : "h");
    return queued_one(r, err);
}

/* HSCAN key from cursor "0" until it comes back to "0"; cb gets each batch
 * of field/value pairs. */
typedef int (*scan_cb)(void *ctx, redisContext *c, const redisReply *pairs, struct str *err);

static int
scan(struct redis_store *r, const char *key, scan_cb cb, void *ctx, struct str *err)
{
    redisContext *c = reader_take(r, err);
    if (c == NULL)
        return -1;
    char cursor[32] = "0";
    int rc = 0;
    do {
        redisReply *rep = redisCommand(c, "HSCAN %s %s COUNT 1000", key, cursor);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            rep->element[0]->type != REDIS_REPLY_STRING ||
            rep->element[1]->type != REDIS_REPLY_ARRAY || rep->element[0]->len >= 32) {
            rc = rfail(err, c, "HSCAN");
        } else {
            memcpy(cursor, rep->element[0]->str, rep->element[0]->len + 1);
            rc = cb(ctx, c, rep->element[1], err);
        }
        if (rep)
            freeReplyObject(rep);
    } while (rc == 0 && strcmp(cursor, "0") != 0);
    reader_give(r, c);
    return rc;
}

struct tok_scan {
    bayes_token_cb cb;
    void *ctx;
    uint32_t before; /* expire: remove tokens older; 0: report them */
    struct redis_store *r;
    uint64_t removed;
};

static int
tok_batch(void *ctx, redisContext *c, const redisReply *pairs, struct str *err)
{
    struct tok_scan *ts = ctx;
    size_t n = pairs->elements / 2;
    uint64_t *keys = xcalloc(n ? n : 1, sizeof(*keys));
    for (size_t i = 0; i < n; i++)
        if (pairs->element[2 * i]->type == REDIS_REPLY_STRING &&
            pairs->element[2 * i]->len == BAYES_KEY_LEN)
            keys[i] = bayes_store_hash((const unsigned char *)pairs->element[2 * i]->str);
    unsigned char *buf = xcalloc(n ? n : 1, BAYES_KEY_LEN);
    const char **argv;
    size_t *len;
    keys_argv("HMGET", K_H, keys, n, buf, &argv, &len);
    redisReply *h = n ? redisCommandArgv(c, (int)n + 2, argv, len) : NULL;
    argv[1] = K_A, len[1] = strlen(K_A);
    redisReply *a = n ? redisCommandArgv(c, (int)n + 2, argv, len) : NULL;
    int rc = n && (h == NULL || a == NULL || a->type != REDIS_REPLY_ARRAY ||
                   a->elements != n) ? rfail(err, c, "HMGET") : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint64_t s = reply_u64(pairs->element[2 * i + 1]);
        struct bayes_token_rec rec = {keys[i], (uint32_t)s, 0,
                                      (uint32_t)reply_u64(a->element[i]) * BAYES_DAY};
        rec.ham = h->type == REDIS_REPLY_ARRAY && h->elements == n
                      ? (uint32_t)reply_u64(h->element[i]) : 0;
        if (ts->cb)
            rc = ts->cb(ts->ctx, &rec);
        else if (rec.atime < ts->before) {
            rec.spam = rec.ham = 0;
            rc = redis_put_token(ts->r, &rec, err);
            ts->removed++;
        }
    }
    if (h)
        freeReplyObject(h);
    if (a)
        freeReplyObject(a);
    free(argv);
    free(len);
    free(buf);
    free(keys);
    return rc;
}

static int
redis_foreach_token(void *b, bayes_token_cb cb, void *ctx, struct str *err)
{
    struct tok_scan ts = {cb, ctx, 0, b, 0};
    return scan(b, K_S, tok_batch, &ts, err);
}

struct seen_scan {
    bayes_seen_cb cb;
    void *ctx;
};

static int
seen_batch(void *ctx, redisContext *c, const redisReply *pairs, struct str *err)
{
    struct seen_scan *ss = ctx;
    (void)c, (void)err;
    int rc = 0;
    for (size_t i = 0; i + 1 < pairs->elements && rc == 0; i += 2) {
        const redisReply *k = pairs->element[i], *v = pairs->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || k->len != 16 || v->type != REDIS_REPLY_STRING)
            continue;
        rc = ss->cb(ss->ctx, (const uint8_t *)k->str,
                    v->str[0] == 's' ? BAYES_SEEN_SPAM : BAYES_SEEN_HAM);
    }
    return rc;
}

static int
redis_foreach_seen(void *b, bayes_seen_cb cb, void *ctx, struct str *err)
{
    struct seen_scan ss = {cb, ctx};
    return scan(b, K_SEEN, seen_batch, &ss, err);
}

static int
redis_expire(void *b, uint32_t before, uint64_t *removed_r, struct str *err)
{
    struct tok_scan ts = {NULL, NULL, before, b, 0};
    int rc = scan(b, K_S, tok_batch, &ts, err);
    *removed_r = ts.removed;
    return rc;
}

static int
redis_clear(void *b, struct str *err)
{
    struct redis_store *r = b;
    (void)redisAppendCommand(r->w, "DEL %s %s %s %s %s", K_S, K_H, K_A, K_SEEN, K_META);
    r->have_meta = true; /* the counts are now 0 */
    memset(&r->meta, 0, sizeof(r->meta));
    memset(&r->meta0, 0, sizeof(r->meta0));
    return queued_one(r, err);
}

static uint64_t
redis_size(void *b)
{
    (void)b;
    return 0; /* the server's memory is not ours to measure */
}

const struct bayes_store_ops bayes_redis_ops = {
    .name = "redis",
    .lookup = redis_lookup,
    .begin = redis_begin,
    .commit = redis_commit,
    .abort = redis_abort,
    .get_meta = redis_get_meta,
    .put_meta = redis_put_meta,
    .update = redis_update,
    .put_token = redis_put_token,
    .get_seen = redis_get_seen,
    .put_seen = redis_put_seen,
    .foreach_token = redis_foreach_token,
    .foreach_seen = redis_foreach_seen,
    .expire = redis_expire,
    .clear = redis_clear,
    .size = redis_size,
    .close = redis_close,
};
