/*
 * Tests of filterd/dns (the c-ares resolver) against a small DNS server in
 * a thread of this test, on 127.0.0.1 (an ephemeral UDP port): answers,
 * NXDOMAIN, the time budget with a name the server never answers, the TTL
 * cache (no second query), its bound, the memory of failures, sharing,
 * and batches run by several threads at once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filterd/dns.h"
#include "t.h"

static int server_fd;
static int server_port;
static atomic_int queries;
static atomic_bool stop;

/* Answer one query: "listed*" gets 127.0.0.2 (TTL 60), "silent*" nothing,
 * anything else NXDOMAIN. */
static void
answer(const uint8_t *q, size_t n, struct sockaddr_in *from, socklen_t flen)
{
    uint8_t r[600];
    size_t end = 12;
    while (end < n && q[end] != 0)
        end += (size_t)q[end] + 1;
    end += 5; /* the root label, type and class */
    if (n < 13 || end > n || end + 16 > sizeof(r))
        return;
    atomic_fetch_add(&queries, 1);
    if (memcmp(q + 13, "silent", 6) == 0)
        return;
    bool listed = memcmp(q + 13, "listed", 6) == 0;
    memcpy(r, q, end);
    r[2] = 0x81;
    r[3] = listed ? 0x80 : 0x83;
    r[6] = 0;
    r[7] = listed ? 1 : 0;
    memset(r + 8, 0, 4);
    size_t len = end;
    if (listed) {
        static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 2};
        memcpy(r + len, rr, sizeof(rr));
        len += sizeof(rr);
    }
    (void)sendto(server_fd, r, len, 0, (struct sockaddr *)from, flen);
}

static void *
server(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        struct pollfd p = {.fd = server_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        uint8_t q[600];
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(server_fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
        if (n > 0)
            answer(q, (size_t)n, &from, flen);
    }
    return NULL;
}

static pthread_t server_thread;

static void
server_start(void)
{
    server_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(server_fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    socklen_t alen = sizeof(a);
    getsockname(server_fd, (struct sockaddr *)&a, &alen);
    server_port = ntohs(a.sin_port);
    pthread_create(&server_thread, NULL, server, NULL);
}

static struct dns_resolver *
resolver(long budget_ms, size_t cache)
{
    char srv[32];
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", server_port);
    const char *s = srv;
    struct str err;
    str_init(&err, 0);
    struct dns_resolver *r = dns_resolver_new(&s, 1, budget_ms, cache, &err);
    CHECK(r != NULL);
    str_deinit(&err);
    return r;
}

static void
test_answers(void)
{
    struct dns_resolver *r = resolver(2000, 100);
    struct dns_batch *b = dns_batch_new(r, "test");
    size_t l = dns_batch_add(b, "listed1.zone.test", DNS_TYPE_A);
    size_t u = dns_batch_add(b, "unlisted.zone.test", DNS_TYPE_A);
    CHECK_INT(dns_batch_add(b, "listed1.zone.test", DNS_TYPE_A), l);
    dns_batch_run(b);
    const struct dns_answer *a = dns_batch_answer(b, l);
    CHECK_INT(a->kind, DNS_R_FOUND);
    CHECK_INT(a->na, 1);
    CHECK_INT(a->a[0], 0x7f000002);
    CHECK_INT(a->ttl, 60);
    CHECK_INT(dns_batch_answer(b, u)->kind, DNS_R_NXDOMAIN);
    CHECK_STR(dns_batch_name(b, u), "unlisted.zone.test");
    dns_batch_free(&b);
    /* The cache answers the second time: no query goes out. */
    int before = atomic_load(&queries);
    b = dns_batch_new(r, "test");
    l = dns_batch_add(b, "listed1.zone.test", DNS_TYPE_A);
    dns_batch_run(b);
    CHECK_INT(dns_batch_answer(b, l)->kind, DNS_R_FOUND);
    CHECK_INT(atomic_load(&queries), before);
    CHECK_INT(dns_resolver_cached(r), 1);
    dns_batch_free(&b);
    dns_resolver_free(&r);
}

static void
test_budget(void)
{
    struct dns_resolver *r = resolver(300, 100);
    struct dns_batch *b = dns_batch_new(r, "test");
    char name[64];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "silent%d.zone.test", i);
        dns_batch_add(b, name, DNS_TYPE_A);
    }
    size_t l = dns_batch_add(b, "listed2.zone.test", DNS_TYPE_A);
    long long t0 = dns_now_ms();
    dns_batch_run(b);
    long long took = dns_now_ms() - t0;
    CHECK(took >= 250 && took < 1500); /* 300 ms for the 40 names together */
    CHECK_INT(dns_batch_answer(b, 0)->kind, DNS_R_ERROR);
    CHECK(dns_batch_answer(b, 0)->why != NULL);
    CHECK_INT(dns_batch_answer(b, l)->kind, DNS_R_FOUND);
    dns_batch_free(&b);
    /* The failure is remembered: no wait the second time. */
    b = dns_batch_new(r, "test");
    size_t s = dns_batch_add(b, "silent0.zone.test", DNS_TYPE_A);
    t0 = dns_now_ms();
    dns_batch_run(b);
    CHECK(dns_now_ms() - t0 < 250);
    CHECK_INT(dns_batch_answer(b, s)->kind, DNS_R_ERROR);
    dns_batch_free(&b);
    dns_resolver_free(&r);
}

/* Time one run of a new batch of name (sharing *deadline when not NULL);
 * kind gets the answer's kind. */
static long long
timed_run(struct dns_resolver *r, long long *deadline, const char *name, int *kind)
{
    struct dns_batch *b = dns_batch_new(r, "test");
    if (deadline)
        dns_batch_share_deadline(b, deadline);
    size_t i = dns_batch_add(b, name, DNS_TYPE_A);
    long long t0 = dns_now_ms();
    dns_batch_run(b);
    long long took = dns_now_ms() - t0;
    *kind = dns_batch_answer(b, i)->kind;
    dns_batch_free(&b);
    return took;
}

/* The stages of one message share one budget: once it is spent, a later
 * stage's lookups fail at once, but the cache still answers. */
static void
test_shared_deadline(void)
{
    struct dns_resolver *r = resolver(300, 100);
    long long deadline = 0;
    int kind;
    (void)timed_run(r, NULL, "listed3.zone.test", &kind);
    CHECK_INT(kind, DNS_R_FOUND);
    long long took = timed_run(r, &deadline, "silent-a.zone.test", &kind);
    CHECK(took >= 250 && took < 1500);
    CHECK_INT(kind, DNS_R_ERROR);
    CHECK(deadline > 0 && deadline <= dns_now_ms());
    int before = atomic_load(&queries);
    CHECK(timed_run(r, &deadline, "silent-b.zone.test", &kind) < 50);
    CHECK_INT(kind, DNS_R_ERROR);
    CHECK_INT(atomic_load(&queries), before); /* not even sent */
    CHECK(timed_run(r, &deadline, "listed3.zone.test", &kind) < 50);
    CHECK_INT(kind, DNS_R_FOUND);
    /* Another message gets a budget of its own. */
    long long other = 0;
    CHECK(timed_run(r, &other, "listed4.zone.test", &kind) < 250);
    CHECK_INT(kind, DNS_R_FOUND);
    dns_resolver_free(&r);
}

/* Servers that never reply: one batch waits the budget, the next ones
 * (other stages, other messages) only a short while. */
static void
test_silent_servers(void)
{
    int mute = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(mute, (struct sockaddr *)&a, sizeof(a)) == 0);
    socklen_t alen = sizeof(a);
    getsockname(mute, (struct sockaddr *)&a, &alen);
    char srv[32];
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", ntohs(a.sin_port));
    const char *sp = srv;
    struct str err;
    str_init(&err, 0);
    struct dns_resolver *r = dns_resolver_new(&sp, 1, 600, 100, &err);
    CHECK(r != NULL);
    int kind;
    long long took = timed_run(r, NULL, "one.zone.test", &kind);
    CHECK(took >= 550 && took < 2000);
    CHECK_INT(kind, DNS_R_ERROR);
    took = timed_run(r, NULL, "two.zone.test", &kind);
    CHECK(took >= 50 && took < 400);
    CHECK_INT(kind, DNS_R_ERROR);
    dns_resolver_free(&r);
    str_deinit(&err);
    close(mute);
}

static void
test_cache_bound(void)
{
    struct dns_resolver *r = resolver(2000, 3);
    char name[64];
    for (int i = 0; i < 10; i++) {
        struct dns_batch *b = dns_batch_new(r, "test");
        snprintf(name, sizeof(name), "listed-b%d.zone.test", i);
        dns_batch_add(b, name, DNS_TYPE_A);
        dns_batch_run(b);
        dns_batch_free(&b);
        CHECK(dns_resolver_cached(r) <= 3);
    }
    CHECK_INT(dns_resolver_cached(r), 3);
    dns_resolver_free(&r);
    /* Shared resolvers: the same settings give the same one. */
    const char *srv = "127.0.0.1:1";
    struct str err;
    str_init(&err, 0);
    struct dns_resolver *a = dns_resolver_shared(&srv, 1, 1000, 10, &err);
    struct dns_resolver *b = dns_resolver_shared(&srv, 1, 1000, 10, &err);
    struct dns_resolver *c = dns_resolver_shared(&srv, 1, 2000, 10, &err);
    CHECK(a != NULL && a == b && c != a);
    dns_resolver_release(&a);
    dns_resolver_release(&b);
    dns_resolver_release(&c);
    CHECK(a == NULL && b == NULL && c == NULL);
    str_deinit(&err);
}

static struct dns_resolver *shared_r;

static void *
worker(void *arg)
{
    int id = (int)(intptr_t)arg, found = 0;
    char name[64];
    for (int i = 0; i < 40; i++) {
        struct dns_batch *b = dns_batch_new(shared_r, "thread");
        for (int j = 0; j < 5; j++) {
            snprintf(name, sizeof(name), "listed-t%d.zone.test", (i * 5 + j + id) % 30);
            dns_batch_add(b, name, DNS_TYPE_A);
        }
        dns_batch_run(b);
        for (size_t j = 0; j < 5; j++)
            found += dns_batch_answer(b, j)->kind == DNS_R_FOUND;
        dns_batch_free(&b);
    }
    return (void *)(intptr_t)found;
}

static void
test_threads(void)
{
    shared_r = resolver(2000, 16);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++) {
        void *found;
        pthread_join(t[i], &found);
        CHECK_INT((intptr_t)found, 200);
    }
    CHECK(dns_resolver_cached(shared_r) <= 16);
    dns_resolver_free(&shared_r);
}

int
main(void)
{
    server_start();
    T_RUN(test_answers);
    T_RUN(test_budget);
    T_RUN(test_shared_deadline);
    T_RUN(test_silent_servers);
    T_RUN(test_cache_bound);
    T_RUN(test_threads);
    atomic_store(&stop, true);
    pthread_join(server_thread, NULL);
    close(server_fd);
    return t_done();
}
