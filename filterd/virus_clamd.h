/*
 * virus_clamd: the virus check's other scanner: a running clamd asked over
 * its unix socket with the INSTREAM command, for the front ends that start
 * one process per message (qmail), where loading libclamav's engine each
 * time is too slow (docs/clamav.md, "Front ends").
 */
#ifndef TAMIS_FILTERD_VIRUS_CLAMD_H
#define TAMIS_FILTERD_VIRUS_CLAMD_H

#include <stddef.h>

#include "lib/blob.h"

enum clamd_result {
    CLAMD_CLEAN, /* "stream: OK" */
    CLAMD_FOUND, /* "stream: NAME FOUND": NAME in name */
    CLAMD_LIMIT, /* "INSTREAM size limit exceeded. ERROR" (StreamMaxLength) */
    CLAMD_ERROR, /* anything else, or no answer: the reason in name */
};

/* Read clamd's answer to one z-command (reply[0..n), its NUL cut or not):
 * pure and bounded. name (name_n > 0 bytes) gets the signature name (at
 * most name_n - 1 bytes, cut) for CLAMD_FOUND, or the answer's text for
 * CLAMD_ERROR and CLAMD_LIMIT. */
enum clamd_result virus_clamd_parse(const char *reply, size_t n, char *name, size_t name_n);

/* Send b's bytes to the clamd listening on the unix socket path with
 * zINSTREAM, and read its answer within timeout_s seconds per read or
 * write. The result as above; a socket error is CLAMD_ERROR with the
 * reason in name. */
enum clamd_result virus_clamd_scan(const char *path, const struct blob *b, unsigned timeout_s,
                                   char *name, size_t name_n);

#endif
