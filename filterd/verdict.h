/*
 * verdict: the result of scanning one message, owned by no front end. The
 * symbols that fired (name, score, short reason), their sum, and the action
 * the thresholds give. Each front end maps it to its own means (milter
 * actions, qmail exit codes, a printed report).
 */
#ifndef TAMIS_FILTERD_VERDICT_H
#define TAMIS_FILTERD_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"

enum verdict_action {
    VERDICT_ACCEPT,
    VERDICT_ADD_HEADER,
    VERDICT_REWRITE_SUBJECT,
    VERDICT_QUARANTINE,
    VERDICT_TEMPFAIL,
    VERDICT_REJECT,
    VERDICT_DISCARD,
};

struct verdict_symbol {
    const char *name;
    double score;
    const char *description;
};

/* Score thresholds for each action; a negative value means "never". */
struct verdict_thresholds {
    double add_header;      /* also the "required" score of reports */
    double rewrite_subject;
    double quarantine;
    double reject;
    double discard;
};

struct verdict {
    struct arena *arena;
    struct verdict_symbol *symbols;
    size_t n, cap;
    double score;
    double required;
    enum verdict_action action;
    bool final;             /* an early stage decided; later stages skip */
    const char *reply_code; /* SMTP reply for reject/tempfail, or NULL for */
    const char *reply_xcode; /* the configured defaults */
    const char *reply_text;
    const char **viruses;   /* signature names */
    size_t nviruses;
    bool bayes_trained;     /* false: the bayes field is null */
    double bayes_probability;
};

/* The built-in thresholds: add a header at 5, reject at 15. */
struct verdict_thresholds verdict_thresholds_default(void);
/* Start an empty verdict whose strings live in the arena. */
void verdict_init(struct verdict *v, struct arena *a);
/* Add a symbol (name and description are copied). */
void verdict_add(struct verdict *v, const char *name, double score,
                 const char *description);
/* Sum the scores and choose the action. */
void verdict_finish(struct verdict *v, const struct verdict_thresholds *t);
/* "accept", "add-header", ... */
const char *verdict_action_name(enum verdict_action a);
/* Append the verdict as one JSON object (DESIGN.md section 6). */
void verdict_json(const struct verdict *v, struct str *out);
/* Append a human-readable report, one symbol a line. */
void verdict_report(const struct verdict *v, struct str *out);

#endif
