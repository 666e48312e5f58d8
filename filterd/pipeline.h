/*
 * pipeline: filterd's one scanning pipeline (DESIGN.md section 1), shared by
 * every front end (milter, qmail-queue, qmail-qfilter, check) so that a
 * message gets the same verdict through each.
 *
 * Stages: connection (pipeline_connect), envelope (pipeline_envelope),
 * content (pipeline_content: parse, checks, thresholds). An early stage may
 * decide (v->final with a reject, tempfail or discard and an SMTP reply);
 * later stages then do nothing. A pipeline is built from a configuration
 * once, is read-only afterwards and is shared by threads; a reload builds a
 * new one and swaps it in.
 */
#ifndef TAMIS_FILTERD_PIPELINE_H
#define TAMIS_FILTERD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "filterd/message.h"
#include "filterd/verdict.h"
#include "lib/config.h"
#include "lib/str.h"
#include "mail/limits.h"

/* What the front end knows of the SMTP session; "" when unknown. */
struct scan_env {
    const char *queue_id;     /* the MTA's queue id */
    const char *client_addr;  /* "192.0.2.1", "2001:db8::1" */
    const char *client_name;  /* the client's host name */
    const char *helo;
    const char *sender;       /* envelope sender without <>; "" is the null sender */
    const char *const *rcpts; /* envelope recipients without <> */
    size_t nrcpts;
    size_t size_hint;         /* SIZE= of MAIL FROM (RFC 1870); 0 when unknown */
};

struct pipeline;
struct actions_config;

/* Build a pipeline from c (filterd/settings.h schema, already loaded): loads
 * every file the checks use. Returns NULL with one "SOURCE: text" line per
 * error appended to err. Runs settings_validate() itself: a caller need
 * not. */
struct pipeline *pipeline_new(const struct config *c, struct str *err);
void pipeline_free(struct pipeline **pp);
const struct mail_limits *pipeline_limits(const struct pipeline *p);
const struct verdict_thresholds *pipeline_thresholds(const struct pipeline *p);
/* Append what each check loaded (rule counts, zones...) for `filterd lint`. */
void pipeline_summary(const struct pipeline *p, struct str *out);
/* The action settings (filterd/actions.h). */
const struct actions_config *pipeline_actions(const struct pipeline *p);

/* Whether a check of the connection stage is active (check_ops.active):
 * when none is, the front end need not follow the connection itself (the
 * milter takes the client's address and name from the MTA's macros
 * later). */
bool pipeline_uses_connect(const struct pipeline *p);
/* Connection stage: checks on the client address and name, and HELO. */
void pipeline_connect(const struct pipeline *p, const struct scan_env *env,
                      struct verdict *v);
/* Envelope stage: checks on the sender and the recipients so far, and on
 * env->size_hint (max_message_size: rejects at MAIL time). */
void pipeline_envelope(const struct pipeline *p, const struct scan_env *env,
                       struct verdict *v);
/* Content stage: the checks on the parsed message, then the thresholds
 * (verdict_finish). A check that cannot run applies its failure policy
 * (tempfail by default). */
void pipeline_content(const struct pipeline *p, const struct scan_env *env,
                      struct message *m, struct verdict *v);
/* All stages in order, for front ends that get everything at the end. */
void pipeline_scan(const struct pipeline *p, const struct scan_env *env, struct message *m,
                   struct verdict *v);
/* The one log line per message, Postfix-style, tagged with the queue id:
 * client, sender, recipients, size, score, action, symbols, time taken.
 * m may be NULL (decided before the content: no size). At most
 * PIPELINE_LOG_MAX bytes: long recipient and symbol lists end with
 * "...(+N)". */
#define PIPELINE_LOG_MAX 1900
void pipeline_log(const struct pipeline *p, const struct scan_env *env,
                  const struct message *m, const struct verdict *v, double seconds);

#endif
