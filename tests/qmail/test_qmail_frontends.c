/*
 * test_qmail_frontends: black-box tests of filterd-qmail-queue, run the
 * way qmail-smtpd runs qmail-queue (test_qmail_qfilter.c: `filterd qfilter`
 * and quarantine_maildir through both front ends).
 *
 * For filterd-qmail-queue this program plays qmail-smtpd: it writes the
 * message into a pipe on the program's fd 0, closes it, writes the
 * envelope into a pipe on fd 1, and, when a case asks, gives a pipe on
 * fd 6 and reads the custom error text from it (the
 * qmail-queue-custom-error patch). The real qmail-queue is
 * fake_qmail_queue, which records what it got. For `filterd qfilter` it
 * plays qmail-qfilter: files on fd 0 (message), fd 1 (output) and fd 3
 * (envelope).
 *
 * Usage: test_qmail_frontends CASE FILTERD_QMAIL_QUEUE FILTERD FAKE_QMAIL_QUEUE
 * Each case runs in its own folder under $TMPDIR (removed at the end),
 * with TMPDIR pointing into it for the programs' spool files. The
 * configuration is always given with -c, so /etc/tamis is never read.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "qmail_harness.h"

/* ---- filterd-qmail-queue cases. ---- */

static void
case_accept(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, "\n\nSee you at noon.\n");
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(contains(&got, "X-Spam-Status: No"));
    CHECK(!contains(&got, "X-Spam-Flag: YES"));
    /* Only fds 0, 1, 2 reach the real qmail-queue. */
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_INT(got.len, 0);
    str_deinit(&got);
    CHECK_LOG(&r, "from=<alice@example.com>");
    CHECK_LOG(&r, "action=accept");
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
}

static void
case_spam_headers(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, GTUBE "\n");
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(contains(&got, "X-Spam-Status: Yes"));
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    CHECK(contains(&got, "GTUBE"));
    str_deinit(&got);
    CHECK_LOG(&r, "action=add-header");
    run_deinit(&r);
}

/* Headers of ours that the sender wrote are removed before ours go in. */
static void
case_forged_headers(void)
{
    static const char msg[] = "X-Spam-Status: No, forged\nX-Spam-Flag: NO\n" HEAD
                              "Subject: test\n\n" GTUBE "\n";
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = sizeof(msg) - 1, r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "reject_score=5000";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    CHECK(!contains(&got, "forged"));
    CHECK(!contains(&got, "X-Spam-Flag: NO"));
    CHECK(contains(&got, "X-Spam-Flag: YES"));
    str_deinit(&got);
    run_deinit(&r);
}

static void
case_reject(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    run_queue(&r);
    CHECK_INT(r.status, 31);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    CHECK_LOG(&r, "action=reject");
    CHECK_LOG(&r, "GTUBE");
    run_deinit(&r);
}

/* A caller with the custom error patch gets 82 and the reason on fd 6. */
static void
case_reject_fd6(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 82);
    check_not_queued();
    CHECK(r.err6.len > 0 && r.err6.buf[0] == 'D');
    CHECK(contains(&r.err6, "Message rejected as spam"));
    CHECK(contains(&r.err6, "(#5.7.1)"));
    CHECK(!contains(&r.err6, "\n"));
    /* TAMIS_QMAIL_CUSTOM_ERROR=0 turns it off. */
    run_deinit(&r);
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    r.fd6 = true;
    r.vars[0] = "TAMIS_QMAIL_CUSTOM_ERROR=0";
    run_queue(&r);
    CHECK_INT(r.status, 31);
    CHECK_INT(r.err6.len, 0);
    run_deinit(&r);
}

/* A message over max_message_size with max_message_size_action=tempfail. */
static void
case_tempfail(void)
{
    char *msg = big_message(4000, false, "end");
    for (int fd6 = 0; fd6 <= 1; fd6++) {
        struct run r;
        run_init(&r);
        r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
        r.args[0] = "-o", r.args[1] = "max_message_size=2k";
        r.args[2] = "-o", r.args[3] = "max_message_size_action=tempfail";
        r.fd6 = fd6;
        run_queue(&r);
        CHECK_INT(r.status, fd6 ? 82 : 71);
        check_not_queued();
        if (fd6) {
            CHECK(r.err6.len > 0 && r.err6.buf[0] == 'Z');
            CHECK(contains(&r.err6, "too big")); /* the size check's reply */
            CHECK(contains(&r.err6, "(#4."));
        }
        CHECK_LOG(&r, "action=tempfail");
        run_deinit(&r);
    }
    free(msg);
}

static void
case_discard(void)
{
    struct run r;
    run_init(&r);
    r.msg = spam, r.msglen = spam_len, r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "discard_score=100";
    r.fd6 = true;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_not_queued();
    CHECK_INT(r.err6.len, 0);
    CHECK_LOG(&r, "action=discard");
    run_deinit(&r);
}

/* The real qmail-queue's status comes back as it is. */
static void
case_downstream_status(void)
{
    static const char *const codes[] = {"FAKE_QQ_EXIT=11", "FAKE_QQ_EXIT=31",
                                        "FAKE_QQ_EXIT=53", "FAKE_QQ_EXIT=71",
                                        "FAKE_QQ_EXIT=81", "FAKE_QQ_EXIT=0"};
    static const int want[] = {11, 31, 53, 71, 81, 0};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = ham_len, r.env = env1,
        r.envlen = env1_len;
        r.vars[0] = codes[i];
        run_queue(&r);
        CHECK_INT(r.status, want[i]);
        check_queued(&r, "See you at noon.\n");
        if (want[i] != 0)
            CHECK_LOG(&r, "not queued");
        run_deinit(&r);
    }
}

/* A downstream's own custom error (82 and fd 6) reaches the caller. */
static void
case_downstream_custom(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.fd6 = true;
    r.vars[0] = "FAKE_QQ_EXIT=82";
    r.vars[1] = "FAKE_QQ_ERRTEXT=Dno mailbox here (#5.1.1)";
    run_queue(&r);
    CHECK_INT(r.status, 82);
    CHECK_STR(str_cstr(&r.err6), "Dno mailbox here (#5.1.1)");
    struct str got;
    str_init(&got, 0);
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_STR(str_cstr(&got), "6\n");
    str_deinit(&got);
    run_deinit(&r);
}

static void
case_downstream_signal(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.vars[0] = "FAKE_QQ_SIGNAL=9";
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "signal 9");
    run_deinit(&r);
}

static void
case_downstream_missing(void)
{
    char conf[8192], path[4200];
    path_of(path, sizeof(path), "no-such-qmail-queue");
    snprintf(conf, sizeof(conf), "qmail_queue = %s\n", path);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.conf = conf;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "cannot run");
    CHECK_LOG(&r, "No such file");
    run_deinit(&r);
    /* A file that is not executable. */
    spit("not-executable", "#!/bin/sh\nexit 0\n", 17);
    path_of(path, sizeof(path), "not-executable");
    snprintf(conf, sizeof(conf), "qmail_queue = %s\n", path);
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.conf = conf;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "Permission denied");
    run_deinit(&r);
}

/* A downstream that exits 0 without reading a large message: not queued
 * for sure, so never 0. */
static void
case_downstream_early(void)
{
    char *msg = big_message(1 << 20, false, "end");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
    r.vars[0] = "FAKE_QQ_EARLY=1";
    run_queue(&r);
    CHECK_INT(r.status, 81);
    CHECK_LOG(&r, "without taking the whole message");
    run_deinit(&r);
    free(msg);
}

/* Envelopes qmail-queue would refuse are refused with its statuses. */
static void
case_envelope_bad(void)
{
    static const struct {
        const char *env;
        size_t len;
        int want;
    } envs[] = {
        {"Xalice@example.com\0Tbob@example.org\0\0", 37, 91},
        {"Falice@example.com\0Xbob@example.org\0\0", 37, 91},
        {"Falice@example.com\0Tbob@example.org\0", 36, 54},
        {"Falice@example.com", 18, 54},
        {"", 0, 54},
    };
    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = ham_len, r.env = envs[i].env,
        r.envlen = envs[i].len;
        run_queue(&r);
        CHECK_INT(r.status, envs[i].want);
        check_not_queued();
        CHECK_LOG(&r, "envelope");
        run_deinit(&r);
    }
}

/* qmail-queue's 1003-byte address limit: 1003 passes, 1004 is 11. */
static void
case_envelope_long(void)
{
    for (size_t n = 1003; n <= 1004; n++) {
        char env[1100];
        memcpy(env, "F\0T", 3);
        memset(env + 3, 'a', n);
        memcpy(env + 3 + n, "\0\0", 2);
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = ham_len, r.env = env, r.envlen = n + 5;
        run_queue(&r);
        CHECK_INT(r.status, n == 1003 ? 0 : 11);
        if (n == 1003)
            check_queued(&r, "See you at noon.\n");
        else
            check_not_queued();
        run_deinit(&r);
    }
}

/* The envelope reaches qmail-queue byte for byte: null sender, many
 * recipients, odd bytes. */
static void
case_envelope_unchanged(void)
{
    struct str env;
    str_init(&env, 0);
    str_append(&env, "F\0", 2);
    for (int i = 0; i < 300; i++) {
        str_appendf(&env, "Tuser%d@example.org", i);
        str_appendc(&env, '\0');
    }
    static const char last[] = "T\xc3\xa9t\xc3\xa9@example.org\0\0";
    str_append(&env, last, sizeof(last) - 1);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env.buf, r.envlen = env.len;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, "See you at noon.\n");
    CHECK_LOG(&r, "from=<>");
    run_deinit(&r);
    str_deinit(&env);
}

/* Larger than spool_threshold: spooled to a file, passed on whole, the
 * spool file gone afterwards and not passed to qmail-queue. */
static void
case_large(void)
{
    char *msg = big_message(3 << 20, false, "the very last line");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    const char *body = strstr(msg, "\n\nline 0 ");
    check_queued(&r, body);
    struct str got;
    str_init(&got, 0);
    CHECK_INT(slurp("qq/fds", &got), 0);
    CHECK_INT(got.len, 0);
    str_deinit(&got);
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    /* GTUBE at the end of a spooled message is still found. */
    free(msg);
    msg = big_message(3 << 20, false, GTUBE);
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
    r.args[0] = "-o", r.args[1] = "spool_threshold=4k";
    run_queue(&r);
    CHECK_INT(r.status, 31);
    check_not_queued();
    CHECK_INT(spool_files(), 0);
    run_deinit(&r);
    free(msg);
}

/* CRLF line ends: the body goes on unchanged, our headers end in CRLF. */
static void
case_crlf(void)
{
    char *msg = big_message(200, true, "bye");
    struct run r;
    run_init(&r);
    r.msg = msg, r.msglen = strlen(msg), r.env = env1, r.envlen = env1_len;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    check_queued(&r, strstr(msg, "\r\n\r\nline 0 "));
    struct str got;
    str_init(&got, 0);
    slurp("qq/message", &got);
    /* Every LF of the output is preceded by a CR. */
    size_t bare = 0;
    for (size_t i = 0; i < got.len; i++)
        bare += got.buf[i] == '\n' && (i == 0 || got.buf[i - 1] != '\r');
    CHECK_INT(bare, 0);
    str_deinit(&got);
    run_deinit(&r);
    free(msg);
}

static void
case_bad_config(void)
{
    static const char *const confs[] = {"mime_depth_limit = 5\nbogus line\n",
                                        "reject_score = lots\n", "no_such_setting = 1\n"};
    for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = ham_len, r.env = env1,
        r.envlen = env1_len;
        r.conf = confs[i];
        run_queue(&r);
        CHECK_INT(r.status, 55);
        check_not_queued();
        CHECK_LOG(&r, "filterd.conf:");
        run_deinit(&r);
    }
    /* A missing -c file, a bad -o, an unknown option. */
    static const char *const args[][3] = {
        {"-c", "/nonexistent/filterd.conf", NULL},
        {"-o", "required_score=high", NULL},
        {"-x", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        struct run r;
        run_init(&r);
        r.msg = ham, r.msglen = ham_len, r.env = env1,
        r.envlen = env1_len;
        for (size_t k = 0; k < 3 && args[i][k]; k++)
            r.args[k] = args[i][k];
        run_queue(&r);
        CHECK_INT(r.status, 55);
        check_not_queued();
        run_deinit(&r);
    }
}

/* Where the real qmail-queue is: -o, then TAMIS_QMAIL_QUEUE, then the file. */
static void
case_queue_path(void)
{
    char conf[8192], var[4300], opt[4300];
    snprintf(conf, sizeof(conf), "qmail_queue = %s/nowhere\n", dir);
    snprintf(var, sizeof(var), "TAMIS_QMAIL_QUEUE=%s", fake_bin);
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.conf = conf;
    r.vars[0] = var;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK(exists("qq/ran"));
    run_deinit(&r);
    /* -o beats the environment. */
    snprintf(opt, sizeof(opt), "qmail_queue=%s/elsewhere", dir);
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.conf = conf;
    r.vars[0] = var;
    r.args[0] = "-o", r.args[1] = opt;
    run_queue(&r);
    CHECK_INT(r.status, 81);
    check_not_queued();
    CHECK_LOG(&r, "elsewhere");
    run_deinit(&r);
}

/* tcpserver's variables name the client in the log; junk is ignored. */
static void
case_client(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.vars[0] = "TCPREMOTEIP=192.0.2.7";
    r.vars[1] = "TCPREMOTEHOST=mx.example.net";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "client=mx.example.net[192.0.2.7]");
    run_deinit(&r);
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.vars[0] = "TCPREMOTEIP=192.0.2.7 evil";
    r.vars[1] = "TCPREMOTEHOST=a b";
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK_LOG(&r, "client=unknown[unknown]");
    run_deinit(&r);
}

/* An empty message is queued, as qmail-queue would. */
static void
case_empty_message(void)
{
    struct run r;
    run_init(&r);
    r.msg = "", r.msglen = 0, r.env = env1, r.envlen = env1_len;
    run_queue(&r);
    CHECK_INT(r.status, 0);
    CHECK(exists("qq/ran"));
    run_deinit(&r);
}

/* fd 1 closed: the envelope cannot be read. */
static void
case_fd_closed(void)
{
    struct run r;
    run_init(&r);
    r.msg = ham, r.msglen = ham_len, r.env = env1, r.envlen = env1_len;
    r.close1 = true;
    run_queue(&r);
    CHECK_INT(r.status, 54);
    check_not_queued();
    run_deinit(&r);
}

static const struct qmail_case all_cases[] = {
    {"accept", case_accept},
    {"spam_headers", case_spam_headers},
    {"forged_headers", case_forged_headers},
    {"reject", case_reject},
    {"reject_fd6", case_reject_fd6},
    {"tempfail", case_tempfail},
    {"discard", case_discard},
    {"downstream_status", case_downstream_status},
    {"downstream_custom", case_downstream_custom},
    {"downstream_signal", case_downstream_signal},
    {"downstream_missing", case_downstream_missing},
    {"downstream_early", case_downstream_early},
    {"envelope_bad", case_envelope_bad},
    {"envelope_long", case_envelope_long},
    {"envelope_unchanged", case_envelope_unchanged},
    {"large", case_large},
    {"crlf", case_crlf},
    {"bad_config", case_bad_config},
    {"queue_path", case_queue_path},
    {"client", case_client},
    {"empty_message", case_empty_message},
    {"fd_closed", case_fd_closed},
};

int
main(int argc, char **argv)
{
    return qmail_cases_main(argc, argv, all_cases, sizeof(all_cases) / sizeof(all_cases[0]));
}
