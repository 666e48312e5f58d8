/*
 * pipeline: the stages of a scan in order (connection, envelope, content)
 * and the one log line per message.
 *
 * Untrusted input: the session data of struct scan_env (client name, HELO,
 * addresses) reaches only the log line, where every value with a blank, a
 * quote, a backslash or a control byte is quoted and escaped, so that one
 * message is one line. The message goes to the checks (check_structure,
 * check_content), each bounded by the message's limits. The log line is
 * bounded by PIPELINE_LOG_MAX.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/actions.h"
#include "filterd/check.h"
#include "filterd/check_content.h"
#include "filterd/check_structure.h"
#include "filterd/settings.h"
#include "lib/log.h"
#include "lib/mem.h"

struct pipeline {
    struct mail_limits limits;
    struct verdict_thresholds thresholds;
    struct content_checks *content;
    struct actions_config *actions;
    const struct check_ops *const *checks; /* the registry (filterd/check.h) */
    void **states;                          /* one per check; NULL: not built */
    size_t nchecks;
};

static void
free_states(struct pipeline *p)
{
    for (size_t i = 0; i < p->nchecks; i++)
        if (p->states[i])
            p->checks[i]->state_free(p->states[i]);
    free(p->states);
}

struct pipeline *
pipeline_new(const struct config *c, struct str *err)
{
    if (settings_validate(c, err) < 0)
        return NULL;
    struct content_checks *cc = content_checks_new(c, err);
    if (cc == NULL)
        return NULL;
    struct pipeline *p = xcalloc(1, sizeof(*p));
    p->limits = settings_limits(c);
    p->thresholds = settings_thresholds(c);
    p->content = cc;
    p->checks = checks_registry(&p->nchecks);
    p->states = xcalloc(p->nchecks + 1, sizeof(*p->states));
    bool ok = true;
    for (size_t i = 0; i < p->nchecks; i++) {
        p->states[i] = p->checks[i]->state_new(c, err);
        if (p->states[i] == NULL)
            ok = false; /* go on: report every check's errors at once */
    }
    if (!ok) {
        free_states(p);
        content_checks_free(&p->content);
        free(p);
        return NULL;
    }
    p->actions = actions_config_new(c);
    return p;
}

void
pipeline_free(struct pipeline **pp)
{
    struct pipeline *p = *pp;
    if (p == NULL)
        return;
    free_states(p);
    content_checks_free(&p->content);
    actions_config_free(&p->actions);
    free(p);
    *pp = NULL;
}

void
pipeline_summary(const struct pipeline *p, struct str *out)
{
    for (size_t i = 0; i < p->nchecks; i++)
        if (p->checks[i]->summary)
            p->checks[i]->summary(p->states[i], out);
}

const struct mail_limits *
pipeline_limits(const struct pipeline *p)
{
    return &p->limits;
}

const struct verdict_thresholds *
pipeline_thresholds(const struct pipeline *p)
{
    return &p->thresholds;
}

const struct actions_config *
pipeline_actions(const struct pipeline *p)
{
    return p->actions;
}

bool
pipeline_uses_connect(const struct pipeline *p)
{
    for (size_t i = 0; i < p->nchecks; i++)
        if (p->checks[i]->connect &&
            (p->checks[i]->active == NULL || p->checks[i]->active(p->states[i])))
            return true;
    return false;
}

void
pipeline_connect(const struct pipeline *p, const struct scan_env *env, struct verdict *v)
{
    for (size_t i = 0; i < p->nchecks && !v->final; i++)
        if (p->checks[i]->connect)
            p->checks[i]->connect(p->states[i], env, v);
    if (v->final)
        verdict_finish(v, &p->thresholds);
}

void
pipeline_envelope(const struct pipeline *p, const struct scan_env *env, struct verdict *v)
{
    if (!v->final && env->size_hint)
        (void)check_size(p->content, env->size_hint, true, v);
    for (size_t i = 0; i < p->nchecks && !v->final; i++)
        if (p->checks[i]->envelope)
            p->checks[i]->envelope(p->states[i], env, v);
    if (v->final)
        verdict_finish(v, &p->thresholds);
}

void
pipeline_content(const struct pipeline *p, const struct scan_env *env, struct message *m,
                 struct verdict *v)
{
    if (!v->final && !check_size(p->content, blob_size(m->blob), false, v)) {
        check_structure(m, v);
        check_content(p->content, m, v);
        for (size_t i = 0; i < p->nchecks && !v->final; i++)
            if (p->checks[i]->content)
                p->checks[i]->content(p->states[i], env, m, v);
    }
    verdict_finish(v, &p->thresholds);
    for (size_t i = 0; i < p->nchecks; i++)
        if (p->checks[i]->after)
            p->checks[i]->after(p->states[i], env, m, v);
}

void
pipeline_scan(const struct pipeline *p, const struct scan_env *env, struct message *m,
              struct verdict *v)
{
    pipeline_connect(p, env, v);
    if (!v->final)
        pipeline_envelope(p, env, v);
    pipeline_content(p, env, m, v);
}

/* --- The log line ---------------------------------------------------- */

static bool
needs_quotes(const char *s)
{
    if (*s == '\0')
        return true;
    for (; *s; s++) {
        unsigned char b = (unsigned char)*s;
        if (b <= ' ' || b == '"' || b == '\\' || b == 0x7f)
            return true;
    }
    return false;
}

/* Bytes of one value in the log line (client, helo, from, a recipient). */
#define LOG_VALUE_MAX 256

/* Append s, in double quotes with \" \\ and \xNN escapes when it needs
 * them; a value longer than LOG_VALUE_MAX is cut and ends with "...".
 * Returns -1 (out unchanged) past out's maximum. */
static int
append_value(struct str *out, const char *s)
{
    bool quote = needs_quotes(s);
    size_t mark = out->len, start;
    int r = quote ? str_appendc(out, '"') : 0;
    start = out->len;
    for (; *s && r == 0; s++) {
        unsigned char b = (unsigned char)*s;
        if (out->len - start > LOG_VALUE_MAX - 8) {
            r = str_append_cstr(out, "...");
            break;
        }
        if (b == '"' || b == '\\')
            r = str_appendf(out, "\\%c", b);
        else if (b < ' ' || b == 0x7f)
            r = str_appendf(out, "\\x%02x", b);
        else
            r = str_appendc(out, b);
    }
    if (r == 0 && quote)
        r = str_appendc(out, '"');
    if (r < 0)
        str_truncate(out, mark);
    return r;
}

/* Append "<addr>" as one value. */
static int
append_addr(struct str *out, const char *addr)
{
    struct str t;
    str_init(&t, 0);
    str_appendf(&t, "<%s>", addr ? addr : "");
    int r = append_value(out, str_cstr(&t));
    str_deinit(&t);
    return r;
}

/* A score with at most two decimals and at least one: 1.0, 2.5, 0.25. */
static void
score_text(char *buf, size_t n, double d)
{
    snprintf(buf, n, "%.2f", d);
    size_t len = strlen(buf);
    if (len >= 4 && buf[len - 1] == '0' && buf[len - 3] == '.')
        buf[len - 1] = '\0';
    if (strcmp(buf, "-0.0") == 0)
        snprintf(buf, n, "0.0");
}

/* Room kept at the end of the line for size, score, action and time. */
#define LOG_TAIL_ROOM 160

static void
append_rcpts(struct str *out, const struct scan_env *env, size_t budget)
{
    str_append_cstr(out, " to=");
    for (size_t i = 0; i < env->nrcpts; i++) {
        size_t mark = out->len;
        if ((i && str_appendc(out, ',') < 0) || append_addr(out, env->rcpts[i]) < 0 ||
            out->len > budget) {
            str_truncate(out, mark);
            str_appendf(out, "%s...(+%zu)", i ? "," : "", env->nrcpts - i);
            return;
        }
    }
}

static void
append_symbols(struct str *out, const struct verdict *v, size_t budget)
{
    str_append_cstr(out, " symbols=");
    if (v->n == 0)
        str_append_cstr(out, "none");
    for (size_t i = 0; i < v->n; i++) {
        char sc[64];
        size_t mark = out->len;
        score_text(sc, sizeof(sc), v->symbols[i].score);
        if ((i && str_appendc(out, ',') < 0) ||
            append_value(out, v->symbols[i].name) < 0 ||
            str_appendf(out, "(%s)", sc) < 0 || out->len > budget) {
            str_truncate(out, mark);
            str_appendf(out, "%s...(+%zu)", i ? "," : "", v->n - i);
            return;
        }
    }
}

static const char *
or_unknown(const char *s)
{
    return s && *s ? s : "unknown";
}

void
pipeline_log(const struct pipeline *p, const struct scan_env *env,
             const struct message *m, const struct verdict *v, double seconds)
{
    (void)p;
    struct str line;
    char sc[64], rq[64];
    size_t budget = PIPELINE_LOG_MAX - LOG_TAIL_ROOM;
    str_init(&line, 0);
    str_append_cstr(&line, "client=");
    struct str client;
    str_init(&client, 0);
    str_appendf(&client, "%s[%s]", or_unknown(env->client_name),
                or_unknown(env->client_addr));
    append_value(&line, str_cstr(&client));
    str_deinit(&client);
    if (env->helo && *env->helo) {
        str_append_cstr(&line, " helo=");
        append_value(&line, env->helo);
    }
    str_append_cstr(&line, " from=");
    append_addr(&line, env->sender);
    append_rcpts(&line, env, budget * 3 / 4);
    if (m)
        str_appendf(&line, " size=%zu", blob_size(m->blob));
    score_text(sc, sizeof(sc), v->score);
    score_text(rq, sizeof(rq), v->required);
    str_appendf(&line, " score=%s/%s action=%s", sc, rq, verdict_action_name(v->action));
    append_symbols(&line, v, budget + LOG_TAIL_ROOM / 2);
    str_appendf(&line, " time=%.3fs", seconds);
    log_info(env->queue_id && *env->queue_id ? env->queue_id : "NOQUEUE", "%s",
             str_cstr(&line));
    str_deinit(&line);
}
