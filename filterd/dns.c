/*
 * dns: c-ares resolver, batches under one time budget, and a TTL cache.
 *
 * Untrusted input: the DNS answers (read by dns_answer_parse, bounded) and
 * the query names, which the callers build from session data (bounded by
 * DNS_QUERY_BUF there; c-ares refuses a malformed name).
 * Threads: the resolver is shared. Its cache and its pool of idle c-ares
 * channels are behind one mutex each; a batch belongs to one thread and
 * holds its own channel while it runs (a c-ares channel is not shared).
 * Limits: DNS_BATCH_MAX lookups per batch; cache_max answers, the oldest
 * dropped first; POOL_MAX idle channels; each batch's wait is bounded by
 * the budget, whatever the servers do.
 */
#include "dns.h"

#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/time.h>

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filterd/dns_zone.h"
#include "lib/log.h"
#include "lib/mem.h"

#define POOL_MAX 32
/* Seconds a failed lookup is remembered, so that the stages of one message
 * (and each RCPT of it) do not wait for a dead server again and again. */
#define DNS_ERROR_TTL 30
/* While the servers are silent (a batch ran out of time without a single
 * reply), later batches wait at most this long for them: their queries
 * still go out, and the first reply ends the silence. */
#define DNS_SILENT_WAIT_MS 100

struct cache_entry {
    char *key; /* type byte then the name */
    struct dns_answer ans;
    long long expires_ms;
    struct cache_entry *hnext;        /* hash chain */
    struct cache_entry *older, *newer; /* age list */
};

struct dns_resolver {
    char *share_key; /* dns_resolver_shared: the settings; NULL: not shared */
    size_t refs;
    struct dns_resolver *next_shared;
    struct ares_addr_port_node *servers; /* NULL: resolv.conf */
    long budget_ms;
    pthread_mutex_t pool_lock;
    ares_channel pool[POOL_MAX];
    size_t npool;
    pthread_mutex_t cache_lock;
    struct cache_entry **buckets;
    size_t nbuckets, ncached, cache_max;
    struct cache_entry *oldest, *newest;
    _Atomic long long silent_until_ms; /* monotonic; 0: the servers answer */
};

struct lookup {
    struct dns_batch *b;
    char *name;
    int type;
    bool done, sent;
    struct dns_answer ans;
};

struct dns_batch {
    struct dns_resolver *r;
    char *id;
    struct lookup *l;
    size_t n, cap;
    ares_channel ch;
    long long budget_end_ms; /* 0: not run yet */
    long long deadline_ms;   /* of the current run */
    long long *shared_deadline; /* the message's (dns_batch_share_deadline) */
    size_t pending, replies, unanswered;
};

long long
dns_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- servers ---------------------------------------------------------- */

/* Parse "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" into a new node. */
static struct ares_addr_port_node *
parse_server(const char *s)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port = NULL, *end;
    if (s[0] == '[') {
        end = strchr(s, ']');
        if (end == NULL || (end[1] && end[1] != ':'))
            return NULL;
        port = end[1] ? end + 2 : NULL;
        s++;
    } else {
        end = strchr(s, ':');
        if (end && strchr(end + 1, ':'))
            end = NULL, port = NULL; /* a bare IPv6 address */
        else if (end)
            port = end + 1;
    }
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n == 0 || n >= sizeof(host))
        return NULL;
    memcpy(host, s, n);
    host[n] = '\0';
    long p = 53;
    char *pend = NULL;
    if (port) {
        p = strtol(port, &pend, 10);
        if (*port < '0' || *port > '9' || *pend != '\0' || p < 1 || p > 65535)
            return NULL;
    }
    struct ares_addr_port_node *node = xcalloc(1, sizeof(*node));
    if (inet_pton(AF_INET, host, &node->addr.addr4) == 1) {
        node->family = AF_INET;
    } else if (inet_pton(AF_INET6, host, &node->addr.addr6) == 1) {
        node->family = AF_INET6;
    } else {
        free(node);
        return NULL;
    }
    node->udp_port = node->tcp_port = (int)p;
    return node;
}

static void
free_servers(struct ares_addr_port_node *s)
{
    while (s) {
        struct ares_addr_port_node *next = s->next;
        free(s);
        s = next;
    }
}

/* ---- channels --------------------------------------------------------- */

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

static void
lib_init(void)
{
    lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

static int
channel_new(const struct dns_resolver *r, ares_channel *ch)
{
    struct ares_options o;
    memset(&o, 0, sizeof(o));
    /* Two tries, the second twice as long: together about the budget. */
    o.timeout = (int)(r->budget_ms / 3 > 100 ? r->budget_ms / 3 : 100);
    o.tries = 2;
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    int st = ares_init_options(ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
    if (st == ARES_SUCCESS && r->servers)
        st = ares_set_servers_ports(*ch, r->servers);
    if (st != ARES_SUCCESS && st != ARES_ENOMEM)
        return st;
    if (st == ARES_ENOMEM)
        log_fatal("dns: out of memory in c-ares");
    return ARES_SUCCESS;
}

static ares_channel
channel_get(struct dns_resolver *r)
{
    ares_channel ch = NULL;
    pthread_mutex_lock(&r->pool_lock);
    if (r->npool)
        ch = r->pool[--r->npool];
    pthread_mutex_unlock(&r->pool_lock);
    if (ch == NULL && channel_new(r, &ch) != ARES_SUCCESS)
        ch = NULL;
    return ch;
}

static void
channel_put(struct dns_resolver *r, ares_channel ch)
{
    pthread_mutex_lock(&r->pool_lock);
    if (r->npool < POOL_MAX) {
        r->pool[r->npool++] = ch;
        ch = NULL;
    }
    pthread_mutex_unlock(&r->pool_lock);
    if (ch)
        ares_destroy(ch);
}

struct dns_resolver *
dns_resolver_new(const char *const *servers, size_t nservers, long budget_ms,
                 size_t cache_max, struct str *err)
{
    pthread_once(&lib_once, lib_init);
    if (lib_status != ARES_SUCCESS) {
        str_appendf(err, "dns: c-ares: %s\n", ares_strerror(lib_status));
        return NULL;
    }
    struct dns_resolver *r = xcalloc(1, sizeof(*r));
    struct ares_addr_port_node **tail = &r->servers;
    for (size_t i = 0; i < nservers; i++) {
        *tail = parse_server(servers[i]);
        if (*tail == NULL) {
            str_appendf(err, "dns_servers: \"%s\" is not ADDRESS, ADDRESS:PORT or [IPV6]:PORT\n",
                        servers[i]);
            free_servers(r->servers);
            free(r);
            return NULL;
        }
        tail = &(*tail)->next;
    }
    r->budget_ms = budget_ms > 0 ? budget_ms : 1;
    atomic_init(&r->silent_until_ms, 0);
    r->cache_max = cache_max;
    r->nbuckets = 64;
    while (r->nbuckets < cache_max && r->nbuckets < ((size_t)1 << 20))
        r->nbuckets *= 2;
    r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
    pthread_mutex_init(&r->pool_lock, NULL);
    pthread_mutex_init(&r->cache_lock, NULL);
    ares_channel ch;
    int st = channel_new(r, &ch);
    if (st != ARES_SUCCESS) {
        str_appendf(err, "dns: c-ares cannot start: %s\n", ares_strerror(st));
        dns_resolver_free(&r);
        return NULL;
    }
    channel_put(r, ch);
    return r;
}

void
dns_resolver_free(struct dns_resolver **rp)
{
    struct dns_resolver *r = *rp;
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->npool; i++)
        ares_destroy(r->pool[i]);
    for (struct cache_entry *e = r->oldest, *next; e; e = next) {
        next = e->newer;
        free(e->key);
        free(e);
    }
    free(r->buckets);
    free_servers(r->servers);
    pthread_mutex_destroy(&r->pool_lock);
    pthread_mutex_destroy(&r->cache_lock);
    free(r);
    *rp = NULL;
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dns_resolver *shared;

struct dns_resolver *
dns_resolver_shared(const char *const *servers, size_t nservers, long budget_ms,
                    size_t cache_max, struct str *err)
{
    struct str key;
    str_init(&key, 0);
    str_appendf(&key, "%ld/%zu", budget_ms, cache_max);
    for (size_t i = 0; i < nservers; i++)
        str_appendf(&key, "/%s", servers[i]);
    pthread_mutex_lock(&shared_lock);
    struct dns_resolver *r = shared;
    while (r && strcmp(r->share_key, str_cstr(&key)) != 0)
        r = r->next_shared;
    if (r == NULL && (r = dns_resolver_new(servers, nservers, budget_ms, cache_max, err))) {
        r->share_key = str_steal(&key, NULL);
        r->next_shared = shared;
        shared = r;
    }
    if (r)
        r->refs++;
    pthread_mutex_unlock(&shared_lock);
    str_deinit(&key);
    return r;
}

void
dns_resolver_release(struct dns_resolver **rp)
{
    struct dns_resolver *r = *rp;
    if (r == NULL)
        return;
    *rp = NULL;
    pthread_mutex_lock(&shared_lock);
    bool last = --r->refs == 0;
    if (last) {
        struct dns_resolver **pp = &shared;
        while (*pp != r)
            pp = &(*pp)->next_shared;
        *pp = r->next_shared;
    }
    pthread_mutex_unlock(&shared_lock);
    if (last) {
        free(r->share_key);
        dns_resolver_free(&r);
    }
}

/* ---- cache ------------------------------------------------------------ */

static size_t
hash_key(const char *k)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * (1099511628211ULL & SIZE_MAX);
    return h;
}

static void
make_key(char *key, size_t n, const char *name, int type)
{
    key[0] = type == DNS_TYPE_A ? 'A' : 'T';
    size_t len = strlen(name);
    if (len > n - 2)
        len = n - 2;
    memcpy(key + 1, name, len);
    key[len + 1] = '\0';
}

/* Unlink e from its chain and the age list (cache_lock held). */
static void
cache_unlink(struct dns_resolver *r, struct cache_entry *e)
{
    struct cache_entry **pp = &r->buckets[hash_key(e->key) & (r->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->older)
        e->older->newer = e->newer;
    else
        r->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        r->newest = e->older;
    r->ncached--;
    free(e->key);
    free(e);
}

static bool
cache_get(struct dns_resolver *r, const char *key, struct dns_answer *out)
{
    bool hit = false;
    long long now = dns_now_ms();
    pthread_mutex_lock(&r->cache_lock);
    struct cache_entry *e = r->buckets[hash_key(key) & (r->nbuckets - 1)];
    while (e && strcmp(e->key, key) != 0)
        e = e->hnext;
    if (e && e->expires_ms <= now) {
        cache_unlink(r, e);
        e = NULL;
    }
    if (e) {
        *out = e->ans;
        hit = true;
    }
    pthread_mutex_unlock(&r->cache_lock);
    return hit;
}

static void
cache_put(struct dns_resolver *r, const char *key, const struct dns_answer *ans)
{
    long long ttl = ans->kind == DNS_R_ERROR ? DNS_ERROR_TTL : ans->ttl;
    if (r->cache_max == 0 || ttl == 0)
        return;
    struct dns_answer old;
    if (cache_get(r, key, &old))
        return;
    struct cache_entry *e = xcalloc(1, sizeof(*e));
    e->key = xstrdup(key);
    e->ans = *ans;
    e->expires_ms = dns_now_ms() + ttl * 1000;
    pthread_mutex_lock(&r->cache_lock);
    while (r->ncached >= r->cache_max && r->oldest)
        cache_unlink(r, r->oldest);
    size_t h = hash_key(key) & (r->nbuckets - 1);
    e->hnext = r->buckets[h];
    r->buckets[h] = e;
    e->older = r->newest;
    if (r->newest)
        r->newest->newer = e;
    else
        r->oldest = e;
    r->newest = e;
    r->ncached++;
    pthread_mutex_unlock(&r->cache_lock);
}

size_t
dns_resolver_cached(struct dns_resolver *r)
{
    pthread_mutex_lock(&r->cache_lock);
    size_t n = r->ncached;
    pthread_mutex_unlock(&r->cache_lock);
    return n;
}

/* ---- batches ---------------------------------------------------------- */

struct dns_batch *
dns_batch_new(struct dns_resolver *r, const char *log_id)
{
    struct dns_batch *b = xcalloc(1, sizeof(*b));
    b->r = r;
    b->id = xstrdup(log_id ? log_id : "");
    return b;
}

void
dns_batch_free(struct dns_batch **bp)
{
    struct dns_batch *b = *bp;
    if (b == NULL)
        return;
    if (b->ch)
        channel_put(b->r, b->ch);
    for (size_t i = 0; i < b->n; i++)
        free(b->l[i].name);
    free(b->l);
    free(b->id);
    free(b);
    *bp = NULL;
}

size_t
dns_batch_add(struct dns_batch *b, const char *name, int type)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->l[i].type == type && strcmp(b->l[i].name, name) == 0)
            return i;
    if (b->n == DNS_BATCH_MAX)
        return SIZE_MAX;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->l = xreallocarray(b->l, b->cap, sizeof(*b->l));
    }
    struct lookup *l = &b->l[b->n];
    memset(l, 0, sizeof(*l));
    l->b = b;
    l->name = xstrdup(name);
    l->type = type;
    return b->n++;
}

static void
set_error(struct lookup *l, const char *why)
{
    memset(&l->ans, 0, sizeof(l->ans));
    l->ans.kind = DNS_R_ERROR;
    l->ans.why = why;
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct lookup *l = arg;
    (void)timeouts;
    if (l->done)
        return;
    l->done = true;
    l->b->pending--;
    if (status == ARES_ETIMEOUT || status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) {
        l->b->unanswered++;
    } else if (status != ARES_ECONNREFUSED) {
        l->b->replies++; /* a server spoke */
        atomic_store(&l->b->r->silent_until_ms, 0);
    }
    if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
        set_error(l, "no answer within the time budget (dns_timeout)");
    else if (abuf && alen > 0)
        (void)dns_answer_parse(abuf, (size_t)alen, l->type, &l->ans);
    else
        set_error(l, ares_strerror(status));
    if (l->ans.kind == DNS_R_ERROR && status == ARES_ETIMEOUT)
        l->ans.why = "the servers did not answer (timed out)";
    char key[DNS_NAME_MAX + 3];
    make_key(key, sizeof(key), l->name, l->type);
    cache_put(l->b->r, key, &l->ans);
}

/* Send what the cache does not answer; with no time left, fail it. */
static void
send_queued(struct dns_batch *b, bool time_left)
{
    for (size_t i = 0; i < b->n; i++) {
        struct lookup *l = &b->l[i];
        if (l->done || l->sent)
            continue;
        char key[DNS_NAME_MAX + 3];
        make_key(key, sizeof(key), l->name, l->type);
        if (cache_get(b->r, key, &l->ans)) {
            l->done = true;
            continue;
        }
        if (!time_left || b->ch == NULL) {
            set_error(l, time_left
                             ? "c-ares cannot start a channel"
                             : "the message's DNS time budget (dns_timeout) is spent");
            l->done = true;
            continue;
        }
        l->sent = true;
        b->pending++;
        ares_query(b->ch, l->name, 1 /* C_IN */, l->type, on_answer, l);
    }
}

static int
poll_ms(ares_channel ch, long long left)
{
    struct timeval max = {(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000}, tv;
    struct timeval *t = ares_timeout(ch, &max, &tv);
    return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

/* Wait for the answers until the deadline. */
static void
wait_answers(struct dns_batch *b)
{
    while (b->pending > 0) {
        long long left = b->deadline_ms - dns_now_ms();
        if (left <= 0)
            break;
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        /* c-ares' ARES_GETSOCK_* macros shift a signed 1 into the sign bit. */
        unsigned bits = (unsigned)ares_getsock(b->ch, socks, ARES_GETSOCK_MAXNUM);
        nfds_t n = 0;
        for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev = (short)(((bits >> i) & 1u ? POLLIN : 0) |
                               ((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT : 0));
            if (ev)
                pfd[n++] = (struct pollfd){.fd = socks[i], .events = ev};
        }
        int rc = poll(pfd, n, poll_ms(b->ch, left));
        if (rc < 0 && errno != EINTR)
            log_fatal("dns: poll: %s", strerror(errno));
        if (rc <= 0) {
            ares_process_fd(b->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (nfds_t i = 0; i < n; i++) {
            short re = pfd[i].revents;
            if (re == 0)
                continue;
            ares_process_fd(b->ch, re & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
                            re & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
        }
    }
}

void
dns_batch_share_deadline(struct dns_batch *b, long long *deadline_ms)
{
    b->shared_deadline = deadline_ms;
}

/* The end of this run's wait: the budget from the batch's (or the
 * message's) first run, shortened while the servers are silent. */
static long long
run_deadline(struct dns_batch *b)
{
    long long now = dns_now_ms();
    long long *d = b->shared_deadline ? b->shared_deadline : &b->budget_end_ms;
    if (*d == 0)
        *d = now + b->r->budget_ms;
    long long end = *d;
    if (now < atomic_load(&b->r->silent_until_ms) && end > now + DNS_SILENT_WAIT_MS)
        end = now + DNS_SILENT_WAIT_MS;
    return end;
}

void
dns_batch_run(struct dns_batch *b)
{
    bool need = false;
    for (size_t i = 0; i < b->n && !need; i++)
        need = !b->l[i].done;
    if (!need)
        return;
    b->deadline_ms = run_deadline(b);
    bool time_left = b->deadline_ms > dns_now_ms();
    if (b->ch == NULL && time_left)
        b->ch = channel_get(b->r);
    send_queued(b, time_left);
    if (b->pending)
        wait_answers(b);
    if (b->pending) {
        log_debug(b->id, "dns: %zu lookups unanswered at the end of the budget",
                  b->pending);
        ares_cancel(b->ch); /* each callback marks its lookup failed */
    }
    if (b->replies == 0 && b->unanswered > 0) /* not one reply: silent servers */
        atomic_store(&b->r->silent_until_ms, dns_now_ms() + DNS_ERROR_TTL * 1000);
}

const struct dns_answer *
dns_batch_answer(const struct dns_batch *b, size_t i)
{
    static const struct dns_answer too_many = {
        .kind = DNS_R_ERROR, .why = "too many lookups for one message"};
    static const struct dns_answer not_run = {.kind = DNS_R_ERROR, .why = "not looked up"};
    if (i >= b->n)
        return &too_many;
    return b->l[i].done ? &b->l[i].ans : &not_run;
}

const char *
dns_batch_name(const struct dns_batch *b, size_t i)
{
    return i < b->n ? b->l[i].name : "";
}
