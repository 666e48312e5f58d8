/*
 * fuzz_bayes_token: the Bayes tokenizer on a whole message (parsed and
 * rendered as filterd does, tokenized by check_bayes_tokenize). Checks
 * that the set stays within BAYES_TOKENS_MAX, that its hashes are distinct
 * and never 0, that bayes_tokens_sorted gives them in increasing order,
 * and that bayes_tokens_deps names, for each pair, the positions of its
 * two words (tokens of the set whose texts are the pair's halves), and
 * nothing for other tokens.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "bayes/token.h"
#include "filterd/check_bayes.h"
#include "filterd/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The position of h in sorted, or BAYES_NO_DEP. */
static uint32_t
find(const uint64_t *sorted, size_t n, uint64_t h)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo] == h ? (uint32_t)lo : BAYES_NO_DEP;
}

static void
check_deps(const struct bayes_tokens *t, const uint64_t *sorted, const uint32_t *d)
{
    for (size_t j = 0; j < t->n; j++) {
        const struct bayes_token *tok = &t->v[j];
        uint32_t at = find(sorted, t->n, tok->hash);
        if (at == BAYES_NO_DEP)
            FUZZ_CHECK_FAILED();
        if (tok->w1 == BAYES_NO_DEP) {
            if (d[2 * at] != BAYES_NO_DEP || d[2 * at + 1] != BAYES_NO_DEP)
                FUZZ_CHECK_FAILED();
            continue;
        }
        if (tok->w1 >= t->n || tok->w2 >= t->n || tok->word2.len == 0)
            FUZZ_CHECK_FAILED();
        const struct bayes_token *a = &t->v[tok->w1], *b = &t->v[tok->w2];
        if (d[2 * at] != find(sorted, t->n, a->hash) || d[2 * at + 1] != find(sorted, t->n, b->hash))
            FUZZ_CHECK_FAILED();
        if (!slice_case_eq(a->word, tok->word) || !slice_case_eq(b->word, tok->word2))
            FUZZ_CHECK_FAILED();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail_limits lim = mail_limits_default();
    struct message *m = message_from_memory((const char *)data, size, &lim);
    struct bayes_tok_opts o = bayes_tok_opts_default();
    struct bayes_tokens t;
    bayes_tokens_init(&t, m->arena);
    check_bayes_tokenize(m, &o, &t);
    if (t.n > BAYES_TOKENS_MAX)
        FUZZ_CHECK_FAILED();
    uint64_t *sorted = bayes_tokens_sorted(&t);
    for (size_t i = 0; i < t.n; i++)
        if (sorted[i] == 0 || (i > 0 && sorted[i - 1] >= sorted[i]))
            FUZZ_CHECK_FAILED();
    check_deps(&t, sorted, bayes_tokens_deps(&t, sorted, t.n));
    message_free(&m);
    return 0;
}
