/*
 * fuzz_dsn: a whole message through the RFC 3464 parser. Checks the
 * recipient count limit, that every status kept has the form class.n.n,
 * and that every string is NUL-terminated within its bound.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "mail/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct dsn d;
    if (dsn_parse(a, (struct slice){(const char *)data, size}, &d) == 0) {
        if (d.n > DSN_RECIPIENTS_MAX)
            FUZZ_CHECK_FAILED();
        for (size_t i = 0; i < d.n; i++) {
            const char *s = d.r[i].status;
            size_t n = strlen(s);
            if (n > DSN_STATUS_MAX || (n > 0 && (s[1] != '.' || strspn(s, "0123456789.") != n)))
                FUZZ_CHECK_FAILED();
            if (strlen(d.r[i].final_recipient) > 1024 || strlen(d.r[i].action) > 1024)
                FUZZ_CHECK_FAILED();
            (void)dsn_classify(s);
        }
    }
    arena_free(&a);
    return 0;
}
