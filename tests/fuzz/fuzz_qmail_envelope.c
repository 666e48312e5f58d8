/*
 * fuzz_qmail_envelope: the qmail-queue envelope parser (filterd/qmail.c).
 * The first byte picks the limits (small ones too, so that each limit is
 * reached) and the chunk size of a second, split-fed parse; the rest is
 * the envelope. Invariants: both parses agree; a complete envelope is
 * within its limits and, written out again, is exactly the bytes it came
 * from. The custom error text made from the input stays within its
 * maximum and holds no control byte.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/qmail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct qmail_env_limits
pick_limits(uint8_t b)
{
    struct qmail_env_limits l = qmail_env_limits_default();
    if (b & 1)
        l.addr_max = 1 + (b >> 4);
    if (b & 2)
        l.rcpts_max = 1 + (b >> 5);
    if (b & 4)
        l.size_max = 4 + (size_t)(b >> 2) * 3;
    return l;
}

/* The envelope written out again. */
static void
serialise(const struct qmail_envelope *e, struct str *out)
{
    str_appendc(out, 'F');
    str_append(out, e->sender, strlen(e->sender) + 1);
    for (size_t i = 0; i < e->nrcpts; i++) {
        str_appendc(out, 'T');
        str_append(out, e->rcpts[i], strlen(e->rcpts[i]) + 1);
    }
    str_appendc(out, '\0');
}

static void
check_done(const struct qmail_envelope *e, const struct qmail_env_limits *l,
           const char *in, size_t n)
{
    if (e->size > n || e->size > l->size_max || e->nrcpts > l->rcpts_max ||
        strlen(e->sender) > l->addr_max)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < e->nrcpts; i++)
        if (strlen(e->rcpts[i]) > l->addr_max)
            FUZZ_CHECK_FAILED();
    struct str s;
    str_init(&s, 0);
    serialise(e, &s);
    if (s.len != e->size || memcmp(s.buf, in, s.len) != 0)
        FUZZ_CHECK_FAILED();
    str_deinit(&s);
}

static bool
same(const struct qmail_envelope *a, const struct qmail_envelope *b)
{
    if (a->nrcpts != b->nrcpts || a->size != b->size)
        return false;
    if ((a->sender == NULL) != (b->sender == NULL))
        return false;
    if (a->sender && strcmp(a->sender, b->sender) != 0)
        return false;
    for (size_t i = 0; i < a->nrcpts; i++)
        if (strcmp(a->rcpts[i], b->rcpts[i]) != 0)
            return false;
    return true;
}

static void
check_custom_error(const char *in, size_t n)
{
    char text[1024];
    size_t k = n < sizeof(text) - 1 ? n : sizeof(text) - 1;
    memcpy(text, in, k);
    text[k] = '\0';
    struct str s;
    str_init(&s, 0);
    qmail_custom_error_format(&s, k & 1, text + k / 2, text);
    if (s.len == 0 || s.len > QMAIL_CUSTOM_ERROR_MAX ||
        (s.buf[0] != 'D' && s.buf[0] != 'Z'))
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.buf[i] < 0x20 || s.buf[i] == 0x7f)
            FUZZ_CHECK_FAILED();
    str_deinit(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct qmail_env_limits l = pick_limits(data[0]);
    size_t step = 1 + (data[0] % 7);
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    struct arena *a = arena_new(0);
    struct qmail_envelope whole, split;
    enum qmail_env_status s1 = qmail_env_parse(a, &l, in, n, &whole);
    struct qmail_env_parser *p = qmail_env_parser_new(a, &l);
    enum qmail_env_status s = QMAIL_ENV_MORE;
    for (size_t off = 0; off < n && s == QMAIL_ENV_MORE; off += step) {
        size_t k = n - off < step ? n - off : step, used;
        s = qmail_env_parser_push(p, in + off, k, &used);
        if (used > k || (s == QMAIL_ENV_MORE && used != k))
            FUZZ_CHECK_FAILED();
    }
    enum qmail_env_status s2 = qmail_env_parser_finish(p, &split);
    qmail_env_parser_free(&p);
    if (s1 != s2 || s1 == QMAIL_ENV_MORE || !same(&whole, &split))
        FUZZ_CHECK_FAILED();
    if (s1 == QMAIL_ENV_DONE)
        check_done(&whole, &l, in, n);
    else if (whole.sender != NULL || whole.nrcpts != 0)
        FUZZ_CHECK_FAILED();
    if (qmail_env_status_exit(s1) == QMAIL_EXIT_BUG)
        FUZZ_CHECK_FAILED();
    arena_free(&a);
    check_custom_error(in, n);
    return 0;
}
