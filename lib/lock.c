/*
 * lock: exclusive fcntl() locks on a lock file, with a timeout.
 *
 * Untrusted input: none. fcntl() locks rather than flock(): they are POSIX
 * (flock is not, and is not declared under _POSIX_C_SOURCE), and Linux
 * carries them over NFS. Their classic weakness (per process: released
 * when any descriptor of the file closes, and no exclusion between two
 * handles of one process) is avoided with open-file-description locks
 * where the system has them; that is why this file, and only this one in
 * lib/, asks for _GNU_SOURCE (glibc declares F_OFD_SETLK only then).
 *
 * A wait with a timeout polls with F_SETLK, sleeping 1 ms at first and
 * doubling up to 50 ms between tries, so no signal or timer is used.
 */
#define _GNU_SOURCE 1

#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

#ifdef F_OFD_SETLK
#define LOCK_SET F_OFD_SETLK
#define LOCK_SET_WAIT F_OFD_SETLKW
#else
#define LOCK_SET F_SETLK
#define LOCK_SET_WAIT F_SETLKW
#endif

#define POLL_FIRST_NS 1000000L /* first sleep between tries: 1 ms */
#define POLL_MAX_NS 50000000L  /* longest sleep between tries: 50 ms */

struct lock {
    int fd;
    bool held;
};

struct lock *
lock_open(const char *path, mode_t mode)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, mode);
    if (fd < 0)
        return NULL;
    struct lock *l = xcalloc(1, sizeof(*l));
    l->fd = fd;
    return l;
}

/* One fcntl() of the whole file: F_WRLCK or F_UNLCK. */
static int
lock_fcntl(int fd, int cmd, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof(fl)); /* l_pid must be 0 for OFD locks */
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    return fcntl(fd, cmd, &fl);
}

static long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Try until the deadline (ns on CLOCK_MONOTONIC); -1 if none is left. */
static int
acquire_polling(struct lock *l, long long deadline)
{
    long sleep_ns = POLL_FIRST_NS;
    for (;;) {
        if (lock_fcntl(l->fd, LOCK_SET, F_WRLCK) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EACCES)
            return -1;
        long long left = deadline - now_ns();
        if (left <= 0) {
            errno = deadline == 0 ? EWOULDBLOCK : ETIMEDOUT;
            return -1;
        }
        long long nap = left < sleep_ns ? left : sleep_ns;
        struct timespec ts = {(time_t)(nap / 1000000000LL), (long)(nap % 1000000000LL)};
        nanosleep(&ts, NULL); /* woken early by a signal: just try again */
        if (sleep_ns < POLL_MAX_NS)
            sleep_ns = sleep_ns * 2 < POLL_MAX_NS ? sleep_ns * 2 : POLL_MAX_NS;
    }
}

int
lock_acquire(struct lock *l, int timeout_ms)
{
    if (l->held)
        log_panic("lock_acquire: lock already held by this handle");
    int rc;
    if (timeout_ms < 0) {
        while ((rc = lock_fcntl(l->fd, LOCK_SET_WAIT, F_WRLCK)) < 0 && errno == EINTR)
            continue;
    } else {
        long long deadline = timeout_ms == 0 ? 0 : now_ns() + timeout_ms * 1000000LL;
        rc = acquire_polling(l, deadline);
    }
    if (rc == 0)
        l->held = true;
    return rc;
}

int
lock_release(struct lock *l)
{
    if (!l->held)
        log_panic("lock_release: lock not held");
    if (lock_fcntl(l->fd, LOCK_SET, F_UNLCK) < 0)
        return -1;
    l->held = false;
    return 0;
}

void
lock_close(struct lock **lp)
{
    struct lock *l = *lp;
    if (l == NULL)
        return;
    close(l->fd); /* drops the lock if held */
    free(l);
    *lp = NULL;
}
