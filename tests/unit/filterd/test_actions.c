/*
 * Tests of filterd/actions: the plan for each action (header edits with
 * forged headers of ours removed, the subject prefix never doubled, the
 * replies), folding, and the message written with the edits (golden
 * output for a CRLF and an LF message, a large message copied in chunks).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filterd/actions.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "t.h"

static struct pipeline *
pipeline_with(const char *const *overrides)
{
    struct config *c = settings_new();
    for (size_t i = 0; overrides && overrides[i]; i++)
        CHECK_INT(config_set_override(c, overrides[i]), 0);
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    if (p == NULL)
        fprintf(stderr, "pipeline_new: %s", str_cstr(&err));
    CHECK(p != NULL);
    str_deinit(&err);
    config_free(&c);
    return p;
}

/* A verdict with one symbol of that score, finished by p's thresholds;
 * action forces an action when >= 0. */
static void
verdict_with(struct verdict *v, struct arena *a, const struct pipeline *p, double score,
             int action)
{
    verdict_init(v, a);
    if (score != 0)
        verdict_add(v, "TEST_B", score, "");
    verdict_add(v, "TEST_A", 0, "");
    if (action >= 0) {
        v->final = true;
        v->action = (enum verdict_action)action;
    }
    verdict_finish(v, pipeline_thresholds(p));
}

/* The plan as text: "-Name#2 ~Subject#1=v +Name=v", one edit a word. */
static void
plan_text(const struct action_plan *plan, struct str *out)
{
    static const char ops[] = "-+~";
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct header_edit *e = &plan->edits[i];
        if (i)
            str_appendc(out, '|');
        str_appendf(out, "%c%s", ops[e->op], e->name);
        if (e->op != HEADER_EDIT_ADD)
            str_appendf(out, "#%zu", e->occurrence);
        if (e->value)
            str_appendf(out, "=%s", e->value);
    }
}

static const char forged[] = "From: a@example.com\n"
                             "X-Spam-Status: No, score=-5.0\n"
                             "Subject: hello\n"
                             "x-spam-flag: NO\n"
                             "X-Spam-Score: -5\n"
                             "X-SPAM-SCORE: -6\n"
                             "X-Spam-Level:\n"
                             "\n"
                             "body\n";

static void
test_header_edits(void)
{
    struct pipeline *p = pipeline_with(
        (const char *const[]){"rewrite_subject_score=8", "quarantine_score=10", NULL});
    static const struct {
        const char *name;
        double score;
        int action;
        const char *plan;
    } cases[] = {
        {"accept", 0.5, -1,
         "-X-Spam-Status#1|-X-Spam-Score#2|-X-Spam-Score#1|-X-Spam-Level#1|-X-Spam-Flag#"
         "1|"
         "+X-Spam-Status=No, score=0.5 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=0.5|"
         "+X-Spam-Level="},
        {"add-header", 6.25, -1,
         "-X-Spam-Status#1|-X-Spam-Score#2|-X-Spam-Score#1|-X-Spam-Level#1|-X-Spam-Flag#"
         "1|"
         "+X-Spam-Status=Yes, score=6.2 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=6.2|"
         "+X-Spam-Level=******|+X-Spam-Flag=YES"},
        {"rewrite-subject", 8, -1,
         "-X-Spam-Status#1|-X-Spam-Score#2|-X-Spam-Score#1|-X-Spam-Level#1|-X-Spam-Flag#"
         "1|"
         "~Subject#1=[SPAM] hello|"
         "+X-Spam-Status=Yes, score=8.0 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=8.0|"
         "+X-Spam-Level=********|+X-Spam-Flag=YES"},
        {"quarantine", 11, -1,
         "-X-Spam-Status#1|-X-Spam-Score#2|-X-Spam-Score#1|-X-Spam-Level#1|-X-Spam-Flag#"
         "1|"
         "~Subject#1=[SPAM] hello|"
         "+X-Spam-Status=Yes, score=11.0 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=11.0|"
         "+X-Spam-Level=***********|+X-Spam-Flag=YES"},
        {"negative", -0.04, -1,
         "-X-Spam-Status#1|-X-Spam-Score#2|-X-Spam-Score#1|-X-Spam-Level#1|-X-Spam-Flag#"
         "1|"
         "+X-Spam-Status=No, score=0.0 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=0.0|"
         "+X-Spam-Level="},
        {"reject", 20, -1, ""},
        {"tempfail", 0, VERDICT_TEMPFAIL, ""},
        {"discard", 0, VERDICT_DISCARD, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        struct message *m =
            message_from_memory(forged, sizeof(forged) - 1, pipeline_limits(p));
        struct verdict v;
        struct action_plan plan;
        struct str got;
        verdict_with(&v, m->arena, p, cases[i].score, cases[i].action);
        actions_plan(p, m, &v, &plan);
        str_init(&got, 0);
        plan_text(&plan, &got);
        CHECK_STR(str_cstr(&got), cases[i].plan);
        CHECK_INT(plan.action, v.action);
        str_deinit(&got);
        message_free(&m);
    }
    t_current = "test_header_edits";
    pipeline_free(&p);
}

static void
test_header_settings(void)
{
    static const char msg[] = "Subject: hi\nX-Spam-Flag: YES\nX-Scan: old\n\nbody\n";
    static const struct {
        const char *name;
        const char *settings[4];
        double score;
        const char *plan;
    } cases[] = {
        {"spam only, ham", {"add_header_mode=spam"}, 1, "-X-Spam-Flag#1"},
        {"spam only, spam",
         {"add_header_mode=spam"},
         5,
         "-X-Spam-Flag#1|+X-Spam-Status=Yes, score=5.0 required=5.0 tests=TEST_A,TEST_B|"
         "+X-Spam-Score=5.0|+X-Spam-Level=*****|+X-Spam-Flag=YES"},
        {"renamed and off",
         {"spam_header_status=X-Scan", "spam_header_level=", "spam_header_flag="},
         1,
         "-X-Scan#1|+X-Scan=No, score=1.0 required=5.0 "
         "tests=TEST_A,TEST_B|+X-Spam-Score=1.0"},
        {"never spam",
         {"required_score=-1"},
         100,
         "-X-Spam-Flag#1|+X-Spam-Status=No, score=100.0 required=-1.0 "
         "tests=TEST_A,TEST_B|"
         "+X-Spam-Score=100.0|+X-Spam-Level=*********************************************"
         "*****"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        struct pipeline *p = pipeline_with(cases[i].settings);
        struct message *m = message_from_memory(msg, sizeof(msg) - 1, pipeline_limits(p));
        struct verdict v;
        struct action_plan plan;
        struct str got;
        verdict_with(&v, m->arena, p, cases[i].score, VERDICT_ACCEPT);
        actions_plan(p, m, &v, &plan);
        str_init(&got, 0);
        plan_text(&plan, &got);
        CHECK_STR(str_cstr(&got), cases[i].plan);
        str_deinit(&got);
        message_free(&m);
        pipeline_free(&p);
    }
}

/* The Subject edit alone, for a message with those headers. */
static void
subject_edit(const struct pipeline *p, const char *headers, struct str *out)
{
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s\nbody\n", headers);
    struct message *m = message_from_memory(msg, strlen(msg), pipeline_limits(p));
    struct verdict v;
    struct action_plan plan;
    verdict_with(&v, m->arena, p, 0, VERDICT_REWRITE_SUBJECT);
    actions_plan(p, m, &v, &plan);
    for (size_t i = 0; i < plan.nedits; i++)
        if (strcmp(plan.edits[i].name, "Subject") == 0)
            str_appendf(out, "%s%c%s", out->len ? "|" : "", "-+~"[plan.edits[i].op],
                        plan.edits[i].value);
    message_free(&m);
}

static void
test_subject(void)
{
    static const struct {
        const char *name, *prefix, *headers, *edit;
    } cases[] = {
        {"plain", NULL, "Subject: hello\n", "~[SPAM] hello"},
        {"already", NULL, "Subject: [SPAM] hello\n", ""},
        {"already, blank", NULL, "Subject:   [SPAM] hello\n", ""},
        {"already, encoded", NULL, "Subject: =?UTF-8?Q?=5BSPAM=5D_hello?=\n", ""},
        {"only inside", NULL, "Subject: re: [SPAM] hello\n", "~[SPAM] re: [SPAM] hello"},
        {"folded", NULL, "Subject: a\n  long\n\tsubject\n", "~[SPAM] a  long\tsubject"},
        {"encoded", NULL, "Subject: =?UTF-8?B?w6l0w6k=?=\n",
         "~[SPAM] =?UTF-8?B?w6l0w6k=?="},
        {"empty", NULL, "Subject:\n", "~[SPAM]"},
        {"missing", NULL, "From: a@example.com\n", "+[SPAM]"},
        {"two subjects", NULL, "Subject: one\nSubject: two\n", "~[SPAM] one"},
        {"other prefix", "subject_prefix=***SPAM***", "Subject: hi\n", "~***SPAM*** hi"},
        {"prefix off", "subject_prefix=", "Subject: hi\n", ""},
        {"utf-8 prefix", "subject_prefix=[Pourriel é]", "Subject: hi\n",
         "~=?UTF-8?Q?=5BPourriel_=C3=A9=5D?= hi"},
        {"utf-8 prefix, encoded next", "subject_prefix=[é]", "Subject: =?UTF-8?Q?x?=\n",
         "~=?UTF-8?Q?=5B=C3=A9=5D_?= =?UTF-8?Q?x?="},
        {"utf-8 prefix, already", "subject_prefix=[é]",
         "Subject: =?UTF-8?Q?=5B=C3=A9=5D?= x\n", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        struct pipeline *p = pipeline_with((const char *const[]){cases[i].prefix, NULL});
        struct str got;
        str_init(&got, 0);
        subject_edit(p, cases[i].headers, &got);
        CHECK_STR(str_cstr(&got), cases[i].edit);
        str_deinit(&got);
        pipeline_free(&p);
    }
}

static void
test_replies(void)
{
    struct pipeline *p =
        pipeline_with((const char *const[]){"quarantine_score=10", NULL});
    struct pipeline *p2 = pipeline_with((const char *const[]){
        "reject_message=Go away", "tempfail_message=Not now, thanks", NULL});
    static const char msg[] = "Subject: x\n\nbody\n";
    static const struct {
        const char *name;
        bool custom;
        double score;
        int action;
        const char *reply; /* "code xcode text", or "" */
        const char *reason;
    } cases[] = {
        {"reject", false, 20, -1, "550 5.7.1 Message rejected as spam", NULL},
        {"tempfail", false, 0, VERDICT_TEMPFAIL, "451 4.7.1 Try again later", NULL},
        {"reject, custom", true, 20, -1, "550 5.7.1 Go away", NULL},
        {"tempfail, custom", true, 0, VERDICT_TEMPFAIL, "451 4.7.1 Not now, thanks",
         NULL},
        {"discard", false, 0, VERDICT_DISCARD, "", NULL},
        {"accept", false, 0, -1, "", NULL},
        {"quarantine", false, 12, -1, "", "score=12.0 required=5.0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        const struct pipeline *pp = cases[i].custom ? p2 : p;
        struct message *m =
            message_from_memory(msg, sizeof(msg) - 1, pipeline_limits(pp));
        struct verdict v;
        struct action_plan plan;
        char reply[256] = "";
        verdict_with(&v, m->arena, pp, cases[i].score, cases[i].action);
        actions_plan(pp, m, &v, &plan);
        if (plan.reply_code)
            snprintf(reply, sizeof(reply), "%s %s %s", plan.reply_code, plan.reply_xcode,
                     plan.reply_text);
        CHECK_STR(reply, cases[i].reply);
        if (cases[i].reason)
            CHECK_STR(plan.quarantine_reason, cases[i].reason);
        else
            CHECK(plan.quarantine_reason == NULL);
        message_free(&m);
    }
    t_current = "test_replies";

    /* An early stage's reply wins over the configured text. */
    struct message *m = message_from_memory(msg, sizeof(msg) - 1, pipeline_limits(p2));
    struct verdict v;
    struct action_plan plan;
    verdict_init(&v, m->arena);
    v.final = true;
    v.action = VERDICT_REJECT;
    v.reply_code = "552";
    v.reply_xcode = "5.3.4";
    v.reply_text = "Message too big";
    verdict_finish(&v, pipeline_thresholds(p2));
    actions_plan(p2, m, &v, &plan);
    CHECK_STR(plan.reply_code, "552");
    CHECK_STR(plan.reply_xcode, "5.3.4");
    CHECK_STR(plan.reply_text, "Message too big");
    CHECK_INT(plan.nedits, 0);
    /* ... and a quarantine decided early gives its reason. */
    v.action = VERDICT_QUARANTINE;
    v.reply_code = v.reply_xcode = NULL;
    actions_plan(p2, m, &v, &plan);
    CHECK_STR(plan.quarantine_reason, "Message too big");
    CHECK(plan.reply_code == NULL);
    message_free(&m);
    pipeline_free(&p);
    pipeline_free(&p2);
}

static void
test_fold(void)
{
    static const struct {
        size_t name_len;
        const char *value, *eol, *want;
    } cases[] = {
        {7, "short value", "\n", "short value"},
        {13,
         "Yes, score=12.3 required=5.0 tests=AAAAAAAAAAAA,BBBBBBBBBBBBBB,CCCCCCCCCCCC "
         "autolearn=no",
         "\r\n",
         "Yes, score=12.3 required=5.0\r\n "
         "tests=AAAAAAAAAAAA,BBBBBBBBBBBBBB,CCCCCCCCCCCC "
         "autolearn=no"},
        {13,
         "one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen",
         "\n",
         "one two three four five six seven eight nine ten eleven twelve\n thirteen "
         "fourteen"},
        {7, "line\r\nbreak\nhere\r", "\n", "line  break here "},
        {7, "  lead and  two", "\n", "  lead and  two"},
        {7, "tab\tkept", "\n", "tab\tkept"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str out;
        str_init(&out, 0);
        t_current = cases[i].value;
        CHECK_INT(actions_fold(cases[i].name_len, cases[i].value, cases[i].eol, &out), 0);
        CHECK_STR(str_cstr(&out), cases[i].want);
        str_deinit(&out);
    }
    t_current = "test_fold";

    /* A word past the hard limit breaks after a comma; no line passes it. */
    struct str v, out;
    str_init(&v, 0);
    str_init(&out, 0);
    str_append_cstr(&v, "tests=");
    for (int i = 0; i < 200; i++)
        str_appendf(&v, "%sSYMBOL_%03d", i ? "," : "", i);
    CHECK_INT(actions_fold(13, str_cstr(&v), "\n", &out), 0);
    size_t col = 15, longest = 0, breaks = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.buf[i] == '\n') {
            breaks++;
            CHECK(out.buf[i - 1] == ',' && out.buf[i + 1] == '\t');
            col = 0;
        } else if (++col > longest) {
            longest = col;
        }
    }
    CHECK(longest <= ACTIONS_FOLD_HARD);
    CHECK_INT(breaks, 2);
    CHECK_INT(out.len, v.len + 2 * breaks);

    /* The maximum of out is honoured. */
    struct str small;
    str_init(&small, 10);
    CHECK_INT(actions_fold(5, "a value longer than ten", "\n", &small), -1);
    str_deinit(&small);
    str_deinit(&v);
    str_deinit(&out);
}

/* Write m with plan into a temporary file; return its bytes (malloc'd). */
static char *
written(const struct action_plan *plan, const struct message *m, size_t *len_r)
{
    char path[] = "/tmp/tamis-actions-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK_INT(actions_write_message(plan, m, fd), 0);
    struct stat st;
    fstat(fd, &st);
    char *buf = malloc((size_t)st.st_size + 1);
    CHECK(pread(fd, buf, (size_t)st.st_size, 0) == st.st_size);
    buf[st.st_size] = '\0';
    close(fd);
    *len_r = (size_t)st.st_size;
    return buf;
}

/* Plan for m as a quarantine with score 12 and write it. */
static char *
write_quarantined(const struct pipeline *p, const char *msg, size_t len, size_t *len_r)
{
    struct message *m = message_from_memory(msg, len, pipeline_limits(p));
    struct verdict v;
    struct action_plan plan;
    verdict_with(&v, m->arena, p, 12, -1);
    actions_plan(p, m, &v, &plan);
    char *out = written(&plan, m, len_r);
    message_free(&m);
    return out;
}

static void
test_write_golden(void)
{
    struct pipeline *p =
        pipeline_with((const char *const[]){"quarantine_score=10", NULL});
    static const struct {
        const char *name, *in, *out;
    } cases[] = {
        {"LF",
         "From: a@example.com\n"
         "X-Spam-Status: No, score=-100.0\n"
         "\tfolded=yes\n"
         "Subject: hello\n"
         "  world\n"
         "X-Spam-Flag: NO\n"
         "To: b@example.com\n"
         "\n"
         "X-Spam-Flag: body text, kept\n"
         "\n"
         "end\n",
         "From: a@example.com\n"
         "Subject: [SPAM] hello  world\n"
         "To: b@example.com\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"
         "\n"
         "X-Spam-Flag: body text, kept\n"
         "\n"
         "end\n"},
        {"CRLF",
         "From a@example.com Mon Jan  1 00:00:00 2024\r\n"
         "Received: from x\r\n"
         "\tby y\r\n"
         "x-spam-status: Yes\r\n"
         "Subject: hi\r\n"
         "X-Spam-Status : forged\r\n"
         "\r\n"
         "body\r\n",
         "From a@example.com Mon Jan  1 00:00:00 2024\r\n"
         "Received: from x\r\n"
         "\tby y\r\n"
         "Subject: [SPAM] hi\r\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\r\n"
         "X-Spam-Score: 12.0\r\n"
         "X-Spam-Level: ************\r\n"
         "X-Spam-Flag: YES\r\n"
         "\r\n"
         "body\r\n"},
        {"no body", "Subject: hi\nX-Spam-Flag: NO",
         "Subject: [SPAM] hi\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"},
        {"no end of line", "Subject: hi",
         "Subject: [SPAM] hi\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"},
        {"junk lines",
         " fold with no field\nFrom: a@example.com\njunk one\nX-Spam-Flag: NO\njunk two\n"
         "Subject: hi\n",
         "From: a@example.com\n"
         "Subject: [SPAM] hi\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"},
        {"no blank line",
         "From: a@example.com\nthis line starts the body\nX-Spam-Flag: NO\n",
         "From: a@example.com\n"
         "Subject: [SPAM]\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"},
        {"body without a blank line",
         "From: a@example.com\nthis line starts the body\nso does this one\n",
         "From: a@example.com\n"
         "Subject: [SPAM]\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"
         "\n"
         "this line starts the body\nso does this one\n"},
        {"body only", " folded first line\nthen text\n",
         "Subject: [SPAM]\n"
         "X-Spam-Status: Yes, score=12.0 required=5.0 tests=TEST_A,TEST_B\n"
         "X-Spam-Score: 12.0\n"
         "X-Spam-Level: ************\n"
         "X-Spam-Flag: YES\n"
         "\n"
         " folded first line\nthen text\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        size_t n;
        char *out = write_quarantined(p, cases[i].in, strlen(cases[i].in), &n);
        CHECK_MEM(out, n, cases[i].out);
        free(out);
    }
    t_current = "test_write_golden";
    pipeline_free(&p);
}

static void
test_write_large(void)
{
    /* Read from a file in chunks; the body is copied byte for byte. */
    struct pipeline *p = pipeline_with((const char *const[]){"spool_threshold=4k", NULL});
    static const char head[] = "Subject: big\r\nX-Spam-Score: 99\r\n\r\n";
    size_t body = 5 * BLOB_CHUNK + 123, total = sizeof(head) - 1 + body;
    char *msg = malloc(total);
    memcpy(msg, head, sizeof(head) - 1);
    for (size_t i = 0; i < body; i++)
        msg[sizeof(head) - 1 + i] = (i % 77 == 76) ? '\n' : (char)('a' + i % 26);
    char path[] = "/tmp/tamis-big-XXXXXX";
    int fd = mkstemp(path);
    CHECK(write(fd, msg, total) == (ssize_t)total);
    close(fd);
    struct str err;
    str_init(&err, 0);
    struct message *m = message_load(path, pipeline_limits(p), &err);
    unlink(path);
    CHECK(m != NULL && blob_data(m->blob) == NULL);
    struct verdict v;
    struct action_plan plan;
    verdict_with(&v, m->arena, p, 1, -1);
    actions_plan(p, m, &v, &plan);
    size_t n;
    char *out = written(&plan, m, &n);
    static const char want_head[] =
        "Subject: big\r\n"
        "X-Spam-Status: No, score=1.0 required=5.0 tests=TEST_A,TEST_B\r\n"
        "X-Spam-Score: 1.0\r\n"
        "X-Spam-Level: *\r\n"
        "\r\n";
    CHECK_INT(n, sizeof(want_head) - 1 + body);
    CHECK(memcmp(out, want_head, sizeof(want_head) - 1) == 0);
    CHECK(memcmp(out + sizeof(want_head) - 1, msg + sizeof(head) - 1, body) == 0);
    free(out);
    message_free(&m);
    str_deinit(&err);

    /* No edits: the message comes out as it went in. */
    m = message_from_memory(msg, total, pipeline_limits(p));
    struct action_plan none = {.action = VERDICT_ACCEPT};
    out = written(&none, m, &n);
    CHECK_INT(n, total);
    CHECK(memcmp(out, msg, total) == 0);
    free(out);
    message_free(&m);

    /* A write error is returned with errno. */
    m = message_from_memory(msg, total, pipeline_limits(p));
    CHECK_INT(actions_write_message(&none, m, -1), -1);
    message_free(&m);
    free(msg);
    pipeline_free(&p);
}

int
main(void)
{
    T_RUN(test_header_edits);
    T_RUN(test_header_settings);
    T_RUN(test_subject);
    T_RUN(test_replies);
    T_RUN(test_fold);
    T_RUN(test_write_golden);
    T_RUN(test_write_large);
    return t_done();
}
