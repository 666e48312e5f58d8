/*
 * subdb: a list's subscriber store, fast at a million subscribers.
 *
 * Subscribers live in SUBDB_BUCKETS files DIR/subscribers/000..fff, chosen
 * by a hash of the canonical address; each file holds its addresses sorted,
 * one a line. A change is one record appended to DIR/subscribers/journal
 * ("+ADDR SUM" or "-ADDR SUM", SUM a checksum of the rest, in hex; see
 * docs/ezlist.md) and
 * made durable with one fdatasync, under the list's lock (DIR/lock,
 * lib/lock). Past a bound (or on subdb_fold), the journal is folded
 * into the buckets (temporary files, one syncfs, renames, the folder
 * synced, then the journal emptied); replaying a journal is idempotent, so
 * a crash at any point loses nothing, and a torn last record (a change
 * never reported done) is cut off on the next open. A listing walks the
 * buckets in order: the order (bucket, address) is total and stable, which
 * the fan-out uses to record its progress.
 */
#ifndef TAMIS_EZLIST_SUBDB_H
#define TAMIS_EZLIST_SUBDB_H
#include <stdbool.h>
#include <stddef.h>
#include "lib/arena.h"
#include "lib/str.h"

#define SUBDB_BUCKETS 4096
/* Longest canonical address: local (64) + '@' + domain (253). */
#define SUBDB_ADDRESS_MAX 318

/* Validate in as one bare address (mail/address) whose local part is a
 * dot-atom, and give its canonical form "local@domain" (domain lowercased)
 * in the arena. Returns 0, or -1 with *error_r a static English reason.
 * Pure; reads untrusted input. */
int subdb_canon(struct arena *a, struct slice in, char **canon_r, const char **error_r);

/* The bucket (0..SUBDB_BUCKETS-1) of a canonical address. */
unsigned subdb_bucket(const char *canon);

enum subdb_op { SUBDB_ADD, SUBDB_REMOVE };

/* Add or remove the n canonical addresses in list dir, taking the list's
 * lock (waiting at most 30 s). *changed_r (may be NULL) gets how many were
 * added or removed (others were already in / not in). Returns 0, or -1 with
 * a reason in err (a broken environment: the caller fails temporarily). */
int subdb_apply(const char *dir, enum subdb_op op, char *const *canon, size_t n,
                size_t *changed_r, struct str *err);

/* Whether the canonical address is subscribed. Returns 1, 0, or -1 (err).
 * No lock, no write (see subdb_each). */
int subdb_has(const char *dir, const char *canon, struct str *err);

/* Call fn for each subscriber in order (bucket, then bytes), starting after
 * position (after_bucket, after) when after is not NULL. fn returns 0 to go
 * on, anything else to stop (subdb_each then returns that). Returns 0, or
 * -1 with err (a bucket could not be read). No lock and no write (root may
 * list a list that another user owns): the journal is read once, then each
 * bucket with the journal's changes applied, so every address is seen as it
 * was when the listing began or later, never twice. */
int subdb_each(const char *dir, unsigned after_bucket, const char *after,
               int (*fn)(void *ctx, unsigned bucket, const char *canon), void *ctx,
               struct str *err);

/* Fold the journal into the bucket files now, under the lock. Returns 0,
 * or -1 with err. */
int subdb_fold(const char *dir, struct str *err);

/* How many subscribers. Returns the count, or -1 with err. */
long subdb_count(const char *dir, struct str *err);
#endif
