/*
 * test_classify: the arithmetic of bayes/classify: known counts give known
 * probabilities (worked out by hand from the formulas in docs/bayes.md).
 */
#include <math.h>

#include "bayes/classify.h"
#include "t.h"

#define CHECK_NEAR(got, want, eps) CHECK(fabs((got) - (want)) < (eps))

static void
test_token_prob(void)
{
    struct bayes_params p = bayes_params_default();
    p.robs = 0.0178; /* bogofilter's s and x, for the figures below */
    p.robx = 0.52;
    /* Unknown token, or an empty class: the prior x. */
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){0, 0}, 10, 10), 0.52, 1e-12);
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){3, 0}, 10, 0), 0.52, 1e-12);
    /* Equal frequencies: p(w) = 0.5, pulled a little to x. n = 4:
     * (0.0178 * 0.52 + 4 * 0.5) / 4.0178. */
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){2, 2}, 10, 10),
               (0.0178 * 0.52 + 2.0) / 4.0178, 1e-12);
    /* Frequencies, not counts: 2 of 10 spam, 2 of 40 ham: sf 0.2, hf 0.05,
     * p = 0.8; n = 4. */
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){2, 2}, 10, 40),
               (0.0178 * 0.52 + 4 * 0.8) / 4.0178, 1e-12);
    /* A hapax in spam: (s x + 1) / (s + 1). */
    p.robs = 1.0;
    p.robx = 0.5;
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){1, 0}, 5, 5), 0.75, 1e-12);
    CHECK_NEAR(bayes_token_prob(&p, (struct bayes_count){0, 1}, 5, 5), 0.25, 1e-12);
}

static void
test_chi2q(void)
{
    /* v = 2: Q = e^(-x/2). v = 4: e^(-m) (1 + m). */
    CHECK_NEAR(bayes_chi2q(2.0, 2), exp(-1.0), 1e-12);
    CHECK_NEAR(bayes_chi2q(6.0, 4), exp(-3.0) * 4.0, 1e-12);
    CHECK_NEAR(bayes_chi2q(0.0, 10), 1.0, 1e-12);
    /* A huge statistic does not underflow into nonsense. */
    CHECK(bayes_chi2q(5000.0, 300) >= 0.0 && bayes_chi2q(5000.0, 300) < 1e-100);
    CHECK(bayes_chi2q(1.0, 300) <= 1.0);
}

static void
test_fisher(void)
{
    CHECK_NEAR(bayes_fisher(NULL, 0), 0.5, 1e-12);
    /* One token f: S = 1 - Q(-2 ln(1-f), 2) = f, H = 1 - (f) ... with v = 2,
     * Q(-2 ln a, 2) = a, so S = 1 - (1 - f) = f, H = 1 - f, and the
     * result is (1 + f - (1 - f)) / 2 = f. */
    double one[] = {0.9};
    CHECK_NEAR(bayes_fisher(one, 1), 0.9, 1e-12);
    double sym[] = {0.99, 0.01};
    CHECK_NEAR(bayes_fisher(sym, 2), 0.5, 1e-12);
    double spam[] = {0.99, 0.98, 0.97, 0.95};
    CHECK(bayes_fisher(spam, 4) > 0.99);
    double ham[] = {0.01, 0.02, 0.03, 0.05};
    CHECK(bayes_fisher(ham, 4) < 0.01);
}

static void
test_classify(void)
{
    struct bayes_params p = bayes_params_default();
    struct arena *a = arena_new(0);
    /* Three spam tokens, one neutral, one unknown: the neutral and the
     * unknown are not clues. */
    struct bayes_count c[] = {{50, 0}, {40, 1}, {30, 0}, {10, 10}, {0, 0}};
    struct bayes_result r;
    bayes_classify(&p, c, 5, 100, 100, a, &r);
    CHECK_INT(r.nclues, 3);
    CHECK_INT(r.clues[0].index, 0); /* most telling first */
    CHECK(r.probability > 0.99);
    CHECK_INT(r.cls, BAYES_SPAM);
    /* max_tokens keeps the strongest. */
    p.max_tokens = 1;
    bayes_classify(&p, c, 5, 100, 100, a, &r);
    CHECK_INT(r.nclues, 1);
    CHECK_NEAR(r.probability, bayes_token_prob(&p, c[0], 100, 100), 1e-12);
    /* Nothing known: 0.5, unsure. */
    struct bayes_count none[] = {{0, 0}};
    p = bayes_params_default();
    bayes_classify(&p, none, 1, 100, 100, a, &r);
    CHECK_NEAR(r.probability, 0.5, 1e-12);
    CHECK_INT(r.cls, BAYES_UNSURE);
    CHECK_STR(bayes_class_name(r.cls), "unsure");
    arena_free(&a);
}

static void
test_bands(void)
{
    static const struct {
        double p;
        const char *name;
        double score;
    } cases[] = {
        {0.0, "BAYES_00", -1.9},  {0.01, "BAYES_00", -1.9}, {0.011, "BAYES_05", -0.5},
        {0.2, "BAYES_20", -0.001}, {0.5, "BAYES_50", 0.8},  {0.7, "BAYES_60", 1.5},
        {0.9, "BAYES_80", 2.0},   {0.98, "BAYES_95", 3.0},  {0.995, "BAYES_99", 3.5},
        {1.0, "BAYES_99", 3.5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bayes_band b = bayes_band_of(cases[i].p);
        CHECK_STR(b.name, cases[i].name);
        CHECK_NEAR(b.score, cases[i].score, 1e-9);
    }
    CHECK_STR(bayes_band_999().name, "BAYES_999");
}

int
main(void)
{
    T_RUN(test_token_prob);
    T_RUN(test_chi2q);
    T_RUN(test_fisher);
    T_RUN(test_classify);
    T_RUN(test_bands);
    return t_done();
}
