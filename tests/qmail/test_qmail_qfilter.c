/*
 * test_qmail_qfilter: black-box tests of `filterd qfilter`, run the way
 * qmail-qfilter runs a filter (files on fd 0 and fd 1, the envelope on fd
 * 3, QMAILUSER/QMAILHOST/QMAILRCPTS in the environment), and of
 * quarantine_maildir through both qmail front ends.
 *
 * Usage: test_qmail_qfilter CASE FILTERD_QMAIL_QUEUE FILTERD FAKE_QMAIL_QUEUE
 * (qmail_harness.h).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "qmail_harness.h"

/* ---- quarantine_maildir, through both front ends. ---- */

/* The options that quarantine spam into the folder quar/ of this case
 * (or into path when it is given), with rejects off. */
static void
quarantine_args(struct run *r, const char *path)
{
    static char opt[4300];
    char p[4200];
    path_of(p, sizeof(p), "quar");
    snprintf(opt, sizeof(opt), "quarantine_maildir=%s", path ? path : p);
    r->args[0] = "-o", r->args[1] = "reject_score=-1";
    r->args[2] = "-o", r->args[3] = "quarantine_score=5";
    r->args[4] = "-o", r->args[5] = opt;
}

/* quar/new holds one message: the spam, with our headers. */
static void
check_quarantined(struct run *r)
{
    CHECK_INT(files_in("quar/new"), 1);
    CHECK_INT(files_in("quar/tmp"), 0);
    char p[4200], name[4300];
    path_of(p, sizeof(p), "quar/new");
    DIR *d = opendir(p);
    struct dirent *de;
    struct str got;
    str_init(&got, 0);
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') {
            snprintf(name, sizeof(name), "quar/new/%s", de->d_name);
            CHECK_INT(slurp(name, &got), 0);
        }
    if (d)
        closedir(d);
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    CHECK(contains(&got, "Message-ID: <m1@example.com>"));
    CHECK(contains(&got, GTUBE));
    str_deinit(&got);
    CHECK_LOG(r, "action=quarantine");
    CHECK_LOG(r, "quarantined to ");
}

/* qmail-queue: the spam lands in the Maildir, the real qmail-queue is not
 * run, and the status is 0 (qmail-smtpd answers 250). */
static void
case_quarantine_maildir(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    quarantine_args(&r, NULL);
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    check_quarantined(&r);
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

/* A folder that cannot be made (its parent is a file): tempfail (71),
 * nothing queued, nothing written. */
static void
case_quarantine_maildir_fail(void)
{
    char p[4200];
    spit("file", "x", 1);
    path_of(p, sizeof(p), "file/quar");
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    quarantine_args(&r, p);
    run_queue(&r);
    CHECK_INT(r.status, 71);
    check_not_queued();
    CHECK_LOG(&r, "cannot quarantine");
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

/* qmail-qfilter: the spam lands in the Maildir, nothing on fd 1, status
 * 99 (qmail-qfilter drops the message and reports success). */
static void
case_qfilter_quarantine(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    quarantine_args(&r, NULL);
    run_qfilter(&r);
    CHECK_INT(r.status, 99);
    CHECK_INT(r.out.len, 0);
    check_quarantined(&r);
    run_deinit(&r);
}

/* ---- filterd qfilter cases. ---- */

static void
case_qfilter_pass(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.vars[0] = "QMAILUSER=ignored", r.vars[1] = "QMAILHOST=example.net";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    CHECK(ends_with(&r.out, "\n\nSee you at noon.\n", 19));
    CHECK_LOG(&r, "from=<alice@example.com>"); /* fd 3 wins over the variables */
    CHECK_LOG(&r, "bob@example.org");
    run_deinit(&r);
    /* Spam below reject_score: marked. */
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK(contains(&r.out, "X-Spam-Flag: YES"));
    run_deinit(&r);
}

static void
case_qfilter_environ(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len;
    r.vars[0] = "QMAILUSER=carol", r.vars[1] = "QMAILHOST=example.com";
    r.vars[2] = "QMAILRCPTS=dave@example.org\nerin@example.org\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "from=<carol@example.com>");
    CHECK_LOG(&r, "erin@example.org");
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    run_deinit(&r);
}

/* qmail-qfilter 1 gives no envelope on fd 3 but may leave its own pipe
 * there: the variables are used, the pipe is not read. */
static void
case_qfilter_fd3_pipe(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len;
    r.pipe3 = true;
    r.vars[0] = "QMAILUSER=carol", r.vars[1] = "QMAILHOST=example.com";
    r.vars[2] = "QMAILRCPTS=dave@example.org\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "from=<carol@example.com>");
    run_deinit(&r);
}

static void
case_qfilter_refuse(void)
{
    static const struct {
        const char *args[5];
        bool fd6;
        int want;
        char errclass;
    } cases[] = {
        {{NULL}, false, 31, 0},
        {{NULL}, true, 82, 'D'},
        {{"-o", "discard_score=100", NULL}, false, 99, 0},
        {{"-o", "max_message_size=1k", "-o", "max_message_size_action=tempfail"},
         false,
         71,
         0},
        {{"-o", "max_message_size=1k", "-o", "max_message_size_action=tempfail"},
         true,
         82,
         'Z'},
    };
    char *msg = big_message(2000, false, GTUBE);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
        for (size_t k = 0; k < 4 && cases[i].args[k]; k++)
            r.args[k] = cases[i].args[k];
        r.fd6 = cases[i].fd6;
        run_qfilter(&r);
        CHECK_INT(r.status, cases[i].want);
        CHECK_INT(r.out.len, 0);
        if (cases[i].errclass)
            CHECK(r.err6.len > 0 && r.err6.buf[0] == cases[i].errclass);
        else
            CHECK_INT(r.err6.len, 0);
        run_deinit(&r);
    }
    free(msg);
}

static void
case_qfilter_bad(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = "garbage\0\0", r.envlen = 9;
    run_qfilter(&r);
    CHECK_INT(r.status, 91);
    CHECK_INT(r.out.len, 0);
    CHECK_LOG(&r, "fd 3");
    run_deinit(&r);
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.conf = "bogus line\n";
    run_qfilter(&r);
    CHECK_INT(r.status, 55);
    CHECK_INT(r.out.len, 0);
    run_deinit(&r);
}

/* Spooled and CRLF messages come out whole. */
static void
case_qfilter_large(void)
{
    char *msg = big_message(2 << 20, true, "the very last line");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_qfilter(&r);
    CHECK_INT(r.status, 0);
    const char *body = strstr(msg, "\r\n\r\nline 0 ");
    CHECK(ends_with(&r.out, body, strlen(body)));
    CHECK(contains(&r.out, "X-Spam-Status: No"));
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    free(msg);
}

static const struct qmail_case all_cases[] = {
    {"qfilter_pass", case_qfilter_pass},
    {"qfilter_environ", case_qfilter_environ},
    {"qfilter_fd3_pipe", case_qfilter_fd3_pipe},
    {"qfilter_refuse", case_qfilter_refuse},
    {"qfilter_bad", case_qfilter_bad},
    {"qfilter_large", case_qfilter_large},
    {"quarantine_maildir", case_quarantine_maildir},
    {"quarantine_maildir_fail", case_quarantine_maildir_fail},
    {"qfilter_quarantine", case_qfilter_quarantine},
};

int
main(int argc, char **argv)
{
    return qmail_cases_main(argc, argv, all_cases, sizeof(all_cases) / sizeof(all_cases[0]));
}
