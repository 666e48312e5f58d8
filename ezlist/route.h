/*
 * route: what a recipient address of a list asks for, from its local part
 * (Postfix, Sendmail) or its extension (qmail's DEFAULT).
 *
 * With list "news", the recipient local parts are: "news" (a post),
 * "news-subscribe", "news-unsubscribe", "news-help", "news-owner",
 * "news-confirm-COOKIE-BOX=DOM" (a confirmation, cookie.h), "news-return"
 * and "news-return-BOX=DOM" (bounces), "news-probe-BOX=DOM" (bounces of
 * probes; BOX=DOM is the subscriber, the last
 * '=' standing for '@'). '+' may stand for the first '-'. Keywords compare
 * case-insensitively.
 */
#ifndef TAMIS_EZLIST_ROUTE_H
#define TAMIS_EZLIST_ROUTE_H
#include "lib/str.h"

enum route_kind {
    ROUTE_POST,
    ROUTE_SUBSCRIBE,
    ROUTE_UNSUBSCRIBE,
    ROUTE_HELP,
    ROUTE_OWNER,
    ROUTE_CONFIRM,
    ROUTE_RETURN,
    ROUTE_PROBE, /* a bounce of a probe: "news-probe-BOX=DOM" */
    ROUTE_UNKNOWN /* not an address of this list */
};

struct route {
    enum route_kind kind;
    struct slice cookie; /* ROUTE_CONFIRM: the cookie text */
    struct slice target; /* ROUTE_CONFIRM, ROUTE_RETURN: "box=dom" (may be empty) */
};

/* Route by the whole local part of the recipient (untrusted; pure). */
void route_local(struct slice list_local, struct slice local, struct route *out);

/* Route by an extension alone (qmail's DEFAULT; "" is a post). */
void route_ext(struct slice ext, struct route *out);

/* Turn "box=dom" into "box@dom" in out (cleared first). Returns 0, or -1
 * when there is no '=' with something on both sides. */
int route_verp_decode(struct slice target, struct str *out);

/* Append "box=dom" for address "box@dom" to out. */
void route_verp_encode(const char *addr, struct str *out);
#endif
