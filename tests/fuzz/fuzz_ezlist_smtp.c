/*
 * fuzz_ezlist_smtp: the SMTP client's reading of server replies and its
 * DATA encoding. Checks that a parsed reply code is 100..599 and its text
 * lies in the input, and that the encoded DATA ends with CRLF "." CRLF,
 * has no bare LF, and no line that is a lone "." before the end.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "ezlist/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_data(const struct str *d)
{
    if (d->len < 3 || memcmp(d->buf + d->len - 3, ".\r\n", 3) != 0)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < d->len; i++)
        if (d->buf[i] == '\n' && (i == 0 || d->buf[i - 1] != '\r'))
            FUZZ_CHECK_FAILED();
    for (size_t i = 0; i + 5 <= d->len - 3; i++)
        if (memcmp(d->buf + i, "\r\n.\r\n", 5) == 0)
            FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice in = {(const char *)data, size};
    int code;
    bool last;
    struct slice text;
    if (smtp_reply_line(in, &code, &last, &text) == 0) {
        if (code < 100 || code > 599)
            FUZZ_CHECK_FAILED();
        if (text.len && ((const uint8_t *)text.ptr < data ||
                         (const uint8_t *)text.ptr + text.len > data + size))
            FUZZ_CHECK_FAILED();
    }
    struct str d;
    str_init(&d, 0);
    smtp_encode_data(in, &d);
    check_data(&d);
    str_deinit(&d);
    return 0;
}
