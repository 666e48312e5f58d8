/*
 * rules_relays: SpamAssassin's relay pseudo-headers X-Spam-Relays-Trusted,
 * -Untrusted, -Internal and -External, built from a message's Received
 * fields (mail/received.h), and the trusted_networks / internal_networks
 * settings of rule files that decide the trust boundary.
 *
 * After them come relays with only an address from X-Yahoo-Post-IP,
 * X-Originating-IP, X-Apparently-From and X-SenderIP (webmail), as
 * SpamAssassin adds them. A mail fetcher's Received field (fetchmail's "with IMAP") met
 * while still inside the trust boundary drops the relays listed so far: they were the
 * local delivery after the fetch. Each relay is written "[ ip=IP rdns=NAME helo=NAME
 * by=NAME ident=USER envfrom=ADDR intl=0|1 id=ID auth=HOW msa=0 ]", the relays of one
 * header joined by a space, newest (topmost Received) first. Trust, walking from the
 * newest relay down, stops at the first relay that fails:
 *
 * - with neither setting: the relay's address is private (received.h) or
 *   it authenticated; every trusted relay is internal;
 * - else: it authenticated or its address is in trusted_networks (127/8
 *   and ::1 always are); it is internal while, in addition, it
 *   authenticated or is in internal_networks. One list set alone stands
 *   for both.
 *
 * Networks: "IP", "IP/LEN", "1.2." (a prefix of whole octets), "1.2/16",
 * "[IPv6]/LEN", "!NET" (excluded); the first entry that holds an address
 * decides. Untrusted input: the message's Received fields (bounded by
 * received.c; at most RELAYS_MAX relays are read); the settings are the
 * administrator's, bounded by the line length.
 */
#include "rules/rules_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chars.h"
#include "lib/mem.h"
#include "mail/received.h"

#define RELAYS_MAX 64

static bool
parse_addr(const char *s, unsigned char *addr, int *family)
{
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        *family = 6;
        return true;
    }
    return false;
}

/* "1.2." and "1.2" (before a /LEN) as whole octets: fill to four. */
static bool
partial_v4(const char *s, unsigned char *addr, unsigned *octets)
{
    unsigned n = 0, v = 0;
    bool digit = false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9' && v < 256) {
            v = v * 10 + (unsigned)(*p - '0');
            digit = true;
        } else if (*p == '.' && digit && n < 3) {
            addr[n++] = (unsigned char)v;
            v = 0;
            digit = false;
        } else {
            return false;
        }
    }
    if (digit && v < 256)
        addr[n++] = (unsigned char)v;
    *octets = n;
    return n > 0;
}

/* One network word into *e; false when it does not parse. */
static bool
parse_net(struct slice w, struct rules_net *e)
{
    char buf[80];
    memset(e, 0, sizeof(*e));
    if (w.len && w.ptr[0] == '!') {
        e->exclude = true;
        w = slice_from(w, 1);
    }
    if (w.len == 0 || w.len >= sizeof(buf))
        return false;
    memcpy(buf, w.ptr, w.len);
    buf[w.len] = '\0';
    char *slash = strchr(buf, '/'), *end;
    long plen = -1;
    if (slash) {
        *slash = '\0';
        plen = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || plen < 0)
            return false;
    }
    char *a = buf;
    size_t al = strlen(a);
    if (al >= 2 && a[0] == '[' && a[al - 1] == ']') {
        a[al - 1] = '\0';
        a++;
    }
    unsigned octets = 4;
    if (!parse_addr(a, e->addr, &e->family)) {
        if (!partial_v4(a, e->addr, &octets))
            return false;
        e->family = 4;
    }
    unsigned max = e->family == 4 ? 32 : 128;
    e->plen = plen < 0 ? (e->family == 4 ? octets * 8 : max) : (unsigned)plen;
    return e->plen <= max;
}

int
rules_netset_add(struct rules_netset *ns, struct slice words, const char **why)
{
    size_t i = 0;
    for (struct slice w = slice_next_word(words, &i); w.len;
         w = slice_next_word(words, &i)) {
        struct rules_net e;
        if (!parse_net(w, &e)) {
            *why = "not a network (IP, IP/LEN, 1.2., !NET)";
            return -1;
        }
        ns->v = xreallocarray(ns->v, ns->n + 1, sizeof(*ns->v));
        ns->v[ns->n++] = e;
    }
    ns->set = true;
    return 0;
}

void
rules_netset_clear(struct rules_netset *ns)
{
    free(ns->v);
    ns->v = NULL;
    ns->n = 0;
    ns->set = false;
}

static bool
net_holds(const struct rules_net *e, const unsigned char *a, int family)
{
    if (e->family != family)
        return false;
    unsigned full = e->plen / 8, rest = e->plen % 8;
    if (memcmp(e->addr, a, full) != 0)
        return false;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return rest == 0 || ((e->addr[full] ^ a[full]) & mask) == 0;
}

/* Whether ns holds ip (text); 127/8 and ::1 always for trusted. */
static bool
netset_holds(const struct rules_netset *ns, const char *ip, bool loopback)
{
    unsigned char a[16];
    int family;
    if (!parse_addr(ip, a, &family))
        return false;
    if (loopback &&
        ((family == 4 && a[0] == 127) ||
         (family == 6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)))
        return true;
    for (size_t i = 0; i < ns->n; i++)
        if (net_holds(&ns->v[i], a, family))
            return !ns->v[i].exclude;
    return false;
}

struct trust {
    const struct rules *rs;
    bool trusted, internal; /* still inside the boundary */
};

/* Walk the boundary over one relay (SpamAssassin's order of tests). */
static void
trust_step(struct trust *t, const struct received_relay *r)
{
    const struct rules_netset *tn = &t->rs->trusted, *in = &t->rs->internal;
    bool auth = r->auth[0] != '\0';
    if (!t->trusted)
        return;
    if (!tn->set && !in->set) {
        if (!received_ip_private(r->ip) && !auth)
            t->trusted = t->internal = false;
        return;
    }
    if (!tn->set)
        tn = in;
    if (!in->set)
        in = tn;
    if (!auth && !netset_holds(tn, r->ip, true)) {
        t->trusted = t->internal = false;
        return;
    }
    if (t->internal && !auth && !netset_holds(in, r->ip, true))
        t->internal = false;
}

static void
append_relay(struct str *s, const struct received_relay *r, bool internal)
{
    str_appendf(
        s,
        "%s[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s intl=%d id=%s auth=%s "
        "msa=0 ]",
        s->len ? " " : "", r->ip, r->rdns, r->helo, r->by, r->ident, r->envfrom,
        internal ? 1 : 0, r->id, r->auth);
}

/* Webmail's "X-Originating-IP: [1.2.3.4]" and the like: after the Received
 * relays, a relay with only the address (SpamAssassin's default
 * originating_ip_headers). */
static const char *const originating[4] = {"X-Yahoo-Post-IP", "X-Originating-IP",
                                           "X-Apparently-From", "X-SenderIP"};

static bool
originating_ip(const struct header_block *h, const char *name, struct received_relay *r)
{
    const struct header_field *f = h ? header_get(h, name) : NULL;
    if (f == NULL)
        return false;
    memset(r, 0, sizeof(*r));
    struct slice v = f->value;
    for (size_t i = 0; i < v.len; i++) {
        size_t n = 0;
        while (i + n < v.len && n < 40 &&
               (v.ptr[i + n] == '.' || v.ptr[i + n] == ':' ||
                chars_hexval((unsigned char)v.ptr[i + n]) >= 0))
            n++;
        char ip[48];
        unsigned char bin[16];
        memcpy(ip, v.ptr + i, n);
        ip[n] = '\0';
        if (n &&
            (inet_pton(AF_INET, ip, bin) == 1 || inet_pton(AF_INET6, ip, bin) == 1)) {
            memcpy(r->ip, ip, n + 1);
            return true;
        }
        i += n;
    }
    return false;
}

/* One relay (a Received field's or a webmail address header's) into the
 * strings of its kinds; bound[0] / bound[1] count the Received index where trust and
 * internal end (SpamAssassin's last_*_relay_index + 1). */
static void
relays_add(struct trust *t, struct str s[RELAYS_NKINDS], const struct received_relay *r,
           size_t bound[2])
{
    trust_step(t, r);
    append_relay(&s[t->trusted ? RELAYS_TRUSTED : RELAYS_UNTRUSTED], r, t->internal);
    append_relay(&s[t->internal ? RELAYS_INTERNAL : RELAYS_EXTERNAL], r, t->internal);
    bound[0] += t->trusted;
    bound[1] += t->internal;
}

void
rules_relays_walk(const struct rules *rs, const struct header_block *h, struct arena *a,
                  struct slice out[RELAYS_NKINDS], size_t bound[2])
{
    struct str s[RELAYS_NKINDS];
    for (int k = 0; k < RELAYS_NKINDS; k++)
        str_init(&s[k], 0);
    struct trust t = {.rs = rs, .trusted = true, .internal = true};
    size_t nrelays = 0;
    bound[0] = bound[1] = 0;
    for (size_t f = 0; h && f < h->n && nrelays < RELAYS_MAX; f++) {
        struct received_relay r;
        if (!slice_case_eq_cstr(h->fields[f].name, "Received"))
            continue;
        enum received_kind k = received_parse(h->fields[f].value, &r);
        if (k == RECEIVED_FETCH && t.trusted) { /* the ones above were local */
            str_clear(&s[RELAYS_TRUSTED]);
            str_clear(&s[RELAYS_INTERNAL]);
            str_clear(&s[RELAYS_EXTERNAL]);
        }
        if (k != RECEIVED_RELAY) { /* no relay: still counted in the index */
            bound[0] += t.trusted;
            bound[1] += t.internal;
            continue;
        }
        nrelays++;
        relays_add(&t, s, &r, bound);
    }
    for (size_t k = 0; k < 4 && nrelays < RELAYS_MAX; k++) {
        struct received_relay r;
        if (originating_ip(h, originating[k], &r)) {
            nrelays++;
            relays_add(&t, s, &r, bound);
        }
    }
    for (int k = 0; k < RELAYS_NKINDS; k++) {
        out[k] = arena_slice_dup(a, str_slice(&s[k]));
        str_deinit(&s[k]);
    }
}

void
rules_relays_build(const struct rules *rs, const struct header_block *h, struct arena *a,
                   struct slice out[RELAYS_NKINDS])
{
    size_t bound[2];
    rules_relays_walk(rs, h, a, out, bound);
}
