/*
 * spool: a writable store for bytes that arrive in pieces (a message from
 * a milter's header and body callbacks). Bytes are held in memory up to a
 * threshold; past it, everything moves to a temporary file that is
 * unlinked as soon as it is created, so nothing is left behind when the
 * process dies. A maximum bounds what is kept: bytes past it are counted
 * and dropped.
 */
#ifndef TAMIS_LIB_SPOOL_H
#define TAMIS_LIB_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

struct spool;

/* A spool that keeps up to mem_max bytes in memory and at most max bytes in
 * all (0: no maximum). The file goes in dir, or $TMPDIR, or /tmp when dir
 * is NULL. Free with spool_free(). */
struct spool *spool_new(size_t mem_max, size_t max, const char *dir);
/* Forget the contents (closing the file) and keep the spool for another
 * message; a large memory buffer is released. */
void spool_reset(struct spool *s);
void spool_free(struct spool **sp);

/* Append n bytes. Returns 0 (also when bytes past the maximum were dropped),
 * or -1 with a reason in err when the file cannot be created or written;
 * the spool is then unusable until spool_reset(). */
int spool_append(struct spool *s, const void *p, size_t n, struct str *err);

/* Bytes kept (at most the maximum). */
size_t spool_size(const struct spool *s);
/* Bytes offered to spool_append(), kept or not. */
unsigned long long spool_offered(const struct spool *s);
/* The bytes kept, when they are in memory (followed by a NUL byte); NULL
 * when they are in the file. Valid until the next append or reset. */
const char *spool_data(const struct spool *s);
/* The file's descriptor (read it with pread), or -1 when in memory. Owned
 * by the spool. */
int spool_fd(const struct spool *s);

#endif
