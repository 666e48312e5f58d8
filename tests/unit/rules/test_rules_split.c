/*
 * test_rules_split: an expression too large for pcre2 cut in pieces
 * (rules/rules_split.c). A synthetic alternation is built here; its pieces
 * must match where, and as often as, the same alternatives compiled in small
 * chunks do; the piece count is the one halving gives; the cases that must
 * not be cut are refused.
 */
#include "rules/rules_int.h"

#include <string.h>

#include "lib/mem.h"
#include "../t.h"

#define LIMIT (64u << 10) /* Debian's pcre2: compiled patterns under 64 KiB */

struct alt_set {
    const char *prefix, *suffix;         /* around the alternation */
    void (*alt)(struct str *out, int i); /* alternative i */
    int n;
};

static void
word(struct str *out, int i)
{
    str_appendf(out, "w%05dxyzzyplugh", i);
}

static void
classed(struct str *out, int i)
{
    str_appendf(out, "[a%d]w%05dq", i % 10, i);
}

static void
dense(struct str *out, int i)
{
    str_appendf(out, "[a%d][bc][de][fg][hi][jk]%05d", i % 10, i);
}

static void
build(const struct alt_set *a, int from, int to, struct str *out)
{
    str_append_cstr(out, a->prefix);
    for (int i = from; i < to; i++) {
        if (i > from)
            str_appendc(out, '|');
        a->alt(out, i);
    }
    str_append_cstr(out, a->suffix);
}

/* Alternatives [from, to) compiled as one expression; NULL if too large. */
static pcre2_code *
compile_range(const struct alt_set *a, int from, int to)
{
    struct str s;
    str_init(&s, 0);
    build(a, from, to, &s);
    int code;
    PCRE2_SIZE off;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)str_cstr(&s), s.len, PCRE2_CASELESS, &code, &off, NULL);
    str_deinit(&s);
    return c;
}

/* Matches of c in subj, each search going on after the last match (as
 * tflags multiple counts them). */
static unsigned
count(const pcre2_code *c, const char *subj)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    size_t len = strlen(subj), at = 0;
    unsigned n = 0;
    while (at <= len && pcre2_match(c, (PCRE2_SPTR)subj, len, at, 0, md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        n++;
        at = ov[1] > at ? ov[1] : at + 1;
    }
    pcre2_match_data_free(md);
    return n;
}

struct subject {
    const char *text;
    unsigned want; /* matches of the whole alternation */
};

/* Cut the whole alternation; on each subject, the pieces must match as
 * often as chunks of 100 alternatives do, and as said; return the piece
 * count. */
static size_t
check_same_matches(const struct alt_set *a, const struct subject *subj, size_t nsubj)
{
    struct str whole;
    str_init(&whole, 0);
    build(a, 0, a->n, &whole);
    pcre2_code **parts;
    size_t n = rules_regex_split(str_cstr(&whole), whole.len, PCRE2_CASELESS, &parts);
    str_deinit(&whole);
    CHECK(n >= 2);
    size_t nchunks = (size_t)(a->n + 99) / 100;
    pcre2_code **chunks = xcalloc(nchunks, sizeof(*chunks));
    for (size_t c = 0; c < nchunks; c++) {
        int to = (int)(c + 1) * 100;
        chunks[c] = compile_range(a, (int)c * 100, to < a->n ? to : a->n);
        CHECK(chunks[c] != NULL);
    }
    for (size_t i = 0; i < nsubj; i++) {
        unsigned got = 0, by_chunks = 0;
        for (size_t p = 0; p < n; p++)
            got += count(parts[p], subj[i].text);
        for (size_t c = 0; c < nchunks; c++)
            by_chunks += chunks[c] ? count(chunks[c], subj[i].text) : 0;
        if (got != subj[i].want || by_chunks != subj[i].want)
            fprintf(stderr, "\"%s\": %u matches in pieces, %u in chunks, want %u\n",
                    subj[i].text, got, by_chunks, subj[i].want);
        CHECK_INT(got, subj[i].want);
        CHECK_INT(by_chunks, subj[i].want);
    }
    for (size_t c = 0; c < nchunks; c++)
        pcre2_code_free(chunks[c]);
    free(chunks);
    for (size_t p = 0; p < n; p++)
        pcre2_code_free(parts[p]);
    free(parts);
    return n;
}

/* A plain alternation of 6000 words (about 200 KiB compiled, 100 KB of
 * text): the halves are too large, the quarters fit; so 4 pieces. */
static void
test_plain(void)
{
    static const struct alt_set a = {"\\b(?:", ")\\b", word, 6000};
    pcre2_code *c;
    CHECK((c = compile_range(&a, 0, a.n / 2)) == NULL); /* what the count rests on */
    pcre2_code_free(c);
    CHECK((c = compile_range(&a, 0, a.n / 4)) != NULL);
    pcre2_code_free(c);
    static const struct subject subj[] = {
        {"w00000xyzzyplugh", 1},
        {"W05999XYZZYPLUGH", 1},
        {"x w01500xyzzyplugh y", 1},
        {"w02999xyzzyplugh w03000xyzzyplugh w04500xyzzyplugh w02999xyzzyplugh", 4},
        {"aw00001xyzzyplugh", 0},
        {"w06000xyzzyplugh", 0},
        {"w0001xyzzyplugh", 0},
        {"", 0},
    };
    CHECK_INT(check_same_matches(&a, subj, sizeof(subj) / sizeof(subj[0])), 4);
}

/* The stock rules' shape: the alternation between a prefix and a suffix
 * (with groups of their own) that every piece repeats. */
static void
test_nested(void)
{
    static const struct alt_set a = {"(?:^|\\s)(?:p|q)re\\s(?:", ")\\spost[\\s.,]",
                                     classed, 4000};
    static const struct subject subj[] = {
        {"pre aw00000q post.", 1},
        {"x pre 9w03999q post ", 1},
        {"pre 1w00001q post  qre 2w02002q post, short42,", 2},
        {"pre aw00000q pos", 0},
        {"rre aw00000q post.", 0},
        {"preaw00000q post.", 0},
        {"pre bw00000q post.", 0},
        {"pre 1w00002q post.", 0},
    };
    size_t n = check_same_matches(&a, subj, sizeof(subj) / sizeof(subj[0]));
    CHECK(n >= 2 && n <= 8);
}

/* Not cut: back references, inline options, quoting, conditionals,
 * branch resets, a repeated alternation, the x flag; and more than
 * RULES_SPLIT_MAX pieces. */
static void
test_refused(void)
{
    static const char *const res[] = {
        "(a)\\1|b", "(?i)a|b", "(?:a|b){2}", "\\Qa|b\\E", "(?(1)a|b)", "(?|a|b)",
    };
    pcre2_code **parts;
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        CHECK_INT(rules_regex_split(res[i], strlen(res[i]), 0, &parts), 0);
        CHECK(parts == NULL);
    }
    CHECK_INT(rules_regex_split("a|b", 3, PCRE2_EXTENDED, &parts), 0);
    /* Taken as too large (the caller says so): cut. */
    CHECK_INT(rules_regex_split("a|b", 3, 0, &parts), 2);
    for (size_t p = 0; p < 2; p++)
        pcre2_code_free(parts[p]);
    free(parts);
    /* Classes (33 bytes each compiled): 13760 alternatives halve into 64
     * pieces of 215 (about 45 KiB, 2 of them 90); twice that would need
     * 128: more than RULES_SPLIT_MAX, refused. */
    static const struct alt_set big = {"(?:", ")", dense, 13760},
                                bigger = {"(?:", ")", dense, 27520};
    pcre2_code *c;
    CHECK((c = compile_range(&big, 0, 215)) != NULL);
    pcre2_code_free(c);
    CHECK((c = compile_range(&big, 0, 430)) == NULL);
    struct str s;
    str_init(&s, 0);
    build(&big, 0, big.n, &s);
    CHECK_INT(rules_regex_split(str_cstr(&s), s.len, 0, &parts), RULES_SPLIT_MAX);
    for (size_t p = 0; p < RULES_SPLIT_MAX && parts; p++)
        pcre2_code_free(parts[p]);
    free(parts);
    str_clear(&s);
    build(&bigger, 0, bigger.n, &s);
    CHECK_INT(rules_regex_split(str_cstr(&s), s.len, 0, &parts), 0);
    CHECK(parts == NULL);
    str_deinit(&s);
}

int
main(void)
{
    T_RUN(test_plain);
    T_RUN(test_nested);
    T_RUN(test_refused);
    return t_done();
}
