/* Unit tests of mail/dsn: the sample bounces under tests/data/dsn (one per
 * MTA and case), the classification table, status codes, the limits, and
 * split feeding through the incremental MIME parser. */
#include "t.h"

#include <fcntl.h>
#include <unistd.h>

#include "lib/fdio.h"
#include "mail/dsn.h"

static int
load(const char *name, struct str *out)
{
    const char *data = getenv("TAMIS_TEST_DATA");
    char path[512];
    snprintf(path, sizeof path, "%s/dsn/%s", data ? data : "tests/data", name);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0)
        return -1;
    str_init(out, 0);
    int rc = fdio_read_to_str(fd, out);
    close(fd);
    return rc;
}

static void
status_text(const struct dsn_status *st, struct str *out)
{
    if (st->klass == 0)
        (void)str_append_cstr(out, "-");
    CHECK_INT(dsn_status_text(st, out), 0);
}

/* "source|addr action status class; ..." */
static void
render(const struct dsn_report *r, struct str *out)
{
    (void)str_appendf(out, "%s|", dsn_source_name(r->source));
    for (size_t i = 0; i < r->n; i++) {
        const struct dsn_recipient *rc = &r->rcpts[i];
        (void)str_appendf(out, "%s%s %s ", i ? "; " : "", rc->final_recipient,
                          dsn_action_name(rc->action));
        status_text(&rc->status, out);
        (void)str_appendf(out, " %s", dsn_class_name(dsn_classify(rc)));
    }
}

static const struct {
    const char *file;
    int rc;
    const char *want;
    const char *mta;
    unsigned flags;
} samples[] = {
    {"postfix.eml", 0, "rfc3464|joe@example.net failed 5.1.1 hard", "mx.example.org", 0},
    /* written by this machine's Postfix: tests/data/dsn/capture-postfix.sh */
    {"postfix-real.eml", 0, "rfc3464|nobody@test.example failed 5.1.1 hard",
     "mx.test.example", 0},
    {"sendmail.eml", 0,
     "rfc3464|bob@example.com failed 5.1.1 hard; carol@example.com failed 5.2.1 hard",
     "relay.example.com", 0},
    {"exchange.eml", 0, "rfc3464|dana@corp.example.com failed 5.1.10 hard",
     "EX01.corp.example.com", 0},
    {"qmail.eml", 0,
     "qsbmf|eve@example.net failed 5.1.1 hard; frank@example.org failed 5.2.2 temporary; "
     "gina@example.org failed 5.7.1 policy; hal@old.example.org failed 5.1.2 hard",
     "mail.example.net", 0},
    {"delayed.eml", 0, "rfc3464|ivy@example.net delayed 4.4.1 temporary",
     "mx.example.org", 0},
    {"dmarc.eml", 0, "rfc3464|jo@mail.example.com failed 5.7.26 policy",
     "lists.example.org", 0},
    {"global.eml", 0, "rfc3464|\xe5\xb1\xb1\xe7\x94\xb0@example.jp failed 5.1.1 hard",
     "mx.example.jp", 0},
    {"plaintext.eml", 0, "text|kim@example.net failed 5.0.0 hard", "", 0},
    {"malformed.eml", 0,
     "rfc3464|lee@example.org failed 5.1.1 hard; mo@example.org unknown - unknown; "
     "ned@example.org unknown - unknown",
     "broken.example", DSN_F_MALFORMED | DSN_F_MIME_DAMAGED},
    {"notbounce.eml", -1, "none|", "", 0},
};

static void
test_samples(void)
{
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        t_current = samples[i].file;
        struct str msg, got;
        if (load(samples[i].file, &msg) < 0)
            continue;
        struct arena *a = arena_new(0);
        struct dsn_report r;
        CHECK_INT(dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r), samples[i].rc);
        str_init(&got, 0);
        render(&r, &got);
        CHECK_STR(str_cstr(&got), samples[i].want);
        CHECK_STR(r.reporting_mta ? r.reporting_mta : "(null)", samples[i].mta);
        CHECK_INT(r.flags, samples[i].flags);
        CHECK_INT(dsn_source_is_guess(r.source),
                  r.source == DSN_SOURCE_QSBMF || r.source == DSN_SOURCE_TEXT);
        str_deinit(&got);
        str_deinit(&msg);
        arena_free(&a);
    }
}

/* The fields a list manager reads beyond the table above. */
static void
test_fields(void)
{
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    struct str msg;
    if (load("postfix.eml", &msg) < 0)
        return;
    struct arena *a = arena_new(0);
    struct dsn_report r;
    CHECK_INT(dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r), 0);
    CHECK_INT(r.n, 1);
    if (r.n == 1) {
        CHECK_STR(r.rcpts[0].original_recipient, "joe@example.net");
        CHECK_STR(r.rcpts[0].remote_mta, "mail.example.net");
        CHECK_INT(r.rcpts[0].smtp_code, 550);
        CHECK_STR(r.rcpts[0].diagnostic,
                  "550 5.1.1 <joe@example.net>: Recipient address "
                  "rejected: User unknown in virtual mailbox table");
    }
    CHECK(r.original != NULL);
    if (r.original)
        CHECK_STR(r.original->type, "text/rfc822-headers");
    str_deinit(&msg);
    arena_free(&a);
}

static void
test_classify(void)
{
    static const struct {
        enum dsn_action action;
        struct dsn_status st;
        int smtp;
        const char *diag;
        enum dsn_class want;
    } cases[] = {
        {DSN_ACTION_FAILED, {5, 1, 1}, 550, "", DSN_CLASS_HARD},
        {DSN_ACTION_FAILED, {5, 1, 2}, 0, "", DSN_CLASS_HARD},
        {DSN_ACTION_FAILED, {5, 1, 10}, 0, "", DSN_CLASS_HARD},
        {DSN_ACTION_FAILED, {5, 2, 1}, 0, "", DSN_CLASS_HARD},
        {DSN_ACTION_FAILED,
         {5, 4, 4},
         0,
         "Host or domain name not found",
         DSN_CLASS_HARD},
        {DSN_ACTION_FAILED, {5, 0, 0}, 550, "550 sorry, user unknown", DSN_CLASS_HARD},
        {DSN_ACTION_FAILED,
         {5, 0, 0},
         550,
         "550 Requested action not taken",
         DSN_CLASS_UNKNOWN},
        {DSN_ACTION_FAILED, {5, 0, 0}, 554, "554 rejected by DMARC", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 5, 0}, 550, "550 listed at Spamhaus", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 7, 1}, 550, "user unknown", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 7, 26}, 550, "DMARC", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 1, 7}, 553, "bad sender address", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 1, 8}, 553, "", DSN_CLASS_POLICY},
        {DSN_ACTION_FAILED, {5, 2, 2}, 552, "", DSN_CLASS_TEMPORARY},
        {DSN_ACTION_FAILED, {5, 0, 0}, 552, "mailbox full", DSN_CLASS_TEMPORARY},
        {DSN_ACTION_FAILED, {5, 3, 4}, 552, "message too big", DSN_CLASS_UNKNOWN},
        {DSN_ACTION_FAILED, {4, 4, 1}, 0, "", DSN_CLASS_TEMPORARY},
        {DSN_ACTION_FAILED, {0, 0, 0}, 0, "", DSN_CLASS_UNKNOWN},
        {DSN_ACTION_FAILED, {0, 0, 0}, 450, "", DSN_CLASS_TEMPORARY},
        {DSN_ACTION_FAILED, {2, 0, 0}, 0, "", DSN_CLASS_UNKNOWN},
        {DSN_ACTION_UNKNOWN, {0, 0, 0}, 550, "no such user", DSN_CLASS_HARD},
        {DSN_ACTION_DELAYED, {5, 1, 1}, 0, "", DSN_CLASS_TEMPORARY},
        {DSN_ACTION_DELIVERED, {2, 0, 0}, 250, "", DSN_CLASS_SUCCESS},
        {DSN_ACTION_RELAYED, {2, 0, 0}, 0, "", DSN_CLASS_SUCCESS},
        {DSN_ACTION_EXPANDED, {2, 0, 0}, 0, "", DSN_CLASS_SUCCESS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dsn_recipient r = {.final_recipient = "",
                                  .original_recipient = "",
                                  .action = cases[i].action,
                                  .status = cases[i].st,
                                  .smtp_code = cases[i].smtp,
                                  .diagnostic = cases[i].diag,
                                  .remote_mta = ""};
        if (dsn_classify(&r) != cases[i].want)
            fprintf(stderr, "case %zu: %s\n", i, dsn_class_name(dsn_classify(&r)));
        CHECK_INT(dsn_classify(&r), cases[i].want);
    }
}

static void
test_status_parse(void)
{
    static const struct {
        const char *in;
        int rc, k, s, d;
    } cases[] = {
        {"5.1.1", 0, 5, 1, 1},         {"  4.4.7 (delivery time expired)", 0, 4, 4, 7},
        {"5.1.10", 0, 5, 1, 10},       {"2.0.0", 0, 2, 0, 0},
        {"5.999.999", 0, 5, 999, 999}, {"5.1000.1", -1, 0, 0, 0},
        {"3.1.1", -1, 0, 0, 0},        {"5.1", -1, 0, 0, 0},
        {"5..1", -1, 0, 0, 0},         {"5.1.1.1", -1, 0, 0, 0},
        {"55.1.1", -1, 0, 0, 0},       {"", -1, 0, 0, 0},
        {"5.x.1", -1, 0, 0, 0},        {"5.1.1234", -1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dsn_status st = {0, 0, 0};
        t_current = cases[i].in;
        CHECK_INT(dsn_status_parse(slice_from_cstr(cases[i].in), &st), cases[i].rc);
        CHECK_INT(st.klass, cases[i].k);
        CHECK_INT(st.subject, cases[i].s);
        CHECK_INT(st.detail, cases[i].d);
    }
}

static void
test_limits(void)
{
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    struct str msg;
    if (load("sendmail.eml", &msg) < 0)
        return;
    struct arena *a = arena_new(0);
    struct dsn_report r;
    dl.rcpt_max = 1;
    CHECK_INT(dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r), 0);
    CHECK_INT(r.n, 1);
    CHECK(r.flags & DSN_F_RCPT_LIMIT);
    dl = dsn_limits_default();
    dl.field_max = 12;
    CHECK_INT(dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r), 0);
    CHECK(r.flags & DSN_F_FIELD_CUT);
    CHECK_INT(r.n, 2);
    for (size_t i = 0; i < r.n; i++)
        CHECK(strlen(r.rcpts[i].diagnostic) <= 12 &&
              strlen(r.rcpts[i].final_recipient) <= 12);
    dl = dsn_limits_default();
    dl.status_max = 200; /* the first recipient block is cut */
    CHECK_INT(dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r), 0);
    CHECK(r.flags & DSN_F_STATUS_CUT);
    CHECK(r.n <= 1);
    str_deinit(&msg);
    arena_free(&a);
}

/* The report is the same whatever the chunks the MIME parser was fed. */
static void
test_split_feeding(void)
{
    static const size_t chunks[] = {1, 2, 3, 7, 61, 512, 100000};
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        t_current = samples[i].file;
        struct str msg;
        if (load(samples[i].file, &msg) < 0)
            continue;
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            struct arena *a = arena_new(0);
            struct mime_parser *p = mime_parser_new(a, &ml);
            for (size_t off = 0; off < msg.len; off += chunks[c]) {
                size_t n = msg.len - off < chunks[c] ? msg.len - off : chunks[c];
                mime_parser_push(p, msg.buf + off, n);
            }
            struct mime_message *m = mime_parser_finish(p);
            struct dsn_report r;
            struct str got;
            str_init(&got, 0);
            CHECK_INT(dsn_parse_tree(a, &ml, &dl, m, msg.buf, msg.len, &r),
                      samples[i].rc);
            render(&r, &got);
            CHECK_STR(str_cstr(&got), samples[i].want);
            str_deinit(&got);
            mime_parser_free(&p);
            arena_free(&a);
        }
        str_deinit(&msg);
    }
}

/* The class of a report for the subscriber its VERP address named. */
static void
test_report_class(void)
{
    static const struct {
        const char *file, *subscriber;
        enum dsn_class want;
    } cases[] = {
        {"postfix.eml", "joe@example.net", DSN_CLASS_HARD},
        {"postfix.eml", "joe@EXAMPLE.NET", DSN_CLASS_HARD},
        {"postfix.eml", "elsewhere@example.com", DSN_CLASS_HARD}, /* forwarded */
        {"qmail.eml", "frank@example.org", DSN_CLASS_TEMPORARY},
        {"qmail.eml", "gina@example.org", DSN_CLASS_POLICY},
        {"qmail.eml", "Gina@example.org", DSN_CLASS_UNKNOWN}, /* mixed, no match */
        {"qmail.eml", "", DSN_CLASS_UNKNOWN},
        {"sendmail.eml", "nobody@example.com", DSN_CLASS_HARD}, /* all hard */
        {"dmarc.eml", "jo@mail.example.com", DSN_CLASS_POLICY},
        {"delayed.eml", "ivy@example.net", DSN_CLASS_TEMPORARY},
        {"notbounce.eml", "ann@example.com", DSN_CLASS_UNKNOWN},
    };
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct str msg;
        t_current = cases[i].subscriber;
        if (load(cases[i].file, &msg) < 0)
            continue;
        struct arena *a = arena_new(0);
        struct dsn_report r;
        (void)dsn_parse(a, &ml, &dl, msg.buf, msg.len, &r);
        CHECK_INT(dsn_report_class(&r, slice_from_cstr(cases[i].subscriber)),
                  cases[i].want);
        str_deinit(&msg);
        arena_free(&a);
    }
}

int
main(void)
{
    T_RUN(test_samples);
    T_RUN(test_fields);
    T_RUN(test_classify);
    T_RUN(test_status_parse);
    T_RUN(test_limits);
    T_RUN(test_split_feeding);
    T_RUN(test_report_class);
    return t_done();
}
