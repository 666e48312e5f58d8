/*
 * test_store: the Bayes store on LMDB, or on the Redis server named by
 * TAMIS_BAYES_TEST_DB (redis://..., tests/bayes/redis.sh starts one): learning, learning twice, moving a
 * message to the other class, forgetting exactly, expiry, clearing, the
 * text backup and restore; a writer in another process never blocks nor
 * tears a reader's snapshot.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bayes/salearn.h"
#include "bayes/store.h"
#include "bayes/token.h"
#include "t.h"

static char dir[64];
static bool redis; /* dir is a redis:// URL */

/* Token hashes: the store keeps their top 48 bits. */
#define K(n) ((uint64_t)(n) << 40)

static struct bayes_store *
open_store(unsigned flags)
{
    struct bayes_store *s = NULL;
    struct str err;
    str_init(&err, 0);
    int r = bayes_store_open(dir, flags, &s, &err);
    if (r != 0)
        fprintf(stderr, "open: %d %s\n", r, str_cstr(&err));
    str_deinit(&err);
    return s;
}

/* Counts of one token and the message counts, in one snapshot. */
static struct bayes_count
lookup(struct bayes_store *s, uint64_t h, struct bayes_meta *m)
{
    struct bayes_count c;
    struct str err;
    str_init(&err, 0);
    CHECK_INT(s->ops->lookup(s->backend, &h, NULL, 1, &c, m, &err), 0);
    str_deinit(&err);
    return c;
}

static int
learn(struct bayes_store *s, const uint64_t *keys, size_t n, enum bayes_seen cls)
{
    struct str err;
    str_init(&err, 0);
    CHECK_INT(bayes_store_begin(s, &err), 0);
    int r = bayes_learn(s, keys, n, cls, 1000, &err);
    CHECK_INT(bayes_store_commit(s, &err), 0);
    str_deinit(&err);
    return r;
}

static void
test_missing(void)
{
    struct bayes_store *s = NULL;
    struct str err;
    str_init(&err, 0);
    if (!redis) {
        CHECK_INT(bayes_store_open(dir, 0, &s, &err), 1); /* nothing learned yet */
        CHECK(s == NULL);
    }
    CHECK_INT(bayes_store_open("redis://127.0.0.1:1/0", 0, &s, &err), -1); /* no server */
    CHECK(strstr(str_cstr(&err), "127.0.0.1:1") != NULL);
    str_clear(&err);
    CHECK_INT(bayes_store_open("redis://127.0.0.1:x/0", 0, &s, &err), -1);
    CHECK_STR(str_cstr(&err), "bayes_db redis://127.0.0.1:x/0: not redis://HOST[:PORT][/N]");
    str_deinit(&err);
}

/* A pair (by deps) is looked up only when both its words are known. */
static void
test_pair_skip(void)
{
    if (redis)
        return; /* the Redis backend looks every token up */
    struct bayes_store *s = open_store(BAYES_STORE_WRITE | BAYES_STORE_CREATE);
    uint64_t a[] = {K(10), K(11), K(12)}, keys[] = {K(10), K(11), K(13)};
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_SPAM), BAYES_LEARNED);
    uint32_t unknown_word[] = {BAYES_NO_DEP, BAYES_NO_DEP, 0, 2, BAYES_NO_DEP, BAYES_NO_DEP};
    uint32_t known_words[] = {BAYES_NO_DEP, BAYES_NO_DEP, 0, 0, BAYES_NO_DEP, BAYES_NO_DEP};
    struct bayes_count c[3];
    struct bayes_meta m;
    struct str err;
    str_init(&err, 0);
    CHECK_INT(s->ops->lookup(s->backend, keys, unknown_word, 3, c, &m, &err), 0);
    CHECK_INT(c[0].spam, 1);
    CHECK_INT(c[1].spam, 0); /* K(13) is unknown: K(11) not looked up */
    CHECK_INT(s->ops->lookup(s->backend, keys, known_words, 3, c, &m, &err), 0);
    CHECK_INT(c[1].spam, 1);
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_NONE), BAYES_LEARNED);
    CHECK_INT(s->ops->lookup(s->backend, keys, known_words, 3, c, &m, &err), 0);
    CHECK_INT(c[1].spam, 0); /* a new snapshot: nothing cached from before */
    str_deinit(&err);
    bayes_store_close(&s);
}

static void
test_learn_forget(void)
{
    struct bayes_store *s = open_store(BAYES_STORE_WRITE | BAYES_STORE_CREATE);
    uint64_t a[] = {K(1), K(2), K(3)}, b[] = {K(2), K(3), K(4)};
    struct bayes_meta m;
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_SPAM), BAYES_LEARNED);
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_SPAM), BAYES_ALREADY);
    CHECK_INT(learn(s, b, 3, BAYES_SEEN_HAM), BAYES_LEARNED);
    struct bayes_count c = lookup(s, K(2), &m);
    CHECK_INT(c.spam, 1);
    CHECK_INT(c.ham, 1);
    CHECK_INT(m.nspam, 1);
    CHECK_INT(m.nham, 1);
    /* a moves to ham: its spam counts go, its ham counts come. */
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_HAM), BAYES_LEARNED);
    c = lookup(s, K(1), &m);
    CHECK_INT(c.spam, 0);
    CHECK_INT(c.ham, 1);
    CHECK_INT(m.nspam, 0);
    CHECK_INT(m.nham, 2);
    /* Forgetting undoes exactly; forgetting again does nothing. */
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_NONE), BAYES_LEARNED);
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_NONE), BAYES_NOT_LEARNED);
    c = lookup(s, K(1), &m);
    CHECK_INT(c.spam + c.ham, 0);
    c = lookup(s, K(2), &m);
    CHECK_INT(c.ham, 1);
    CHECK_INT(m.nham, 1);
    bayes_store_close(&s);
}

/* After many lookups in one snapshot the store answers from the snapshot
 * in memory (snap_index.h): what it holds is still found, and a token
 * learned later (a new snapshot) is not hidden by the old index. */
static void
test_snap_index(void)
{
    struct bayes_store *s = open_store(BAYES_STORE_WRITE | BAYES_STORE_CREATE);
    uint64_t a[200], b[] = {K(5000)};
    for (size_t i = 0; i < 200; i++)
        a[i] = K(1000 + i);
    struct bayes_meta m;
    CHECK_INT(learn(s, a, 200, BAYES_SEEN_SPAM), BAYES_LEARNED);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 100; i++) { /* enough to build the filter */
            CHECK_INT(lookup(s, a[i * 7 % 200], &m).spam, 1);
            CHECK_INT(lookup(s, K(6000 + i), &m).spam, 0);
        }
        CHECK_INT(lookup(s, K(5000), &m).ham, (unsigned)round);
        if (round == 0)
            CHECK_INT(learn(s, b, 1, BAYES_SEEN_HAM), BAYES_LEARNED);
    }
    for (size_t i = 0; i < 200; i++)
        CHECK_INT(lookup(s, a[i], &m).spam, 1);
    CHECK_INT(learn(s, a, 200, BAYES_SEEN_NONE), BAYES_LEARNED); /* as it was */
    CHECK_INT(learn(s, b, 1, BAYES_SEEN_NONE), BAYES_LEARNED);
    for (int i = 0; i < 100; i++)
        CHECK_INT(lookup(s, a[i], &m).spam, 0);
    bayes_store_close(&s);
}

/* Keys past the database's last one are appended; two hashes that share
 * a stored key (the top 48 bits) still add up in one record. */
static void
test_append(void)
{
    struct bayes_store *s = open_store(BAYES_STORE_WRITE | BAYES_STORE_CREATE);
    uint64_t a[] = {0xfffffffff0000000u, 0xfffffffffff00001u, 0xfffffffffff00002u}, filler[100];
    for (size_t i = 0; i < 100; i++)
        filler[i] = K(7000 + i);
    struct bayes_meta m;
    /* Enough tokens first that a's three go one by one (a batch as large
     * as half the database rewrites it instead). */
    CHECK_INT(learn(s, filler, 100, BAYES_SEEN_HAM), BAYES_LEARNED);
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_SPAM), BAYES_LEARNED);
    CHECK_INT(lookup(s, a[0], &m).spam, 1);
    CHECK_INT(lookup(s, a[1], &m).spam, 2);
    CHECK_INT(learn(s, a, 3, BAYES_SEEN_NONE), BAYES_LEARNED);
    CHECK_INT(lookup(s, a[2], &m).spam, 0);
    CHECK_INT(lookup(s, filler[7], &m).ham, 1);
    CHECK_INT(learn(s, filler, 100, BAYES_SEEN_NONE), BAYES_LEARNED);
    CHECK_INT(lookup(s, filler[7], &m).ham, 0);
    bayes_store_close(&s);
}

static void
test_backup_restore_expire(void)
{
    struct bayes_store *s = open_store(BAYES_STORE_WRITE | BAYES_STORE_CREATE);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct str err;
    str_init(&err, 0);
    CHECK_INT(salearn_backup(s, f, &err), 0);
    fclose(f);
    CHECK(strstr(text, "v\t1\tnum_nonspam\n") != NULL);
    CHECK(strstr(text, "t\t0\t1\t0\t0000040000000000\n") != NULL);
    CHECK_INT(salearn_clear(s, &err), 0);
    struct bayes_meta m;
    CHECK_INT(lookup(s, K(4), &m).ham, 0);
    CHECK_INT(m.nham, 0);
    f = fmemopen(text, len, "r");
    CHECK_INT(salearn_restore(s, f, "backup", &err), 0);
    fclose(f);
    CHECK_INT(lookup(s, K(4), &m).ham, 1);
    CHECK_INT(m.nham, 1);
    /* The digests came back: learning b again is "already". */
    uint64_t b[] = {K(2), K(3), K(4)};
    CHECK_INT(learn(s, b, 3, BAYES_SEEN_HAM), BAYES_ALREADY);
    /* A bad line changes nothing. */
    static const char bad[] = "v\t1\tdb_version\nt\t1\t2\n";
    f = fmemopen((void *)bad, sizeof(bad) - 1, "r");
    str_clear(&err);
    CHECK_INT(salearn_restore(s, f, "bad", &err), -1);
    fclose(f);
    CHECK_STR(str_cstr(&err), "bad:2: not a line of a salearn backup");
    CHECK_INT(lookup(s, K(4), &m).ham, 1);
    /* Expiry: the tokens were learned at time 1000, long ago. */
    f = fopen("/dev/null", "w");
    CHECK_INT(salearn_expire(s, 86400, f, &err), 0);
    fclose(f);
    CHECK_INT(lookup(s, K(4), &m).ham, 0);
    CHECK_INT(m.last_expire_count, 3);
    free(text);
    str_deinit(&err);
    bayes_store_close(&s);
}

/* A writer process learns 200 messages that all hold tokens 100..149, one
 * transaction each, and holds one transaction open for 2 s: it writes 'h'
 * on fd when it starts holding it and 'r' when it is about to let go
 * (before the commit). */
static void
writer(int fd)
{
    struct bayes_store *s = open_store(BAYES_STORE_WRITE);
    struct str err;
    str_init(&err, 0);
    uint64_t k[51];
    for (int i = 0; i < 50; i++)
        k[i] = K(100 + i);
    for (int m = 0; m < 200; m++) {
        k[50] = K(1000 + m); /* makes each message different */
        if (bayes_store_begin(s, &err) < 0 || bayes_learn(s, k, 51, BAYES_SEEN_SPAM, 5, &err) < 0)
            _exit(1);
        if (m == 100) {
            if (write(fd, "h", 1) != 1)
                _exit(1);
            nanosleep(&(struct timespec){2, 0}, NULL);
            if (write(fd, "r", 1) != 1)
                _exit(1);
        }
        if (bayes_store_commit(s, &err) < 0)
            _exit(1);
    }
    bayes_store_close(&s);
    _exit(0);
}

/* The next byte on the non-blocking fd, or 0 when none is there. */
static char
next_byte(int fd)
{
    char c;
    return read(fd, &c, 1) == 1 ? c : 0;
}

/* Scoring goes on while salearn trains: every lookup sees whole messages
 * (no torn counts), and a lookup made while the writer holds its
 * transaction open returns before the writer lets go of it. */
static void
test_concurrent(void)
{
    struct bayes_store *s = open_store(0);
    int sig[2];
    if (pipe(sig) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(sig[0]);
        writer(sig[1]);
    }
    close(sig[1]);
    fcntl(sig[0], F_SETFL, O_NONBLOCK);
    uint64_t k[50];
    for (int i = 0; i < 50; i++)
        k[i] = K(100 + i);
    struct bayes_count c[50];
    struct bayes_meta m;
    struct str err;
    str_init(&err, 0);
    int torn = 0, status = 0, during_hold = 0, waited = 0;
    for (int done = 0; !done;) {
        done = waitpid(pid, &status, WNOHANG) == pid;
        char b = next_byte(sig[0]);
        CHECK_INT(s->ops->lookup(s->backend, k, NULL, 50, c, &m, &err), 0);
        if (b == 'h') { /* the writer holds its transaction now */
            during_hold++;
            waited += next_byte(sig[0]) == 'r'; /* it let go before we returned */
        }
        for (int i = 0; i < 50; i++)
            torn += c[i].spam != m.nspam; /* every message held every token */
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(torn, 0);
    CHECK_INT(during_hold, 1);
    CHECK_INT(waited, 0); /* never waited for the writer's open transaction */
    CHECK_INT(m.nspam, 200);
    close(sig[0]);
    str_deinit(&err);
    bayes_store_close(&s);
}

int
main(void)
{
    const char *url = getenv("TAMIS_BAYES_TEST_DB");
    redis = url != NULL;
    if (redis)
        snprintf(dir, sizeof(dir), "%s", url);
    else
        snprintf(dir, sizeof(dir), "/tmp/tamis-test-store.%ld", (long)getpid());
    T_RUN(test_missing);
    T_RUN(test_learn_forget);
    T_RUN(test_pair_skip);
    T_RUN(test_snap_index);
    T_RUN(test_append);
    T_RUN(test_backup_restore_expire);
    T_RUN(test_concurrent);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (!redis)
        CHECK_INT(system(cmd), 0);
    return t_done();
}
