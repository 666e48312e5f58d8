/*
 * json: JSON string escaping. Untrusted input: yes (any bytes); invalid
 * UTF-8 is replaced, control characters are escaped.
 */
#include "json.h"

#include "chars.h"

#include <string.h>

int
json_append_string(struct str *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    int r = str_appendc(out, '"');
    for (size_t i = 0; i < s.len && r == 0;) {
        unsigned c = p[i];
        size_t n = chars_utf8_len(p + i, s.len - i);
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
