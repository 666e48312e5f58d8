/*
 * dnslist: the zones of one kind of DNS list, their lookups, answers and
 * RFC 5782 self-test.
 *
 * Untrusted input: the subject (the client's address, a domain from the
 * envelope or a URL) only becomes a query name, bounded by DNS_QUERY_BUF;
 * the answers were read by dns_answer_parse. Log lines quote a subject
 * through "%s" only after the caller bounded it.
 */
#include "dnslist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"

static size_t
zone_index(struct dnslist *l, const char *name)
{
    for (size_t z = 0; z < l->nzones; z++)
        if (strcmp(l->zones[z].name, name) == 0)
            return z;
    l->zones = xreallocarray(l->zones, l->nzones + 1, sizeof(*l->zones));
    l->zones[l->nzones].name = xstrdup(name);
    l->zones[l->nzones].txt = false;
    atomic_init(&l->zones[l->nzones].disabled, false);
    return l->nzones++;
}

int
dnslist_load(struct dnslist *l, const struct config *c, const char *key, const char *what,
             enum dnslist_kind kind, unsigned actions, const char *prefix,
             double default_score, long long selftest_ms, struct str *err)
{
    memset(l, 0, sizeof(*l));
    l->what = what;
    l->kind = kind;
    l->selftest_ms = selftest_ms;
    atomic_init(&l->next_test_ms, 0);
    const char *const *items;
    size_t n = config_get_list(c, key, &items);
    l->e = xcalloc(n ? n : 1, sizeof(*l->e));
    l->zone_of = xcalloc(n ? n : 1, sizeof(*l->zone_of));
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        if (dns_zone_parse(slice_from_cstr(items[i]), actions, prefix, default_score,
                           &l->e[l->n], &why) < 0) {
            str_appendf(err, "%s: %s: \"%s\": %s\n", config_source(c, key), key, items[i],
                        why);
            r = -1;
            continue;
        }
        l->zone_of[l->n] = zone_index(l, l->e[l->n].zone);
        if (l->e[l->n].action == DNS_ACTION_REJECT || l->e[l->n].action == DNS_ACTION_TEMPFAIL)
            l->zones[l->zone_of[l->n]].txt = true;
        l->n++;
    }
    return r;
}

void
dnslist_deinit(struct dnslist *l)
{
    for (size_t z = 0; z < l->nzones; z++)
        free(l->zones[z].name);
    free(l->zones);
    free(l->e);
    free(l->zone_of);
    memset(l, 0, sizeof(*l));
}

/* The query name of subject in zone; -1 when it cannot be made. */
static int
query_name(const struct dnslist *l, const char *subject, const char *zone, char *buf)
{
    if (l->kind == DNSLIST_IP)
        return dns_reverse_name(subject, zone, buf, DNS_QUERY_BUF);
    size_t s = strlen(subject), z = strlen(zone);
    if (s == 0 || s + 1 + z > DNS_NAME_MAX)
        return -1;
    memcpy(buf, subject, s);
    buf[s] = '.';
    memcpy(buf + s + 1, zone, z + 1);
    return 0;
}

void
dnslist_queue(const struct dnslist *l, struct dns_batch *b, const char *subject,
              size_t *first)
{
    char name[DNS_QUERY_BUF];
    for (size_t z = 0; z < l->nzones; z++) {
        first[z] = SIZE_MAX;
        if (atomic_load(&l->zones[z].disabled) ||
            query_name(l, subject, l->zones[z].name, name) < 0)
            continue;
        first[z] = dns_batch_add(b, name, DNS_TYPE_A);
        if (l->zones[z].txt)
            (void)dns_batch_add(b, name, DNS_TYPE_TXT);
    }
}

const char *
dnslist_txt(const struct dnslist *l, struct dns_batch *b, const char *subject, size_t z)
{
    char name[DNS_QUERY_BUF];
    if (query_name(l, subject, l->zones[z].name, name) < 0)
        return "";
    size_t t = dns_batch_add(b, name, DNS_TYPE_TXT);
    dns_batch_run(b); /* nothing to do when it was asked with the A */
    const struct dns_answer *a = dns_batch_answer(b, t);
    return a->kind == DNS_R_FOUND ? a->txt : "";
}

/* Log one error line, or count it past the first few. */
static void
log_error_line(struct dnslist_log *lg, const struct dnslist *l, const char *subject, size_t z,
               const char *kind, const char *why)
{
    if (lg->lines++ >= DNSLIST_LOG_ERRORS) {
        lg->more++;
        return;
    }
    log_warn(lg->id, "%s: %s in %s: %s: %s", l->what, subject, l->zones[z].name, kind,
             why ? why : "unknown error");
}

void
dnslist_log_end(const struct dnslist_log *lg, const char *what)
{
    if (lg->more)
        log_warn(lg->id, "%s: %zu more failed lookups or error answers not logged", what,
                 lg->more);
}

size_t
dnslist_eval(const struct dnslist *l, size_t z, const struct dns_answer *a,
             const char *subject, struct dnslist_log *lg, struct dnslist_hit *hits, size_t max)
{
    if (atomic_load(&l->zones[z].disabled))
        return 0; /* it failed the self-test that ran with these lookups */
    if (a->kind == DNS_R_ERROR) {
        log_error_line(lg, l, subject, z, "lookup failed", a->why);
        return 0;
    }
    if (a->kind != DNS_R_FOUND)
        return 0;
    for (size_t i = 0; i < a->na; i++) {
        const char *why = dns_error_answer(a->a[i]);
        if (why) {
            log_error_line(lg, l, subject, z, "error answer, not a listing", why);
            return 0;
        }
    }
    size_t n = 0;
    for (size_t e = 0; e < l->n && n < max; e++) {
        if (l->zone_of[e] != z)
            continue;
        for (size_t i = 0; i < a->na; i++)
            if (dns_codes_match(&l->e[e].codes, a->a[i])) {
                hits[n++] = (struct dnslist_hit){&l->e[e], a->a[i], z};
                break;
            }
    }
    return n;
}

void
dnslist_add_symbol(struct verdict *v, const struct dnslist *l, const struct dnslist_hit *h,
                   const char *subject, const char *what)
{
    if (verdict_has_symbol(v, h->e->symbol))
        return;
    struct str d;
    str_init(&d, 0);
    str_appendf(&d, "%s %s listed by %s (%u.%u.%u.%u)", what, subject, l->zones[h->zone].name,
                h->code >> 24, (h->code >> 16) & 255, (h->code >> 8) & 255, h->code & 255);
    verdict_add(v, h->e->symbol, h->e->action == DNS_ACTION_SCORE ? h->e->score : 0.0,
                str_cstr(&d));
    str_deinit(&d);
}

void
dnslist_refuse(struct verdict *v, const struct dnslist *l, struct dns_batch *b,
               const struct dnslist_hit *h, const char *subject, const char *ip,
               const char *tmpl, const char *code5)
{
    const char *zone = l->zones[h->zone].name;
    const char *txt = dnslist_txt(l, b, subject, h->zone);
    struct str text;
    str_init(&text, 0);
    dnslist_reply_text(tmpl, ip, subject, zone, txt, &text);
    bool reject = h->e->action == DNS_ACTION_REJECT;
    verdict_decide(v, reject ? VERDICT_REJECT : VERDICT_TEMPFAIL, reject ? code5 : "451",
                   reject ? "5.7.1" : "4.7.1", str_cstr(&text));
    str_deinit(&text);
}

/* ---- self-test -------------------------------------------------------- */

static const char *
test_subject(const struct dnslist *l, bool listed)
{
    if (l->kind == DNSLIST_IP)
        return listed ? "127.0.0.2" : "127.0.0.1";
    return listed ? "test" : "invalid";
}

bool
dnslist_selftest_queue(struct dnslist *l, struct dns_batch *b, size_t *idx)
{
    if (l->selftest_ms <= 0 || l->nzones == 0)
        return false;
    long long now = dns_now_ms(), next = atomic_load(&l->next_test_ms);
    if (now < next ||
        !atomic_compare_exchange_strong(&l->next_test_ms, &next, now + l->selftest_ms))
        return false;
    char name[DNS_QUERY_BUF];
    for (size_t z = 0; z < l->nzones; z++)
        for (int k = 0; k < 2; k++)
            idx[2 * z + (size_t)k] =
                query_name(l, test_subject(l, k == 0), l->zones[z].name, name) < 0
                    ? SIZE_MAX
                    : dns_batch_add(b, name, DNS_TYPE_A);
    return true;
}

/* Does the answer list the name (an answer in 127/8 that is no error)? */
static int
listed(const struct dns_answer *a)
{
    if (a->kind == DNS_R_ERROR)
        return -1;
    if (a->kind != DNS_R_FOUND)
        return 0;
    for (size_t i = 0; i < a->na; i++)
        if (dns_error_answer(a->a[i]))
            return -1;
    return a->na > 0;
}

static void
judge_zone(struct dnslist *l, size_t z, const struct dns_answer *yes,
           const struct dns_answer *no)
{
    int y = listed(yes), n = listed(no);
    struct dnslist_zone *zone = &l->zones[z];
    const char *fail = NULL;
    /* Many domain lists have a test name of their own instead of TEST: its
     * absence is only a warning there; listing INVALID (a list that lists
     * everything) disables them too. */
    if (y == 0 && l->kind == DNSLIST_DOMAIN && n == 0)
        log_warn(NULL, "%s: zone %s does not list TEST (RFC 5782); kept", l->what,
                 zone->name);
    else if (y == 0)
        fail = l->kind == DNSLIST_IP ? "127.0.0.2 is not listed" : "TEST is not listed";
    else if (n == 1)
        fail = l->kind == DNSLIST_IP ? "127.0.0.1 is listed" : "INVALID is listed";
    if (fail) {
        atomic_store(&zone->disabled, true);
        log_error(NULL, "%s: zone %s fails the RFC 5782 self-test (%s): DISABLED until "
                  "it passes", l->what, zone->name, fail);
    } else if (y < 0 || n < 0) {
        log_warn(NULL, "%s: zone %s: self-test inconclusive (%s)", l->what, zone->name,
                 (y < 0 ? yes : no)->why ? (y < 0 ? yes : no)->why : "an error answer");
    } else if (atomic_exchange(&zone->disabled, false)) {
        log_info(NULL, "%s: zone %s passes the self-test again: enabled", l->what,
                 zone->name);
    }
}

void
dnslist_selftest_eval(struct dnslist *l, const struct dns_batch *b, const size_t *idx)
{
    for (size_t z = 0; z < l->nzones; z++) {
        if (idx[2 * z] == SIZE_MAX)
            continue;
        judge_zone(l, z, dns_batch_answer(b, idx[2 * z]), dns_batch_answer(b, idx[2 * z + 1]));
    }
}


void
dnslist_summary(const struct dnslist *l, struct str *out)
{
    if (l->nzones == 0)
        return;
    str_appendf(out, "%s: %zu zone%s, %zu item%s:", l->what, l->nzones,
                l->nzones == 1 ? "" : "s", l->n, l->n == 1 ? "" : "s");
    for (size_t z = 0; z < l->nzones; z++)
        str_appendf(out, " %s%s", l->zones[z].name,
                    atomic_load(&l->zones[z].disabled) ? " (disabled)" : "");
    str_appendc(out, '\n');
}

struct dns_resolver *
dnslist_resolver(const struct config *c, struct str *err)
{
    const char *const *servers;
    size_t n = config_get_list(c, "dns_servers", &servers);
    return dns_resolver_shared(servers, n, (long)config_get_duration(c, "dns_timeout") * 1000,
                               (size_t)config_get_int(c, "dns_cache_size"), err);
}

/* Append s, printable ASCII only, up to the maximum. */
static void
append_clean(struct str *out, const char *s)
{
    for (; *s && out->len < DNSLIST_REPLY_MAX; s++) {
        unsigned char b = (unsigned char)*s;
        str_appendc(out, b < 0x20 || b >= 0x7f ? '?' : b);
    }
}

void
dnslist_reply_text(const char *tmpl, const char *ip, const char *name, const char *zone,
                   const char *txt, struct str *out)
{
    static const char *const vars[] = {"ip", "name", "zone", "txt"};
    const char *vals[] = {ip ? ip : "", name ? name : "", zone ? zone : "",
                          txt && *txt ? txt : "listed"};
    str_clear(out);
    for (const char *p = tmpl; *p && out->len < DNSLIST_REPLY_MAX;) {
        if (p[0] == '$' && p[1] == '$') {
            str_appendc(out, '$');
            p += 2;
            continue;
        }
        size_t v = 0, len = 0;
        while (p[0] == '$' && v < 4) {
            len = strlen(vars[v]);
            if (strncmp(p + 1, vars[v], len) == 0)
                break;
            v++;
        }
        if (p[0] == '$' && v < 4) {
            append_clean(out, vals[v]);
            p += 1 + len;
            continue;
        }
        char one[2] = {*p++, '\0'};
        append_clean(out, one);
    }
}
