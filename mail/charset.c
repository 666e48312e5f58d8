/*
 * charset: MIME charset labels and conversion of text to UTF-8.
 *
 * Untrusted input: yes (labels and bytes from mail). Limits: labels longer
 * than CHARSET_NAME_MAX are unknown; labels are reduced to the characters a
 * charset name may hold before iconv_open sees them (no "//" suffixes, no
 * paths). Output goes to a struct str whose maximum the caller sets.
 * State: a small per-thread cache of iconv descriptors (C11 _Thread_local),
 * known and unknown names alike, so that iconv_open is paid once per name.
 */
#include "lib/chars.h"
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

/* windows-1252 0x80-0x9F; the five holes map to the C1 controls (WHATWG). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

struct alias {
    const char *label; /* lower case */
    const char *name;  /* for iconv */
};

/* The common labels come first: the list is searched in order. */
static const struct alias aliases[] = {
    {"utf-8", "UTF-8"}, {"us-ascii", "US-ASCII"}, {"iso-8859-1", "ISO-8859-1"},
    {"windows-1252", "WINDOWS-1252"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
    {"unicode-2-0-utf-8", "UTF-8"}, {"x-unicode20utf8", "UTF-8"},
    {"ascii", "US-ASCII"}, {"us", "US-ASCII"}, {"ansi_x3.4-1968", "US-ASCII"},
    {"ansi_x3.4-1986", "US-ASCII"}, {"iso646-us", "US-ASCII"}, {"iso-ir-6", "US-ASCII"},
    {"iso_646.irv:1991", "US-ASCII"}, {"cp367", "US-ASCII"}, {"ibm367", "US-ASCII"},
    {"csascii", "US-ASCII"}, {"646", "US-ASCII"}, {"7bit", "US-ASCII"},
    {"latin1", "ISO-8859-1"}, {"l1", "ISO-8859-1"}, {"cp819", "ISO-8859-1"},
    {"ibm819", "ISO-8859-1"}, {"iso-ir-100", "ISO-8859-1"}, {"csisolatin1", "ISO-8859-1"},
    {"iso88591", "ISO-8859-1"}, {"x-ansi", "WINDOWS-1252"}, {"ansi", "WINDOWS-1252"},
    {"utf-7", "UTF-7"}, {"utf7", "UTF-7"}, {"unicode-1-1-utf-7", "UTF-7"},
    {"unicode-2-0-utf-7", "UTF-7"}, {"x-unicode-2-0-utf-7", "UTF-7"},
    {"csunicode11utf7", "UTF-7"},
    {"ks_c_5601-1987", "CP949"}, {"ks_c_5601-1989", "CP949"}, {"ks_c_5601", "CP949"},
    {"ksc5601", "CP949"}, {"ksc_5601", "CP949"}, {"korean", "CP949"},
    {"csksc56011987", "CP949"}, {"iso-ir-149", "CP949"}, {"euc-kr", "CP949"},
    {"euckr", "CP949"}, {"x-euc-kr", "CP949"}, {"cseuckr", "CP949"},
    {"windows-949", "CP949"}, {"x-windows-949", "CP949"}, {"cp949", "CP949"},
    {"uhc", "CP949"},
    {"gb2312", "GBK"}, {"gb_2312-80", "GBK"}, {"gb_2312", "GBK"}, {"csgb2312", "GBK"},
    {"euc-cn", "GBK"}, {"euccn", "GBK"}, {"x-euc-cn", "GBK"}, {"chinese", "GBK"},
    {"csiso58gb231280", "GBK"}, {"iso-ir-58", "GBK"}, {"gbk", "GBK"}, {"cp936", "GBK"},
    {"x-gbk", "GBK"}, {"ms936", "GBK"}, {"windows-936", "GBK"}, {"gb18030", "GB18030"},
    {"big5", "BIG5-HKSCS"}, {"big-5", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"}, {"x-big5", "BIG5-HKSCS"}, {"csbig5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"}, {"big5hkscs", "BIG5-HKSCS"}, {"cp950", "BIG5-HKSCS"},
    {"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"}, {"csshiftjis", "CP932"}, {"windows-31j", "CP932"},
    {"cp932", "CP932"}, {"x-ms-cp932", "CP932"}, {"ms932", "CP932"},
    {"euc-jp", "EUC-JP-MS"}, {"eucjp", "EUC-JP-MS"}, {"x-euc-jp", "EUC-JP-MS"},
    {"cseucpkdfmtjapanese", "EUC-JP-MS"}, {"iso-2022-jp", "ISO-2022-JP-2"},
    {"csiso2022jp", "ISO-2022-JP-2"}, {"iso-2022-jp-1", "ISO-2022-JP-2"},
    {"iso-2022-kr", "ISO-2022-KR"}, {"csiso2022kr", "ISO-2022-KR"},
    {"koi8-r", "KOI8-R"}, {"koi8r", "KOI8-R"}, {"koi", "KOI8-R"}, {"koi8", "KOI8-R"},
    {"cskoi8r", "KOI8-R"}, {"koi8-u", "KOI8-U"}, {"koi8u", "KOI8-U"}, {"koi8-ru", "KOI8-RU"},
    {"tis-620", "CP874"}, {"tis620", "CP874"}, {"iso-8859-11", "CP874"},
    {"iso8859-11", "CP874"}, {"windows-874", "CP874"}, {"x-windows-874", "CP874"},
    {"cp874", "CP874"}, {"dos-874", "CP874"},
    {"iso-8859-8-i", "ISO-8859-8"}, {"iso-8859-8-e", "ISO-8859-8"}, {"visual", "ISO-8859-8"},
    {"logical", "ISO-8859-8"}, {"csiso88598i", "ISO-8859-8"}, {"iso-8859-6-i", "ISO-8859-6"},
    {"iso-8859-6-e", "ISO-8859-6"},
    {"macintosh", "MACINTOSH"}, {"mac", "MACINTOSH"}, {"x-mac-roman", "MACINTOSH"},
    {"macroman", "MACINTOSH"}, {"csmacintosh", "MACINTOSH"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"}, {"mac-cyrillic", "MAC-CYRILLIC"},
    {"maccyrillic", "MAC-CYRILLIC"}, {"x-mac-ukrainian", "MACUKRAINIAN"},
    {"x-mac-ce", "MAC-CENTRALEUROPE"}, {"x-mac-centraleurope", "MAC-CENTRALEUROPE"},
    {"mac-centraleurope", "MAC-CENTRALEUROPE"}, {"x-mac-icelandic", "MAC-IS"},
    {"cp850", "CP850"}, {"ibm850", "CP850"}, {"850", "CP850"}, {"cp852", "CP852"},
    {"ibm852", "CP852"}, {"cp866", "CP866"}, {"ibm866", "CP866"}, {"866", "CP866"},
    {"csibm866", "CP866"}, {"cp437", "CP437"}, {"ibm437", "CP437"}, {"437", "CP437"},
};

/* Labels that say the charset is not known. */
static const char *const unknown_labels[] = {
    "unknown-8bit", "unknown", "x-unknown", "x-user-defined", "8bit", "default", "none",
};

/* ISO-8859-n for "latin<n>". */
static const char *const latin_names[] = {
    NULL, "ISO-8859-1", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-9",
    "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
};

static bool
name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Copy the label proper, lower-cased, into lab; returns its length, or 0 if
 * it is empty, too long or holds a character a name cannot hold. */
static size_t
label_clean(const char *name, char *lab, size_t labsize)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n = 0;
    while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
        p++;
    for (; name_char(*p); p++) {
        if (n + 1 >= labsize || n >= CHARSET_NAME_MAX)
            return 0;
        lab[n++] = lower((char)*p);
    }
    /* What may end a label: the end, a language suffix, a quote, blanks,
     * a comment, a separator. Anything else makes the label suspect. */
    if (*p && !strchr("*\"' \t\r\n(;,", *p))
        return 0;
    lab[n] = '\0';
    return n;
}

/* Digits after prefix in lab, as a number (0 if none or not all digits). */
static unsigned
suffix_number(const char *lab, const char *prefix)
{
    size_t k = strlen(prefix);
    unsigned v = 0;
    if (strncmp(lab, prefix, k) != 0 || lab[k] == '\0')
        return 0;
    for (const char *p = lab + k; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000)
            return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    return v;
}

/* Patterns: iso-8859-<n> spelt many ways, latin<n>, windows-125<n>/cp125<n>. */
static const char *
label_pattern(const char *lab, char *buf, size_t bufsize)
{
    static const char *const iso_prefixes[] = {"iso-8859-", "iso8859-", "iso_8859-",
                                               "iso8859_", "iso_8859_", "8859-"};
    static const char *const win_prefixes[] = {"windows-", "cp", "win-", "x-cp", "cp-", "win"};
    char tmp[CHARSET_NAME_MAX + 1];
    size_t n = strlen(lab);
    unsigned v;
    /* "iso_8859-1:1987": drop the year. */
    if (n < sizeof(tmp) && strncmp(lab, "iso", 3) == 0 && strchr(lab, ':')) {
        memcpy(tmp, lab, n + 1);
        *strchr(tmp, ':') = '\0';
        lab = tmp;
    }
    for (size_t i = 0; i < sizeof(iso_prefixes) / sizeof(iso_prefixes[0]); i++) {
        v = suffix_number(lab, iso_prefixes[i]);
        if (v >= 1 && v <= 16 && v != 12 && bufsize > 12) {
            if (v == 11)
                return "CP874";
            memcpy(buf, "ISO-8859-", 9);
            if (v >= 10)
                buf[9] = '1', buf[10] = (char)('0' + v - 10), buf[11] = '\0';
            else
                buf[9] = (char)('0' + v), buf[10] = '\0';
            return buf;
        }
    }
    v = suffix_number(lab, "latin");
    if (v >= 1 && v <= 10)
        return latin_names[v];
    for (size_t i = 0; i < sizeof(win_prefixes) / sizeof(win_prefixes[0]); i++) {
        v = suffix_number(lab, win_prefixes[i]);
        if (v >= 1250 && v <= 1258 && bufsize > 12) {
            memcpy(buf, "WINDOWS-125", 11);
            buf[11] = (char)('0' + v - 1250);
            buf[12] = '\0';
            return buf;
        }
    }
    return NULL;
}

const char *
charset_normalize(const char *name, char *buf, size_t bufsize)
{
    char lab[CHARSET_NAME_MAX + 1];
    size_t n;
    const char *pat;
    if (name == NULL || bufsize == 0 || (n = label_clean(name, lab, sizeof(lab))) == 0)
        return NULL;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(lab, aliases[i].label) == 0)
            return aliases[i].name;
    for (size_t i = 0; i < sizeof(unknown_labels) / sizeof(unknown_labels[0]); i++)
        if (strcmp(lab, unknown_labels[i]) == 0)
            return NULL;
    if ((pat = label_pattern(lab, buf, bufsize)) != NULL)
        return pat;
    if (n >= bufsize)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        buf[i] = (lab[i] >= 'a' && lab[i] <= 'z') ? (char)(lab[i] - 'a' + 'A') : lab[i];
    return buf;
}

/* ---- UTF-8 ---- */

/* Length of the 7-bit prefix of p. */
static size_t
ascii_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

bool
charset_is_utf8(struct slice in)
{
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t i = 0, k, skip;
    if (in.len == 0)
        return true;
    while (i < in.len) {
        i += ascii_prefix(p + i, in.len - i);
        if (i >= in.len)
            break;
        if ((k = chars_utf8_len_skip(p + i, in.len - i, &skip)) == 0)
            return false;
        i += k;
    }
    return true;
}

int
charset_append_utf8(struct str *out, const char *p, size_t n)
{
    size_t limit = out->max ? out->max : SIZE_MAX - 1, room, cut;
    if (str_append(out, p, n) == 0)
        return 0;
    room = limit > out->len ? limit - out->len : 0;
    cut = room < n ? room : n;
    /* Back off to the start of a character cut in two (at most 3 bytes). */
    for (int i = 0; i < 3 && cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80; i++)
        cut--;
    if (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80)
        cut = room < n ? room : n; /* not UTF-8 there anyway: cut bytewise */
    (void)str_append(out, p, cut);
    return -1;
}

static size_t
put_utf8(char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Valid sequences copied, each maximal invalid subpart as U+FFFD. */
static int
utf8_sanitize(struct slice in, struct str *out, unsigned *flags)
{
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t i = 0, start = 0, k, skip = 0;
    while (i < in.len) {
        i += ascii_prefix(p + i, in.len - i);
        if (i >= in.len)
            break;
        if ((k = chars_utf8_len_skip(p + i, in.len - i, &skip)) > 0) {
            i += k;
            continue;
        }
        if (charset_append_utf8(out, in.ptr + start, i - start) < 0 ||
            charset_append_utf8(out, UTF8_REPLACEMENT, 3) < 0)
            return -1;
        *flags |= CHARSET_F_INVALID;
        i += skip;
        start = i;
    }
    return charset_append_utf8(out, in.ptr + start, in.len - start);
}

/* windows-1252 (and so ISO-8859-1) by table; never fails but for out's max. */
static int
cp1252_to_utf8(struct slice in, struct str *out)
{
    const unsigned char *p = (const unsigned char *)in.ptr;
    char buf[1024];
    size_t n = 0, i = 0, a;
    while (i < in.len) {
        a = ascii_prefix(p + i, in.len - i);
        if (a > 0) {
            if (charset_append_utf8(out, buf, n) < 0 ||
                charset_append_utf8(out, in.ptr + i, a) < 0)
                return -1;
            n = 0;
            i += a;
            continue;
        }
        if (n + 3 > sizeof(buf)) {
            if (charset_append_utf8(out, buf, n) < 0)
                return -1;
            n = 0;
        }
        n += put_utf8(buf + n, p[i] < 0xA0 ? cp1252_high[p[i] - 0x80] : p[i]);
        i++;
    }
    return charset_append_utf8(out, buf, n);
}

int
charset_fallback_to_utf8(struct slice in, struct str *out)
{
    if (in.len == 0)
        return 0;
    if (charset_is_utf8(in))
        return charset_append_utf8(out, in.ptr, in.len);
    return cp1252_to_utf8(in, out);
}

/* ---- iconv, with a per-thread cache ---- */

#define CD_CACHE_SIZE 8

struct cd_entry {
    char name[CHARSET_NAME_MAX + 1]; /* "" for a free slot */
    iconv_t cd;                      /* (iconv_t)-1 for a name iconv does not know */
    bool ascii_compat;               /* 7-bit text converts to itself */
    unsigned long used;
};

static _Thread_local struct cd_entry cd_cache[CD_CACHE_SIZE];
static _Thread_local unsigned long cd_clock;

/* Does cd turn in (n bytes) into itself? */
static bool
cd_identity(iconv_t cd, const char *in, size_t n)
{
    char out[512], *ip = (char *)in, *op = out;
    size_t il = n, ol = sizeof(out);
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
        return false;
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        return false;
    return (size_t)(op - out) == n && memcmp(in, out, n) == 0;
}

/* Does cd turn every 7-bit text into itself? Then 7-bit text need not go
 * through it. Stateful encodings (ISO-2022-*, UTF-7, HZ) give 7-bit escape
 * sequences a meaning: the second probe catches them. */
static bool
cd_ascii_compat(iconv_t cd)
{
    static const char escapes[] = "\x1b$B$\"\x1b(B \x1b$)C\x0e!!\x0f +AOk- ~{<:~}";
    char in[128];
    for (int i = 0; i < 128; i++)
        in[i] = (char)i;
    return cd_identity(cd, in, sizeof(in)) && cd_identity(cd, escapes, sizeof(escapes) - 1);
}

static struct cd_entry *
cd_get(const char *name)
{
    struct cd_entry *e, *victim = &cd_cache[0];
    for (int i = 0; i < CD_CACHE_SIZE; i++) {
        e = &cd_cache[i];
        if (e->name[0] && strcmp(e->name, name) == 0) {
            e->used = ++cd_clock;
            return e;
        }
        if (!e->name[0] || (victim->name[0] && e->used < victim->used))
            victim = e;
    }
    if (victim->name[0] && victim->cd != (iconv_t)-1)
        iconv_close(victim->cd);
    size_t n = strlen(name);
    if (n >= sizeof(victim->name))
        n = sizeof(victim->name) - 1;
    memcpy(victim->name, name, n);
    victim->name[n] = '\0';
    victim->cd = iconv_open("UTF-8", name);
    victim->ascii_compat = victim->cd != (iconv_t)-1 && cd_ascii_compat(victim->cd);
    victim->used = ++cd_clock;
    return victim;
}

void
charset_cache_clear(void)
{
    for (int i = 0; i < CD_CACHE_SIZE; i++) {
        if (cd_cache[i].name[0] && cd_cache[i].cd != (iconv_t)-1)
            iconv_close(cd_cache[i].cd);
        cd_cache[i].name[0] = '\0';
        cd_cache[i].cd = (iconv_t)-1;
    }
}

/* iconv's output is checked too: some converters (UCS-4, for one) write
 * "UTF-8" for values past U+10FFFF. Chunks end at character boundaries. */
static int
iconv_to_utf8(iconv_t cd, struct slice in, struct str *out, unsigned *flags)
{
    char buf[1024], *ip = (char *)in.ptr, *op;
    size_t il = in.len, ol;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (il > 0) {
        op = buf, ol = sizeof(buf);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int err = errno;
        if (utf8_sanitize(slice_make(buf, (size_t)(op - buf)), out, flags) < 0)
            return -1;
        if (r != (size_t)-1 || err == E2BIG)
            continue;
        /* EILSEQ, EINVAL (cut sequence at the end) or anything else: one
         * replacement character, skip a byte, go on. */
        *flags |= CHARSET_F_INVALID;
        if (charset_append_utf8(out, UTF8_REPLACEMENT, 3) < 0)
            return -1;
        ip++, il--;
    }
    op = buf, ol = sizeof(buf);
    (void)iconv(cd, NULL, NULL, &op, &ol); /* flush a shift state */
    return utf8_sanitize(slice_make(buf, (size_t)(op - buf)), out, flags);
}

int
charset_to_utf8(const char *charset, struct slice in, struct str *out, unsigned *flags_r)
{
    char buf[CHARSET_NAME_MAX + 1];
    unsigned flags = 0;
    int r;
    const char *name = charset ? charset_normalize(charset, buf, sizeof(buf)) : NULL;
    if (in.len == 0) {
        r = 0; /* nothing to convert, nothing to flag */
    } else if (name == NULL) {
        flags |= CHARSET_F_UNKNOWN;
        r = charset_fallback_to_utf8(in, out);
    } else if (strcmp(name, "UTF-8") == 0) {
        r = utf8_sanitize(in, out, &flags);
    } else if (strcmp(name, "US-ASCII") == 0) {
        if (ascii_prefix((const unsigned char *)in.ptr, in.len) != in.len)
            flags |= CHARSET_F_INVALID;
        r = charset_fallback_to_utf8(in, out);
    } else if (strcmp(name, "ISO-8859-1") == 0 || strcmp(name, "WINDOWS-1252") == 0) {
        r = cp1252_to_utf8(in, out);
    } else {
        struct cd_entry *e = cd_get(name);
        if (e->cd == (iconv_t)-1) {
            flags |= CHARSET_F_UNKNOWN;
            r = charset_fallback_to_utf8(in, out);
        } else if (e->ascii_compat &&
                   ascii_prefix((const unsigned char *)in.ptr, in.len) == in.len) {
            r = charset_append_utf8(out, in.ptr, in.len);
        } else {
            r = iconv_to_utf8(e->cd, in, out, &flags);
        }
    }
    if (flags_r)
        *flags_r |= flags;
    return r;
}
