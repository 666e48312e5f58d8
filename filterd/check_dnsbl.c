/*
 * check_dnsbl: the connection-stage check of the client's address in DNS
 * block lists (dnsbl_zones) and allow lists (dnswl_zones), with local
 * networks that are never looked up (dnsbl_allow_networks). IPv4 and IPv6
 * (reversed nibbles). Every lookup of a connection goes out at once and
 * the stage waits at most what is left of the message's dns_timeout; a
 * lookup that fails is logged and gives no symbol: DNS trouble never
 * refuses mail by itself.
 *
 * Untrusted input: the client address (parsed with inet_pton by
 * dns_zone.c), the DNS answers (dns_answer.c) and TXT texts, which reach
 * the SMTP reply only through dnslist_reply_text (printable, bounded).
 * Limits: DNSBL_MAX_ZONES zones per list; DNSBL_MAX_HITS symbols per list.
 */
#include <stdlib.h>
#include <string.h>

#include "filterd/check.h"
#include "filterd/dnslist.h"
#include "filterd/pipeline.h"
#include "lib/log.h"
#include "lib/mem.h"

#define DNSBL_MAX_ZONES 64
#define DNSBL_MAX_HITS 64

static const struct config_key dnsbl_schema[] = {
    {"dns_timeout", CONFIG_DURATION, "5s", 1, 60,
     "time budget of all the DNS list lookups of one message"},
    {"dns_cache_size", CONFIG_INT, "10000", 0, 10000000,
     "DNS answers kept for their TTL (0: no cache)"},
    {"dns_selftest_interval", CONFIG_DURATION, "1h", 0, 7 * 86400,
     "how often each DNS list zone is checked as RFC 5782 says, and at load (0: never)"},
    {"dnsbl_zones", CONFIG_LIST, "", 0, 0,
     "block lists of client addresses: ZONE[=ANSWERS][:SYMBOL[:SCORE|reject|tempfail]]"},
    {"dnswl_zones", CONFIG_LIST, "", 0, 0,
     "allow lists of client addresses: ZONE[=ANSWERS][:SYMBOL[:SCORE|allow]]"},
    {"dnsbl_allow_networks", CONFIG_LIST, "", 0, 0,
     "client networks never looked up in dnsbl_zones (address or address/bits)"},
    {"dnsbl_reject_text", CONFIG_STRING,
     "Service unavailable; client [$ip] blocked using $zone; $txt", 0, 0,
     "reply text of a dnsbl_zones reject ($ip, $zone, $txt: the list's TXT record)"},
};

struct dnsbl_state {
    struct dns_resolver *r;
    struct dnslist bl, wl;
    struct dns_prefix *allow;
    size_t nallow;
    char *reject_text;
};

static void
dnsbl_free(void *p)
{
    struct dnsbl_state *s = p;
    if (s == NULL)
        return;
    dns_resolver_release(&s->r);
    dnslist_deinit(&s->bl);
    dnslist_deinit(&s->wl);
    free(s->allow);
    free(s->reject_text);
    free(s);
}

static int
load_networks(struct dnsbl_state *s, const struct config *c, struct str *err)
{
    const char *const *items;
    size_t n = config_get_list(c, "dnsbl_allow_networks", &items);
    s->allow = xcalloc(n ? n : 1, sizeof(*s->allow));
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        if (dns_prefix_parse(items[i], &s->allow[s->nallow]) == 0) {
            s->nallow++;
            continue;
        }
        str_appendf(err, "%s: dnsbl_allow_networks: \"%s\" is not ADDRESS or ADDRESS/BITS\n",
                    config_source(c, "dnsbl_allow_networks"), items[i]);
        r = -1;
    }
    return r;
}

static void *
dnsbl_new(const struct config *c, struct str *err)
{
    struct dnsbl_state *s = xcalloc(1, sizeof(*s));
    long long test_ms = config_get_duration(c, "dns_selftest_interval") * 1000;
    int r = dnslist_load(&s->bl, c, "dnsbl_zones", "dnsbl", DNSLIST_IP, DNS_ALLOW_BLOCK,
                         "DNSBL_", 1.0, test_ms, err);
    r |= dnslist_load(&s->wl, c, "dnswl_zones", "dnswl", DNSLIST_IP, DNS_ALLOW_WELCOME,
                      "DNSWL_", -1.0, test_ms, err);
    r |= load_networks(s, c, err);
    if (s->bl.nzones > DNSBL_MAX_ZONES || s->wl.nzones > DNSBL_MAX_ZONES) {
        str_appendf(err, "%s: dnsbl_zones or dnswl_zones: more than %d zones\n",
                    config_source(c, "dnsbl_zones"), DNSBL_MAX_ZONES);
        r = -1;
    }
    s->reject_text = xstrdup(config_get_str(c, "dnsbl_reject_text"));
    if (r == 0 && (s->bl.nzones || s->wl.nzones) && (s->r = dnslist_resolver(c, err)) == NULL)
        r = -1;
    if (r < 0) {
        dnsbl_free(s);
        return NULL;
    }
    return s;
}

/* The lookups of one stage: both lists, and their self-tests when due. */
struct dnsbl_run {
    struct dns_batch *b;
    size_t bl[DNSBL_MAX_ZONES], wl[DNSBL_MAX_ZONES];
    size_t tbl[2 * DNSBL_MAX_ZONES], twl[2 * DNSBL_MAX_ZONES];
    bool test_bl, test_wl;
    struct dnslist_log lg;
};

static bool
is_allowed_network(const struct dnsbl_state *s, const char *ip)
{
    for (size_t i = 0; i < s->nallow; i++)
        if (dns_prefix_match(&s->allow[i], ip))
            return true;
    return false;
}

/* Allow lists: add their symbols; true when one says "allow". */
static bool
eval_welcome(const struct dnsbl_state *s, struct dnsbl_run *run, const char *ip,
             struct verdict *v)
{
    bool allow = false;
    struct dnslist_hit hits[DNSBL_MAX_HITS];
    for (size_t z = 0; z < s->wl.nzones; z++) {
        if (run->wl[z] == SIZE_MAX)
            continue;
        size_t n = dnslist_eval(&s->wl, z, dns_batch_answer(run->b, run->wl[z]), ip, &run->lg, hits,
                                DNSBL_MAX_HITS);
        for (size_t i = 0; i < n; i++) {
            dnslist_add_symbol(v, &s->wl, &hits[i], ip, "client");
            allow |= hits[i].e->action == DNS_ACTION_ALLOW;
        }
    }
    return allow;
}

static void
eval_block(const struct dnsbl_state *s, struct dnsbl_run *run, const char *ip,
           struct verdict *v)
{
    struct dnslist_hit hits[DNSBL_MAX_HITS];
    const struct dnslist_hit *refusal = NULL;
    struct dnslist_hit keep;
    for (size_t z = 0; z < s->bl.nzones; z++) {
        if (run->bl[z] == SIZE_MAX)
            continue;
        size_t n = dnslist_eval(&s->bl, z, dns_batch_answer(run->b, run->bl[z]), ip, &run->lg, hits,
                                DNSBL_MAX_HITS);
        for (size_t i = 0; i < n; i++) {
            dnslist_add_symbol(v, &s->bl, &hits[i], ip, "client");
            if (hits[i].e->action != DNS_ACTION_SCORE &&
                (refusal == NULL || (refusal->e->action == DNS_ACTION_TEMPFAIL &&
                                     hits[i].e->action == DNS_ACTION_REJECT))) {
                keep = hits[i];
                refusal = &keep;
            }
        }
    }
    if (refusal)
        dnslist_refuse(v, &s->bl, run->b, refusal, ip, ip, s->reject_text, "554");
}

static void
dnsbl_connect(const void *state, const struct scan_env *env, struct verdict *v)
{
    const struct dnsbl_state *s = state;
    const char *ip = env->client_addr, *id = env->queue_id;
    if (s->r == NULL || ip == NULL || *ip == '\0')
        return;
    if (is_allowed_network(s, ip)) {
        log_debug(id, "dnsbl: client %s is in dnsbl_allow_networks: not looked up", ip);
        return;
    }
    struct dnsbl_run run;
    run.b = dns_batch_new(s->r, id);
    dns_batch_share_deadline(run.b, &v->dns_deadline_ms);
    run.lg = (struct dnslist_log){.id = id};
    dnslist_queue(&s->wl, run.b, ip, run.wl);
    dnslist_queue(&s->bl, run.b, ip, run.bl);
    /* The lists are shared; only their atomics change (dnslist.h). */
    struct dnslist *bl = (struct dnslist *)&s->bl, *wl = (struct dnslist *)&s->wl;
    run.test_bl = dnslist_selftest_queue(bl, run.b, run.tbl);
    run.test_wl = dnslist_selftest_queue(wl, run.b, run.twl);
    dns_batch_run(run.b);
    if (run.test_bl)
        dnslist_selftest_eval(bl, run.b, run.tbl);
    if (run.test_wl)
        dnslist_selftest_eval(wl, run.b, run.twl);
    if (!eval_welcome(s, &run, ip, v))
        eval_block(s, &run, ip, v);
    dnslist_log_end(&run.lg, "dnsbl");
    dns_batch_free(&run.b);
}

static void
dnsbl_summary(const void *state, struct str *out)
{
    const struct dnsbl_state *s = state;
    dnslist_summary(&s->bl, out);
    dnslist_summary(&s->wl, out);
    if (s->nallow)
        str_appendf(out, "dnsbl: %zu allowed network%s\n", s->nallow, s->nallow == 1 ? "" : "s");
}

/* Whether a DNS list is configured. */
static bool
dnsbl_active(const void *state)
{
    const struct dnsbl_state *s = state;
    return s->r != NULL;
}

const struct check_ops check_dnsbl_ops = {
    .name = "dnsbl",
    .schema = dnsbl_schema,
    .nschema = sizeof(dnsbl_schema) / sizeof(dnsbl_schema[0]),
    .state_new = dnsbl_new,
    .state_free = dnsbl_free,
    .connect = dnsbl_connect,
    .summary = dnsbl_summary,
    .active = dnsbl_active,
};
