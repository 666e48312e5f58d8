/*
 * test_dsn: RFC 3464 reports: a Postfix-style bounce with two recipients,
 * a report nested in a forwarded message, a message without a report, bad
 * statuses, and the RFC 3463 classes a list acts on.
 */
#include "t.h"

#include "mail/dsn.h"

static const char *const bounce =
    "From: MAILER-DAEMON@mx.example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "I'm sorry to have to inform you...\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "Arrival-Date: Thu, 3 Dec 2026 09:00:00 +0000\n"
    "\n"
    "Final-Recipient: rfc822; joe@example.org\n"
    "Original-Recipient: rfc822;joe@example.org\n"
    "Action: Failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <joe@example.org>: Recipient address rejected\n"
    "\n"
    "Final-Recipient: rfc822;<ann@example.org>\n"
    "Action: delayed\n"
    "Status: 4.4.1 (connection timed out)\n"
    "\n"
    "--B\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: the post\n"
    "\n"
    "body\n"
    "--B--\n";

static void
test_bounce(void)
{
    struct arena *a = arena_new(0);
    struct dsn d;
    CHECK_INT(dsn_parse(a, slice_from_cstr(bounce), &d), 0);
    CHECK_INT(d.n, 2);
    if (d.n == 2) {
        CHECK_STR(d.r[0].final_recipient, "joe@example.org");
        CHECK_STR(d.r[0].action, "failed");
        CHECK_STR(d.r[0].status, "5.1.1");
        CHECK_STR(d.r[1].final_recipient, "ann@example.org");
        CHECK_STR(d.r[1].action, "delayed");
        CHECK_STR(d.r[1].status, "4.4.1");
    }
    CHECK_INT(dsn_parse(a, SLICE_LIT("Subject: hi\n\nno report here\n"), &d), -1);
    arena_free(&a);
}

static void
test_bad_status(void)
{
    static const char *const bad[] = {"6.1.1", "5.1", "5..1", "5.1.1.1", "x", "5.1.1234567"};
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct str m;
        str_init(&m, 0);
        str_appendf(&m, "Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
                        "Final-Recipient: rfc822; a@b.org\nAction: failed\nStatus: %s\n",
                    bad[i]);
        struct dsn d;
        t_current = bad[i];
        CHECK_INT(dsn_parse(a, str_slice(&m), &d), 0);
        CHECK_INT(d.n, 1);
        if (d.n == 1)
            CHECK_STR(d.r[0].status, "");
        str_deinit(&m);
    }
    arena_free(&a);
}

static void
test_classes(void)
{
    CHECK_INT(dsn_classify("5.1.1"), DSN_CLASS_HARD);
    CHECK_INT(dsn_classify("5.1.10"), DSN_CLASS_HARD);
    CHECK_INT(dsn_classify("5.2.1"), DSN_CLASS_HARD);
    CHECK_INT(dsn_classify("5.7.1"), DSN_CLASS_POLICY);
    CHECK_INT(dsn_classify("5.7.26"), DSN_CLASS_POLICY);
    CHECK_INT(dsn_classify("5.2.2"), DSN_CLASS_OTHER);
    CHECK_INT(dsn_classify("4.2.2"), DSN_CLASS_SOFT);
    CHECK_INT(dsn_classify("2.0.0"), DSN_CLASS_NONE);
    CHECK_INT(dsn_classify(""), DSN_CLASS_NONE);
}

int
main(void)
{
    T_RUN(test_bounce);
    T_RUN(test_bad_status);
    T_RUN(test_classes);
    return t_done();
}
