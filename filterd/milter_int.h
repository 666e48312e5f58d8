/*
 * milter_int: what the three parts of filterd's milter front end share;
 * not for other modules (the interface is milter.h).
 *   milter.c          the listener (socket set-up, Nagle's algorithm), the
 *                     loaded configurations, stopping, libmilter's signals
 *   milter_session.c  one connection: libmilter's callbacks, the stages,
 *                     the message assembled
 *   milter_reply.c    the answers: SMTP replies, early refusals, the header
 *                     edits and the quarantine of the action plan
 */
#ifndef TAMIS_FILTERD_MILTER_INT_H
#define TAMIS_FILTERD_MILTER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "filterd/actions.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/verdict.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/spool.h"
#include "lib/str.h"

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
/* When no connection check is active (pipeline_uses_connect), the connect
 * event is left out (on TCP too: a step left out costs no write), and the
 * client's address and name come as macros with HELO and MAIL instead, if
 * the MTA lets filterd choose its macros. */
#define MILTER_CLIENT_MACROS "{client_addr} {client_name}"

/* One loaded configuration; freed when replaced and no longer used. */
struct generation {
    struct pipeline *pipeline;
    struct config *config;
    unsigned long number;
    unsigned long refs; /* connections using it, plus 1 while current */
};

/* The milter's shared state (milter.c), under lock. */
struct milter_state {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct generation *current;
    unsigned long generations;
    unsigned long connections; /* open */
    unsigned long messages;    /* between MAIL and end of message */
    unsigned long sessions;    /* counter for session ids */
    atomic_bool stopped;       /* smfi_stop() has returned */
    atomic_bool draining;      /* stopping: no new message */
};
extern struct milter_state milter_g;
/* The listening socket is a TCP one (inet:, inet6:). */
extern bool milter_tcp;
/* libmilter's callbacks (milter_session.c). */
extern struct smfiDesc milter_desc;

/* Drop a connection's reference to gen; the last one frees it. */
void milter_generation_release(struct generation *gen);

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
    bool client_macros; /* the connect event is left out: client from macros */
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

/* ---- milter_session.c ---- */

/* The tag of the connection's log lines: the queue id, or the session id. */
const char *milter_conn_tag(const struct conn *c);
/* What the session knows, for the pipeline (pointers into c). */
struct scan_env milter_conn_env(const struct conn *c);
/* Seconds from t0 (CLOCK_MONOTONIC) to now. */
double milter_seconds_since(const struct timespec *t0);
/* An empty message (the caller frees it): what the action plan and the
 * log line of a verdict decided before DATA read. */
struct message *milter_empty_message(const struct conn *c);
/* How many header fields named name the message had (up to
 * MILTER_MAX_NAMES names). */
size_t milter_counted(const struct conn *c, const char *name);

/* ---- milter_reply.c ---- */

/* Set the SMTP reply (code, xcode, text), falling back to def_code and
 * def_xcode when they do not fit the kind of reply. */
void milter_set_reply(SMFICTX *ctx, const struct conn *c, const char *code,
                      const char *xcode, const char *text, const char *def_code,
                      const char *def_xcode);
/* Log why the message cannot be scanned and answer 451 4.3.0. */
sfsistat milter_tempfail(SMFICTX *ctx, const struct conn *c, const char *why);
/* Reject, tempfail or discard as the plan says (SMFIS_CONTINUE for the
 * other actions). */
sfsistat milter_refusal(SMFICTX *ctx, const struct conn *c,
                        const struct action_plan *plan);
/* Answer an early decision v at RCPT (env: with the recipient); log the
 * message's line when log is set. what names the stage in the debug log. */
sfsistat milter_early_reply(SMFICTX *ctx, struct conn *c, const struct scan_env *env,
                            struct verdict *v, const char *what, bool log);
/* Whether v is final and refuses (reject, tempfail, discard). */
bool milter_refuses(const struct verdict *v);
/* Carry out the plan for the scanned message m: refusal, header edits,
 * quarantine. */
sfsistat milter_apply_plan(SMFICTX *ctx, struct conn *c, const struct message *m,
                           const struct action_plan *plan);

#endif
