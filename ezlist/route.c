/*
 * route: recipient local parts of a list to actions (see route.h).
 *
 * Untrusted input: the recipient address (the envelope, from the MTA). Pure
 * and linear; slices point into the input.
 */
#include "ezlist/route.h"

#include <string.h>

/* ext starts with keyword and then ends or goes on with '-': *rest_r gets
 * what follows the '-' (empty when it ended). */
static bool
keyword(struct slice ext, const char *kw, struct slice *rest_r, bool *has_rest_r)
{
    size_t n = strlen(kw);
    if (ext.len < n || !slice_starts_with_case(ext, kw))
        return false;
    if (ext.len == n) {
        *rest_r = SLICE_NULL;
        *has_rest_r = false;
        return true;
    }
    if (ext.ptr[n] != '-')
        return false;
    *rest_r = slice_from(ext, n + 1);
    *has_rest_r = true;
    return true;
}

static void
route_confirm(struct slice rest, struct route *out)
{
    long dash = slice_find_char(rest, '-');
    if (dash <= 0 || (size_t)dash + 1 >= rest.len)
        return;
    out->kind = ROUTE_CONFIRM;
    out->cookie = slice_head(rest, (size_t)dash);
    out->target = slice_from(rest, (size_t)dash + 1);
}

void
route_ext(struct slice ext, struct route *out)
{
    struct slice rest;
    bool more;
    *out = (struct route){ROUTE_UNKNOWN, SLICE_NULL, SLICE_NULL};
    if (ext.len == 0)
        out->kind = ROUTE_POST;
    else if (keyword(ext, "subscribe", &rest, &more) && !more)
        out->kind = ROUTE_SUBSCRIBE;
    else if (keyword(ext, "unsubscribe", &rest, &more) && !more)
        out->kind = ROUTE_UNSUBSCRIBE;
    else if (keyword(ext, "help", &rest, &more) && !more)
        out->kind = ROUTE_HELP;
    else if (keyword(ext, "owner", &rest, &more) && !more)
        out->kind = ROUTE_OWNER;
    else if (keyword(ext, "confirm", &rest, &more) && more)
        route_confirm(rest, out);
    else if (keyword(ext, "probe", &rest, &more) && more) {
        out->kind = ROUTE_PROBE;
        out->target = rest;
    } else if (keyword(ext, "return", &rest, &more)) {
        out->kind = ROUTE_RETURN;
        out->target = rest;
    }
}

void
route_local(struct slice list_local, struct slice local, struct route *out)
{
    *out = (struct route){ROUTE_UNKNOWN, SLICE_NULL, SLICE_NULL};
    if (local.len < list_local.len ||
        !slice_case_eq(slice_head(local, list_local.len), list_local))
        return;
    struct slice rest = slice_from(local, list_local.len);
    if (rest.len == 0) {
        out->kind = ROUTE_POST;
        return;
    }
    if (rest.ptr[0] != '-' && rest.ptr[0] != '+')
        return;
    rest = slice_from(rest, 1);
    if (rest.len == 0)
        return;
    route_ext(rest, out);
}

int
route_verp_decode(struct slice target, struct str *out)
{
    str_clear(out);
    long at = -1;
    for (size_t i = 0; i < target.len; i++)
        if (target.ptr[i] == '=')
            at = (long)i;
    if (at <= 0 || (size_t)at + 1 >= target.len)
        return -1;
    if (str_append(out, target.ptr, (size_t)at) < 0 || str_appendc(out, '@') < 0 ||
        str_append_slice(out, slice_from(target, (size_t)at + 1)) < 0)
        return -1;
    return 0;
}

void
route_verp_encode(const char *addr, struct str *out)
{
    const char *at = strrchr(addr, '@');
    if (at == NULL) {
        str_append_cstr(out, addr);
        return;
    }
    str_append(out, addr, (size_t)(at - addr));
    str_appendc(out, '=');
    str_append_cstr(out, at + 1);
}
