/*
 * Tests of filterd/pipeline and filterd/check_content: the stages, the
 * thresholds to every action, GTUBE, pattern files (matching and their
 * errors with file:line), the size check, the failure policy and the log
 * line.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_content.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "lib/log.h"
#include "t.h"

#define MAX_OVERRIDES 8

/* Temporary files made by the tests, removed at the end. */
static char tmp_files[32][64];
static size_t ntmp;

static const char *
write_tmp(const char *content, size_t len)
{
    char *path = tmp_files[ntmp++];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(tmp_files[0]), "%s/tamis-test-XXXXXX",
             dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, content, len) == (ssize_t)len);
    close(fd);
    return path;
}

static void
remove_tmp(void)
{
    for (size_t i = 0; i < ntmp; i++)
        unlink(tmp_files[i]);
}

/* A configuration with the overrides (NULL-terminated) applied. */
static struct config *
config_with(const char *const *overrides)
{
    struct config *c = settings_new();
    /* No rules (not even installed default rules): the symbols are the checks'. */
    CHECK_INT(config_load_buffer(c, "test", "rules = none\n", 12), 0);
    for (size_t i = 0; overrides && overrides[i]; i++) {
        int r = config_set_override(c, overrides[i]);
        CHECK_INT(r, 0);
    }
    return c;
}

static struct pipeline *
pipeline_with(const char *const *overrides)
{
    struct config *c = config_with(overrides);
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

static const struct scan_env no_env = {
    .queue_id = "", .client_addr = "", .client_name = "", .helo = "", .sender = ""};

/* Scan text with p; the message is freed, the verdict copied out. */
struct result {
    enum verdict_action action;
    double score;
    bool final;
    char symbols[512];
};

static struct result
scan_text(const struct pipeline *p, const char *text)
{
    struct result r = {0};
    struct message *m = message_from_memory(text, strlen(text), pipeline_limits(p));
    struct verdict v;
    verdict_init(&v, m->arena);
    pipeline_scan(p, &no_env, m, &v);
    r.action = v.action;
    r.score = v.score;
    r.final = v.final;
    for (size_t i = 0; i < v.n; i++) {
        size_t len = strlen(r.symbols);
        snprintf(r.symbols + len, sizeof(r.symbols) - len, "%s%s", len ? "," : "",
                 v.symbols[i].name);
    }
    message_free(&m);
    return r;
}

#define HEADERS                                                                          \
    "From: a@example.com\nTo: b@example.com\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"     \
    "Message-ID: <1@example.com>\n"

static const char patterns[] = "# test patterns\n"
                               "\n"
                               "SCORE_6    6   body /score six\\b/\n"
                               "SCORE_9    9   body /score nine/   nine points\n"
                               "SCORE_12  12   body /score twelve/\n"
                               "SCORE_16  16   body /score sixteen/\n"
                               "SCORE_40  40   body /score forty/\n"
                               "NEG       -2.5 header:X-Trusted /^yes$/i\n"
                               "SUBJ       1   header:Subject /viagra/i subject word\n"
                               "HTML_WORD  1.5 body /hidden offer/\n";

static void
test_thresholds_to_actions(void)
{
    const char *pf = write_tmp(patterns, sizeof(patterns) - 1);
    char files[128];
    snprintf(files, sizeof(files), "pattern_files=%s", pf);
    const char *ov[] = {files, "rewrite_subject_score=8", "quarantine_score=10",
                        "discard_score=30", NULL};
    struct pipeline *p = pipeline_with(ov);
    static const struct {
        const char *name, *body;
        enum verdict_action action;
        double score;
    } cases[] = {
        {"accept", "nothing here\n", VERDICT_ACCEPT, 0},
        {"add-header", "score six\n", VERDICT_ADD_HEADER, 6},
        {"rewrite-subject", "score nine\n", VERDICT_REWRITE_SUBJECT, 9},
        {"quarantine", "score twelve\n", VERDICT_QUARANTINE, 12},
        {"reject", "score sixteen\n", VERDICT_REJECT, 16},
        {"discard", "score forty\n", VERDICT_DISCARD, 40},
        {"sum", "score six and score nine\n", VERDICT_REJECT, 15},
        {"once", "score six\nscore six\nscore six\n", VERDICT_ADD_HEADER, 6},
        {"gtube",
         "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n",
         VERDICT_DISCARD, 1000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char msg[512];
        t_current = cases[i].name;
        snprintf(msg, sizeof(msg), HEADERS "Subject: hi\n\n%s", cases[i].body);
        struct result r = scan_text(p, msg);
        CHECK_INT(r.action, cases[i].action);
        CHECK(r.score > cases[i].score - 0.001 && r.score < cases[i].score + 0.001);
    }
    t_current = "test_thresholds_to_actions";
    pipeline_free(&p);
    CHECK(p == NULL);

    /* tempfail: the size check with that action (the failure policy is
     * tested below). */
    const char *ov2[] = {"max_message_size=1k", "max_message_size_action=tempfail", NULL};
    p = pipeline_with(ov2);
    char big[2048];
    memset(big, 'a', sizeof(big));
    memcpy(big, HEADERS "\n", sizeof(HEADERS));
    big[sizeof(big) - 1] = '\0';
    struct result r = scan_text(p, big);
    CHECK_INT(r.action, VERDICT_TEMPFAIL);
    CHECK(r.final);
    CHECK_STR(r.symbols, "MESSAGE_TOO_BIG");
    pipeline_free(&p);
}

static void
test_patterns_match(void)
{
    const char *pf = write_tmp(patterns, sizeof(patterns) - 1);
    char files[128];
    snprintf(files, sizeof(files), "pattern_files=%s", pf);
    const char *ov[] = {files, NULL};
    struct pipeline *p = pipeline_with(ov);
    static const struct {
        const char *name, *msg, *symbols;
    } cases[] = {
        {"subject decoded", HEADERS "Subject: =?UTF-8?B?VklBR1JBIG5vdw==?=\n\nx\n",
         "SUBJ"},
        {"subject plain", HEADERS "Subject: cheap Viagra\n\nx\n", "SUBJ"},
        {"other header", HEADERS "X-Mailer: viagra\n\nx\n", ""},
        {"negative score", HEADERS "X-Trusted: YES\n\nx\n", "NEG"},
        {"anchored", HEADERS "X-Trusted: yes sir\n\nx\n", ""},
        {"html rendered",
         HEADERS "Content-Type: text/html\n\n<p>hidden <b>offer</b></p>\n", "HTML_WORD"},
        {"html attribute",
         HEADERS "Content-Type: text/html\n\n<p title=\"hidden offer\">x</p>\n", ""},
        {"qp decoded",
         HEADERS "Content-Transfer-Encoding: quoted-printable\n\nscore=20six\n",
         "SCORE_6"},
        {"not in attachment",
         HEADERS "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                 "Content-Type: application/octet-stream\n\nscore six\n--b--\n",
         ""},
        {"second part",
         HEADERS "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n"
                 "Content-Type: text/plain\n\nscore six\n--b--\n",
         "SCORE_6"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        struct result r = scan_text(p, cases[i].msg);
        CHECK_STR(r.symbols, cases[i].symbols);
    }
    t_current = "test_patterns_match";
    /* Descriptions: given, or where and what. */
    static const char both[] = HEADERS "Subject: viagra\n\nscore nine score six\n";
    struct message *m = message_from_memory(both, sizeof(both) - 1, pipeline_limits(p));
    struct verdict v;
    verdict_init(&v, m->arena);
    pipeline_scan(p, &no_env, m, &v);
    CHECK_INT(v.n, 3);
    CHECK_STR(v.symbols[0].description, "subject word");
    CHECK_STR(v.symbols[1].name, "SCORE_6");
    CHECK_STR(v.symbols[1].description, "body matches /score six\\b/");
    CHECK_STR(v.symbols[2].description, "nine points");
    message_free(&m);
    pipeline_free(&p);
}

static void
test_gtube(void)
{
    struct pipeline *p = pipeline_with(NULL);
    static const struct {
        const char *name, *msg;
        bool gtube;
    } cases[] = {
        {"raw body",
         HEADERS
         "\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n",
         true},
        {"base64 attachment",
         HEADERS
         "Content-Type: application/octet-stream\n"
         "Content-Transfer-Encoding: base64\n\n"
         "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRF\n"
         "U1QtRU1BSUwqQy4zNFgK\n",
         false},
        {"base64 text",
         HEADERS
         "Content-Transfer-Encoding: base64\n\n"
         "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRF\n"
         "U1QtRU1BSUwqQy4zNFg=\n",
         true},
        {"in an attachment",
         HEADERS
         "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
         "Content-Type: application/octet-stream\n\n"
         "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n--b--\n",
         true},
        {"header only",
         HEADERS
         "Subject: XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n"
         "\nhello\n",
         false},
        {"cut short",
         HEADERS
         "\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34\n",
         false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        struct result r = scan_text(p, cases[i].msg);
        CHECK_INT(strstr(r.symbols, "GTUBE") != NULL, cases[i].gtube);
        if (cases[i].gtube)
            CHECK_INT(r.action, VERDICT_REJECT);
    }
    t_current = "test_gtube";
    pipeline_free(&p);

    /* A large message read from a file in chunks: GTUBE across a chunk
     * boundary, at every offset around it. */
    const char *ov[] = {"spool_threshold=4k", NULL};
    p = pipeline_with(ov);
    size_t total = 3 * BLOB_CHUNK;
    char *big = malloc(total);
    static const size_t shifts[] = {0, 1, 33, 66, 67, 68, 200};
    for (size_t si = 0; si < sizeof(shifts) / sizeof(shifts[0]); si++) {
        size_t shift = shifts[si];
        memset(big, 'y', total);
        memcpy(big, HEADERS "\n", sizeof(HEADERS));
        for (size_t k = 100; k < total; k += 70)
            big[k] = '\n';
        size_t at =
            sizeof(HEADERS) + BLOB_CHUNK - 67 + shift; /* chunks start at the body */
        memcpy(big + at, GTUBE_STRING, strlen(GTUBE_STRING));
        const char *path = write_tmp(big, total);
        struct str err;
        str_init(&err, 0);
        struct message *m = message_load(path, pipeline_limits(p), &err);
        CHECK(m != NULL && blob_data(m->blob) == NULL);
        struct verdict v;
        verdict_init(&v, m->arena);
        pipeline_scan(p, &no_env, m, &v);
        CHECK(verdict_has_symbol(&v, "GTUBE"));
        message_free(&m);
        str_deinit(&err);
    }
    free(big);
    pipeline_free(&p);
}

/* Load text as a pattern file; err gets the messages. */
static int
load_patterns(const char *text, struct str *err)
{
    struct config *c = settings_new();
    struct content_checks *cc = content_checks_new(c, err);
    int r = content_checks_add_patterns(cc, "pat.txt", text, strlen(text), err);
    content_checks_free(&cc);
    config_free(&c);
    return r;
}

static void
test_pattern_errors(void)
{
    static const struct {
        const char *line, *error;
    } cases[] = {
        {"BAD-NAME 1 body /x/", "pat.txt:3: the first word must be the pattern's name"},
        {"N abc body /x/", "pat.txt:3: the second word must be a score"},
        {"N 1e9 body /x/", "pat.txt:3: the second word must be a score"},
        {"N nan body /x/", "pat.txt:3: the second word must be a score"},
        {"N 1 bodyx /x/", "pat.txt:3: the third word must be body or header:FIELD-NAME"},
        {"N 1 header: /x/",
         "pat.txt:3: the third word must be body or header:FIELD-NAME"},
        {"N 1 header:A:B /x/",
         "pat.txt:3: the third word must be body or header:FIELD-NAME"},
        {"N 1 body x", "pat.txt:3: the regular expression must be written /like this/"},
        {"N 1 body", "pat.txt:3: the regular expression must be written /like this/"},
        {"N 1 body /x", "pat.txt:3: the regular expression has no closing /"},
        {"N 1 body /x\\/", "pat.txt:3: the regular expression has no closing /"},
        {"N 1 body /x/q", "pat.txt:3: unknown flag after the regular expression"},
        {"N 1 body /(x/",
         "pat.txt:3: bad regular expression: missing closing parenthesis"},
        {"GOOD 2 body /y/", "pat.txt:3: a pattern of this name is already defined"},
        {"N 1 body /a\x01/", "pat.txt:3: control character 0x01"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        struct str err;
        t_current = cases[i].line;
        snprintf(text, sizeof(text), "# comment\nGOOD 1 body /ok/\n%s\n  # more\n",
                 cases[i].line);
        str_init(&err, 0);
        CHECK_INT(load_patterns(text, &err), -1);
        CHECK(strstr(str_cstr(&err), cases[i].error) != NULL);
        if (strstr(str_cstr(&err), cases[i].error) == NULL)
            fprintf(stderr, "  got: %s", str_cstr(&err));
        CHECK_INT(strchr(str_cstr(&err), '\n') - err.buf + 1, err.len); /* one line */
        str_deinit(&err);
    }
    t_current = "test_pattern_errors";

    /* Good lines: flags, escaped slash, CRLF, blank and comment lines. */
    struct str err;
    str_init(&err, 0);
    CHECK_INT(
        load_patterns("A 1 body /a\\/b/imsx\r\n\r\n\t# c\r\nB -1.5 header:X-A /./ d e\n"
                      "C 0 body /x/",
                      &err),
        0);
    CHECK_INT(err.len, 0);

    /* Every bad line is reported, each with its line. */
    str_clear(&err);
    CHECK_INT(load_patterns("A 1 body /x/\nB\nC 1 body /y/\nD 1 body\n", &err), -1);
    CHECK(strstr(str_cstr(&err), "pat.txt:2: ") != NULL);
    CHECK(strstr(str_cstr(&err), "pat.txt:4: ") != NULL);
    CHECK(strstr(str_cstr(&err), "pat.txt:3: ") == NULL);

    /* A line over the limit. */
    str_clear(&err);
    char *longline = malloc(PATTERN_LINE_MAX + 64);
    memset(longline, 'a', PATTERN_LINE_MAX + 63);
    memcpy(longline, "L 1 body /", 10);
    longline[PATTERN_LINE_MAX + 61] = '/';
    longline[PATTERN_LINE_MAX + 62] = '\n';
    longline[PATTERN_LINE_MAX + 63] = '\0';
    CHECK_INT(load_patterns(longline, &err), -1);
    CHECK(strstr(str_cstr(&err), "pat.txt:1: line longer than") != NULL);
    free(longline);

    /* Through pipeline_new: a missing file names the setting's source; a
     * bad line names the file and line. */
    const char *bad = write_tmp("X 1 body /ok/\nY 1 nowhere /x/\n", 30);
    char set_bad[128];
    snprintf(set_bad, sizeof(set_bad), "pattern_files=/nonexistent/p.txt, %s", bad);
    struct config *c = config_with((const char *const[]){set_bad, NULL});
    str_clear(&err);
    struct pipeline *p = pipeline_new(c, &err);
    CHECK(p == NULL);
    CHECK(
        strstr(str_cstr(&err),
               "-o:1: pattern_files: /nonexistent/p.txt: No such file or directory\n") !=
        NULL);
    char want[128];
    snprintf(want, sizeof(want), "%s:2: the third word", bad);
    CHECK(strstr(str_cstr(&err), want) != NULL);
    config_free(&c);
    str_deinit(&err);
}

static void
test_bad_settings(void)
{
    static const struct {
        const char *setting, *error;
    } cases[] = {
        {"add_header_mode=sometimes",
         "-o:1: bad value for add_header_mode: \"sometimes\" is not one of always, spam"},
        {"on_error_patterns=ignore", "-o:1: bad value for on_error_patterns"},
        {"max_message_size_action=bounce", "-o:1: bad value for max_message_size_action"},
        {"spam_header_flag=X Spam", "-o:1: bad value for spam_header_flag"},
        {"spam_header_flag=X-Spam:", "-o:1: bad value for spam_header_flag"},
        {"spam_header_score=subject", "is the subject"},
        {"spam_header_score=x-spam-status", "already the name of another"},
        {"reject_message=", "-o:1: bad value for reject_message: must not be empty"},
        {"tempfail_message=caf\xc3\xa9", "must be ASCII"},
        {"subject_prefix=\x01", "holds a control character"},
        {"pattern_match_limit=5", "-o:1: bad value"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].setting;
        struct config *c = settings_new();
        struct str err;
        str_init(&err, 0);
        if (config_set_override(c, cases[i].setting) < 0) {
            CHECK(strstr(config_error(c, 0), cases[i].error) != NULL);
        } else {
            struct pipeline *p = pipeline_new(c, &err);
            CHECK(p == NULL);
            CHECK(strstr(str_cstr(&err), cases[i].error) != NULL);
            if (strstr(str_cstr(&err), cases[i].error) == NULL)
                fprintf(stderr, "  got: %s", str_cstr(&err));
        }
        str_deinit(&err);
        config_free(&c);
    }
    t_current = "test_bad_settings";
    /* Empty header names turn a header off; they are not an error. */
    const char *ov[] = {
        "spam_header_level=", "spam_header_flag=", "subject_prefix=", NULL};
    struct pipeline *p = pipeline_with(ov);
    pipeline_free(&p);
}

static void
test_stages(void)
{
    const char *ov[] = {"max_message_size=100k", NULL};
    struct pipeline *p = pipeline_with(ov);
    struct arena *a = arena_new(0);
    struct verdict v;

    /* Connection: nothing decides yet. */
    verdict_init(&v, a);
    pipeline_connect(p, &no_env, &v);
    CHECK(!v.final);
    CHECK_INT(v.n, 0);

    /* Envelope: SIZE= over the limit rejects before the data. */
    struct scan_env env = no_env;
    env.size_hint = 200 * 1024;
    pipeline_envelope(p, &env, &v);
    CHECK(v.final);
    CHECK_INT(v.action, VERDICT_REJECT);
    CHECK_STR(v.reply_code, "552");
    CHECK_STR(v.reply_xcode, "5.3.4");
    CHECK_STR(v.reply_text, "Message too big");
    CHECK(verdict_has_symbol(&v, "MESSAGE_TOO_BIG"));
    CHECK(strstr(v.symbols[0].description, "declared size 204800 bytes") != NULL);

    /* Content after an early decision: no check runs, the action stays. */
    static const char gtube[] = HEADERS
        "\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n";
    struct message *m = message_from_memory(gtube, sizeof(gtube) - 1, pipeline_limits(p));
    pipeline_content(p, &env, m, &v);
    CHECK_INT(v.n, 1);
    CHECK_INT(v.action, VERDICT_REJECT);

    /* SIZE= under the limit: nothing; the content decides. */
    verdict_init(&v, m->arena);
    env.size_hint = 1000;
    pipeline_envelope(p, &env, &v);
    CHECK(!v.final);
    pipeline_content(p, &env, m, &v);
    CHECK(verdict_has_symbol(&v, "GTUBE"));
    CHECK_INT(v.action, VERDICT_REJECT);
    CHECK(v.reply_code == NULL);
    CHECK(v.required > 4.99 && v.required < 5.01);
    message_free(&m);
    pipeline_free(&p);

    /* max_message_size_action=accept: the symbol only, then the checks. */
    const char *ov2[] = {"max_message_size=1k", "max_message_size_action=accept", NULL};
    p = pipeline_with(ov2);
    char big[3000];
    memset(big, 'z', sizeof(big));
    memcpy(big, gtube, sizeof(gtube) - 1);
    big[sizeof(big) - 1] = '\0';
    struct result r = scan_text(p, big);
    CHECK(!r.final);
    CHECK_STR(r.symbols, "MESSAGE_TOO_BIG,GTUBE");
    /* Said once, however many stages see the size. */
    m = message_from_memory(big, strlen(big), pipeline_limits(p));
    verdict_init(&v, m->arena);
    env.size_hint = 5000;
    pipeline_envelope(p, &env, &v);
    pipeline_envelope(p, &env, &v);
    pipeline_content(p, &env, m, &v);
    CHECK_INT(v.n, 2);
    CHECK_STR(v.symbols[0].name, "MESSAGE_TOO_BIG");
    CHECK_STR(v.symbols[1].name, "GTUBE");
    message_free(&m);
    pipeline_free(&p);

    /* The other size actions. */
    static const struct {
        const char *action;
        enum verdict_action want;
    } acts[] = {{"reject", VERDICT_REJECT},
                {"discard", VERDICT_DISCARD},
                {"quarantine", VERDICT_QUARANTINE},
                {"tempfail", VERDICT_TEMPFAIL}};
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        char set[64];
        snprintf(set, sizeof(set), "max_message_size_action=%s", acts[i].action);
        const char *ov3[] = {"max_message_size=1k", set, NULL};
        t_current = acts[i].action;
        p = pipeline_with(ov3);
        r = scan_text(p, big);
        CHECK(r.final);
        CHECK_INT(r.action, acts[i].want);
        CHECK_STR(r.symbols, "MESSAGE_TOO_BIG");
        pipeline_free(&p);
    }
    t_current = "test_stages";
    arena_free(&a);
}

/* A pattern that backtracks exponentially on letters and a "!": 14
 * letters pass 1000 steps, not the default 1000000. */
static const char slow_pattern[] = "SLOW 1 body /^(\\w+\\s?)*$/\nFAST 1 body /aaaa/\n";

static void
test_failure_policy(void)
{
    const char *pf = write_tmp(slow_pattern, sizeof(slow_pattern) - 1);
    char files[128];
    snprintf(files, sizeof(files), "pattern_files=%s", pf);
    static const char msg[] = HEADERS "\naaaaaaaaaaaaaa!\n";

    /* Default: tempfail, never a silent accept. */
    const char *ov[] = {files, "pattern_match_limit=1000", NULL};
    struct pipeline *p = pipeline_with(ov);
    struct message *m = message_from_memory(msg, strlen(msg), pipeline_limits(p));
    struct verdict v;
    verdict_init(&v, m->arena);
    pipeline_scan(p, &no_env, m, &v);
    CHECK(v.final);
    CHECK_INT(v.action, VERDICT_TEMPFAIL);
    CHECK(verdict_has_symbol(&v, "CHECK_ERROR_PATTERNS"));
    CHECK(verdict_has_symbol(&v, "FAST")); /* the other patterns still ran */
    CHECK(!verdict_has_symbol(&v, "SLOW"));
    for (size_t i = 0; i < v.n; i++)
        if (strcmp(v.symbols[i].name, "CHECK_ERROR_PATTERNS") == 0)
            CHECK(strstr(v.symbols[i].description, "pattern SLOW could not be matched") !=
                  NULL);
    message_free(&m);
    pipeline_free(&p);

    /* on_error_patterns=accept: the symbol, and the thresholds decide. */
    const char *ov2[] = {files, "pattern_match_limit=1000", "on_error_patterns=accept",
                         NULL};
    p = pipeline_with(ov2);
    struct result r = scan_text(p, msg);
    CHECK(!r.final);
    CHECK_INT(r.action, VERDICT_ACCEPT);
    CHECK(strstr(r.symbols, "CHECK_ERROR_PATTERNS") != NULL);
    pipeline_free(&p);

    /* With the default limit the same text is matched to the end. */
    const char *ov3[] = {files, NULL};
    p = pipeline_with(ov3);
    r = scan_text(p, msg);
    CHECK_STR(r.symbols, "FAST");
    CHECK_INT(r.action, VERDICT_ACCEPT);
    pipeline_free(&p);
}

/* Run pipeline_log with stderr sent to a file; returns what it wrote. */
static char *
capture_log(const struct pipeline *p, const struct scan_env *env, const struct message *m,
            const struct verdict *v)
{
    const char *path = write_tmp("", 0);
    int fd = open(path, O_WRONLY | O_TRUNC);
    int saved = dup(2);
    fflush(stderr);
    dup2(fd, 2);
    pipeline_log(p, env, m, v, 0.0123);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    static char buf[8192];
    fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void
test_log(void)
{
    log_open("filterd", false);
    struct pipeline *p = pipeline_with(NULL);
    static const char text[] = HEADERS "Subject: x\n\nhello\n";
    struct message *m = message_from_memory(text, sizeof(text) - 1, pipeline_limits(p));
    struct verdict v;
    verdict_init(&v, m->arena);
    verdict_add(&v, "A", 1.0, "");
    verdict_add(&v, "B", 2.5, "");
    verdict_add(&v, "C", 0.25, "");
    verdict_finish(&v, pipeline_thresholds(p));
    const char *rcpts[] = {"r1@example.com", "r2@example.com"};
    struct scan_env env = {.queue_id = "4QzM0c1Hd2z9sTq",
                           .client_addr = "192.0.2.1",
                           .client_name = "mx.example.net",
                           .helo = "mx.example.net",
                           .sender = "s@example.org",
                           .rcpts = rcpts,
                           .nrcpts = 2};
    char want[512];
    snprintf(
        want, sizeof(want),
        "filterd: 4QzM0c1Hd2z9sTq: client=mx.example.net[192.0.2.1] helo=mx.example.net "
        "from=<s@example.org> to=<r1@example.com>,<r2@example.com> size=%zu "
        "score=3.75/5.0 action=accept symbols=A(1.0),B(2.5),C(0.25) time=0.012s\n",
        sizeof(text) - 1);
    CHECK_STR(capture_log(p, &env, m, &v), want);

    /* Hostile values: quoted and escaped, one line; unknowns named. */
    const char *bad_rcpts[] = {"a b@example.com"};
    struct scan_env bad = {.queue_id = "",
                           .client_addr = "192.0.2.9",
                           .client_name = "",
                           .helo = "evil\r\nhelo \"x\"",
                           .sender = "",
                           .rcpts = bad_rcpts,
                           .nrcpts = 1};
    const char *line = capture_log(p, &bad, NULL, &v);
    CHECK(
        strncmp(
            line,
            "filterd: NOQUEUE: client=unknown[192.0.2.9] "
            "helo=\"evil\\x0d\\x0ahelo \\\"x\\\"\" from=<> to=\"<a b@example.com>\" "
            "score=3.75/5.0",
            strlen(
                "filterd: NOQUEUE: client=unknown[192.0.2.9] "
                "helo=\"evil\\x0d\\x0ahelo \\\"x\\\"\" from=<> to=\"<a b@example.com>\" "
                "score=3.75/5.0")) == 0);
    CHECK(strchr(line, '\n') == line + strlen(line) - 1);

    /* Many recipients and symbols: bounded, and says how many were left. */
    static char names[400][24];
    const char *many[400];
    for (int i = 0; i < 400; i++) {
        snprintf(names[i], sizeof(names[i]), "user%03d@example.com", i);
        many[i] = names[i];
        verdict_add(&v, names[i], 0.1, "");
    }
    struct scan_env lots = env;
    lots.rcpts = many;
    lots.nrcpts = 400;
    line = capture_log(p, &lots, m, &v);
    CHECK(strlen(line) < PIPELINE_LOG_MAX + 64);
    CHECK(strstr(line, "...(+") != NULL);
    CHECK(strstr(line, " time=0.012s\n") != NULL);
    message_free(&m);
    pipeline_free(&p);
}

/* docs/man/filterd.conf.5 describes every setting of the schema. */
static void
test_man_page(void)
{
    const char *data = getenv("TAMIS_TEST_DATA");
    if (data == NULL)
        data = "tests/data";
    char path[512];
    snprintf(path, sizeof(path), "%s/../../docs/man/filterd.conf.5", data);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    static char page[262144];
    size_t n = fread(page, 1, sizeof(page) - 1, f);
    page[n] = '\0';
    fclose(f);
    size_t nkeys;
    const struct config_key *keys = settings_schema(&nkeys);
    for (size_t i = 0; i < nkeys; i++) {
        char entry[128];
        t_current = keys[i].name;
        snprintf(entry, sizeof(entry), "\n.BR %s ", keys[i].name);
        CHECK(strstr(page, entry) != NULL);
    }
    t_current = "test_man_page";
}

/* A check's own decision and its failure policy (filterd/check.h). */
static void
test_decide(void)
{
    struct arena *a = arena_new(0);
    struct verdict v;
    struct verdict_thresholds t = verdict_thresholds_default();
    verdict_init(&v, a);
    verdict_check_failed(&v, "virus", "engine not loaded", false);
    verdict_finish(&v, &t);
    CHECK(v.final);
    CHECK_INT(v.action, VERDICT_TEMPFAIL);
    CHECK_STR(v.symbols[0].name, "CHECK_ERROR_VIRUS");
    verdict_init(&v, a);
    verdict_check_failed(&v, "dnsbl", "timeout", true);
    verdict_finish(&v, &t);
    CHECK(!v.final);
    CHECK_INT(v.action, VERDICT_ACCEPT);
    verdict_init(&v, a);
    char text[] = "blocked using zen.example";
    verdict_decide(&v, VERDICT_REJECT, "554", "5.7.1", text);
    text[0] = 'X'; /* the verdict keeps its own copy */
    verdict_finish(&v, &t);
    CHECK_INT(v.action, VERDICT_REJECT);
    CHECK_STR(v.reply_text, "blocked using zen.example");
    CHECK_STR(v.reply_code, "554");
    arena_free(&a);
}

int
main(void)
{
    T_RUN(test_decide);
    T_RUN(test_thresholds_to_actions);
    T_RUN(test_patterns_match);
    T_RUN(test_gtube);
    T_RUN(test_pattern_errors);
    T_RUN(test_bad_settings);
    T_RUN(test_stages);
    T_RUN(test_failure_policy);
    T_RUN(test_log);
    T_RUN(test_man_page);
    remove_tmp();
    return t_done();
}
