/*
 * atomic_file: replace a file so that readers see the old contents or the
 * new, never a mix, and a crash leaves one of the two on disk.
 *
 * The new contents go to a temporary file in the target's folder (created
 * with O_EXCL, named ".NAME.tmp.PID.RANDOM"), which is written, fsync'd and
 * renamed over the target; then the folder is fsync'd. Errors are returned
 * (-1 with errno), never fatal; on any failure before the rename the target
 * is untouched and the temporary file is removed.
 *
 * The new file gets exactly the mode given (the umask does not apply) and
 * belongs to the calling process's user and group. A symbolic link at path
 * is replaced by the file, not followed.
 */
#ifndef TAMIS_LIB_ATOMIC_FILE_H
#define TAMIS_LIB_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

struct atomic_file;

/*
 * Replace path with the len bytes at data, with permissions mode.
 * Returns 0, or -1 with errno set. If only the final fsync of the folder
 * fails, path already has the new contents but -1 is returned: the change
 * may not survive a crash.
 */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Streaming form, for big files: start replacing path. Returns a handle,
 * or NULL with errno set (nothing is left behind). Finish with exactly one
 * of atomic_file_commit() or atomic_file_abort().
 */
struct atomic_file *atomic_file_open(const char *path, mode_t mode);
/*
 * Append len bytes. Returns 0, or -1 with errno set; after a failure every
 * later append fails and commit reports the first error.
 */
int atomic_file_append(struct atomic_file *af, const void *data, size_t len);
/* The temporary file's descriptor, for callers that write it themselves. */
int atomic_file_fd(const struct atomic_file *af);
/*
 * fsync, rename over the target, fsync the folder; frees the handle and
 * sets *afp to NULL. Returns 0, or -1 with errno set (as atomic_file_write).
 */
int atomic_file_commit(struct atomic_file **afp);
/* Remove the temporary file and free the handle; *afp becomes NULL. */
void atomic_file_abort(struct atomic_file **afp);

#endif
