/*
 * test_base64: the streaming base64 decoder: a table of tricky inputs, the
 * same inputs fed whole, byte by byte and in random chunks, and out's
 * maximum.
 */
#include "mail/base64.h"

#include <stdlib.h>

#include "t.h"

struct b64_case {
    const char *in;
    const char *want;
    size_t want_len; /* 0: strlen(want) */
    unsigned flags;
};

static const struct b64_case cases[] = {
    {"", "", 0, 0},
    {"QUJD", "ABC", 0, 0},
    {"QUJDRA==", "ABCD", 0, 0},
    {"QUJDREU=", "ABCDE", 0, 0},
    {"QUJD\r\nREVG\r\n", "ABCDEF", 0, 0},
    {" Q U J D \t\f\v", "ABC", 0, 0},
    {"Zm9v\nYmFy\n", "foobar", 0, 0},
    /* missing padding: the whole bytes are kept */
    {"QUJDRA", "ABCD", 0, BASE64_F_TRUNCATED},
    {"QUJDREU", "ABCDE", 0, BASE64_F_TRUNCATED},
    /* a lone sextet holds no byte */
    {"QUJDR", "ABC", 0, BASE64_F_TRUNCATED},
    {"QUJDR===", "ABC", 0, BASE64_F_TRUNCATED},
    /* garbage is skipped and flagged */
    {"QU!JD", "ABC", 0, BASE64_F_GARBAGE},
    {"QUJD*", "ABC", 0, BASE64_F_GARBAGE},
    {"\xc3QUJD", "ABC", 0, BASE64_F_GARBAGE},
    /* padding ends a quantum; decoding goes on after it if base64 follows */
    {"QQ==QkM=", "ABC", 0, BASE64_F_AFTER_PAD},
    {"QQ==\r\nQkM=\r\n", "ABC", 0, BASE64_F_AFTER_PAD},
    {"QQ=QkM=", "ABC", 0, BASE64_F_AFTER_PAD},
    {"QUJD====QUJD", "ABCABC", 0, BASE64_F_AFTER_PAD},
    {"====", "", 0, 0},
    {"QUJDRA==\r\n\r\n", "ABCD", 0, 0},
    /* ... but a byte outside the alphabet after padding is a trailer: the
     * rest is ignored (a footer or signature appended to the part) */
    {"QUJDRA==\n-- \nsig\n", "ABCD", 0, BASE64_F_TRAILER},
    {"QQ==QkM=\n_______\nQUJD", "ABC", 0, BASE64_F_AFTER_PAD | BASE64_F_TRAILER},
    {"QUJD=\n____\nTo unsubscribe: x", "ABC", 0, BASE64_F_TRAILER},
    /* letters after padding are base64 until the first stray byte */
    {"QUJD=\nTo unsubscribe:", "ABC\x4e\x8b\xa7\xb2\xe6\xec\x72\xb8\x9b", 0,
     BASE64_F_AFTER_PAD | BASE64_F_TRAILER | BASE64_F_TRUNCATED},
    /* the alphabet's edges and NUL bytes */
    {"+/+/", "\xfb\xff\xbf", 0, 0},
    {"AAAA", "\0\0\0", 3, 0},
    {"/w==", "\xff", 0, 0},
    /* a signature after the data is garbage plus base64 letters */
    {"QUJD\n-- \n", "ABC", 0, BASE64_F_GARBAGE},
};

static void
decode_chunks(const char *in, size_t len, const size_t *cuts, size_t ncuts, struct str *out,
              unsigned *flags)
{
    struct base64_decoder d;
    size_t at = 0;
    base64_decoder_init(&d);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        CHECK_INT(base64_decode(&d, in + at, end - at, out), 0);
        at = end;
    }
    CHECK_INT(base64_decode_finish(&d, out), 0);
    *flags = d.flags;
}

static void
test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct b64_case *c = &cases[i];
        size_t wl = c->want_len ? c->want_len : strlen(c->want);
        struct str out;
        unsigned flags;
        str_init(&out, 0);
        decode_chunks(c->in, strlen(c->in), NULL, 0, &out, &flags);
        CHECK_INT(out.len, wl);
        CHECK(out.len == wl && memcmp(out.buf ? out.buf : "", c->want, wl) == 0);
        CHECK_INT(flags, c->flags);
        if (flags != c->flags || out.len != wl)
            fprintf(stderr, "  case %zu: \"%s\"\n", i, c->in);
        str_deinit(&out);
    }
}

/* Whole, byte by byte, and random chunks give the same bytes and flags. */
static void
test_split(void)
{
    srand(2047);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *in = cases[i].in;
        size_t len = strlen(in), cuts[64];
        struct str whole, part;
        unsigned fw, fp;
        str_init(&whole, 0);
        decode_chunks(in, len, NULL, 0, &whole, &fw);
        for (int round = 0; round < 20; round++) {
            size_t n = 0;
            if (round == 0) { /* byte by byte */
                for (size_t k = 1; k < len && n < 64; k++)
                    cuts[n++] = k;
            } else {
                for (size_t k = 1; k < len && n < 64; k++)
                    if (rand() % 3 == 0)
                        cuts[n++] = k;
            }
            str_init(&part, 0);
            decode_chunks(in, len, cuts, n, &part, &fp);
            CHECK(part.len == whole.len &&
                  memcmp(part.buf ? part.buf : "", whole.buf ? whole.buf : "", whole.len) == 0);
            CHECK_INT(fp, fw);
            str_deinit(&part);
        }
        str_deinit(&whole);
    }
}

/* Reaching out's maximum: -1, and what fitted is kept. */
static void
test_limit(void)
{
    struct base64_decoder d;
    struct str out;
    char big[4000];
    for (size_t k = 0; k < sizeof(big); k += 4)
        memcpy(big + k, "QUJD", 4);
    str_init(&out, 5);
    base64_decoder_init(&d);
    CHECK_INT(base64_decode(&d, "QUJDREVG", 8, &out), -1);
    CHECK_MEM(out.buf, out.len, "ABCDE");
    str_deinit(&out);

    /* past the internal buffer size too */
    str_init(&out, 1000);
    base64_decoder_init(&d);
    CHECK_INT(base64_decode(&d, big, sizeof(big), &out), -1);
    CHECK_INT(out.len, 1000);
    CHECK(memcmp(out.buf, "ABCABC", 6) == 0);
    str_deinit(&out);

    /* exactly at the maximum is fine */
    str_init(&out, 3);
    base64_decoder_init(&d);
    CHECK_INT(base64_decode(&d, "QUJD", 4, &out), 0);
    CHECK_INT(base64_decode_finish(&d, &out), 0);
    CHECK_MEM(out.buf, out.len, "ABC");
    str_deinit(&out);
}

/* The decoder is ready for new input after finish. */
static void
test_reuse(void)
{
    struct base64_decoder d;
    struct str out;
    str_init(&out, 0);
    base64_decoder_init(&d);
    CHECK_INT(base64_decode(&d, "QQ", 2, &out), 0);
    CHECK_INT(base64_decode_finish(&d, &out), 0);
    CHECK_INT(d.flags, BASE64_F_TRUNCATED);
    CHECK_INT(base64_decode(&d, "QkM=", 4, &out), 0);
    CHECK(d.ended);
    CHECK_INT(base64_decode(&d, "!", 1, &out), 0);
    CHECK_INT(d.flags, BASE64_F_TRUNCATED | BASE64_F_TRAILER);
    CHECK_INT(base64_decode(&d, "QUJD", 4, &out), 0); /* ignored */
    CHECK_INT(base64_decode_finish(&d, &out), 0);
    CHECK_MEM(out.buf, out.len, "ABC");
    /* a new stream after finish: the trailer no longer stops it */
    CHECK_INT(base64_decode(&d, "QUJD", 4, &out), 0);
    CHECK_INT(base64_decode_finish(&d, &out), 0);
    CHECK_MEM(out.buf, out.len, "ABCABC");
    CHECK_INT(d.flags, BASE64_F_TRUNCATED | BASE64_F_TRAILER);
    str_deinit(&out);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_split);
    T_RUN(test_limit);
    T_RUN(test_reuse);
    return t_done();
}
