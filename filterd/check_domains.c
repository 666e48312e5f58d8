/*
 * check_domains: the checks of domains in DNS lists. rhsbl (envelope
 * stage): the envelope sender's domain and the HELO name in rhsbl_zones;
 * uribl (content stage): the domains of the URLs in the message (in the
 * rendered text and in HTML attributes) in uribl_zones. Each name is
 * converted to A-labels when it is an IDN (libidn2) and reduced to its
 * registrable domain with the public suffix list (libpsl);
 * IP literals, names that are not DNS names, public suffixes and the
 * domains of dns_skip_domains are not looked up.
 *
 * Untrusted input: the sender, the HELO name and the message's URLs
 * (found and parsed by mail/url.h and mail/html.h); each becomes a query
 * name only after it checks as a DNS name of at most DNS_NAME_MAX bytes.
 * Limits: uribl_max_domains distinct domains per message, from the first
 * MESSAGE_URLS_MAX URLs (filterd/message.h, found once per message).
 */
#include <arpa/inet.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check.h"
#include "filterd/dnslist.h"
#include "filterd/pipeline.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "mail/url.h"

#define DOMAINS_MAX_ZONES 32
#define DOMAINS_MAX_HITS 64

static const struct config_key rhsbl_schema[] = {
    {"rhsbl_zones", CONFIG_LIST, "", 0, 0,
     "domain lists for the sender's domain and the HELO name: "
     "ZONE[=ANSWERS][:SYMBOL[:SCORE|reject|tempfail]]"},
    {"rhsbl_reject_text", CONFIG_STRING, "Service unavailable; $name blocked using $zone; $txt",
     0, 0, "reply text of an rhsbl_zones reject ($name, $zone, $txt)"},
    {"dns_skip_domains", CONFIG_LIST, "", 0, 0,
     "domains (with their subdomains) never looked up in rhsbl_zones or uribl_zones"},
    {"public_suffix_list", CONFIG_STRING, "/usr/share/publicsuffix/public_suffix_list.dafsa", 0,
     0, "the public suffix list (for the registrable domain of a name)"},
};

static const struct config_key uribl_schema[] = {
    {"uribl_zones", CONFIG_LIST, "", 0, 0,
     "domain lists for the domains of the URLs in a message: "
     "ZONE[=ANSWERS][:SYMBOL[:SCORE|reject|tempfail]]"},
    {"uribl_max_domains", CONFIG_INT, "50", 1, 500,
     "distinct URL domains of one message looked up in uribl_zones; the rest are not"},
    {"uribl_reject_text", CONFIG_STRING,
     "Message refused: it links to $name, listed by $zone; $txt", 0, 0,
     "reply text of a uribl_zones reject ($name, $zone, $txt)"},
};

struct domains_state {
    struct dns_resolver *r;
    struct dnslist list;
    psl_ctx_t *psl;
    const char *const *skip; /* copies, NULL-terminated */
    char *reject_text;
    size_t max_domains;
};

static void
domains_free(void *p)
{
    struct domains_state *s = p;
    if (s == NULL)
        return;
    dns_resolver_release(&s->r);
    dnslist_deinit(&s->list);
    if (s->psl)
        psl_free(s->psl);
    for (size_t i = 0; s->skip && s->skip[i]; i++)
        free((char *)s->skip[i]);
    free((void *)s->skip);
    free(s->reject_text);
    free(s);
}

static void
copy_skip(struct domains_state *s, const struct config *c)
{
    const char *const *items;
    size_t n = config_get_list(c, "dns_skip_domains", &items);
    const char **skip = xcalloc(n + 1, sizeof(*skip));
    for (size_t i = 0; i < n; i++) {
        char *d = xstrdup(items[i] + (items[i][0] == '.'));
        for (char *p = d; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        skip[i] = d;
    }
    s->skip = skip;
}

static void *
domains_new(const struct config *c, struct str *err, const char *key, const char *what,
            const char *prefix, const char *text_key)
{
    struct domains_state *s = xcalloc(1, sizeof(*s));
    int r = dnslist_load(&s->list, c, key, what, DNSLIST_DOMAIN, DNS_ALLOW_BLOCK, prefix, 1.0,
                         config_get_duration(c, "dns_selftest_interval") * 1000, err);
    if (s->list.nzones > DOMAINS_MAX_ZONES) {
        str_appendf(err, "%s: %s: more than %d zones\n", config_source(c, key), key,
                    DOMAINS_MAX_ZONES);
        r = -1;
    }
    copy_skip(s, c);
    s->reject_text = xstrdup(config_get_str(c, text_key));
    if (r == 0 && s->list.nzones) {
        const char *path = config_get_str(c, "public_suffix_list");
        s->psl = psl_load_file(path);
        if (s->psl == NULL) {
            str_appendf(err, "%s: public_suffix_list: cannot load %s\n",
                        config_source(c, "public_suffix_list"), path);
            r = -1;
        }
    }
    if (r == 0 && s->list.nzones && (s->r = dnslist_resolver(c, err)) == NULL)
        r = -1;
    if (r < 0) {
        domains_free(s);
        return NULL;
    }
    return s;
}

static void *
rhsbl_new(const struct config *c, struct str *err)
{
    return domains_new(c, err, "rhsbl_zones", "rhsbl", "RHSBL_", "rhsbl_reject_text");
}

static void *
uribl_new(const struct config *c, struct str *err)
{
    struct domains_state *s =
        domains_new(c, err, "uribl_zones", "uribl", "URIBL_", "uribl_reject_text");
    if (s)
        s->max_domains = (size_t)config_get_int(c, "uribl_max_domains");
    return s;
}

/* ---- names ------------------------------------------------------------ */

/* Is host (lowercase) a DNS name that is not an address literal? */
static bool
is_dns_name(const char *host)
{
    size_t n = strlen(host), label = 0;
    if (n == 0 || n > DNS_NAME_MAX || host[0] == '.' || host[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = host[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                   ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    /* A numeric last label (1.2.3.4, 0x7f.1) is an address, not a name. */
    const char *last = strrchr(host, '.');
    last = last ? last + 1 : host;
    return !(last[0] >= '0' && last[0] <= '9');
}

/* The registrable domain of name into buf (DNS_QUERY_BUF), lowercased, an
 * IDN in A-labels; -1 when it is not to be looked up. */
static int
registrable(const struct domains_state *s, const char *name, char *buf)
{
    size_t n = strlen(name);
    while (n && name[n - 1] == '.')
        n--;
    if (n == 0 || dns_name_to_ascii(name, n, buf) < 0)
        return -1;
    if (!is_dns_name(buf) || strchr(buf, '.') == NULL)
        return -1;
    const char *reg = psl_registrable_domain(s->psl, buf);
    if (reg == NULL)
        return -1; /* a public suffix itself */
    memmove(buf, reg, strlen(reg) + 1);
    for (size_t i = 0; s->skip[i]; i++)
        if (dns_name_in_domain(buf, s->skip[i]))
            return -1;
    return 0;
}

/* ---- verdicts --------------------------------------------------------- */

/* The lookups of a set of domains and what they found. */
struct domain_run {
    const struct domains_state *s;
    struct dns_batch *b;
    struct dnslist_log lg;
    const struct dnslist_hit *refusal;
    struct dnslist_hit keep;
    char refused_name[DNS_QUERY_BUF];
};

/* Evaluate subject's lookups (first[] from dnslist_queue); what says where
 * the name came from ("sender domain", "HELO domain", "URL domain"). */
static void
eval_subject(struct domain_run *run, const char *subject, const size_t *first,
             const char *what, struct verdict *v)
{
    const struct dnslist *l = &run->s->list;
    struct dnslist_hit hits[DOMAINS_MAX_HITS];
    for (size_t z = 0; z < l->nzones; z++) {
        if (first[z] == SIZE_MAX)
            continue;
        size_t n = dnslist_eval(l, z, dns_batch_answer(run->b, first[z]), subject, &run->lg,
                                hits, DOMAINS_MAX_HITS);
        for (size_t i = 0; i < n; i++) {
            const struct dnslist_hit *h = &hits[i];
            if (h->e->action != DNS_ACTION_SCORE && run->refusal == NULL) {
                run->keep = *h;
                run->refusal = &run->keep;
                memcpy(run->refused_name, subject, strlen(subject) + 1);
            }
            dnslist_add_symbol(v, l, h, subject, what);
        }
    }
}

/* Run the batch with the self-test when due. */
static void
run_batch(struct domain_run *run)
{
    struct dnslist *l = (struct dnslist *)&run->s->list; /* atomics only */
    size_t idx[2 * DOMAINS_MAX_ZONES];
    bool test = dnslist_selftest_queue(l, run->b, idx);
    dns_batch_run(run->b);
    if (test)
        dnslist_selftest_eval(l, run->b, idx);
}

/* ---- rhsbl ------------------------------------------------------------ */

static void
rhsbl_envelope(const void *state, const struct scan_env *env, struct verdict *v)
{
    const struct domains_state *s = state;
    if (s->r == NULL)
        return;
    char sender[DNS_QUERY_BUF], helo[DNS_QUERY_BUF];
    const char *at = env->sender ? strrchr(env->sender, '@') : NULL;
    bool have_sender = at && registrable(s, at + 1, sender) == 0;
    bool have_helo = env->helo && registrable(s, env->helo, helo) == 0;
    if (!have_sender && !have_helo)
        return;
    struct domain_run run = {.s = s, .lg = {.id = env->queue_id}};
    size_t fs[DOMAINS_MAX_ZONES], fh[DOMAINS_MAX_ZONES];
    run.b = dns_batch_new(s->r, env->queue_id);
    dns_batch_share_deadline(run.b, &v->dns_deadline_ms);
    if (have_sender)
        dnslist_queue(&s->list, run.b, sender, fs);
    if (have_helo)
        dnslist_queue(&s->list, run.b, helo, fh);
    run_batch(&run);
    if (have_sender)
        eval_subject(&run, sender, fs, "sender domain", v);
    if (have_helo)
        eval_subject(&run, helo, fh, "HELO domain", v);
    if (run.refusal)
        dnslist_refuse(v, &s->list, run.b, run.refusal, run.refused_name, env->client_addr,
                       s->reject_text, "554");
    dnslist_log_end(&run.lg, "rhsbl");
    dns_batch_free(&run.b);
}

/* ---- uribl ------------------------------------------------------------ */

struct url_set {
    const struct domains_state *s;
    struct arena *a;
    char **d;
    size_t n, dropped;
};

static void
add_url(struct url_set *u, struct slice url)
{
    struct url parsed;
    const char *why;
    char buf[DNS_QUERY_BUF];
    if (url_parse(u->a, url, &parsed, &why) < 0 || parsed.host == NULL ||
        registrable(u->s, parsed.host, buf) < 0)
        return;
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->d[i], buf) == 0)
            return;
    if (u->n == u->s->max_domains) {
        u->dropped++;
        return;
    }
    u->d[u->n++] = arena_strdup(u->a, buf);
}

/* Every URL domain of the message (message_urls: the rendered texts and
 * the HTML attributes). */
static void
collect_domains(struct message *m, struct url_set *u)
{
    const struct message_url *urls;
    size_t n = message_urls(m, &urls, NULL);
    for (size_t i = 0; i < n; i++)
        add_url(u, urls[i].url);
}

static void
uribl_content(const void *state, const struct scan_env *env, struct message *m,
              struct verdict *v)
{
    const struct domains_state *s = state;
    if (s->r == NULL)
        return;
    struct url_set u = {.s = s, .a = m->arena};
    u.d = arena_calloc(m->arena, s->max_domains, sizeof(*u.d));
    collect_domains(m, &u);
    if (u.dropped)
        log_info(env->queue_id, "uribl: %zu URL domains past uribl_max_domains (%zu) not "
                 "looked up", u.dropped, s->max_domains);
    if (u.n == 0)
        return;
    struct domain_run run = {.s = s, .lg = {.id = env->queue_id}};
    size_t *first = arena_calloc(m->arena, u.n * s->list.nzones, sizeof(*first));
    run.b = dns_batch_new(s->r, env->queue_id);
    dns_batch_share_deadline(run.b, &v->dns_deadline_ms);
    for (size_t i = 0; i < u.n; i++)
        dnslist_queue(&s->list, run.b, u.d[i], first + i * s->list.nzones);
    run_batch(&run);
    for (size_t i = 0; i < u.n; i++)
        eval_subject(&run, u.d[i], first + i * s->list.nzones, "URL domain", v);
    if (run.refusal)
        dnslist_refuse(v, &s->list, run.b, run.refusal, run.refused_name, env->client_addr,
                       s->reject_text, "550");
    dnslist_log_end(&run.lg, "uribl");
    dns_batch_free(&run.b);
}

static void
domains_summary(const void *state, struct str *out)
{
    const struct domains_state *s = state;
    dnslist_summary(&s->list, out);
}

/* Whether a DNS list is configured. */
static bool
domains_active(const void *state)
{
    const struct domains_state *s = state;
    return s->r != NULL;
}

const struct check_ops check_rhsbl_ops = {
    .name = "rhsbl",
    .schema = rhsbl_schema,
    .nschema = sizeof(rhsbl_schema) / sizeof(rhsbl_schema[0]),
    .state_new = rhsbl_new,
    .state_free = domains_free,
    .envelope = rhsbl_envelope,
    .summary = domains_summary,
    .active = domains_active,
};

const struct check_ops check_uribl_ops = {
    .name = "uribl",
    .schema = uribl_schema,
    .nschema = sizeof(uribl_schema) / sizeof(uribl_schema[0]),
    .state_new = uribl_new,
    .state_free = domains_free,
    .content = uribl_content,
    .summary = domains_summary,
};
