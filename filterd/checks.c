/*
 * checks: the registry of filterd's pluggable checks, in pipeline order
 * (filterd/check.h). The order matters at the content stage: the rule
 * engine comes last, so that its meta rules see every other check's
 * symbols. Untrusted input: none.
 */
#include "filterd/check.h"

/* One line per check, "&check_<name>_ops,", declared here. */
extern const struct check_ops check_tables_ops;
extern const struct check_ops check_dnsbl_ops;
extern const struct check_ops check_rhsbl_ops;
extern const struct check_ops check_uribl_ops;
extern const struct check_ops check_virus_ops;
extern const struct check_ops check_filetype_ops;
extern const struct check_ops check_bayes_ops;
extern const struct check_ops check_rules_ops;

static const struct check_ops *const registry[] = {
    /* Connection and envelope checks. */
    &check_tables_ops,
    &check_dnsbl_ops,
    &check_rhsbl_ops,
    /* Content checks; the rule engine last. */
    &check_virus_ops,
    &check_filetype_ops,
    &check_uribl_ops,
    &check_bayes_ops,
    &check_rules_ops,
    NULL, /* the end */
};

const struct check_ops *const *
checks_registry(size_t *n_r)
{
    *n_r = sizeof(registry) / sizeof(registry[0]) - 1;
    return registry;
}
