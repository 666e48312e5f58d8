/*
 * filetype_archive: the members of an archive attachment, unpacked by
 * libclamav (zip, gzip, tar, 7z, rar, cab, cpio, bzip2, ...) with an engine
 * that holds no signatures and ClamAV's limits (the virus_max_* settings),
 * so that the file-type policy (check_filetype.c) sees into archives as
 * far as the virus scan does, and no further.
 */
#ifndef TAMIS_FILTERD_FILETYPE_ARCHIVE_H
#define TAMIS_FILTERD_FILETYPE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/str.h"

struct filetype_archives;

/* Called for each member, at any depth (level 1: in the archive itself):
 * its name (NULL when the archive has none) and its first bytes (at most
 * the max given to filetype_archives_walk). */
typedef void (*filetype_member_fn)(void *arg, const char *name, const char *data,
                                   size_t len, unsigned level);

/* An unpacking engine with c's virus_max_* limits and ClamAV's temporary
 * folder tmpdir. NULL with a reason in err. Shared by threads, read-only. */
struct filetype_archives *filetype_archives_new(const struct config *c, const char *tmpdir,
                                                struct str *err);
void filetype_archives_free(struct filetype_archives **ap);
/* Unpack the len bytes at data (an archive) and call fn for each member
 * with up to max bytes of it. Returns 0, or -1 when libclamav failed
 * (members seen so far were passed to fn). Limits reached are not errors:
 * the members past them are not seen (the virus check reports them). */
int filetype_archives_walk(const struct filetype_archives *a, const char *data, size_t len,
                           size_t max, filetype_member_fn fn, void *arg);
/* Whether libmagic's MIME type is one of the archives libclamav opens. */
bool filetype_is_archive(const char *mime);

#endif
