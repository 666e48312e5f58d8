/*
 * post: what the list does to a post before it goes out (loop check, list
 * headers, subject prefix, footer) and the RFC 3834 rule for replies.
 * Pure functions over a message in memory.
 */
#ifndef TAMIS_EZLIST_POST_H
#define TAMIS_EZLIST_POST_H
#include <stdbool.h>
#include "ezlist/list.h"
#include "mail/header.h"

/* Whether the message (header h, envelope sender) must not be answered
 * automatically (RFC 3834): null or qmail-bounce sender, Auto-Submitted
 * other than "no", Precedence bulk/junk/list, or list headers. *why_r gets
 * a static reason. */
bool post_no_autoreply(const struct header_block *h, const char *sender, const char **why_r);

/* Whether the message already went through this list: our own
 * "Delivered-To: mailing list L@D" line, or our List-Id. */
bool post_is_loop(const struct list *l, const struct header_block *h);

/* Append to out the post as the subscribers get it: msg with our loop
 * marker, without incoming List-* / Precedence / Return-Path fields, with
 * our List-* headers, Precedence: list, the subject prefix (not doubled)
 * and footer (MIME-aware: appended to a plain text body, added as a part
 * of a multipart/mixed, or the message wrapped in a multipart/mixed, so a
 * signed or encoded part is never changed). boundary_seed makes the
 * boundary of a wrapper. */
void post_rewrite(const struct list *l, struct slice msg, struct slice footer,
                  const char *boundary_seed, struct str *out);

/* The List-* and Precedence fields of the list, appended to out. */
void post_list_headers(const struct list *l, struct str *out);
#endif
