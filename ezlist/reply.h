/*
 * reply: the list's own messages (confirmation requests, welcome, help...)
 * made from DIR/text/NAME and injected through the sendmail command.
 */
#ifndef TAMIS_EZLIST_REPLY_H
#define TAMIS_EZLIST_REPLY_H
#include "ezlist/list.h"
#include "mail/header.h"

/* Send text NAME to address to, with the placeholders of list l plus
 * {address} = addr and, when confirm is not NULL, {confirm} = confirm,
 * which also becomes the Reply-To. in_reply_to (may be NULL) is the
 * request whose Message-ID is referenced. Returns 0, or -1 with err. */
int reply_send(const struct list *l, const char *name, const char *to, const char *addr,
               const char *confirm, const struct header_block *in_reply_to, struct str *err);

/* The same with envelope sender env_from (NULL: LIST-return@DOMAIN) and,
 * when env_from is given, Auto-Submitted: auto-generated (a notice, not
 * a reply). */
int reply_send_from(const struct list *l, const char *env_from, const char *name,
                    const char *to, const char *addr, const char *confirm,
                    const struct header_block *in_reply_to, struct str *err);

/* Append 2*n lowercase hex digits of fresh random bytes (n <= 32). */
void reply_random_hex(struct str *out, size_t n);
#endif
