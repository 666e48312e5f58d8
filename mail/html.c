/*
 * html: render HTML to the plain text a reader sees, and report the URLs
 * of its attributes (see html.h for what the rendering does).
 *
 * Untrusted input: yes (the HTML parts of messages). Pure: no I/O, no
 * globals but read-only tables. Limits: the text goes to the caller's
 * struct str and stops at its maximum (-1); decoded attribute values are
 * kept in two buffers of HTML_ATTR_MAX bytes each (longer ones are cut);
 * at most HTML_TAG_ATTRS_MAX attributes of one tag are looked at. Time is
 * linear in the input: every search that may fail (the end of a tag, of a
 * comment, of a CDATA section, a closing quote) either consumes what it
 * scanned or, when it fails, is remembered so that it is not repeated.
 *
 * The tokenizer follows the HTML standard where that changes the text a
 * reader sees (tag names start with a letter, attribute quoting, raw text
 * elements, entities without ';'), with one deliberate difference: a tag,
 * comment or CDATA section that is never closed does not swallow the rest
 * of the input; its '<' is kept as text instead (a browser would show
 * nothing, but a filter must not let a stray '<' hide the text after it).
 * When a quoted attribute value runs past the last '>' of the input, the
 * tag ends at its first '>' instead, and quotes are ignored in the tags
 * after it (this keeps the time linear).
 */
#include "lib/chars.h"
#include "html.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define NOT_FOUND SIZE_MAX

struct html {
    const unsigned char *p; /* the input */
    size_t n;
    struct str *out;
    html_url_cb cb;
    void *ctx;
    struct str val;  /* a decoded attribute value */
    struct str url;  /* a URL with tabs and newlines removed */
    size_t last_gt;  /* index of the last '>' in the input, or NOT_FOUND */
    size_t comment_fail; /* no comment end at or after this index */
    size_t cdata_fail;   /* no CDATA end at or after this index */
    size_t quote_fail[2]; /* no '"' (0) or '\'' (1) at or after this index */
    unsigned pending_nl;  /* line breaks owed before the next text (<= 2) */
    unsigned pre;         /* depth of <pre>-like elements (saturating) */
    bool pending_space;   /* a space owed before the next text */
    bool started;         /* some text was written by this call */
    bool full;            /* out reached its maximum */
    bool noquote;         /* quotes are ignored in tags from now on */
};

/* ---- output ---- */

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(unsigned char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static unsigned char
to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Append what fits of p, cut at a UTF-8 character boundary; -1 if cut. */
static int
append_cut(struct str *s, const unsigned char *p, size_t n)
{
    if (str_append(s, p, n) == 0)
        return 0;
    size_t room = (s->max ? s->max : SIZE_MAX - 1) - s->len;
    size_t k = room < n ? room : n;
    while (k > 0 && (p[k] & 0xc0) == 0x80)
        k--;
    (void)str_append(s, p, k);
    return -1;
}

/* Write the line breaks or the space owed, unless nothing was written yet. */
static void
flush_pending(struct html *h)
{
    static const unsigned char nl[2] = {'\n', '\n'};
    if (h->started && h->pending_nl > 0) {
        if (str_append(h->out, nl, h->pending_nl) < 0)
            h->full = true;
    } else if (h->started && h->pending_space) {
        if (str_appendc(h->out, ' ') < 0)
            h->full = true;
    }
    h->pending_nl = 0;
    h->pending_space = false;
}

/* Write visible text. */
static void
put_text(struct html *h, const unsigned char *p, size_t n)
{
    if (h->full || n == 0)
        return;
    flush_pending(h);
    if (!h->full && append_cut(h->out, p, n) < 0)
        h->full = true;
    h->started = true;
}

/* Ask for n line breaks before the next text (at least, or more for <br>). */
static void
put_break(struct html *h, unsigned n, bool add)
{
    unsigned want = add ? h->pending_nl + n : n;
    if (want > 2)
        want = 2;
    if (want > h->pending_nl)
        h->pending_nl = want;
}

/* How a character of decoded text is shown. */
enum cls { C_TEXT, C_SPACE, C_NEWLINE, C_DROP };

/* Classify the character at p (len_r gets its length in bytes). */
static enum cls
classify(const unsigned char *p, size_t n, size_t *len_r)
{
    unsigned char c = p[0];
    *len_r = 1;
    if (c == '\n' || c == '\r')
        return C_NEWLINE;
    if (is_space(c))
        return C_SPACE;
    if (c < 0x20 || c == 0x7f)
        return C_DROP;
    if (c == 0xc2 && n >= 2 && (p[1] & 0xc0) == 0x80) {
        *len_r = 2;
        if (p[1] == 0xa0)
            return C_SPACE; /* no-break space */
        if (p[1] == 0xad || (p[1] >= 0x80 && p[1] <= 0x9f))
            return C_DROP; /* soft hyphen, C1 controls */
        return C_TEXT;
    }
    if (n >= 3 && ((c == 0xe2 && p[1] == 0x80 && p[2] >= 0x8b && p[2] <= 0x8f) ||
                   (c == 0xe2 && p[1] == 0x81 && p[2] == 0xa0) ||
                   (c == 0xef && p[1] == 0xbb && p[2] == 0xbf))) {
        *len_r = 3; /* zero-width space and joiners, marks, word joiner, BOM */
        return C_DROP;
    }
    return C_TEXT;
}

/* Show decoded text: whitespace collapsed (kept inside <pre>), invisible
 * characters dropped. */
static void
put_plain(struct html *h, const unsigned char *p, size_t n)
{
    size_t i = 0, run = 0, len;
    if (n == 0)
        return;
    while (i < n && !h->full) {
        enum cls c = classify(p + i, n - i, &len);
        if (c == C_TEXT) {
            i += len;
            continue;
        }
        put_text(h, p + run, i - run);
        if (c == C_NEWLINE && h->pre) {
            if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
                put_text(h, (const unsigned char *)"\n", 1);
        } else if (c != C_DROP) {
            if (h->pre)
                put_text(h, (const unsigned char *)" ", 1);
            else
                h->pending_space = true;
        }
        i += len;
        run = i;
    }
    put_text(h, p + run, i - run);
}

/* ---- entities ---- */

struct entity {
    const char *name;
    uint32_t cp;
    uint8_t legacy; /* recognised without ';' */
};

/* Sorted by name (byte order), for binary search. */
static const struct entity entities[] = {
    {"AElig", 0xc6, 1}, {"AMP", 0x26, 1}, {"Aacute", 0xc1, 1}, {"Acirc", 0xc2, 1},
    {"Agrave", 0xc0, 1}, {"Aring", 0xc5, 1}, {"Atilde", 0xc3, 1}, {"Auml", 0xc4, 1},
    {"COPY", 0xa9, 1}, {"Ccedil", 0xc7, 1}, {"Dagger", 0x2021, 0}, {"ETH", 0xd0, 1},
    {"Eacute", 0xc9, 1}, {"Ecirc", 0xca, 1}, {"Egrave", 0xc8, 1}, {"Euml", 0xcb, 1},
    {"GT", 0x3e, 1}, {"Iacute", 0xcd, 1}, {"Icirc", 0xce, 1}, {"Igrave", 0xcc, 1},
    {"Iuml", 0xcf, 1}, {"LT", 0x3c, 1}, {"NewLine", 0xa, 0}, {"Ntilde", 0xd1, 1},
    {"OElig", 0x152, 0}, {"Oacute", 0xd3, 1}, {"Ocirc", 0xd4, 1}, {"Ograve", 0xd2, 1},
    {"Oslash", 0xd8, 1}, {"Otilde", 0xd5, 1}, {"Ouml", 0xd6, 1}, {"Prime", 0x2033, 0},
    {"QUOT", 0x22, 1}, {"REG", 0xae, 1}, {"Scaron", 0x160, 0}, {"THORN", 0xde, 1},
    {"Tab", 0x9, 0}, {"Uacute", 0xda, 1}, {"Ucirc", 0xdb, 1}, {"Ugrave", 0xd9, 1},
    {"Uuml", 0xdc, 1}, {"Yacute", 0xdd, 1}, {"Yuml", 0x178, 0}, {"aacute", 0xe1, 1},
    {"acirc", 0xe2, 1}, {"acute", 0xb4, 1}, {"aelig", 0xe6, 1}, {"agrave", 0xe0, 1},
    {"amp", 0x26, 1}, {"apos", 0x27, 0}, {"aring", 0xe5, 1}, {"asymp", 0x2248, 0},
    {"atilde", 0xe3, 1}, {"auml", 0xe4, 1}, {"bdquo", 0x201e, 0}, {"brvbar", 0xa6, 1},
    {"bull", 0x2022, 0}, {"ccedil", 0xe7, 1}, {"cedil", 0xb8, 1}, {"cent", 0xa2, 1},
    {"check", 0x2713, 0}, {"circ", 0x2c6, 0}, {"clubs", 0x2663, 0}, {"copy", 0xa9, 1},
    {"cross", 0x2717, 0}, {"curren", 0xa4, 1}, {"dagger", 0x2020, 0},
    {"darr", 0x2193, 0}, {"deg", 0xb0, 1}, {"diams", 0x2666, 0}, {"divide", 0xf7, 1},
    {"eacute", 0xe9, 1}, {"ecirc", 0xea, 1}, {"egrave", 0xe8, 1}, {"emsp", 0x2003, 0},
    {"ensp", 0x2002, 0}, {"eth", 0xf0, 1}, {"euml", 0xeb, 1}, {"euro", 0x20ac, 0},
    {"fnof", 0x192, 0}, {"frac12", 0xbd, 1}, {"frac14", 0xbc, 1}, {"frac34", 0xbe, 1},
    {"frasl", 0x2044, 0}, {"ge", 0x2265, 0}, {"gt", 0x3e, 1}, {"harr", 0x2194, 0},
    {"hearts", 0x2665, 0}, {"hellip", 0x2026, 0}, {"iacute", 0xed, 1},
    {"icirc", 0xee, 1}, {"iexcl", 0xa1, 1}, {"igrave", 0xec, 1}, {"infin", 0x221e, 0},
    {"iquest", 0xbf, 1}, {"iuml", 0xef, 1}, {"laquo", 0xab, 1}, {"larr", 0x2190, 0},
    {"ldquo", 0x201c, 0}, {"le", 0x2264, 0}, {"loz", 0x25ca, 0}, {"lrm", 0x200e, 0},
    {"lsaquo", 0x2039, 0}, {"lsquo", 0x2018, 0}, {"lt", 0x3c, 1}, {"macr", 0xaf, 1},
    {"mdash", 0x2014, 0}, {"micro", 0xb5, 1}, {"middot", 0xb7, 1}, {"minus", 0x2212, 0},
    {"nbsp", 0xa0, 1}, {"ndash", 0x2013, 0}, {"ne", 0x2260, 0}, {"not", 0xac, 1},
    {"ntilde", 0xf1, 1}, {"oacute", 0xf3, 1}, {"ocirc", 0xf4, 1}, {"oelig", 0x153, 0},
    {"ograve", 0xf2, 1}, {"oline", 0x203e, 0}, {"ordf", 0xaa, 1}, {"ordm", 0xba, 1},
    {"oslash", 0xf8, 1}, {"otilde", 0xf5, 1}, {"ouml", 0xf6, 1}, {"para", 0xb6, 1},
    {"permil", 0x2030, 0}, {"plusmn", 0xb1, 1}, {"pound", 0xa3, 1},
    {"prime", 0x2032, 0}, {"quot", 0x22, 1}, {"raquo", 0xbb, 1}, {"rarr", 0x2192, 0},
    {"rdquo", 0x201d, 0}, {"reg", 0xae, 1}, {"rlm", 0x200f, 0}, {"rsaquo", 0x203a, 0},
    {"rsquo", 0x2019, 0}, {"sbquo", 0x201a, 0}, {"scaron", 0x161, 0}, {"sect", 0xa7, 1},
    {"shy", 0xad, 1}, {"spades", 0x2660, 0}, {"sup1", 0xb9, 1}, {"sup2", 0xb2, 1},
    {"sup3", 0xb3, 1}, {"szlig", 0xdf, 1}, {"thinsp", 0x2009, 0}, {"thorn", 0xfe, 1},
    {"tilde", 0x2dc, 0}, {"times", 0xd7, 1}, {"trade", 0x2122, 0}, {"uacute", 0xfa, 1},
    {"uarr", 0x2191, 0}, {"ucirc", 0xfb, 1}, {"ugrave", 0xf9, 1}, {"uml", 0xa8, 1},
    {"uuml", 0xfc, 1}, {"yacute", 0xfd, 1}, {"yen", 0xa5, 1}, {"yuml", 0xff, 1},
    {"zwj", 0x200d, 0}, {"zwnj", 0x200c, 0},
};

#define ENTITY_NAME_MAX 32   /* longer names are not looked up whole */
#define ENTITY_LEGACY_MAX 6  /* the longest name usable without ';' */

/* windows-1252 for &#128; .. &#159;, as browsers read them. */
static const uint16_t cp1252_c1[32] = {
    0x20ac, 0x81,   0x201a, 0x192,  0x201e, 0x2026, 0x2020, 0x2021,
    0x2c6,  0x2030, 0x160,  0x2039, 0x152,  0x8d,   0x17d,  0x8f,
    0x90,   0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x2dc,  0x2122, 0x161,  0x203a, 0x153,  0x9d,   0x17e,  0x178,
};

static const struct entity *
entity_find(const unsigned char *name, size_t len)
{
    size_t lo = 0, hi = sizeof(entities) / sizeof(entities[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *e = entities[mid].name;
        size_t elen = strlen(e);
        int c = memcmp(name, e, len < elen ? len : elen);
        if (c == 0)
            c = len < elen ? -1 : len > elen;
        if (c == 0)
            return &entities[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Encode cp as UTF-8 into u; returns the length. */
static size_t
utf8_put(uint32_t cp, unsigned char *u)
{
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    u[0] = (unsigned char)(0xf0 | cp >> 18);
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* "&#NNN;" or "&#xHH;" at p (p[1] == '#'): bytes taken (0: not a reference),
 * the character in *cp. */
static size_t
entity_numeric(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t i = 2;
    unsigned base = 10;
    uint32_t v = 0;
    if (i < n && (p[i] == 'x' || p[i] == 'X')) {
        base = 16;
        i++;
    }
    size_t start = i;
    int d;
    while (i < n && (d = base == 16 ? chars_hexval(p[i]) : (p[i] >= '0' && p[i] <= '9'
                                                             ? p[i] - '0' : -1)) >= 0) {
        if (v <= 0x10ffff)
            v = v * base + (uint32_t)d;
        i++;
    }
    if (i == start)
        return 0;
    if (i < n && p[i] == ';')
        i++;
    if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        v = 0xfffd;
    else if (v >= 0x80 && v <= 0x9f)
        v = cp1252_c1[v - 0x80];
    *cp = v;
    return i;
}

/* A named reference at p (p[0] == '&'): bytes taken (0: none). In an
 * attribute value, a legacy name without ';' followed by '=' or a letter or
 * digit is left alone, as browsers do. */
static size_t
entity_named(const unsigned char *p, size_t n, bool attr, uint32_t *cp)
{
    size_t m = 0;
    while (1 + m < n && m < ENTITY_NAME_MAX && is_alnum(p[1 + m]))
        m++;
    if (m == 0)
        return 0;
    const struct entity *e;
    if (m < ENTITY_NAME_MAX && 1 + m < n && p[1 + m] == ';' &&
        (e = entity_find(p + 1, m)) != NULL) {
        *cp = e->cp;
        return m + 2;
    }
    for (size_t len = m < ENTITY_LEGACY_MAX ? m : ENTITY_LEGACY_MAX; len >= 2; len--) {
        e = entity_find(p + 1, len);
        if (e == NULL || !e->legacy)
            continue;
        if (attr && 1 + len < n && (p[1 + len] == '=' || is_alnum(p[1 + len])))
            return 0;
        *cp = e->cp;
        return 1 + len;
    }
    return 0;
}

/* Decode the reference at p (p[0] == '&') into u (4 bytes); returns the
 * bytes taken (0: not a reference, the '&' is literal), *ulen the length. */
static size_t
entity_decode(const unsigned char *p, size_t n, bool attr, unsigned char *u, size_t *ulen)
{
    uint32_t cp = 0;
    size_t taken = (n > 1 && p[1] == '#') ? entity_numeric(p, n, &cp)
                                          : entity_named(p, n, attr, &cp);
    if (taken > 0)
        *ulen = utf8_put(cp, u);
    return taken;
}

/* Show text with references in it (input bytes from..to). */
static void
put_text_raw(struct html *h, size_t from, size_t to)
{
    const unsigned char *p = h->p;
    while (from < to && !h->full) {
        const unsigned char *amp = memchr(p + from, '&', to - from);
        size_t k = amp ? (size_t)(amp - p) : to;
        put_plain(h, p + from, k - from);
        if (k >= to)
            break;
        unsigned char u[4];
        size_t ulen = 0, taken = entity_decode(p + k, to - k, false, u, &ulen);
        if (taken == 0) {
            put_plain(h, p + k, 1);
            taken = 1;
        } else {
            put_plain(h, u, ulen);
        }
        from = k + taken;
    }
}

/* An attribute value with its references decoded: the value itself when it
 * has none, else a view of h->val (cut at HTML_ATTR_MAX). */
static struct slice
attr_decode(struct html *h, struct slice v)
{
    if (v.len == 0 || memchr(v.ptr, '&', v.len) == NULL)
        return v;
    const unsigned char *p = (const unsigned char *)v.ptr;
    size_t i = 0;
    str_clear(&h->val);
    while (i < v.len) {
        unsigned char u[4];
        size_t ulen = 0, taken = 0;
        if (p[i] == '&')
            taken = entity_decode(p + i, v.len - i, true, u, &ulen);
        if (taken > 0) {
            if (str_append(&h->val, u, ulen) < 0)
                break;
            i += taken;
        } else {
            if (str_appendc(&h->val, p[i]) < 0)
                break;
            i++;
        }
    }
    return str_slice(&h->val);
}

/* ---- URLs ---- */

/* Report a URL: trimmed of spaces and controls, with tabs and newlines
 * inside removed (browsers ignore them, spammers insert them). */
static void
report_url(struct html *h, struct slice u)
{
    const unsigned char *p = (const unsigned char *)u.ptr;
    size_t s = 0, e = u.len;
    if (h->cb == NULL)
        return;
    while (s < e && p[s] <= 0x20)
        s++;
    while (e > s && p[e - 1] <= 0x20)
        e--;
    if (s == e)
        return;
    bool clean = true;
    for (size_t i = s; i < e && clean; i++)
        clean = !(p[i] == '\t' || p[i] == '\n' || p[i] == '\r');
    if (clean) {
        h->cb(h->ctx, slice_make(u.ptr + s, e - s));
        return;
    }
    str_clear(&h->url);
    for (size_t i = s; i < e; i++)
        if (!(p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
            (void)str_appendc(&h->url, p[i]);
    h->cb(h->ctx, str_slice(&h->url));
}

static bool
case_at(const unsigned char *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (to_lower(p[i]) != (unsigned char)word[i])
            return false;
    return true;
}

/* Report every url(...) of CSS text. */
static void
css_urls(struct html *h, struct slice css)
{
    const unsigned char *p = (const unsigned char *)css.ptr;
    size_t n = css.len, i = 0;
    while (i + 4 <= n) {
        if (!case_at(p + i, n - i, "url(")) {
            i++;
            continue;
        }
        i += 4;
        while (i < n && is_space(p[i]))
            i++;
        unsigned char end = ')';
        if (i < n && (p[i] == '"' || p[i] == '\''))
            end = p[i++];
        size_t s = i;
        while (i < n && p[i] != end)
            i++;
        report_url(h, slice_make(css.ptr + s, i - s));
        if (i < n)
            i++;
    }
}

/* <meta http-equiv=refresh content="5; url=http://...">. */
static void
meta_refresh_url(struct html *h, struct slice content)
{
    const unsigned char *p = (const unsigned char *)content.ptr;
    size_t n = content.len, i = 0;
    if (n == 0)
        return;
    while (i < n && p[i] != ';' && p[i] != ',')
        i++;
    while (i < n && (p[i] == ';' || p[i] == ',' || is_space(p[i])))
        i++;
    if (!case_at(p + i, n - i, "url"))
        return;
    i += 3;
    while (i < n && is_space(p[i]))
        i++;
    if (i >= n || p[i] != '=')
        return;
    i++;
    while (i < n && is_space(p[i]))
        i++;
    size_t e = n;
    if (i < n && (p[i] == '"' || p[i] == '\'')) {
        const unsigned char *q = memchr(p + i + 1, p[i], n - i - 1);
        e = q ? (size_t)(q - p) : n;
        i++;
    }
    report_url(h, slice_make(content.ptr + i, e - i));
}

/* ---- tags ---- */

enum attr_kind { A_URL, A_STYLE, A_ALT, A_CONTENT, A_HTTP_EQUIV };

struct attr {
    enum attr_kind kind;
    struct slice value; /* raw, not decoded */
};

struct tag {
    char name[16]; /* lowercased; "" if too long to be one we know */
    bool end;
    struct attr attrs[HTML_TAG_ATTRS_MAX];
    size_t nattrs;
};

static const struct {
    const char *name;
    enum attr_kind kind;
} attr_names[] = {
    {"href", A_URL},     {"src", A_URL},         {"action", A_URL},
    {"background", A_URL}, {"cite", A_URL},      {"data", A_URL},
    {"formaction", A_URL}, {"longdesc", A_URL},  {"poster", A_URL},
    {"lowsrc", A_URL},   {"dynsrc", A_URL},      {"style", A_STYLE},
    {"alt", A_ALT},      {"content", A_CONTENT}, {"http-equiv", A_HTTP_EQUIV},
};

static void
tag_add_attr(struct tag *t, struct slice name, struct slice value)
{
    if (t->end || t->nattrs >= HTML_TAG_ATTRS_MAX)
        return;
    for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
        if (slice_case_eq_cstr(name, attr_names[i].name)) {
            t->attrs[t->nattrs].kind = attr_names[i].kind;
            t->attrs[t->nattrs].value = value;
            t->nattrs++;
            return;
        }
    }
}

static size_t
skip_spaces(const unsigned char *p, size_t i, size_t limit)
{
    while (i < limit && is_space(p[i]))
        i++;
    return i;
}

/* The end of a quoted value starting at i (after the quote), or NOT_FOUND;
 * a failed search is remembered for that quote character. */
static size_t
find_quote(struct html *h, size_t i, size_t limit, unsigned char q)
{
    size_t *fail = &h->quote_fail[q == '\''];
    if (i >= *fail || i >= limit)
        return NOT_FOUND;
    const unsigned char *e = memchr(h->p + i, q, limit - i);
    if (e == NULL && limit == h->n)
        *fail = i;
    return e ? (size_t)(e - h->p) : NOT_FOUND;
}

/* An attribute value at i (after '='): its slice; *i moves past it. Returns
 * false if the tag can't be closed (the caller gives up on quotes). */
static bool
scan_value(struct html *h, size_t *ip, size_t limit, struct slice *v)
{
    const unsigned char *p = h->p;
    size_t i = *ip;
    if (i < limit && (p[i] == '"' || p[i] == '\'')) {
        size_t close = find_quote(h, i + 1, limit, p[i]);
        if (close == NOT_FOUND) {
            /* Unclosed: the value ends at the next '>' (the tag's end). */
            const unsigned char *gt = memchr(p + i + 1, '>', limit - i - 1);
            close = gt ? (size_t)(gt - p) : limit;
            if (gt == NULL && !h->noquote)
                return false;
            *v = slice_make((const char *)p + i + 1, close - i - 1);
            *ip = close;
            return true;
        }
        *v = slice_make((const char *)p + i + 1, close - i - 1);
        *ip = close + 1;
        return true;
    }
    size_t s = i;
    while (i < limit && !is_space(p[i]) && p[i] != '>')
        i++;
    *v = slice_make((const char *)p + s, i - s);
    *ip = i;
    return true;
}

/* Scan the attributes from i to the '>' that ends the tag; returns its
 * index, or NOT_FOUND if the tag is not closed before limit. */
static size_t
scan_attrs(struct html *h, size_t i, size_t limit, struct tag *t)
{
    const unsigned char *p = h->p;
    for (;;) {
        while (i < limit && (is_space(p[i]) || p[i] == '/'))
            i++;
        if (i >= limit)
            return h->noquote && limit < h->n ? limit : NOT_FOUND;
        if (p[i] == '>')
            return i;
        size_t ns = i++;
        while (i < limit && !is_space(p[i]) && p[i] != '/' && p[i] != '>' && p[i] != '=')
            i++;
        struct slice name = slice_make((const char *)p + ns, i - ns);
        struct slice value = SLICE_NULL;
        size_t j = skip_spaces(p, i, limit);
        if (j < limit && p[j] == '=') {
            i = skip_spaces(p, j + 1, limit);
            if (!scan_value(h, &i, limit, &value))
                return NOT_FOUND;
        }
        tag_add_attr(t, name, value);
    }
}

/* The index of the '>' closing the tag whose name ends at i, or NOT_FOUND.
 * The first failure turns quotes off for the rest of the input. */
static size_t
tag_end(struct html *h, size_t i, struct tag *t)
{
    if (!h->noquote) {
        size_t e = scan_attrs(h, i, h->n, t);
        if (e != NOT_FOUND)
            return e;
        h->noquote = true;
        t->nattrs = 0;
    }
    const unsigned char *gt = i < h->n ? memchr(h->p + i, '>', h->n - i) : NULL;
    if (gt == NULL)
        return NOT_FOUND;
    return scan_attrs(h, i, (size_t)(gt - h->p), t);
}

/* ---- elements ---- */

#define E_RAW_DROP 0x01  /* content is raw text, not shown (script, style) */
#define E_RCDATA_DROP 0x02 /* content is text with references, not shown (title) */
#define E_RCDATA 0x04    /* content is text with references, shown (textarea) */
#define E_RAW 0x08       /* content is raw text, shown as in <pre> (xmp) */
#define E_PLAINTEXT 0x10 /* everything after it is raw text */
#define E_PRE 0x20       /* whitespace kept */
#define E_CELL 0x40      /* a table cell: a space */
#define E_BR 0x80        /* a line break */

static const struct {
    const char *name;
    unsigned char breaks; /* line breaks before and after */
    unsigned char flags;
} elements[] = {
    {"address", 1, 0},    {"article", 1, 0},   {"aside", 1, 0},
    {"blockquote", 2, 0}, {"br", 1, E_BR},     {"caption", 1, 0},
    {"center", 1, 0},     {"dd", 1, 0},        {"details", 1, 0},
    {"dialog", 1, 0},     {"dir", 1, 0},       {"div", 1, 0},
    {"dl", 1, 0},         {"dt", 1, 0},        {"fieldset", 1, 0},
    {"figcaption", 1, 0}, {"figure", 1, 0},    {"footer", 1, 0},
    {"form", 1, 0},       {"h1", 2, 0},        {"h2", 2, 0},
    {"h3", 2, 0},         {"h4", 2, 0},        {"h5", 2, 0},
    {"h6", 2, 0},         {"header", 1, 0},    {"hr", 2, 0},
    {"iframe", 0, E_RAW_DROP}, {"legend", 1, 0}, {"li", 1, 0},
    {"listing", 2, E_PRE}, {"main", 1, 0},     {"menu", 1, 0},
    {"nav", 1, 0},        {"noembed", 0, E_RAW_DROP}, {"noframes", 0, E_RAW_DROP},
    {"ol", 1, 0},         {"option", 1, 0},    {"p", 2, 0},
    {"plaintext", 2, E_PLAINTEXT}, {"pre", 2, E_PRE}, {"script", 0, E_RAW_DROP},
    {"section", 1, 0},    {"style", 0, E_RAW_DROP}, {"summary", 1, 0},
    {"table", 2, 0},      {"tbody", 1, 0},     {"td", 0, E_CELL},
    {"textarea", 1, E_RCDATA}, {"tfoot", 1, 0}, {"th", 0, E_CELL},
    {"thead", 1, 0},      {"title", 0, E_RCDATA_DROP}, {"tr", 1, 0},
    {"ul", 1, 0},         {"xmp", 2, E_RAW},
};

static int
element_find(const char *name)
{
    for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
        if (name[0] == elements[i].name[0] && strcmp(name, elements[i].name) == 0)
            return (int)i;
    return -1;
}

/* The start of the end tag "</name" (followed by a space, '/' or '>') at or
 * after i, or NOT_FOUND. */
static size_t
find_end_tag(struct html *h, size_t i, const char *name)
{
    size_t k = strlen(name);
    while (i < h->n) {
        const unsigned char *lt = memchr(h->p + i, '<', h->n - i);
        if (lt == NULL)
            return NOT_FOUND;
        size_t j = (size_t)(lt - h->p);
        if (j + 2 + k < h->n && h->p[j + 1] == '/' && case_at(h->p + j + 2, k, name) &&
            (is_space(h->p[j + 2 + k]) || h->p[j + 2 + k] == '/' ||
             h->p[j + 2 + k] == '>'))
            return j;
        i = j + 1;
    }
    return NOT_FOUND;
}

/* Skip a '\n' (or "\r\n") right after <pre>, as browsers do. */
static size_t
skip_first_newline(struct html *h, size_t i)
{
    if (i < h->n && h->p[i] == '\r')
        i++;
    if (i < h->n && h->p[i] == '\n')
        i++;
    return i;
}

/* Handle the content of a raw text or RCDATA element starting at i; returns
 * where its end tag starts (or the end of the input). */
static size_t
element_content(struct html *h, size_t i, const char *name, unsigned flags)
{
    size_t e = (flags & E_PLAINTEXT) ? NOT_FOUND : find_end_tag(h, i, name);
    if (e == NOT_FOUND)
        e = h->n;
    if (flags & E_RCDATA)
        put_text_raw(h, skip_first_newline(h, i), e);
    if (flags & (E_RAW | E_PLAINTEXT)) {
        h->pre++;
        put_plain(h, h->p + i, e - i);
        h->pre--;
    }
    if (strcmp(name, "style") == 0)
        css_urls(h, slice_make((const char *)h->p + i, e - i));
    return e;
}

/* Report the URLs of a start tag and show its alt text. */
static void
tag_attributes(struct html *h, const struct tag *t)
{
    bool refresh = false;
    struct slice content = SLICE_NULL;
    for (size_t i = 0; i < t->nattrs && !h->full; i++) {
        const struct attr *a = &t->attrs[i];
        if (a->kind == A_URL) {
            report_url(h, attr_decode(h, a->value));
        } else if (a->kind == A_STYLE) {
            css_urls(h, attr_decode(h, a->value));
        } else if (a->kind == A_ALT && strcmp(t->name, "img") == 0) {
            struct slice alt = attr_decode(h, a->value);
            put_plain(h, (const unsigned char *)alt.ptr, alt.len);
        } else if (a->kind == A_HTTP_EQUIV) {
            refresh = slice_case_eq_cstr(slice_trim(attr_decode(h, a->value)), "refresh");
        } else if (a->kind == A_CONTENT) {
            content = a->value;
        }
    }
    if (refresh && strcmp(t->name, "meta") == 0 && content.len > 0 && !h->full)
        meta_refresh_url(h, attr_decode(h, content));
}

/* Act on a whole tag whose '>' is at gt; returns where to go on. */
static size_t
tag_apply(struct html *h, const struct tag *t, size_t gt)
{
    size_t next = gt + 1;
    int e = element_find(t->name);
    unsigned flags = e >= 0 ? elements[e].flags : 0;
    if (!t->end)
        tag_attributes(h, t);
    if (e < 0)
        return next;
    if (flags & E_BR)
        put_break(h, 1, true);
    else if (flags & E_CELL)
        h->pending_space = true;
    else if (elements[e].breaks)
        put_break(h, elements[e].breaks, false);
    if (flags & E_PRE) {
        if (t->end && h->pre > 0)
            h->pre--;
        else if (!t->end && h->pre < UINT32_MAX)
            h->pre++;
        if (!t->end)
            next = skip_first_newline(h, next);
    }
    if (!t->end && (flags & (E_RAW_DROP | E_RCDATA_DROP | E_RCDATA | E_RAW | E_PLAINTEXT)))
        next = element_content(h, next, t->name, flags);
    return next;
}

/* A start or end tag at lt ('<'); returns where to go on, or NOT_FOUND if
 * it is not closed (the '<' is then text). */
static size_t
markup_tag(struct html *h, size_t lt, bool end)
{
    struct tag t;
    size_t s = lt + 1 + end, i = s;
    while (i < h->n && !is_space(h->p[i]) && h->p[i] != '/' && h->p[i] != '>')
        i++;
    t.end = end;
    t.nattrs = 0;
    t.name[0] = '\0';
    if (i - s < sizeof(t.name)) {
        for (size_t k = 0; k < i - s; k++)
            t.name[k] = (char)to_lower(h->p[s + k]);
        t.name[i - s] = '\0';
    }
    size_t gt = tag_end(h, i, &t);
    if (gt == NOT_FOUND)
        return NOT_FOUND;
    return tag_apply(h, &t, gt);
}

/* The end of a comment ("-->" or "--!>") or CDATA section ("]]>") whose
 * content starts at i: the index after it, or NOT_FOUND (remembered). */
static size_t
find_close(struct html *h, size_t i, bool cdata)
{
    size_t *fail = cdata ? &h->cdata_fail : &h->comment_fail;
    size_t k = i;
    if (i >= *fail)
        return NOT_FOUND;
    while (k < h->n) {
        const unsigned char *gt = memchr(h->p + k, '>', h->n - k);
        if (gt == NULL)
            break;
        size_t g = (size_t)(gt - h->p);
        const unsigned char *q = h->p;
        if (cdata && g >= i + 2 && q[g - 1] == ']' && q[g - 2] == ']')
            return g + 1;
        if (!cdata && g >= i + 2 && q[g - 1] == '-' && q[g - 2] == '-')
            return g + 1;
        if (!cdata && g >= i + 3 && q[g - 1] == '!' && q[g - 2] == '-' && q[g - 3] == '-')
            return g + 1;
        k = g + 1;
    }
    *fail = i;
    return NOT_FOUND;
}

/* "<!...": a comment, a CDATA section, or a doctype or other bogus comment
 * (up to '>'). Returns where to go on, or NOT_FOUND. */
static size_t
markup_bang(struct html *h, size_t lt)
{
    const unsigned char *p = h->p + lt;
    size_t n = h->n - lt;
    if (n >= 4 && p[2] == '-' && p[3] == '-') {
        if (n >= 5 && p[4] == '>')
            return lt + 5;
        if (n >= 6 && p[4] == '-' && p[5] == '>')
            return lt + 6;
        return find_close(h, lt + 4, false);
    }
    if (case_at(p, n, "<![cdata["))
        return find_close(h, lt + 9, true);
    if (h->last_gt == NOT_FOUND || h->last_gt < lt)
        return NOT_FOUND;
    return (size_t)((const unsigned char *)memchr(p, '>', n) - h->p) + 1;
}

/* Markup at lt ('<'): returns where to go on, or NOT_FOUND if the '<' is
 * to be shown as text. */
static size_t
markup(struct html *h, size_t lt)
{
    const unsigned char *p = h->p;
    size_t n = h->n;
    if (lt + 1 >= n || h->last_gt == NOT_FOUND || h->last_gt < lt)
        return NOT_FOUND;
    unsigned char c = p[lt + 1];
    if (c == '!')
        return markup_bang(h, lt);
    if (c == '?')
        return (size_t)((const unsigned char *)memchr(p + lt, '>', n - lt) - p) + 1;
    if (is_alpha(c))
        return markup_tag(h, lt, false);
    if (c != '/' || lt + 2 >= n)
        return NOT_FOUND;
    if (is_alpha(p[lt + 2]))
        return markup_tag(h, lt, true);
    /* "</>" is dropped; "</ x>" and the like are bogus comments. */
    return (size_t)((const unsigned char *)memchr(p + lt, '>', n - lt) - p) + 1;
}

int
html_to_text(struct slice html, struct str *out, html_url_cb cb, void *ctx)
{
    struct html h = {
        .p = (const unsigned char *)html.ptr,
        .n = html.ptr ? html.len : 0,
        .out = out,
        .cb = cb,
        .ctx = ctx,
        .comment_fail = NOT_FOUND,
        .cdata_fail = NOT_FOUND,
        .quote_fail = {NOT_FOUND, NOT_FOUND},
        .last_gt = NOT_FOUND,
    };
    str_init(&h.val, HTML_ATTR_MAX);
    str_init(&h.url, HTML_ATTR_MAX);
    for (size_t k = h.n; k > 0; k--) {
        if (h.p[k - 1] == '>') {
            h.last_gt = k - 1;
            break;
        }
    }
    size_t i = 0;
    while (i < h.n && !h.full) {
        const unsigned char *lt = memchr(h.p + i, '<', h.n - i);
        size_t j = lt ? (size_t)(lt - h.p) : h.n;
        put_text_raw(&h, i, j);
        if (j >= h.n || h.full)
            break;
        size_t next = markup(&h, j);
        if (next == NOT_FOUND) {
            put_plain(&h, h.p + j, 1);
            next = j + 1;
        }
        i = next;
    }
    str_deinit(&h.val);
    str_deinit(&h.url);
    return h.full ? -1 : 0;
}
