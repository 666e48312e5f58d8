/*
 * milter_session: one milter connection of filterd (milter_int.h): its
 * state, libmilter's callbacks, the connection and envelope stages, and
 * the message assembled for the content stage.
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
 * Protocol: the MTA is asked to send only what filterd uses (no DATA, no
 * unknown commands, no end-of-header) and to expect no reply to connect,
 * HELO, headers and body chunks (SMFIP_NR_*), so a session costs a round
 * trip for the negotiation, then one for MAIL, one per RCPT (where early
 * refusals are answered) and one at the end of each message. On a TCP
 * socket, Nagle's algorithm is turned off (milter.c) and every step is
 * sent and answered (MILTER_STEPS_TCP): without both, a message waited
 * ~40 ms for delayed ACKs (8 messages/s on one session, 101 with both).
 * Header values come with their leading space (SMFIP_HDR_LEADSPC) when the
 * MTA offers it, so the message scanned is the one the MTA holds. When no
 * connection check is active for the loaded configuration
 * (pipeline_uses_connect), the connect event is left out altogether
 * (SMFIP_NOCONNECT, on TCP too) and the client's address and name are
 * asked for as macros of HELO and MAIL (smfi_setsymlist), only when the
 * MTA offers both; the session then costs one packet pair less.
 *
 * Failure policy: when a message cannot be scanned (no pipeline, the spool
 * file cannot be written, the message cannot be read back), the reply is a
 * tempfail (451 4.3.0), never a silent accept. Checks that cannot run
 * apply their own policy inside the pipeline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif

#include "filterd/milter_int.h"
#include "lib/log.h"
#include "lib/mem.h"

/* ---- one connection --------------------------------------------------- */

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
    pthread_mutex_lock(&milter_g.lock);
    c->gen = milter_g.current;
    if (c->gen)
        c->gen->refs++;
    milter_g.connections++;
    snprintf(c->id, sizeof(c->id), "milter%lu", ++milter_g.sessions);
    pthread_mutex_unlock(&milter_g.lock);
    smfi_setpriv(ctx, c);
    return c;
}

const char *
milter_conn_tag(const struct conn *c)
{
    return c->queue_id[0] ? c->queue_id : c->id;
}

struct scan_env
milter_conn_env(const struct conn *c)
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

double
milter_seconds_since(const struct timespec *t0)
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
    pthread_mutex_lock(&milter_g.lock);
    milter_g.messages++;
    pthread_mutex_unlock(&milter_g.lock);
}

/* An empty message: what the action plan and the log line of a verdict
 * decided before DATA read. The caller frees it. */
struct message *
milter_empty_message(const struct conn *c)
{
    return message_from_memory("", 0, pipeline_limits(c->gen->pipeline));
}

/* Log a refusal of the message decided before its RCPTs (the message's
 * one log line) when no RCPT came to give it at. */
static void
log_refusal(struct conn *c)
{
    struct scan_env env = milter_conn_env(c);
    struct message *empty = milter_empty_message(c);
    pipeline_log(c->gen->pipeline, &env, empty, &c->mv,
                 milter_seconds_since(&c->started));
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
    pthread_mutex_lock(&milter_g.lock);
    milter_g.messages--;
    pthread_cond_broadcast(&milter_g.changed);
    pthread_mutex_unlock(&milter_g.lock);
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
    milter_generation_release(c->gen);
    free(c);
    smfi_setpriv(ctx, NULL);
    pthread_mutex_lock(&milter_g.lock);
    bool idle = --milter_g.connections == 0;
    pthread_cond_broadcast(&milter_g.changed);
    pthread_mutex_unlock(&milter_g.lock);
    if (idle)
        trim_memory();
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
    struct scan_env env = milter_conn_env(c);
    verdict_init(&c->cv, c->arena);
    pipeline_connect(c->gen->pipeline, &env, &c->cv);
    c->connect_done = true;
}

/* Whether to leave the connect event out: no connection check is active,
 * and the MTA offers to leave it out and to send the macros filterd asks
 * for (then they are asked for, with the queue id at MAIL). */
static bool
skip_connect(SMFICTX *ctx, const struct conn *c, unsigned long f0, unsigned long f1)
{
    return c->gen && !pipeline_uses_connect(c->gen->pipeline) &&
           (f0 & SMFIF_SETSYMLIST) && (f1 & SMFIP_NOCONNECT) &&
           smfi_setsymlist(ctx, SMFIM_HELO, MILTER_CLIENT_MACROS) == MI_SUCCESS &&
           smfi_setsymlist(ctx, SMFIM_ENVFROM, "i " MILTER_CLIENT_MACROS) == MI_SUCCESS;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
             unsigned long *pf3)
{
    struct conn *c = conn_get(ctx);
    c->aflags = f0 & MILTER_ACTIONS;
    c->pflags = f1 & (milter_tcp ? MILTER_STEPS_TCP : MILTER_STEPS);
    c->client_macros = skip_connect(ctx, c, f0, f1);
    *pf0 = c->aflags | (c->client_macros ? SMFIF_SETSYMLIST : 0);
    *pf1 = c->pflags | (c->client_macros ? SMFIP_NOCONNECT : 0);
    *pf2 = 0;
    *pf3 = 0;
    if (c->aflags != MILTER_ACTIONS)
        log_warn(c->id, "the MTA offers actions 0x%lx; filterd wants 0x%lx", f0,
                 (unsigned long)MILTER_ACTIONS);
    return SMFIS_CONTINUE;
}

/* A client name as the MTA gives it, or "" when it has none: Sendmail
 * writes an unknown name as "[address]", Postfix as "unknown". */
static const char *
known_name(const char *name)
{
    if (name == NULL || name[0] == '[' || strcmp(name, "unknown") == 0)
        return "";
    return name;
}

/* With the connect event left out: the client's address and name from
 * the macros of HELO or MAIL, once. */
static void
take_client(SMFICTX *ctx, struct conn *c)
{
    if (!c->client_macros || c->client_addr[0])
        return;
    const char *addr = smfi_getsymval(ctx, "{client_addr}");
    if (addr && strncasecmp(addr, "IPv6:", 5) == 0)
        addr += 5;
    replace(&c->client_addr, addr);
    replace(&c->client_name, known_name(smfi_getsymval(ctx, "{client_name}")));
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
    replace(&c->client_name, known_name(hostname));
    return noreply(c, SMFIP_NR_CONN);
}

/* While stopping: no new session or message. */
static sfsistat
refuse_draining(SMFICTX *ctx, const struct conn *c)
{
    milter_set_reply(ctx, c, "451", "4.3.2", "Content filter restarting, try again later",
                     "451", "4.3.2");
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
    if (atomic_load(&milter_g.draining))
        return noreply ? SMFIS_NOREPLY : refuse_draining(ctx, c);
    if (c->connect_done || c->gen == NULL)
        return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE; /* a second HELO: nothing new */
    take_client(ctx, c);
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
    if (atomic_load(&milter_g.draining))
        return refuse_draining(ctx, c);
    if (c->gen == NULL)
        return milter_tempfail(ctx, c, "no configuration loaded");
    take_client(ctx, c);
    if (!c->connect_done)
        run_connect_stage(c);
    message_begin(ctx, c, argv);
    struct scan_env env = milter_conn_env(c);
    bool by_connection = milter_refuses(&c->mv);
    if (!by_connection)
        pipeline_envelope(c->gen->pipeline, &env, &c->mv);
    if (milter_refuses(&c->mv)) { /* given at each RCPT */
        c->refusal_unlogged = true;
        log_debug(milter_conn_tag(c), "%s refused: the refusal is given at RCPT",
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
        milter_set_reply(ctx, c, "452", "4.5.3", "Too many recipients", "452", "4.5.3");
        return SMFIS_TEMPFAIL;
    }
    const char *rcpt = strip_brackets(c->marena, argv && argv[0] ? argv[0] : "");
    struct scan_env env = milter_conn_env(c);
    env.rcpts = &rcpt;
    env.nrcpts = 1;
    if (milter_refuses(&c->mv)) { /* the client, its HELO or the sender */
        bool log = c->refusal_unlogged;
        c->refusal_unlogged = false;
        return milter_early_reply(ctx, c, &env, &c->mv, "refused at RCPT", log);
    }
    /* The recipient alone, on a verdict of its own: its refusal refuses
     * this RCPT only. */
    struct verdict rv;
    verdict_init(&rv, c->marena);
    rv.dns_deadline_ms = c->mv.dns_deadline_ms; /* one DNS budget per message */
    pipeline_envelope(c->gen->pipeline, &env, &rv);
    if (rv.dns_deadline_ms && !c->mv.dns_deadline_ms)
        c->mv.dns_deadline_ms = rv.dns_deadline_ms;
    if (milter_refuses(&rv))
        return milter_early_reply(ctx, c, &env, &rv, "recipient refused at RCPT", true);
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

size_t
milter_counted(const struct conn *c, const char *name)
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
/* Scan the assembled message and answer. */
static sfsistat
scan_message(SMFICTX *ctx, struct conn *c)
{
    struct str err;
    str_init(&err, 1024);
    struct message *m = load_message(c, &err);
    if (m == NULL) {
        sfsistat r = milter_tempfail(ctx, c, str_cstr(&err));
        str_deinit(&err);
        return r;
    }
    str_deinit(&err);
    struct scan_env env = milter_conn_env(c);
    struct action_plan plan;
    memset(&plan, 0, sizeof(plan));
    c->refusal_unlogged = false; /* this is the message's log line */
    pipeline_content(c->gen->pipeline, &env, m, &c->mv);
    actions_plan(c->gen->pipeline, m, &c->mv, &plan);
    sfsistat r = milter_apply_plan(ctx, c, m, &plan);
    pipeline_log(c->gen->pipeline, &env, m, &c->mv, milter_seconds_since(&c->started));
    message_free(&m);
    return r;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
    struct conn *c = conn_get(ctx);
    if (!c->in_message)
        return milter_tempfail(ctx, c, "end of a message that never began");
    end_headers(c);
    take_queue_id(ctx, c);
    sfsistat r;
    if (c->spool_err.len)
        r = milter_tempfail(ctx, c, str_cstr(&c->spool_err));
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
        log_debug(milter_conn_tag(c), "message aborted by the MTA");
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

struct smfiDesc milter_desc = {
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
