/*
 * fuzz_rules_repeat: the matcher of "(?:G){N}" rules too large for pcre2
 * (rules/rules_repeat.c: G matched N times over every length it can
 * match), over arbitrary text, against pcre2's own match of the whole
 * expression for small groups G that pcre2 compiles whole.
 *
 * Input: byte 0 picks G, byte 1 N (2 to 5); the rest is the text.
 * Invariants checked: the repeat matcher finds a match exactly when pcre2
 * does, starting at the same place, and ending no earlier (it reports the
 * longest end; pcre2 the one Perl's preferences pick).
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules_int.h"

static const char *const groups[] = {
    "ab|a|bcd",
    "a+b?|ba",
    "(?:x|xy)(?:z|yz)?",
    "[a-c]{1,3}d?",
    "\\s?[0-9]{1,2}[.)]\\s?(?:your\\s)?(?:name|age)[:\\s]{0,2}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *g = groups[data[0] % (sizeof(groups) / sizeof(groups[0]))];
    unsigned n = 2 + data[1] % 4;
    char re[160];
    int len = snprintf(re, sizeof(re), "(?:%s){%u}", g, n);
    pcre2_code *group = NULL, *pre = NULL;
    if (rules_regex_repeat(re, (size_t)len, PCRE2_CASELESS, &group, &pre) != n)
        FUZZ_CHECK_FAILED();
    int code;
    PCRE2_SIZE off;
    pcre2_code *whole =
        pcre2_compile((PCRE2_SPTR)re, (size_t)len, PCRE2_CASELESS, &code, &off, NULL);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(whole, NULL);
    if (whole == NULL || md == NULL)
        FUZZ_CHECK_FAILED();
    struct slice text = slice_make((const char *)data + 2, size - 2);
    size_t m[2];
    int got = rules_repeat_find(group, n, text, 0, md, NULL, m);
    int want = pcre2_match(whole, (PCRE2_SPTR)text.ptr, text.len, 0, 0, md, NULL);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (got >= 0 && want >= 0 &&
        (got != 1 || m[0] != ov[0] || m[1] < ov[1]))
        FUZZ_CHECK_FAILED();
    if (got == 1 && want == PCRE2_ERROR_NOMATCH)
        FUZZ_CHECK_FAILED();
    if (got == 0 && want >= 0)
        FUZZ_CHECK_FAILED();
    /* The pre-check, G{k} for k < n, matches wherever the whole does. */
    if (pre && want >= 0 &&
        pcre2_match(pre, (PCRE2_SPTR)text.ptr, text.len, 0, 0, md, NULL) < 0)
        FUZZ_CHECK_FAILED();
    if (n > 2 && pre == NULL)
        FUZZ_CHECK_FAILED();
    pcre2_code_free(pre);
    pcre2_match_data_free(md);
    pcre2_code_free(whole);
    pcre2_code_free(group);
    return 0;
}
