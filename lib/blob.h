/*
 * blob: a read-only message source, in memory or in a file. Small inputs
 * are held in memory; a file larger than the memory threshold is read in
 * chunks with pread, and standard input past the threshold is spooled to an
 * unlinked temporary file, so a large message never sits whole in memory.
 */
#ifndef TAMIS_LIB_BLOB_H
#define TAMIS_LIB_BLOB_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

struct blob;

#define BLOB_CHUNK 65536

/* Open path. Files up to mem_max bytes are read into memory. Returns 0, or
 * -1 with a reason in err. */
int blob_open_file(struct blob **bp, const char *path, size_t mem_max, struct str *err);
/* Read fd to its end: into memory up to mem_max bytes, then spooled to a
 * temporary file in $TMPDIR (or /tmp). Returns 0, or -1 with a reason. */
int blob_read_fd(struct blob **bp, int fd, size_t mem_max, struct str *err);
/* A blob over bytes the caller keeps alive. */
struct blob *blob_from_memory(const char *data, size_t len);
void blob_free(struct blob **bp);

size_t blob_size(const struct blob *b);
/* The bytes when held in memory, else NULL. */
const char *blob_data(const struct blob *b);
/* Call fn on [start, end) in chunks of at most BLOB_CHUNK bytes (one call
 * when in memory). Stops when fn returns non-zero and returns that; -1 on
 * a read error. */
int blob_foreach(const struct blob *b, size_t start, size_t end,
                 int (*fn)(void *ctx, const char *p, size_t n), void *ctx);

#endif
