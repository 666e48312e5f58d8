/*
 * received: reading one Received field as a hand-over (received.h).
 *
 * The field is unfolded into a bounded buffer (at most RECEIVED_LINE_MAX
 * bytes; runs of white space become one space), then split at the first
 * " by " outside parentheses: the "from" part names the sender, the rest
 * the receiver ("by NAME"), the queue id ("id X"), the envelope sender
 * ("envelope-from <X>") and authentication ("with ESMTPA", Postfix's
 * "Authenticated sender:", Sendmail's "authenticated"). In the "from"
 * part the first word and the words in parentheses are classified:
 *
 *   Postfix, Sendmail  from HELO (RDNS [IP])      "unknown": no RDNS
 *   Sendmail, Microsoft from HELO ([IP])           no RDNS
 *   Exim               from RDNS ([IP] helo=HELO ident=U), from [IP]
 *                      (helo=HELO), from RDNS ([IP]) (HELO was RDNS)
 *   qmail              from RDNS (HELO name) (IP), from RDNS (ident@IP)
 *   Microsoft          from HELO (IP) ... with Microsoft SMTP; Exchange's
 *                      Internet Mail Service: from RDNS ([IP])
 *   others             from [IP] by, from IP by (no HELO), from NAME [IP]
 *
 * Then the parts are cleaned as SpamAssassin does (white space and
 * # [ ] ( ) < > | become '!', so an address HELO "[1.2.3.4]" reads
 * "!1.2.3.4!"). Untrusted input (any message); pure, bounded, no allocation.
 */
#include "mail/received.h"

#include <arpa/inet.h>
#include <string.h>

/* What the words of the "from" part said. */
struct from_info {
    char first[RECEIVED_PART_MAX]; /* the word after "from" */
    char rdns[RECEIVED_PART_MAX];  /* first name in the first parentheses */
    char helo[RECEIVED_PART_MAX];  /* helo=X or HELO X */
    char ident[RECEIVED_PART_MAX];
    char ip[64];
    bool ip_bracketed;   /* the address was written [IP] */
    unsigned bare_group; /* the parenthesized group of a bare IP, 0 none */
    bool have_rdns;      /* a name came before the address in parentheses */
    bool have_helo;
    char first_ip[64]; /* "from [IP]" or "from IP" */
};

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void
copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool
case_prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower((unsigned char)s[i]) != p[i])
            return false;
    return true;
}

/* The text s[0..n) as an IP address (an "IPv6:" prefix dropped) into out;
 * false when it is none. */
static bool
as_ip(const char *s, size_t n, char *out, size_t cap)
{
    char buf[64];
    unsigned char bin[16];
    if (case_prefix(s, n, "ipv6:")) {
        s += 5;
        n -= 5;
    }
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
        return false;
    copy_part(out, cap, buf, n);
    return true;
}

/* Unfold value into buf (runs of white space one space, trimmed). */
static size_t
unfold(struct slice v, char *buf, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < v.len && i < RECEIVED_LINE_MAX; i++) {
        char c = v.ptr[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = n > 0;
            continue;
        }
        if (space && n + 1 < cap)
            buf[n++] = ' ';
        space = false;
        if (n + 1 < cap)
            buf[n++] = c;
    }
    buf[n] = '\0';
    return n;
}

/* Index of the word w (case-insensitive, bounded by spaces or the ends) at
 * parenthesis depth 0 of s[from..n), or n. */
static size_t
find_word(const char *s, size_t from, size_t n, const char *w)
{
    size_t k = strlen(w);
    int depth = 0;
    for (size_t i = from; i < n; i++) {
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && depth > 0)
            depth--;
        if (depth == 0 && (i == 0 || s[i - 1] == ' ') && case_prefix(s + i, n - i, w) &&
            (i + k == n || s[i + k] == ' '))
            return i;
    }
    return n;
}

/* The word at s[i..) (up to a space, parenthesis or ';'), into out. */
static void
word_at(const char *s, size_t i, size_t n, char *out, size_t cap)
{
    if (i > n)
        i = n;
    size_t e = i;
    while (e < n && s[e] != ' ' && s[e] != '(' && s[e] != ')' && s[e] != ';')
        e++;
    copy_part(out, cap, s + i, e - i);
}

/* A HELO name, as written ("[1.2.3.4]" becomes "!1.2.3.4!" in clean). */
static void
set_helo(struct from_info *fi, const char *w, size_t n)
{
    fi->have_helo = true;
    copy_part(fi->helo, sizeof(fi->helo), w, n);
}

/* "[IP]" or "[IP]:port" or "name[IP]": the address, and the name before. */
static bool
bracket_ip(struct from_info *fi, const char *w, size_t n, size_t *name_len)
{
    const char *lb = memchr(w, '[', n);
    const char *rb = lb ? memchr(lb, ']', n - (size_t)(lb - w)) : NULL;
    *name_len = lb ? (size_t)(lb - w) : n;
    if (rb == NULL || fi->ip_bracketed)
        return rb != NULL;
    char ip[64];
    if (!as_ip(lb + 1, (size_t)(rb - lb - 1), ip, sizeof(ip)))
        return true;
    if (fi->bare_group == 1 && !fi->have_rdns) { /* (IP [IP]): the first is a name */
        fi->have_rdns = true;
        copy_part(fi->rdns, sizeof(fi->rdns), fi->ip, strlen(fi->ip));
    }
    copy_part(fi->ip, sizeof(fi->ip), ip, strlen(ip));
    fi->ip_bracketed = true;
    return true;
}

/* A name in parentheses: RDNS, or ident@RDNS, or ident@IP (qmail). */
static void
paren_name(struct from_info *fi, const char *w, size_t n, unsigned group)
{
    const char *at = memchr(w, '@', n);
    if (at) { /* "IDENT:" dropped before a name, kept before [IP] */
        size_t skip = at + 1 < w + n && case_prefix(w, n, "ident:") ? 6 : 0;
        copy_part(fi->ident, sizeof(fi->ident), w + skip, (size_t)(at - w) - skip);
        n -= (size_t)(at + 1 - w);
        w = at + 1;
    }
    if (!fi->ip[0] && as_ip(w, n, fi->ip, sizeof(fi->ip))) {
        fi->bare_group = group;
        return;
    }
    if (group == 1 && !fi->have_rdns && !fi->ip[0] && n > 0) {
        fi->have_rdns = true;
        copy_part(fi->rdns, sizeof(fi->rdns), w, n);
    }
}

/* One word inside parentheses (group: which parenthesized group, from 1). */
static void
paren_word(struct from_info *fi, const char *w, size_t n, unsigned group, bool *want_helo)
{
    size_t name_len;
    if (*want_helo) {
        *want_helo = false;
        set_helo(fi, w, n);
        return;
    }
    if (case_prefix(w, n, "helo=")) {
        set_helo(fi, w + 5, n - 5);
        return;
    }
    if (n == 4 && (memcmp(w, "HELO", 4) == 0 || memcmp(w, "EHLO", 4) == 0)) {
        *want_helo = true;
        return;
    }
    if (bracket_ip(fi, w, n, &name_len)) {
        if (name_len)
            paren_name(fi, w, name_len, group);
        return;
    }
    paren_name(fi, w, n, group);
}

/* The first word (after "from"): a name, or [IP] (the HELO when an
 * address follows in parentheses, else the sender's address). */
static void
first_word(struct from_info *fi, const char *w, size_t n)
{
    if (n >= 2 && w[0] == '[' && w[n - 1] == ']' &&
        as_ip(w + 1, n - 2, fi->first_ip, sizeof(fi->first_ip))) {
        set_helo(fi, w, n);
        copy_part(fi->first, sizeof(fi->first), fi->helo, strlen(fi->helo));
        fi->helo[0] = '\0';
        fi->have_helo = false; /* helo=X in parentheses may follow */
        return;
    }
    (void)as_ip(w, n, fi->first_ip, sizeof(fi->first_ip));
    copy_part(fi->first, sizeof(fi->first), w, n);
}

static void
read_from(const char *s, size_t n, struct from_info *fi)
{
    int depth = 0;
    unsigned group = 0;
    bool want_helo = false, seen_first = false, skip = false;
    for (size_t i = 0; i < n;) {
        if (s[i] == '(' || s[i] == ')' || s[i] == ' ' || s[i] == ';' || s[i] == ',') {
            if (s[i] == '(' && depth++ == 0)
                group++;
            else if (s[i] == ')' && depth > 0)
                depth--;
            i++;
            continue;
        }
        size_t e = i;
        while (e < n && s[e] != ' ' && s[e] != '(' && s[e] != ')' && s[e] != ';' &&
               s[e] != ',')
            e++;
        if (depth == 0 && !seen_first) {
            seen_first = true;
            first_word(fi, s + i, e - i);
        } else if (skip) {
            skip = false;
        } else if (depth > 0 && case_prefix(s + i, e - i, "ident=")) {
            copy_part(fi->ident, sizeof(fi->ident), s + i + 6, e - i - 6);
        } else if (depth > 0 && case_prefix(s + i, e - i, "envelope-")) {
            skip = memchr(s + i, '=', e - i) == NULL; /* its value follows */
        } else if (depth > 0) {
            paren_word(fi, s + i, e - i, group, &want_helo);
        } else if (s[i] == '[' && !fi->ip[0]) { /* from NAME [IP] */
            size_t name_len;
            (void)bracket_ip(fi, s + i, e - i, &name_len);
        }
        i = e;
    }
}

/* The first place in s[0..n) where w starts (case-insensitive), or n. */
static size_t
find_case(const char *s, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++)
        if (case_prefix(s + i, n - i, w))
            return i;
    return n;
}

static bool
contains_case(const char *s, size_t n, const char *w)
{
    return find_case(s, n, w) < n;
}

/* Who sent, from the words of the "from" part and the receiver's kind. */
static void
assign_sender(struct from_info *fi, const char *rest, size_t rn,
              struct received_relay *out)
{
    if (fi->ip[0] == '\0') { /* "from [IP] by" or "from IP by": no HELO */
        copy_part(fi->ip, sizeof(fi->ip), fi->first_ip, strlen(fi->first_ip));
        fi->first[0] = '\0';
    }
    copy_part(out->ip, sizeof(out->ip), fi->ip, strlen(fi->ip));
    copy_part(out->ident, sizeof(out->ident), fi->ident, strlen(fi->ident));
    const char *rdns = "", *helo = fi->first;
    if (fi->have_rdns) { /* Postfix, Sendmail */
        rdns = fi->rdns;
    } else if (fi->have_helo) { /* Exim helo=, qmail HELO */
        rdns = fi->first;
        helo = fi->helo;
    } else if (fi->ip_bracketed) { /* from NAME ([IP]) */
        bool named = contains_case(rest, rn, "exim") ||
                     contains_case(rest, rn, "communigate") ||
                     contains_case(rest, rn, "internet mail service");
        rdns = named ? fi->first : "";
    } else if (!contains_case(rest, rn, "microsoft")) { /* qmail: from NAME (IP) */
        rdns = fi->first;
    }
    if (helo[0] == '\0' && !fi->first_ip[0] && fi->have_rdns) { /* from (NAME [IP]) */
        helo = rdns;
        rdns = "";
    }
    if (strcmp(rdns, "unknown") == 0 || rdns[0] == '[' || rdns[0] == '!')
        rdns = "";
    copy_part(out->rdns, sizeof(out->rdns), rdns, strlen(rdns));
    copy_part(out->helo, sizeof(out->helo), helo, strlen(helo));
}

/* SpamAssassin's cleaning: white space, NUL, # [ ] ( ) < > | become '!';
 * an IPv4-mapped "::ffff:" prefix is dropped;
 * trailing dots of the reverse DNS name too. */
static void
clean(struct received_relay *r)
{
    char *const parts[] = {r->ip, r->rdns, r->helo, r->by, r->ident, r->envfrom};
    if (case_prefix(r->ip, strlen(r->ip), "::ffff:") && strchr(r->ip + 7, '.'))
        memmove(r->ip, r->ip + 7, strlen(r->ip + 7) + 1);
    size_t n = strlen(r->rdns);
    while (n && r->rdns[n - 1] == '.')
        r->rdns[--n] = '\0';
    for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++)
        for (char *p = parts[k]; *p; p++)
            if (strchr(" \t#[]()<>|", *p))
                *p = '!';
}

/* The receiver's name (by: the index of the space before "by", or n), the
 * queue id (" id X", X of 3 bytes or more, "<>" dropped) and the envelope
 * sender ("envelope-from X", "envelope-sender X", "return-path X"). */
static void
read_ids(const char *s, size_t n, size_t by, struct received_relay *out)
{
    char w[RECEIVED_PART_MAX];
    if (by < n)
        word_at(s, by + 4, n, out->by, sizeof(out->by));
    for (size_t i = 0; i + 4 < n && !out->id[0]; i++) {
        if (!case_prefix(s + i, n - i, " id "))
            continue;
        word_at(s, i + 4 + (s[i + 4] == '<'), n, w, sizeof(w));
        size_t wl = strcspn(w, "<>");
        if (wl >= 3)
            copy_part(out->id, sizeof(out->id), w, wl);
    }
    static const char *const env[] = {"envelope-from", "envelope-sender", "return-path"};
    for (size_t k = 0; k < 3 && !out->envfrom[0]; k++) {
        size_t i = find_case(s, n, env[k]), v = i + strlen(env[k]);
        if (i == n || v >= n || (s[v] != ' ' && s[v] != '=' && s[v] != ':'))
            continue;
        v += s[v] == ':' && v + 1 < n && s[v + 1] == ' ' ? 2 : 1;
        word_at(s, v, n, w, sizeof(w));
        size_t b = strspn(w, "<"), e = strcspn(w + b, ">");
        copy_part(out->envfrom, sizeof(out->envfrom), w + b, e);
    }
}

/* "with ESMTPSA" and the like (RFC 3848, ASMTP, HTTP webmail). */
static bool
auth_proto(const char *p)
{
    static const char *const protos[] = {
        "esmtpa",    "esmtpsa",    "lmtpa", "lmtpsa", "utf8smtpa", "utf8smtpsa",
        "utf8lmtpa", "utf8lmtpsa", "asmtp", "http",   "https",     "httpu"};
    for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
        if (strlen(p) == strlen(protos[k]) && case_prefix(p, strlen(p), protos[k]))
            return true;
    return false;
}

/* How the sender authenticated, if the field says so. */
static void
read_auth(const char *s, size_t n, size_t by, struct received_relay *out)
{
    size_t i = find_word(s, 0, n, "with");
    if (by < n && i < n && i + 5 < n) {
        word_at(s, i + 5, n, out->auth, sizeof(out->auth));
        if (auth_proto(out->auth))
            return;
        out->auth[0] = '\0';
    }
    i = find_case(s, by, "(auth: ");
    if (i < by) {
        word_at(s, i + 7, n, out->auth, sizeof(out->auth));
    } else if (find_case(s, by, "(authenticated sender: ") < by) {
        char p[RECEIVED_PART_MAX] = "";
        size_t b = by + 4 + strlen(out->by);
        if (b + 1 < n && s[b] == ' ' && s[b + 1] == '(')
            copy_part(p, sizeof(p), s + b + 2, strcspn(s + b + 2, ")"));
        copy_part(out->auth, sizeof(out->auth), "Postfix", 7);
        if (p[0] && strcmp(p, "Postfix") != 0) {
            size_t k = strlen(out->auth);
            copy_part(out->auth + k, sizeof(out->auth) - k, " (", 2);
            k += 2;
            copy_part(out->auth + k, sizeof(out->auth) - k, p, strlen(p));
            k = strlen(out->auth);
            copy_part(out->auth + k, sizeof(out->auth) - k, ")", 1);
        }
    } else if (find_case(s, by, "authenticated") < by) {
        copy_part(out->auth, sizeof(out->auth), "Sendmail", 8);
    }
}

enum received_kind
received_parse(struct slice value, struct received_relay *out)
{
    char buf[RECEIVED_LINE_MAX + 1];
    memset(out, 0, sizeof(*out));
    size_t n = unfold(value, buf, sizeof(buf));
    if (!case_prefix(buf, n, "from "))
        return RECEIVED_NONE;
    if (strstr(buf, "with POP3") || strstr(buf, "with IMAP"))
        return RECEIVED_FETCH;
    size_t by = find_word(buf, 5, n, "by");
    struct from_info fi;
    memset(&fi, 0, sizeof(fi));
    read_from(buf + 5, by - 5, &fi);
    if (fi.ip[0] == '\0' && fi.first_ip[0] == '\0')
        return RECEIVED_NONE;
    size_t after = by + 3 < n ? by + 3 : n; /* past "by " ("by" may end the text) */
    const char *rest = buf + after;
    size_t rn = n - after;
    assign_sender(&fi, rest, rn, out);
    size_t sp = by == n ? n : by - 1; /* the space before "by" */
    read_ids(buf, n, sp, out);
    read_auth(buf, n, sp, out);
    clean(out);
    return RECEIVED_RELAY;
}

bool
received_ip_private(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                                 0, 0, 0, 0, 0xff, 0xff};
        static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0, 0, 1};
        if (memcmp(a, loop, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
            (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
            return true;
        if (memcmp(a, mapped, 12) != 0)
            return false;
        memmove(a, a + 12, 4);
    } else if (inet_pton(AF_INET, ip, a) != 1) {
        return false;
    }
    return a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64);
}
