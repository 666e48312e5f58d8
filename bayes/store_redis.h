/*
 * store_redis: the Redis backend of the Bayes store (store.h), for several
 * filterd hosts that share one database: bayes_db = redis://HOST:PORT/N.
 *
 * Layout in database N: hashes tamis:bayes:s, :h and :a (field: the 6-byte
 * token key; values: spam count, ham count, day last learned), :seen
 * (16-byte digest -> "s" or "h") and :meta (nspam, nham, the expiry
 * record). A lookup is one MULTI/EXEC (one snapshot); learning sends one
 * script call per message, and the message counts as HINCRBY, inside
 * MULTI/EXEC, so writers on several hosts add up rather than overwrite.
 * A long learning run is committed in chunks (BAYES_REDIS_CHUNK commands).
 */
#ifndef TAMIS_BAYES_STORE_REDIS_H
#define TAMIS_BAYES_STORE_REDIS_H

#include "bayes/store.h"

#define BAYES_REDIS_CHUNK 2000          /* queued commands per MULTI/EXEC */
#define BAYES_REDIS_TIMEOUT_MS 2000     /* connect and reply time-out */

extern const struct bayes_store_ops bayes_redis_ops;

/* Parse redis://HOST[:PORT][/N] and connect (at the first use with
 * BAYES_STORE_LAZY). Returns 0 with the backend in *b_r, or -1 with a
 * reason in err. */
int bayes_redis_open(const char *url, unsigned flags, void **b_r, struct str *err);

#endif
