/*
 * dsn_text: internal to mail/dsn.c: the shared pieces of the RFC 3464
 * reader and the best-effort readers of prose bounces (QSBMF, plain text).
 * Not a public interface: use mail/dsn.h.
 */
#ifndef TAMIS_MAIL_DSN_TEXT_H
#define TAMIS_MAIL_DSN_TEXT_H

#include "mail/dsn.h"

/* The state shared by the readers of one report. */
struct dsn_ctx {
    struct arena *a;
    const struct mail_limits *mlim;
    const struct dsn_limits *lim;
    const struct mime_message *m;
    const char *msg;
    size_t len;
    struct dsn_report *out;
    size_t cap; /* allocated entries of out->rcpts */
};

/* A new zeroed recipient at the end of the report (strings ""), or NULL
 * (and DSN_F_RCPT_LIMIT) when rcpt_max is reached. */
struct dsn_recipient *dsn_rcpt_add(struct dsn_ctx *c);

/* A copy of s in the arena, cut to field_max bytes (DSN_F_FIELD_CUT). */
const char *dsn_field_dup(struct dsn_ctx *c, struct slice s);

/* The SMTP reply code (or 0) and enhanced status (or klass 0) in a line
 * of prose or a Diagnostic-Code: the code that follows the reply code is
 * preferred, then a qmail "#5.1.1", then any. */
void dsn_text_codes(struct slice s, int *smtp_r, struct dsn_status *st_r);

/* Case-insensitive search of the NUL-terminated needle in s. */
bool dsn_case_contains(struct slice s, const char *needle);

/* The decoded body of part p into out (initialised here with maximum
 * max; the caller deinits it); cut_flag is set on the report when cut. */
void dsn_part_decode(struct dsn_ctx *c, const struct mime_part *p, size_t max,
                     unsigned cut_flag, struct str *out);

/* Whether part lies inside a returned message (a message/rfc822 part). */
bool dsn_in_message(const struct mime_part *p);

/* The best-effort readers: 0 if they found a bounce (out->source set). */
int dsn_text_parse(struct dsn_ctx *c);

#endif
