/*
 * spool: bytes in memory up to a threshold, then in an unlinked temporary
 * file. Untrusted input: carries it (message bytes), does not interpret
 * it. Limits: mem_max bytes in memory, max bytes kept in all.
 */
#include "spool.h"

#include "fdio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

/* A memory buffer larger than this is released by spool_reset(). */
#define SPOOL_KEEP_BUFFER 65536

struct spool {
    struct str mem; /* the bytes while in memory */
    size_t mem_max;
    size_t max;  /* 0: none */
    size_t size; /* bytes kept */
    unsigned long long offered;
    int fd; /* -1 while in memory */
    bool failed;
    char *dir;
};

struct spool *
spool_new(size_t mem_max, size_t max, const char *dir)
{
    struct spool *s = xcalloc(1, sizeof(*s));
    s->mem_max = mem_max;
    s->max = max;
    s->fd = -1;
    s->dir = dir ? xstrdup(dir) : NULL;
    str_init(&s->mem, 0);
    return s;
}

void
spool_reset(struct spool *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    if (s->mem.cap > SPOOL_KEEP_BUFFER)
        str_deinit(&s->mem);
    else
        str_clear(&s->mem);
    s->size = 0;
    s->offered = 0;
    s->failed = false;
}

void
spool_free(struct spool **sp)
{
    struct spool *s = *sp;
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    str_deinit(&s->mem);
    free(s->dir);
    free(s);
    *sp = NULL;
}

/* Create the unlinked file and move the memory bytes into it. */
static int
spool_to_file(struct spool *s, struct str *err)
{
    const char *dir = s->dir;
    if (dir == NULL || *dir == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/tamis-spool-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        str_appendf(err, "spool folder name too long: %s", dir);
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        str_appendf(err, "cannot create a spool file in %s: %s", dir, strerror(errno));
        return -1;
    }
    unlink(path);
    if (fdio_write_all(fd, s->mem.buf ? s->mem.buf : "", s->mem.len) < 0) {
        str_appendf(err, "cannot write the spool file in %s: %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    s->fd = fd;
    str_deinit(&s->mem);
    return 0;
}

int
spool_append(struct spool *s, const void *p, size_t n, struct str *err)
{
    if (s->failed) {
        str_append_cstr(err, "the spool failed earlier");
        return -1;
    }
    s->offered += n;
    if (s->max && n > s->max - s->size)
        n = s->max - s->size; /* the rest is dropped */
    if (n == 0)
        return 0;
    if (s->fd < 0 && s->size + n <= s->mem_max) {
        str_append(&s->mem, p, n); /* no maximum on mem: cannot fail */
        s->size += n;
        return 0;
    }
    if (s->fd < 0 && spool_to_file(s, err) < 0) {
        s->failed = true;
        return -1;
    }
    if (fdio_write_all(s->fd, p, n) < 0) {
        str_appendf(err, "cannot write the spool file: %s", strerror(errno));
        s->failed = true;
        return -1;
    }
    s->size += n;
    return 0;
}

size_t
spool_size(const struct spool *s)
{
    return s->size;
}

unsigned long long
spool_offered(const struct spool *s)
{
    return s->offered;
}

const char *
spool_data(const struct spool *s)
{
    if (s->fd >= 0)
        return NULL;
    return s->mem.buf ? s->mem.buf : "";
}

int
spool_fd(const struct spool *s)
{
    return s->fd;
}
