/*
 * Tests of filterd/dns_answer: responses built byte by byte (A, TXT,
 * CNAME on the way, NXDOMAIN with an SOA, server errors, truncation,
 * compression pointers, malformed and cut messages), and of the resolver's
 * server list (filterd/dns.h).
 */
#include <stdint.h>
#include <string.h>

#include "filterd/dns.h"
#include "filterd/dns_answer.h"
#include "t.h"

struct msg {
    uint8_t b[1024];
    size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
    m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void
put32(struct msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

/* "a.b" as labels. */
static void
put_name(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (unsigned)n);
        memcpy(m->b + m->n, name, n);
        m->n += n;
        name += n + (dot != NULL);
    }
    put8(m, 0);
}

static void
header(struct msg *m, unsigned flags, unsigned an, unsigned ns)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, flags);
    put16(m, 1);
    put16(m, an);
    put16(m, ns);
    put16(m, 0);
    put_name(m, "2.0.0.127.zen.test");
    put16(m, 1);
    put16(m, 1);
}

/* An RR whose name is a pointer to the question (offset 12). */
static void
rr(struct msg *m, unsigned type, uint32_t ttl, const void *data, size_t len)
{
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, (unsigned)len);
    memcpy(m->b + m->n, data, len);
    m->n += len;
}

static void
test_a(void)
{
    struct msg m;
    struct dns_answer a;
    static const uint8_t cname[] = {3, 'x', 'y', 'z', 0};
    header(&m, 0x8180, 3, 0);
    rr(&m, 5, 60, cname, sizeof(cname));
    rr(&m, DNS_TYPE_A, 300, "\x7f\x00\x00\x02", 4);
    rr(&m, DNS_TYPE_A, 100, "\x7f\x00\x00\x0a", 4);
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_A, &a), 0);
    CHECK_INT(a.kind, DNS_R_FOUND);
    CHECK_INT(a.na, 2);
    CHECK_INT(a.a[0], 0x7f000002);
    CHECK_INT(a.a[1], 0x7f00000a);
    CHECK_INT(a.ttl, 100);
    /* A TXT query's answer has no A record to take. */
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_TXT, &a), 0);
    CHECK_INT(a.kind, DNS_R_NODATA);
}

static void
test_txt(void)
{
    struct msg m;
    struct dns_answer a;
    static const uint8_t t1[] = {5, 'L', 'i', 's', 't', 'e', 4, 'd', '\n', 'o', 'k'};
    static const uint8_t t2[] = {3, 'a', 'b', 'c'};
    header(&m, 0x8180, 2, 0);
    rr(&m, DNS_TYPE_TXT, 0x90000000u, t1, sizeof(t1)); /* TTL with the top bit: 0 */
    rr(&m, DNS_TYPE_TXT, 10, t2, sizeof(t2));
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_TXT, &a), 0);
    CHECK_INT(a.kind, DNS_R_FOUND);
    CHECK_STR(a.txt, "Listed?ok abc");
    CHECK_INT(a.ttl, 0);
}

static void
test_nxdomain(void)
{
    struct msg m, soa;
    struct dns_answer a;
    soa.n = 0;
    put_name(&soa, "ns.zen.test");
    put_name(&soa, "admin.zen.test");
    put32(&soa, 1);
    put32(&soa, 2);
    put32(&soa, 3);
    put32(&soa, 4);
    put32(&soa, 120); /* minimum */
    header(&m, 0x8183, 0, 1);
    rr(&m, DNS_TYPE_SOA, 900, soa.b, soa.n);
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_A, &a), 0);
    CHECK_INT(a.kind, DNS_R_NXDOMAIN);
    CHECK_INT(a.ttl, 120);
    header(&m, 0x8180, 0, 0);
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_A, &a), 0);
    CHECK_INT(a.kind, DNS_R_NODATA);
    CHECK_INT(a.ttl, 0);
}

static void
test_errors(void)
{
    struct msg m;
    struct dns_answer a;
    static const unsigned bad_flags[] = {0x8182, 0x8185, 0x0180, 0x8380};
    for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
        header(&m, bad_flags[i], 0, 0);
        CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_A, &a), -1);
        CHECK_INT(a.kind, DNS_R_ERROR);
        CHECK(a.why != NULL);
    }
    header(&m, 0x8180, 1, 0);
    rr(&m, DNS_TYPE_A, 300, "\x7f\x00\x00\x02", 4);
    /* Every cut of a good message is an error or an answer without it. */
    for (size_t n = 0; n < m.n; n++) {
        int r = dns_answer_parse(m.b, n, DNS_TYPE_A, &a);
        CHECK(r == -1 && a.kind == DNS_R_ERROR && a.na == 0);
    }
    CHECK_INT(dns_answer_parse(NULL, 0, DNS_TYPE_A, &a), -1);
    /* A pointer loop in the question is bounded. */
    m.n = 0;
    put16(&m, 1);
    put16(&m, 0x8180);
    put16(&m, 1);
    put16(&m, 0);
    put16(&m, 0);
    put16(&m, 0);
    for (int i = 0; i < 200; i++)
        put8(&m, 0);
    memset(m.b + 12, 1, 200); /* labels of length 1 for ever */
    CHECK_INT(dns_answer_parse(m.b, m.n, DNS_TYPE_A, &a), -1);
}

static void
test_servers(void)
{
    static const char *const good[] = {"127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:53",
                                       "[2001:db8::1]"};
    static const char *const bad[] = {"localhost", "127.0.0.1:", "127.0.0.1:0",
                                      "127.0.0.1:65536", "[::1", "[::1]x", "1.2.3"};
    struct str err;
    str_init(&err, 0);
    struct dns_resolver *r = dns_resolver_new(good, 5, 1000, 10, &err);
    CHECK(r != NULL);
    CHECK_INT(err.len, 0);
    dns_resolver_free(&r);
    CHECK(r == NULL);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t_current = bad[i];
        str_clear(&err);
        r = dns_resolver_new(&bad[i], 1, 1000, 10, &err);
        CHECK(r == NULL);
        CHECK(strstr(str_cstr(&err), bad[i]) != NULL);
    }
    str_deinit(&err);
}

int
main(void)
{
    T_RUN(test_a);
    T_RUN(test_txt);
    T_RUN(test_nxdomain);
    T_RUN(test_errors);
    T_RUN(test_servers);
    return t_done();
}
