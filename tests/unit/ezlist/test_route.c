/*
 * test_route: recipient local parts and qmail extensions to actions, and
 * the VERP encoding of subscriber addresses.
 */
#include "t.h"

#include "ezlist/route.h"

static void
test_local(void)
{
    static const struct {
        const char *local;
        enum route_kind kind;
        const char *cookie, *target;
    } cases[] = {
        {"news", ROUTE_POST, "", ""},
        {"NEWS", ROUTE_POST, "", ""},
        {"news-subscribe", ROUTE_SUBSCRIBE, "", ""},
        {"news+Subscribe", ROUTE_SUBSCRIBE, "", ""},
        {"news-unsubscribe", ROUTE_UNSUBSCRIBE, "", ""},
        {"news-help", ROUTE_HELP, "", ""},
        {"news-owner", ROUTE_OWNER, "", ""},
        {"news-confirm-s.1.1.abc-joe=example.org", ROUTE_CONFIRM, "s.1.1.abc", "joe=example.org"},
        {"news-confirm-s.1.1.abc-a-b=c=example.org", ROUTE_CONFIRM, "s.1.1.abc", "a-b=c=example.org"},
        {"news-confirm-s.1.1.abc-", ROUTE_UNKNOWN, "", ""},
        {"news-confirm", ROUTE_UNKNOWN, "", ""},
        {"news-return-joe=example.org", ROUTE_RETURN, "", "joe=example.org"},
        {"news-return", ROUTE_RETURN, "", ""},
        {"news-probe-joe=example.org", ROUTE_PROBE, "", "joe=example.org"},
        {"news-probe", ROUTE_UNKNOWN, "", ""},
        {"news-subscribex", ROUTE_UNKNOWN, "", ""},
        {"news-subscribe-joe=example.org", ROUTE_UNKNOWN, "", ""},
        {"newsx", ROUTE_UNKNOWN, "", ""},
        {"new", ROUTE_UNKNOWN, "", ""},
        {"news-", ROUTE_UNKNOWN, "", ""},
        {"other-help", ROUTE_UNKNOWN, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct route r;
        t_current = cases[i].local;
        route_local(SLICE_LIT("news"), slice_from_cstr(cases[i].local), &r);
        CHECK_INT(r.kind, cases[i].kind);
        CHECK_MEM(r.cookie.ptr, r.cookie.len, cases[i].cookie);
        CHECK_MEM(r.target.ptr, r.target.len, cases[i].target);
    }
    struct route r;
    route_ext(SLICE_LIT(""), &r);
    CHECK_INT(r.kind, ROUTE_POST);
    route_ext(SLICE_LIT("help"), &r);
    CHECK_INT(r.kind, ROUTE_HELP);
}

static void
test_verp(void)
{
    struct str s;
    str_init(&s, 0);
    route_verp_encode("a=b@example.org", &s);
    CHECK_STR(str_cstr(&s), "a=b=example.org");
    struct str d;
    str_init(&d, 0);
    CHECK_INT(route_verp_decode(SLICE_LIT("a=b=example.org"), &d), 0);
    CHECK_STR(str_cstr(&d), "a=b@example.org");
    CHECK_INT(route_verp_decode(SLICE_LIT("noequals"), &d), -1);
    CHECK_INT(route_verp_decode(SLICE_LIT("=example.org"), &d), -1);
    CHECK_INT(route_verp_decode(SLICE_LIT("joe="), &d), -1);
    str_deinit(&s);
    str_deinit(&d);
}

int
main(void)
{
    T_RUN(test_local);
    T_RUN(test_verp);
    return t_done();
}
