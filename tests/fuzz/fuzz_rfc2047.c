/*
 * fuzz_rfc2047: rfc2047_decode over arbitrary header values.
 *
 * Input: byte 0 sets a small output maximum and the options, the rest is
 * the value. Invariants checked: the output is valid UTF-8 and never longer
 * than the input allows (at most 9 bytes per input byte: a U+FFFD for each);
 * with a maximum, -1 comes exactly when the whole output does not fit, and
 * what is kept is a prefix of the whole output, cut at a character boundary.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/charset.h"
#include "mail/rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opts = (data[0] & 0x80) ? RFC2047_O_STRICT : 0;
    size_t max = 1 + (data[0] & 0x7f);
    struct slice in = slice_make((const char *)data + 1, size - 1);
    struct str whole, lim;
    unsigned fw = 0, fl = 0;
    str_init(&whole, 0);
    str_init(&lim, max);
    if (rfc2047_decode_opts(in, &whole, &fw, opts) != 0)
        FUZZ_CHECK_FAILED();
    if (!charset_is_utf8(str_slice(&whole)) || whole.len > 9 * in.len + 16)
        FUZZ_CHECK_FAILED();
    int r = rfc2047_decode_opts(in, &lim, &fl, opts);
    if (lim.len > max || (r < 0) != (whole.len > max))
        FUZZ_CHECK_FAILED();
    if (lim.len && memcmp(lim.buf, whole.buf, lim.len) != 0)
        FUZZ_CHECK_FAILED();
    if (!charset_is_utf8(str_slice(&lim)))
        FUZZ_CHECK_FAILED();
    if (r == 0 && fl != fw)
        FUZZ_CHECK_FAILED();
    str_deinit(&whole);
    str_deinit(&lim);
    charset_cache_clear(); /* no iconv descriptor outlives the input */
    return 0;
}
