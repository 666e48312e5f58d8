/*
 * classify: the arithmetic of the Bayes classifier. Robinson's estimate of
 * each token's spam probability from its counts, with a strength s and a
 * prior x for rare tokens; Fisher's chi-square combining of the most
 * telling tokens into one probability in [0, 1]; the three-way result by
 * two cut-offs; the SpamAssassin bands BAYES_00 ... BAYES_99 and BAYES_999.
 * Pure: no I/O, no allocation but from the caller's arena.
 */
#ifndef TAMIS_BAYES_CLASSIFY_H
#define TAMIS_BAYES_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

/* Defaults (docs/bayes.md says how the evaluation chose them). */
#define BAYES_ROBS_DEFAULT 0.03
#define BAYES_ROBX_DEFAULT 0.6
#define BAYES_MIN_DEV_DEFAULT 0.41
#define BAYES_MAX_TOKENS_DEFAULT 150
#define BAYES_SPAM_CUTOFF_DEFAULT 0.99
#define BAYES_HAM_CUTOFF_DEFAULT 0.45
/* Ties: a Fisher result within BAYES_TIE_EPS of 0.5 (both hypotheses
 * rejected: strong spam and strong ham tokens) is moved up to tie away
 * from 0.5 by the balance of the two chi-square tails, ln Qh - ln Qs
 * (nats, scaled by BAYES_TIE_SCALE). It stays inside the unsure band. */
#define BAYES_TIE_DEFAULT 0.0
#define BAYES_TIE_EPS 1e-3
#define BAYES_TIE_SCALE 20.0

struct bayes_params {
    double robs;       /* Robinson's s: weight of the prior (> 0) */
    double robx;       /* Robinson's x: probability of an unknown token */
    double min_dev;    /* tokens with |f - 0.5| below this are not used */
    size_t max_tokens; /* the most telling tokens that are combined */
    double spam_cutoff; /* probability >= this: spam */
    double ham_cutoff;  /* probability <= this: ham; between: unsure */
    double tie;         /* half-width of the tie band (0: off); see above */
    bool geometric;     /* Robinson's geometric-mean combining, not Fisher's */
};

struct bayes_params bayes_params_default(void);

/* How often a token was seen in learned spam and ham. */
struct bayes_count {
    uint32_t spam, ham;
};

enum bayes_class { BAYES_HAM, BAYES_UNSURE, BAYES_SPAM };

/* One token that took part in the combining. */
struct bayes_clue {
    size_t index; /* into the caller's token and count arrays */
    double prob;  /* its f(w) */
};

struct bayes_result {
    double probability;
    enum bayes_class cls;
    struct bayes_clue *clues; /* most telling first (arena) */
    size_t nclues;
};

/* f(w) of one token: Robinson's (s * x + n * p(w)) / (s + n), where n is
 * how many learned messages held the token and p(w) = spam frequency /
 * (spam frequency + ham frequency). x when the token is unknown or a class
 * has no message. */
double bayes_token_prob(const struct bayes_params *p, struct bayes_count c,
                        uint64_t nspam, uint64_t nham);
/* The chi-square survival function Q(x2, v) for even v >= 2. */
double bayes_chi2q(double x2, unsigned v);
/* Fisher's combining of n probabilities: (1 + S - H) / 2 where S and H are
 * the chi-square tests of the spam and ham hypotheses. 0.5 when n is 0. */
double bayes_fisher(const double *probs, size_t n);
/* Robinson's geometric-mean combining: (1 + (P - Q) / (P + Q)) / 2 with
 * P = 1 - (prod (1 - f))^(1/n), Q = 1 - (prod f)^(1/n). */
double bayes_geometric(const double *probs, size_t n);
/* The same, with ties moved up to tie away from 0.5 (see BAYES_TIE_*). */
double bayes_fisher_tie(const double *probs, size_t n, double tie);
/* Classify a message whose n tokens have the given counts. The clues
 * (the tokens combined) come from a. */
void bayes_classify(const struct bayes_params *p, const struct bayes_count *counts,
                    size_t n, uint64_t nspam, uint64_t nham, struct arena *a,
                    struct bayes_result *r);
/* The class by the cut-offs. */
enum bayes_class bayes_class_of(const struct bayes_params *p, double probability);
const char *bayes_class_name(enum bayes_class c); /* "spam", "ham", "unsure" */

/* The SpamAssassin band of a probability, with its default score (score
 * set 3) and description. BAYES_999 fires beside BAYES_99 above 0.999. */
struct bayes_band {
    const char *name;
    double score;
    const char *description;
};
struct bayes_band bayes_band_of(double probability);
struct bayes_band bayes_band_999(void);

#endif
