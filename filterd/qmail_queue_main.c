/*
 * filterd-qmail-queue: tamis's content filter in front of qmail-queue.
 *
 * SYNOPSIS
 *   QMAILQUEUE=/usr/lib/tamis/filterd-qmail-queue   (in qmail-smtpd's environment)
 *   filterd-qmail-queue [-c FILE] [-o key=value]...
 *
 * DESCRIPTION
 *   Speaks qmail-queue's protocol (qmail-queue(8)): reads the message on
 *   fd 0, then the envelope on fd 1 ("F" sender NUL, "T" recipient NUL...,
 *   NUL). Scans the message with filterd's pipeline (client address from
 *   tcpserver's TCPREMOTEIP and TCPREMOTEHOST), logs one line, then either
 *   runs the real qmail-queue (setting qmail_queue, or TAMIS_QMAIL_QUEUE)
 *   with the message, our headers added, on its fd 0 and the envelope
 *   unchanged on its fd 1, and exits with its status; or exits with the
 *   qmail-queue status for the verdict. The configuration is -c FILE, else
 *   /etc/tamis/filterd.conf if it exists. See docs/man/filterd-qmail-queue.8.
 *
 * EXIT STATUS (qmail-queue's; 11-40 permanent, others temporary)
 *   0   queued by the real qmail-queue, or discarded (logged)
 *   11  envelope address (or envelope) over its limit
 *   31  rejected by the filter
 *   54  cannot read the message or the envelope (or it ends too early)
 *   55  bad or unreadable configuration, bad command line
 *   71  tempfail from the filter
 *   81  internal failure: the real qmail-queue cannot be run, or it died
 *   82  rejected or tempfailed, the reason written on fd 6 ("D..." or
 *       "Z..."), only when the caller opened fd 6 as a pipe for it
 *   91  envelope format error
 *   any other: the real qmail-queue's own status, passed on
 */

#include "filterd/actions.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/qmail.h"
#include "lib/log.h"

/* Read, scan, then queue or refuse one message; returns the exit status. */
static int
filter_one(const struct pipeline *p, const struct qmail_caller *caller, const char *qq)
{
    char id[48];
    qmail_make_id(id, sizeof(id));
    double t0 = qmail_now();
    struct message *m;
    int status = qmail_read_message(p, id, &m);
    if (status != 0)
        return status;
    struct qmail_env_limits lim = qmail_env_limits_default();
    struct qmail_envelope e;
    struct str raw;
    str_init(&raw, 0);
    enum qmail_env_status es = qmail_env_read(1, m->arena, &lim, &e, &raw);
    if (es != QMAIL_ENV_DONE) {
        log_error(id, "%s: not queued", qmail_env_status_text(es));
        status = qmail_env_status_exit(es);
    } else {
        struct scan_env env;
        struct verdict v;
        struct action_plan plan;
        qmail_scan_env(&env, &e, id);
        qmail_scan(p, &env, m, &v, &plan, t0);
        if (qmail_verdict_passes(plan.action))
            status = qmail_queue_run(qq, &plan, m, &raw, caller->fd6, id);
        else
            status = qmail_refuse(&plan, QMAIL_FRONT_QUEUE, caller->errfd, id);
    }
    str_deinit(&raw);
    message_free(&m);
    return status;
}

int
main(int argc, char **argv)
{
    struct qmail_caller caller;
    struct config *c;
    struct pipeline *p;
    int r = qmail_front_start(argc, argv, "filterd-qmail-queue",
                              "fd 0 (message) or fd 1 (envelope) is closed", &caller, &p, &c);
    if (r != QMAIL_START_OK)
        return r;
    int status = filter_one(p, &caller, qmail_queue_path(c));
    pipeline_free(&p);
    config_free(&c);
    return status;
}
