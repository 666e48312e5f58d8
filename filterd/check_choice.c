/*
 * check_choice: reading a check's word-of-a-set and score settings, with
 * errors in lint's "SOURCE: text" form. Untrusted input: none (the
 * configuration is the admin's).
 */
#include "check_choice.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
check_choice(const struct config *c, const char *key, const char *const *words,
             struct str *err)
{
    const char *v = config_get_str(c, key);
    for (int i = 0; words[i]; i++)
        if (strcmp(v, words[i]) == 0)
            return i;
    str_appendf(err, "%s: bad value for %s: \"%s\" is not one of", config_source(c, key), key,
                v);
    for (int i = 0; words[i]; i++)
        str_appendf(err, "%s %s", i ? "," : "", words[i]);
    str_appendc(err, '\n');
    return -1;
}

int
check_score(const struct config *c, const char *key, double *out, struct str *err)
{
    const char *v = config_get_str(c, key);
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || errno != 0 || !isfinite(d) || fabs(d) > 1e4) {
        str_appendf(err, "%s: bad value for %s: \"%s\" is not a score (-10000 to 10000)\n",
                    config_source(c, key), key, v);
        return -1;
    }
    *out = d;
    return 0;
}
