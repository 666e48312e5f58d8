/*
 * cmd_qfilter: `filterd qfilter`, a filter in a qmail-qfilter chain
 * (qmail-qfilter(1)): the message in on fd 0 and out on fd 1 with our
 * header edits; the envelope on fd 3 when qmail-qfilter (version 2) gives
 * it as a file, else from QMAILUSER, QMAILHOST and QMAILRCPTS (version 1
 * may leave a pipe of its own on fd 3: it is not read). The same pipeline and actions as
 * every front end, so a message gets the same verdict as through
 * filterd-qmail-queue or the milter.
 *
 * Exit statuses (qmail-qfilter passes them on, except 99):
 *   0 pass (the message is on fd 1); 31 reject; 71 tempfail; 99 drop
 *   (discard: qmail-qfilter then reports success without queueing);
 *   82 reject or tempfail with the reason on fd 6 when the caller opened
 *   it as a pipe (qmail-queue-custom-error patch); 11, 54, 91 for an
 *   envelope over a limit, unreadable or malformed; 53 cannot write fd 1;
 *   55 bad configuration.
 *
 * Untrusted input: the message (parsed by mail/) and the envelope (parsed
 * by filterd/qmail.c), both bounded by their limits.
 */
#include "cmd_qfilter.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "filterd/actions.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/qmail.h"
#include "lib/log.h"

#define QFILTER_ENVELOPE_FD 3

/* The envelope from fd 3 if the caller opened it, else the environment. */
static enum qmail_env_status
qfilter_envelope(const struct qmail_caller *caller, struct message *m,
                 struct qmail_envelope *e)
{
    struct qmail_env_limits lim = qmail_env_limits_default();
    if (!caller->fd3)
        return qmail_env_from_environ(m->arena, &lim, e);
    struct str raw;
    str_init(&raw, 0);
    /* A regular file (qmail_caller_probe): read it from its start;
     * qmail-qfilter puts the offset back for the next filter. */
    (void)lseek(QFILTER_ENVELOPE_FD, 0, SEEK_SET);
    enum qmail_env_status s =
        qmail_env_read(QFILTER_ENVELOPE_FD, m->arena, &lim, e, &raw);
    str_deinit(&raw);
    return s;
}

/* Pass the message on: write it with the plan's edits to fd 1. */
static int
qfilter_pass(const struct action_plan *plan, const struct message *m, const char *id)
{
    if (actions_write_message(plan, m, 1) < 0) {
        log_error(id, "cannot write the message to fd 1: %s", strerror(errno));
        return QMAIL_EXIT_WRITE;
    }
    return 0;
}

static int
qfilter_one(const struct pipeline *p, const struct qmail_caller *caller)
{
    char id[48];
    qmail_make_id(id, sizeof(id));
    double t0 = qmail_now();
    struct message *m;
    int status = qmail_read_message(p, id, &m);
    if (status != 0)
        return status;
    struct qmail_envelope e;
    enum qmail_env_status es = qfilter_envelope(caller, m, &e);
    if (es != QMAIL_ENV_DONE) {
        log_error(id, "%s%s", qmail_env_status_text(es), caller->fd3 ? " on fd 3" : "");
        status = qmail_env_status_exit(es);
    } else {
        struct scan_env env;
        struct verdict v;
        struct action_plan plan;
        qmail_scan_env(&env, &e, id);
        qmail_scan(p, &env, m, &v, &plan, t0);
        if (qmail_verdict_passes(plan.action))
            status = qfilter_pass(&plan, m, id);
        else
            status = qmail_refuse(&plan, QMAIL_FRONT_QFILTER, caller->errfd, id);
    }
    message_free(&m);
    return status;
}

int
cmd_qfilter(int argc, char **argv)
{
    struct qmail_caller caller;
    struct config *c;
    struct pipeline *p;
    int r = qmail_front_start(argc, argv, "filterd",
                              "qfilter: fd 0 (message in) or fd 1 (message out) is closed",
                              &caller, &p, &c);
    if (r != QMAIL_START_OK)
        return r;
    int status = qfilter_one(p, &caller);
    pipeline_free(&p);
    config_free(&c);
    return status;
}
