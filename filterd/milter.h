/*
 * milter: filterd's front end for Postfix and Sendmail, on libmilter.
 *
 * Each SMTP session is one milter connection (a libmilter thread). The
 * connection stage of the pipeline runs once HELO is known (at HELO, or at
 * the first MAIL when the client sends none); the envelope stage at MAIL
 * and at each RCPT. A reject, tempfail or discard of the client, its HELO
 * or the sender is answered at each RCPT (as Postfix's smtpd_delay_reject
 * does), one of a recipient at its RCPT, without taking the body. The message is assembled from the header
 * and body callbacks (in memory up to spool_threshold, then in an unlinked
 * temporary file) and scanned at end of message; the action plan is then
 * applied with the milter's means (header edits, quarantine, reply codes).
 *
 * The pipeline in use is replaced by milter_set_pipeline() (a reload);
 * connections in flight keep the one they started with, which is freed
 * when its last connection ends.
 */
#ifndef TAMIS_FILTERD_MILTER_H
#define TAMIS_FILTERD_MILTER_H

#include <sys/types.h>

#include "filterd/pipeline.h"
#include "lib/config.h"
#include "lib/str.h"

/* Register with libmilter and open the listening socket spec (libmilter's
 * syntax: unix:PATH, local:PATH, inet:PORT@ADDR, inet6:PORT@ADDR), as root
 * if it needs to be. A unix socket that a running filter answers on is
 * refused (-1, "in use"); a stale one is replaced. Returns 0, or -1 with
 * err. Call once. */
int milter_open(const char *spec, struct str *err);
/* Give a unix socket to uid:gid with mode (e.g. 0660), so the MTA's user
 * in that group can connect. Does nothing for inet sockets. Returns 0, or
 * -1 with err. */
int milter_socket_owner(const char *spec, uid_t uid, gid_t gid, mode_t mode,
                        struct str *err);
/* Make p (built from c) the pipeline for new connections; the milter owns
 * both from now on. The previous one is freed when no connection uses it. */
void milter_set_pipeline(struct pipeline *p, struct config *c);
/* Serve (libmilter's smfi_main) until milter_stop() has closed the
 * listener. Returns 0, or -1 when libmilter failed. */
int milter_run(void);
/* Stop, from any thread but libmilter's (the signal thread): from now on a
 * new session or message gets a tempfail (451 4.3.2); the messages in
 * flight finish (at most MILTER_DRAIN_SECONDS), the connections get
 * MILTER_GRACE_SECONDS to close (an idle one, e.g. a Postfix session
 * between messages, is then dropped: the MTA applies its default action to
 * its next message); then the listener is closed and milter_run() returns.
 * Returns when the listener has stopped. */
void milter_stop(void);
/* Free the pipeline once no connection is left (after milter_run). */
void milter_shutdown(void);

#define MILTER_DRAIN_SECONDS 120
#define MILTER_GRACE_SECONDS 2

#endif
