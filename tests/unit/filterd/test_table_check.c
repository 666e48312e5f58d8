/*
 * Tests of filterd/check_tables through the pipeline's stages, driven as
 * the milter drives them: connect, MAIL (no recipient yet), then each RCPT
 * alone on a fresh verdict; and as the qmail front ends do (the whole
 * envelope at once). What stops the lookups (OK, a refusal), symbols not
 * added twice when a stage runs again, the SMTP replies.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "lib/arena.h"
#include "t.h"

static char access_path[64], bmf_path[64], brt_path[64];

static void
write_file(char *path, size_t n, const char *text)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/tamis-table-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static struct pipeline *
make_pipeline(void)
{
    write_file(access_path, sizeof(access_path),
               "192.0.2.1 OK\n"
               "192.0.2.9 DISCARD\n"
               "pool.example 2\n"
               "from.example 1.5\n"
               "vip@rcpt.example OK\n"
               "busy@rcpt.example 451 4.2.1 Mailbox busy\n");
    write_file(bmf_path, sizeof(bmf_path), "@bad.example\n");
    write_file(brt_path, sizeof(brt_path), "@rcpt.example\n");
    struct config *c = settings_new();
    char o[3][128];
    snprintf(o[0], sizeof(o[0]), "access_table=%s", access_path);
    snprintf(o[1], sizeof(o[1]), "badmailfrom=%s", bmf_path);
    snprintf(o[2], sizeof(o[2]), "badrcptto=%s", brt_path);
    for (int i = 0; i < 3; i++)
        CHECK_INT(config_set_override(c, o[i]), 0);
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    if (p == NULL)
        fprintf(stderr, "%s", str_cstr(&err));
    CHECK(p != NULL);
    str_deinit(&err);
    config_free(&c);
    return p;
}

/* "ACTION final|open SYMBOL=SCORE,..." of v. */
static const char *
describe(const struct verdict *v, char *buf, size_t n)
{
    static const char *const actions[] = {"accept",     "add-header", "rewrite-subject",
                                          "quarantine", "tempfail",   "reject",
                                          "discard"};
    size_t len = (size_t)snprintf(buf, n, "%s %s", actions[v->action],
                                  v->final ? "final" : "open");
    for (size_t i = 0; i < v->n && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%g", i ? "," : " ",
                                v->symbols[i].name, v->symbols[i].score);
    return buf;
}

/* The milter's sequence: connect, MAIL, then one RCPT on its own verdict. */
static void
test_milter_sequence(void)
{
    struct pipeline *p = make_pipeline();
    struct arena *a = arena_new(0);
    static const struct {
        const char *client, *name, *from, *rcpt;
        const char *after_mail, *at_rcpt;
    } cases[] = {
        /* A scored client name, a scored sender; badrcptto refuses. */
        {"198.51.100.1", "h1.pool.example", "a@from.example", "x@rcpt.example",
         "accept open ACCESS_CLIENT=2,ACCESS_FROM=1.5",
         "reject final ACCESS_CLIENT=2,ACCESS_FROM=1.5,BADRCPTTO=0"},
        /* OK for a recipient: badrcptto is skipped for it. */
        {"198.51.100.1", "", "a@example.net", "vip@rcpt.example", "accept open",
         "accept open ACCESS_RCPT_OK=0"},
        /* A recipient tempfailed with the table's code. */
        {"198.51.100.1", "", "a@example.net", "busy@rcpt.example", "accept open",
         "tempfail final ACCESS_RCPT=0"},
        /* Client OK: badmailfrom and badrcptto are skipped. */
        {"192.0.2.1", "", "a@bad.example", "x@rcpt.example",
         "accept open ACCESS_CLIENT_OK=0", "accept open ACCESS_CLIENT_OK=0"},
        /* badmailfrom at MAIL. */
        {"198.51.100.1", "", "a@bad.example", "x@rcpt.example",
         "reject final BADMAILFROM=0", "reject final BADMAILFROM=0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scan_env env = {.queue_id = "",
                               .client_addr = cases[i].client,
                               .client_name = cases[i].name,
                               .helo = "",
                               .sender = cases[i].from};
        struct verdict v, rv;
        char buf[256];
        verdict_init(&v, a);
        pipeline_connect(p, &env, &v);
        pipeline_envelope(p, &env, &v);
        CHECK_STR(describe(&v, buf, sizeof(buf)), cases[i].after_mail);
        if (v.final)
            continue;
        env.rcpts = &cases[i].rcpt;
        env.nrcpts = 1;
        verdict_init(&rv, a);
        pipeline_envelope(p, &env, &rv);
        CHECK_STR(describe(&rv, buf, sizeof(buf)), cases[i].at_rcpt);
    }
    arena_free(&a);
    pipeline_free(&p);
}

/* The qmail front ends: the whole envelope at once; every recipient is
 * checked, a stage run twice adds no symbol twice, and the reply is the
 * list's. */
static void
test_whole_envelope(void)
{
    struct pipeline *p = make_pipeline();
    struct arena *a = arena_new(0);
    const char *rcpts[] = {"ok@example.net", "x@rcpt.example"};
    struct scan_env env = {.queue_id = "",
                           .client_addr = "198.51.100.1",
                           .client_name = "h.pool.example",
                           .helo = "",
                           .sender = "a@from.example",
                           .rcpts = rcpts,
                           .nrcpts = 2};
    struct verdict v;
    char buf[256];
    verdict_init(&v, a);
    pipeline_connect(p, &env, &v);
    env.nrcpts = 0;
    pipeline_envelope(p, &env, &v); /* MAIL */
    env.nrcpts = 2;
    pipeline_envelope(p, &env, &v); /* again, with every recipient */
    CHECK_STR(describe(&v, buf, sizeof(buf)),
              "reject final ACCESS_CLIENT=2,ACCESS_FROM=1.5,BADRCPTTO=0");
    CHECK_STR(v.reply_code, "553");
    CHECK_STR(v.reply_xcode, "5.7.1");
    CHECK_STR(v.reply_text, "Recipient address refused by local policy (badrcptto)");
    /* A client DISCARD at connect decides before the envelope. */
    env.client_addr = "192.0.2.9";
    env.client_name = "";
    verdict_init(&v, a);
    pipeline_connect(p, &env, &v);
    CHECK_STR(describe(&v, buf, sizeof(buf)), "discard final ACCESS_CLIENT=0");
    arena_free(&a);
    pipeline_free(&p);
}

int
main(void)
{
    T_RUN(test_milter_sequence);
    T_RUN(test_whole_envelope);
    unlink(access_path);
    unlink(bmf_path);
    unlink(brt_path);
    return t_done();
}
