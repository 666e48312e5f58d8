/*
 * classify: Robinson's token probabilities, Fisher's chi-square combining,
 * the cut-offs and the bands (classify.h).
 * Untrusted input: none (counts from the store). Bounded: sorting n clues.
 */
#include "classify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bayes_params
bayes_params_default(void)
{
    return (struct bayes_params){
        .robs = BAYES_ROBS_DEFAULT,
        .robx = BAYES_ROBX_DEFAULT,
        .min_dev = BAYES_MIN_DEV_DEFAULT,
        .max_tokens = BAYES_MAX_TOKENS_DEFAULT,
        .spam_cutoff = BAYES_SPAM_CUTOFF_DEFAULT,
        .ham_cutoff = BAYES_HAM_CUTOFF_DEFAULT,
        .tie = BAYES_TIE_DEFAULT,
    };
}

double
bayes_token_prob(const struct bayes_params *p, struct bayes_count c, uint64_t nspam,
                 uint64_t nham)
{
    double n = (double)c.spam + (double)c.ham;
    if (n == 0 || nspam == 0 || nham == 0)
        return p->robx;
    double sf = (double)c.spam / (double)nspam, hf = (double)c.ham / (double)nham;
    double pw = sf / (sf + hf);
    return (p->robs * p->robx + n * pw) / (p->robs + n);
}

/* ln Q(x2, v): the sum over i < v/2 of e^-m m^i / i! (m = x2 / 2), added
 * in logs so that neither a large m nor a long sum underflows. */
static double
chi2q_log(double x2, unsigned v)
{
    double m = x2 / 2.0;
    if (m <= 0)
        return 0.0;
    double lm = log(m), lterm = -m, lsum = -m;
    for (unsigned i = 1; i < v / 2; i++) {
        lterm += lm - log((double)i);
        double hi = lsum > lterm ? lsum : lterm, lo = lsum > lterm ? lterm : lsum;
        lsum = hi + log1p(exp(lo - hi));
    }
    return lsum < 0 ? lsum : 0.0;
}

double
bayes_chi2q(double x2, unsigned v)
{
    return exp(chi2q_log(x2, v));
}

double
bayes_fisher(const double *probs, size_t n)
{
    return bayes_fisher_tie(probs, n, 0.0);
}

double
bayes_fisher_tie(const double *probs, size_t n, double tie)
{
    if (n == 0)
        return 0.5;
    double ln_f = 0, ln_1f = 0;
    for (size_t i = 0; i < n; i++) {
        double f = probs[i];
        if (f < 1e-9)
            f = 1e-9;
        if (f > 1 - 1e-9)
            f = 1 - 1e-9;
        ln_f += log(f);
        ln_1f += log(1 - f);
    }
    /* qs small: the tokens reject "not spam"; qh small: "not ham". */
    double lqs = chi2q_log(-2.0 * ln_1f, (unsigned)(2 * n));
    double lqh = chi2q_log(-2.0 * ln_f, (unsigned)(2 * n));
    double p = (1.0 + exp(lqh) - exp(lqs)) / 2.0; /* (1 + S - H) / 2 */
    if (tie > 0 && fabs(p - 0.5) < BAYES_TIE_EPS)
        p = 0.5 + tie * tanh((lqh - lqs) / BAYES_TIE_SCALE);
    return p;
}

double
bayes_geometric(const double *probs, size_t n)
{
    if (n == 0)
        return 0.5;
    double ln_f = 0, ln_1f = 0;
    for (size_t i = 0; i < n; i++) {
        double f = probs[i] < 1e-9 ? 1e-9 : probs[i] > 1 - 1e-9 ? 1 - 1e-9 : probs[i];
        ln_f += log(f);
        ln_1f += log(1 - f);
    }
    double P = 1 - exp(ln_1f / (double)n), Q = 1 - exp(ln_f / (double)n);
    return P + Q > 0 ? (1 + (P - Q) / (P + Q)) / 2 : 0.5;
}

/* Does x come before y: more telling (farther from 0.5), then the lower
 * index (a total order: any sort gives the same sequence). */
static bool
clue_before(const struct bayes_clue *x, const struct bayes_clue *y)
{
    double dx = fabs(x->prob - 0.5), dy = fabs(y->prob - 0.5);
    return dx != dy ? dx > dy : x->index < y->index;
}

/* Sort the n clues of c by clue_before: merge sort via tmp (n entries),
 * runs of 8 by insertion first. */
static void
sort_clues(struct bayes_clue *c, struct bayes_clue *tmp, size_t n)
{
    for (size_t lo = 0; lo < n; lo += 8)
        for (size_t i = lo + 1; i < n && i < lo + 8; i++) {
            struct bayes_clue x = c[i];
            size_t j = i;
            for (; j > lo && clue_before(&x, &c[j - 1]); j--)
                c[j] = c[j - 1];
            c[j] = x;
        }
    for (size_t w = 8; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = clue_before(&c[b], &c[a]) ? c[b++] : c[a++];
            while (a < mid)
                tmp[k++] = c[a++];
            while (b < hi)
                tmp[k++] = c[b++];
        }
        memcpy(c, tmp, n * sizeof(*c));
    }
}

void
bayes_classify(const struct bayes_params *p, const struct bayes_count *counts, size_t n,
               uint64_t nspam, uint64_t nham, struct arena *a, struct bayes_result *r)
{
    struct bayes_clue *c = arena_calloc(a, n ? n : 1, sizeof(*c));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i].spam == 0 && counts[i].ham == 0)
            continue;
        double f = bayes_token_prob(p, counts[i], nspam, nham);
        if (fabs(f - 0.5) >= p->min_dev)
            c[k++] = (struct bayes_clue){i, f};
    }
    sort_clues(c, arena_alloc(a, (k ? k : 1) * sizeof(*c)), k);
    if (k > p->max_tokens)
        k = p->max_tokens;
    double *probs = arena_calloc(a, k ? k : 1, sizeof(*probs));
    for (size_t i = 0; i < k; i++)
        probs[i] = c[i].prob;
    r->probability = p->geometric ? bayes_geometric(probs, k) : bayes_fisher_tie(probs, k, p->tie);
    r->cls = bayes_class_of(p, r->probability);
    r->clues = c;
    r->nclues = k;
}

enum bayes_class
bayes_class_of(const struct bayes_params *p, double probability)
{
    if (probability >= p->spam_cutoff)
        return BAYES_SPAM;
    if (probability <= p->ham_cutoff)
        return BAYES_HAM;
    return BAYES_UNSURE;
}

const char *
bayes_class_name(enum bayes_class c)
{
    return c == BAYES_SPAM ? "spam" : c == BAYES_HAM ? "ham" : "unsure";
}

struct bayes_band
bayes_band_of(double p)
{
    /* SpamAssassin's bands: (low, high], BAYES_00 from 0 inclusive. */
    static const struct bayes_band bands[] = {
        {"BAYES_00", -1.9, "Bayes spam probability is 0 to 1%"},
        {"BAYES_05", -0.5, "Bayes spam probability is 1 to 5%"},
        {"BAYES_20", -0.001, "Bayes spam probability is 5 to 20%"},
        {"BAYES_40", -0.001, "Bayes spam probability is 20 to 40%"},
        {"BAYES_50", 0.8, "Bayes spam probability is 40 to 60%"},
        {"BAYES_60", 1.5, "Bayes spam probability is 60 to 80%"},
        {"BAYES_80", 2.0, "Bayes spam probability is 80 to 95%"},
        {"BAYES_95", 3.0, "Bayes spam probability is 95 to 99%"},
        {"BAYES_99", 3.5, "Bayes spam probability is 99 to 100%"},
    };
    static const double high[] = {0.01, 0.05, 0.20, 0.40, 0.60, 0.80, 0.95, 0.99};
    for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
        if (p <= high[i])
            return bands[i];
    return bands[8];
}

struct bayes_band
bayes_band_999(void)
{
    return (struct bayes_band){"BAYES_999", 0.2, "Bayes spam probability is 99.9 to 100%"};
}
