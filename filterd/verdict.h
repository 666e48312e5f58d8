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

/* A token that weighed in the Bayes probability (check_bayes). */
struct verdict_bayes_token {
    const char *text;
    double probability;      /* its f(w) */
    unsigned long spam, ham; /* learned messages that held it */
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
    /* Set by the virus check when it scanned (check_virus.h): the values
     * of X-Virus-Scanned ("tamis filterd (ClamAV 1.4.6)") and
     * X-Virus-Status ("Clean", "Infected (NAME)"); NULL: no such headers. */
    const char *virus_scanner, *virus_status;
    bool bayes_trained;     /* false: the bayes field is null */
    double bayes_probability;
    struct verdict_bayes_token *bayes_tokens; /* most telling first (arena) */
    size_t nbayes_tokens;
    /* The end of the DNS lists' time budget for this message (dns.h
     * dns_batch_share_deadline; monotonic ms; 0: no lookup yet). */
    long long dns_deadline_ms;
};

/* The built-in thresholds: add a header at 5, reject at 15. */
struct verdict_thresholds verdict_thresholds_default(void);
/* Start an empty verdict whose strings live in the arena. */
void verdict_init(struct verdict *v, struct arena *a);
/* Add a symbol (name and description are copied). */
void verdict_add(struct verdict *v, const char *name, double score,
                 const char *description);
/* Does v have the symbol name? */
bool verdict_has_symbol(const struct verdict *v, const char *name);
/* Decide now: the action is final and later stages skip. code, xcode and
 * text (copied; NULL for the configured defaults) make the SMTP reply of a
 * reject or tempfail, e.g. "554", "5.7.1", "Service unavailable; client
 * [192.0.2.1] blocked using zen.example". */
void verdict_decide(struct verdict *v, enum verdict_action action, const char *code,
                    const char *xcode, const char *text);
/* A check could not run: add the symbol CHECK_ERROR_<CHECK> (upper case)
 * with score 0 and the reason, then apply the failure policy: tempfail
 * ("451 4.7.1"), unless accept is true (the check's on_error setting). */
void verdict_check_failed(struct verdict *v, const char *check, const char *why,
                          bool accept);
/* Sum the scores and choose the action. */
void verdict_finish(struct verdict *v, const struct verdict_thresholds *t);
/* "accept", "add-header", ... */
const char *verdict_action_name(enum verdict_action a);
/* Append the verdict as one JSON object (DESIGN.md section 6). */
void verdict_json(const struct verdict *v, struct str *out);
/* Append a human-readable report, one symbol a line. */
void verdict_report(const struct verdict *v, struct str *out);

#endif
