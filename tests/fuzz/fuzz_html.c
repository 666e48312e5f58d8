/*
 * fuzz_html: html_to_text with a bounded output (its maximum taken from the
 * first byte) and a URL callback. Checks that the output stays within its
 * maximum, that the result says whether the maximum was hit, that each URL
 * lies inside the input or is no longer than it (a decoded copy), is
 * trimmed and holds no tab or newline, that the text holds no control
 * character but '\n', and that valid UTF-8 in gives valid UTF-8 out.
 */
#include "fuzz_check.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    struct slice in;
    size_t urls;
    unsigned sum;
};

static void
on_url(void *vctx, struct slice url)
{
    struct ctx *c = vctx;
    const unsigned char *p = (const unsigned char *)url.ptr;
    c->urls++;
    if (url.len == 0 || url.ptr == NULL)
        FUZZ_CHECK_FAILED();
    bool inside = url.ptr >= c->in.ptr && url.ptr + url.len <= c->in.ptr + c->in.len;
    if (!inside && (url.len > c->in.len || url.len > HTML_ATTR_MAX))
        FUZZ_CHECK_FAILED();
    if (p[0] <= 0x20 || p[url.len - 1] <= 0x20)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < url.len; i++) {
        if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
            FUZZ_CHECK_FAILED();
        c->sum += p[i]; /* touch every byte, for the sanitizer */
    }
}

static bool
valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                  : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
        if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
            (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
            return false;
        i += len;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t max = 1 + (size_t)data[0] * 64;
    struct ctx c = {.in = {(const char *)data + 1, size - 1}};
    struct str out;
    str_init(&out, max);
    int r = html_to_text(c.in, &out, on_url, &c);
    if (out.len > max || (r != 0 && r != -1))
        FUZZ_CHECK_FAILED();
    /* The only control character in the text is '\n'. */
    for (size_t i = 0; i < out.len; i++)
        if (((unsigned char)out.buf[i] < 0x20 && out.buf[i] != '\n') || out.buf[i] == 0x7f)
            FUZZ_CHECK_FAILED();
    if (valid_utf8((const unsigned char *)c.in.ptr, c.in.len) &&
        !valid_utf8((const unsigned char *)out.buf, out.len))
        FUZZ_CHECK_FAILED();
    str_deinit(&out);
    return 0;
}
