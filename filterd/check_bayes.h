/*
 * check_bayes: the Bayes check of filterd's content stage (bayes/): it
 * tokenizes the message, looks its tokens up in the store named by
 * bayes_db, and adds the SpamAssassin band symbol (BAYES_00 ... BAYES_99,
 * and BAYES_999) with its score; the probability and the most telling
 * tokens go to the verdict (`filterd check --json`: bayes.probability,
 * bayes.tokens). A database with fewer than bayes_min_spam spam or
 * bayes_min_ham ham learned scores nothing: the symbol BAYES_UNTRAINED
 * (score 0) and the log say so.
 *
 * Autolearn (bayes_auto_learn, off by default): once the verdict is
 * finished, a message whose score without the BAYES_ symbols is at least
 * bayes_auto_learn_threshold_spam is learned as spam, one at most
 * bayes_auto_learn_threshold_nonspam as ham; a message learned before (by
 * hand or automatically), one decided early (rejected, tempfailed,
 * discarded) and one whose lookup failed are left alone.
 *
 * check_bayes_tokenize and check_bayes_config are shared with salearn, so
 * that learning and scoring see the same tokens and the same settings.
 */
#ifndef TAMIS_FILTERD_CHECK_BAYES_H
#define TAMIS_FILTERD_CHECK_BAYES_H

#include "bayes/classify.h"
#include "bayes/token.h"
#include "filterd/check.h"
#include "filterd/message.h"
#include "lib/config.h"

extern const struct check_ops check_bayes_ops;

/* The Bayes settings read from c (filterd/settings.h schema, loaded). */
struct check_bayes_config {
    bool enable;
    const char *db; /* owned by c */
    struct bayes_params params;
    struct bayes_tok_opts tok;
    long long min_spam, min_ham;
    long long show_tokens;
    long long expire_age; /* seconds */
    bool accept_on_error;
    bool auto_learn;                 /* learn from the other checks' score */
    double auto_learn_spam, auto_learn_ham; /* from this score on; up to this */
};

/* Read and check the settings. Returns 0, or -1 with one "SOURCE: text"
 * line per bad setting appended to err. */
int check_bayes_config(const struct config *c, struct check_bayes_config *out,
                       struct str *err);
/* Add the tokens of m (its top-level header, rendered texts, parts) to t,
 * whose arena should be m->arena. */
void check_bayes_tokenize(struct message *m, const struct bayes_tok_opts *o,
                          struct bayes_tokens *t);

#endif
