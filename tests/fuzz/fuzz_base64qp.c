/*
 * fuzz_base64qp: the streaming base64 and quoted-printable decoders.
 *
 * Input: byte 0 seeds the chunk sizes, byte 1 sets a small output maximum,
 * the rest is the encoded text. Invariants checked, for each decoder: fed
 * in chunks (sizes drawn from the seed) it gives the same bytes and flags as
 * fed whole; with a maximum it returns -1 exactly when the whole output does
 * not fit, and keeps a prefix of the whole output no longer than the
 * maximum.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/base64.h"
#include "mail/qp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum dec { DEC_B64, DEC_QP };

struct feed {
    int rc; /* -1 if any call hit the maximum */
    unsigned flags;
};

/* Decode in into out, in chunks of 1..chunk_max bytes drawn from seed
 * (chunk_max 0: whole). Stops at the first -1, as a caller would. */
static struct feed
run(enum dec which, const char *in, size_t len, unsigned seed, size_t chunk_max, struct str *out)
{
    struct base64_decoder b;
    struct qp_decoder q;
    struct feed f = {0, 0};
    size_t at = 0;
    base64_decoder_init(&b);
    qp_decoder_init(&q);
    while (at < len && f.rc == 0) {
        size_t n = len - at;
        if (chunk_max) {
            seed = seed * 1103515245u + 12345u;
            size_t c = 1 + (seed >> 16) % chunk_max;
            n = c < n ? c : n;
        }
        f.rc = which == DEC_B64 ? base64_decode(&b, in + at, n, out) : qp_decode(&q, in + at, n, out);
        at += n;
    }
    if (f.rc == 0)
        f.rc = which == DEC_B64 ? base64_decode_finish(&b, out) : qp_decode_finish(&q, out);
    f.flags = which == DEC_B64 ? b.flags : q.flags;
    return f;
}

static void
check(enum dec which, const char *in, size_t len, unsigned seed, size_t max)
{
    struct str whole, part, lim;
    str_init(&whole, 0);
    str_init(&part, 0);
    str_init(&lim, max);
    struct feed fw = run(which, in, len, seed, 0, &whole);
    struct feed fp = run(which, in, len, seed, 1 + seed % 7, &part);
    struct feed fb = run(which, in, len, seed, 1, &part);
    (void)fb;
    if (fw.rc != 0 || fp.rc != 0 || fw.flags != fp.flags)
        FUZZ_CHECK_FAILED();
    /* part holds the chunked output twice over: both equal whole */
    if (part.len != 2 * whole.len || memcmp(part.buf ? part.buf : "", whole.buf ? whole.buf : "", whole.len) != 0 ||
        memcmp(part.buf ? part.buf + whole.len : "", whole.buf ? whole.buf : "", whole.len) != 0)
        FUZZ_CHECK_FAILED();
    if (fb.flags != fw.flags)
        FUZZ_CHECK_FAILED();
    struct feed fl = run(which, in, len, seed, 1 + seed % 5, &lim);
    if (lim.len > max || (fl.rc < 0) != (whole.len > max))
        FUZZ_CHECK_FAILED();
    if (lim.len && memcmp(lim.buf, whole.buf, lim.len) != 0)
        FUZZ_CHECK_FAILED();
    str_deinit(&whole);
    str_deinit(&part);
    str_deinit(&lim);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned seed = data[0];
    size_t max = 1 + data[1];
    const char *in = (const char *)data + 2;
    check(DEC_B64, in, size - 2, seed, max);
    check(DEC_QP, in, size - 2, seed, max);
    return 0;
}
