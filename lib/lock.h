/*
 * lock: advisory locks that serialise writers (e.g. of a list's folder).
 *
 * A lock is an exclusive fcntl() write lock on the whole of a lock file.
 * Where the system has them (Linux 3.15 and later), open-file-description
 * locks (F_OFD_SETLK) are used: two lock handles exclude each other even in
 * one process, and closing some other descriptor of the file does not drop
 * the lock. Elsewhere classic POSIX record locks are used, which exclude
 * other processes only. Either kind works over NFS with a lock manager,
 * and is released by the kernel when the holder dies.
 *
 * A handle opened before fork() is shared with the child (one lock for
 * both): open the lock in the process that uses it.
 */
#ifndef TAMIS_LIB_LOCK_H
#define TAMIS_LIB_LOCK_H

#include <sys/types.h>

struct lock;

/*
 * Open (creating it with mode if missing) the lock file at path. Returns a
 * handle not yet holding the lock, or NULL with errno set.
 */
struct lock *lock_open(const char *path, mode_t mode);
/*
 * Take the lock. timeout_ms < 0 waits as long as it takes; 0 tries once
 * (-1 with errno EWOULDBLOCK if another holds it); > 0 waits at most that
 * many milliseconds (-1 with errno ETIMEDOUT). Signals do not cut a wait
 * short (EINTR is retried): bound the wait with a timeout. Other failures
 * give -1 with fcntl's errno (e.g. EDEADLK, ENOLCK). Taking a lock the
 * handle already holds is a programming error (panic).
 */
int lock_acquire(struct lock *l, int timeout_ms);
/* Release the lock. Returns 0, or -1 with errno. Panics if not held. */
int lock_release(struct lock *l);
/* Close the handle (releasing the lock if held); sets *lp to NULL. */
void lock_close(struct lock **lp);

#endif
