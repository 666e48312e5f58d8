/*
 * maildir: writes a message into a Maildir folder (maildir.h).
 *
 * Untrusted input: none; the message bytes come from the caller's writer
 * and are not read here. Limits: a file name is at most MAILDIR_NAME_MAX
 * bytes (a long host name is cut); paths at most PATH_MAX.
 */
#include "filterd/maildir.h"

#include "lib/fdio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static atomic_ulong maildir_counter;

/* The host name as a name part: '/' and ':' escaped, at most 64 bytes. */
static void
host_part(char *out, size_t n)
{
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "localhost");
    size_t k = 0;
    for (const char *p = host; *p && k + 5 < n && k < 64; p++) {
        if (*p == '/' || *p == ':')
            k += (size_t)snprintf(out + k, n - k, "\\%03o", (unsigned char)*p);
        else
            out[k++] = *p;
    }
    out[k] = '\0';
}

void
maildir_unique_name(char *buf, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char host[80];
    host_part(host, sizeof(host));
    unsigned long q = atomic_fetch_add(&maildir_counter, 1) + 1;
    snprintf(buf, n, "%lld.M%06ldP%ldQ%lu.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
             (long)getpid(), q, host);
}

/* mkdir path (0700) unless it is a folder already. */
static int
make_dir(const char *path, struct str *err)
{
    struct stat st;
    if (mkdir(path, 0700) == 0 ||
        (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    str_appendf(err, "%s: %s", path, errno == EEXIST ? "not a folder" : strerror(errno));
    return -1;
}

int
maildir_make(const char *dir, struct str *err)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    if (make_dir(dir, err) < 0)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, subs[i]) >= sizeof(path)) {
            str_appendf(err, "%s: path too long", dir);
            return -1;
        }
        if (make_dir(path, err) < 0)
            return -1;
    }
    return 0;
}

/* fsync the folder path. */
static int
sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* Create tmp, fill it and make it durable. Returns 0, or -1 with errno
 * (the file may exist). */
static int
write_tmp(const char *tmp, maildir_writer writer, void *arg)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    int r = writer(fd, arg);
    if (r == 0)
        r = fsync(fd);
    int e = errno;
    if (close(fd) < 0 && r == 0) {
        r = -1;
        e = errno;
    }
    errno = e;
    return r;
}

int
maildir_deliver(const char *dir, maildir_writer writer, void *arg, struct str *path,
                struct str *err)
{
    char name[MAILDIR_NAME_MAX + 1], tmp[PATH_MAX], new[PATH_MAX], newdir[PATH_MAX];
    maildir_unique_name(name, sizeof(name));
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name) >= sizeof(tmp) ||
        (size_t)snprintf(new, sizeof(new), "%s/new/%s", dir, name) >= sizeof(new) ||
        (size_t)snprintf(newdir, sizeof(newdir), "%s/new", dir) >= sizeof(newdir)) {
        str_appendf(err, "%s: path too long", dir);
        return -1;
    }
    if (write_tmp(tmp, writer, arg) < 0) {
        int e = errno;
        unlink(tmp);
        str_appendf(err, "%s: %s", tmp, strerror(e));
        return -1;
    }
    if (rename(tmp, new) < 0) {
        int e = errno;
        unlink(tmp);
        str_appendf(err, "%s: %s", new, strerror(e));
        return -1;
    }
    if (sync_dir(newdir) < 0) {
        /* The rename is done but may not survive a crash: the MTA must
         * keep its copy. */
        int e = errno;
        unlink(new);
        str_appendf(err, "%s: fsync: %s", newdir, strerror(e));
        return -1;
    }
    if (path)
        str_append_cstr(path, new);
    return 0;
}

struct quarantine_arg {
    const struct action_plan *plan;
    const struct message *m;
    const char *dir;
};

/* Copy from (read from its start) to to, with CRLF line ends made LF. */
static int
copy_lf(int from, int to)
{
    char in[16384], out[sizeof(in) + 1];
    bool cr = false; /* a CR ended the previous chunk */
    for (;;) {
        ssize_t n = read(from, in, sizeof(in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 && cr)
                return fdio_write_all(to, "\r", 1);
            return n == 0 ? 0 : -1;
        }
        size_t k = 0;
        for (ssize_t i = 0; i < n; i++) {
            if (cr && in[i] != '\n')
                out[k++] = '\r';
            cr = in[i] == '\r';
            if (!cr)
                out[k++] = in[i];
        }
        if (fdio_write_all(to, out, k) < 0)
            return -1;
    }
}

/* The message with the plan's edits, with LF line ends (as every Maildir
 * writer stores them; the milter's copy has CRLF): written to an
 * unlinked file in tmp/ first, then copied. */
static int
write_quarantined(int fd, void *arg)
{
    const struct quarantine_arg *q = arg;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/tmp/.filterd.XXXXXX", q->dir) >=
        sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int t = mkstemp(path);
    if (t < 0)
        return -1;
    unlink(path);
    int r = actions_write_message(q->plan, q->m, t);
    if (r == 0 && lseek(t, 0, SEEK_SET) < 0)
        r = -1;
    if (r == 0)
        r = copy_lf(t, fd);
    int e = errno;
    close(t);
    errno = e;
    return r;
}

int
maildir_quarantine(const struct action_plan *plan, const struct message *m,
                   const char *id, struct str *err)
{
    const char *dir = plan->quarantine_maildir;
    if (dir == NULL || dir[0] == '\0') {
        str_append_cstr(err, "no quarantine_maildir");
        return -1;
    }
    if (maildir_make(dir, err) < 0)
        return -1;
    struct quarantine_arg q = {plan, m, dir};
    struct str path;
    str_init(&path, 0);
    int r = maildir_deliver(dir, write_quarantined, &q, &path, err);
    if (r == 0)
        log_info(id, "quarantined to %s (%s)", str_cstr(&path),
                 plan->quarantine_reason ? plan->quarantine_reason : "");
    str_deinit(&path);
    return r;
}
