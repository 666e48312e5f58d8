/*
 * test_rfc2047: decoding of encoded words in header values. Where RFC 2047
 * leaves room, the expected results are GMime 3.2's (checked against it),
 * except where noted: one U+FFFD per invalid sequence instead of '?', base64
 * words after a padded one kept, unknown charsets decoded rather than
 * dropped, windows-1252 rather than ISO-8859-1 for stray 8-bit text.
 */
#include "t.h"

#include "mail/rfc2047.h"

struct case2047 {
    const char *in;
    const char *want;
    unsigned flags;
};

#define EURO "\xe2\x82\xac"
#define EACUTE "\xc3\xa9"
#define FFFD "\xef\xbf\xbd"

static const struct case2047 cases[] = {
    {"", "", 0},
    {"plain subject", "plain subject", 0},
    {"a  b\t c", "a  b\t c", 0},
    /* the basics, either case of B and Q */
    {"=?utf-8?q?caf=C3=A9?=", "caf" EACUTE, 0},
    {"=?UTF-8?Q?caf=c3=a9?=", "caf" EACUTE, 0},
    {"=?utf-8?b?Y2Fmw6k=?=", "caf" EACUTE, 0},
    {"=?UTF-8?B?Y2Fmw6k=?=", "caf" EACUTE, 0},
    {"=?utf-8?q?a_b=5F?=", "a b_", 0},
    {"=?utf-8?q?\?=", "", 0},
    {"=?utf-8*en?q?hi?=", "hi", 0},
    {"=?iso-8859-1?q?=E9t=E9?=", EACUTE "t" EACUTE, 0},
    {"=?koi8-r?q?=F0=D2?=", "\xd0\x9f\xd1\x80", 0},
    {"=?gb2312?b?xOO6ww==?=", "\xe4\xbd\xa0\xe5\xa5\xbd", 0},
    {"=?ks_c_5601-1987?b?vsiz5w==?=", "\xec\x95\x88\xeb\x85\x95", 0},
    /* whitespace between encoded words is dropped, other whitespace kept */
    {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab", 0},
    {"=?utf-8?q?a?=\t \t=?utf-8?q?b?=", "ab", 0},
    {"=?utf-8?q?a?= =?iso-8859-1?q?b?=", "ab", 0},
    {"x =?utf-8?q?a_b?= y", "x a b y", 0},
    {"=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c", 0},
    {"  =?utf-8?q?a?=  ", "  a  ", 0},
    /* folding: CR and LF dropped, the whitespace after them kept */
    {"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", 0},
    {"long\r\n subject", "long subject", 0},
    {"long\r\n\tsubject", "long\tsubject", 0},
    {"long\n subject", "long subject", 0},
    /* adjacent words of one charset are decoded together */
    {"=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", EURO, 0},
    {"=?UTF-8?q?=E2=82?= =?utf-8?q?=AC?=", EURO, 0},
    {"=?utf-8?q?a=?= =?utf-8?q?41?=", "aA", 0},
    {"=?utf-8?q?a=4?= =?utf-8?q?1?=", "aA", 0},
    {"=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", EURO, 0},          /* GMime: "??" */
    {"=?utf-8?q?=E2=82?= =?utf-8?b?rA==?=", EURO, 0},         /* GMime: "???" */
    {"=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=", EACUTE EACUTE, 0}, /* GMime drops the 2nd */
    {"=?utf-8?b?QQ?= =?utf-8?b?QQ?=", "A\x04\x10", 0},       /* a cut quantum joins */
    {"=?utf-8?b?QUJD?= =?utf-8?b?QQ?= =?utf-8?b?QUI=?=", "ABCA\x04\x14", RFC2047_F_BAD_ENCODING},
    /* ... but not across other text */
    {"=?utf-8?q?=E2=82?= x =?utf-8?q?=AC?=", FFFD " x " FFFD, RFC2047_F_BAD_CHARSET},
    /* glued to other text: decoded, as GMime and SpamAssassin do; flagged */
    {"foo=?utf-8?q?bar?=", "foobar", RFC2047_F_IN_WORD},
    {"=?utf-8?q?a?=b", "ab", RFC2047_F_IN_WORD},
    {"=?utf-8?q?a?==?utf-8?q?b?=", "ab", 0},
    {"\"=?utf-8?q?a?=\"", "\"a\"", RFC2047_F_IN_WORD},
    {"(=?utf-8?q?a?=)", "(a)", RFC2047_F_IN_WORD},
    /* an encoded word runs to its "?=", spaces and '?' included */
    {"=?utf-8?q?a b?=", "a b", 0},
    {"=?utf-8?q?a?b?=", "a?b", 0},
    /* malformed: kept literally */
    {"=?utf-8?x?a?=", "=?utf-8?x?a?=", 0},
    {"=??q?a?=", "=??q?a?=", 0},
    {"=?*en?q?a?=", "=?*en?q?a?=", 0},
    {"=?utf-8?q?a", "=?utf-8?q?a", 0},
    {"x=?utf-8?q?a", "x=?utf-8?q?a", 0},
    {"=?", "=?", 0},
    {"?= =?", "?= =?", 0},
    {"=?utf-8?q?", "=?utf-8?q?", 0},
    {"=?iso-8859-1?Q?=?=", "", RFC2047_F_BAD_ENCODING},
    /* bad encodings inside a word */
    {"=?utf-8?q?a=zz?=", "a=zz", RFC2047_F_BAD_ENCODING},
    {"=?utf-8?q?a=?=", "a", RFC2047_F_BAD_ENCODING},
    {"=?utf-8?q?a=4?= =?utf-8?q?x?=", "a=4x", RFC2047_F_BAD_ENCODING},
    {"=?utf-8?b?w6k?=", EACUTE, RFC2047_F_BAD_ENCODING}, /* GMime: "" */
    {"=?utf-8?b?w6!k=?=", EACUTE, RFC2047_F_BAD_ENCODING},
    /* charsets */
    {"=?utf-8?q?caf=E9?=", "caf" FFFD, RFC2047_F_BAD_CHARSET},
    {"=?x-unknown?q?caf=E9?=", "caf" EACUTE, RFC2047_F_BAD_CHARSET},
    {"=?x-unknown?q?caf=C3=A9?=", "caf" EACUTE, RFC2047_F_BAD_CHARSET},
    {"=?utf 8?q?a?=", "a", RFC2047_F_BAD_CHARSET},
    {"=?iso-8859-1?q?=93q=94?=", "\xe2\x80\x9cq\xe2\x80\x9d", 0},
    /* raw 8-bit text: UTF-8 if valid, else windows-1252, per word */
    {"caf\xc3\xa9", "caf" EACUTE, RFC2047_F_RAW_8BIT},
    {"caf\xe9", "caf" EACUTE, RFC2047_F_RAW_8BIT},
    {"caf\xc3\xa9 na\xefve", "caf" EACUTE " na\xc3\xafve", RFC2047_F_RAW_8BIT},
    {"=?utf-8?q?a?= \x93q\x94", "a \xe2\x80\x9cq\xe2\x80\x9d", RFC2047_F_RAW_8BIT},
    {"=?iso-8859-1?q?\xe9?=", EACUTE, 0},
};

static void
test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str out;
        unsigned flags = 0;
        str_init(&out, 0);
        CHECK_INT(rfc2047_decode(slice_from_cstr(cases[i].in), &out, &flags), 0);
        CHECK_MEM(out.buf ? out.buf : "", out.len, cases[i].want);
        CHECK_INT(flags, cases[i].flags);
        if (flags != cases[i].flags || out.len != strlen(cases[i].want))
            fprintf(stderr, "  case %zu: %s\n", i, cases[i].in);
        str_deinit(&out);
    }
}

static void
test_strict(void)
{
    static const struct case2047 strict[] = {
        {"foo=?utf-8?q?bar?=", "foo=?utf-8?q?bar?=", 0},
        {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab", 0},
        {"=?utf-8?q?a b?=", "=?utf-8?q?a b?=", 0},
        {"(=?utf-8?q?a?=)", "(=?utf-8?q?a?=)", 0},
    };
    for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++) {
        struct str out;
        unsigned flags = 0;
        str_init(&out, 0);
        CHECK_INT(rfc2047_decode_opts(slice_from_cstr(strict[i].in), &out, &flags,
                                      RFC2047_O_STRICT),
                  0);
        CHECK_MEM(out.buf ? out.buf : "", out.len, strict[i].want);
        CHECK_INT(flags, strict[i].flags);
        str_deinit(&out);
    }
}

static void
test_limit(void)
{
    struct str out;
    unsigned flags = 0;
    str_init(&out, 5);
    CHECK_INT(rfc2047_decode(SLICE_LIT("plain subject"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "plain");
    str_deinit(&out);

    /* never half a character */
    str_init(&out, 5);
    CHECK_INT(rfc2047_decode(SLICE_LIT("=?utf-8?q?caf=C3=A9=C3=A9?="), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "caf" EACUTE);
    str_deinit(&out);

    str_init(&out, 4);
    CHECK_INT(rfc2047_decode(SLICE_LIT("caf\xe9\xe9"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "caf");
    str_deinit(&out);

    str_init(&out, 3);
    CHECK_INT(rfc2047_decode(SLICE_LIT("=?utf-8?q?ab?= cd"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "ab ");
    str_deinit(&out);

    /* flags are OR-ed in; NULL is allowed */
    str_init(&out, 0);
    flags = 0x100;
    CHECK_INT(rfc2047_decode(SLICE_LIT("caf\xe9"), &out, &flags), 0);
    CHECK_INT(flags, 0x100 | RFC2047_F_RAW_8BIT);
    CHECK_INT(rfc2047_decode(SLICE_LIT("=?utf-8?q?x?="), &out, NULL), 0);
    str_deinit(&out);
}

/* Many "=?X?Q?" openings with no "?=" after them: linear, not quadratic. */
static void
test_no_quadratic(void)
{
    struct str in, out;
    unsigned flags = 0;
    str_init(&in, 0);
    for (int i = 0; i < 40000; i++)
        (void)str_append_cstr(&in, "=?a?q?x ");
    (void)str_append_cstr(&in, "?");
    str_init(&out, 0);
    CHECK_INT(rfc2047_decode(str_slice(&in), &out, &flags), 0);
    CHECK_INT(out.len, in.len);
    str_deinit(&in);
    str_deinit(&out);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_strict);
    T_RUN(test_limit);
    T_RUN(test_no_quadratic);
    return t_done();
}
