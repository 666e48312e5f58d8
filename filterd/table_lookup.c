/*
 * table_lookup: the lookups of filterd/table.h in the order of
 * docs/tables.md (Postfix's access(5) order for addresses, with qmail's
 * @domain; parent domains; the most specific IP prefix first), and the IP
 * keys shared with the parser.
 *
 * Untrusted input: the looked-up items (client address and name, envelope
 * addresses from the SMTP session). Each is copied, lower-cased, into a
 * buffer of TABLE_LINE_MAX bytes; a longer item matches nothing. Pattern
 * matches run under TABLE_MATCH_LIMIT.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/table_impl.h"

/* --- IP keys --------------------------------------------------------- */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static struct slice
strip_ipv6_tag(struct slice key)
{
    return slice_starts_with_case(key, "ipv6:") ? slice_from(key, 5) : key;
}

bool
table_ip_key_like(struct slice key)
{
    key = strip_ipv6_tag(key);
    if (slice_find_char(key, ':') >= 0)
        return true;
    for (size_t i = 0; i < key.len; i++)
        if (!is_digit(key.ptr[i]) && key.ptr[i] != '.' && key.ptr[i] != '/')
            return false;
    return key.len > 0;
}

/* Digits [0, max] into *out; false when not a plain number. */
static bool
small_number(struct slice s, unsigned max, unsigned *out)
{
    if (s.len == 0 || s.len > 3)
        return false;
    unsigned n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (!is_digit(s.ptr[i]))
            return false;
        n = n * 10 + (unsigned)(s.ptr[i] - '0');
    }
    *out = n;
    return n <= max;
}

/* 1 to 4 dotted octets: a /8, /16, /24 prefix or an address. */
static const char *
parse_v4(struct slice s, struct table_ip *ip)
{
    unsigned parts = 0;
    while (s.len) {
        long dot = slice_find_char(s, '.');
        struct slice part = dot < 0 ? s : slice_head(s, (size_t)dot);
        unsigned v;
        if (parts == 4 || !small_number(part, 255, &v))
            return "bad IPv4 address or prefix";
        ip->addr[parts++] = (unsigned char)v;
        if (dot >= 0 && (size_t)dot + 1 == s.len)
            return "bad IPv4 address or prefix";
        s = dot < 0 ? SLICE_NULL : slice_from(s, (size_t)dot + 1);
    }
    if (parts == 0)
        return "bad IPv4 address or prefix";
    ip->family = 4;
    ip->plen = parts * 8;
    return NULL;
}

/* 1 to 7 groups with no "::" (a Sendmail/Postfix-style partial prefix),
 * or a whole address for inet_pton. */
static const char *
parse_v6(struct slice s, struct table_ip *ip)
{
    char buf[64];
    if (s.len >= sizeof(buf))
        return "bad IPv6 address or prefix";
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    ip->family = 6;
    ip->plen = 128;
    if (inet_pton(AF_INET6, buf, ip->addr) == 1)
        return NULL;
    unsigned groups = 0;
    while (s.len) {
        long c = slice_find_char(s, ':');
        struct slice g = c < 0 ? s : slice_head(s, (size_t)c);
        unsigned v = 0;
        if (g.len == 0 || g.len > 4 || groups == 7)
            return "bad IPv6 address or prefix (unknown tag?)";
        for (size_t i = 0; i < g.len; i++) {
            int h = g.ptr[i];
            int d = is_digit((char)h)                        ? h - '0'
                    : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10
                                                             : -1;
            if (d < 0)
                return "bad IPv6 address or prefix (unknown tag?)";
            v = v * 16 + (unsigned)d;
        }
        ip->addr[groups * 2] = (unsigned char)(v >> 8);
        ip->addr[groups * 2 + 1] = (unsigned char)v;
        groups++;
        if (c >= 0 && (size_t)c + 1 == s.len)
            return "bad IPv6 address or prefix (unknown tag?)";
        s = c < 0 ? SLICE_NULL : slice_from(s, (size_t)c + 1);
    }
    ip->plen = groups * 16;
    return NULL;
}

/* Bits of ip->addr past plen are zero. */
static bool
host_bits_clear(const struct table_ip *ip)
{
    unsigned bytes = ip->family == 4 ? 4 : 16;
    for (unsigned b = ip->plen; b < bytes * 8; b++)
        if (ip->addr[b / 8] & (0x80 >> (b % 8)))
            return false;
    return true;
}

const char *
table_ip_key_parse(struct slice key, struct table_ip *ip)
{
    memset(ip, 0, sizeof(*ip));
    key = strip_ipv6_tag(key);
    long slash = slice_find_char(key, '/');
    struct slice a = slash < 0 ? key : slice_head(key, (size_t)slash);
    bool v6 = slice_find_char(a, ':') >= 0;
    const char *why = v6 ? parse_v6(a, ip) : parse_v4(a, ip);
    if (why)
        return why;
    if (slash >= 0) {
        unsigned full = v6 ? 128 : 32, n;
        if (ip->plen != full)
            return "a /N prefix needs a whole address before it";
        if (!small_number(slice_from(key, (size_t)slash + 1), full, &n))
            return v6 ? "bad prefix length (0 to 128)" : "bad prefix length (0 to 32)";
        ip->plen = n;
        if (!host_bits_clear(ip))
            return "address bits set past the prefix length";
    }
    return NULL;
}

size_t
table_ip_hash_key(unsigned char *k, char tag, const struct table_ip *ip)
{
    size_t bytes = ip->family == 4 ? 4 : 16;
    k[0] = (unsigned char)tag;
    k[1] = ip->family == 4 ? '4' : '6';
    k[2] = (unsigned char)ip->plen;
    memcpy(k + 3, ip->addr, bytes);
    return 3 + bytes;
}

/* --- Lookups --------------------------------------------------------- */

/* The last c in the n bytes at p, or NULL. */
static const char *
last_char(const char *p, size_t n, char c)
{
    while (n > 0)
        if (p[--n] == c)
            return p + n;
    return NULL;
}

static char
kind_tag(enum table_kind kind)
{
    return kind == TABLE_CLIENT ? 'C' : kind == TABLE_FROM ? 'F' : 'T';
}

/* The entry of text (already lower case): the kind's tagged key first,
 * then the untagged one (TABLE_LIST: untagged only). */
static const struct table_entry *
probe(const struct table *t, enum table_kind kind, const char *p1, size_t n1,
      const char *p2, size_t n2)
{
    unsigned char k[2 * TABLE_LINE_MAX + 4];
    if (n1 + n2 > TABLE_LINE_MAX)
        return NULL;
    k[1] = 'S';
    memcpy(k + 2, p1, n1);
    memcpy(k + 2 + n1, p2, n2);
    const struct table_entry *e = NULL;
    if (t->format == TABLE_ACCESS) {
        k[0] = (unsigned char)kind_tag(kind);
        e = table_find(t, k, n1 + n2 + 2);
    }
    if (e == NULL) {
        k[0] = '*';
        e = table_find(t, k, n1 + n2 + 2);
    }
    return e;
}

/* Copy s in lower case into buf (TABLE_LINE_MAX + 1 bytes); false when
 * too long. */
static bool
lower_copy(char *buf, const char *s, size_t *len_r)
{
    size_t n = strlen(s);
    if (n > TABLE_LINE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        buf[i] = table_lower(s[i]);
    buf[n] = '\0';
    *len_r = n;
    return true;
}

/* h, then each parent p as "p" and ".p". */
static const struct table_entry *
lookup_domain(const struct table *t, enum table_kind kind, const char *h, size_t n)
{
    const struct table_entry *e = n ? probe(t, kind, h, n, "", 0) : NULL;
    for (size_t i = 0; e == NULL && i < n; i++) {
        if (h[i] != '.' || i + 1 == n)
            continue;
        e = probe(t, kind, h + i + 1, n - i - 1, "", 0);
        if (e == NULL)
            e = probe(t, kind, h + i, n - i, "", 0);
    }
    return e;
}

const struct table_entry *
table_lookup_host(const struct table *t, enum table_kind kind, const char *host)
{
    char h[TABLE_LINE_MAX + 1];
    size_t n;
    if (t->format != TABLE_ACCESS || !lower_copy(h, host, &n))
        return NULL;
    if (n && h[n - 1] == '.')
        n--;
    return lookup_domain(t, kind, h, n);
}

/* The whole address; its base without a +extension; @domain; the domain
 * and its parents; user+ext@; user@. */
static const struct table_entry *
lookup_access_addr(const struct table *t, enum table_kind kind, const char *a, size_t n)
{
    const char *at = last_char(a, n, '@');
    size_t local = at ? (size_t)(at - a) : n;
    const char *plus = memchr(a, '+', local);
    size_t base = plus ? (size_t)(plus - a) : local;
    const struct table_entry *e = probe(t, kind, a, n, "", 0);
    if (e == NULL && plus)
        e = probe(t, kind, a, base, a + local, n - local);
    if (e == NULL && at)
        e = probe(t, kind, at, n - local, "", 0);
    if (e == NULL && at)
        e = lookup_domain(t, kind, at + 1, n - local - 1);
    if (e == NULL)
        e = probe(t, kind, a, local, "@", 1);
    if (e == NULL && plus)
        e = probe(t, kind, a, base, "@", 1);
    return e;
}

const struct table_entry *
table_lookup_addr(const struct table *t, enum table_kind kind, const char *addr)
{
    char a[TABLE_LINE_MAX + 1];
    size_t n;
    if (t->format == TABLE_PATTERNS || !lower_copy(a, addr, &n))
        return NULL;
    if (n == 0)
        return t->format == TABLE_ACCESS ? probe(t, kind, "<>", 2, "", 0) : NULL;
    if (t->format == TABLE_ACCESS)
        return lookup_access_addr(t, kind, a, n);
    const struct table_entry *e = probe(t, kind, a, n, "", 0);
    const char *at = last_char(a, n, '@');
    if (e == NULL && at)
        e = probe(t, kind, at, n - (size_t)(at - a), "", 0);
    return e;
}

/* ip as an address; IPv4-mapped IPv6 addresses become IPv4. */
static bool
parse_client_ip(const char *s, struct table_ip *ip)
{
    memset(ip, 0, sizeof(*ip));
    if (inet_pton(AF_INET, s, ip->addr) == 1) {
        ip->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, ip->addr) != 1)
        return false;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip->family = 6;
    if (memcmp(ip->addr, mapped, 12) == 0) {
        memmove(ip->addr, ip->addr + 12, 4);
        memset(ip->addr + 4, 0, 12);
        ip->family = 4;
    }
    return true;
}

const struct table_entry *
table_lookup_ip(const struct table *t, const char *s)
{
    struct table_ip ip, m;
    if (t->format != TABLE_ACCESS || !parse_client_ip(s, &ip))
        return NULL;
    const bool *present = t->plens[ip.family == 4 ? 0 : 1];
    for (int plen = ip.family == 4 ? 32 : 128; plen >= 0; plen--) {
        if (!present[plen])
            continue;
        m = ip;
        m.plen = (unsigned)plen;
        for (unsigned b = (unsigned)plen; b < 128; b++)
            m.addr[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
        unsigned char k[24];
        size_t n = table_ip_hash_key(k, 'C', &m);
        const struct table_entry *e = table_find(t, k, n);
        k[0] = '*';
        if (e == NULL)
            e = table_find(t, k, n);
        if (e)
            return e;
    }
    return NULL;
}

const struct table_entry *
table_match(const struct table *t, const char *s)
{
    if (t->format != TABLE_PATTERNS)
        return NULL;
    size_t n = strlen(s);
    /* One pair of offsets is enough: only whether it matches counts (a
     * match that does not fit returns 0, still a match). */
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (md == NULL)
        abort(); /* out of memory */
    const struct table_entry *e = NULL;
    for (size_t i = 0; i < t->n && e == NULL; i++)
        if (pcre2_match(t->recs[i].code, (PCRE2_SPTR)s, n, 0, 0, md, t->mctx) >= 0)
            e = &t->recs[i].e;
    pcre2_match_data_free(md);
    return e;
}
