/*
 * test_charset: charset labels, conversion to UTF-8 (fast paths, iconv,
 * fallbacks, U+FFFD), UTF-8 validation and out's maximum.
 */
#include "t.h"

#include "mail/charset.h"

static void
test_normalize(void)
{
    static const struct {
        const char *label, *want;
    } cases[] = {
        {"utf-8", "UTF-8"},
        {"UTF8", "UTF-8"},
        {" \"utf-8\" ", "UTF-8"},
        {"utf-8*en", "UTF-8"},
        {"us-ascii", "US-ASCII"},
        {"ANSI_X3.4-1968", "US-ASCII"},
        {"latin1", "ISO-8859-1"},
        {"ISO_8859-1:1987", "ISO-8859-1"},
        {"iso8859-15", "ISO-8859-15"},
        {"iso_8859-2", "ISO-8859-2"},
        {"latin2", "ISO-8859-2"},
        {"latin9", "ISO-8859-15"},
        {"iso-8859-11", "CP874"},
        {"cp1252", "WINDOWS-1252"},
        {"Windows-1251", "WINDOWS-1251"},
        {"win-1250", "WINDOWS-1250"},
        {"ks_c_5601-1987", "CP949"},
        {"euc-kr", "CP949"},
        {"gb2312", "GBK"},
        {"GB18030", "GB18030"},
        {"big5", "BIG5-HKSCS"},
        {"shift_jis", "CP932"},
        {"iso-2022-jp", "ISO-2022-JP-2"},
        {"x-mac-cyrillic", "MAC-CYRILLIC"},
        {"x-mac-roman", "MACINTOSH"},
        {"unicode-1-1-utf-7", "UTF-7"},
        {"koi8-r", "KOI8-R"},
        {"iso-8859-8-i", "ISO-8859-8"},
        {"utf-8; format=flowed", "UTF-8"},
        {"x-foo-bar", "X-FOO-BAR"},
        {"", NULL},
        {"  ", NULL},
        {"unknown-8bit", NULL},
        {"x-unknown", NULL},
        {"utf-8//TRANSLIT", NULL},
        {"../../etc/x", NULL},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[CHARSET_NAME_MAX + 1];
        const char *got = charset_normalize(cases[i].label, buf, sizeof(buf));
        if (cases[i].want == NULL) {
            CHECK(got == NULL);
            if (got)
                fprintf(stderr, "  \"%s\" -> \"%s\"\n", cases[i].label, got);
        } else {
            CHECK_STR(got, cases[i].want);
        }
    }
    CHECK(charset_normalize(NULL, NULL, 0) == NULL);
}

static void
test_is_utf8(void)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"plain ascii, long enough to take the word-at-a-time path", true},
        {"caf\xc3\xa9", true},
        {"\xe2\x82\xac \xf0\x9f\x98\x80", true},
        {"\xef\xbb\xbf", true},
        {"caf\xe9", false},
        {"\xc0\xaf", false},         /* overlong */
        {"\xe0\x80\xaf", false},     /* overlong */
        {"\xed\xa0\x80", false},     /* surrogate */
        {"\xf4\x90\x80\x80", false}, /* past U+10FFFF */
        {"\xe2\x82", false},         /* cut */
        {"\x80", false},
        {"\xff", false},
        {"abcdefghijklmnop\xc3", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT(charset_is_utf8(slice_from_cstr(cases[i].s)), cases[i].ok);
}

struct conv_case {
    const char *charset;
    const char *in;
    const char *want;
    unsigned flags;
};

static const struct conv_case conv_cases[] = {
    /* fast paths */
    {"utf-8", "caf\xc3\xa9", "caf\xc3\xa9", 0},
    {"us-ascii", "plain", "plain", 0},
    {"UTF-8", "", "", 0},
    /* invalid UTF-8: one U+FFFD per maximal invalid subpart */
    {"utf-8", "caf\xe9!", "caf\xef\xbf\xbd!", CHARSET_F_INVALID},
    {"utf-8", "\xe2\x82x", "\xef\xbf\xbdx", CHARSET_F_INVALID},
    {"utf-8", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", CHARSET_F_INVALID},
    {"utf-8", "a\xf0\x9f\x98", "a\xef\xbf\xbd", CHARSET_F_INVALID},
    /* us-ascii with 8-bit bytes: flagged, decoded as for an unknown charset */
    {"us-ascii", "caf\xe9", "caf\xc3\xa9", CHARSET_F_INVALID},
    {"us-ascii", "caf\xc3\xa9", "caf\xc3\xa9", CHARSET_F_INVALID},
    /* Latin-1 labels are read as windows-1252 */
    {"iso-8859-1", "\x93hi\x94 caf\xe9", "\xe2\x80\x9chi\xe2\x80\x9d caf\xc3\xa9", 0},
    {"windows-1252", "\x80\x81\x9f\xff", "\xe2\x82\xac\xc2\x81\xc5\xb8\xc3\xbf", 0},
    /* iconv */
    {"iso-8859-15", "\xa4", "\xe2\x82\xac", 0},
    {"iso-8859-2", "\xb1", "\xc4\x85", 0},
    {"koi8-r", "\xf0\xd2", "\xd0\x9f\xd1\x80", 0},
    {"windows-1251", "\xcf\xf0\xe8", "\xd0\x9f\xd1\x80\xd0\xb8", 0},
    {"gb2312", "\xc4\xe3\xba\xc3", "\xe4\xbd\xa0\xe5\xa5\xbd", 0},
    {"ks_c_5601-1987", "\xbe\xc8\xb3\xe7", "\xec\x95\x88\xeb\x85\x95", 0},
    {"shift_jis", "\x82\xa0", "\xe3\x81\x82", 0},
    {"euc-jp", "\xa4\xa2", "\xe3\x81\x82", 0},
    {"iso-2022-jp", "\x1b$B$\"\x1b(B", "\xe3\x81\x82", 0},
    {"big5", "\xa4\xa4", "\xe4\xb8\xad", 0},
    {"utf-7", "Hi +AOk-", "Hi \xc3\xa9", 0},
    {"utf-16le", "a\0b\0", "ab", 0},
    {"iso-8859-15", "plain ascii", "plain ascii", 0},
    /* invalid in a known charset: U+FFFD, and on */
    {"shift_jis", "a\x82\xff" "b", "a\xef\xbf\xbd\xef\xbf\xbd" "b", CHARSET_F_INVALID},
    {"gb2312", "\xc4", "\xef\xbf\xbd", CHARSET_F_INVALID},
    /* unknown: UTF-8 if valid, else windows-1252 */
    {"x-nonsense", "caf\xc3\xa9", "caf\xc3\xa9", CHARSET_F_UNKNOWN},
    {"x-nonsense", "caf\xe9", "caf\xc3\xa9", CHARSET_F_UNKNOWN},
    {"", "caf\xe9", "caf\xc3\xa9", CHARSET_F_UNKNOWN},
    {NULL, "\x93q\x94", "\xe2\x80\x9cq\xe2\x80\x9d", CHARSET_F_UNKNOWN},
    {"unknown-8bit", "caf\xe9", "caf\xc3\xa9", CHARSET_F_UNKNOWN},
    {"utf-8//IGNORE", "caf\xe9", "caf\xc3\xa9", CHARSET_F_UNKNOWN},
};

static void
test_convert(void)
{
    for (int round = 0; round < 2; round++) { /* the second round hits the cache */
        for (size_t i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
            const struct conv_case *c = &conv_cases[i];
            struct str out;
            unsigned flags = 0;
            struct slice in = slice_from_cstr(c->in);
            if (c->charset && strcmp(c->charset, "utf-16le") == 0)
                in.len = 4;
            str_init(&out, 0);
            CHECK_INT(charset_to_utf8(c->charset, in, &out, &flags), 0);
            CHECK_MEM(out.buf ? out.buf : "", out.len, c->want);
            CHECK_INT(flags, c->flags);
            if (flags != c->flags)
                fprintf(stderr, "  case %zu (%s)\n", i, c->charset ? c->charset : "NULL");
            str_deinit(&out);
        }
    }
    /* iconv's output is checked: UCS-4 past U+10FFFF is not UTF-8 */
    struct str out;
    unsigned flags = 0;
    str_init(&out, 0);
    CHECK_INT(charset_to_utf8("ucs-4", slice_make("\0\0\0A\x7f\0\0\0\0\0\0B", 12), &out, &flags), 0);
    CHECK(charset_is_utf8(str_slice(&out)));
    CHECK_INT(flags, CHARSET_F_INVALID);
    CHECK(out.len >= 5 && out.buf[0] == 'A' && out.buf[out.len - 1] == 'B');
    str_deinit(&out);

    /* flags are OR-ed in; NULL flags_r is allowed */
    flags = 0x100;
    str_init(&out, 0);
    CHECK_INT(charset_to_utf8("x-nonsense", SLICE_LIT("a"), &out, &flags), 0);
    CHECK_INT(flags, 0x100 | CHARSET_F_UNKNOWN);
    CHECK_INT(charset_to_utf8("utf-8", SLICE_LIT("b"), &out, NULL), 0);
    CHECK_MEM(out.buf, out.len, "ab");
    str_deinit(&out);
}

/* More charsets than cache slots, in turn: evictions close descriptors. */
static void
test_cache(void)
{
    static const char *const names[] = {"iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5",
                                        "iso-8859-6", "iso-8859-7", "iso-8859-9", "iso-8859-13",
                                        "koi8-u", "x-bogus-1", "x-bogus-2", "cp850"};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            struct str out;
            unsigned flags = 0;
            str_init(&out, 0);
            CHECK_INT(charset_to_utf8(names[i], SLICE_LIT("abc\xe9"), &out, &flags), 0);
            CHECK(out.len >= 4 && memcmp(out.buf, "abc", 3) == 0);
            str_deinit(&out);
        }
    }
    charset_cache_clear();
    charset_cache_clear();
}

/* out's maximum: -1, what fitted kept, never half a character. */
static void
test_limit(void)
{
    struct str out;
    unsigned flags = 0;
    str_init(&out, 4);
    CHECK_INT(charset_to_utf8("utf-8", SLICE_LIT("ab\xc3\xa9\xc3\xa9"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "ab\xc3\xa9");
    str_deinit(&out);

    str_init(&out, 3);
    CHECK_INT(charset_to_utf8("iso-8859-1", SLICE_LIT("a\xe9\xe9"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "a\xc3\xa9");
    str_deinit(&out);

    str_init(&out, 5);
    CHECK_INT(charset_to_utf8("koi8-r", SLICE_LIT("\xf0\xd2\xf0"), &out, &flags), -1);
    CHECK_MEM(out.buf, out.len, "\xd0\x9f\xd1\x80");
    str_deinit(&out);

    str_init(&out, 2);
    CHECK_INT(charset_to_utf8("x-nonsense", SLICE_LIT("\x80"), &out, &flags), -1);
    CHECK_INT(out.len, 0);
    str_deinit(&out);

    str_init(&out, 3);
    CHECK_INT(charset_append_utf8(&out, "\xe2\x82\xac", 3), 0);
    CHECK_INT(charset_append_utf8(&out, "x", 1), -1);
    CHECK_MEM(out.buf, out.len, "\xe2\x82\xac");
    str_deinit(&out);

    /* a long text past the internal buffers */
    char big[5000];
    memset(big, '\xe9', sizeof(big));
    str_init(&out, 3001);
    CHECK_INT(charset_to_utf8("iso-8859-2", slice_make(big, sizeof(big)), &out, &flags), -1);
    CHECK_INT(out.len, 3000);
    CHECK(charset_is_utf8(str_slice(&out)));
    str_deinit(&out);
    charset_cache_clear();
}

int
main(void)
{
    T_RUN(test_normalize);
    T_RUN(test_is_utf8);
    T_RUN(test_convert);
    T_RUN(test_cache);
    T_RUN(test_limit);
    return t_done();
}
