/*
 * test_rules: the rule engine, one table per rule type: header (with
 * :raw, :addr, :name, ALL, ToCc, MESSAGEID, exists:, if-unset, !~), body
 * (Subject first, paragraphs, nosubject, multiple/maxhits), rawbody, uri,
 * full, meta (boolean and arithmetic, symbols of other checks), scores,
 * if/ifplugin/else, ReplaceTags, and the reports of bad lines.
 */
#include "rules/rules.h"

#include <string.h>

#include "mail/limits.h"
#include "../t.h"

static double
sym(void *ctx, const char *name)
{
    return strcmp(ctx, name) == 0;
}

static void
add(void *ctx, const struct rules_hit *h)
{
    struct str *s = ctx;
    str_appendf(s, "%s%s(%g)", s->len ? " " : "", h->name, h->score);
}

/* Load rules, run them on msg (headers, blank line, body; the body is also
 * the one rendered and decoded text), return the hits "A(score) B(score)". */
static const char *
run(const char *rules_text, const char *msg, const char *uri, const char *symbol)
{
    static char out[4096];
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", rules_text, strlen(rules_text));
    rules_finish(rs, 0);
    struct arena *a = arena_new(4096);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb;
    size_t body = header_parse(a, &lim, slice_from_cstr(msg), true, &hb);
    struct slice text = slice_from(slice_from_cstr(msg), body);
    struct slice u = uri ? slice_from_cstr(uri) : SLICE_NULL;
    struct rules_message m = {.headers = &hb, .full = slice_from_cstr(msg),
                              .texts = &text, .ntexts = 1, .decoded = &text,
                              .ndecoded = 1, .uris = &u, .nuris = uri ? 1 : 0};
    struct str s;
    str_init(&s, sizeof(out) - 1);
    m.symbol = symbol ? sym : NULL;
    m.symbol_ctx = (void *)symbol;
    (void)rules_eval(rs, &m, a, add, &s, NULL);
    memcpy(out, s.buf ? s.buf : "", s.len);
    out[s.len] = '\0';
    str_deinit(&s);
    arena_free(&a);
    rules_free(&rs);
    return out;
}

static const char *msg1 =
    "From: \"Joe Bloggs\" <joe@example.com>\n"
    "To: a@example.org\n"
    "Cc: b@example.net\n"
    "Subject: =?utf-8?q?Cheap_pills?=\n"
    "Message-ID: <x1@example.com>\n"
    "X-Folded: one\n"
    "  two\n"
    "\n"
    "Hello there.\n"
    "Buy now.\n"
    "\n"
    "Second paragraph\n"
    "spam spam spam\n";

static void
test_header(void)
{
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"header A Subject =~ /^Cheap pills$/", "A(1)"},
        {"header A Subject:raw =~ /=\\?utf-8\\?q/", "A(1)"},
        {"header A From:addr =~ /^joe\\@example\\.com$/", "A(1)"},
        {"header A From:name =~ /^Joe Bloggs$/", "A(1)"},
        {"header A ToCc =~ /b\\@example\\.net/", "A(1)"},
        {"header A MESSAGEID =~ /^<x1\\@example\\.com>$/", "A(1)"},
        {"header A ALL =~ /^X-Folded: one two$/m", "A(1)"},
        {"header A X-Folded =~ /one two/", "A(1)"},
        {"header A exists:X-Folded", "A(1)"},
        {"header A exists:X-Missing", ""},
        {"header A X-Missing !~ /./", "A(1)"},
        {"header A X-Missing =~ /dflt/ [if-unset: dflt]", "A(1)"},
        {"header A Subject !~ /Cheap/", ""},
        {"header A subject =~ /cheap/i\nscore A 2.5", "A(2.5)"},
        {"header A ALL-ELSEWHERE =~ /x/", ""},                    /* not supported */
        {"header A eval:check_for_missing_to_header()", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg1, NULL, NULL), cases[i].want);
}

static void
test_body(void)
{
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"body A /^Cheap pills$/", "A(1)"},                  /* Subject first */
        {"body A /Cheap pills/\ntflags A nosubject", ""},
        {"body A /Hello there\\. Buy now\\./", "A(1)"},      /* a paragraph */
        {"body A /Buy now\\. Second/", ""},                  /* not across */
        {"body A /spam/\ntflags A multiple\nmeta B A == 3\nscore B 2", "A(1) B(2)"},
        {"body A /spam/\ntflags A multiple maxhits=2\nmeta B A == 2", "A(1) B(1)"},
        {"body A m{Hello}i", "A(1)"},
        {"body A /Hello \\y/", ""}, /* \y is "y" in Perl */
        {"rawbody A /^Buy now\\.$/m", "A(1)"},
        {"rawbody A /Cheap/", ""},
        {"full A /^X-Folded: one\\n  two$/m", "A(1)"},
        {"uri A /^http:\\/\\/example\\.com\\//", "A(1)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg1, "http://example.com/x", NULL), cases[i].want);
}

static void
test_meta_and_scores(void)
{
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"header __A Subject =~ /Cheap/\nheader __B To =~ /a@/\nmeta C __A && __B", "C(1)"},
        {"header __A Subject =~ /Cheap/\nmeta C !__A", ""},
        {"header __A Subject =~ /x/\nheader __B To =~ /a@/\nmeta C (__A + __B) >= 1", "C(1)"},
        {"meta C BAYES_99 && 1\nscore C 3", "C(3)"},            /* another check's */
        {"meta C RCVD_IN_X || 0", ""},
        {"header A Subject =~ /Cheap/\nscore A 0", ""},          /* score 0: off */
        {"header A Subject =~ /Cheap/\nscore A 1 2 3 4", "A(1)"}, /* set 0 */
        {"header T_A Subject =~ /Cheap/", "T_A(0.01)"},
        {"header A Subject =~ /Cheap/\ntflags A nice", "A(-1)"},
        /* over skipped rules: they read as 0 */
        {"header E eval:check_x()\nheader __A Subject =~ /Cheap/\nmeta C __A && !E", "C(1)"},
        {"header E eval:check_x()\nheader __A Subject =~ /Cheap/\nmeta C __A && E", ""},
        {"header M From:host =~ /x/\nheader __A Subject =~ /Cheap/\n"
         "meta __C __A && !M\nmeta D __C", "D(1)"},
        {"meta C (D\nmeta D 1", "D(1)"},
        {"meta A B\nmeta B A", ""},                              /* a cycle */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg1, NULL, "BAYES_99"), cases[i].want);
}

static void
test_blocks_and_tags(void)
{
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"ifplugin Mail::SpamAssassin::Plugin::FreeMail\nbody A /Hello/\nendif", "A(1)"},
        {"ifplugin Mail::SpamAssassin::Plugin::Nope\nbody A /Hello/\nendif", ""},
        {"loadplugin Mail::SpamAssassin::Plugin::Nope\n"
         "ifplugin Mail::SpamAssassin::Plugin::Nope\nbody A /Hello/\nendif", "A(1)"},
        {"if (version >= 3.004000)\nbody A /Hello/\nelse\nbody B /Hello/\nendif", "A(1)"},
        {"if !plugin(Mail::SpamAssassin::Plugin::ReplaceTags)\nbody A /Hello/\nendif", ""},
        {"if can(Mail::SpamAssassin::Conf::feature_bug6558_free)\nbody A /Hello/\nendif",
         "A(1)"},
        {"replace_tag H (?:h|H)\nreplace_tag E e\nreplace_inter W \\W?\n"
         "body A /<inter W><H><E>llo/\nreplace_rules A", "A(1)"},
        {"body A /Hel\\#lo/ # a comment", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg1, NULL, NULL), cases[i].want);
}

static void
test_diagnostics(void)
{
    static const char text[] = "body A /x(/\n"
                               "header B Subject =~ x\n"
                               "meta C (\n"
                               "score D x\n"
                               "body E eval:f()\n"
                               "header F ALL-ELSEWHERE =~ /x/\n"
                               "use_bayes 1\n"
                               "if (\nendif\n";
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", text, sizeof(text) - 1);
    rules_finish(rs, 0);
    CHECK_INT(rules_skipped(rs, SKIP_REGEX), 1);
    CHECK_INT(rules_skipped(rs, SKIP_EVAL), 1);
    CHECK_INT(rules_skipped(rs, SKIP_META), 1);
    CHECK_INT(rules_skipped(rs, SKIP_UNSUPPORTED), 1);
    CHECK_INT(rules_skipped(rs, SKIP_DIRECTIVE), 1);
    CHECK_INT(rules_skipped(rs, SKIP_SYNTAX), 3);
    CHECK_INT(rules_count(rs, RULE_BODY), 0);
    CHECK_INT(rules_count(rs, RULE_HEADER), 0);
    bool found = false;
    for (size_t i = 0; i < rules_diag_count(rs); i++)
        found |= strncmp(rules_diag(rs, i), "t.cf:1: A:", 10) == 0;
    CHECK(found);
    struct str s;
    str_init(&s, 0);
    rules_summary(rs, &s);
    CHECK(strstr(str_cstr(&s), "rules: 0 loaded") != NULL);
    str_deinit(&s);
    rules_free(&rs);
    CHECK(rs == NULL);
}

/* Relay pseudo-headers: the newest relay first; trust inferred from
 * private addresses, or set by trusted_networks / internal_networks. */
static void
test_relays(void)
{
    static const char *msg =
        "Received: from a.example (a.example [10.0.0.5]) by mx.example (Postfix) with ESMTP "
        "id AAA1\n"
        "Received: from dsl-1-2-3-4.dyn.example (unknown [192.0.2.4]) by a.example "
        "(8.12.8/8.12.8) with ESMTP id BBB2\n"
        "Subject: x\n\nbody\n";
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"header A X-Spam-Relays-Trusted =~ /^\\[ ip=10\\.0\\.0\\.5 rdns=a\\.example "
         "helo=a\\.example by=mx\\.example ident= envfrom= intl=1 id=AAA1 auth= msa=0 \\]$/",
         "A(1)"},
        {"header A X-Spam-Relays-External =~ /^\\[ ip=192\\.0\\.2\\.4 rdns= "
         "helo=dsl-1-2-3-4\\.dyn\\.example by=a\\.example [^\\]]* intl=0 id=BBB2 /",
         "A(1)"},
        {"header A X-Spam-Relays-Untrusted =~ /10\\.0\\.0\\.5/", ""},
        {"header __RDNS_NONE X-Spam-Relays-External =~ /^[^\\]]+ rdns= /\nmeta R __RDNS_NONE",
         "R(1)"},
        /* trusted_networks: 10/8 and the sender's /24 trusted, only 10/8 internal */
        {"trusted_networks 10/8 192.0.2.\ninternal_networks 10.\n"
         "header A X-Spam-Relays-Untrusted =~ /./\n"
         "header B X-Spam-Relays-External =~ /^\\[ ip=192\\.0\\.2\\.4 [^\\]]+ intl=0 /",
         "B(1)"},
        {"trusted_networks !10.0.0.5 10/8\nheader A X-Spam-Relays-Trusted =~ /./", ""},
        {"trusted_networks 10/8\nclear_trusted_networks\n"
         "header A X-Spam-Relays-Trusted =~ /ip=10\\./", "A(1)"},  /* inferred again */
        /* ALL-*: the fields above the first untrusted Received and it; it and below */
        {"header A ALL-TRUSTED =~ /^Received: from a\\.example .*\\nReceived: from dsl-[^\\n]*"
         "\\n\\z/s", "A(1)"},
        {"header A ALL-UNTRUSTED =~ /\\A(?!Received: from a\\.)Received: from dsl-.*\\n"
         "Subject: x\\n\\z/s", "A(1)"},
        {"header A ALL-EXTERNAL =~ /Received:.*\\nReceived:/s", ""},
        {"header A ALL-INTERNAL =~ /Subject/", ""},
        {"trusted_networks 10/8 192.0.2.\ninternal_networks 10.\n"
         "header A ALL-EXTERNAL =~ /10\\.0\\.0\\.5/\nheader B ALL-UNTRUSTED =~ /./\n"
         "header C ALL-EXTERNAL =~ /^Subject: x$/m\nheader D ALL-TRUSTED =~ /Subject/",
         "C(1) D(1)"},
        {"trusted_networks 10/8 192.0.2.\ninternal_networks 10.\n"
         "header A ALL-INTERNAL =~ /dsl-/\nheader B ALL-INTERNAL =~ /Subject/", "A(1)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg, NULL, NULL), cases[i].want);
}

/* "(?:G){N}" too large for pcre2 runs as G matched N times, trying every
 * length G can match at each step (as a backtracking matcher would). */
static void
test_repeat(void)
{
    struct str text;
    str_init(&text, 0);
    str_append_cstr(&text, "body R /(?:ab|a|bcd");
    for (int i = 0; i < 1200; i++) /* G alone compiles; G three times does not */
        str_appendf(&text, "|word%04dxyzzyplugh", i);
    str_append_cstr(&text, "){3}/\n");
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", text.buf, text.len);
    rules_finish(rs, 0);
    CHECK_INT(rules_count(rs, RULE_BODY), 1);
    CHECK_INT(rules_skipped(rs, SKIP_REGEX), 0);
    rules_free(&rs);
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"x abcda y", "R(1)"}, /* a, bcd, a: "ab" first leads nowhere */
        {"ababab", "R(1)"},
        {"word0007xyzzyplughaba", "R(1)"},
        {"abcd", ""},
        {"abab", ""},
        {"word1200xyzzyplughaba", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str msg;
        str_init(&msg, 0);
        str_appendf(&msg, "Subject: s\n\n%s\n", cases[i].body);
        CHECK_STR(run(str_cstr(&text), str_cstr(&msg), NULL, NULL), cases[i].want);
        str_deinit(&msg);
    }
    str_deinit(&text);
}

/* An expression too large for pcre2 (over 64 KiB compiled) loads cut in
 * pieces when its alternation may be cut, and matches as the whole would;
 * a repeated alternation cannot be cut and stays refused. */
static void
test_split(void)
{
    struct str alt;
    str_init(&alt, 0);
    for (int i = 0; i < 2500; i++) /* caseless: 2 code units a letter */
        str_appendf(&alt, "%sword%04dxyzzyplugh", i ? "|" : "", i);
    struct str text;
    str_init(&text, 0);
    str_appendf(&text, "body A /\\b(?:%s)\\b/i\ntflags A multiple\n", str_cstr(&alt));
    str_appendf(&text, "body B /^(?:%s){2}/i\n", str_cstr(&alt));
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", text.buf, text.len);
    rules_finish(rs, 0);
    CHECK_INT(rules_count(rs, RULE_BODY), 1);
    CHECK_INT(rules_skipped(rs, SKIP_REGEX), 1);
    struct str s;
    str_init(&s, 0);
    rules_summary(rs, &s);
    CHECK(strstr(str_cstr(&s), "1 regular expressions too large for pcre2 run as several") != NULL);
    str_deinit(&s);
    rules_free(&rs);
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"x word0000xyzzyplugh y", "A(1)"},
        {"WORD2499xyzzyplugh", "A(1)"},
        {"word2000xyzzyplugh and word0001xyzzyplugh", "A(1) __M(1)"},
        {"word2500xyzzyplugh", ""},
        {"aword0001xyzzyplugh", ""},
    };
    str_appendf(&text, "meta __M A == 2\nmeta M2 __M\n");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str msg;
        str_init(&msg, 0);
        str_appendf(&msg, "Subject: s\n\n%s\n", cases[i].body);
        const char *got = run(str_cstr(&text), str_cstr(&msg), NULL, NULL);
        CHECK_STR(got, strcmp(cases[i].want, "A(1) __M(1)") == 0 ? "A(1) M2(1)" : cases[i].want);
        str_deinit(&msg);
    }
    str_deinit(&text);
    str_deinit(&alt);
}

/* Captured tags: a named group sets a tag, %{NAME} reads its values
 * (quoted); a rule over a tag with no value does not run. */
static void
test_capture(void)
{
    static const struct {
        const char *rules, *uri, *want;
    } cases[] = {
        {"header __T To:addr =~ /^(?<TO>.+)$/\nuri U /\\#%{TO}$/", "http://e.com/#a@example.org",
         "U(1)"},
        {"header __T To:addr =~ /^(?<TO>.+)$/\nuri U /\\#%{TO}$/", "http://e.com/#aXexample.org",
         ""},                                                     /* "." quoted */
        {"header __T To:addr =~ /^(?<TO>.+)$/\nuri U /\\#%{TO}$/", "http://e.com/#b@example.org",
         ""},
        {"uri U /%{NOPE}|e\\.com/", "http://e.com/", ""},      /* no value: not run */
        {"uri U /\\%{TO}/", "http://e.com/%{TO}", "U(1)"},      /* escaped: text */
        {"body __B /(?<W>Cheap)/\nheader H Subject =~ /^%{W} pills$/", NULL, "H(1)"},
        {"body __B /(?<W>Hello)/\nheader H Subject =~ /^%{W} pills$/", NULL, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(run(cases[i].rules, msg1, cases[i].uri, NULL), cases[i].want);
}

/* mimeheader: each part's field alone (the last of its name in a part),
 * the top-level header block first; :raw keeps the fold. */
static void
test_mimeheader(void)
{
    static const char top[] = "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n";
    static const char part[] = "Content-Type: image/gif;\n name=\"x.gif\"\n"
                               "Content-Type: text/plain\nContent-ID: <a@b>\n\n";
    static const struct {
        const char *rules, *want;
    } cases[] = {
        {"mimeheader M Content-Type =~ /^multipart\\/mixed/", "M(1)"},
        {"mimeheader M Content-Type =~ /^text\\/plain$/", "M(1)"},     /* the last one */
        {"mimeheader M Content-Type =~ /image\\/gif/", ""},
        {"mimeheader M Content-Type =~ /boundary=b.*text/", ""},        /* one at a time */
        {"mimeheader M Content-Id =~ /^<a\\@b>$/\nmeta N M", "M(1) N(1)"},
        {"mimeheader M Content-Type:raw =~ /^text/\ntflags M multiple", "M(1)"},
        {"mimeheader M Content-Type:addr =~ /x/", ""},                  /* unsupported */
        {"mimeheader M X-Nope =~ /./", ""},
    };
    struct arena *a = arena_new(4096);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb[2];
    (void)header_parse(a, &lim, slice_from_cstr(top), true, &hb[0]);
    (void)header_parse(a, &lim, slice_from_cstr(part), false, &hb[1]);
    const struct header_block *parts[2] = {&hb[0], &hb[1]};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rules *rs = rules_new();
        rules_load_buffer(rs, "t.cf", cases[i].rules, strlen(cases[i].rules));
        rules_finish(rs, 0);
        struct rules_message m = {.headers = &hb[0], .parts = parts, .nparts = 2,
                                  .full = slice_from_cstr(top)};
        struct str got;
        str_init(&got, 0);
        (void)rules_eval(rs, &m, a, add, &got, NULL);
        CHECK_STR(str_cstr(&got), cases[i].want);
        str_deinit(&got);
        rules_free(&rs);
    }
    arena_free(&a);
}

/* Metas over skipped rules load, are counted and named as partial, and so
 * are metas over them; a meta over loaded rules only is not. */
static void
test_partial_metas(void)
{
    static const char text[] = "header E eval:check_x()\n"
                               "header __A Subject =~ /Cheap/\n"
                               "meta B __A && !E\n"
                               "meta C B || __A\n"
                               "meta D __A\n";
    struct rules *rs = rules_new();
    rules_load_buffer(rs, "t.cf", text, sizeof(text) - 1);
    rules_finish(rs, 0);
    CHECK_INT(rules_count(rs, RULE_META), 3);
    CHECK_INT(rules_partial_count(rs), 2);
    for (size_t i = 0; rules_name(rs, i); i++)
        CHECK_INT(rules_partial(rs, i), strcmp(rules_name(rs, i), "B") == 0 ||
                                            strcmp(rules_name(rs, i), "C") == 0);
    struct str s;
    str_init(&s, 0);
    rules_summary(rs, &s);
    CHECK(strstr(str_cstr(&s), "metas using skipped rules: 2") != NULL);
    str_deinit(&s);
    rules_free(&rs);
}

/* "(?:^|\s)X" rules (run as "(?<!\S)X" unless tflags multiple) fire on a
 * word start, at a line start or after a space, not inside a word (the
 * count of a multiple one is in test_prefilter's MULTI). */
static void
test_word_start(void)
{
    static const char rules[] =
        "body WS /(?:^|\\s)(?:pill|drug)s?\\b/\n"
        "body WS_MULTI /(?:^|\\s)(?:pill|drug)s?\\b/\n"
        "tflags WS_MULTI multiple\n"
        "header WS_SUBJ Subject =~ /(?:^|\\s)cheap/i\n";
    CHECK_STR(run(rules, "Subject: Cheap\n\npills here\n", NULL, NULL),
              "WS(1) WS_MULTI(1) WS_SUBJ(1)");
    CHECK_STR(run(rules, "Subject: xcheap\n\nsome drugs, more drugs\n", NULL, NULL),
              "WS(1) WS_MULTI(1)");
    CHECK_STR(run(rules, "Subject: a\n\nspills and xdrugs\n", NULL, NULL), "");
}

int
main(void)
{
    T_RUN(test_header);
    T_RUN(test_body);
    T_RUN(test_meta_and_scores);
    T_RUN(test_blocks_and_tags);
    T_RUN(test_diagnostics);
    T_RUN(test_partial_metas);
    T_RUN(test_relays);
    T_RUN(test_split);
    T_RUN(test_repeat);
    T_RUN(test_capture);
    T_RUN(test_mimeheader);
    T_RUN(test_word_start);
    return t_done();
}
