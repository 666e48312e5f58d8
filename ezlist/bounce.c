/*
 * bounce: counting bounces per subscriber (see bounce.h).
 *
 * Untrusted input: the bounce message (parsed by mail/dsn) and the address
 * from the VERP recipient (already canonical). The record of a subscriber
 * is DIR/bounce/SHA256HEX-OF-ADDRESS: the address on the first line, then
 * "TIME STATUS" per hard bounce and "TIME probe" per probe sent. Records
 * are appended with O_APPEND; a whole record is at most 64 KiB read.
 */
#include "ezlist/bounce.h"

#include "ezlist/reply.h"
#include "ezlist/route.h"
#include "ezlist/subdb.h"
#include "lib/fdio.h"
#include "mail/dsn.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
record_path(const struct list *l, const char *addr, struct str *out)
{
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)addr, strlen(addr), d);
    str_appendf(out, "%s/bounce/", l->dir);
    for (size_t i = 0; i < sizeof d; i++)
        str_appendf(out, "%02x", d[i]);
}

/* What the bounce says about addr: its class, and in status the code
 * ("5.1.1"), "no report" or "none". A message that is no bounce report
 * counts as hard: the VERP address says who bounced. */
static enum dsn_class
bounce_class(struct arena *a, struct slice msg, const char *addr, struct str *status)
{
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = dsn_limits_default();
    struct dsn_report r;
    if (dsn_parse(a, &ml, &dl, msg.ptr, msg.len, &r) < 0) {
        str_append_cstr(status, "no report");
        return DSN_CLASS_HARD;
    }
    const struct dsn_recipient *rc = dsn_report_recipient(&r, slice_from_cstr(addr));
    if (rc != NULL)
        dsn_status_text(&rc->status, status);
    if (status->len == 0)
        str_append_cstr(status, "none");
    return dsn_report_class(&r, slice_from_cstr(addr));
}

/* The status written in the record: a code, or "unknown". */
static const char *
rc_status(const char *shown)
{
    return shown[0] >= '2' && shown[0] <= '5' ? shown : "unknown";
}

static int
append_line(const char *path, const char *addr, const char *line, struct str *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        str_appendf(err, "open %s: %s", path, strerror(errno));
        return -1;
    }
    struct str s;
    str_init(&s, 0);
    if (lseek(fd, 0, SEEK_END) == 0)
        str_appendf(&s, "%s\n", addr);
    str_append_cstr(&s, line);
    int rc = fdio_write_all(fd, s.buf, s.len);
    if (rc < 0)
        str_appendf(err, "write %s: %s", path, strerror(errno));
    close(fd);
    str_deinit(&s);
    return rc;
}

/* Hard bounces since `since`, and whether a probe or a warning was sent
 * since then. */
static void
count_record(const char *path, long long since, int *hard_r, bool *probed_r,
             bool *warned_r)
{
    struct str buf;
    str_init(&buf, (size_t)64 << 10);
    *hard_r = 0;
    *probed_r = false;
    *warned_r = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fdio_read_to_str(fd, &buf);
        close(fd);
    }
    const char *p = str_cstr(&buf);
    for (const char *nl = strchr(p, '\n'); nl != NULL; nl = strchr(nl + 1, '\n')) {
        long long t = strtoll(nl + 1, NULL, 10);
        const char *sp = strchr(nl + 1, ' ');
        if (t < since || sp == NULL)
            continue;
        if (strncmp(sp + 1, "probe", 5) == 0)
            *probed_r = true;
        else if (strncmp(sp + 1, "warn", 4) == 0)
            *warned_r = true;
        else
            (*hard_r)++;
    }
    str_deinit(&buf);
}

static int
send_probe(const struct list *l, const char *addr, const char *path, struct str *err)
{
    struct str from, line;
    str_init(&from, 0);
    str_init(&line, 0);
    str_appendf(&from, "%s-probe-", l->local);
    route_verp_encode(addr, &from);
    str_appendf(&from, "@%s", l->domain);
    int rc =
        reply_send_from(l, str_cstr(&from), "bounce-probe", addr, addr, NULL, NULL, err);
    if (rc == 0) {
        str_appendf(&line, "%lld probe\n", (long long)time(NULL));
        rc = append_line(path, addr, str_cstr(&line), err);
        list_log(l, "probe sent to %s", addr);
    }
    str_deinit(&from);
    str_deinit(&line);
    return rc;
}

/* The warning to a bouncing subscriber (text/bounce-warn), once per
 * period, from LIST-return@ (a bounce of it counts for nothing). */
static int
send_warning(const struct list *l, const char *addr, const char *path, struct str *err)
{
    int rc = reply_send(l, "bounce-warn", addr, addr, NULL, NULL, err);
    if (rc == 0) {
        struct str line;
        str_init(&line, 0);
        str_appendf(&line, "%lld warn\n", (long long)time(NULL));
        rc = append_line(path, addr, str_cstr(&line), err);
        list_log(l, "bounce warning sent to %s", addr);
        str_deinit(&line);
    }
    return rc;
}

static int
remove_bouncer(const struct list *l, const char *addr, const char *path, struct str *err)
{
    char *v[] = {(char *)addr};
    size_t changed = 0;
    if (subdb_apply(l->dir, SUBDB_REMOVE, v, 1, &changed, err) < 0)
        return -1;
    (void)unlink(path);
    list_log(l, "removed %s: the probe bounced", addr);
    for (char *const *o = l->owners; changed && *o; o++) {
        struct str e;
        str_init(&e, 0);
        if (reply_send(l, "bounce-removed", *o, addr, NULL, NULL, &e) < 0)
            list_log(l, "could not tell owner %s: %s", *o, str_cstr(&e));
        str_deinit(&e);
    }
    return 0;
}

int
bounce_handle(const struct list *l, const char *addr, struct slice msg, bool probe,
              struct str *err)
{
    struct arena *a = arena_new(0);
    struct str st;
    str_init(&st, 64);
    enum dsn_class cls = bounce_class(a, msg, addr, &st);
    const char *shown = str_cstr(&st);
    int rc = 0;
    struct str path, line;
    str_init(&path, 0);
    str_init(&line, 0);
    record_path(l, addr, &path);
    int sub = subdb_has(l->dir, addr, err);
    if (sub < 0) {
        rc = -1;
    } else if (!sub || (cls != DSN_CLASS_HARD && cls != DSN_CLASS_UNKNOWN) ||
               (!probe && cls != DSN_CLASS_HARD)) {
        list_log(l, "%s for %s (%s): not counted%s", probe ? "probe bounce" : "bounce",
                 addr, shown, sub ? "" : ", not a subscriber");
    } else if (probe) {
        rc = remove_bouncer(l, addr, str_cstr(&path), err);
    } else {
        str_appendf(&line, "%lld %s\n", (long long)time(NULL), rc_status(shown));
        rc = append_line(str_cstr(&path), addr, str_cstr(&line), err);
        int hard;
        bool probed, warned;
        count_record(str_cstr(&path), (long long)time(NULL) - l->bounce_seconds, &hard,
                     &probed, &warned);
        list_log(l, "bounce for %s (%s): %d hard in %lld days", addr, shown, hard,
                 l->bounce_seconds / 86400);
        if (rc == 0 && hard >= l->bounce_max && !probed)
            rc = send_probe(l, addr, str_cstr(&path), err);
        else if (rc == 0 && hard < l->bounce_max && !warned)
            rc = send_warning(l, addr, str_cstr(&path), err);
    }
    str_deinit(&path);
    str_deinit(&line);
    str_deinit(&st);
    arena_free(&a);
    return rc;
}
