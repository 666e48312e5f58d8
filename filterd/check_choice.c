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

const char *const check_action_words[] = {"reject", "discard", "quarantine", "accept", NULL};

void
check_act(struct verdict *v, enum check_action a, const char *text)
{
    if (a == CHECK_ACT_REJECT)
        verdict_decide(v, VERDICT_REJECT, "554", "5.7.1", text);
    else if (a == CHECK_ACT_DISCARD)
        verdict_decide(v, VERDICT_DISCARD, NULL, NULL, NULL);
    else if (a == CHECK_ACT_QUARANTINE)
        verdict_decide(v, VERDICT_QUARANTINE, NULL, NULL, text);
}
