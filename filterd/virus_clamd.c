/*
 * virus_clamd: a client of clamd's INSTREAM command over a unix socket.
 *
 * Untrusted input: the message (sent as it is, in chunks of at most
 * CLAMD_CHUNK bytes, each behind its length as 4 bytes in network order,
 * then a zero length) and clamd's answer, read up to CLAMD_REPLY_MAX bytes
 * and parsed by virus_clamd_parse (pure, fuzzed by
 * tests/fuzz/fuzz_clamd_reply.c). Each read and write waits at most the
 * caller's time-out (SO_RCVTIMEO, SO_SNDTIMEO); one connection a message.
 */
#include "virus_clamd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdio.h"

#define CLAMD_CHUNK (64 * 1024)
#define CLAMD_REPLY_MAX 1024

/* Copy s[0..n) to out as printable ASCII, cut to out_n - 1 bytes. */
static void
copy_text(const char *s, size_t n, char *out, size_t out_n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < out_n; i++)
        out[o++] = (unsigned char)s[i] >= ' ' && (unsigned char)s[i] < 127 ? s[i] : '?';
    out[o] = '\0';
}

static bool
ends_with(const char *s, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

enum clamd_result
virus_clamd_parse(const char *reply, size_t n, char *name, size_t name_n)
{
    const char *nul = memchr(reply, '\0', n);
    if (nul)
        n = (size_t)(nul - reply);
    while (n && (reply[n - 1] == '\n' || reply[n - 1] == ' '))
        n--;
    static const char prefix[] = "stream: ";
    size_t plen = sizeof(prefix) - 1;
    bool stream = n >= plen && memcmp(reply, prefix, plen) == 0;
    if (stream && n == plen + 2 && memcmp(reply + plen, "OK", 2) == 0) {
        name[0] = '\0';
        return CLAMD_CLEAN;
    }
    if (stream && n > plen + 6 && ends_with(reply, n, " FOUND")) {
        copy_text(reply + plen, n - plen - 6, name, name_n);
        return CLAMD_FOUND;
    }
    copy_text(reply, n, name, name_n);
    if (n == 0)
        copy_text("no answer from clamd", 20, name, name_n);
    return strstr(name, "size limit exceeded") ? CLAMD_LIMIT : CLAMD_ERROR;
}

/* A connected socket to path, or -1 with the reason in name. */
static int
connect_to(const char *path, unsigned timeout_s, char *name, size_t name_n)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = -1;
    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(name, name_n, "clamd socket path too long: %s", path);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    struct timeval tv = {.tv_sec = timeout_s ? timeout_s : 1};
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        snprintf(name, name_n, "cannot reach clamd at %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Send all n bytes; MSG_NOSIGNAL: clamd closing early (a limit) must be
 * an error here, not a SIGPIPE that kills the process. 0 or -1. */
static int
send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* blob_foreach's callback: one INSTREAM chunk per piece. */
static int
send_chunk(void *ctx, const char *p, size_t n)
{
    int fd = *(int *)ctx;
    while (n) {
        size_t k = n < CLAMD_CHUNK ? n : CLAMD_CHUNK;
        uint32_t len = htonl((uint32_t)k);
        if (send_all(fd, &len, 4) < 0 || send_all(fd, p, k) < 0)
            return -1;
        p += k;
        n -= k;
    }
    return 0;
}

enum clamd_result
virus_clamd_scan(const char *path, const struct blob *b, unsigned timeout_s, char *name,
                 size_t name_n)
{
    int fd = connect_to(path, timeout_s, name, name_n);
    if (fd < 0)
        return CLAMD_ERROR;
    static const char cmd[] = "zINSTREAM";
    uint32_t end = 0;
    int sent = send_all(fd, cmd, sizeof(cmd)); /* with its NUL */
    if (sent == 0)
        sent = blob_foreach(b, 0, blob_size(b), send_chunk, &fd);
    /* clamd may answer early (a size limit) and close: read in any case. */
    if (sent == 0)
        (void)send_all(fd, &end, 4);
    int send_errno = errno;
    char reply[CLAMD_REPLY_MAX];
    size_t got = 0;
    int r = fdio_read_full(fd, reply, sizeof(reply), &got);
    close(fd);
    if (got == 0 && (r < 0 || sent != 0)) {
        snprintf(name, name_n, "clamd at %s: %s", path,
                 strerror(r < 0 ? errno : send_errno));
        return CLAMD_ERROR;
    }
    return virus_clamd_parse(reply, got, name, name_n);
}
