/*
 * json: JSON string escaping. Untrusted input: yes (any bytes); invalid
 * UTF-8 is replaced, control characters are escaped.
 */
#include "json.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int
json_append_string(struct str *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    int r = str_appendc(out, '"');
    for (size_t i = 0; i < s.len && r == 0;) {
        unsigned c = p[i];
        size_t n = utf8_seq(p + i, s.len - i);
        if (n == 0) {
            r = str_append_cstr(out, "\\ufffd");
            i++;
            continue;
        }
        if (n > 1) {
            r = str_append(out, p + i, n);
        } else if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            r = str_append(out, e, 2);
        } else if (c == '\n') {
            r = str_append_cstr(out, "\\n");
        } else if (c == '\r') {
            r = str_append_cstr(out, "\\r");
        } else if (c == '\t') {
            r = str_append_cstr(out, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            r = str_appendf(out, "\\u%04x", c);
        } else {
            r = str_appendc(out, (int)c);
        }
        i += n;
    }
    if (r == 0)
        r = str_appendc(out, '"');
    return r;
}

int
json_append_cstr(struct str *out, const char *s)
{
    return json_append_string(out, slice_from_cstr(s ? s : ""));
}
