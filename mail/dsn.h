/*
 * dsn: what a bounce says about each recipient. Reads RFC 3464 delivery
 * status notifications (multipart/report with a message/delivery-status
 * part, or RFC 6533's message/global-delivery-status), and, as a best
 * effort clearly labelled in the result, qmail's QSBMF bounces and plain
 * text bounces that carry an SMTP or enhanced status code on a line.
 *
 * Pure and bounded (struct dsn_limits): no I/O, no logging. It works over a
 * MIME tree built by mail/mime.h, so a caller that already parsed the
 * message (incrementally, chunk by chunk) does not parse it again
 * (dsn_parse_tree); dsn_parse does both steps on a buffer.
 *
 * dsn_classify says whether a recipient's result should count against a
 * list subscriber: only DSN_CLASS_HARD should.
 */
#ifndef TAMIS_MAIL_DSN_H
#define TAMIS_MAIL_DSN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "mail/limits.h"
#include "mail/mime.h"

/* Where the result came from. QSBMF and TEXT are guesses from prose. */
enum dsn_source {
    DSN_SOURCE_NONE,    /* not recognised as a bounce */
    DSN_SOURCE_RFC3464, /* a message/(global-)delivery-status part */
    DSN_SOURCE_QSBMF,   /* best effort: qmail-send's bounce format */
    DSN_SOURCE_TEXT     /* best effort: status codes found in plain text */
};

enum dsn_action {
    DSN_ACTION_UNKNOWN, /* no Action field, or a value not in RFC 3464 */
    DSN_ACTION_FAILED,
    DSN_ACTION_DELAYED,
    DSN_ACTION_DELIVERED,
    DSN_ACTION_RELAYED,
    DSN_ACTION_EXPANDED
};

/* What a recipient's result means for a list subscriber. */
enum dsn_class {
    DSN_CLASS_UNKNOWN,   /* cannot tell: count nothing */
    DSN_CLASS_HARD,      /* the address is gone: counts against it */
    DSN_CLASS_POLICY,    /* refused for policy (DMARC, blocklist, spam,
                            the sender): never counts against it */
    DSN_CLASS_TEMPORARY, /* delayed, 4.x.x, mailbox full: counts nothing */
    DSN_CLASS_SUCCESS    /* delivered, relayed, expanded */
};

/* An RFC 3463 status: klass 2, 4 or 5; 0 when there is none. */
struct dsn_status {
    int klass;
    int subject; /* 0..999 */
    int detail;  /* 0..999 */
};

struct dsn_recipient {
    const char *final_recipient;    /* the address (its "rfc822;" type
                                       removed), unfolded; "" if none */
    const char *original_recipient; /* same; "" if none */
    enum dsn_action action;
    struct dsn_status status; /* Status, else the code in the
                                 diagnostic, else klass 0 */
    int smtp_code;            /* the 3-digit reply code in the
                                 diagnostic (550), or 0 */
    const char *diagnostic;   /* Diagnostic-Code without its type, or
                                 the reason lines of a best-effort
                                 parse; unfolded, UTF-8 or raw; "" */
    const char *remote_mta;   /* Remote-MTA without its type; "" */
};

/* Flags of a report. */
#define DSN_F_RCPT_LIMIT 0x01 /* rcpt_max reached: later recipients dropped */
#define DSN_F_FIELD_CUT 0x02  /* a field or reason longer than field_max was cut */
#define DSN_F_STATUS_CUT 0x04 /* the status part passed status_max */
#define DSN_F_TEXT_CUT 0x08   /* the text scanned passed text_max */
/* a report without a usable status part, a block without a recipient, a
 * line that is no field, a recipient without a status */
#define DSN_F_MALFORMED 0x10
#define DSN_F_MIME_DAMAGED 0x20 /* the MIME parser flagged the message */

struct dsn_report {
    enum dsn_source source;
    const char *reporting_mta;   /* Reporting-MTA without its type, or the
                                    host of a QSBMF greeting; "" */
    const char *envelope_id;     /* Original-Envelope-Id; "" */
    struct dsn_recipient *rcpts; /* in the order of the report */
    size_t n;
    const struct mime_part *original; /* the returned message or its
                                         headers (message/rfc822,
                                         text/rfc822-headers...), or NULL */
    unsigned flags;
};

struct dsn_limits {
    size_t rcpt_max;   /* recipients kept (default 1000) */
    size_t field_max;  /* bytes of one field value or reason (default 2000) */
    size_t status_max; /* decoded bytes of the status part (default 1 MiB) */
    size_t text_max;   /* decoded bytes of prose scanned (default 256 KiB) */
};

struct dsn_limits dsn_limits_default(void);

/* Parse the whole message in msg[0..len) with the MIME limits mlim and
 * fill out (all strings and arrays in the arena a; the tree too). Returns
 * 0 if it was recognised as a bounce (out->source is not NONE; out->n may
 * still be 0 for a report whose recipients could not be read), else -1
 * (out->source is NONE, out->n is 0). Never fails otherwise. */
int dsn_parse(struct arena *a, const struct mail_limits *mlim,
              const struct dsn_limits *lim, const char *msg, size_t len,
              struct dsn_report *out);

/* The same over a tree already built (mime_parse or mime_parser_*) from
 * msg[0..len); out->original points into that tree. */
int dsn_parse_tree(struct arena *a, const struct mail_limits *mlim,
                   const struct dsn_limits *lim, const struct mime_message *m,
                   const char *msg, size_t len, struct dsn_report *out);

/* The meaning of one recipient's result for a subscriber (docs/bounces.md
 * has the table). Pure; looks at action, status, smtp_code, diagnostic. */
enum dsn_class dsn_classify(const struct dsn_recipient *r);

/* The recipient of r that is subscriber (its Original-Recipient or
 * Final-Recipient; the local part exactly, the domain in any case), else
 * the only recipient of r, else NULL. */
const struct dsn_recipient *dsn_report_recipient(const struct dsn_report *r,
                                                 struct slice subscriber);

/* The class of a whole report for one subscriber (the address its VERP
 * return path named; "" if unknown): the class of the recipient whose
 * Original-Recipient or Final-Recipient is that address (local part
 * exactly, domain in any case); else, when no recipient names it (the
 * subscriber forwards elsewhere), the class of the only recipient, or
 * DSN_CLASS_HARD if every recipient is hard, else DSN_CLASS_UNKNOWN. A
 * report with no recipient is DSN_CLASS_UNKNOWN. It does not look at
 * r->source: weigh dsn_source_is_guess() results as the caller sees fit. */
enum dsn_class dsn_report_class(const struct dsn_report *r, struct slice subscriber);

/* Parse an RFC 3463 code "5.1.1" at the start of s (leading blanks
 * skipped; the code must end at a non-digit, non-dot byte). Returns 0 and
 * fills st, or -1. */
int dsn_status_parse(struct slice s, struct dsn_status *st);

/* Append "5.1.1" (nothing for klass 0) to out; -1 past its maximum. */
int dsn_status_text(const struct dsn_status *st, struct str *out);

/* Names for logs and JSON: "failed", "hard", "rfc3464"... static. */
const char *dsn_action_name(enum dsn_action a);
const char *dsn_class_name(enum dsn_class c);
const char *dsn_source_name(enum dsn_source s);
/* True for QSBMF and TEXT results: guesses, to be weighed as such. */
bool dsn_source_is_guess(enum dsn_source s);

#endif
