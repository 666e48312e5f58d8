/*
 * check_rules: the rule engine as a check of filterd's pipeline (the last
 * content check); see filterd/check_rules.c and docs/rules.md.
 */
#ifndef TAMIS_FILTERD_CHECK_RULES_H
#define TAMIS_FILTERD_CHECK_RULES_H

#include "filterd/check.h"

extern const struct check_ops check_rules_ops;

#endif
