/*
 * check_rules: the rule engine (rules/rules.h) as a check of filterd's
 * pipeline, last at the content stage so that meta rules see the symbols
 * every other check gave (BAYES_*, RCVD_IN_*, GTUBE...).
 *
 * Settings: rules (files or folders, SpamAssassin syntax, loaded in
 * order; empty: the installed default rules, rules_default_dir(), when that
 * folder exists; "none": no rules), rules_score_set (SpamAssassin's score set, 0-3),
 * on_error_rules (tempfail or accept, when a match hits
 * pattern_match_limit), rules_compiled_dir (where the Hyperscan prefilter
 * of the body rules is kept, one file per rule set; "none": no prefilter;
 * when it holds none for this rule set, the daemon compiles it in the
 * background, in a child process killed if the state is freed first, and
 * keeps it there; `filterd compile` does so at once; check and lint run
 * without it: same hits, slower). Bad lines in rule files do not stop
 * loading: they are listed by `filterd lint` (summary); a rule file that
 * cannot be read is an error.
 *
 * Untrusted input: the message, through filterd/message (headers, decoded
 * and rendered parts, each bounded by decoded_size_limit); URIs from the
 * rendered text and from HTML attributes (message_urls; at most RULES_URIS_MAX).
 */
#include "filterd/check_rules.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filterd/check.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "mail/address.h"
#include "rules/rules.h"

#define RULES_URIS_MAX 1000

struct rules_state {
    struct rules *rs;      /* NULL: no rules (rules = none, or no default) */
    unsigned match_limit;
    bool on_error_accept;
    char *compiled_dir;    /* NULL: no prefilter */
    pthread_t compiler;    /* the background compile, when started */
    bool compiling;
    pthread_mutex_t lock;  /* child, stopping */
    pid_t child;           /* the process compiling, or 0 */
    bool stopping;         /* the state is being freed: no new child */
};

static enum rules_compile compile_mode = RULES_COMPILE_NEVER;
static char *const *compile_argv;

void
check_rules_set_compile(enum rules_compile mode)
{
    compile_mode = mode;
}

void
check_rules_set_compile_command(char *const *argv)
{
    compile_argv = argv;
}

static const struct config_key rules_schema[] = {
    {"rules_score_set", CONFIG_INT, "0", 0, 3,
     "SpamAssassin score set of the rules: 0 none, 1 network, 2 Bayes, 3 both"},
    {"on_error_rules", CONFIG_STRING, "tempfail", 0, 0,
     "when a rule cannot be matched (a pcre2 limit): tempfail or accept"},
    {"rules_compiled_dir", CONFIG_STRING, "/var/lib/tamis/compiled", 0, 0,
     "where the compiled prefilter of the body rules is kept (none: no prefilter)"},
};

/* The paths the rules setting names: empty is the installed default
 * folder when it exists (none otherwise), "none" is no rules. Returns the
 * count; *paths points into the config or at dflt (one slot). */
static size_t
rules_paths(const struct config *c, const char *const **paths, const char **dflt, bool *bad)
{
    size_t n = config_get_list(c, "rules", paths);
    *bad = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp((*paths)[i], "none") == 0) {
            *bad = n > 1;
            return 0;
        }
    if (n > 0)
        return n;
    struct stat sb;
    dflt[0] = rules_default_dir();
    *paths = dflt;
    return stat(dflt[0], &sb) == 0 && S_ISDIR(sb.st_mode) ? 1 : 0;
}

/* Loads what the rules setting names into st->rs (left NULL when none).
 * Returns false, with a message in err, when a path cannot be read. */
static bool
load_setting(struct rules_state *st, const struct config *c, struct str *err)
{
    const char *const *paths;
    const char *dflt[1];
    bool bad;
    size_t n = rules_paths(c, &paths, dflt, &bad);
    if (bad) {
        str_appendf(err, "%s: rules: \"none\" must be the only value\n",
                    config_source(c, "rules"));
        return false;
    }
    bool ok = true;
    if (n)
        st->rs = rules_new();
    for (size_t i = 0; i < n; i++) {
        if (rules_load(st->rs, paths[i]) < 0) {
            str_appendf(err, "%s: rules: %s: cannot be read\n", config_source(c, "rules"),
                        paths[i]);
            ok = false;
        }
    }
    return ok;
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* `filterd compile` (RULES_COMPILE_NOW): compile the prefilter and keep it
 * in st->compiled_dir (made when missing; when it cannot be, nothing would
 * be kept: an error). Returns 0 or -1 (err). */
static int
compile_prefilter(struct rules_state *st, struct str *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *dir = st->compiled_dir;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        str_appendf(err, "rules_compiled_dir: %s cannot be made: %s", dir, strerror(errno));
        return -1;
    }
    int r = rules_prefilter_compile(st->rs, dir, err);
    if (r == 0)
        log_info(NULL, "rules: prefilter of %zu body rules compiled in %.1f s, kept in %s",
                 rules_prefiltered(st->rs, NULL), seconds_since(&t0), dir);
    return r;
}

/* The background compile is `filterd compile` (compile_argv) in a child
 * process, which writes the file, so that freeing the state (a reload, a
 * stop) kills it at once instead of waiting up to minutes for Hyperscan;
 * the thread then loads the file. A fresh program, not a bare fork: the
 * daemon's other threads may hold locks a forked copy would wait on
 * forever. Its output comes back through a pipe. Returns its exit status,
 * or -1 when killed or not started. */
static int
compile_in_child(struct rules_state *st, struct str *why)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pthread_mutex_lock(&st->lock);
    pid_t pid = st->stopping ? -1 : fork();
    if (pid == 0) { /* async-signal-safe calls only, up to execv */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        execv(compile_argv[0], compile_argv);
        _exit(127);
    }
    st->child = pid > 0 ? pid : 0;
    pthread_mutex_unlock(&st->lock);
    close(fds[1]);
    if (pid > 0)
        (void)fdio_read_to_str(fds[0], why);
    close(fds[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&st->lock);
    st->child = 0;
    pthread_mutex_unlock(&st->lock);
    return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void *
compile_thread(void *arg)
{
    struct rules_state *st = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct str why;
    str_init(&why, 4096);
    int rc = compile_in_child(st, &why); /* it makes the folder, or says why not */
    if (rc == 0 && rules_prefilter_load(st->rs, st->compiled_dir, &why) == 1) {
        log_info(NULL, "rules: prefilter of %zu body rules compiled in %.1f s, kept in %s",
                 rules_prefiltered(st->rs, NULL), seconds_since(&t0), st->compiled_dir);
    } else if (rc >= 0) {
        /* Its error comes first (then lint's summary, when it got that far). */
        struct slice out = str_slice(&why);
        long nl = slice_find_char(out, '\n');
        int n = (int)(nl < 0 ? out.len : (size_t)nl);
        log_warn(NULL, "rules: the prefilter compile failed (exit %d: %.*s): body rules run "
                 "without it", rc, n, out.ptr ? out.ptr : "");
    }
    str_deinit(&why);
    return NULL;
}

/* Attach the kept prefilter, or compile it as compile_mode says. */
static int
prefilter_setup(struct rules_state *st, struct str *err)
{
    struct str why;
    str_init(&why, 4096);
    int r = rules_prefilter_load(st->rs, st->compiled_dir, &why);
    if (r < 0)
        log_warn(NULL, "rules: %s", str_cstr(&why));
    str_deinit(&why);
    if (r == 1)
        return 0;
    if (!rules_prefilter_available()) {
        if (compile_mode == RULES_COMPILE_NOW)
            log_warn(NULL, "rules: this filterd was built without Hyperscan: no prefilter to "
                     "compile (body rules run with pcre2 alone)");
        return 0;
    }
    if (compile_mode == RULES_COMPILE_NOW)
        return compile_prefilter(st, err);
    if (compile_mode == RULES_COMPILE_BACKGROUND && compile_argv) {
        log_info(NULL, "rules: no compiled prefilter for these rules in %s: compiling it in "
                 "the background (body rules run without it meanwhile)", st->compiled_dir);
        st->compiling = pthread_create(&st->compiler, NULL, compile_thread, st) == 0;
    }
    return 0;
}

static void rules_state_free(void *state);

static void *
rules_state_new(const struct config *c, struct str *err)
{
    struct rules_state *st = xcalloc(1, sizeof(*st));
    pthread_mutex_init(&st->lock, NULL);
    const char *onerr = config_get_str(c, "on_error_rules");
    st->on_error_accept = strcmp(onerr, "accept") == 0;
    st->match_limit = (unsigned)config_get_int(c, "pattern_match_limit");
    bool ok = st->on_error_accept || strcmp(onerr, "tempfail") == 0;
    if (!ok)
        str_appendf(err, "%s: bad value for on_error_rules: \"%s\" is not tempfail or accept\n",
                    config_source(c, "on_error_rules"), onerr);
    if (!load_setting(st, c, err))
        ok = false;
    const char *cdir = config_get_str(c, "rules_compiled_dir");
    if (*cdir && strcmp(cdir, "none") != 0)
        st->compiled_dir = xstrdup(cdir);
    if (st->rs)
        rules_finish(st->rs, (int)config_get_int(c, "rules_score_set"));
    if (ok && st->rs && st->compiled_dir && prefilter_setup(st, err) < 0) {
        str_appendc(err, '\n');
        ok = false;
    }
    if (!ok) {
        rules_state_free(st);
        return NULL;
    }
    return st;
}

static void
rules_state_free(void *state)
{
    struct rules_state *st = state;
    if (st == NULL)
        return;
    if (st->compiling) {
        pthread_mutex_lock(&st->lock);
        st->stopping = true;
        if (st->child > 0)
            kill(st->child, SIGKILL);
        pthread_mutex_unlock(&st->lock);
        pthread_join(st->compiler, NULL);
    }
    pthread_mutex_destroy(&st->lock);
    rules_free(&st->rs);
    free(st->compiled_dir);
    free(st);
}

/* --- The message as the rules see it ------------------------------------ */

struct uris {
    struct arena *a;
    struct slice *v;
    size_t n, cap;
};

static void
add_uri(void *ctx, struct slice url)
{
    struct uris *u = ctx;
    if (u->n >= RULES_URIS_MAX || url.len == 0)
        return;
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 32;
        struct slice *v = arena_alloc(u->a, cap * sizeof(*v));
        if (u->n)
            memcpy(v, u->v, u->n * sizeof(*v));
        u->v = v;
        u->cap = cap;
    }
    /* A host written without a scheme is read as http, as browsers do. */
    if (slice_starts_with_case(url, "www.") || slice_starts_with_case(url, "ftp.")) {
        char *p = arena_alloc(u->a, url.len + 7);
        memcpy(p, "http://", 7);
        memcpy(p + 7, url.ptr, url.len);
        u->v[u->n++] = slice_make(p, url.len + 7);
    } else {
        u->v[u->n++] = arena_slice_dup(u->a, url);
    }
}

/* Mail addresses written in the text, as "mailto:" URIs (as SpamAssassin
 * lists them among a message's URIs). */
static void
add_mailtos(struct uris *u, struct slice text)
{
    struct address_list al;
    address_list_extract(u->a, text, &al);
    for (size_t k = 0; k < al.n && u->n < RULES_URIS_MAX; k++) {
        struct str m;
        str_init(&m, 0);
        str_appendf(&m, "mailto:%s@%s", al.items[k].local, al.items[k].domain);
        add_uri(u, str_slice(&m));
        str_deinit(&m);
    }
}

/* The decoded parts (for rawbody) and the URIs (message_urls), part by
 * part. */
static void
decode_parts(struct message *m, const struct message_text *texts, size_t n,
             struct slice *decoded, struct uris *u)
{
    const struct message_url *urls;
    size_t nurls = message_urls(m, &urls, NULL), j = 0;
    struct str dec;
    str_init(&dec, m->limits.decoded_max);
    for (size_t i = 0; i < n; i++) {
        unsigned flags;
        str_clear(&dec);
        (void)message_decode_part(m, texts[i].part, &dec, &flags);
        decoded[i] = arena_slice_dup(m->arena, str_slice(&dec));
        for (; j < nurls && urls[j].text == i; j++)
            add_uri(u, urls[j].url);
        add_mailtos(u, texts[i].text);
    }
    str_deinit(&dec);
}

static int
collect(void *ctx, const char *p, size_t n)
{
    return str_append(ctx, p, n) < 0;
}

/* The message as received, without an mbox "From " line. */
static struct slice
full_text(struct message *m)
{
    struct slice all;
    const char *d = blob_data(m->blob);
    if (d) {
        all = slice_make(d, blob_size(m->blob));
    } else {
        struct str s;
        str_init(&s, m->limits.message_max);
        (void)blob_foreach(m->blob, 0, blob_size(m->blob), collect, &s);
        all = arena_slice_dup(m->arena, str_slice(&s));
        str_deinit(&s);
    }
    if (m->mime->root->headers.mbox_from.len) {
        const char *nl = memchr(all.ptr, '\n', all.len);
        if (nl)
            all = slice_from(all, (size_t)(nl - all.ptr) + 1);
    }
    return all;
}

/* The part after p in document order (depth first), or NULL. */
static const struct mime_part *
next_part(const struct mime_part *p)
{
    if (p->first_child)
        return p->first_child;
    while (p && p->next == NULL)
        p = p->parent;
    return p ? p->next : NULL;
}

static double
verdict_symbol(void *ctx, const char *name)
{
    return verdict_has_symbol(ctx, name) ? 1 : 0;
}

static void
add_hit(void *ctx, const struct rules_hit *h)
{
    verdict_add(ctx, h->name, h->score, h->description);
}

static void
rules_content(const void *state, const struct scan_env *env, struct message *m,
              struct verdict *v)
{
    const struct rules_state *st = state;
    (void)env;
    if (st->rs == NULL)
        return;
    const struct message_text *texts;
    size_t n = message_texts(m, &texts);
    struct slice *rendered = arena_calloc(m->arena, n + 1, sizeof(*rendered));
    struct slice *decoded = arena_calloc(m->arena, n + 1, sizeof(*decoded));
    struct uris u = {.a = m->arena};
    for (size_t i = 0; i < n; i++)
        rendered[i] = texts[i].text;
    decode_parts(m, texts, n, decoded, &u);
    size_t nparts = 0;
    const struct header_block **parts =
        arena_calloc(m->arena, m->mime->nparts + 1, sizeof(*parts));
    for (const struct mime_part *p = m->mime->root; p && nparts < m->mime->nparts + 1;
         p = next_part(p))
        parts[nparts++] = &p->headers;
    struct rules_message rm = {
        .headers = &m->mime->root->headers, .parts = parts, .nparts = nparts,
        .full = full_text(m),
        .texts = rendered, .ntexts = n, .decoded = decoded, .ndecoded = n,
        .uris = u.v, .nuris = u.n, .symbol = verdict_symbol, .symbol_ctx = v,
        .match_limit = st->match_limit,
    };
    const char *failed = NULL;
    if (rules_eval(st->rs, &rm, m->arena, add_hit, v, &failed) < 0) {
        struct str why;
        str_init(&why, 512);
        str_appendf(&why, "rule %s could not be matched (pattern_match_limit)", failed);
        verdict_check_failed(v, "rules", str_cstr(&why), st->on_error_accept);
        str_deinit(&why);
    }
}

static void
rules_summary_op(const void *state, struct str *out)
{
    const struct rules_state *st = state;
    if (st->rs == NULL)
        str_append_cstr(out, "rules: none (rules = none, or empty and no default rules installed)\n");
    else
        rules_summary(st->rs, out);
    if (st->rs && !rules_prefilter_available())
        str_append_cstr(out, "rules: no prefilter: this filterd was built without Hyperscan\n");
    else if (st->rs && rules_prefiltered(st->rs, NULL) == 0)
        str_appendf(out, "rules: no compiled prefilter for these rules in %s: body rules run "
                         "without it (slower; `filterd compile` makes it)\n",
                    st->compiled_dir ? st->compiled_dir : "(rules_compiled_dir = none)");
}

const struct check_ops check_rules_ops = {
    .name = "rules",
    .schema = rules_schema,
    .nschema = sizeof(rules_schema) / sizeof(rules_schema[0]),
    .state_new = rules_state_new,
    .state_free = rules_state_free,
    .content = rules_content,
    .summary = rules_summary_op,
};
