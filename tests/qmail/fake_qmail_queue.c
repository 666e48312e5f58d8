/*
 * fake_qmail_queue: a recording stand-in for the real qmail-queue, for the
 * tests of the qmail front ends (qmail is not packaged in Debian).
 *
 * It reads the way qmail-queue(8) does: the whole message on fd 0 first,
 * then the envelope on fd 1, byte by byte, up to its final NUL: "F" and
 * the sender, "T" and a recipient for each, each address ended by a NUL
 * and at most 1003 bytes long. End of file before the final NUL exits 54;
 * a record that does not start with "F" (first) or "T" exits 91; a longer
 * address exits 11. Then it records into $FAKE_QQ_DIR:
 *   ran       created when it starts (absent: it never ran)
 *   message   the bytes read on fd 0
 *   envelope  the bytes read on fd 1, final NUL included
 *   fds       the descriptors from 3 up that were open, one a line
 * and ends as the test asks: $FAKE_QQ_SIGNAL (a number) kills it with that
 * signal; $FAKE_QQ_EARLY set: it exits at once, reading nothing;
 * $FAKE_QQ_ERRTEXT is written on fd 6; the exit status is $FAKE_QQ_EXIT
 * (default 0). Untrusted input: test data only. Limits: 1003-byte
 * addresses, as qmail-queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ADDR_MAX 1003

static const char *dir;

/* The qmail-queue protocol as the real one checks it: a breach ends the
 * stand-in with the status qmail-queue gives for it. */
#define PROTOCOL_CHECK(cond, status)                                                    \
    do {                                                                                \
        if (!(cond))                                                                    \
            _exit(status);                                                              \
    } while (0)

/* Write n bytes to DIR/name. */
static void
record(const char *name, const char *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        _exit(53);
    }
}

/* Append to a malloc'd buffer. */
static void
grow(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *buf = realloc(*buf, *cap);
        if (*buf == NULL)
            _exit(51);
    }
    memcpy(*buf + *len, p, n);
    *len += n;
}

static void
read_message(void)
{
    char *buf = NULL, chunk[65536];
    size_t len = 0, cap = 0;
    for (;;) {
        ssize_t r = read(0, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            _exit(54);
        if (r == 0)
            break;
        grow(&buf, &len, &cap, chunk, (size_t)r);
    }
    record("message", buf ? buf : "", len);
    free(buf);
}

/* One byte of the envelope; end of file is qmail-queue's 54. */
static char
env_byte(char **buf, size_t *len, size_t *cap)
{
    char c;
    ssize_t r;
    while ((r = read(1, &c, 1)) < 0 && errno == EINTR)
        ;
    if (r != 1) {
        record("envelope", *buf ? *buf : "", *len);
        _exit(54);
    }
    grow(buf, len, cap, &c, 1);
    return c;
}

static void
read_envelope(void)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char want = 'F';
    for (;;) {
        char c = env_byte(&buf, &len, &cap);
        if (want == 'T' && c == '\0')
            break;
        PROTOCOL_CHECK(c == want, 91);
        size_t n = 0;
        while (env_byte(&buf, &len, &cap) != '\0')
            PROTOCOL_CHECK(++n <= ADDR_MAX, 11);
        want = 'T';
    }
    record("envelope", buf, len);
    free(buf);
}

static void
record_fds(void)
{
    char list[8192];
    size_t n = 0;
    for (int fd = 3; fd < 1024 && n < sizeof(list) - 16; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%d\n", fd);
    record("fds", list, n);
}

int
main(void)
{
    dir = getenv("FAKE_QQ_DIR");
    if (dir == NULL)
        return 81;
    record_fds();
    record("ran", "", 0);
    if (getenv("FAKE_QQ_EARLY"))
        return atoi(getenv("FAKE_QQ_EXIT") ? getenv("FAKE_QQ_EXIT") : "0");
    read_message();
    read_envelope();
    const char *sig = getenv("FAKE_QQ_SIGNAL");
    if (sig) {
        signal(atoi(sig), SIG_DFL);
        raise(atoi(sig));
    }
    const char *text = getenv("FAKE_QQ_ERRTEXT");
    if (text && write(6, text, strlen(text)) < 0)
        perror("fd 6");
    const char *code = getenv("FAKE_QQ_EXIT");
    return code ? atoi(code) : 0;
}
