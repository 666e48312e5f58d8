/*
 * fdio: complete reads and writes. Untrusted input: carries it, bounded by
 * the caller's sizes and struct str maximum.
 */
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int
fdio_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int
fdio_read_full(int fd, void *buf, size_t n, size_t *got_r)
{
    char *c = buf;
    *got_r = 0;
    while (*got_r < n) {
        ssize_t r = read(fd, c + *got_r, n - *got_r);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got_r += (size_t)r;
    }
    return 0;
}

int
fdio_read_to_str(int fd, struct str *out)
{
    char chunk[8192];
    for (;;) {
        size_t got;
        if (fdio_read_full(fd, chunk, sizeof(chunk), &got) < 0)
            return -1;
        if (got && str_append(out, chunk, got) < 0) {
            errno = EFBIG;
            return -1;
        }
        if (got < sizeof(chunk))
            return 0;
    }
}

int
fdio_read_file(const char *path, struct str *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    else if (fdio_read_to_str(fd, out) < 0)
        e = errno ? errno : EFBIG;
    close(fd);
    errno = e;
    return e ? -1 : 0;
}
