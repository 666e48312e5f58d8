/*
 * fuzz_dns_answer: dns_answer_parse on the bytes as a response to an A and
 * to a TXT query. Checks the bounds the callers rely on: at most
 * DNS_ANSWER_MAX_A addresses, a NUL-terminated TXT of at most
 * DNS_ANSWER_TXT_MAX printable bytes, a TTL of at most DNS_ANSWER_TTL_MAX,
 * an error always with a reason and nothing else, and records only for
 * DNS_R_FOUND.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "filterd/dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, int type)
{
    struct dns_answer a;
    int r = dns_answer_parse(data, size, type, &a);
    if ((r < 0) != (a.kind == DNS_R_ERROR))
        FUZZ_CHECK_FAILED();
    if (a.kind == DNS_R_ERROR && (a.why == NULL || a.na || a.txt_len || a.ttl))
        FUZZ_CHECK_FAILED();
    if (a.na > DNS_ANSWER_MAX_A || a.txt_len > DNS_ANSWER_TXT_MAX ||
        a.txt[a.txt_len] != '\0' || strlen(a.txt) != a.txt_len || a.ttl > DNS_ANSWER_TTL_MAX)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < a.txt_len; i++)
        if ((unsigned char)a.txt[i] < 0x20 || (unsigned char)a.txt[i] >= 0x7f)
            FUZZ_CHECK_FAILED();
    if (a.kind != DNS_R_FOUND && (a.na || a.txt_len))
        FUZZ_CHECK_FAILED();
    if (type == DNS_TYPE_TXT && a.na)
        FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, DNS_TYPE_A);
    check(data, size, DNS_TYPE_TXT);
    return 0;
}
