/*
 * bounce: what the list does with bounces to its VERP addresses: hard
 * failures count against the subscriber; after bounce_max of them within
 * bounce_days the subscriber gets a probe; a bounced probe removes the
 * address and tells the owners. Policy refusals (5.7.x) and temporary or
 * other failures only go to the log.
 */
#ifndef TAMIS_EZLIST_BOUNCE_H
#define TAMIS_EZLIST_BOUNCE_H
#include "ezlist/list.h"

/* A bounce of a post to subscriber addr (canonical); msg is the bounce.
 * probe: it is a bounce of our probe. Returns 0, or -1 with err (a
 * temporary failure). */
int bounce_handle(const struct list *l, const char *addr, struct slice msg, bool probe,
                  struct str *err);
#endif
