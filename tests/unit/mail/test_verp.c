/* Unit tests of mail/verp: the encoded form of addresses, decoding of our
 * form and of the MTAs' raw form, round trips, building and extracting
 * whole bounce addresses, and the limits. */
#include "t.h"

#include "mail/verp.h"

static void
test_encode(void)
{
    static const struct {
        const char *addr, *want;
    } cases[] = {
        {"joe@example.net", "joe=example.net"},
        {"Joe.Bloggs@Example.NET", "Joe.Bloggs=Example.NET"},
        {"joe+tag@example.net", "joe+2Btag=example.net"},
        {"a=b@example.net", "a+3Db=example.net"},
        {"john doe@example.net", "john+20doe=example.net"},
        {"a..b@example.net", "a.+2Eb=example.net"},
        {".a@example.net", "+2Ea=example.net"},
        {"x@y@example.net", "x+40y=example.net"},
        {"user@[192.0.2.1]", "user=+5B192.0.2.1+5D"},
        {"\xe5\xb1\xb1@example.jp", "+E5+B1+B1=example.jp"},
        {"o'brien-x_y/z~{}|?^`!#$%&*@example.org",
         "o'brien-x_y/z~{}|?^`!#$%&*=example.org"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct str out, back;
        t_current = cases[i].addr;
        str_init(&out, 0);
        str_init(&back, 0);
        CHECK_INT(verp_encode(slice_from_cstr(cases[i].addr), &out), 0);
        CHECK_STR(str_cstr(&out), cases[i].want);
        CHECK_INT(verp_decode(str_slice(&out), 0, &back), 0);
        CHECK_STR(str_cstr(&back), cases[i].addr);
        str_deinit(&out);
        str_deinit(&back);
    }
}

static void
test_decode(void)
{
    static const struct {
        const char *in;
        unsigned flags;
        int rc;
        const char *want;
    } cases[] = {
        {"joe=example.net", 0, 0, "joe@example.net"},
        {"joe+2btag=example.net", 0, 0, "joe+tag@example.net"}, /* either case of hex */
        {"a=b=example.net", 0, 0, "a=b@example.net"},           /* the last '=' is '@' */
        {"joe+tag=example.net", VERP_RAW, 0, "joe+tag@example.net"},
        {"joe+2B=example.net", VERP_RAW, 0, "joe+2B@example.net"},
        {"joe+tag=example.net", 0, -1, ""}, /* "+ta" is no escape */
        {"joe+2=example.net", 0, -1, ""},
        {"joe+=example.net", 0, -1, ""},
        {"joe+00=example.net", 0, -1, ""}, /* NUL */
        {"joe+0A=example.net", 0, -1, ""}, /* LF */
        {"joeexample.net", 0, -1, ""},
        {"=example.net", 0, -1, ""},
        {"joe=", 0, -1, ""},
        {"", 0, -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct str out;
        t_current = cases[i].in;
        str_init(&out, 0);
        (void)str_append_cstr(&out, "kept:");
        CHECK_INT(verp_decode(slice_from_cstr(cases[i].in), cases[i].flags, &out),
                  cases[i].rc);
        if (cases[i].rc == 0)
            CHECK_MEM(out.buf + 5, out.len - 5, cases[i].want);
        else
            CHECK_STR(str_cstr(&out), "kept:"); /* unchanged on failure */
        str_deinit(&out);
    }
}

static void
test_build_extract(void)
{
    struct str out, back;
    str_init(&out, 0);
    str_init(&back, 0);
    CHECK_INT(verp_build(SLICE_LIT("news-return-42-"), SLICE_LIT("joe+x@example.net"),
                         SLICE_LIT("lists.example.org"), &out),
              0);
    CHECK_STR(str_cstr(&out), "news-return-42-joe+2Bx=example.net@lists.example.org");
    CHECK_INT(verp_extract(SLICE_LIT("news-return-42-"), str_slice(&out), 0, &back), 0);
    CHECK_STR(str_cstr(&back), "joe+x@example.net");
    str_clear(&back);
    /* case-insensitive prefix; a bare local part (qmail's LOCAL) */
    CHECK_INT(verp_extract(SLICE_LIT("news-return-"),
                           SLICE_LIT("NEWS-Return-ann=example.com"), VERP_RAW, &back),
              0);
    CHECK_STR(str_cstr(&back), "ann@example.com");
    str_clear(&back);
    CHECK_INT(verp_extract(SLICE_LIT("news-return-"),
                           SLICE_LIT("news-help@lists.example.org"), 0, &back),
              -1);
    CHECK_INT(verp_extract(SLICE_LIT("news-return-"),
                           SLICE_LIT("news-return-@lists.example.org"), 0, &back),
              -1);
    CHECK_INT(back.len, 0);
    CHECK_INT(verp_encode(SLICE_LIT("a\nb@example.net"), &back), -1);
    CHECK_INT(verp_build(SLICE_LIT("p-"), SLICE_LIT("no-at-sign"), SLICE_LIT("h"), &back),
              -1);
    CHECK_INT(back.len, 0);
    str_deinit(&out);
    str_deinit(&back);
}

static void
test_limits(void)
{
    char big[VERP_ADDRESS_MAX + 16];
    memset(big, 'a', sizeof big);
    memcpy(big + sizeof big - 12, "@example.net", 12);
    struct str out;
    str_init(&out, 0);
    CHECK_INT(verp_encode(slice_make(big, sizeof big), &out), -1);
    CHECK_INT(verp_encode(slice_make(big + 16, sizeof big - 16), &out), 0);
    str_deinit(&out);
    str_init(&out, 10); /* the caller's maximum */
    CHECK_INT(verp_encode(SLICE_LIT("joe@example.net"), &out), -1);
    CHECK_INT(out.len, 0);
    CHECK_INT(verp_decode(SLICE_LIT("joe=example.net"), 0, &out), -1);
    CHECK_INT(out.len, 0);
    str_deinit(&out);
}

int
main(void)
{
    T_RUN(test_encode);
    T_RUN(test_decode);
    T_RUN(test_build_extract);
    T_RUN(test_limits);
    return t_done();
}
