/*
 * address: RFC 5322 mail addresses: address lists of header fields (From:,
 * To:, Cc:, Reply-To:, or a list an admin types), single bare addresses
 * (envelope sender or recipient, a subscriber), and a lenient extractor for
 * broken headers.
 */
#ifndef TAMIS_MAIL_ADDRESS_H
#define TAMIS_MAIL_ADDRESS_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"

struct address {
    char *display; /* display name, RFC 2047-decoded to UTF-8, quotes and
                      escapes removed, runs of CFWS made one space, control
                      characters (CR, LF, TAB, NUL...) made spaces; "" if none */
    char *local;   /* local part, unquoted form (quoted-string content with
                      escapes and line breaks removed; it may hold spaces,
                      tabs and quotes, never CR, LF or NUL) */
    char *domain;  /* domain, lowercased; a domain literal keeps its brackets */
    char *group;   /* the (decoded) name of the group it belongs to, or NULL */
};

struct address_list {
    struct address *items;
    size_t n;
    size_t ngroups; /* groups seen, including empty ones ("Undisclosed
                       recipients:;" gives n = 0, ngroups = 1) */
};

/* Most addresses in one list; more is an error ("too many addresses"). */
#define ADDRESS_LIST_MAX 1000
/* Deepest nesting of comments; deeper is an error. */
#define ADDRESS_COMMENT_DEPTH_MAX 32
/* Longest local part (as written, quotes included) and domain. */
#define ADDRESS_LOCAL_MAX 64
#define ADDRESS_DOMAIN_MAX 253
/* Longest decoded display or group name kept; longer ones are cut (at a
 * UTF-8 character boundary when the decoder allows). */
#define ADDRESS_DISPLAY_MAX 1024

/* Parse a strict RFC 5322 address-list: mailboxes (addr-spec or
 * [display-name] <addr-spec>), groups "name: a, b;", display names of atoms,
 * quoted strings, encoded words and (obsolete, tolerated) dots, comments
 * (nested up to ADDRESS_COMMENT_DEPTH_MAX) wherever CFWS is allowed, folding
 * (CR and LF count as spaces), empty list elements (",,") and obsolete
 * source routes "<@a,@b:x@y>" (the route is dropped). Domains must be host
 * names of two labels or more or address literals (see address_parse).
 * An empty list (nothing but spaces, comments and commas) is an error.
 * Returns 0 and fills out (everything allocated from a; out->n may be 0 for
 * a list of empty groups), or -1 with *error_r set to a static English
 * reason naming what is wrong (e.g. "unquoted space in local part",
 * "domain has no dot", "missing local part", "space in domain",
 * "too many addresses"). */
int address_list_parse(struct arena *a, struct slice in, struct address_list *out,
                       const char **error_r);

/* Parse one bare address local@domain (no display name, angle brackets or
 * comments; surrounding spaces are trimmed). The local part is a dot-atom
 * or a quoted string, at most ADDRESS_LOCAL_MAX bytes as written; UTF-8 is
 * allowed in it (RFC 6532). The domain is a host name of two labels or
 * more (ASCII letters, digits and inner hyphens, or UTF-8 letters; labels
 * of 1-63 bytes; ADDRESS_DOMAIN_MAX bytes in all; the last label not all
 * digits) or an address literal [1.2.3.4] or [IPv6:...]. Returns 0 and
 * fills out (display "", group NULL; strings in a), or -1 with *error_r set
 * to a static English reason, the same ones as address_list_parse. */
int address_parse(struct arena *a, struct slice in, struct address *out,
                  const char **error_r);

/* Lenient: never fails. If in parses as a strict address list, that list;
 * otherwise every plain local@domain (a dot-atom local part and a domain of
 * two labels or more) found anywhere in the bytes, with display "" and group
 * NULL. At most ADDRESS_LIST_MAX addresses (the rest are ignored). Linear
 * in the input. */
void address_list_extract(struct arena *a, struct slice in, struct address_list *out);

#endif
