/*
 * Tests of filterd/dns_zone (DNS list items, answer patterns, error
 * answers, query names, networks) and of dnslist_reply_text (the
 * templates of reject texts).
 */
#include <stdint.h>
#include <string.h>

#include "filterd/dns_zone.h"
#include "filterd/dnslist.h"
#include "t.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static int
parse(const char *item, unsigned actions, struct dns_zone_entry *e, const char **why)
{
    *why = NULL;
    return dns_zone_parse(slice_from_cstr(item), actions, "DNSBL_", 1.0, e, why);
}

static void
test_items(void)
{
    struct dns_zone_entry e;
    const char *why;
    CHECK_INT(parse("zen.spamhaus.org", DNS_ALLOW_BLOCK, &e, &why), 0);
    CHECK_STR(e.zone, "zen.spamhaus.org");
    CHECK_STR(e.symbol, "DNSBL_ZEN_SPAMHAUS_ORG");
    CHECK_INT(e.action, DNS_ACTION_SCORE);
    CHECK(e.score == 1.0);
    CHECK_INT(e.codes.kind, DNS_CODES_ANY);

    CHECK_INT(parse("Zen.Spamhaus.ORG.=127.0.0.[2..3]:RCVD_IN_SBL:reject", DNS_ALLOW_BLOCK, &e,
                    &why), 0);
    CHECK_STR(e.zone, "zen.spamhaus.org");
    CHECK_STR(e.symbol, "RCVD_IN_SBL");
    CHECK_INT(e.action, DNS_ACTION_REJECT);
    CHECK_INT(parse("bl.test::tempfail", DNS_ALLOW_BLOCK, &e, &why), 0);
    CHECK_STR(e.symbol, "DNSBL_BL_TEST");
    CHECK_INT(e.action, DNS_ACTION_TEMPFAIL);
    CHECK_INT(parse("multi.surbl.org=&0x48:SURBL_PH_ABUSE:-2.5", DNS_ALLOW_BLOCK, &e, &why), 0);
    CHECK_INT(e.codes.kind, DNS_CODES_MASK);
    CHECK_INT(e.codes.mask, 0x48);
    CHECK(e.score == -2.5);
    CHECK_INT(parse("list.dnswl.org=127.0.[0..255].[2;3]:DNSWL:allow", DNS_ALLOW_WELCOME, &e,
                    &why), 0);
    CHECK_INT(e.action, DNS_ACTION_ALLOW);
}

static void
test_bad_items(void)
{
    static const char *const bad[] = {
        "", "=127.0.0.2", "bad zone", "a..b", ".a.b", "zone=", "zone=127.0.0",
        "zone=127.0.0.256", "zone=127.0.0.[3..2]", "zone=127.0.0.[2", "zone=127.0.0.2.5",
        "zone=&", "zone=&0", "zone=&-1", "zone=&0x100000000", "zone:lower", "zone:SYM:",
        "zone:SYM:lots", "zone:SYM:1e9", "zone:SYM:allow", "zone:SYM:nan",
        "z.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    struct dns_zone_entry e;
    const char *why;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t_current = bad[i];
        CHECK_INT(parse(bad[i], DNS_ALLOW_BLOCK, &e, &why), -1);
        CHECK(why != NULL && *why != '\0');
    }
    t_current = "allow lists cannot reject";
    CHECK_INT(parse("wl:SYM:reject", DNS_ALLOW_WELCOME, &e, &why), -1);
}

static void
test_codes(void)
{
    struct dns_codes c;
    const char *why;
    CHECK_INT(dns_codes_parse(slice_from_cstr("127.0.0.[2..3;10]"), &c, &why), 0);
    CHECK(!dns_codes_match(&c, IP(127, 0, 0, 1)));
    CHECK(dns_codes_match(&c, IP(127, 0, 0, 2)));
    CHECK(dns_codes_match(&c, IP(127, 0, 0, 3)));
    CHECK(!dns_codes_match(&c, IP(127, 0, 0, 4)));
    CHECK(dns_codes_match(&c, IP(127, 0, 0, 10)));
    CHECK(!dns_codes_match(&c, IP(127, 0, 1, 2)));
    CHECK_INT(dns_codes_parse(slice_from_cstr("&8"), &c, &why), 0);
    CHECK(dns_codes_match(&c, IP(127, 0, 0, 8)));
    CHECK(dns_codes_match(&c, IP(127, 0, 0, 24)));
    CHECK(!dns_codes_match(&c, IP(127, 0, 0, 4)));
    CHECK(!dns_codes_match(&c, IP(10, 0, 0, 8)));
    CHECK_INT(dns_codes_parse(slice_from_cstr("*"), &c, &why), 0);
    CHECK(dns_codes_match(&c, IP(127, 1, 2, 3)));
    CHECK(!dns_codes_match(&c, IP(128, 0, 0, 2)));
}

static void
test_error_answers(void)
{
    CHECK(dns_error_answer(IP(127, 0, 0, 2)) == NULL);
    CHECK(dns_error_answer(IP(127, 0, 1, 2)) == NULL);
    CHECK(dns_error_answer(IP(127, 0, 0, 1)) != NULL);
    CHECK(dns_error_answer(IP(127, 0, 1, 255)) != NULL);
    CHECK(dns_error_answer(IP(127, 255, 255, 252)) != NULL);
    CHECK(dns_error_answer(IP(127, 255, 255, 253)) == NULL);
    CHECK(dns_error_answer(IP(127, 255, 255, 254)) != NULL);
    CHECK(dns_error_answer(IP(127, 255, 255, 255)) != NULL);
    CHECK(dns_error_answer(IP(192, 0, 2, 1)) != NULL);
}

static void
test_reverse(void)
{
    char buf[DNS_QUERY_BUF];
    CHECK_INT(dns_reverse_name("192.0.2.1", "zen.test", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "1.2.0.192.zen.test");
    CHECK_INT(dns_reverse_name("::ffff:192.0.2.1", "zen.test", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "1.2.0.192.zen.test");
    CHECK_INT(dns_reverse_name("2001:db8:1:2:3:4:567:89ab", "z", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.z");
    CHECK_INT(dns_reverse_name("not an address", "z", buf, sizeof(buf)), -1);
    CHECK_INT(dns_reverse_name("192.0.2.1.", "z", buf, sizeof(buf)), -1);
    char zone[200]; /* 64 + 199 > DNS_NAME_MAX */
    memset(zone, 'a', sizeof(zone) - 1);
    zone[sizeof(zone) - 1] = '\0';
    CHECK_INT(dns_reverse_name("2001:db8::1", zone, buf, sizeof(buf)), -1);
    CHECK_INT(dns_reverse_name("192.0.2.1", zone, buf, sizeof(buf)), 0);
}

static void
test_prefixes(void)
{
    struct dns_prefix p;
    CHECK_INT(dns_prefix_parse("192.0.2.0/24", &p), 0);
    CHECK(dns_prefix_match(&p, "192.0.2.200"));
    CHECK(dns_prefix_match(&p, "::ffff:192.0.2.7"));
    CHECK(!dns_prefix_match(&p, "192.0.3.1"));
    CHECK(!dns_prefix_match(&p, "2001:db8::1"));
    CHECK_INT(dns_prefix_parse("10.1.2.3", &p), 0);
    CHECK(dns_prefix_match(&p, "10.1.2.3"));
    CHECK(!dns_prefix_match(&p, "10.1.2.4"));
    CHECK_INT(dns_prefix_parse("2001:db8::/33", &p), 0);
    CHECK(dns_prefix_match(&p, "2001:db8:7fff::1"));
    CHECK(!dns_prefix_match(&p, "2001:db8:8000::1"));
    CHECK_INT(dns_prefix_parse("10.0.0.0/33", &p), -1);
    CHECK_INT(dns_prefix_parse("10.0.0.0/", &p), -1);
    CHECK_INT(dns_prefix_parse("host.example", &p), -1);
    CHECK(dns_name_in_domain("a.example.com", "example.com"));
    CHECK(dns_name_in_domain("example.com", "example.com"));
    CHECK(!dns_name_in_domain("badexample.com", "example.com"));
}

static void
test_reply_text(void)
{
    struct str s;
    str_init(&s, 0);
    dnslist_reply_text("Blocked [$ip] by $zone: $txt ($$5, $other)", "192.0.2.1", "n",
                       "zen.test", "see\r\nhttp://x/?a%20", &s);
    CHECK_STR(str_cstr(&s), "Blocked [192.0.2.1] by zen.test: see??http://x/?a%20 ($5, $other)");
    dnslist_reply_text("$name listed: $txt", "", "evil.example", "z", "", &s);
    CHECK_STR(str_cstr(&s), "evil.example listed: listed");
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    dnslist_reply_text("$txt$txt", "", "", "", big, &s);
    CHECK_INT(s.len, DNSLIST_REPLY_MAX);
    dnslist_reply_text("trailing $", "", "", "", "", &s);
    CHECK_STR(str_cstr(&s), "trailing $");
    str_deinit(&s);
}

static void
check_ascii(const char *in, const char *want)
{
    char buf[DNS_QUERY_BUF];
    int r = dns_name_to_ascii(in, strlen(in), buf);
    if (want == NULL) {
        CHECK_INT(r, -1);
        return;
    }
    CHECK_INT(r, 0);
    if (r == 0)
        CHECK_STR(buf, want);
}

/* Internationalised names become A-labels; ASCII is only lowercased. */
static void
test_idn(void)
{
    check_ascii("Shop.Example.COM", "shop.example.com");
    check_ascii("xn--bcher-kva.example", "xn--bcher-kva.example");
    check_ascii("b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
    /* Mapped to lower case. */
    check_ascii("B\xc3\x9c" "CHER.example", "xn--bcher-kva.example");
    check_ascii("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
                "xn--e1afmkfd.xn--p1ai");
    check_ascii("fa\xc3\x9f.example", "xn--fa-hia.example"); /* non-transitional */
    check_ascii("bad\xc3.example", NULL);                      /* not UTF-8 */
    char nul[] = "a\xc3\xbc\0b.example";
    char buf[DNS_QUERY_BUF];
    CHECK_INT(dns_name_to_ascii(nul, sizeof(nul) - 1, buf), -1);
    char long_name[400];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    check_ascii(long_name, NULL);
    /* 60 two-byte letters fit in the buffer, but their A-label is longer
     * than a DNS label may be. */
    char wide[200];
    size_t w = 0;
    for (int j = 0; j < 60; j++) {
        wide[w++] = (char)0xc3;
        wide[w++] = (char)0xbc;
    }
    memcpy(wide + w, ".example", sizeof(".example"));
    check_ascii(wide, NULL);
}

int
main(void)
{
    T_RUN(test_items);
    T_RUN(test_bad_items);
    T_RUN(test_codes);
    T_RUN(test_error_answers);
    T_RUN(test_reverse);
    T_RUN(test_prefixes);
    T_RUN(test_idn);
    T_RUN(test_reply_text);
    return t_done();
}
