/*
 * qmail_harness.h: what the qmail front-end tests share (qmail_harness.c):
 * the case's folder, running filterd-qmail-queue and `filterd qfilter` the
 * way qmail runs them, and the checks every case makes. Include it after
 * t.h: the checks below count into the including test's tallies.
 */
#ifndef TAMIS_TESTS_QMAIL_HARNESS_H
#define TAMIS_TESTS_QMAIL_HARNESS_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"

#define GTUBE "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
#define HEAD                                                                             \
    "From: Alice <alice@example.com>\n"                                                  \
    "To: bob@example.org\n"                                                              \
    "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"                                             \
    "Message-ID: <m1@example.com>\n"

/* The programs under test, from the command line. */
extern const char *qq_bin, *filterd_bin, *fake_bin;
/* This case's folder. */
extern char dir[4096];
/* A ham, a GTUBE spam, and a one-recipient envelope (lengths without the
 * final NUL). */
extern const char ham[], spam[], env1[];
extern const size_t ham_len, spam_len, env1_len;
#define ENV1 env1, env1_len

struct run {
    const char *args[12]; /* after the program (and "qfilter") and -c */
    const char *vars[12]; /* NAME=value for the program's environment */
    const char *conf;     /* the configuration file's text; NULL: default */
    const char *msg;
    size_t msglen;
    const char *env; /* queue: fd 1; qfilter: fd 3 (NULL: closed) */
    size_t envlen;
    bool fd6;    /* give a custom error pipe on fd 6 */
    bool close1; /* start the program with fd 1 closed */
    bool pipe3;  /* qfilter: an idle pipe on fd 3, as qmail-qfilter 1 may leave */
    /* Results. */
    int status;      /* exit status, or 1000 + the signal */
    struct str err6; /* what was written on fd 6 */
    struct str log;  /* standard error */
    struct str out;  /* qfilter: fd 1 */
};

/* Files of this case's folder, by name relative to it. */
void path_of(char *buf, size_t n, const char *name);
int slurp(const char *name, struct str *out); /* -1: no such file */
void spit(const char *name, const char *data, size_t n);
bool exists(const char *name);
int files_in(const char *name); /* files not starting with a dot */
int spool_files(void);          /* spool files the programs left */
void remove_tree(const char *path);
void make_dir(const char *name); /* this case's folder, with qq/ and spool/ */

/* A message of about body_bytes ending with last_line; the caller frees it. */
char *big_message(size_t body_bytes, bool crlf, const char *last_line);

void run_init(struct run *r);
void run_deinit(struct run *r);
void run_queue(struct run *r);   /* as qmail-smtpd runs qmail-queue */
void run_qfilter(struct run *r); /* as qmail-qfilter runs a filter */

/* ---- Checks. ---- */
static inline bool
contains(const struct str *s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; s->buf && i + n <= s->len; i++)
        if (memcmp(s->buf + i, needle, n) == 0)
            return true;
    return false;
}

static inline bool
ends_with(const struct str *s, const char *tail, size_t n)
{
    return s->len >= n && memcmp(s->buf + s->len - n, tail, n) == 0;
}

#define CHECK_LOG(r, needle)                                                             \
    do {                                                                                 \
        CHECK(contains(&(r)->log, (needle)));                                            \
        if (!contains(&(r)->log, (needle)))                                              \
            fprintf(stderr, "  log was: %s\n", str_cstr(&(r)->log));                     \
    } while (0)

/* The stand-in got the message with our headers and the envelope as sent. */
static inline void
check_queued(const struct run *r, const char *body)
{
    struct str got;
    str_init(&got, 0);
    CHECK(exists("qq/ran"));
    CHECK_INT(slurp("qq/envelope", &got), 0);
    CHECK(got.len == r->envlen && memcmp(got.buf, r->env, r->envlen) == 0);
    CHECK_INT(slurp("qq/message", &got), 0);
    CHECK(contains(&got, "X-Spam-Status: "));
    CHECK(contains(&got, "Message-ID: <m1@example.com>"));
    CHECK(ends_with(&got, body, strlen(body)));
    CHECK(got.len > r->msglen);
    str_deinit(&got);
}

static inline void
check_not_queued(void)
{
    CHECK(!exists("qq/ran"));
}

/* Run the case named argv[1] ("all": every case) of cases[0..n). */
struct qmail_case {
    const char *name;
    void (*fn)(void);
};
static inline int
qmail_cases_main(int argc, char **argv, const struct qmail_case *cases, size_t n)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s CASE FILTERD_QMAIL_QUEUE FILTERD FAKE_QMAIL_QUEUE\n",
                argv[0]);
        return 2;
    }
    qq_bin = argv[2], filterd_bin = argv[3], fake_bin = argv[4];
    signal(SIGPIPE, SIG_IGN);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        found = 1;
        make_dir(cases[i].name);
        t_current = cases[i].name;
        cases[i].fn();
        if (getenv("KEEP_QMAIL_TEST_DIR"))
            fprintf(stderr, "kept %s\n", dir);
        else
            remove_tree(dir);
    }
    if (!found) {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    return t_done();
}

#endif
