/*
 * atomic_file: write a temporary file beside the target, fsync, rename.
 *
 * Untrusted input: none (paths and contents come from the caller). Limits:
 * the target's path is at most PATH_MAX bytes; the temporary name keeps at
 * most 100 bytes of the target's name so that it stays under NAME_MAX.
 * Errors are returned with errno, never fatal; allocation failure is fatal
 * as everywhere (mem.h).
 */
#include "atomic_file.h"

#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "str.h"

#define TEMP_BASE_MAX 100 /* bytes of the target's name kept in the temp name */
#define TEMP_TRIES 100    /* names tried before giving up with EEXIST */

struct atomic_file {
    int fd;
    int err;    /* first write error (sticky), 0 if none */
    char *path; /* the target */
    char *tmp;  /* the temporary file */
};

/* A name that differs between calls and processes (not a secret). */
static uint64_t
temp_nonce(void)
{
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
                 ((uint64_t)ts.tv_sec << 20) ^ (++counter * 0x9e3779b97f4a7c15ULL);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 29);
}

/*
 * Build the temporary file's name for path into *tmp. Returns 0, or -1
 * with errno (EINVAL for a path ending in '/', ENAMETOOLONG).
 */
static int
temp_name(const char *path, struct str *tmp)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t baselen = strlen(base);
    if (baselen == 0) {
        errno = EINVAL;
        return -1;
    }
    if (baselen > TEMP_BASE_MAX)
        baselen = TEMP_BASE_MAX;
    str_clear(tmp);
    if (str_append(tmp, path, (size_t)(base - path)) < 0 || str_appendc(tmp, '.') < 0 ||
        str_append(tmp, base, baselen) < 0 ||
        str_appendf(tmp, ".tmp.%ld.%016llx", (long)getpid(),
                    (unsigned long long)temp_nonce()) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

struct atomic_file *
atomic_file_open(const char *path, mode_t mode)
{
    struct str tmp;
    str_init(&tmp, PATH_MAX - 1);
    int fd = -1;
    for (int i = 0; i < TEMP_TRIES && fd < 0; i++) {
        if (temp_name(path, &tmp) < 0)
            break;
        fd = open(str_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
                  mode & 07777);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd >= 0 && fchmod(fd, mode & 07777) < 0) {
        int saved = errno;
        close(fd);
        unlink(str_cstr(&tmp));
        errno = saved;
        fd = -1;
    }
    if (fd < 0) {
        int saved = errno;
        str_deinit(&tmp);
        errno = saved;
        return NULL;
    }
    struct atomic_file *af = xcalloc(1, sizeof(*af));
    af->fd = fd;
    af->path = xstrdup(path);
    af->tmp = str_steal(&tmp, NULL);
    return af;
}

int
atomic_file_append(struct atomic_file *af, const void *data, size_t len)
{
    const char *p = data;
    if (af->err != 0) {
        errno = af->err;
        return -1;
    }
    if (fdio_write_all(af->fd, p, len) < 0) {
        af->err = errno;
        return -1;
    }
    return 0;
}

int
atomic_file_fd(const struct atomic_file *af)
{
    return af->fd;
}

static void
af_free(struct atomic_file **afp)
{
    struct atomic_file *af = *afp;
    free(af->path);
    free(af->tmp);
    free(af);
    *afp = NULL;
}

void
atomic_file_abort(struct atomic_file **afp)
{
    if (*afp == NULL)
        return;
    int saved = errno;
    if ((*afp)->fd >= 0)
        close((*afp)->fd);
    unlink((*afp)->tmp);
    af_free(afp);
    errno = saved;
}

/* fsync the folder holding path, so that a rename in it is durable. */
static int
sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xmemdup0(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* Some file systems cannot sync a folder; that is not a failure. */
    if (rc < 0 && errno == EINVAL)
        rc = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int
atomic_file_commit(struct atomic_file **afp)
{
    struct atomic_file *af = *afp;
    if (af->err != 0 || fsync(af->fd) < 0) {
        if (af->err != 0)
            errno = af->err;
        atomic_file_abort(afp);
        return -1;
    }
    int rc = close(af->fd);
    af->fd = -1;
    if (rc < 0 || rename(af->tmp, af->path) < 0) {
        atomic_file_abort(afp);
        return -1;
    }
    rc = sync_folder(af->path);
    int saved = errno;
    af_free(afp);
    errno = saved;
    return rc;
}

int
atomic_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
    struct atomic_file *af = atomic_file_open(path, mode);
    if (af == NULL)
        return -1;
    if (atomic_file_append(af, data, len) < 0) {
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af);
}
