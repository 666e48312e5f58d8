/*
 * test_qp: the streaming quoted-printable decoder: a table of tricky inputs
 * (the results are GMime 3.2's), split feeding (whole, byte by byte, random
 * chunks: same bytes and flags), and out's maximum.
 */
#include "t.h"

#include <stdlib.h>

#include "mail/qp.h"

struct qp_case {
    const char *in;
    const char *want;
    unsigned flags;
};

static const struct qp_case cases[] = {
    {"", "", 0},
    {"plain text\r\n", "plain text\r\n", 0},
    {"caf=E9", "caf\xe9", 0},
    {"caf=e9 lower", "caf\xe9 lower", 0},
    {"=3D=3d", "==", 0},
    {"soft=\r\nbreak", "softbreak", 0},
    {"soft=\nbreak", "softbreak", 0},
    {"a=\r\n=\r\nb", "ab", 0},
    {"line\r\nnext\n", "line\r\nnext\n", 0},
    /* bad escapes: '=' and the two bytes after it, literally (as GMime) */
    {"a=zzb", "a=zzb", QP_F_BAD_ESCAPE},
    {"a=4 b", "a=4 b", QP_F_BAD_ESCAPE},
    {"100=% off", "100=% off", QP_F_BAD_ESCAPE},
    {"==41", "==41", QP_F_BAD_ESCAPE},
    {"=4\nx", "=4\nx", QP_F_BAD_ESCAPE},
    {"= \r\nx", "= \r\nx", QP_F_BAD_ESCAPE},
    {"=\rx", "=\rx", QP_F_BAD_ESCAPE},
    /* the end: a lone '=' (or "=\r") is a soft break whose line end was
     * cut; a cut escape is dropped as GMime drops it, but flagged */
    {"end=", "end", 0},
    {"end=\r", "end", 0},
    {"end=A", "end", QP_F_BAD_ESCAPE},
    {"end==", "end", QP_F_BAD_ESCAPE},
    /* 8-bit and NUL bytes pass through */
    {"\xc3\xa9=00x", "\xc3\xa9", 0}, /* checked by length below */
    {"tab\there  \r\n", "tab\there  \r\n", 0},
};

static void
decode_chunks(const char *in, size_t len, const size_t *cuts, size_t ncuts, struct str *out,
              unsigned *flags)
{
    struct qp_decoder d;
    size_t at = 0;
    qp_decoder_init(&d);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        CHECK_INT(qp_decode(&d, in + at, end - at, out), 0);
        at = end;
    }
    CHECK_INT(qp_decode_finish(&d, out), 0);
    *flags = d.flags;
}

static void
test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str out;
        unsigned flags;
        str_init(&out, 0);
        decode_chunks(cases[i].in, strlen(cases[i].in), NULL, 0, &out, &flags);
        if (strcmp(cases[i].in, "\xc3\xa9=00x") == 0)
            CHECK(out.len == 4 && memcmp(out.buf, "\xc3\xa9\0x", 4) == 0);
        else
            CHECK_MEM(out.buf ? out.buf : "", out.len, cases[i].want);
        CHECK_INT(flags, cases[i].flags);
        str_deinit(&out);
    }
}

static void
test_split(void)
{
    srand(2045);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *in = cases[i].in;
        size_t len = strlen(in), cuts[64];
        struct str whole, part;
        unsigned fw, fp;
        str_init(&whole, 0);
        decode_chunks(in, len, NULL, 0, &whole, &fw);
        for (int round = 0; round < 20; round++) {
            size_t n = 0;
            for (size_t k = 1; k < len && n < 64; k++)
                if (round == 0 || rand() % 3 == 0)
                    cuts[n++] = k;
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

static void
test_limit(void)
{
    struct qp_decoder d;
    struct str out;
    str_init(&out, 4);
    qp_decoder_init(&d);
    CHECK_INT(qp_decode(&d, "ab=43de", 7, &out), -1);
    CHECK_MEM(out.buf, out.len, "abCd");
    str_deinit(&out);

    str_init(&out, 2);
    qp_decoder_init(&d);
    CHECK_INT(qp_decode(&d, "a=zz", 4, &out), -1); /* the literal "=zz" does not fit */
    CHECK_MEM(out.buf, out.len, "a=");
    str_deinit(&out);

    str_init(&out, 3);
    qp_decoder_init(&d);
    CHECK_INT(qp_decode(&d, "abc=", 4, &out), 0);
    CHECK_INT(qp_decode(&d, "\r\n", 2, &out), 0);
    CHECK_INT(qp_decode_finish(&d, &out), 0);
    CHECK_MEM(out.buf, out.len, "abc");
    str_deinit(&out);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_split);
    T_RUN(test_limit);
    return t_done();
}
