/*
 * fuzz_check.h: how a fuzz target reports a broken invariant: it names the
 * file and line of the check on stderr, then aborts, so that libFuzzer (and
 * the seed replay) records the input as a crash.
 */
#ifndef TAMIS_TESTS_FUZZ_CHECK_H
#define TAMIS_TESTS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK_FAILED()                                                             \
    do {                                                                                \
        fprintf(stderr, "%s:%d: fuzz invariant broken\n", __FILE__, __LINE__);          \
        abort();                                                                        \
    } while (0)

#endif
