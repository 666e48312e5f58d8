/*
 * verp: encodes a subscriber's address into a local-part-safe form and
 * back (mail/verp.h has the format). Reads untrusted input (the recipient
 * of a bounce); pure. Bounded: addresses up to VERP_ADDRESS_MAX bytes,
 * output up to the caller's struct str maximum.
 */
#include "mail/verp.h"

#include <string.h>

#include "lib/chars.h"

static bool
atext_safe(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr("!#$%&'*-/?^_`{|}~.", ch) != NULL);
}

static int
encode_run(struct slice s, struct str *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch == 0 || ch == '\r' || ch == '\n')
            return -1; /* never in an address; decoding refuses them too */
        bool dot_run = ch == '.' && (i == 0 || s.ptr[i - 1] == '.');
        if (atext_safe(ch) && !dot_run) {
            if (str_appendc(out, ch) < 0)
                return -1;
        } else {
            char e[3] = {'+', hex[ch >> 4], hex[ch & 15]};
            if (str_append(out, e, 3) < 0)
                return -1;
        }
    }
    return 0;
}

static long
last_index(struct slice s, char c)
{
    for (size_t i = s.len; i > 0; i--)
        if (s.ptr[i - 1] == c)
            return (long)(i - 1);
    return -1;
}

int
verp_encode(struct slice addr, struct str *out)
{
    long at = last_index(addr, '@');
    if (at <= 0 || (size_t)at + 1 >= addr.len || addr.len > VERP_ADDRESS_MAX)
        return -1;
    size_t old = out->len;
    if (encode_run(slice_head(addr, (size_t)at), out) < 0 || str_appendc(out, '=') < 0 ||
        encode_run(slice_from(addr, (size_t)at + 1), out) < 0) {
        str_truncate(out, old);
        return -1;
    }
    return 0;
}

static int
decode_run(struct slice s, unsigned flags, struct str *out)
{
    for (size_t i = 0; i < s.len; i++) {
        int ch = (unsigned char)s.ptr[i];
        if (ch == '+' && !(flags & VERP_RAW)) {
            int hi = i + 2 < s.len ? chars_hexval((unsigned char)s.ptr[i + 1]) : -1;
            int lo = hi >= 0 ? chars_hexval((unsigned char)s.ptr[i + 2]) : -1;
            if (lo < 0)
                return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (ch == 0 || ch == '\r' || ch == '\n' || str_appendc(out, ch) < 0)
            return -1;
    }
    return 0;
}

int
verp_decode(struct slice enc, unsigned flags, struct str *out)
{
    long eq = last_index(enc, '=');
    if (eq <= 0 || (size_t)eq + 1 >= enc.len)
        return -1;
    size_t old = out->len;
    if (decode_run(slice_head(enc, (size_t)eq), flags, out) < 0 ||
        str_appendc(out, '@') < 0 ||
        decode_run(slice_from(enc, (size_t)eq + 1), flags, out) < 0 ||
        out->len - old > VERP_ADDRESS_MAX) {
        str_truncate(out, old);
        return -1;
    }
    return 0;
}

int
verp_build(struct slice prefix, struct slice addr, struct slice host, struct str *out)
{
    size_t old = out->len;
    if (str_append_slice(out, prefix) < 0 || verp_encode(addr, out) < 0 ||
        str_appendc(out, '@') < 0 || str_append_slice(out, host) < 0) {
        str_truncate(out, old);
        return -1;
    }
    return 0;
}

int
verp_extract(struct slice prefix, struct slice rcpt, unsigned flags, struct str *out)
{
    long at = last_index(rcpt, '@');
    struct slice local = at < 0 ? rcpt : slice_head(rcpt, (size_t)at);
    if (local.len <= prefix.len || !slice_case_eq(slice_head(local, prefix.len), prefix))
        return -1;
    return verp_decode(slice_from(local, prefix.len), flags, out);
}
