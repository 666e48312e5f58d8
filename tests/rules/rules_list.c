/*
 * rules_list: load rule files or folders with the rule engine and print
 * what loaded: "count TYPE N" and "skipped REASON N" lines, then (with -n)
 * the name of every rule that loads, one a line. Used by the stock-rules
 * test and the agreement test (tests/rules/). Untrusted input: the rule
 * files (bounded by rules/rules.h).
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
                                               "file",      "metadep"};

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
    for (size_t i = 0; i < rules_diag_count(rs); i++)
        printf("diag %s\n", rules_diag(rs, i));
    for (size_t i = 0; names && rules_name(rs, i); i++)
        printf("name %s\n", rules_name(rs, i));
    rules_free(&rs);
    return rc;
}
