/*
 * fdio: whole reads and writes on file descriptors, with EINTR retried and
 * short transfers continued, so no caller writes these loops again.
 */
#ifndef TAMIS_LIB_FDIO_H
#define TAMIS_LIB_FDIO_H

#include <stddef.h>

#include "str.h"

/* Write all n bytes. Returns 0, or -1 with errno (EIO if write returned 0). */
int fdio_write_all(int fd, const void *p, size_t n);
/* Read until n bytes or the end of input; *got_r gets how many. Returns 0,
 * or -1 with errno. */
int fdio_read_full(int fd, void *buf, size_t n, size_t *got_r);
/* Read fd to its end, appending to out (bounded by out's maximum). Returns
 * 0, or -1 with errno (EFBIG when out's maximum is reached). */
int fdio_read_to_str(int fd, struct str *out);
/* Read the regular file at path, appending to out (bounded by out's
 * maximum). Returns 0, or -1 with errno (EFBIG past the maximum, EISDIR or
 * EINVAL when path is not a regular file). */
int fdio_read_file(const char *path, struct str *out);

#endif
