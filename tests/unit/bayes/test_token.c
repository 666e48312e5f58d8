/*
 * test_token: the Bayes tokenizer: which tokens a message gives (by their
 * text, as reports show them), once each; the limits.
 */
#include <stdint.h>

#include "bayes/token.h"
#include "mail/header.h"
#include "t.h"

static struct arena *a;

/* Is there a token whose text is want? */
static int
has(const struct bayes_tokens *t, const char *want)
{
    uint64_t h = bayes_token_hash_text(slice_from_cstr(want));
    int found = 0;
    struct str s;
    str_init(&s, 0);
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].hash != h)
            continue;
        str_clear(&s);
        bayes_token_text(&t->v[i], &s);
        found = strcmp(str_cstr(&s), want) == 0; /* the text gives the hash */
    }
    str_deinit(&s);
    return found;
}

static void
tokenize(const char *hdr, const char *text, struct bayes_tokens *t)
{
    struct mail_limits lim = mail_limits_default();
    struct header_block *hb = arena_calloc(a, 1, sizeof(*hb));
    if (hdr)
        (void)header_parse(a, &lim, slice_from_cstr(hdr), true, hb);
    struct slice *tx = arena_calloc(a, 1, sizeof(*tx));
    *tx = slice_from_cstr(text);
    struct bayes_input in = {hdr ? hb : NULL, NULL, tx, 1, 0};
    struct bayes_tok_opts o = bayes_tok_opts_default();
    bayes_tokens_init(t, a);
    bayes_tokenize(&o, &in, t);
}

static void
test_words(void)
{
    struct bayes_tokens t;
    tokenize(NULL, "Hello, WORLD! Hello again... it's $100 -- ok x.", &t);
    CHECK(has(&t, "hello"));
    CHECK(has(&t, "world"));
    CHECK(has(&t, "it's"));
    CHECK(has(&t, "$100"));
    CHECK(has(&t, "hello world")); /* a pair */
    CHECK(has(&t, "world hello"));
    CHECK(!has(&t, "ok"));         /* shorter than 3 */
    CHECK(!has(&t, "again..."));
    CHECK(has(&t, "again"));
    size_t n = t.n;
    /* Once each: "hello" twice gives one token. */
    size_t hellos = 0;
    uint64_t h = bayes_token_hash_text(SLICE_LIT("hello"));
    for (size_t i = 0; i < n; i++)
        hellos += t.v[i].hash == h;
    CHECK_INT(hellos, 1);
}

/* The position in sorted of the token whose text is txt. */
static uint32_t
pos_of(const uint64_t *sorted, size_t n, const char *txt)
{
    uint64_t h = bayes_token_hash_text(slice_from_cstr(txt));
    for (size_t i = 0; i < n; i++)
        if (sorted[i] == h)
            return (uint32_t)i;
    return BAYES_NO_DEP;
}

/* Each pair names its two words, so that the store can skip a pair whose
 * word it does not know; other tokens name none. */
static void
test_deps(void)
{
    struct bayes_tokens t;
    tokenize("Subject: cheap pills\n\n", "free money today", &t);
    uint64_t *sorted = bayes_tokens_sorted(&t);
    uint32_t *d = bayes_tokens_deps(&t, sorted, t.n);
    uint32_t pair = pos_of(sorted, t.n, "free money");
    CHECK(pair != BAYES_NO_DEP);
    CHECK_INT(d[2 * pair], pos_of(sorted, t.n, "free"));
    CHECK_INT(d[2 * pair + 1], pos_of(sorted, t.n, "money"));
    uint32_t word = pos_of(sorted, t.n, "today");
    CHECK(word != BAYES_NO_DEP);
    CHECK_INT(d[2 * word], BAYES_NO_DEP);
    uint32_t hdr = pos_of(sorted, t.n, "Hsubject:cheap");
    CHECK(hdr != BAYES_NO_DEP);
    CHECK_INT(d[2 * hdr], BAYES_NO_DEP);
}

static void
test_long_and_utf8(void)
{
    struct bayes_tokens t;
    tokenize(NULL,
             "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeee "
             "caf\xc3\xa9\xc2\xa0na\xc3\xafve \xe2\x80\x9cquoted\xe2\x80\x9d",
             &t);
    CHECK(has(&t, "sk:aaaaaaaa"));
    CHECK(has(&t, "caf\xc3\xa9")); /* NBSP ends a word */
    CHECK(has(&t, "na\xc3\xafve"));
    CHECK(has(&t, "quoted"));      /* typographic quotes are not letters */
}

static void
test_headers_urls(void)
{
    struct bayes_tokens t;
    tokenize("From: Bob <bob@example.com>\r\n"
             "Subject: =?UTF-8?Q?Cheap_pills?=\r\n"
             "Message-ID: <ABC123.xyz@mail.example.net>\r\n"
             "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
             "X-Spam-Status: Yes, score=9\r\n\r\n",
             "see http://www.shop.example.co.uk/buy now", &t);
    CHECK(has(&t, "Hfrom:bob@example.com"));
    CHECK(has(&t, "Hsubject:cheap"));
    CHECK(has(&t, "cheap"));          /* the Subject is text too */
    CHECK(has(&t, "cheap pills"));
    CHECK(has(&t, "Hmessage-id:<A9.a@mail.example.net>"));
    CHECK(!has(&t, "Hdate:mon"));     /* skipped */
    CHECK(!has(&t, "Hx-spam-status:yes"));
    CHECK(has(&t, "U:www.shop.example.co.uk"));
    CHECK(has(&t, "UD:co.uk"));
    CHECK(has(&t, "UD:example.co.uk"));
}

static void
test_limit(void)
{
    struct str s;
    str_init(&s, 0);
    for (int i = 0; i < BAYES_TOKENS_MAX + 5000; i++)
        str_appendf(&s, "w%07d ", i);
    struct bayes_tokens t;
    struct slice text = arena_slice_dup(a, str_slice(&s));
    struct bayes_input in = {NULL, NULL, &text, 1, 0};
    struct bayes_tok_opts o = bayes_tok_opts_default();
    bayes_tokens_init(&t, a);
    bayes_tokenize(&o, &in, &t);
    CHECK_INT(t.n, BAYES_TOKENS_MAX);
    CHECK(t.full);
    str_deinit(&s);
}

static void
test_digest(void)
{
    struct bayes_tokens t1, t2, t3;
    tokenize(NULL, "alpha beta gamma", &t1);
    tokenize(NULL, "gamma alpha beta", &t2); /* same words, other pairs */
    tokenize(NULL, "alpha beta gamma", &t3);
    uint8_t d1[16], d2[16], d3[16];
    bayes_tokens_digest(bayes_tokens_sorted(&t1), t1.n, d1);
    bayes_tokens_digest(bayes_tokens_sorted(&t2), t2.n, d2);
    bayes_tokens_digest(bayes_tokens_sorted(&t3), t3.n, d3);
    CHECK(memcmp(d1, d3, 16) == 0);
    CHECK(memcmp(d1, d2, 16) != 0);
}

int
main(void)
{
    a = arena_new(0);
    T_RUN(test_words);
    T_RUN(test_deps);
    T_RUN(test_long_and_utf8);
    T_RUN(test_headers_urls);
    T_RUN(test_limit);
    T_RUN(test_digest);
    arena_free(&a);
    return t_done();
}
