/*
 * dns_zone: parse DNS list items, match answers, make query names.
 *
 * Untrusted input: the items come from the configuration (trusted but
 * error-prone: every mistake is a reason, never a crash); the addresses
 * given to dns_reverse_name and dns_prefix_match come from the SMTP
 * session (parsed with inet_pton, nothing else). Pure and bounded: an item
 * is read once, left to right; names are bounded by DNS_QUERY_BUF.
 * dns_name_to_ascii reads names from messages and envelopes: bounded by
 * DNS_QUERY_BUF before libidn2 sees them.
 */
#include "dns_zone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <idn2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- answers ---------------------------------------------------------- */

static bool
read_num(struct slice *s, unsigned long max, unsigned long *v)
{
    size_t i = 0;
    unsigned long n = 0;
    while (i < s->len && s->ptr[i] >= '0' && s->ptr[i] <= '9' && i < 12) {
        n = n * 10 + (unsigned long)(s->ptr[i] - '0');
        i++;
    }
    if (i == 0 || n > max)
        return false;
    *s = slice_from(*s, i);
    *v = n;
    return true;
}

static bool
take_char(struct slice *s, char c)
{
    if (s->len == 0 || s->ptr[0] != c)
        return false;
    *s = slice_from(*s, 1);
    return true;
}

static void
set_range(uint8_t *bits, unsigned long lo, unsigned long hi)
{
    for (unsigned long v = lo; v <= hi; v++)
        bits[v / 8] |= (uint8_t)(1u << (v % 8));
}

/* One octet: N, or [N;N..M;...]. */
static bool
read_octet(struct slice *s, uint8_t *bits)
{
    unsigned long lo, hi;
    if (!take_char(s, '[')) {
        if (!read_num(s, 255, &lo))
            return false;
        set_range(bits, lo, lo);
        return true;
    }
    do {
        if (!read_num(s, 255, &lo))
            return false;
        hi = lo;
        if (take_char(s, '.') && (!take_char(s, '.') || !read_num(s, 255, &hi) || hi < lo))
            return false;
        set_range(bits, lo, hi);
    } while (take_char(s, ';'));
    return take_char(s, ']');
}

static int
codes_mask(struct slice s, struct dns_codes *out, const char **why_r)
{
    char buf[16];
    if (s.len == 0 || s.len >= sizeof(buf)) {
        *why_r = "bad bit mask after '&'";
        return -1;
    }
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    unsigned long long m = strtoull(buf, &end, 0);
    if (*end != '\0' || errno || m == 0 || m > 0xffffffffULL || buf[0] == '-' ||
        buf[0] == '+' || buf[0] == ' ') {
        *why_r = "bad bit mask after '&': a number from 1 to 0xffffffff";
        return -1;
    }
    out->kind = DNS_CODES_MASK;
    out->mask = (uint32_t)m;
    return 0;
}

int
dns_codes_parse(struct slice s, struct dns_codes *out, const char **why_r)
{
    memset(out, 0, sizeof(*out));
    if (s.len == 1 && s.ptr[0] == '*')
        return 0;
    if (s.len && s.ptr[0] == '&')
        return codes_mask(slice_from(s, 1), out, why_r);
    out->kind = DNS_CODES_SET;
    for (int i = 0; i < 4; i++)
        if ((i && !take_char(&s, '.')) || !read_octet(&s, out->octet[i])) {
            *why_r = "bad answer pattern: want *, &MASK or four octets like "
                     "127.0.0.2 or 127.0.0.[2..11]";
            return -1;
        }
    if (s.len) {
        *why_r = "bad answer pattern: text after the fourth octet";
        return -1;
    }
    return 0;
}

bool
dns_codes_match(const struct dns_codes *c, uint32_t a)
{
    switch (c->kind) {
    case DNS_CODES_ANY: return (a >> 24) == 127;
    case DNS_CODES_MASK: return (a >> 24) == 127 && (a & c->mask) != 0;
    case DNS_CODES_SET:
        for (int i = 0; i < 4; i++) {
            unsigned v = (a >> (24 - 8 * i)) & 0xff;
            if (!(c->octet[i][v / 8] & (1u << (v % 8))))
                return false;
        }
        return true;
    }
    return false;
}

const char *
dns_error_answer(uint32_t a)
{
    if ((a >> 24) != 127)
        return "an answer outside 127.0.0.0/8 (a resolver that rewrites answers?)";
    switch (a) {
    case 0x7f000001: return "127.0.0.1: the list refused the query (or lists 127.0.0.1)";
    case 0x7f0001ff: return "127.0.1.255: the list does not take this kind of query";
    case 0x7ffffffc: return "127.255.255.252: the list says the zone name is wrong";
    case 0x7ffffffe: return "127.255.255.254: the list refuses queries from public resolvers";
    case 0x7fffffff: return "127.255.255.255: the list says too many queries were made";
    default: return NULL;
    }
}

/* ---- items ------------------------------------------------------------ */

static int
parse_zone(struct slice s, struct dns_zone_entry *out, const char **why_r)
{
    if (s.len && s.ptr[s.len - 1] == '.')
        s.len--;
    if (s.len == 0 || s.len > DNS_ZONE_MAX) {
        *why_r = s.len ? "zone name too long" : "empty zone name";
        return -1;
    }
    size_t label = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (c == '.' ? label == 0 : !ok) {
            *why_r = "bad zone name: letters, digits, '-', '_' and dots between labels";
            return -1;
        }
        label = c == '.' ? 0 : label + 1;
        if (label > 63) {
            *why_r = "bad zone name: a label longer than 63 bytes";
            return -1;
        }
        out->zone[i] = c;
    }
    out->zone[s.len] = '\0';
    return 0;
}

static int
parse_symbol(struct slice s, struct dns_zone_entry *out, const char **why_r)
{
    if (s.len > DNS_SYMBOL_MAX) {
        *why_r = "symbol too long";
        return -1;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            *why_r = "bad symbol: upper-case letters, digits and '_'";
            return -1;
        }
        out->symbol[i] = c;
    }
    out->symbol[s.len] = '\0';
    return 0;
}

/* The default symbol: prefix and the zone in upper case, '_' for the rest. */
static void
default_symbol(struct dns_zone_entry *out, const char *prefix)
{
    size_t n = 0;
    for (const char *p = prefix; *p && n < DNS_SYMBOL_MAX; p++)
        out->symbol[n++] = *p;
    for (const char *p = out->zone; *p && n < DNS_SYMBOL_MAX; p++) {
        char c = *p;
        out->symbol[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A')
                           : (c >= '0' && c <= '9') ? c : '_';
    }
    out->symbol[n] = '\0';
}

static int
parse_action(struct slice s, unsigned actions, struct dns_zone_entry *out,
             const char **why_r)
{
    static const char *const words[] = {NULL, "reject", "tempfail", "allow"};
    for (int a = DNS_ACTION_REJECT; a <= DNS_ACTION_ALLOW; a++)
        if (slice_case_eq_cstr(s, words[a])) {
            out->action = (enum dns_action)a;
            if (!(actions & (1u << a))) {
                *why_r = a == DNS_ACTION_ALLOW ? "\"allow\" is for allow lists only"
                                               : "an allow list cannot reject";
                return -1;
            }
            return 0;
        }
    char buf[32], *end;
    if (s.len == 0 || s.len >= sizeof(buf)) {
        *why_r = "bad action: a score, reject, tempfail or allow";
        return -1;
    }
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    errno = 0;
    out->score = strtod(buf, &end);
    if (*end || errno || !isfinite(out->score) || buf[0] == ' ' ||
        fabs(out->score) > 1000) {
        *why_r = "bad action: a score (-1000 to 1000), reject, tempfail or allow";
        return -1;
    }
    out->action = DNS_ACTION_SCORE;
    return 0;
}

int
dns_zone_parse(struct slice item, unsigned actions, const char *prefix,
               double default_score, struct dns_zone_entry *out, const char **why_r)
{
    memset(out, 0, sizeof(*out));
    out->action = DNS_ACTION_SCORE;
    out->score = default_score;
    long colon = slice_find_char(item, ':');
    struct slice head = colon < 0 ? item : slice_head(item, (size_t)colon);
    struct slice tail = colon < 0 ? SLICE_NULL : slice_from(item, (size_t)colon + 1);
    long eq = slice_find_char(head, '=');
    struct slice zone = eq < 0 ? head : slice_head(head, (size_t)eq);
    if (parse_zone(zone, out, why_r) < 0)
        return -1;
    if (eq >= 0 && dns_codes_parse(slice_from(head, (size_t)eq + 1), &out->codes, why_r) < 0)
        return -1;
    long colon2 = slice_find_char(tail, ':');
    struct slice sym = colon2 < 0 ? tail : slice_head(tail, (size_t)colon2);
    if (parse_symbol(sym, out, why_r) < 0)
        return -1;
    if (sym.len == 0)
        default_symbol(out, prefix);
    if (colon2 >= 0 &&
        parse_action(slice_from(tail, (size_t)colon2 + 1), actions, out, why_r) < 0)
        return -1;
    return 0;
}

/* ---- addresses -------------------------------------------------------- */

/* Parse ip into a family and 16 bytes (IPv4 in the first 4); an
 * IPv4-mapped IPv6 address becomes IPv4. */
static int
parse_ip(const char *ip, int *family, uint8_t addr[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, ip, addr) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, addr) != 1)
        return -1;
    *family = AF_INET6;
    if (memcmp(addr, mapped, 12) == 0) {
        memmove(addr, addr + 12, 4);
        memset(addr + 4, 0, 12);
        *family = AF_INET;
    }
    return 0;
}

int
dns_reverse_name(const char *ip, const char *zone, char *buf, size_t n)
{
    int family;
    uint8_t a[16];
    if (parse_ip(ip, &family, a) < 0)
        return -1;
    struct str s;
    str_init(&s, n > DNS_NAME_MAX ? DNS_NAME_MAX : n - 1);
    int r = 0;
    if (family == AF_INET) {
        r = str_appendf(&s, "%u.%u.%u.%u.", a[3], a[2], a[1], a[0]);
    } else {
        static const char hex[] = "0123456789abcdef";
        for (int i = 15; i >= 0 && r == 0; i--)
            r = str_appendf(&s, "%c.%c.", hex[a[i] & 15], hex[a[i] >> 4]);
    }
    if (r == 0)
        r = str_append_cstr(&s, zone);
    if (r == 0)
        memcpy(buf, str_cstr(&s), s.len + 1);
    str_deinit(&s);
    return r;
}

int
dns_prefix_parse(const char *s, struct dns_prefix *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t len = strlen(s);
    if (len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len + 1);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(out, 0, sizeof(*out));
    if (parse_ip(buf, &out->family, out->addr) < 0 || (slash && strchr(buf, ':') &&
                                                      out->family == AF_INET))
        return -1;
    unsigned maxbits = out->family == AF_INET ? 32 : 128;
    out->bits = maxbits;
    if (slash) {
        struct slice b = slice_from_cstr(slash + 1);
        unsigned long v;
        if (!read_num(&b, maxbits, &v) || b.len)
            return -1;
        out->bits = (unsigned)v;
    }
    return 0;
}

bool
dns_prefix_match(const struct dns_prefix *p, const char *ip)
{
    int family;
    uint8_t a[16];
    if (parse_ip(ip, &family, a) < 0 || family != p->family)
        return false;
    unsigned full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(a, p->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a[full] & m) == (p->addr[full] & m);
}

bool
dns_name_in_domain(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);
    if (d == 0 || n < d || strcmp(name + n - d, domain) != 0)
        return false;
    return n == d || name[n - d - 1] == '.';
}

int
dns_name_to_ascii(const char *name, size_t n, char *buf)
{
    if (n >= DNS_QUERY_BUF)
        return -1;
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        buf[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        ascii &= (unsigned char)ch < 0x80 && ch != '\0';
    }
    buf[n] = '\0';
    if (ascii)
        return 0;
    if (memchr(name, '\0', n))
        return -1;
    char *out = NULL;
    if (idn2_to_ascii_8z(buf, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
        return -1;
    size_t len = strlen(out);
    int r = len < DNS_QUERY_BUF ? 0 : -1;
    if (r == 0)
        memcpy(buf, out, len + 1);
    idn2_free(out);
    return r;
}
