/*
 * dns_zone: the configuration of DNS lists (DNSBL, DNSWL, RHSBL, URIBL)
 * as a mail administrator writes it, and the pure helpers around a lookup:
 * which answers count, the query name of an address, local networks.
 *
 * One list item (docs/dns.md):
 *
 *     ZONE[=ANSWERS][:SYMBOL[:ACTION]]
 *
 *   ZONE     the list's DNS zone, e.g. zen.spamhaus.org
 *   ANSWERS  which A records count (default: any in 127.0.0.0/8 that is
 *            not an error answer): "*"; a bit mask "&8" or "&0x0c" (any
 *            common bit); or four octets in Postfix's notation, each a
 *            number or a bracketed list of numbers and ranges:
 *            127.0.0.2, 127.0.0.[4..7], 127.0.[0..255].[2;3;10..11]
 *   SYMBOL   the symbol that fires, [A-Z0-9_]; default from the kind and
 *            the zone, e.g. DNSBL_ZEN_SPAMHAUS_ORG
 *   ACTION   a score (decimal, may be negative), "reject" or "tempfail"
 *            (an SMTP refusal at once), or "allow" (allow lists only: the
 *            client is not looked up in block lists)
 */
#ifndef TAMIS_FILTERD_DNS_ZONE_H
#define TAMIS_FILTERD_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/str.h"

#define DNS_ZONE_MAX 180   /* bytes of a zone name */
#define DNS_SYMBOL_MAX 48  /* bytes of a symbol */
#define DNS_NAME_MAX 253   /* bytes of a query name (RFC 1035 without the dot) */
/* Room for a query name: an IPv6 address's 64 nibble bytes and the zone. */
#define DNS_QUERY_BUF (DNS_NAME_MAX + 1)

enum dns_codes_kind { DNS_CODES_ANY, DNS_CODES_MASK, DNS_CODES_SET };

struct dns_codes {
    enum dns_codes_kind kind;
    uint32_t mask;          /* DNS_CODES_MASK */
    uint8_t octet[4][32];   /* DNS_CODES_SET: a bit per value of each octet */
};

enum dns_action { DNS_ACTION_SCORE, DNS_ACTION_REJECT, DNS_ACTION_TEMPFAIL, DNS_ACTION_ALLOW };

/* Actions an item may name (a bit per enum dns_action). */
#define DNS_ALLOW_BLOCK ((1u << DNS_ACTION_SCORE) | (1u << DNS_ACTION_REJECT) | \
                         (1u << DNS_ACTION_TEMPFAIL))
#define DNS_ALLOW_WELCOME ((1u << DNS_ACTION_SCORE) | (1u << DNS_ACTION_ALLOW))

struct dns_zone_entry {
    char zone[DNS_ZONE_MAX + 1]; /* lowercased, no trailing dot */
    struct dns_codes codes;
    char symbol[DNS_SYMBOL_MAX + 1];
    enum dns_action action;
    double score; /* DNS_ACTION_SCORE */
};

/* Parse one item. actions: the DNS_ALLOW_* bits; prefix ("DNSBL_"...) and
 * default_score make the defaults. Returns 0, or -1 with a static English
 * reason in *why_r. Pure; bounded by the item's length. */
int dns_zone_parse(struct slice item, unsigned actions, const char *prefix,
                   double default_score, struct dns_zone_entry *out, const char **why_r);
/* Parse ANSWERS alone (what follows '='). */
int dns_codes_parse(struct slice s, struct dns_codes *out, const char **why_r);
/* Does the answer a (host byte order) count? */
bool dns_codes_match(const struct dns_codes *c, uint32_t a);

/* Answers that mean "your query was refused" or "not a list answer", never
 * a listing. Returns a static reason, or NULL when a is a plain answer:
 * anything outside 127.0.0.0/8, 127.0.0.1 (RFC 5782; URIBL's "refused"),
 * 127.0.1.255 (DBL: IP queried), 127.255.255.252/254/255 (Spamhaus: typo,
 * open resolver, too many queries). */
const char *dns_error_answer(uint32_t a);

/* The query name of an address under zone into buf (DNS_QUERY_BUF bytes):
 * "4.3.2.1.zone" for 1.2.3.4, 32 reversed nibbles for IPv6 (an
 * IPv4-mapped ::ffff:a.b.c.d counts as IPv4). Returns 0, or -1 when ip is
 * not an address or the name is too long. */
int dns_reverse_name(const char *ip, const char *zone, char *buf, size_t n);

/* A network prefix: "192.0.2.0/24", "2001:db8::/32", or one address. */
struct dns_prefix {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
};
/* Returns 0, or -1 when s is not an address with an optional /bits. */
int dns_prefix_parse(const char *s, struct dns_prefix *out);
/* Is the address ip (text) inside p? An IPv4-mapped IPv6 address matches
 * IPv4 prefixes. */
bool dns_prefix_match(const struct dns_prefix *p, const char *ip);

/* name (its first n bytes) as an ASCII host name in buf (DNS_QUERY_BUF
 * bytes), lowercased; a name in UTF-8 (an internationalised domain name)
 * becomes its A-labels ("xn--..."), mapped as UTS #46 says
 * (non-transitional, as browsers do). Returns 0, or -1 when it cannot be
 * converted (bad UTF-8, a disallowed character) or the result does not fit
 * in buf. Checks nothing else: see is the result a DNS name yourself. */
int dns_name_to_ascii(const char *name, size_t n, char *buf);
/* Is name (a host name, lowercased) equal to domain or inside it? */
bool dns_name_in_domain(const char *name, const char *domain);

#endif
