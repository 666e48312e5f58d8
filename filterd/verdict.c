/*
 * verdict: symbols, score, action, and their JSON and text forms.
 * Untrusted input: symbol descriptions may quote message data; JSON output
 * escapes everything.
 */
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/mem.h"

struct verdict_thresholds
verdict_thresholds_default(void)
{
    return (struct verdict_thresholds){
        .add_header = 5.0,
        .rewrite_subject = -1,
        .quarantine = -1,
        .reject = 15.0,
        .discard = -1,
    };
}

void
verdict_init(struct verdict *v, struct arena *a)
{
    memset(v, 0, sizeof(*v));
    v->arena = a;
}

void
verdict_add(struct verdict *v, const char *name, double score, const char *description)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct verdict_symbol *s = arena_calloc(v->arena, cap, sizeof(*s));
        if (v->n)
            memcpy(s, v->symbols, v->n * sizeof(*s));
        v->symbols = s;
        v->cap = cap;
    }
    v->symbols[v->n].name = arena_strdup(v->arena, name);
    v->symbols[v->n].score = score;
    v->symbols[v->n].description = arena_strdup(v->arena, description ? description : "");
    v->n++;
}

bool
verdict_has_symbol(const struct verdict *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->symbols[i].name, name) == 0)
            return true;
    return false;
}

void
verdict_decide(struct verdict *v, enum verdict_action action, const char *code,
               const char *xcode, const char *text)
{
    v->final = true;
    v->action = action;
    v->reply_code = code ? arena_strdup(v->arena, code) : NULL;
    v->reply_xcode = xcode ? arena_strdup(v->arena, xcode) : NULL;
    v->reply_text = text ? arena_strdup(v->arena, text) : NULL;
}

void
verdict_check_failed(struct verdict *v, const char *check, const char *why, bool accept)
{
    char name[64] = "CHECK_ERROR_";
    size_t n = strlen(name);
    for (const char *c = check; *c && n + 1 < sizeof(name); c++)
        name[n++] = (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c;
    name[n] = '\0';
    verdict_add(v, name, 0.0, why);
    if (!accept)
        verdict_decide(v, VERDICT_TEMPFAIL, NULL, NULL, NULL);
}

static bool
reached(double score, double threshold)
{
    return threshold >= 0 && score >= threshold;
}

void
verdict_finish(struct verdict *v, const struct verdict_thresholds *t)
{
    double sum = 0;
    for (size_t i = 0; i < v->n; i++)
        sum += v->symbols[i].score;
    v->score = sum;
    v->required = t->add_header;
    if (v->final)
        return;
    if (reached(sum, t->discard))
        v->action = VERDICT_DISCARD;
    else if (reached(sum, t->reject))
        v->action = VERDICT_REJECT;
    else if (reached(sum, t->quarantine))
        v->action = VERDICT_QUARANTINE;
    else if (reached(sum, t->rewrite_subject))
        v->action = VERDICT_REWRITE_SUBJECT;
    else if (reached(sum, t->add_header))
        v->action = VERDICT_ADD_HEADER;
    else
        v->action = VERDICT_ACCEPT;
}

const char *
verdict_action_name(enum verdict_action a)
{
    static const char *const names[] = {"accept",     "add-header", "rewrite-subject",
                                        "quarantine", "tempfail",   "reject",
                                        "discard"};
    return names[a];
}

void
verdict_json(const struct verdict *v, struct str *out)
{
    str_appendf(out, "{\"action\":\"%s\",\"score\":%.2f,\"required\":%.2f,\"symbols\":[",
                verdict_action_name(v->action), v->score, v->required);
    for (size_t i = 0; i < v->n; i++) {
        str_append_cstr(out, i ? ",{\"name\":" : "{\"name\":");
        json_append_cstr(out, v->symbols[i].name);
        str_appendf(out, ",\"score\":%.2f,\"description\":", v->symbols[i].score);
        json_append_cstr(out, v->symbols[i].description);
        str_appendc(out, '}');
    }
    str_append_cstr(out, "],\"virus\":[");
    for (size_t i = 0; i < v->nviruses; i++) {
        if (i)
            str_appendc(out, ',');
        json_append_cstr(out, v->viruses[i]);
    }
    str_append_cstr(out, "],\"bayes\":");
    if (v->bayes_trained) {
        str_appendf(out, "{\"probability\":%.6f,\"tokens\":[", v->bayes_probability);
        for (size_t i = 0; i < v->nbayes_tokens; i++) {
            const struct verdict_bayes_token *t = &v->bayes_tokens[i];
            str_append_cstr(out, i ? ",{\"token\":" : "{\"token\":");
            json_append_cstr(out, t->text);
            str_appendf(out, ",\"probability\":%.4f,\"spam\":%lu,\"ham\":%lu}",
                        t->probability, t->spam, t->ham);
        }
        str_append_cstr(out, "]}");
    } else
        str_append_cstr(out, "null");
    str_appendc(out, '}');
}

void
verdict_report(const struct verdict *v, struct str *out)
{
    str_appendf(out, "action: %s\nscore: %.2f / %.2f\n", verdict_action_name(v->action),
                v->score, v->required);
    if (v->n == 0)
        str_append_cstr(out, "symbols: none\n");
    for (size_t i = 0; i < v->n; i++)
        str_appendf(out, "%7.2f %-24s %s\n", v->symbols[i].score, v->symbols[i].name,
                    v->symbols[i].description);
}
