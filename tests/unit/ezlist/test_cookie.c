/*
 * test_cookie: confirmation cookies: a made cookie parses and checks; a
 * change of action, address, time or MAC, an expired or future cookie, or
 * another key fails; the address compares case-insensitively; malformed
 * texts are refused.
 */
#include "t.h"

#include "ezlist/cookie.h"

static const uint8_t key[COOKIE_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const uint8_t key2[COOKIE_KEY_LEN] = "another key, another key, anoth";

static void
test_roundtrip(void)
{
    char text[COOKIE_TEXT_MAX];
    long long t = 1700000000;
    cookie_make(key, 7, 's', t, "joe@example.org", text);
    CHECK(strncmp(text, "s.1700000000.7.", 15) == 0);
    CHECK_INT(strlen(text), 15 + 32);
    struct cookie c;
    CHECK_INT(cookie_parse(slice_from_cstr(text), &c), 0);
    CHECK_INT(c.key_id, 7);
    CHECK_INT(c.time, t);
    CHECK(cookie_check(&c, key, 's', "joe@example.org", t + 100, 864000));
    CHECK(cookie_check(&c, key, 's', "JOE@Example.ORG", t + 100, 864000));
    CHECK(!cookie_check(&c, key, 'u', "joe@example.org", t + 100, 864000));
    CHECK(!cookie_check(&c, key, 's', "jo@example.org", t + 100, 864000));
    CHECK(!cookie_check(&c, key2, 's', "joe@example.org", t + 100, 864000));
    CHECK(!cookie_check(&c, key, 's', "joe@example.org", t + 864001, 864000));
    CHECK(cookie_check(&c, key, 's', "joe@example.org", t + 864000, 864000));
    CHECK(!cookie_check(&c, key, 's', "joe@example.org", t - 3600, 864000));
    c.mac[3] ^= 1;
    CHECK(!cookie_check(&c, key, 's', "joe@example.org", t + 100, 864000));
    c.mac[3] ^= 1;
    c.time++;
    CHECK(!cookie_check(&c, key, 's', "joe@example.org", t + 100, 864000));
}

static void
test_parse_bad(void)
{
    static const char *const bad[] = {
        "",
        "s.1700000000.7.",
        "x.1700000000.7.0123456789abcdef0123456789abcdef",
        "s.1700000000.7.0123456789abcdef0123456789abcdeg",
        "s.1700000000.7.0123456789abcdef0123456789abcdef0",
        "s.1700000000.7.0123456789abcdef0123456789abcde",
        "s..7.0123456789abcdef0123456789abcdef",
        "s.17a.7.0123456789abcdef0123456789abcdef",
        "s.1700000000.0123456789abcdef0123456789abcdef",
        "s.1234567890123456789.7.0123456789abcdef0123456789abcdef",
    };
    struct cookie c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(cookie_parse(slice_from_cstr(bad[i]), &c), -1);
    CHECK_INT(cookie_parse(SLICE_LIT("U.1.2.0123456789ABCDEF0123456789abcdef"), &c), 0);
    CHECK_INT(c.action, 'u');
}

int
main(void)
{
    T_RUN(test_roundtrip);
    T_RUN(test_parse_bad);
    return t_done();
}
