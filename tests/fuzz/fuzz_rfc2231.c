/*
 * fuzz_rfc2231: mime_value_parse (Content-Type and Content-Disposition
 * values: RFC 2045 syntax, RFC 2231 parameters, RFC 2047 in values) with an
 * arena.
 *
 * Input: the field value. Invariants checked: the value is lower-case
 * without spaces; at most MIME_PARAM_MAX parameters, each with a non-empty
 * lower-case name, a value of valid UTF-8 of at most MIME_PARAM_VALUE_MAX
 * bytes, and found again by mime_value_param (first of its name).
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/charset.h"
#include "mail/mime_param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct mime_value v;
    mime_value_parse(a, slice_make((const char *)data, size), &v);
    if (v.value == NULL || v.nparams > MIME_PARAM_MAX || (v.nparams && v.params == NULL))
        FUZZ_CHECK_FAILED();
    for (const char *p = v.value; *p; p++)
        if ((*p >= 'A' && *p <= 'Z') || *p == ' ' || *p == '\t' || *p == ';')
            FUZZ_CHECK_FAILED();
    for (size_t k = 0; k < v.nparams; k++) {
        const char *n = v.params[k].name, *val = v.params[k].value;
        size_t len = strlen(val);
        if (n == NULL || val == NULL || n[0] == '\0' || len > MIME_PARAM_VALUE_MAX)
            FUZZ_CHECK_FAILED();
        for (const char *p = n; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                FUZZ_CHECK_FAILED();
        if (!charset_is_utf8(slice_make(val, len)))
            FUZZ_CHECK_FAILED();
        for (size_t j = 0; j < k; j++)
            if (strcmp(v.params[j].name, n) == 0)
                FUZZ_CHECK_FAILED(); /* one entry per name */
        if (mime_value_param(&v, n) != val)
            FUZZ_CHECK_FAILED();
    }
    arena_free(&a);
    charset_cache_clear(); /* no iconv descriptor outlives the input */
    return 0;
}
