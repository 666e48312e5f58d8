/*
 * fuzz_address: the strict list parser, the bare-address parser and the
 * lenient extractor on the same bytes. Checks that every result is within
 * its limits and the input's size, that failures leave nothing behind, and
 * that domains are lowercased.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_lower(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            FUZZ_CHECK_FAILED();
}

static void
check_address(const struct address *ad, size_t size, size_t local_max)
{
    if (ad->display == NULL || ad->local == NULL || ad->domain == NULL)
        FUZZ_CHECK_FAILED();
    size_t lm = size < local_max ? size : local_max;
    size_t dm = size < ADDRESS_DOMAIN_MAX ? size : ADDRESS_DOMAIN_MAX;
    if (strlen(ad->local) > lm || strlen(ad->domain) > dm || ad->domain[0] == '\0' ||
        strlen(ad->display) > ADDRESS_DISPLAY_MAX)
        FUZZ_CHECK_FAILED();
    if (ad->group != NULL && strlen(ad->group) > ADDRESS_DISPLAY_MAX)
        FUZZ_CHECK_FAILED();
    check_lower(ad->domain);
}

static void
check_list(const struct address_list *l, size_t size, size_t local_max)
{
    if (l->n > ADDRESS_LIST_MAX || (l->n > 0 && l->items == NULL))
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < l->n; i++)
        check_address(&l->items[i], size, local_max);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct slice in = {(const char *)data, size};
    struct address_list l;
    struct address ad;
    const char *err = NULL;

    if (address_list_parse(a, in, &l, &err) == 0)
        check_list(&l, size, ADDRESS_LOCAL_MAX);
    else if (err == NULL || l.n != 0 || l.items != NULL)
        FUZZ_CHECK_FAILED();

    err = NULL;
    if (address_parse(a, in, &ad, &err) == 0) {
        check_address(&ad, size, ADDRESS_LOCAL_MAX);
        if (ad.display[0] != '\0' || ad.group != NULL)
            FUZZ_CHECK_FAILED();
    } else if (err == NULL || ad.local != NULL) {
        FUZZ_CHECK_FAILED();
    }

    /* The lenient local parts are bounded the same way. */
    address_list_extract(a, in, &l);
    check_list(&l, size, ADDRESS_LOCAL_MAX);
    arena_free(&a);
    return 0;
}
