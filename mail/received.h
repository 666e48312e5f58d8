/*
 * received: one Received header field read as the hand-over it records:
 * the sending host (its address, its reverse DNS name, the name it gave in
 * HELO, an ident user), the receiving host (the "by" name), the queue id,
 * the envelope sender and whether the sender authenticated. The common
 * forms are read: Postfix, Sendmail, Exim, qmail, Microsoft's servers, and
 * the generic "from NAME (NAME [IP]) by NAME" of many others.
 */
#ifndef TAMIS_MAIL_RECEIVED_H
#define TAMIS_MAIL_RECEIVED_H

#include <stdbool.h>

#include "lib/str.h"

#define RECEIVED_LINE_MAX 4096 /* bytes of one field read (the rest ignored) */
#define RECEIVED_PART_MAX 128  /* bytes kept of each part (longer ones cut) */

struct received_relay {
    char ip[64];                     /* the sender's IPv4 or IPv6 address, never empty */
    char rdns[RECEIVED_PART_MAX];    /* its reverse DNS name, "" unknown */
    char helo[RECEIVED_PART_MAX];    /* the name it gave, "" none */
    char by[RECEIVED_PART_MAX];      /* the receiving host, "" none */
    char ident[RECEIVED_PART_MAX];   /* ident user, "" none */
    char envfrom[RECEIVED_PART_MAX]; /* envelope sender, "" none */
    char id[RECEIVED_PART_MAX];      /* the receiver's queue id, "" none */
    char auth[RECEIVED_PART_MAX];    /* how the sender authenticated, "" not */
};

enum received_kind {
    RECEIVED_NONE,  /* no hand-over from a host with an address */
    RECEIVED_RELAY, /* a hand-over: *out is filled */
    RECEIVED_FETCH, /* a mail fetcher's (fetchmail, getmail: "with POP3" or
                       "with IMAP"): the ones above it are local */
};

/* Parse one Received field value (as written; folds allowed). RECEIVED_NONE
 * for local deliveries, "invoked by uid", forms without an address. Pure;
 * reads at most RECEIVED_LINE_MAX bytes. */
enum received_kind received_parse(struct slice value, struct received_relay *out);

/* Whether ip (text) is in a private, loopback, link-local or shared range
 * (10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 100.64/10, ::1, fc00::/7,
 * fe80::/10 and IPv4-mapped forms of these), as SpamAssassin's trust
 * inference counts them. */
bool received_ip_private(const char *ip);

#endif
