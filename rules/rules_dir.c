/*
 * rules_dir: where the default rule set tamis ships is installed
 * (${datadir}/tamis/rules, set at configure time as TAMIS_RULES_DIR).
 * Kept in its own file so that changing the folder recompiles one file.
 *
 * Untrusted input: none.
 */
#include "rules/rules.h"

#ifndef TAMIS_RULES_DIR
#define TAMIS_RULES_DIR "/usr/local/share/tamis/rules"
#endif

const char *
rules_default_dir(void)
{
    return TAMIS_RULES_DIR;
}
