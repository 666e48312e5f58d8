/*
 * fuzz_bayes_backup: salearn's backup-line parser (bayes/salearn.h) on any
 * bytes: it never reads past the line, and what it accepts prints back to a
 * line it parses the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bayes/salearn.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct salearn_line l, again;
    int k = salearn_parse_line((const char *)data, size, &l);
    if (k != 't')
        return 0;
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "t\t%u\t%u\t%u\t%016llx\n", l.tok.spam, l.tok.ham,
                     l.tok.atime, (unsigned long long)l.tok.hash);
    if (n <= 0 || (size_t)n >= sizeof(buf)) /* a token line prints */
        FUZZ_CHECK_FAILED();
    if (salearn_parse_line(buf, (size_t)n, &again) != 't') /* and parses back */
        FUZZ_CHECK_FAILED();
    if (memcmp(&again.tok, &l.tok, sizeof(l.tok)) != 0) /* to the same token */
        FUZZ_CHECK_FAILED();
    return 0;
}
