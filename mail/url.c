/*
 * url: find URLs in plain text and split one URL into scheme, host, port,
 * path and the rest.
 *
 * Untrusted input: yes (message text, HTML attributes). Pure: no I/O, no
 * globals but read-only tables. Limits: url_find_in_text is linear in the
 * text and reports at most max_urls; url_parse refuses inputs longer than
 * URL_MAX_LEN and hosts longer than URL_HOST_MAX, and allocates from the
 * caller's arena no more than a few times the input's length.
 *
 * The finder follows what mail clients turn into links rather than
 * RFC 3986: spammers rely on what a reader can click. The parser follows
 * the WHATWG URL standard where it matters for the host: tabs and newlines
 * are dropped, '\' counts as '/' for the special schemes, any number of
 * slashes may follow the scheme, the userinfo before '@' is not the host,
 * and the host is %-decoded.
 */
#include "lib/chars.h"
#include "url.h"

#include <stdbool.h>
#include <string.h>

#define SCHEME_MAX 32

static bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static unsigned char
to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool
case_prefix(const unsigned char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (to_lower(p[i]) != (unsigned char)prefix[i])
            return false;
    return true;
}

/* ---- finding URLs in text ---- */

/* Is the (well-formed) non-ASCII character at p a space, an invisible
 * separator or a quotation mark, which ends a URL in text? */
static bool
utf8_ends_url(const unsigned char *p, size_t len)
{
    if (len == 2)
        return p[0] == 0xc2 && (p[1] == 0xa0 || p[1] == 0xab || p[1] == 0xbb);
    if (len != 3)
        return false;
    if (p[0] == 0xe2 && p[1] == 0x80)
        return p[2] <= 0x8b || (p[2] >= 0x98 && p[2] <= 0x9f) || p[2] == 0xa8 ||
               p[2] == 0xa9 || p[2] == 0xaf || p[2] == 0xb9 || p[2] == 0xba;
    if (p[0] == 0xe2 && p[1] == 0x81)
        return p[2] == 0x9f || p[2] == 0xa0;
    if (p[0] == 0xe3 && p[1] == 0x80)
        return p[2] <= 0x82 || (p[2] >= 0x88 && p[2] <= 0x91);
    return p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf;
}

/* Length of the URL character at p (1 for ASCII, more for UTF-8), or 0 if
 * the byte ends a URL. */
static size_t
url_char_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        if (c <= 0x20 || c == 0x7f)
            return 0;
        return (c == '"' || c == '\'' || c == '<' || c == '>' || c == '`') ? 0 : 1;
    }
    size_t len = chars_utf8_len(p, n);
    if (len == 0 || utf8_ends_url(p, len))
        return 0;
    return len;
}

static size_t
count_char(const unsigned char *p, size_t n, unsigned char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == c;
    return k;
}

/* Drop trailing punctuation from the URL p[0..end) whose content starts at
 * from; returns the new end. Each closing bracket dropped is counted
 * against the opening ones once, so the work stays linear. */
static size_t
strip_trailing(const unsigned char *p, size_t from, size_t end)
{
    static const char open[] = "([{", close[] = ")]}";
    long balance[3];
    for (int k = 0; k < 3; k++)
        balance[k] = (long)count_char(p + from, end - from, (unsigned char)open[k]) -
                     (long)count_char(p + from, end - from, (unsigned char)close[k]);
    while (end > from) {
        unsigned char c = p[end - 1];
        const char *b = c ? strchr(close, c) : NULL;
        if (b != NULL) {
            if (balance[b - close] >= 0)
                break;
            balance[b - close]++;
        } else if (!(c && strchr(".,;:!?*", c))) {
            break;
        }
        end--;
    }
    return end;
}

/* Length of the prefix that makes p[0..] a URL ("scheme://", "mailto:",
 * "http:\\", and "www." when www is true), or 0. */
static size_t
url_prefix_len(const unsigned char *p, size_t n, bool www)
{
    size_t k = 0;
    while (k < n && k <= SCHEME_MAX && (is_alnum(p[k]) || p[k] == '+' || p[k] == '-'))
        k++;
    if (k >= 2 && k < n && p[k] == ':') {
        if (k + 2 < n && p[k + 1] == '/' && p[k + 2] == '/')
            return k + 3;
        if (case_prefix(p, n, "mailto:"))
            return k + 1;
        if (case_prefix(p, n, "http:") || case_prefix(p, n, "https:") ||
            case_prefix(p, n, "ftp:")) {
            size_t j = k + 1;
            while (j < n && (p[j] == '/' || p[j] == '\\'))
                j++;
            return j > k + 1 ? j : 0;
        }
        return 0;
    }
    if (www && (case_prefix(p, n, "www.") || case_prefix(p, n, "ftp.")))
        return (n > 4 && is_alnum(p[4])) ? 4 : 0;
    return 0;
}

/* May a URL start at i, judging by the byte before it? A scheme may not
 * follow a letter or digit; a "www." host may not follow what would make
 * it part of a word, an address, a path or a query either. Sets *www. */
static bool
url_may_start(const unsigned char *p, size_t i, bool *www)
{
    if (!is_alpha(p[i]))
        return false;
    unsigned char b = i ? p[i - 1] : ' ';
    if (is_alnum(b) || b == '+' || b == '-')
        return false;
    *www = !(b == '.' || b == '@' || b == '_' || b == '/' || b == '\\' || b == '%' ||
             b == '=' || b == '&' || b == ':');
    return true;
}

/* The end of a URL whose prefix ends at from, or from if it has no
 * content. */
static size_t
url_end(const unsigned char *p, size_t n, size_t from)
{
    size_t j = from, len;
    while (j < n && (len = url_char_len(p + j, n - j)) > 0)
        j += len;
    return strip_trailing(p, from, j);
}

size_t
url_find_in_text(struct slice text, size_t max_urls, url_cb cb, void *ctx)
{
    const unsigned char *p = (const unsigned char *)text.ptr;
    size_t n = text.len, found = 0, i = 0;
    while (i < n) {
        /* A URL starts a run of letters, digits, '+' and '-' that a ':'
         * ("http:", "mailto:") or a '.' ("www.") ends: go to the next mark
         * and back to the start of its run. */
        size_t j = i;
        while (j < n && p[j] != ':' && p[j] != '.')
            j++;
        if (j >= n)
            break;
        size_t s = j;
        while (s > i && (is_alnum(p[s - 1]) || p[s - 1] == '+' || p[s - 1] == '-'))
            s--;
        bool www;
        size_t pre = s < j && url_may_start(p, s, &www) ? url_prefix_len(p + s, n - s, www) : 0;
        size_t end = pre ? url_end(p, n, s + pre) : s;
        if (end == s || end == s + pre) {
            i = j + 1;
            continue;
        }
        found++;
        if (cb != NULL && found <= max_urls)
            cb(ctx, slice_make(text.ptr + s, end - s));
        i = end;
    }
    return found;
}

/* ---- parsing one URL ---- */

struct url_parser {
    struct arena *a;
    const char *p; /* the URL, trimmed, tabs and newlines removed */
    size_t n;
    bool special; /* http(s), ftp, ws(s), file: '\' is '/' */
    const char *err;
};

/* Trim C0 controls and spaces at both ends and drop tabs, CR and LF inside
 * (copying only when there are some). */
static struct slice
url_clean(struct arena *a, struct slice in)
{
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t s = 0, e = in.len;
    while (s < e && p[s] <= 0x20)
        s++;
    while (e > s && p[e - 1] <= 0x20)
        e--;
    size_t drop = count_char(p + s, e - s, '\t') + count_char(p + s, e - s, '\r') +
                  count_char(p + s, e - s, '\n');
    if (drop == 0)
        return slice_make(in.ptr + s, e - s);
    char *q = arena_alloc(a, e - s - drop + 1);
    size_t k = 0;
    for (size_t i = s; i < e; i++)
        if (p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            q[k++] = (char)p[i];
    q[k] = '\0';
    return slice_make(q, k);
}

static char *
dup_lower(struct arena *a, const char *p, size_t n)
{
    char *q = arena_memdup0(a, p, n);
    for (size_t i = 0; i < n; i++)
        q[i] = (char)to_lower((unsigned char)q[i]);
    return q;
}

static char *
dup_or_null(struct arena *a, const char *p, size_t n)
{
    return n ? arena_memdup0(a, p, n) : NULL;
}

static int
hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    c = to_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* A byte a host may not hold (WHATWG's forbidden domain code points). */
static bool
host_forbidden(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || (c && strchr("\"#%/:<>?@[\\]^|", c) != NULL);
}

/* Decode %HH, check and lowercase a registered-name host. */
static int
host_name(struct url_parser *up, const char *p, size_t n, char **out)
{
    char *h = arena_alloc(up->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value((unsigned char)p[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value((unsigned char)p[i + 2]) : -1;
            if (lo < 0) {
                up->err = "bad percent-encoding in host";
                return -1;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (host_forbidden(c)) {
            up->err = "bad character in host";
            return -1;
        }
        h[k++] = (char)to_lower(c);
    }
    while (k > 0 && h[k - 1] == '.')
        k--;
    h[k] = '\0';
    if (k == 0) {
        up->err = "missing host";
        return -1;
    }
    if (k > URL_HOST_MAX) {
        up->err = "host too long";
        return -1;
    }
    *out = h;
    return 0;
}

/* "[v6]" host: hex digits, ':' and '.' inside the brackets. Returns the
 * bytes taken (through ']'), or 0 on error. */
static size_t
host_ipv6(struct url_parser *up, const char *p, size_t n, char **out)
{
    size_t i = 1;
    while (i < n && p[i] != ']') {
        unsigned char c = (unsigned char)p[i];
        if (hex_value(c) < 0 && c != ':' && c != '.')
            break;
        i++;
    }
    if (i >= n || p[i] != ']' || i < 3 || i > 64) {
        up->err = "bad IPv6 literal";
        return 0;
    }
    *out = dup_lower(up->a, p, i + 1);
    return i + 1;
}

static int
port_check(struct url_parser *up, const char *p, size_t n, char **out)
{
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i])) {
            up->err = "bad port";
            return -1;
        }
        v = v * 10 + (unsigned long)(p[i] - '0');
        if (v > 65535) {
            up->err = "port out of range";
            return -1;
        }
    }
    *out = dup_or_null(up->a, p, n);
    return 0;
}

/* Split "userinfo@host:port" (the authority, n bytes at p). */
static int
parse_authority(struct url_parser *up, const char *p, size_t n, struct url *out)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '@')
            at = i;
    if (at < n) {
        out->userinfo = arena_memdup0(up->a, p, at);
        p += at + 1;
        n -= at + 1;
    }
    size_t hlen;
    if (n > 0 && p[0] == '[') {
        if ((hlen = host_ipv6(up, p, n, &out->host)) == 0)
            return -1;
        if (hlen < n && p[hlen] != ':') {
            up->err = "bad character in host";
            return -1;
        }
    } else {
        const char *colon = n ? memchr(p, ':', n) : NULL;
        hlen = colon ? (size_t)(colon - p) : n;
        if (host_name(up, p, hlen, &out->host) < 0)
            return -1;
    }
    if (hlen < n)
        return port_check(up, p + hlen + 1, n - hlen - 1, &out->port);
    return 0;
}

/* Split "path?query#fragment" (n bytes at p). */
static void
parse_rest(struct url_parser *up, const char *p, size_t n, struct url *out)
{
    const char *hash = n ? memchr(p, '#', n) : NULL;
    if (hash != NULL) {
        out->fragment = arena_memdup0(up->a, hash + 1, n - (size_t)(hash - p) - 1);
        n = (size_t)(hash - p);
    }
    const char *q = n ? memchr(p, '?', n) : NULL;
    if (q != NULL) {
        out->query = arena_memdup0(up->a, q + 1, n - (size_t)(q - p) - 1);
        n = (size_t)(q - p);
    }
    out->path = dup_or_null(up->a, p, n);
    if (up->special && out->path != NULL)
        for (char *c = out->path; *c; c++)
            if (*c == '\\')
                *c = '/';
}

/* The authority starts at p[0]: find its end, then parse both halves. */
static int
parse_hierarchical(struct url_parser *up, const char *p, size_t n, struct url *out)
{
    size_t i = 0;
    while (i < n && p[i] != '/' && p[i] != '?' && p[i] != '#' &&
           !(up->special && p[i] == '\\'))
        i++;
    if (i == 0 && out->scheme != NULL && strcmp(out->scheme, "file") == 0) {
        parse_rest(up, p, n, out);
        return 0;
    }
    if (parse_authority(up, p, i, out) < 0)
        return -1;
    parse_rest(up, p + i, n - i, out);
    return 0;
}

/* mailto: the path is the address list; the host is the first address's
 * domain, if it has one. */
static int
parse_mailto(struct url_parser *up, const char *p, size_t n, struct url *out)
{
    parse_rest(up, p, n, out);
    if (out->path == NULL)
        return 0;
    size_t len = strlen(out->path);
    const char *comma = memchr(out->path, ',', len);
    if (comma != NULL)
        len = (size_t)(comma - out->path);
    const char *at = NULL;
    for (size_t i = 0; i < len; i++)
        if (out->path[i] == '@')
            at = out->path + i;
    if (at == NULL)
        return 0;
    return host_name(up, at + 1, len - (size_t)(at + 1 - out->path), &out->host);
}

static bool
is_special_scheme(const char *s)
{
    static const char *const special[] = {"http", "https", "ftp", "ws", "wss", "file"};
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
        if (strcmp(s, special[i]) == 0)
            return true;
    return false;
}

/* Length of the scheme at p (followed by ':'), or 0 if there is none.
 * "www.x.y:80" and "x.y:80/" are hosts with a port, not schemes. */
static size_t
scheme_len(const char *p, size_t n)
{
    size_t k = 0;
    bool dot = false;
    if (n == 0 || !is_alpha((unsigned char)p[0]) || case_prefix((const void *)p, n, "www."))
        return 0;
    while (k < n && (is_alnum((unsigned char)p[k]) || p[k] == '+' || p[k] == '-' ||
                     p[k] == '.')) {
        dot |= p[k] == '.';
        k++;
    }
    if (k >= n || p[k] != ':' || k > SCHEME_MAX)
        return 0;
    if (dot && k + 1 < n && is_digit((unsigned char)p[k + 1]))
        return 0;
    return k;
}

static int
parse_after_scheme(struct url_parser *up, const char *p, size_t n, struct url *out)
{
    if (up->special) {
        size_t i = 0;
        while (i < n && (p[i] == '/' || p[i] == '\\'))
            i++;
        if (strcmp(out->scheme, "file") == 0 && i >= 3)
            i = 2; /* file:///path: an empty host, then the path */
        return parse_hierarchical(up, p + i, n - i, out);
    }
    if (n >= 2 && p[0] == '/' && p[1] == '/')
        return parse_hierarchical(up, p + 2, n - 2, out);
    if (strcmp(out->scheme, "mailto") == 0)
        return parse_mailto(up, p, n, out);
    parse_rest(up, p, n, out);
    return 0;
}

int
url_parse(struct arena *a, struct slice in, struct url *out, const char **error_r)
{
    struct url_parser up = {.a = a, .err = NULL};
    memset(out, 0, sizeof(*out));
    if (in.len > URL_MAX_LEN) {
        *error_r = "URL too long";
        return -1;
    }
    if (in.len == 0 || in.ptr == NULL) {
        *error_r = "empty URL";
        return -1;
    }
    struct slice s = url_clean(a, in);
    if (s.len == 0) {
        *error_r = "empty URL";
        return -1;
    }
    size_t k = scheme_len(s.ptr, s.len);
    int r;
    if (k > 0) {
        out->scheme = dup_lower(a, s.ptr, k);
        up.special = is_special_scheme(out->scheme);
        r = parse_after_scheme(&up, s.ptr + k + 1, s.len - k - 1, out);
    } else {
        /* Schemeless: "//host/...", or "host/..." whose host has a dot. */
        up.special = true;
        size_t skip = (s.len >= 2 && s.ptr[0] == '/' && s.ptr[1] == '/') ? 2 : 0;
        size_t h = skip;
        while (h < s.len && s.ptr[h] != '\0' && strchr("/\\?#:", s.ptr[h]) == NULL)
            h++;
        if (skip == 0 && memchr(s.ptr, '.', h) == NULL) {
            *error_r = "no scheme";
            return -1;
        }
        r = parse_hierarchical(&up, s.ptr + skip, s.len - skip, out);
    }
    if (r < 0) {
        memset(out, 0, sizeof(*out));
        *error_r = up.err;
    }
    return r;
}
