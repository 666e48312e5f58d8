/*
 * check_choice: helpers the pluggable checks share to read their own
 * settings (filterd/check.h): a word of a fixed set, a decimal score.
 */
#ifndef TAMIS_FILTERD_CHECK_CHOICE_H
#define TAMIS_FILTERD_CHECK_CHOICE_H

#include "lib/config.h"
#include "lib/str.h"

/* The index of key's value in words (NULL-terminated), or -1 with
 * "SOURCE: bad value for KEY: "V" is not one of a, b" appended to err. */
int check_choice(const struct config *c, const char *key, const char *const *words,
                 struct str *err);
/* key's value as a decimal number in [-1e4, 1e4] into *out; returns 0, or
 * -1 with "SOURCE: bad value for KEY: ..." appended to err. */
int check_score(const struct config *c, const char *key, double *out, struct str *err);

#endif
