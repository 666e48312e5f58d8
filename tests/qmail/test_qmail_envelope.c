/*
 * test_qmail_envelope: the qmail-queue envelope parser (whole, byte by
 * byte and in random chunks: same result), its limits, the reader, the
 * envelope from qmail-qfilter's variables, and the status mappings of
 * filterd/qmail.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/qmail.h"
#include "t.h"

struct env_case {
    const char *in;
    size_t len;
    size_t addr_max, rcpts_max, size_max; /* 0: the default */
    enum qmail_env_status want;
    const char *sender;
    const char *rcpts; /* joined by "," */
    size_t size;
};

#define IN(s) s, sizeof(s) - 1

static const struct env_case cases[] = {
    {IN("F\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "", "", 3},
    {IN("Fa@b\0Tc@d\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "a@b", "c@d", 11},
    {IN("Fa@b\0Tc@d\0Te@f\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "a@b", "c@d,e@f", 16},
    {IN("Fa@b\0Tc@d\0\0trailing\0bytes"), 0, 0, 0, QMAIL_ENV_DONE, "a@b", "c@d", 11},
    {IN("F\0T\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "", "", 5}, /* one empty recipient */
    {IN("Fa\r\nb\xff\0Tx y\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "a\r\nb\xff", "x y", 13},
    {IN("Fowner-@list.example-@[]\0Tu@x\0\0"), 0, 0, 0, QMAIL_ENV_DONE,
     "owner-@list.example-@[]", "u@x", 31},
    {IN(""), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("F"), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("Fa@b"), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("Fa@b\0"), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("Fa@b\0Tc@d\0"), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("Fa@b\0Tc@d"), 0, 0, 0, QMAIL_ENV_TRUNCATED, NULL, NULL, 0},
    {IN("Xa@b\0\0"), 0, 0, 0, QMAIL_ENV_BAD_FORMAT, NULL, NULL, 0},
    {IN("\0"), 0, 0, 0, QMAIL_ENV_BAD_FORMAT, NULL, NULL, 0},
    {IN("Fa@b\0Xc@d\0\0"), 0, 0, 0, QMAIL_ENV_BAD_FORMAT, NULL, NULL, 0},
    {IN("Fa@b\0Fc@d\0\0"), 0, 0, 0, QMAIL_ENV_BAD_FORMAT, NULL, NULL, 0},
    {IN("Fa@b\0tc@d\0\0"), 0, 0, 0, QMAIL_ENV_BAD_FORMAT, NULL, NULL, 0},
    /* addr_max */
    {IN("Fabc\0Txyz\0\0"), 3, 0, 0, QMAIL_ENV_DONE, "abc", "xyz", 11},
    {IN("Fabcd\0\0"), 3, 0, 0, QMAIL_ENV_ADDR_TOO_LONG, NULL, NULL, 0},
    {IN("Fabc\0Twxyz\0\0"), 3, 0, 0, QMAIL_ENV_ADDR_TOO_LONG, NULL, NULL, 0},
    {IN("Fabcd"), 3, 0, 0, QMAIL_ENV_ADDR_TOO_LONG, NULL, NULL, 0},
    /* rcpts_max */
    {IN("Fa\0Tb\0Tc\0\0"), 0, 2, 0, QMAIL_ENV_DONE, "a", "b,c", 10},
    {IN("Fa\0Tb\0Tc\0Td\0\0"), 0, 2, 0, QMAIL_ENV_TOO_MANY_RCPTS, NULL, NULL, 0},
    {IN("F\0\0"), 0, 0, 0, QMAIL_ENV_DONE, "", "", 3},
    /* size_max: 10 bytes is the most */
    {IN("Fabcd\0Tb\0\0"), 0, 0, 10, QMAIL_ENV_DONE, "abcd", "b", 10},
    {IN("Fabcde\0Tb\0\0"), 0, 0, 10, QMAIL_ENV_TOO_BIG, NULL, NULL, 0},
    {IN("Fabcd\0Tbc\0\0"), 0, 0, 10, QMAIL_ENV_TOO_BIG, NULL, NULL, 0},
    {IN("Fabcdefghijklmnop"), 0, 0, 10, QMAIL_ENV_TOO_BIG, NULL, NULL, 0},
};

static struct qmail_env_limits
case_limits(const struct env_case *c)
{
    struct qmail_env_limits l = qmail_env_limits_default();
    if (c->addr_max)
        l.addr_max = c->addr_max;
    if (c->rcpts_max)
        l.rcpts_max = c->rcpts_max;
    if (c->size_max)
        l.size_max = c->size_max;
    return l;
}

/* Check one result against the case. */
static void
check_result(const struct env_case *c, enum qmail_env_status s,
             const struct qmail_envelope *e)
{
    CHECK_INT(s, c->want);
    if (s != QMAIL_ENV_DONE || c->want != QMAIL_ENV_DONE) {
        CHECK(e->sender == NULL && e->nrcpts == 0);
        return;
    }
    CHECK_STR(e->sender, c->sender);
    char joined[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < e->nrcpts; i++)
        n += (size_t)snprintf(joined + n, sizeof(joined) - n, "%s%s", i ? "," : "",
                              e->rcpts[i]);
    CHECK_STR(joined, c->rcpts);
    CHECK_INT(e->size, c->size);
}

/* Feed c in chunks of at most step bytes (0: random sizes). */
static void
feed_case(const struct env_case *c, size_t step)
{
    struct arena *a = arena_new(0);
    struct qmail_env_limits l = case_limits(c);
    struct qmail_env_parser *p = qmail_env_parser_new(a, &l);
    size_t off = 0, used_total = 0;
    enum qmail_env_status s = QMAIL_ENV_MORE;
    while (off < c->len && s == QMAIL_ENV_MORE) {
        size_t n = step ? step : 1 + (size_t)rand() % 5;
        if (n > c->len - off)
            n = c->len - off;
        size_t used;
        s = qmail_env_parser_push(p, c->in + off, n, &used);
        CHECK(used <= n);
        if (s == QMAIL_ENV_MORE)
            CHECK_INT(used, n);
        used_total += used;
        off += n;
    }
    struct qmail_envelope e;
    check_result(c, qmail_env_parser_finish(p, &e), &e);
    if (c->want == QMAIL_ENV_DONE)
        CHECK_INT(used_total, c->size);
    /* A second finish and a later push say the same. */
    CHECK_INT(qmail_env_parser_finish(p, &e), c->want);
    CHECK_INT(qmail_env_parser_push(p, "T", 1, NULL), c->want);
    qmail_env_parser_free(&p);
    CHECK(p == NULL);
    arena_free(&a);
}

static void
test_table(void)
{
    srand(7);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct env_case *c = &cases[i];
        struct arena *a = arena_new(0);
        struct qmail_env_limits l = case_limits(c);
        struct qmail_envelope e;
        check_result(c, qmail_env_parse(a, &l, c->in, c->len, &e), &e);
        arena_free(&a);
        feed_case(c, 1);
        feed_case(c, 3);
        feed_case(c, c->len ? c->len : 1);
        for (int k = 0; k < 20; k++)
            feed_case(c, 0);
    }
}

/* qmail-queue's own limit: 1003 bytes is fine, 1004 is status 11. */
static void
test_default_addr_limit(void)
{
    char buf[2048];
    struct qmail_env_limits l = qmail_env_limits_default();
    CHECK_INT(l.addr_max, 1003);
    for (size_t n = 1003; n <= 1004; n++) {
        buf[0] = 'F';
        memset(buf + 1, 'a', n);
        memcpy(buf + 1 + n, "\0Tb\0\0", 5);
        struct arena *a = arena_new(0);
        struct qmail_envelope e;
        enum qmail_env_status s = qmail_env_parse(a, &l, buf, n + 6, &e);
        CHECK_INT(s, n == 1003 ? QMAIL_ENV_DONE : QMAIL_ENV_ADDR_TOO_LONG);
        CHECK_INT(qmail_env_status_exit(s), n == 1003 ? 0 : 11);
        arena_free(&a);
    }
}

/* Many recipients: the array grows and keeps every one. */
static void
test_many_rcpts(void)
{
    struct str in;
    str_init(&in, 0);
    str_append(&in, "Fs@x\0", 5);
    for (int i = 0; i < 5000; i++) {
        str_appendf(&in, "Tr%d@example.org", i);
        str_appendc(&in, '\0');
    }
    str_appendc(&in, '\0');
    struct arena *a = arena_new(0);
    struct qmail_env_limits l = qmail_env_limits_default();
    struct qmail_envelope e;
    CHECK_INT(qmail_env_parse(a, &l, in.buf, in.len, &e), QMAIL_ENV_DONE);
    CHECK_INT(e.nrcpts, 5000);
    CHECK_STR(e.rcpts[0], "r0@example.org");
    CHECK_STR(e.rcpts[4999], "r4999@example.org");
    CHECK_INT(e.size, in.len);
    l.rcpts_max = 4999;
    CHECK_INT(qmail_env_parse(a, &l, in.buf, in.len, &e), QMAIL_ENV_TOO_MANY_RCPTS);
    arena_free(&a);
    str_deinit(&in);
}

/* The reader stops at the final NUL and keeps the exact bytes. */
static void
test_read(void)
{
    static const char env[] = "F\0Ta@x\0Tb@y\0\0after the end";
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/tamis-test-env-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    unlink(path);
    CHECK_INT(write(fd, env, sizeof(env) - 1), (long)sizeof(env) - 1);
    lseek(fd, 0, SEEK_SET);
    struct arena *a = arena_new(0);
    struct qmail_env_limits l = qmail_env_limits_default();
    struct qmail_envelope e;
    struct str raw;
    str_init(&raw, 0);
    CHECK_INT(qmail_env_read(fd, a, &l, &e, &raw), QMAIL_ENV_DONE);
    CHECK_INT(raw.len, 13);
    CHECK(raw.len == 13 && memcmp(raw.buf, env, 13) == 0);
    CHECK_STR(e.sender, "");
    CHECK_INT(e.nrcpts, 2);
    /* Truncated input: the reader reports it. */
    str_clear(&raw);
    CHECK_INT(ftruncate(fd, 11), 0);
    lseek(fd, 0, SEEK_SET);
    CHECK_INT(qmail_env_read(fd, a, &l, &e, &raw), QMAIL_ENV_TRUNCATED);
    close(fd);
    /* A closed descriptor is a read error. */
    CHECK_INT(qmail_env_read(fd, a, &l, &e, &raw), QMAIL_ENV_READ_ERROR);
    CHECK_INT(qmail_env_status_exit(QMAIL_ENV_READ_ERROR), 54);
    str_deinit(&raw);
    arena_free(&a);
}

static void
test_environ(void)
{
    struct arena *a = arena_new(0);
    struct qmail_env_limits l = qmail_env_limits_default();
    struct qmail_envelope e;
    setenv("QMAILUSER", "alice", 1);
    setenv("QMAILHOST", "example.com", 1);
    setenv("QMAILRCPTS", "b@example.org\nc@example.org\n", 1);
    CHECK_INT(qmail_env_from_environ(a, &l, &e), QMAIL_ENV_DONE);
    CHECK_STR(e.sender, "alice@example.com");
    CHECK_INT(e.nrcpts, 2);
    if (e.nrcpts == 2)
        CHECK_STR(e.rcpts[1], "c@example.org");
    CHECK_INT(e.size, strlen("Falice@example.com") + 1 + 2 * 15 + 1);
    setenv("QMAILUSER", "", 1);
    setenv("QMAILHOST", "", 1);
    setenv("QMAILRCPTS", "only@example.org", 1);
    CHECK_INT(qmail_env_from_environ(a, &l, &e), QMAIL_ENV_DONE);
    CHECK_STR(e.sender, "");
    CHECK_INT(e.nrcpts, 1);
    unsetenv("QMAILUSER");
    unsetenv("QMAILHOST");
    unsetenv("QMAILRCPTS");
    CHECK_INT(qmail_env_from_environ(a, &l, &e), QMAIL_ENV_DONE);
    CHECK_STR(e.sender, "");
    CHECK_INT(e.nrcpts, 0);
    setenv("QMAILRCPTS", "a\nb\nc\n", 1);
    l.rcpts_max = 2;
    CHECK_INT(qmail_env_from_environ(a, &l, &e), QMAIL_ENV_TOO_MANY_RCPTS);
    l = qmail_env_limits_default();
    l.addr_max = 4;
    setenv("QMAILUSER", "abcde", 1);
    CHECK_INT(qmail_env_from_environ(a, &l, &e), QMAIL_ENV_ADDR_TOO_LONG);
    unsetenv("QMAILUSER");
    unsetenv("QMAILRCPTS");
    arena_free(&a);
}

static void
test_statuses(void)
{
    static const struct {
        enum qmail_env_status s;
        int exit;
    } env_map[] = {
        {QMAIL_ENV_DONE, 0},           {QMAIL_ENV_TRUNCATED, 54},
        {QMAIL_ENV_READ_ERROR, 54},    {QMAIL_ENV_BAD_FORMAT, 91},
        {QMAIL_ENV_ADDR_TOO_LONG, 11}, {QMAIL_ENV_TOO_MANY_RCPTS, 11},
        {QMAIL_ENV_TOO_BIG, 11},
    };
    for (size_t i = 0; i < sizeof(env_map) / sizeof(env_map[0]); i++) {
        CHECK_INT(qmail_env_status_exit(env_map[i].s), env_map[i].exit);
        CHECK(strlen(qmail_env_status_text(env_map[i].s)) > 0);
    }
    static const struct {
        enum verdict_action a;
        bool passes;
        int queue, qfilter;
    } map[] = {
        {VERDICT_ACCEPT, true, 0, 0},          {VERDICT_ADD_HEADER, true, 0, 0},
        {VERDICT_REWRITE_SUBJECT, true, 0, 0}, {VERDICT_QUARANTINE, true, 0, 0},
        {VERDICT_TEMPFAIL, false, 71, 71},     {VERDICT_REJECT, false, 31, 31},
        {VERDICT_DISCARD, false, 0, 99},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        CHECK_INT(qmail_verdict_passes(map[i].a), map[i].passes);
        CHECK_INT(qmail_verdict_status(map[i].a, QMAIL_FRONT_QUEUE), map[i].queue);
        CHECK_INT(qmail_verdict_status(map[i].a, QMAIL_FRONT_QFILTER), map[i].qfilter);
    }
}

static void
test_custom_error(void)
{
    struct str s;
    str_init(&s, 0);
    qmail_custom_error_format(&s, true, "5.7.1", "spam\r\nrejected");
    CHECK_STR(str_cstr(&s), "Dspam  rejected (#5.7.1)");
    str_clear(&s);
    qmail_custom_error_format(&s, false, "4.7.1", "try later");
    CHECK_STR(str_cstr(&s), "Ztry later (#4.7.1)");
    str_clear(&s);
    /* A code of the wrong class or shape is replaced. */
    qmail_custom_error_format(&s, true, "4.7.1", "x");
    CHECK_STR(str_cstr(&s), "Dx (#5.7.1)");
    str_clear(&s);
    qmail_custom_error_format(&s, false, "4.7.1; rm", NULL);
    CHECK(s.len > 0 && s.buf[0] == 'Z' && strstr(s.buf, "(#4.7.1)") != NULL);
    str_clear(&s);
    qmail_custom_error_format(&s, true, NULL, "");
    CHECK(s.len > 10 && s.buf[0] == 'D');
    str_clear(&s);
    /* A long text is cut so that the whole stays within the maximum. */
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    qmail_custom_error_format(&s, true, "5.7.1", big);
    CHECK_INT(s.len, QMAIL_CUSTOM_ERROR_MAX);
    CHECK(s.len > 9 && memcmp(s.buf + s.len - 9, " (#5.7.1)", 9) == 0);
    str_deinit(&s);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_default_addr_limit);
    T_RUN(test_many_rcpts);
    T_RUN(test_read);
    T_RUN(test_environ);
    T_RUN(test_statuses);
    T_RUN(test_custom_error);
    return t_done();
}
