/*
 * fuzz_rules_parse: the rule engine's reader of rule files (rules/) over
 * arbitrary bytes: directives, if/ifplugin blocks, header targets, Perl
 * regular expressions, meta expressions, ReplaceTags. include is refused
 * for buffers, so no file is opened.
 *
 * Input: the first half is a rule file; the rest is a message (headers and
 * body) the frozen set then runs on. Invariants checked: counts and
 * diagnostics are bounded and each diagnostic starts with "fuzz.cf:"; every
 * reported hit names a loaded rule with a non-zero score.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "mail/limits.h"
#include "rules/rules.h"

static void
hit(void *ctx, const struct rules_hit *h)
{
    const struct rules *rs = ctx;
    if (h->score == 0)
        FUZZ_CHECK_FAILED();
    bool known = false;
    for (size_t i = 0; !known && rules_name(rs, i); i++)
        known = strcmp(rules_name(rs, i), h->name) == 0;
    if (!known)
        FUZZ_CHECK_FAILED();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t half = size / 2;
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "fuzz.cf", (const char *)data, half);
    rules_finish(rs, (int)(size % 4));
    if (rules_diag_count(rs) > RULES_DIAG_MAX)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < rules_diag_count(rs); i++)
        if (strncmp(rules_diag(rs, i), "fuzz.cf:", 8) != 0)
            FUZZ_CHECK_FAILED();
    struct arena *a = arena_new(4096);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb;
    struct slice msg = slice_make((const char *)data + half, size - half);
    size_t body = header_parse(a, &lim, msg, true, &hb);
    struct slice text = slice_from(msg, body);
    struct rules_message m = {.headers = &hb, .full = msg, .texts = &text, .ntexts = 1,
                              .decoded = &text, .ndecoded = 1, .uris = &text, .nuris = 1,
                              .match_limit = 100000};
    (void)rules_eval(rs, &m, a, hit, rs, NULL);
    struct str s;
    str_init(&s, 0);
    rules_summary(rs, &s);
    str_deinit(&s);
    arena_free(&a);
    rules_free(&rs);
    return 0;
}
