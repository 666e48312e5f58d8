/*
 * test_prefilter: the Hyperscan prefilter of body rules gives the same hits
 * as pcre2 alone, where the two could part: ^ and $ on each line, a line
 * cut at 2048 bytes (^ at the start of the second piece, $ after the space
 * that ends the first), lookarounds (which Hyperscan approximates),
 * nosubject, multiple; and its file in rules_compiled_dir is used only for
 * the very rule set that made it (same rules: loaded; a changed rule: not;
 * a damaged file: refused; a new file replaces the old one).
 */
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "mail/limits.h"
#include "../t.h"

static const char rules_text[] =
    "body LINE_START /^second paragraph/i\n"
    "body LINE_END /buy now\\.$/i\n"
    "body CUT_END /tail $/\n"
    "body CUT_START /^marker/\n"
    "body NOT_FOLLOWED /spam(?! eggs)/\n"
    "body BEHIND /(?<=cheap )pills/i\n"
    "body NOSUBJ /cheap/i\n"
    "tflags NOSUBJ nosubject\n"
    "body MULTI /spam/\n"
    "tflags MULTI multiple\n"
    "body NEVER /no such words here/\n"
    "body CLASS /\\bP[i1]lls\\b/\n";

static void
add(void *ctx, const struct rules_hit *h)
{
    struct str *s = ctx;
    str_appendf(s, "%s%s(%u)", s->len ? " " : "", h->name, h->count);
}

/* The hits of rs on msg ("NAME(count) ..."), into out. */
static void
hits(const struct rules *rs, const char *msg, struct str *out)
{
    struct arena *a = arena_new(4096);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb;
    size_t body = header_parse(a, &lim, slice_from_cstr(msg), true, &hb);
    struct slice text = slice_from(slice_from_cstr(msg), body);
    struct rules_message m = {.headers = &hb, .full = slice_from_cstr(msg), .texts = &text,
                              .ntexts = 1, .decoded = &text, .ndecoded = 1};
    str_clear(out);
    (void)rules_eval(rs, &m, a, add, out, NULL);
    arena_free(&a);
}

static struct rules *
load(const char *text)
{
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", text, strlen(text));
    rules_finish(rs, 0);
    return rs;
}

/* A message whose one paragraph is longer than 2048 bytes: the body line
 * is cut at a space, after "tail ", before "marker". */
static char *
long_message(void)
{
    struct str s;
    str_init(&s, 0);
    str_append_cstr(&s, "Subject: cheap stuff\n\n");
    size_t body = s.len;
    str_append_cstr(&s, "start ");
    while (s.len - body < 2030)
        str_append_cstr(&s, "word ");
    str_append_cstr(&s, "tail markerXXXXXXXXXXXXXXXXXXXX"); /* "tail " ends before 2048 */
    while (s.len < 3000)
        str_append_cstr(&s, " more");
    str_append_cstr(&s, "\n");
    return str_steal(&s, NULL);
}

static void
test_same_hits(void)
{
    static const char *const msgs[] = {
        "Subject: Cheap pills\n\nHello.\nBuy now.\n\nSecond paragraph\nspam spam eggs spam\n",
        "Subject: hello\n\nNothing to see.\n\nsecond Paragraph here, P1lls\n",
        "Subject: spam\n\nspam eggs\n",
    };
    struct rules *plain = load(rules_text), *pf = load(rules_text);
    struct str err, a, b;
    str_init(&err, 0);
    str_init(&a, 0);
    str_init(&b, 0);
    CHECK_INT(rules_prefilter_compile(pf, NULL, &err), 0);
    CHECK(rules_prefiltered(pf, NULL) >= 10);
    CHECK_INT(rules_prefiltered(plain, NULL), 0);
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        hits(plain, msgs[i], &a);
        hits(pf, msgs[i], &b);
        CHECK_STR(str_cstr(&b), str_cstr(&a));
    }
    hits(plain, msgs[0], &a);
    CHECK_STR(str_cstr(&a), "LINE_START(1) LINE_END(1) NOT_FOLLOWED(1) BEHIND(1) MULTI(3)");
    char *longm = long_message();
    hits(plain, longm, &a);
    hits(pf, longm, &b);
    CHECK_STR(str_cstr(&a), "CUT_END(1) CUT_START(1)");
    CHECK_STR(str_cstr(&b), str_cstr(&a));
    free(longm);
    str_deinit(&err);
    str_deinit(&a);
    str_deinit(&b);
    rules_free(&plain);
    rules_free(&pf);
}

static void
test_kept_file(void)
{
    char dir[] = "/tmp/tamis-test-prefilter.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct str err;
    str_init(&err, 0);
    struct rules *rs = load(rules_text);
    CHECK_INT(rules_prefilter_load(rs, dir, &err), 0); /* none yet */
    CHECK_INT(rules_prefilter_compile(rs, dir, &err), 0);
    rules_free(&rs);

    rs = load(rules_text); /* the same rules: the file is theirs */
    CHECK_INT(rules_prefilter_load(rs, dir, &err), 1);
    size_t n = rules_prefiltered(rs, NULL);
    CHECK(n >= 10);
    rules_free(&rs);

    char *changed = xstrdup(rules_text);
    changed[strlen("body LINE_START /^second")] = 'S'; /* one byte of one rule */
    rs = load(changed);
    CHECK_INT(rules_prefilter_load(rs, dir, &err), 0);
    CHECK_INT(rules_prefiltered(rs, NULL), 0);
    /* Compiled for the changed rules, its file replaces the old one. */
    CHECK_INT(rules_prefilter_compile(rs, dir, &err), 0);
    rules_free(&rs);
    struct str cmd;
    str_init(&cmd, 0);
    str_appendf(&cmd, "test $(ls %s | wc -l) = 1", dir);
    CHECK_INT(system(str_cstr(&cmd)), 0);
    rs = load(rules_text);
    CHECK_INT(rules_prefilter_load(rs, dir, &err), 0);
    rules_free(&rs);

    /* Damage the file: it is refused, with a reason, and nothing attached. */
    str_clear(&cmd);
    str_appendf(&cmd, "for f in %s/*.hsdb; do head -c 2000 \"$f\" >\"$f.x\" && mv \"$f.x\" "
                      "\"$f\"; done", dir);
    CHECK_INT(system(str_cstr(&cmd)), 0);
    rs = load(changed);
    free(changed);
    str_clear(&err);
    CHECK_INT(rules_prefilter_load(rs, dir, &err), -1);
    CHECK(strstr(str_cstr(&err), "not a prefilter of these rules") != NULL);
    CHECK_INT(rules_prefiltered(rs, NULL), 0);
    rules_free(&rs);
    str_clear(&cmd);
    str_appendf(&cmd, "rm -rf %s", dir);
    CHECK_INT(system(str_cstr(&cmd)), 0);
    str_deinit(&cmd);
    str_deinit(&err);
}

int
main(void)
{
    if (!rules_prefilter_available()) {
        printf("1..0 # SKIP no Hyperscan in this build\n");
        struct rules *rs = load(rules_text);
        struct str err;
        str_init(&err, 0);
        CHECK_INT(rules_prefilter_compile(rs, NULL, &err), -1);
        CHECK(strstr(str_cstr(&err), "without Hyperscan") != NULL);
        str_deinit(&err);
        rules_free(&rs);
        return t_done();
    }
    T_RUN(test_same_hits);
    T_RUN(test_kept_file);
    return t_done();
}
