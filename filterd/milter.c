/*
 * milter: filterd's libmilter front end (Postfix smtpd_milters and
 * non_smtpd_milters, Sendmail INPUT_MAIL_FILTER).
 *
 * Untrusted input: yes. Everything the MTA relays (client names, HELO,
 * envelope, headers, body) is stored as bytes and handed to the pipeline,
 * whose parsers are bounded; nothing here interprets it beyond counting
 * header names. Limits: a message is kept whole, as the MTA (which bounds
 * its size) passes it, so that its verdict is the one `filterd check` gives
 * for the same bytes: in memory up to spool_threshold, in an unlinked file
 * past it (the parser reads message_size_limit bytes of it); header names
 * are counted for at most MILTER_MAX_NAMES distinct names per message;
 * recipients are at most MILTER_MAX_RCPTS; SMTP reply texts are cut at
 * MILTER_MAX_REPLY bytes.
 *
 * Stages: the connection stage runs once HELO is known (at HELO, or at the
 * first MAIL without one), so that HELO checks take part. The envelope
 * stage runs at MAIL (the sender) and at each RCPT (that recipient alone,
 * on a verdict of its own: its refusal refuses that RCPT; its symbols join
 * the message's, each name once). A refusal of the client, its HELO or the
 * sender is not answered where it is decided but at each RCPT of the
 * message, with its code and text, as Postfix's smtpd_delay_reject does:
 * the MTA logs the sender and recipient with it, and the client sees it
 * where it expects a policy refusal. It is logged once per message (at
 * the first RCPT, or when the message ends without one).
 *
 * Header fields past the parser's limits are not in the parsed message,
 * but a forged X-Spam-Status there must still go: the fields are counted
 * by name as they arrive, and every field of a name the plan deletes is
 * deleted, highest occurrence first.
 *
 * Protocol: the MTA is asked to send only what filterd uses (no DATA, no
 * unknown commands, no end-of-header) and to expect no reply to connect,
 * HELO, headers and body chunks (SMFIP_NR_*), so a session costs a round
 * trip for the negotiation, then one for MAIL, one per RCPT (where early
 * refusals are answered) and one at the end of each message. On a TCP socket, Nagle's
 * algorithm is turned off (see nodelay_new_listeners) and every step is
 * sent and answered (MILTER_STEPS_TCP): without both, a message waited
 * ~40 ms for delayed ACKs (8 messages/s on one session, 101 with both). Header values come
 * with their leading space (SMFIP_HDR_LEADSPC) when the MTA offers it, so
 * the message scanned is the one the MTA holds.
 *
 * Failure policy: when a message cannot be scanned (no pipeline, the spool
 * file cannot be written, the message cannot be read back), the reply is a
 * tempfail (451 4.3.0), never a silent accept. Checks that cannot run
 * apply their own policy inside the pipeline.
 *
 * Signals: libmilter starts a thread that sigwait()s for SIGHUP, SIGTERM
 * and SIGINT and stops the milter on each of them (so a SIGHUP would stop
 * filterd instead of reloading it), racing with any other thread waiting
 * for those signals. filterd defines sigwait() below; the dynamic linker
 * binds libmilter's call to it. It waits for the same set without those
 * three, which lib/daemon's signal thread takes (with sigwaitinfo()):
 * SIGHUP reloads, SIGTERM and SIGINT call milter_stop().
 */
#include "milter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif

#include "filterd/actions.h"
#include "filterd/message.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/spool.h"

#define MILTER_MAX_NAMES 1000   /* distinct header names counted per message */
#define MILTER_MAX_REPLY 400    /* bytes of an SMTP reply text */
#define MILTER_MAX_RCPTS 100000 /* recipients of one message */
#define MILTER_MAX_FDS 1024     /* descriptors searched for libmilter's listener */

/* The actions filterd may ask of the MTA, and the protocol steps it asks
 * the MTA to leave out or not to wait for. */
#define MILTER_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
/* On TCP, every step is sent and answered: a step the MTA sends without
 * waiting for a reply, followed by another write of its own, waits for
 * filterd's delayed ACK (Nagle's algorithm on the MTA's side, ~40 ms);
 * a reply carries the ACK at once. */
#define MILTER_STEPS_TCP SMFIP_HDR_LEADSPC
#define MILTER_STEPS                                                                     \
    (SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NR_CONN | SMFIP_NR_HELO |      \
     SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC)

int sigwait(const sigset_t *restrict set, int *restrict sig);

int
sigwait(const sigset_t *restrict set, int *restrict sig)
{
    sigset_t s = *set;
    sigdelset(&s, SIGHUP);
    sigdelset(&s, SIGTERM);
    sigdelset(&s, SIGINT);
    for (;;) {
        int r = sigwaitinfo(&s, NULL);
        if (r > 0) {
            *sig = r;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}

static char *milter_spec; /* the listening socket, as configured */
static bool milter_tcp;   /* it is a TCP socket (inet:, inet6:) */

/* ---- pipelines in use ------------------------------------------------ */

/* One loaded configuration; freed when replaced and no longer used. */
struct generation {
    struct pipeline *pipeline;
    struct config *config;
    unsigned long number;
    unsigned long refs; /* connections using it, plus 1 while current */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct generation *current;
    unsigned long generations;
    unsigned long connections; /* open */
    unsigned long messages;    /* between MAIL and end of message */
    unsigned long sessions;    /* counter for session ids */
    atomic_bool stopped;       /* smfi_stop() has returned */
    atomic_bool draining;      /* stopping: no new message */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void
generation_release(struct generation *gen)
{
    if (gen == NULL)
        return;
    pthread_mutex_lock(&g.lock);
    bool last = --gen->refs == 0;
    pthread_mutex_unlock(&g.lock);
    if (!last)
        return;
    log_info(NULL, "configuration %lu: freed (no connection uses it)", gen->number);
    pipeline_free(&gen->pipeline);
    config_free(&gen->config);
    free(gen);
}

void
milter_set_pipeline(struct pipeline *p, struct config *c)
{
    struct generation *gen = xcalloc(1, sizeof(*gen));
    gen->pipeline = p;
    gen->config = c;
    gen->refs = 1;
    pthread_mutex_lock(&g.lock);
    gen->number = ++g.generations;
    struct generation *old = g.current;
    g.current = gen;
    pthread_mutex_unlock(&g.lock);
    generation_release(old);
}

/* ---- one connection --------------------------------------------------- */

struct name_count {
    const char *name;
    size_t n;
};

struct conn {
    struct generation *gen;
    unsigned long pflags; /* negotiated protocol flags */
    unsigned long aflags; /* negotiated actions */
    char id[32];          /* session id for log lines */
    char *client_addr, *client_name, *helo;
    struct arena *arena; /* the connection verdict */
    struct verdict cv;
    bool connect_done;
    /* The message in progress (between MAIL and its end). */
    bool in_message;
    struct arena *marena;
    char queue_id[64];
    char *sender;
    size_t size_hint; /* SIZE= of MAIL FROM, 0 if none */
    const char **rcpts;
    size_t nrcpts, caprcpts;
    struct verdict mv;
    struct spool *spool;
    bool headers_done;
    struct str spool_err; /* why the spool failed; empty if it did not */
    struct name_count *names;
    size_t nnames;
    struct timespec started;
    bool refusal_unlogged; /* a refusal given at RCPT, not logged yet */
};

static sfsistat
noreply(const struct conn *c, unsigned long flag)
{
    return (c->pflags & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The connection's data, made on first use (negotiation normally). */
static struct conn *
conn_get(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c)
        return c;
    c = xcalloc(1, sizeof(*c));
    c->arena = arena_new(4096);
    c->client_addr = xstrdup("");
    c->client_name = xstrdup("");
    c->helo = xstrdup("");
    str_init(&c->spool_err, 1024);
    pthread_mutex_lock(&g.lock);
    c->gen = g.current;
    if (c->gen)
        c->gen->refs++;
    g.connections++;
    snprintf(c->id, sizeof(c->id), "milter%lu", ++g.sessions);
    pthread_mutex_unlock(&g.lock);
    smfi_setpriv(ctx, c);
    return c;
}

static const char *
conn_tag(const struct conn *c)
{
    return c->queue_id[0] ? c->queue_id : c->id;
}

static struct scan_env
conn_env(const struct conn *c)
{
    return (struct scan_env){
        .queue_id = c->queue_id,
        .client_addr = c->client_addr,
        .client_name = c->client_name,
        .helo = c->helo,
        .sender = c->sender ? c->sender : "",
        .rcpts = c->rcpts,
        .nrcpts = c->nrcpts,
        .size_hint = c->size_hint,
    };
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Copy an address without its angle brackets into the arena. */
static char *
strip_brackets(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        return arena_memdup0(a, s + 1, n - 2);
    return arena_strdup(a, s);
}

static void
take_queue_id(SMFICTX *ctx, struct conn *c)
{
    const char *q = smfi_getsymval(ctx, "i");
    if (q && *q && !c->queue_id[0])
        snprintf(c->queue_id, sizeof(c->queue_id), "%s", q);
}

/* The SIZE= parameter among MAIL's ESMTP arguments (RFC 1870), or 0. */
static size_t
size_param(char **argv)
{
    for (size_t i = 1; argv && argv[0] && argv[i]; i++)
        if (strncasecmp(argv[i], "SIZE=", 5) == 0) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(argv[i] + 5, &end, 10);
            if (errno == 0 && *end == '\0' && end != argv[i] + 5)
                return n < SIZE_MAX / 2 ? (size_t)n : SIZE_MAX / 2;
        }
    return 0;
}

/* Start a message at MAIL: its arena, spool and verdict (with the
 * connection's symbols). argv: the sender, then the ESMTP arguments. */
static void
message_begin(SMFICTX *ctx, struct conn *c, char **argv)
{
    const char *sender = argv && argv[0] ? argv[0] : "";
    const struct mail_limits *lim = pipeline_limits(c->gen->pipeline);
    c->in_message = true;
    c->marena = arena_new(0);
    c->queue_id[0] = '\0';
    take_queue_id(ctx, c);
    c->sender = strip_brackets(c->marena, sender);
    c->size_hint = size_param(argv);
    c->nrcpts = c->caprcpts = 0;
    c->rcpts = NULL;
    c->headers_done = false;
    c->names = NULL;
    c->nnames = 0;
    str_clear(&c->spool_err);
    c->refusal_unlogged = false;
    if (c->spool == NULL)
        c->spool = spool_new(lim->spool_threshold, 0, NULL);
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    verdict_init(&c->mv, c->marena);
    for (size_t i = 0; i < c->cv.n; i++)
        verdict_add(&c->mv, c->cv.symbols[i].name, c->cv.symbols[i].score,
                    c->cv.symbols[i].description);
    if (c->cv.final) {
        c->mv.final = true;
        c->mv.action = c->cv.action;
        c->mv.reply_code = c->cv.reply_code;
        c->mv.reply_xcode = c->cv.reply_xcode;
        c->mv.reply_text = c->cv.reply_text;
    }
    pthread_mutex_lock(&g.lock);
    g.messages++;
    pthread_mutex_unlock(&g.lock);
}

/* An empty message: what the action plan and the log line of a verdict
 * decided before DATA read. The caller frees it. */
static struct message *
empty_message(const struct conn *c)
{
    return message_from_memory("", 0, pipeline_limits(c->gen->pipeline));
}

/* Log a refusal of the message decided before its RCPTs (the message's
 * one log line) when no RCPT came to give it at. */
static void
log_refusal(struct conn *c)
{
    struct scan_env env = conn_env(c);
    struct message *empty = empty_message(c);
    pipeline_log(c->gen->pipeline, &env, empty, &c->mv, seconds_since(&c->started));
    message_free(&empty);
    c->refusal_unlogged = false;
}

/* End the message in progress (scanned, refused or aborted). */
static void
message_end(struct conn *c)
{
    if (!c->in_message)
        return;
    if (c->refusal_unlogged)
        log_refusal(c);
    c->in_message = false;
    spool_free(&c->spool); /* the next one may have other limits */
    arena_free(&c->marena);
    c->sender = NULL;
    c->rcpts = NULL;
    c->nrcpts = 0;
    c->queue_id[0] = '\0';
    pthread_mutex_lock(&g.lock);
    g.messages--;
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
}

/*
 * When the last connection closes, give the memory that the sessions freed
 * back to the system (glibc keeps it otherwise, as much as the busiest
 * moment needed), at most once a second: filterd at rest holds what it
 * uses, not what its peak did.
 */
static void
trim_memory(void)
{
#ifdef __GLIBC__
    static atomic_llong last;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long prev = atomic_load(&last);
    if (t.tv_sec > prev && atomic_compare_exchange_strong(&last, &prev, t.tv_sec))
        (void)malloc_trim(0);
#endif
}

static void
conn_free(SMFICTX *ctx, struct conn *c)
{
    message_end(c);
    spool_free(&c->spool);
    str_deinit(&c->spool_err);
    arena_free(&c->arena);
    free(c->client_addr);
    free(c->client_name);
    free(c->helo);
    generation_release(c->gen);
    free(c);
    smfi_setpriv(ctx, NULL);
    pthread_mutex_lock(&g.lock);
    bool idle = --g.connections == 0;
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
    if (idle)
        trim_memory();
}

/* ---- replies ----------------------------------------------------------- */

/* Set the SMTP reply: control characters become spaces and '%' is doubled
 * (Sendmail reads the text as a format). Falls back to the defaults when
 * the MTA or libmilter refuses the given code. */
static void
set_reply(SMFICTX *ctx, const struct conn *c, const char *code, const char *xcode,
          const char *text, const char *def_code, const char *def_xcode)
{
    char buf[MILTER_MAX_REPLY * 2 + 1];
    size_t n = 0;
    for (const char *p = text ? text : ""; *p && n < MILTER_MAX_REPLY; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '%')
            buf[n++] = '%';
        buf[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    buf[n] = '\0';
    if (code == NULL || code[0] != def_code[0])
        code = def_code;
    if (xcode == NULL || xcode[0] != def_code[0])
        xcode = def_xcode;
    if (smfi_setreply(ctx, (char *)code, (char *)xcode, n ? buf : NULL) == MI_SUCCESS)
        return;
    log_warn(conn_tag(c), "reply \"%s %s %s\" refused by libmilter; using %s %s", code,
             xcode, buf, def_code, def_xcode);
    (void)smfi_setreply(ctx, (char *)def_code, (char *)def_xcode, NULL);
}

/* Tempfail for a message that cannot be scanned. */
static sfsistat
tempfail(SMFICTX *ctx, const struct conn *c, const char *why)
{
    log_error(conn_tag(c), "cannot scan the message: %s: tempfail", why);
    set_reply(ctx, c, "451", "4.3.0", "Temporary failure in the content filter", "451",
              "4.3.0");
    return SMFIS_TEMPFAIL;
}

/* Reject, tempfail or discard as the plan says (SMFIS_CONTINUE for the
 * other actions). */
static sfsistat
refusal(SMFICTX *ctx, const struct conn *c, const struct action_plan *plan)
{
    switch (plan->action) {
    case VERDICT_REJECT:
        set_reply(ctx, c, plan->reply_code, plan->reply_xcode, plan->reply_text, "550",
                  "5.7.1");
        return SMFIS_REJECT;
    case VERDICT_TEMPFAIL:
        set_reply(ctx, c, plan->reply_code, plan->reply_xcode, plan->reply_text, "451",
                  "4.7.1");
        return SMFIS_TEMPFAIL;
    case VERDICT_DISCARD:
        return SMFIS_DISCARD;
    default:
        return SMFIS_CONTINUE;
    }
}

/* Answer an early decision (reject, tempfail or discard at RCPT) and log
 * it when log is set; env says what the session knows, with the refused
 * recipient. what names the stage for the debug log. */
static sfsistat
early_reply(SMFICTX *ctx, struct conn *c, const struct scan_env *env, struct verdict *v,
            const char *what, bool log)
{
    struct action_plan plan;
    struct message *empty = empty_message(c);
    actions_plan(c->gen->pipeline, empty, v, &plan);
    sfsistat r = refusal(ctx, c, &plan);
    log_debug(conn_tag(c), "%s: %s", what, verdict_action_name(v->action));
    if (log)
        pipeline_log(c->gen->pipeline, env, empty, v, seconds_since(&c->started));
    message_free(&empty);
    return r;
}

static bool
refuses(const struct verdict *v)
{
    return v->final && (v->action == VERDICT_REJECT || v->action == VERDICT_TEMPFAIL ||
                        v->action == VERDICT_DISCARD);
}

/* ---- the connection and envelope stages ------------------------------- */

static void
replace(char **dst, const char *src)
{
    free(*dst);
    *dst = xstrdup(src ? src : "");
}

static void
run_connect_stage(struct conn *c)
{
    struct scan_env env = conn_env(c);
    verdict_init(&c->cv, c->arena);
    pipeline_connect(c->gen->pipeline, &env, &c->cv);
    c->connect_done = true;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
             unsigned long *pf3)
{
    struct conn *c = conn_get(ctx);
    c->aflags = f0 & MILTER_ACTIONS;
    c->pflags = f1 & (milter_tcp ? MILTER_STEPS_TCP : MILTER_STEPS);
    *pf0 = c->aflags;
    *pf1 = c->pflags;
    *pf2 = 0;
    *pf3 = 0;
    if (c->aflags != MILTER_ACTIONS)
        log_warn(c->id, "the MTA offers actions 0x%lx; filterd wants 0x%lx", f0,
                 (unsigned long)MILTER_ACTIONS);
    return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
    struct conn *c = conn_get(ctx);
    char addr[INET6_ADDRSTRLEN] = "";
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, addr,
                  sizeof(addr));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, addr,
                  sizeof(addr));
    replace(&c->client_addr, addr);
    /* An unknown name comes as "[address]". */
    replace(&c->client_name, hostname && hostname[0] != '[' ? hostname : "");
    return noreply(c, SMFIP_NR_CONN);
}

/* While stopping: no new session or message. */
static sfsistat
refuse_draining(SMFICTX *ctx, const struct conn *c)
{
    set_reply(ctx, c, "451", "4.3.2", "Content filter restarting, try again later", "451",
              "4.3.2");
    return SMFIS_TEMPFAIL;
}

/* HELO: runs the connection stage, whose refusal is given at each RCPT.
 * When the MTA expects no reply to HELO (SMFIP_NR_HELO), the drain's
 * tempfail is answered at MAIL. */
static sfsistat
cb_helo(SMFICTX *ctx, char *name)
{
    struct conn *c = conn_get(ctx);
    bool noreply = (c->pflags & SMFIP_NR_HELO) != 0;
    if (atomic_load(&g.draining))
        return noreply ? SMFIS_NOREPLY : refuse_draining(ctx, c);
    if (c->connect_done || c->gen == NULL)
        return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE; /* a second HELO: nothing new */
    replace(&c->helo, name);
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    run_connect_stage(c);
    return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_get(ctx);
    message_end(c); /* a MAIL without the end of the previous message */
    if (atomic_load(&g.draining))
        return refuse_draining(ctx, c);
    if (c->gen == NULL)
        return tempfail(ctx, c, "no configuration loaded");
    if (!c->connect_done)
        run_connect_stage(c);
    message_begin(ctx, c, argv);
    struct scan_env env = conn_env(c);
    bool by_connection = refuses(&c->mv);
    if (!by_connection)
        pipeline_envelope(c->gen->pipeline, &env, &c->mv);
    if (refuses(&c->mv)) { /* given at each RCPT */
        c->refusal_unlogged = true;
        log_debug(conn_tag(c), "%s refused: the refusal is given at RCPT",
                  by_connection ? "connection" : "sender");
    }
    return SMFIS_CONTINUE;
}

/* Add src's symbols that dst does not have yet (by name). */
static void
merge_symbols(struct verdict *dst, const struct verdict *src)
{
    for (size_t i = 0; i < src->n; i++) {
        bool have = false;
        for (size_t j = 0; j < dst->n && !have; j++)
            have = strcmp(dst->symbols[j].name, src->symbols[i].name) == 0;
        if (!have)
            verdict_add(dst, src->symbols[i].name, src->symbols[i].score,
                        src->symbols[i].description);
    }
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_get(ctx);
    if (!c->in_message)
        return SMFIS_CONTINUE;
    if (c->nrcpts >= MILTER_MAX_RCPTS) {
        set_reply(ctx, c, "452", "4.5.3", "Too many recipients", "452", "4.5.3");
        return SMFIS_TEMPFAIL;
    }
    const char *rcpt = strip_brackets(c->marena, argv && argv[0] ? argv[0] : "");
    struct scan_env env = conn_env(c);
    env.rcpts = &rcpt;
    env.nrcpts = 1;
    if (refuses(&c->mv)) { /* the client, its HELO or the sender */
        bool log = c->refusal_unlogged;
        c->refusal_unlogged = false;
        return early_reply(ctx, c, &env, &c->mv, "refused at RCPT", log);
    }
    /* The recipient alone, on a verdict of its own: its refusal refuses
     * this RCPT only. */
    struct verdict rv;
    verdict_init(&rv, c->marena);
    pipeline_envelope(c->gen->pipeline, &env, &rv);
    if (refuses(&rv))
        return early_reply(ctx, c, &env, &rv, "recipient refused at RCPT", true);
    if (c->nrcpts == c->caprcpts) {
        size_t cap = c->caprcpts ? c->caprcpts * 2 : 8;
        const char **r = arena_calloc(c->marena, cap, sizeof(*r));
        if (c->nrcpts)
            memcpy(r, c->rcpts, c->nrcpts * sizeof(*r));
        c->rcpts = r;
        c->caprcpts = cap;
    }
    c->rcpts[c->nrcpts++] = rcpt;
    merge_symbols(&c->mv, &rv);
    if (rv.final && !c->mv.final) {
        c->mv.final = true;
        c->mv.action = rv.action;
        c->mv.reply_code = rv.reply_code;
        c->mv.reply_xcode = rv.reply_xcode;
        c->mv.reply_text = rv.reply_text;
    }
    return SMFIS_CONTINUE;
}

/* ---- the message ------------------------------------------------------- */

static void
spool_put(struct conn *c, const void *p, size_t n)
{
    if (c->spool_err.len == 0 && spool_append(c->spool, p, n, &c->spool_err) < 0 &&
        c->spool_err.len == 0)
        str_append_cstr(&c->spool_err, "spool failure");
}

/* Count one more field named name (for deletes past the parser's limits). */
static void
count_name(struct conn *c, const char *name)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strcasecmp(c->names[i].name, name) == 0) {
            c->names[i].n++;
            return;
        }
    if (c->nnames >= MILTER_MAX_NAMES)
        return;
    if ((c->nnames & (c->nnames - 1)) == 0) { /* full at 0, 1, 2, 4...: grow */
        size_t cap = c->nnames ? c->nnames * 2 : 1;
        struct name_count *a = arena_calloc(c->marena, cap, sizeof(*a));
        if (c->nnames)
            memcpy(a, c->names, c->nnames * sizeof(*a));
        c->names = a;
    }
    c->names[c->nnames].name = arena_strdup(c->marena, name);
    c->names[c->nnames++].n = 1;
}

static size_t
counted(const struct conn *c, const char *name)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strcasecmp(c->names[i].name, name) == 0)
            return c->names[i].n;
    return 0;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = conn_get(ctx);
    if (!c->in_message)
        return noreply(c, SMFIP_NR_HDR);
    count_name(c, name);
    spool_put(c, name, strlen(name));
    spool_put(c, ":", 1);
    if (!(c->pflags & SMFIP_HDR_LEADSPC))
        spool_put(c, " ", 1);
    /* Folded values come with bare LF between their lines. */
    const char *p = value, *nl;
    while ((nl = strchr(p, '\n')) != NULL) {
        size_t n = (size_t)(nl - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        spool_put(c, p, n);
        spool_put(c, "\r\n", 2);
        p = nl + 1;
    }
    spool_put(c, p, strlen(p));
    spool_put(c, "\r\n", 2);
    return noreply(c, SMFIP_NR_HDR);
}

static void
end_headers(struct conn *c)
{
    if (!c->headers_done)
        spool_put(c, "\r\n", 2);
    c->headers_done = true;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct conn *c = conn_get(ctx);
    if (c->in_message) {
        end_headers(c);
        spool_put(c, chunk, len);
    }
    return noreply(c, SMFIP_NR_BODY);
}

/* The message as the pipeline reads it: from memory, or from the spool
 * file reopened through /proc (it has no name). NULL with err on failure. */
static struct message *
load_message(struct conn *c, struct str *err)
{
    const struct mail_limits *lim = pipeline_limits(c->gen->pipeline);
    const char *data = spool_data(c->spool);
    if (data)
        return message_from_memory(data, spool_size(c->spool), lim);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", spool_fd(c->spool));
    return message_load(path, lim, err);
}

/* The value as the MTA takes it: with its leading space when the MTA
 * expects one (SMFIP_HDR_LEADSPC), folded as every front end folds it
 * (actions_fold; the MTA turns each LF into its own line end). In the
 * arena. */
static char *
header_value(struct arena *a, bool leadspc, const char *name, const char *value)
{
    struct str out;
    str_init(&out, 0);
    if (leadspc)
        str_appendc(&out, ' ');
    (void)actions_fold(strlen(name), value, "\n", &out); /* no maximum: cannot fail */
    char *r = arena_memdup0(a, out.buf ? out.buf : "", out.len);
    str_deinit(&out);
    return r;
}

/* Whether the plan deletes occurrence k of name. */
static bool
planned_delete(const struct action_plan *plan, const char *name, size_t k)
{
    for (size_t i = 0; i < plan->nedits; i++)
        if (plan->edits[i].op == HEADER_EDIT_DELETE && plan->edits[i].occurrence == k &&
            strcasecmp(plan->edits[i].name, name) == 0)
            return true;
    return false;
}

/* Delete the planned fields of the name of edit i (the first delete of its
 * name), and those past the parser's limits, highest occurrence first so
 * that the numbers hold whether or not the MTA renumbers after a delete. */
static int
delete_fields(SMFICTX *ctx, struct conn *c, const struct message *m,
              const struct action_plan *plan, size_t i)
{
    const char *name = plan->edits[i].name;
    for (size_t j = 0; j < i; j++)
        if (plan->edits[j].op == HEADER_EDIT_DELETE &&
            strcasecmp(plan->edits[j].name, name) == 0)
            return 0; /* done with an earlier edit */
    size_t parsed = header_count(&m->mime->root->headers, name);
    size_t seen = counted(c, name), top = seen;
    for (size_t j = i; j < plan->nedits; j++)
        if (plan->edits[j].op == HEADER_EDIT_DELETE &&
            strcasecmp(plan->edits[j].name, name) == 0 && plan->edits[j].occurrence > top)
            top = plan->edits[j].occurrence;
    for (size_t k = top; k >= 1; k--) {
        if (!(k > parsed && k <= seen) && !planned_delete(plan, name, k))
            continue;
        if (k > (size_t)0x7fffffff ||
            smfi_chgheader(ctx, (char *)name, (int)k, NULL) != MI_SUCCESS)
            return -1;
    }
    return 0;
}

/*
 * Delete the fields of our names that the parser never saw (all past its
 * limits), highest occurrence first. Which names are ours is asked of
 * actions_plan(), on a small message holding one field of each name the
 * parser missed. Returns 0, or -1 when libmilter refuses a delete.
 */
static int
delete_unparsed(SMFICTX *ctx, struct conn *c, const struct message *m)
{
    struct str probe;
    str_init(&probe, 0);
    for (size_t i = 0; i < c->nnames; i++)
        if (header_count(&m->mime->root->headers, c->names[i].name) == 0)
            str_appendf(&probe, "%s: x\r\n", c->names[i].name);
    if (probe.len == 0) {
        str_deinit(&probe);
        return 0;
    }
    str_append_cstr(&probe, "\r\n");
    struct mail_limits lim = *pipeline_limits(c->gen->pipeline);
    lim.header_count_max = MILTER_MAX_NAMES + 1;
    lim.header_block_max = lim.line_max = lim.message_max = probe.len + 1;
    struct message *pm = message_from_memory(probe.buf, probe.len, &lim);
    struct action_plan pp;
    actions_plan(c->gen->pipeline, pm, &c->mv, &pp);
    int r = 0;
    for (size_t i = 0; i < pp.nedits && r == 0; i++) {
        const struct header_edit *e = &pp.edits[i];
        if (e->op != HEADER_EDIT_DELETE || e->occurrence != 1)
            continue;
        for (size_t k = counted(c, e->name); k >= 1 && r == 0; k--)
            if (k > 0x7fffffff ||
                smfi_chgheader(ctx, (char *)e->name, (int)k, NULL) != MI_SUCCESS)
                r = -1;
    }
    message_free(&pm);
    str_deinit(&probe);
    return r;
}

/* Apply the plan's header edits: deletes, then changes and additions in
 * the plan's order. Returns 0, or -1 when libmilter refuses one. */
static int
apply_edits(SMFICTX *ctx, struct conn *c, const struct message *m,
            const struct action_plan *plan)
{
    bool lead = (c->pflags & SMFIP_HDR_LEADSPC) != 0;
    if (delete_unparsed(ctx, c, m) < 0)
        return -1;
    for (size_t i = 0; i < plan->nedits; i++)
        if (plan->edits[i].op == HEADER_EDIT_DELETE &&
            delete_fields(ctx, c, m, plan, i) < 0)
            return -1;
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct header_edit *e = &plan->edits[i];
        if (e->op == HEADER_EDIT_DELETE)
            continue;
        char *v = header_value(c->marena, lead, e->name, e->value ? e->value : "");
        int r;
        if (e->op == HEADER_EDIT_ADD)
            r = smfi_addheader(ctx, (char *)e->name, v);
        else if (e->occurrence == 0 || e->occurrence > 0x7fffffff)
            r = MI_FAILURE;
        else
            r = smfi_chgheader(ctx, (char *)e->name, (int)e->occurrence, v);
        if (r != MI_SUCCESS)
            return -1;
    }
    return 0;
}

/* Map the plan to the milter's means. */
static sfsistat
apply_plan(SMFICTX *ctx, struct conn *c, const struct message *m,
           const struct action_plan *plan)
{
    sfsistat r = refusal(ctx, c, plan);
    if (r != SMFIS_CONTINUE)
        return r;
    if (apply_edits(ctx, c, m, plan) < 0)
        return tempfail(ctx, c, "the MTA refused a header edit");
    if (plan->action == VERDICT_QUARANTINE) {
        const char *why = plan->quarantine_reason && *plan->quarantine_reason
                              ? plan->quarantine_reason
                              : "quarantined by filterd";
        if (!(c->aflags & SMFIF_QUARANTINE) ||
            smfi_quarantine(ctx, (char *)why) != MI_SUCCESS)
            return tempfail(ctx, c, "the MTA cannot quarantine");
    }
    return SMFIS_CONTINUE;
}

/* Scan the assembled message and answer. */
static sfsistat
scan_message(SMFICTX *ctx, struct conn *c)
{
    struct str err;
    str_init(&err, 1024);
    struct message *m = load_message(c, &err);
    if (m == NULL) {
        sfsistat r = tempfail(ctx, c, str_cstr(&err));
        str_deinit(&err);
        return r;
    }
    str_deinit(&err);
    struct scan_env env = conn_env(c);
    struct action_plan plan;
    memset(&plan, 0, sizeof(plan));
    c->refusal_unlogged = false; /* this is the message's log line */
    pipeline_content(c->gen->pipeline, &env, m, &c->mv);
    actions_plan(c->gen->pipeline, m, &c->mv, &plan);
    sfsistat r = apply_plan(ctx, c, m, &plan);
    pipeline_log(c->gen->pipeline, &env, m, &c->mv, seconds_since(&c->started));
    message_free(&m);
    return r;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
    struct conn *c = conn_get(ctx);
    if (!c->in_message)
        return tempfail(ctx, c, "end of a message that never began");
    end_headers(c);
    take_queue_id(ctx, c);
    sfsistat r;
    if (c->spool_err.len)
        r = tempfail(ctx, c, str_cstr(&c->spool_err));
    else
        r = scan_message(ctx, c);
    message_end(c);
    return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c && c->in_message) {
        log_debug(conn_tag(c), "message aborted by the MTA");
        message_end(c);
    }
    return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c)
        conn_free(ctx, c);
    return SMFIS_CONTINUE;
}

/* ---- the daemon's side ------------------------------------------------- */

static struct smfiDesc milter_desc = {
    .xxfi_name = "filterd",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = MILTER_ACTIONS,
    .xxfi_connect = cb_connect,
    .xxfi_helo = cb_helo,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = NULL,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_unknown = NULL,
    .xxfi_data = NULL,
    .xxfi_negotiate = cb_negotiate,
};

/* The path of a unix socket spec, or NULL for inet ones. */
static const char *
unix_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (strncmp(spec, "local:", 6) == 0)
        return spec + 6;
    return strchr(spec, ':') ? NULL : spec;
}

/* Connect to the socket (unix path, or inet "PORT@ADDR" with a numeric
 * IPv4 address). Returns the descriptor, or -1. */
static int
connect_to(const char *spec)
{
    const char *path = unix_path(spec);
    if (path) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sun.sun_path))
            return -1;
        memcpy(sun.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *at = strchr(spec, '@');
    struct sockaddr_in sin = {.sin_family = AF_INET};
    if (strncmp(spec, "inet:", 5) != 0 || at == NULL)
        return -1;
    sin.sin_port = htons((unsigned short)atoi(spec + 5));
    if (inet_pton(AF_INET, at + 1, &sin.sin_addr) != 1)
        return -1;
    if (sin.sin_addr.s_addr == htonl(INADDR_ANY))
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Whether fd is a listening TCP socket. */
static bool
tcp_listener(int fd)
{
    int v = 0;
    socklen_t n = sizeof(v);
    struct sockaddr_storage ss;
    socklen_t sn = sizeof(ss);
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &n) == 0 && v == 1 &&
           getsockname(fd, (struct sockaddr *)&ss, &sn) == 0 &&
           (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/*
 * Turn Nagle's algorithm off on libmilter's TCP listener, which does not
 * give its descriptor away: it is the one listening TCP socket that
 * smfi_opensocket() added (those in before[] were there already). Linux
 * gives the option to every connection accepted from it, so libmilter's
 * small writes (a reply; at end of message each header change, then the
 * verdict) leave at once instead of waiting for the MTA's delayed ACK
 * (~40 ms per message). Returns how many listeners were changed.
 */
static int
nodelay_new_listeners(const bool *before, int nfds)
{
    int changed = 0, one = 1;
    for (int fd = 0; fd < nfds; fd++)
        if (!before[fd] && tcp_listener(fd) &&
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
            changed++;
    return changed;
}

int
milter_open(const char *spec, struct str *err)
{
    if (smfi_register(milter_desc) == MI_FAILURE) {
        str_append_cstr(err, "libmilter refused to register the filter");
        return -1;
    }
    if (smfi_setconn((char *)spec) == MI_FAILURE) {
        str_appendf(err, "bad milter_socket \"%s\"", spec);
        return -1;
    }
    const char *path = unix_path(spec);
    int fd = path ? connect_to(spec) : -1;
    if (fd >= 0) {
        close(fd);
        str_appendf(err, "%s: in use: another filter answers on it", path);
        return -1;
    }
    bool before[MILTER_MAX_FDS];
    for (int i = 0; i < MILTER_MAX_FDS; i++)
        before[i] = path == NULL && tcp_listener(i);
    errno = 0;
    if (smfi_opensocket(true) == MI_FAILURE) {
        str_appendf(err, "cannot listen on %s%s%s", spec, errno ? ": " : "",
                    errno ? strerror(errno) : "");
        return -1;
    }
    if (path == NULL && nodelay_new_listeners(before, MILTER_MAX_FDS) != 1)
        log_warn(NULL, "%s: cannot turn Nagle's algorithm off: replies may wait ~40 ms",
                 spec);
    free(milter_spec);
    milter_spec = xstrdup(spec);
    milter_tcp = path == NULL;
    return 0;
}

int
milter_socket_owner(const char *spec, uid_t uid, gid_t gid, mode_t mode, struct str *err)
{
    const char *path = unix_path(spec);
    if (path == NULL)
        return 0;
    if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0) {
        str_appendf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
milter_run(void)
{
    return smfi_main() == MI_SUCCESS ? 0 : -1;
}

/* Wait on g.changed (locked) until done() or the deadline (seconds from
 * now). Returns whether done() holds. */
static bool
wait_until(bool (*done)(void), int seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    while (!done())
        if (pthread_cond_timedwait(&g.changed, &g.lock, &deadline) == ETIMEDOUT)
            return done();
    return true;
}

static bool
no_message(void)
{
    return g.messages == 0;
}

static bool
no_connection(void)
{
    return g.connections == 0;
}

static void *
stop_thread(void *arg)
{
    (void)smfi_stop();
    atomic_store(&g.stopped, true);
    return arg;
}

/* Close libmilter's listener. Its thread holds the lock smfi_stop() needs
 * while it waits up to 5 s for a connection: a connection wakes it. */
static void
stop_listener(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, stop_thread, NULL) != 0) {
        (void)stop_thread(NULL);
        return;
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 500 && !atomic_load(&g.stopped); i++) {
        int fd = milter_spec ? connect_to(milter_spec) : -1;
        if (fd >= 0)
            close(fd);
        nanosleep(&pause, NULL);
    }
    pthread_join(t, NULL);
}

/*
 * Drain, then stop. libmilter's smfi_stop() also ends the sessions in
 * progress when it runs them on its pool of workers (Debian's does), so
 * the messages in flight are finished first: meanwhile a new connection
 * or message gets a tempfail (451 4.3.2), as it would from a milter that
 * is down. libmilter sends a reply after the callback returns, so the
 * connections get a moment to send their last one and close.
 */
void
milter_stop(void)
{
    pthread_mutex_lock(&g.lock);
    atomic_store(&g.draining, true);
    log_info(
        NULL,
        "stopping: new messages get a tempfail; waiting for %lu message(s) in flight",
        g.messages);
    bool drained = wait_until(no_message, MILTER_DRAIN_SECONDS);
    unsigned long left = g.messages;
    (void)wait_until(no_connection, MILTER_GRACE_SECONDS);
    pthread_mutex_unlock(&g.lock);
    if (!drained)
        log_warn(NULL,
                 "%lu message(s) still in flight after %d s: the MTA will retry them",
                 left, MILTER_DRAIN_SECONDS);
    stop_listener();
}

void
milter_shutdown(void)
{
    pthread_mutex_lock(&g.lock);
    struct generation *gen = g.current;
    g.current = NULL;
    pthread_mutex_unlock(&g.lock);
    generation_release(gen);
    free(milter_spec);
    milter_spec = NULL;
}
