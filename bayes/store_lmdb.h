/*
 * store_lmdb: the LMDB backend of the Bayes store (store.h). The database
 * is a folder holding LMDB's data.mdb and lock.mdb, with three named
 * databases: "tokens" (8-byte hash -> spam, ham, atime), "seen" (16-byte
 * digest -> class) and "meta" (the message counts and expiry record).
 *
 * One environment is opened per folder per process and shared (LMDB forbids
 * opening one twice in a process: a filterd reload would break its locks),
 * so a reload that opens the same folder again reuses it.
 */
#ifndef TAMIS_BAYES_STORE_LMDB_H
#define TAMIS_BAYES_STORE_LMDB_H

#include "bayes/store.h"

/* Largest database (LMDB's map size); the file grows as needed up to it. */
#define BAYES_LMDB_MAP_SIZE ((size_t)1 << 30)

extern const struct bayes_store_ops bayes_lmdb_ops;

/* Open (flags BAYES_STORE_*) the database folder path. Returns 0 with the
 * backend in *b_r, 1 when there is no database and no CREATE flag, or -1
 * with a reason in err. */
int bayes_lmdb_open(const char *path, unsigned flags, void **b_r, struct str *err);

#endif
