/*
 * fuzz_verp: VERP decoding (both modes) and encoding on any bytes. Checks
 * that failures leave the output as it was, that encoded forms hold only
 * local-part-safe bytes, and that encode then decode gives back the input.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "mail/verp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_encoded(struct slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"(),:;<>@[\\]", c) != NULL)
            FUZZ_CHECK_FAILED();
        if (c == '.' && i > 0 && s.ptr[i - 1] == '.')
            FUZZ_CHECK_FAILED();
    }
}

/* addr must encode to a safe form that decodes back to addr. */
static void
round_trip(struct slice addr)
{
    struct str enc, back;
    str_init(&enc, 4 * VERP_ADDRESS_MAX);
    str_init(&back, 0);
    if (verp_encode(addr, &enc) == 0) {
        check_encoded(str_slice(&enc));
        if (verp_decode(str_slice(&enc), 0, &back) < 0 ||
            !slice_eq(str_slice(&back), addr))
            FUZZ_CHECK_FAILED();
    } else if (enc.len != 0) {
        FUZZ_CHECK_FAILED();
    }
    str_deinit(&enc);
    str_deinit(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice in = {(const char *)data, size};
    for (unsigned flags = 0; flags <= VERP_RAW; flags++) {
        struct str out;
        str_init(&out, 0);
        if (verp_decode(in, flags, &out) == 0) {
            if (out.len > VERP_ADDRESS_MAX || slice_find_char(str_slice(&out), '@') < 0)
                FUZZ_CHECK_FAILED();
            round_trip(str_slice(&out));
        } else if (out.len != 0) {
            FUZZ_CHECK_FAILED();
        }
        str_deinit(&out);
    }
    round_trip(in);
    return 0;
}
