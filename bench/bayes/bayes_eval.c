/*
 * bayes_eval: the classifier's accuracy without a store, for choosing the
 * tokenizer and the parameters (docs/bayes.md) and for cross-validation.
 * Every message is tokenized once (with filterd's settings: -o
 * bayes_bigrams=no...), counts are kept in memory, and each parameter set
 * given is scored.
 *
 * SYNOPSIS
 *   bayes_eval [-o key=value]... [-p robs,robx,min_dev,max_tokens]...
 *              split TRAIN_LIST TEST_LIST
 *   bayes_eval [-o key=value]... [-p ...]... cv K ALL_LIST
 * A file is spam when its path holds "/spam-" (the corpus's groups). Prints
 * one line per parameter set: FP and FN at 0.5, FP, FN and unsure at the
 * cut-offs, ROC AUC, FN at an FP rate of 0.1%.
 * EXIT STATUS: 0, 64 usage, 66 unreadable input, 78 bad settings.
 * Untrusted input: the messages (parsed by mail/, tokenized by bayes/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bayes/classify.h"
#include "filterd/check_bayes.h"
#include "filterd/settings.h"
#include "lib/mem.h"

struct msg {
    uint64_t *h; /* sorted token hashes */
    size_t n;
    bool spam;
};

/* Counts in memory: open addressing on the hash (0 is empty). */
struct counts {
    uint64_t *key;
    struct bayes_count *c;
    size_t cap, n;
    uint64_t nspam, nham;
};

static struct bayes_count *
slot(struct counts *t, uint64_t h, bool add)
{
    if (add && (t->n + 1) * 2 > t->cap) {
        struct counts g = {xcalloc(t->cap * 2, 8), xcalloc(t->cap * 2, sizeof(*t->c)),
                           t->cap * 2, 0, t->nspam, t->nham};
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i])
                *slot(&g, t->key[i], true) = t->c[i];
        free(t->key);
        free(t->c);
        *t = g;
    }
    size_t j = (size_t)h & (t->cap - 1);
    while (t->key[j] && t->key[j] != h)
        j = (j + 1) & (t->cap - 1);
    if (!t->key[j]) {
        if (!add)
            return NULL;
        t->key[j] = h;
        t->n++;
    }
    return &t->c[j];
}

static void
learn(struct counts *t, const struct msg *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct bayes_count *c = slot(t, m->h[i], true);
        if (m->spam)
            c->spam++;
        else
            c->ham++;
    }
    if (m->spam)
        t->nspam++;
    else
        t->nham++;
}

static double
score(const struct counts *t, const struct msg *m, const struct bayes_params *p,
      struct arena *a)
{
    struct bayes_count *c = arena_calloc(a, m->n ? m->n : 1, sizeof(*c));
    for (size_t i = 0; i < m->n; i++) {
        struct bayes_count *s = slot((struct counts *)t, m->h[i], false);
        if (s)
            c[i] = *s;
    }
    struct bayes_result r;
    bayes_classify(p, c, m->n, t->nspam, t->nham, a, &r);
    return r.probability;
}

static struct msg *
load(const char *list, const struct check_bayes_config *cfg, const struct mail_limits *lim,
     size_t *n_r)
{
    FILE *f = fopen(list, "r");
    if (f == NULL) {
        perror(list);
        exit(EX_NOINPUT);
    }
    struct msg *v = NULL;
    size_t n = 0;
    char path[4096];
    while (fgets(path, sizeof(path), f)) {
        path[strcspn(path, "\n")] = '\0';
        struct str err;
        str_init(&err, 0);
        struct message *m = message_load(path, lim, &err);
        if (m == NULL) {
            fprintf(stderr, "%s: %s\n", path, str_cstr(&err));
            exit(EX_NOINPUT);
        }
        struct bayes_tokens t;
        bayes_tokens_init(&t, m->arena);
        check_bayes_tokenize(m, &cfg->tok, &t);
        uint64_t *s = bayes_tokens_sorted(&t);
        v = xreallocarray(v, n + 1, sizeof(*v));
        v[n].h = xcalloc(t.n ? t.n : 1, sizeof(uint64_t));
        memcpy(v[n].h, s, t.n * sizeof(uint64_t));
        v[n].n = t.n;
        v[n].spam = strstr(path, "/spam-") != NULL;
        n++;
        message_free(&m);
        str_deinit(&err);
    }
    fclose(f);
    *n_r = n;
    return v;
}

static int
cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* ROC AUC by Mann-Whitney (ties count one half), and the FN count at the
 * threshold that lets through at most 0.1% of the ham. */
static void
roc(const double *p, const bool *spam, size_t n, double *auc_r, size_t *fn_r)
{
    double *hp = xcalloc(n, sizeof(double)), *sp = xcalloc(n, sizeof(double));
    size_t nh = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (spam[i])
            sp[ns++] = p[i];
        else
            hp[nh++] = p[i];
    }
    qsort(hp, nh, sizeof(double), cmp_desc);
    double sum = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t above = 0, equal = 0; /* ham scored above / equal to this spam */
        for (size_t j = 0; j < nh && hp[j] >= sp[i]; j++)
            above += hp[j] > sp[i], equal += hp[j] == sp[i];
        sum += (double)(nh - above - equal) + (double)equal / 2;
    }
    *auc_r = ns && nh ? sum / ((double)ns * (double)nh) : 0;
    size_t allowed = (size_t)(0.001 * (double)nh);
    double thr = allowed < nh ? hp[allowed] : 0;
    *fn_r = 0;
    for (size_t i = 0; i < ns; i++)
        *fn_r += sp[i] <= thr;
    free(hp);
    free(sp);
}

static void
report(const struct bayes_params *p, const double *prob, const bool *spam, size_t n)
{
    size_t fp5 = 0, fn5 = 0, fp3 = 0, fn3 = 0, un = 0, fnx;
    for (size_t i = 0; i < n; i++) {
        fp5 += !spam[i] && prob[i] >= 0.5; /* spam from 0.5 on, as bogofilter -o 0.5,0.5 */
        fn5 += spam[i] && prob[i] < 0.5;
        fp3 += !spam[i] && prob[i] >= p->spam_cutoff;
        fn3 += spam[i] && prob[i] <= p->ham_cutoff;
        un += prob[i] > p->ham_cutoff && prob[i] < p->spam_cutoff;
    }
    double auc;
    roc(prob, spam, n, &auc, &fnx);
    printf("robs %.4f robx %.3f min_dev %.3f max %zu tie %.2f geo %d | 0.5: FP %zu FN %zu | "
           "%.2f/%.2f: FP %zu FN %zu unsure %zu | AUC %.5f | FN@FP0.1%% %zu\n",
           p->robs, p->robx, p->min_dev, p->max_tokens, p->tie, p->geometric, fp5, fn5, p->ham_cutoff,
           p->spam_cutoff, fp3, fn3, un, auc, fnx);
}

/* Score test (indices where fold says so) with counts of the rest. */
static void
run_fold(const struct msg *v, size_t n, size_t k, size_t fold, const struct bayes_params *ps,
         size_t nps, double **prob)
{
    struct counts t = {xcalloc(1 << 16, 8), xcalloc(1 << 16, sizeof(struct bayes_count)),
                       1 << 16, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (i % k != fold)
            learn(&t, &v[i]);
    struct arena *a = arena_new(0);
    for (size_t i = fold; i < n; i += k) {
        for (size_t j = 0; j < nps; j++)
            prob[j][i] = score(&t, &v[i], &ps[j], a);
        arena_reset(a);
    }
    arena_free(&a);
    free(t.key);
    free(t.c);
}

static int
parse_params(const char *s, struct bayes_params *p)
{
    *p = bayes_params_default();
    int g = 0;
    int n = sscanf(s, "%lf,%lf,%lf,%zu,%lf,%d", &p->robs, &p->robx, &p->min_dev,
                   &p->max_tokens, &p->tie, &g);
    p->geometric = g != 0;
    return n >= 4 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    struct config *c = settings_new();
    struct bayes_params ps[64];
    size_t nps = 0;
    int ch;
    while ((ch = getopt(argc, argv, "o:p:")) != -1) {
        if (ch == 'o' && config_set_override(c, optarg) == 0)
            continue;
        if (ch == 'p' && nps < 64 && parse_params(optarg, &ps[nps]) == 0) {
            nps++;
            continue;
        }
        fprintf(stderr, "usage: bayes_eval [-o k=v] [-p robs,robx,min_dev,max] split TRAIN "
                        "TEST | cv K ALL\n");
        return EX_USAGE;
    }
    struct check_bayes_config cfg;
    struct str err;
    str_init(&err, 0);
    if (check_bayes_config(c, &cfg, &err) < 0) {
        fputs(str_cstr(&err), stderr);
        return EX_CONFIG;
    }
    if (nps == 0)
        ps[nps++] = cfg.params;
    for (size_t j = 0; j < nps; j++) {
        ps[j].spam_cutoff = cfg.params.spam_cutoff;
        ps[j].ham_cutoff = cfg.params.ham_cutoff;
    }
    struct mail_limits lim = settings_limits(c);
    argc -= optind, argv += optind;
    bool split = argc == 3 && strcmp(argv[0], "split") == 0;
    if (!split && !(argc == 3 && strcmp(argv[0], "cv") == 0 && atoi(argv[1]) >= 2)) {
        fprintf(stderr, "bayes_eval: say split TRAIN TEST or cv K ALL\n");
        return EX_USAGE;
    }
    size_t ntr = 0, nte = 0, k = split ? 0 : (size_t)atoi(argv[1]);
    struct msg *tr = load(split ? argv[1] : argv[2], &cfg, &lim, &ntr);
    struct msg *v = tr;
    size_t n = ntr;
    if (split) { /* lay train and test out as one array, test at the odd fold */
        struct msg *te = load(argv[2], &cfg, &lim, &nte);
        v = xcalloc(ntr + nte, sizeof(*v));
        memcpy(v, tr, ntr * sizeof(*v));
        memcpy(v + ntr, te, nte * sizeof(*v));
        n = ntr + nte;
    }
    double **prob = xcalloc(nps, sizeof(*prob));
    for (size_t j = 0; j < nps; j++)
        prob[j] = xcalloc(n, sizeof(double));
    bool *spam = xcalloc(n, sizeof(bool));
    for (size_t i = 0; i < n; i++)
        spam[i] = v[i].spam;
    if (split) {
        struct counts t = {xcalloc(1 << 16, 8), xcalloc(1 << 16, sizeof(struct bayes_count)),
                           1 << 16, 0, 0, 0};
        for (size_t i = 0; i < ntr; i++)
            learn(&t, &v[i]);
        struct arena *a = arena_new(0);
        for (size_t i = ntr; i < n; i++, arena_reset(a))
            for (size_t j = 0; j < nps; j++)
                prob[j][i] = score(&t, &v[i], &ps[j], a);
        arena_free(&a);
        printf("split: %zu train, %zu test, %zu distinct tokens learned\n", ntr, nte, t.n);
        for (size_t j = 0; j < nps; j++)
            report(&ps[j], prob[j] + ntr, spam + ntr, nte);
    } else {
        for (size_t f = 0; f < k; f++)
            run_fold(v, n, k, f, ps, nps, prob);
        printf("cross-validation: %zu folds over %zu messages\n", k, n);
        for (size_t j = 0; j < nps; j++)
            report(&ps[j], prob[j], spam, n);
    }
    return 0;
}
