/*
 * dnslist: one kind of DNS list (DNSBL, DNSWL, RHSBL or URIBL) as the
 * checks use it: its items (filterd/dns_zone.h), its zones with their
 * health, the lookups of a subject (an address or a domain) in a batch,
 * what the answers mean, and the RFC 5782 self-test of each zone.
 *
 * A list is built with the pipeline and shared by threads; only the
 * zones' health (disabled by a failed self-test) and the time of the next
 * self-test change afterwards, through atomics.
 */
#ifndef TAMIS_FILTERD_DNSLIST_H
#define TAMIS_FILTERD_DNSLIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "filterd/dns.h"
#include "filterd/dns_zone.h"
#include "filterd/verdict.h"
#include "lib/config.h"

enum dnslist_kind { DNSLIST_IP, DNSLIST_DOMAIN };

struct dnslist_zone {
    char *name;
    bool txt; /* an item refuses: its TXT record is looked up with the A */
    atomic_bool disabled;
};

struct dnslist {
    const char *what; /* "dnsbl", "dnswl", "rhsbl", "uribl": logs, symbols */
    enum dnslist_kind kind;
    struct dns_zone_entry *e;
    size_t *zone_of; /* entry -> zone */
    size_t n;
    struct dnslist_zone *zones;
    size_t nzones;
    long long selftest_ms;          /* 0: never */
    _Atomic long long next_test_ms; /* monotonic */
};

/* Read the items of the list setting key into l. actions, prefix and
 * default_score as dns_zone_parse. Returns 0, or -1 with "SOURCE: key:
 * item: reason" lines appended to err. */
int dnslist_load(struct dnslist *l, const struct config *c, const char *key,
                 const char *what, enum dnslist_kind kind, unsigned actions,
                 const char *prefix, double default_score, long long selftest_ms,
                 struct str *err);
void dnslist_deinit(struct dnslist *l);

/* The lookups of one subject in every enabled zone: first[z] gets the
 * lookup index of zone z (SIZE_MAX: disabled, or the name is too long).
 * A zone with a reject or tempfail item gets a TXT lookup too, in the same
 * round (dnslist_txt finds it). */
void dnslist_queue(const struct dnslist *l, struct dns_batch *b, const char *subject,
                   size_t *first);

/* The TXT text of subject in zone z from the batch, or "" (not asked, not
 * found, or not answered in time). */
const char *dnslist_txt(const struct dnslist *l, struct dns_batch *b, const char *subject,
                        size_t z);

/* A listing: the entry that matched and the answer. */
struct dnslist_hit {
    const struct dns_zone_entry *e;
    uint32_t code;
    size_t zone;
};

/* The error lines of one stage: the first DNSLIST_LOG_ERRORS are logged
 * (tagged with id), the others counted and summed up by dnslist_log_end,
 * so that a dead server costs a few lines per message, not one per URL. */
#define DNSLIST_LOG_ERRORS 5
struct dnslist_log {
    const char *id;
    size_t lines, more;
};
void dnslist_log_end(const struct dnslist_log *lg, const char *what);

/* Read zone z's answer for subject: appends the entries that match to
 * hits (at most max; returns how many). An error (a failed lookup, an
 * error answer) goes to lg and gives none. */
size_t dnslist_eval(const struct dnslist *l, size_t z, const struct dns_answer *a,
                    const char *subject, struct dnslist_log *lg, struct dnslist_hit *hits,
                    size_t max);

/* Add the symbol of hit h to v (once: not when v has it already), with
 * the description "WHAT SUBJECT listed by ZONE (CODE)"; its score is the
 * item's, or 0 for a refusing or allowing item. */
void dnslist_add_symbol(struct verdict *v, const struct dnslist *l,
                        const struct dnslist_hit *h, const char *subject, const char *what);
/* Refuse now for the refusing item of h: reject with code5 (and 5.7.1) or
 * tempfail with 451 4.7.1, the text from tmpl (dnslist_reply_text) with
 * the zone's TXT record for subject from b. ip is the client's address. */
void dnslist_refuse(struct verdict *v, const struct dnslist *l, struct dns_batch *b,
                    const struct dnslist_hit *h, const char *subject, const char *ip,
                    const char *tmpl, const char *code5);

/* The self-test: when one is due (and this caller won the race), queue its
 * lookups (two per zone) and return true; idx gets 2 * nzones indexes.
 * The first is due with the first lookups after the list was loaded (so
 * that it costs no time of its own), the next ones every selftest_ms. */
bool dnslist_selftest_queue(struct dnslist *l, struct dns_batch *b, size_t *idx);
/* Read the self-test's answers: a zone that fails is disabled with an
 * error line in the log, one that passes again is enabled. */
void dnslist_selftest_eval(struct dnslist *l, const struct dns_batch *b, const size_t *idx);

/* The resolver the DNS checks share (dns_servers, dns_timeout,
 * dns_cache_size); release with dns_resolver_release. NULL with a reason
 * in err. */
struct dns_resolver *dnslist_resolver(const struct config *c, struct str *err);

/* Expand a reply template into out (cleared first): $ip, $name, $zone and
 * $txt (the list's TXT text, or "listed" when there is none) are replaced,
 * "$$" gives '$', any other '$' stays. The result is printable ASCII (other
 * bytes become '?') of at most DNSLIST_REPLY_MAX bytes. Pure. */
#define DNSLIST_REPLY_MAX 200
void dnslist_reply_text(const char *tmpl, const char *ip, const char *name,
                        const char *zone, const char *txt, struct str *out);

/* Append a summary line for lint. */
void dnslist_summary(const struct dnslist *l, struct str *out);

#endif
