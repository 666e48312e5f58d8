/*
 * blob: message bytes from memory, a file, or a spooled stream.
 * Untrusted input: carries it, does not interpret it. Limits: mem_max
 * bytes in memory; the rest is read BLOB_CHUNK bytes at a time.
 */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "mem.h"

struct blob {
    const char *data; /* in memory (owned when own != NULL) */
    char *own;
    size_t len;
    int fd;           /* file mode when data == NULL */
};

static struct blob *
blob_alloc(void)
{
    struct blob *b = xcalloc(1, sizeof(*b));
    b->fd = -1;
    return b;
}

struct blob *
blob_from_memory(const char *data, size_t len)
{
    struct blob *b = blob_alloc();
    b->data = data ? data : "";
    b->len = len;
    return b;
}

void
blob_free(struct blob **bp)
{
    struct blob *b = *bp;
    if (b == NULL)
        return;
    free(b->own);
    if (b->fd >= 0)
        close(b->fd);
    free(b);
    *bp = NULL;
}

int
blob_open_file(struct blob **bp, const char *path, size_t mem_max, struct str *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        str_appendf(err, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        /* A pipe or device: read it as a stream. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            str_appendf(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        int r = blob_read_fd(bp, fd, mem_max, err);
        close(fd);
        return r;
    }
    struct blob *b = blob_alloc();
    b->len = (size_t)st.st_size;
    if (b->len <= mem_max) {
        size_t got;
        b->own = xmalloc(b->len + 1);
        if (fdio_read_full(fd, b->own, b->len, &got) < 0) {
            str_appendf(err, "%s: %s", path, strerror(errno));
            close(fd);
            blob_free(&b);
            return -1;
        }
        close(fd);
        b->len = got;
        b->own[got] = '\0';
        b->data = b->own;
    } else {
        b->fd = fd;
    }
    *bp = b;
    return 0;
}

static int
spool_open(struct str *err)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    size_t n = (size_t)snprintf(path, sizeof(path), "%s/tamis-spool-XXXXXX",
                                dir && *dir ? dir : "/tmp");
    if (n >= sizeof(path)) {
        str_append_cstr(err, "TMPDIR is too long");
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        str_appendf(err, "cannot create a spool file in %s: %s", dir && *dir ? dir : "/tmp",
                    strerror(errno));
        return -1;
    }
    unlink(path);
    return fd;
}

int
blob_read_fd(struct blob **bp, int fd, size_t mem_max, struct str *err)
{
    struct str buf;
    char chunk[BLOB_CHUNK];
    int spool = -1;
    size_t total = 0, got;
    str_init(&buf, mem_max);
    for (;;) {
        if (fdio_read_full(fd, chunk, sizeof(chunk), &got) < 0) {
            str_appendf(err, "read error: %s", strerror(errno));
            goto fail;
        }
        if (got == 0)
            break;
        total += got;
        if (spool < 0 && str_append(&buf, chunk, got) == 0)
            continue;
        if (spool < 0) {
            if ((spool = spool_open(err)) < 0)
                goto fail;
            if (fdio_write_all(spool, buf.buf ? buf.buf : "", buf.len) < 0)
                goto write_fail;
            str_deinit(&buf);
        }
        if (fdio_write_all(spool, chunk, got) < 0)
            goto write_fail;
    }
    struct blob *b = blob_alloc();
    b->len = total;
    if (spool >= 0) {
        b->fd = spool;
    } else {
        b->own = str_steal(&buf, NULL);
        b->data = b->own;
    }
    *bp = b;
    return 0;
write_fail:
    str_appendf(err, "cannot write the spool file: %s", strerror(errno));
fail:
    if (spool >= 0)
        close(spool);
    str_deinit(&buf);
    return -1;
}

size_t
blob_size(const struct blob *b)
{
    return b->len;
}

const char *
blob_data(const struct blob *b)
{
    return b->data;
}

int
blob_foreach(const struct blob *b, size_t start, size_t end,
             int (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
    if (end > b->len)
        end = b->len;
    if (start >= end)
        return 0;
    if (b->data)
        return fn(ctx, b->data + start, end - start);
    char *buf = xmalloc(BLOB_CHUNK);
    int r = 0;
    while (start < end && r == 0) {
        size_t want = end - start < BLOB_CHUNK ? end - start : BLOB_CHUNK;
        ssize_t got = pread(b->fd, buf, want, (off_t)start);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            r = -1;
            break;
        }
        r = fn(ctx, buf, (size_t)got);
        start += (size_t)got;
    }
    free(buf);
    return r;
}
