/*
 * fanout: send a post to every subscriber through the sendmail-compatible
 * command, in batches, with VERP, recording progress so that a retry after
 * a failure midway sends nobody the post twice.
 */
#ifndef TAMIS_EZLIST_FANOUT_H
#define TAMIS_EZLIST_FANOUT_H
#include "ezlist/list.h"

/* Send msg (the rewritten post) to the subscribers of l. progress_id names
 * the post (the same on a retry of the same delivery): DIR/progress/ID
 * records the last subscriber handed over. Returns 0 when every subscriber
 * was handed over (*sent_r: how many in this run), or -1 with err (the MTA
 * refused or failed: a retry goes on after the last batch it accepted). */
int fanout_send(const struct list *l, struct slice msg, const char *progress_id,
                size_t *sent_r, struct str *err);

/* Remove progress files older than max_age seconds. */
void fanout_clean(const struct list *l, long max_age);
#endif
