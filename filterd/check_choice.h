/*
 * check_choice: helpers the pluggable checks share (filterd/check.h): a
 * word of a fixed set, a decimal score, the action on a condemned message.
 */
#ifndef TAMIS_FILTERD_CHECK_CHOICE_H
#define TAMIS_FILTERD_CHECK_CHOICE_H

#include "filterd/verdict.h"
#include "lib/config.h"
#include "lib/str.h"

/* What a check does with a message it condemns (a virus, a banned
 * attachment): the words of its action setting, in this order. */
enum check_action { CHECK_ACT_REJECT, CHECK_ACT_DISCARD, CHECK_ACT_QUARANTINE, CHECK_ACT_ACCEPT };
extern const char *const check_action_words[]; /* NULL-terminated */
/* Decide a: reject with "554 5.7.1 text", discard, quarantine with text as
 * the reason; accept decides nothing (the symbol's score counts). */
void check_act(struct verdict *v, enum check_action a, const char *text);

/* The index of key's value in words (NULL-terminated), or -1 with
 * "SOURCE: bad value for KEY: "V" is not one of a, b" appended to err. */
int check_choice(const struct config *c, const char *key, const char *const *words,
                 struct str *err);
/* key's value as a decimal number in [-1e4, 1e4] into *out; returns 0, or
 * -1 with "SOURCE: bad value for KEY: ..." appended to err. */
int check_score(const struct config *c, const char *key, double *out, struct str *err);

#endif
