/*
 * check_rules: the rule engine as a check of filterd's pipeline (the last
 * content check); see filterd/check_rules.c and docs/rules.md.
 */
#ifndef TAMIS_FILTERD_CHECK_RULES_H
#define TAMIS_FILTERD_CHECK_RULES_H

#include "filterd/check.h"

extern const struct check_ops check_rules_ops;

/* What a new rules state does when rules_compiled_dir holds no prefilter
 * for its rule set (docs/rules.md, "The prefilter"). Process-wide; set
 * before pipeline_new. */
enum rules_compile {
    RULES_COMPILE_NEVER,      /* check, lint, qfilter: run without it */
    RULES_COMPILE_BACKGROUND, /* the daemon: compile in a thread, keep it */
    RULES_COMPILE_NOW,        /* filterd compile: compile before returning */
};
void check_rules_set_compile(enum rules_compile mode);
/* The command the daemon runs for RULES_COMPILE_BACKGROUND: `filterd
 * compile` with the daemon's -c and -o (argv[0] a path to the program;
 * kept, not copied). Without one there is no background compile. */
void check_rules_set_compile_command(char *const *argv);

#endif
