/*
 * fuzz_url: url_find_in_text on the bytes, url_parse on each URL found and
 * on the whole input. Checks that found URLs lie inside the text, that the
 * count and the calls agree with max_urls, and that parsed parts are
 * bounded, lowercased where promised and free of forbidden bytes.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_URLS 16

struct ctx {
    struct slice text;
    struct arena *a;
    size_t calls;
};

static void
check_parsed(const struct url *u, size_t size)
{
    if (u->host != NULL) {
        size_t n = strlen(u->host);
        if (n == 0 || n > URL_HOST_MAX || n > size)
            FUZZ_CHECK_FAILED();
        for (const char *c = u->host; *c; c++)
            if ((*c >= 'A' && *c <= 'Z') || (unsigned char)*c <= 0x20 ||
                (u->host[0] != '[' && strchr("/?#@\\", *c) != NULL))
                FUZZ_CHECK_FAILED();
    }
    if (u->scheme != NULL)
        for (const char *c = u->scheme; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                FUZZ_CHECK_FAILED();
    if (u->port != NULL)
        for (const char *c = u->port; *c; c++)
            if (*c < '0' || *c > '9')
                FUZZ_CHECK_FAILED();
    const char *parts[] = {u->scheme, u->port, u->path, u->userinfo, u->query, u->fragment};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (parts[i] != NULL && strlen(parts[i]) > size)
            FUZZ_CHECK_FAILED();
}

static void
on_url(void *vctx, struct slice url)
{
    struct ctx *c = vctx;
    c->calls++;
    if (url.len == 0 || url.ptr < c->text.ptr ||
        url.ptr + url.len > c->text.ptr + c->text.len)
        FUZZ_CHECK_FAILED();
    struct url u;
    const char *err = NULL;
    if (url_parse(c->a, url, &u, &err) == 0)
        check_parsed(&u, url.len);
    else if (err == NULL)
        FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c = {.text = {(const char *)data, size}, .a = arena_new(0)};
    size_t found = url_find_in_text(c.text, MAX_URLS, on_url, &c);
    if (c.calls > MAX_URLS || c.calls > found || (found <= MAX_URLS && c.calls != found))
        FUZZ_CHECK_FAILED();
    struct url u;
    const char *err = NULL;
    if (url_parse(c.a, c.text, &u, &err) == 0)
        check_parsed(&u, size);
    else if (err == NULL || u.host != NULL)
        FUZZ_CHECK_FAILED();
    arena_free(&c.a);
    return 0;
}
