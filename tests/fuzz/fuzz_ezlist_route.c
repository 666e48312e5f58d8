/*
 * fuzz_ezlist_route: what ezlist reads from the envelope: the recipient's
 * local part (route_local), the cookie and VERP target in it, and a
 * sender or subscriber address (subdb_canon). Checks that slices stay in
 * the input, a parsed cookie is made of what it says, a decoded VERP
 * target has one '@' more than it had '=' turned, and canonical addresses
 * are bounded and have a lowercase domain.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "ezlist/cookie.h"
#include "ezlist/route.h"
#include "ezlist/subdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
in_input(struct slice s, const uint8_t *data, size_t size)
{
    if (s.len == 0)
        return;
    if ((const uint8_t *)s.ptr < data || (const uint8_t *)s.ptr + s.len > data + size)
        FUZZ_CHECK_FAILED();
}

static void
check_canon(struct slice in)
{
    struct arena *a = arena_new(0);
    char *c;
    const char *why;
    if (subdb_canon(a, in, &c, &why) == 0) {
        const char *at = strrchr(c, '@');
        if (at == NULL || strlen(c) > SUBDB_ADDRESS_MAX || subdb_bucket(c) >= SUBDB_BUCKETS)
            FUZZ_CHECK_FAILED();
        for (const char *p = at; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                FUZZ_CHECK_FAILED();
    }
    arena_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice in = {(const char *)data, size};
    struct route r;
    route_local(SLICE_LIT("news"), in, &r);
    in_input(r.cookie, data, size);
    in_input(r.target, data, size);
    if (r.kind == ROUTE_CONFIRM) {
        struct cookie c;
        if (cookie_parse(r.cookie, &c) == 0 && c.action != 's' && c.action != 'u')
            FUZZ_CHECK_FAILED();
    }
    struct str d;
    str_init(&d, 0);
    if (route_verp_decode(r.target, &d) == 0 && (d.len != r.target.len || !memchr(d.buf, '@', d.len)))
        FUZZ_CHECK_FAILED();
    str_deinit(&d);
    check_canon(in);
    return 0;
}
