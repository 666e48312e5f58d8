/*
 * rules_list: a tool, not a test (it asserts nothing itself): load rule
 * files or folders with the rule engine and print what loaded: "count TYPE
 * N", "skipped REASON N" and "partial N" (metas using skipped rules) lines,
 * then (with -n) every rule that loads, one a line: "name NAME", or
 * "partial NAME" for a meta that reads a skipped rule as 0. The scripts
 * tests/rules/stock-load.sh and agreement.sh run it and check its output.
 * Untrusted input: the rule files (bounded by rules/rules.h).
 *
 * Usage: rules_list [-n] PATH...   Exit: 0, or 1 when a path is unreadable.
 */
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"

static const char *const types[RULE_NTYPES] = {"header", "body", "rawbody",
                                               "uri",    "full", "meta"};
static const char *const skips[SKIP_NKINDS] = {"eval",      "regex", "syntax",
                                               "unsupported", "directive", "meta",
                                               "file"};

int
main(int argc, char **argv)
{
    bool names = argc > 1 && strcmp(argv[1], "-n") == 0;
    struct rules *rs = rules_new();
    int rc = 0;
    for (int i = names ? 2 : 1; i < argc; i++)
        if (rules_load(rs, argv[i]) < 0)
            rc = 1;
    rules_finish(rs, 0);
    for (int t = 0; t < RULE_NTYPES; t++)
        printf("count %s %zu\n", types[t], rules_count(rs, (enum rule_type)t));
    for (int k = 0; k < SKIP_NKINDS; k++)
        printf("skipped %s %zu\n", skips[k], rules_skipped(rs, (enum rules_skip)k));
    printf("partial %zu\n", rules_partial_count(rs));
    for (size_t i = 0; i < rules_diag_count(rs); i++)
        printf("diag %s\n", rules_diag(rs, i));
    for (size_t i = 0; names && rules_name(rs, i); i++)
        printf("%s %s\n", rules_partial(rs, i) ? "partial" : "name", rules_name(rs, i));
    rules_free(&rs);
    return rc;
}
