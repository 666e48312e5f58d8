/*
 * dsn: delivery status notifications (RFC 3464): the per-recipient status
 * of a bounce, and what a list should make of it (RFC 3463 classes).
 */
#ifndef TAMIS_MAIL_DSN_H
#define TAMIS_MAIL_DSN_H
#include <stddef.h>
#include "lib/arena.h"
#include "lib/str.h"

/* Most recipients kept from one report; more are ignored. */
#define DSN_RECIPIENTS_MAX 100
/* Longest status kept ("5.1.1"; at most 3 + 3 + 3 digits and dots). */
#define DSN_STATUS_MAX 11

struct dsn_recipient {
    char *final_recipient; /* the address after "rfc822;", trimmed; "" if none */
    char *action;          /* lowercased: "failed", "delayed", ...; "" if none */
    char status[DSN_STATUS_MAX + 1]; /* "5.1.1", or "" when missing or malformed */
};

struct dsn {
    struct dsn_recipient *r;
    size_t n;
};

/* Find the message/delivery-status part of msg (a whole message, at any
 * depth) and parse its per-recipient groups. Returns 0 (out->n may be 0),
 * or -1 when the message has no such part. Everything in a. Pure and
 * bounded by the mail_limits defaults. */
int dsn_parse(struct arena *a, struct slice msg, struct dsn *out);

enum dsn_class {
    DSN_CLASS_HARD,   /* the address is dead: 5.1.x, 5.2.1, 5.4.4 */
    DSN_CLASS_POLICY, /* refused by policy: 5.7.x (DMARC, blocklists) */
    DSN_CLASS_OTHER,  /* other permanent failures (5.2.2 mailbox full...) */
    DSN_CLASS_SOFT,   /* temporary: 4.x.x */
    DSN_CLASS_NONE    /* not a failure (2.x.x) or no usable status */
};

/* The class of a status text ("5.1.1"). */
enum dsn_class dsn_classify(const char *status);
#endif
