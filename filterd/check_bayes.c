/*
 * check_bayes: the Bayes check (check_bayes.h) on the store of bayes/.
 * Untrusted input: the message (tokenized by bayes/token.c, bounded there).
 * The state is shared by the daemon's threads: the store's lookups run in
 * their own read transactions; nothing in the state changes after
 * state_new.
 */
#include "check_bayes.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bayes/store.h"
#include "filterd/pipeline.h"
#include "lib/log.h"
#include "lib/mem.h"

static const struct config_key bayes_schema[] = {
    {"bayes_enable", CONFIG_BOOL, "yes", 0, 0, "score messages with the Bayes classifier"},
    {"bayes_min_spam", CONFIG_INT, "200", 0, 100000000,
     "spam that must be learned before Bayes scores"},
    {"bayes_min_ham", CONFIG_INT, "200", 0, 100000000,
     "ham that must be learned before Bayes scores"},
    {"bayes_robs", CONFIG_STRING, "0.03", 0, 0,
     "Robinson's s: the weight of bayes_robx for rare tokens"},
    {"bayes_robx", CONFIG_STRING, "0.6", 0, 0,
     "Robinson's x: the spam probability of a token seen too little"},
    {"bayes_min_dev", CONFIG_STRING, "0.41", 0, 0,
     "tokens whose probability is nearer 0.5 than this are not used"},
    {"bayes_max_tokens", CONFIG_INT, "150", 1, 100000, "most telling tokens combined"},
    {"bayes_spam_cutoff", CONFIG_STRING, "0.99", 0, 0,
     "Bayes probability from which a message is spam (the class in reports)"},
    {"bayes_ham_cutoff", CONFIG_STRING, "0.45", 0, 0,
     "Bayes probability up to which a message is ham; between: unsure"},
    {"bayes_bigrams", CONFIG_BOOL, "yes", 0, 0, "also learn pairs of neighbouring words"},
    {"bayes_show_tokens", CONFIG_INT, "10", 0, 1000,
     "tokens listed in the verdict (filterd check --json)"},
    {"bayes_expire_age", CONFIG_DURATION, "180d", 86400, 315360000,
     "salearn --force-expire removes tokens not learned for this long"},
    {"bayes_auto_learn", CONFIG_BOOL, "no", 0, 0,
     "learn spam and ham from the score of the other checks"},
    {"bayes_auto_learn_threshold_spam", CONFIG_STRING, "12", 0, 0,
     "score without Bayes from which autolearn learns a message as spam"},
    {"bayes_auto_learn_threshold_nonspam", CONFIG_STRING, "0.1", 0, 0,
     "score without Bayes up to which autolearn learns a message as ham"},
    {"on_error_bayes", CONFIG_STRING, "tempfail", 0, 0,
     "when the Bayes database cannot be read: tempfail or accept"},
};

struct state {
    struct check_bayes_config cfg;
    char *db;
    struct bayes_store *store; /* NULL: no database yet */
    pthread_mutex_t learn_lock; /* autolearn: one writer at a time */
};

static int
get_double(const struct config *c, const char *key, double lo, double hi, double *out,
           struct str *err)
{
    const char *s = config_get_str(c, key);
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(d) || d < lo || d > hi) {
        str_appendf(err, "%s: %s must be a number from %g to %g\n", config_source(c, key),
                    key, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

int
check_bayes_config(const struct config *c, struct check_bayes_config *o, struct str *err)
{
    memset(o, 0, sizeof(*o));
    o->enable = config_get_bool(c, "bayes_enable");
    o->db = config_get_str(c, "bayes_db");
    o->params = bayes_params_default();
    o->params.max_tokens = (size_t)config_get_int(c, "bayes_max_tokens");
    o->tok = bayes_tok_opts_default();
    o->tok.bigrams = config_get_bool(c, "bayes_bigrams");
    o->min_spam = config_get_int(c, "bayes_min_spam");
    o->min_ham = config_get_int(c, "bayes_min_ham");
    o->show_tokens = config_get_int(c, "bayes_show_tokens");
    o->expire_age = config_get_duration(c, "bayes_expire_age");
    int r = get_double(c, "bayes_robs", 1e-6, 100, &o->params.robs, err);
    r |= get_double(c, "bayes_robx", 0, 1, &o->params.robx, err);
    r |= get_double(c, "bayes_min_dev", 0, 0.5, &o->params.min_dev, err);
    r |= get_double(c, "bayes_spam_cutoff", 0, 1, &o->params.spam_cutoff, err);
    r |= get_double(c, "bayes_ham_cutoff", 0, 1, &o->params.ham_cutoff, err);
    o->auto_learn = config_get_bool(c, "bayes_auto_learn");
    r |= get_double(c, "bayes_auto_learn_threshold_spam", -1000, 1000, &o->auto_learn_spam, err);
    r |= get_double(c, "bayes_auto_learn_threshold_nonspam", -1000, 1000, &o->auto_learn_ham,
                    err);
    const char *oe = config_get_str(c, "on_error_bayes");
    o->accept_on_error = strcmp(oe, "accept") == 0;
    if (!o->accept_on_error && strcmp(oe, "tempfail") != 0) {
        str_appendf(err, "%s: on_error_bayes must be one of: tempfail, accept\n",
                    config_source(c, "on_error_bayes"));
        r = -1;
    }
    return r ? -1 : 0;
}

void
check_bayes_tokenize(struct message *m, const struct bayes_tok_opts *o,
                     struct bayes_tokens *t)
{
    const struct message_text *texts;
    size_t n = message_texts(m, &texts);
    struct slice *sl = arena_calloc(m->arena, n ? n : 1, sizeof(*sl));
    for (size_t i = 0; i < n; i++)
        sl[i] = texts[i].text;
    struct bayes_input in = {
        .headers = &m->mime->root->headers,
        .mime = m->mime,
        .texts = sl,
        .ntexts = n,
        .header_max = m->limits.header_block_max,
    };
    bayes_tokenize(o, &in, t);
}

/* Say once, when the configuration is loaded, that Bayes scores nothing. */
static void
announce(const struct state *s)
{
    struct bayes_meta m = {0};
    struct str e;
    str_init(&e, 1024);
    if (s->store == NULL) /* no database at all: `filterd lint` says so */
        log_debug(NULL, "bayes: no database at %s: Bayes scores nothing", s->db);
    else if (s->store->ops->get_meta(s->store->backend, &m, &e) < 0)
        log_warn(NULL, "bayes: %s: %s", s->db, str_cstr(&e));
    else if ((long long)m.nspam < s->cfg.min_spam || (long long)m.nham < s->cfg.min_ham)
        log_info(NULL, "bayes: %s: untrained (%llu spam and %llu ham learned, %lld and %lld "
                       "needed): Bayes scores nothing",
                 s->db, (unsigned long long)m.nspam, (unsigned long long)m.nham,
                 s->cfg.min_spam, s->cfg.min_ham);
    str_deinit(&e);
}

static void *
state_new(const struct config *c, struct str *err)
{
    struct state *s = xcalloc(1, sizeof(*s));
    if (check_bayes_config(c, &s->cfg, err) < 0) {
        free(s);
        return NULL;
    }
    s->db = xstrdup(s->cfg.db);
    s->cfg.db = s->db;
    pthread_mutex_init(&s->learn_lock, NULL);
    if (!s->cfg.enable)
        return s;
    struct str e;
    str_init(&e, 4096);
    unsigned fl = BAYES_STORE_LAZY |
                  (s->cfg.auto_learn ? BAYES_STORE_WRITE | BAYES_STORE_CREATE : 0);
    int r = bayes_store_open(s->db, fl, &s->store, &e);
    if (r < 0) {
        str_appendf(err, "%s: %s\n", config_source(c, "bayes_db"), str_cstr(&e));
        str_deinit(&e);
        pthread_mutex_destroy(&s->learn_lock);
        free(s->db);
        free(s);
        return NULL;
    }
    str_deinit(&e);
    announce(s);
    return s;
}

static void
state_free(void *p)
{
    struct state *s = p;
    bayes_store_close(&s->store);
    pthread_mutex_destroy(&s->learn_lock);
    free(s->db);
    free(s);
}

/* An untrained database scores nothing: the verdict's bayes field stays
 * null (DESIGN.md section 6) and the log says why. */
static void
untrained(const struct state *s, const struct scan_env *env, const struct bayes_meta *m)
{
    log_debug(env && env->queue_id && *env->queue_id ? env->queue_id : NULL,
              "bayes: not used: %llu spam and %llu ham learned, %lld and %lld needed",
              (unsigned long long)m->nspam, (unsigned long long)m->nham, s->cfg.min_spam,
              s->cfg.min_ham);
}

/* Keep the most telling tokens in the verdict. */
static void
keep_tokens(const struct state *s, const struct bayes_tokens *t, const uint64_t *sorted,
            const struct bayes_count *counts, const struct bayes_result *r,
            struct verdict *v)
{
    size_t n = r->nclues < (size_t)s->cfg.show_tokens ? r->nclues : (size_t)s->cfg.show_tokens;
    v->bayes_tokens = arena_calloc(v->arena, n ? n : 1, sizeof(*v->bayes_tokens));
    struct str txt;
    str_init(&txt, 4096);
    for (size_t i = 0; i < n; i++) {
        const struct bayes_clue *c = &r->clues[i];
        uint64_t h = sorted[c->index];
        str_clear(&txt);
        for (size_t j = 0; j < t->n; j++)
            if (t->v[j].hash == h) {
                bayes_token_text(&t->v[j], &txt);
                break;
            }
        v->bayes_tokens[i] = (struct verdict_bayes_token){
            arena_strdup(v->arena, str_cstr(&txt)), c->prob, counts[c->index].spam,
            counts[c->index].ham};
    }
    v->nbayes_tokens = n;
    str_deinit(&txt);
}

static void
content(const void *p, const struct scan_env *env, struct message *m, struct verdict *v)
{
    const struct state *s = p;
    if (!s->cfg.enable)
        return;
    struct bayes_meta meta = {0};
    if (s->store == NULL) {
        untrained(s, env, &meta);
        return;
    }
    struct bayes_tokens t;
    bayes_tokens_init(&t, m->arena);
    check_bayes_tokenize(m, &s->cfg.tok, &t);
    uint64_t *sorted = bayes_tokens_sorted(&t);
    struct bayes_count *counts;
    struct bayes_result r;
    struct str err;
    str_init(&err, 1024);
    uint32_t *deps = bayes_tokens_deps(&t, sorted, t.n);
    int rc = bayes_store_classify(s->store, &s->cfg.params, sorted, deps, t.n, m->arena, &counts,
                                  &meta, &r, &err);
    if (rc < 0) {
        verdict_check_failed(v, "bayes", str_cstr(&err), s->cfg.accept_on_error);
    } else if ((long long)meta.nspam < s->cfg.min_spam ||
               (long long)meta.nham < s->cfg.min_ham) {
        untrained(s, env, &meta);
    } else {
        struct bayes_band b = bayes_band_of(r.probability);
        verdict_add(v, b.name, b.score, b.description);
        if (r.probability > 0.999) {
            b = bayes_band_999();
            verdict_add(v, b.name, b.score, b.description);
        }
        v->bayes_trained = true;
        v->bayes_probability = r.probability;
        keep_tokens(s, &t, sorted, counts, &r, v);
    }
    str_deinit(&err);
}

/* The class autolearn gives v: spam, ham, or BAYES_SEEN_NONE (leave it):
 * by the score without Bayes's own symbols, as SpamAssassin does. */
static enum bayes_seen
autolearn_class(const struct check_bayes_config *cfg, const struct verdict *v)
{
    if (v->final)
        return BAYES_SEEN_NONE;
    double score = 0;
    for (size_t i = 0; i < v->n; i++) {
        const char *name = v->symbols[i].name;
        if (strcmp(name, "CHECK_ERROR_BAYES") == 0)
            return BAYES_SEEN_NONE;
        if (strncmp(name, "BAYES_", 6) != 0)
            score += v->symbols[i].score;
    }
    if (score >= cfg->auto_learn_spam)
        return BAYES_SEEN_SPAM;
    return score <= cfg->auto_learn_ham ? BAYES_SEEN_HAM : BAYES_SEEN_NONE;
}

/* Learn tokens as cls unless the message was learned before. Call with
 * learn_lock held. Returns the learning's result or -1. */
static int
learn_once(const struct state *s, const uint64_t *sorted, size_t n, enum bayes_seen cls,
           struct str *err)
{
    uint8_t digest[16];
    bayes_tokens_digest(sorted, n, digest);
    enum bayes_seen seen = BAYES_SEEN_NONE;
    if (bayes_store_begin(s->store, err) < 0)
        return -1;
    int r = s->store->ops->get_seen(s->store->backend, digest, &seen, err);
    if (r == 0)
        r = seen != BAYES_SEEN_NONE ? BAYES_ALREADY
                                    : bayes_learn(s->store, sorted, n, cls, (uint32_t)time(NULL), err);
    if (r < 0) {
        bayes_store_abort(s->store);
        return -1;
    }
    return bayes_store_commit(s->store, err) < 0 ? -1 : r;
}

static void
autolearn(const void *p, const struct scan_env *env, struct message *m, const struct verdict *v)
{
    const struct state *s = p;
    if (!s->cfg.enable || !s->cfg.auto_learn || s->store == NULL)
        return;
    enum bayes_seen cls = autolearn_class(&s->cfg, v);
    if (cls == BAYES_SEEN_NONE)
        return;
    const char *id = env && env->queue_id && *env->queue_id ? env->queue_id : NULL;
    struct bayes_tokens t;
    bayes_tokens_init(&t, m->arena);
    check_bayes_tokenize(m, &s->cfg.tok, &t);
    uint64_t *sorted = bayes_tokens_sorted(&t);
    struct str err;
    str_init(&err, 1024);
    pthread_mutex_t *lock = (pthread_mutex_t *)&s->learn_lock;
    pthread_mutex_lock(lock);
    int r = learn_once(s, sorted, t.n, cls, &err);
    pthread_mutex_unlock(lock);
    if (r < 0)
        log_warn(id, "bayes: autolearn: %s", str_cstr(&err));
    else if (r == BAYES_LEARNED)
        log_info(id, "bayes: autolearn: learned as %s", cls == BAYES_SEEN_SPAM ? "spam" : "ham");
    str_deinit(&err);
}

static void
summary(const void *p, struct str *out)
{
    const struct state *s = p;
    if (!s->cfg.enable) {
        str_append_cstr(out, "bayes: off\n");
        return;
    }
    struct bayes_meta m = {0};
    struct str err;
    str_init(&err, 1024);
    if (s->store && s->store->ops->get_meta(s->store->backend, &m, &err) < 0)
        str_appendf(out, "bayes: %s: %s\n", s->db, str_cstr(&err));
    else
        str_appendf(out, "bayes: %s: %llu spam, %llu ham learned%s\n", s->db,
                    (unsigned long long)m.nspam, (unsigned long long)m.nham,
                    ((long long)m.nspam < s->cfg.min_spam || (long long)m.nham < s->cfg.min_ham)
                        ? " (untrained: scores nothing)"
                        : "");
    str_deinit(&err);
}

const struct check_ops check_bayes_ops = {
    .name = "bayes",
    .schema = bayes_schema,
    .nschema = sizeof(bayes_schema) / sizeof(bayes_schema[0]),
    .state_new = state_new,
    .state_free = state_free,
    .content = content,
    .after = autolearn,
    .summary = summary,
};
