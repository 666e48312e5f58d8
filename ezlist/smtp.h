/*
 * smtp: a small SMTP/ESMTP client for handing posts to a relay (the MTA
 * on loopback): EHLO, PIPELINING when offered, XVERP, per-recipient
 * replies, dot-stuffing. Numeric addresses only (no DNS).
 */
#ifndef TAMIS_EZLIST_SMTP_H
#define TAMIS_EZLIST_SMTP_H
#include <stdbool.h>
#include <stddef.h>
#include "lib/str.h"

struct smtp_conn;

/* Connect to host (an IPv4 or IPv6 literal) at port, read the greeting,
 * say EHLO helo (LHLO with lmtp: RFC 2033, where the message gets one
 * reply per accepted recipient). Returns a connection, or NULL with err. */
struct smtp_conn *smtp_open(const char *host, unsigned port, const char *helo, bool lmtp,
                            struct str *err);

/* Whether the server offered XVERP. */
bool smtp_has_xverp(const struct smtp_conn *c);

/* Turn a message with LF (or CRLF) line ends into SMTP DATA: CRLF line
 * ends, leading dots doubled, ending with CRLF "." CRLF. Appends to out. */
void smtp_encode_data(struct slice msg, struct str *out);

/* One transaction: MAIL FROM:<from> [params], RCPT TO for each of rcpt[0..n),
 * DATA with data (already encoded). status[i] gets the first digit of the
 * reply to recipient i (2 accepted, 4 temporary, 5 permanent); when the
 * server refused DATA or the message, every accepted recipient gets 4 (or
 * 5 for a 5xx). Returns 0 when the transaction ended cleanly (whatever the
 * replies), or -1 with err when the connection failed or the server
 * refused MAIL (the connection is then unusable). */
int smtp_transaction(struct smtp_conn *c, const char *from, const char *params,
                     char *const *rcpt, size_t n, struct slice data, int *status,
                     struct str *err);

/* Parse one reply line (without CRLF; untrusted, pure): "250-text" or
 * "250 text" or "250". Returns 0 with the code (100..599), whether it is
 * the last line, and the text after the separator; -1 when malformed. */
int smtp_reply_line(struct slice line, int *code_r, bool *last_r, struct slice *text_r);

/* QUIT (best effort) and close; *cp becomes NULL. */
void smtp_close(struct smtp_conn **cp);
#endif
