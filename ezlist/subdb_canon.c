/*
 * subdb_canon: the validation and canonical form of a subscriber address
 * (see subdb.h).
 *
 * Untrusted input: addresses from mail, a command line or a bulk import.
 * Pure; an address is at most SUBDB_ADDRESS_MAX bytes (mail/address).
 */
#include "ezlist/subdb.h"

#include "mail/address.h"

#include <string.h>

static bool
is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c >= 0x80)
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* A dot-atom: atext runs separated by single dots. */
static bool
is_dot_atom(const char *s)
{
    bool prev_dot = true;
    for (; *s; s++) {
        if (*s == '.') {
            if (prev_dot)
                return false;
            prev_dot = true;
        } else if (is_atext((unsigned char)*s)) {
            prev_dot = false;
        } else {
            return false;
        }
    }
    return !prev_dot;
}

int
subdb_canon(struct arena *a, struct slice in, char **canon_r, const char **error_r)
{
    struct address ad;
    if (address_parse(a, in, &ad, error_r) < 0)
        return -1;
    if (!is_dot_atom(ad.local)) {
        *error_r = "local part is not a plain dot-atom (quoted local parts are refused)";
        return -1;
    }
    size_t ll = strlen(ad.local), dl = strlen(ad.domain);
    char *c = arena_alloc(a, ll + dl + 2);
    memcpy(c, ad.local, ll);
    c[ll] = '@';
    memcpy(c + ll + 1, ad.domain, dl + 1);
    *canon_r = c;
    return 0;
}
