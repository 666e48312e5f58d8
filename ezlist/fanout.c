/*
 * fanout: batches of subscribers to the sendmail-compatible command (see
 * fanout.h).
 *
 * Untrusted input: none parsed here (the post was checked before; the
 * progress file is ours). Limits: l->batch recipients per injection.
 * With verp "mta" one command gets a batch, with Postfix's -XV-= so the
 * MTA makes each recipient's return path LIST-return-BOX=DOM@DOMAIN; with
 * "each" one command per subscriber with that return path set by us.
 */
#include "ezlist/fanout.h"

#include "ezlist/inject.h"
#include "ezlist/route.h"
#include "ezlist/smtp.h"
#include "ezlist/subdb.h"
#include "lib/atomic_file.h"
#include "lib/fdio.h"
#include "lib/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fan {
    const struct list *l;
    struct slice msg;
    struct str path;   /* the progress file */
    char **rcpt;       /* the batch being filled */
    unsigned *bucket;  /* the bucket of each */
    size_t n;
    bool *done;        /* which of the batch were handed over */
    struct str pos;    /* the progress file's first line: "BUCKET ADDR" or "-" */
    char **skip;       /* handed over beyond pos by an earlier run (sorted) */
    size_t nskip;
    struct smtp_conn *conn; /* inject "smtp": the open connection */
    struct str data;   /* inject "smtp": the post as SMTP DATA */
    size_t sent;
    struct str *err;
};

static void
fan_clear(struct fan *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->rcpt[i]);
    f->n = 0;
}

static int
progress_write(struct fan *f, const char *text)
{
    if (atomic_file_write(str_cstr(&f->path), text, strlen(text), 0640) < 0) {
        str_appendf(f->err, "write %s: %s", str_cstr(&f->path), strerror(errno));
        return -1;
    }
    return 0;
}

/* LIST-return-BOX=DOM@DOMAIN for subscriber rcpt, into from (cleared). */
static void
verp_sender(const struct list *l, const char *rcpt, struct str *from)
{
    str_clear(from);
    str_appendf(from, "%s-return-", l->local);
    route_verp_encode(rcpt, from);
    str_appendf(from, "@%s", l->domain);
}

/* The length of the prefix of done[0..n) that is all true. */
static size_t
prefix_done(const bool *done, size_t n)
{
    size_t i = 0;
    while (i < n && done[i])
        i++;
    return i;
}

/* One SMTP transaction for the batch's recipients not yet done (with
 * XVERP), or for recipient only (its own VERP sender). Marks accepted and
 * permanently refused ones done; returns how many it marked, or -1. */
static long
smtp_round(struct fan *f, bool xverp, long only, bool *done, int *status, char **pending,
           size_t *idx)
{
    const struct list *l = f->l;
    struct str from;
    str_init(&from, 0);
    size_t m = 0;
    for (size_t i = 0; i < f->n; i++)
        if (!done[i] && (only < 0 || (size_t)only == i)) {
            idx[m] = i;
            pending[m++] = f->rcpt[i];
        }
    if (xverp)
        str_appendf(&from, "%s-return@%s", l->local, l->domain);
    else
        verp_sender(l, f->rcpt[only], &from);
    int rc = smtp_transaction(f->conn, str_cstr(&from), xverp ? "XVERP=-=" : NULL, pending, m,
                              str_slice(&f->data), status, f->err);
    str_deinit(&from);
    if (rc < 0)
        return -1;
    long marked = 0;
    for (size_t j = 0; j < m; j++) {
        if (status[j] == 5)
            list_log(l, "SMTP relay refused %s permanently", pending[j]);
        if (status[j] == 2 || status[j] == 5) {
            done[idx[j]] = true;
            marked++;
        }
    }
    return marked;
}

/* Hand the batch to the SMTP relay. Recipients refused with 4xx (e.g. 452
 * too many recipients) go again in a new transaction while transactions
 * make progress; f->done says who was handed over. */
static int
fan_smtp_batch(struct fan *f)
{
    const struct list *l = f->l;
    if (f->conn == NULL) {
        f->conn = smtp_open(l->smtp_host, l->smtp_port, l->domain,
                            strcmp(l->inject, "lmtp") == 0, f->err);
        if (f->conn == NULL)
            return -1;
        smtp_encode_data(f->msg, &f->data);
    }
    bool xverp = strcmp(l->smtp_xverp, "yes") == 0 ||
                 (strcmp(l->smtp_xverp, "auto") == 0 && smtp_has_xverp(f->conn));
    bool *done = f->done;
    int *status = xcalloc(f->n, sizeof *status);
    char **pending = xreallocarray(NULL, f->n, sizeof *pending);
    size_t *idx = xreallocarray(NULL, f->n, sizeof *idx);
    int rc = 0;
    for (size_t i = 0; rc == 0 && prefix_done(done, f->n) < f->n; i++) {
        long only = xverp ? -1 : (long)prefix_done(done, f->n);
        long marked = smtp_round(f, xverp, only, done, status, pending, idx);
        if (marked <= 0) {
            if (marked == 0)
                str_appendf(f->err, "SMTP relay accepted none of the recipients");
            rc = -1;
        }
    }
    if (rc < 0)
        smtp_close(&f->conn);
    free(status);
    free(pending);
    free(idx);
    return rc;
}

/* Hand the batch to the sendmail command; f->done says who was handed
 * over. */
static int
sendmail_batch(struct fan *f)
{
    const struct list *l = f->l;
    struct str from;
    str_init(&from, 0);
    int rc = 0;
    if (strcmp(l->verp, "mta") == 0) {
        str_appendf(&from, "%s-return@%s", l->local, l->domain);
        char **args = xreallocarray(NULL, f->n + 7, sizeof *args);
        char *head[] = {"-oi", "-f", (char *)str_cstr(&from), "-XV-=", "--"};
        memcpy(args, head, sizeof head);
        memcpy(args + 5, f->rcpt, f->n * sizeof *args);
        args[f->n + 5] = NULL;
        rc = inject_run(l->sendmail, args, f->msg.ptr, f->msg.len, f->err);
        free(args);
        memset(f->done, rc == 0, f->n * sizeof *f->done);
    } else {
        for (size_t i = 0; rc == 0 && i < f->n; i++) {
            verp_sender(l, f->rcpt[i], &from);
            char *args[] = {"-oi", "-f", (char *)str_cstr(&from), "--", f->rcpt[i], NULL};
            rc = inject_run(l->sendmail, args, f->msg.ptr, f->msg.len, f->err);
            f->done[i] = rc == 0;
        }
    }
    str_deinit(&from);
    return rc;
}

/* Write the progress: the last subscriber of the handed-over prefix (or
 * the old position), then "+ADDR" for each handed over beyond it, now or
 * by an earlier run. */
static int
progress_update(struct fan *f, size_t prefix)
{
    if (prefix > 0) {
        str_clear(&f->pos);
        str_appendf(&f->pos, "%u %s", f->bucket[prefix - 1], f->rcpt[prefix - 1]);
    }
    struct str p;
    str_init(&p, 0);
    str_appendf(&p, "%s\n", f->pos.len ? str_cstr(&f->pos) : "-");
    for (size_t i = prefix; i < f->n; i++)
        if (f->done[i])
            str_appendf(&p, "+%s\n", f->rcpt[i]);
    for (size_t i = 0; i < f->nskip; i++)
        str_appendf(&p, "+%s\n", f->skip[i]);
    int rc = progress_write(f, str_cstr(&p));
    str_deinit(&p);
    return rc;
}

static int
fan_flush(struct fan *f)
{
    if (f->n == 0)
        return 0;
    memset(f->done, 0, f->n * sizeof *f->done);
    int rc;
    if (strcmp(f->l->inject, "smtp") == 0 || strcmp(f->l->inject, "lmtp") == 0) {
        rc = fan_smtp_batch(f);
    } else if (strcmp(f->l->inject, "qmail-queue") == 0) {
        struct str from;
        str_init(&from, 0);
        str_appendf(&from, "%s-return-@%s-@[]", f->l->local, f->l->domain);
        rc = inject_qmail_queue(f->l->qmail_queue, str_cstr(&from), f->rcpt, f->n, f->msg.ptr,
                                f->msg.len, f->err);
        memset(f->done, rc == 0, f->n * sizeof *f->done);
        str_deinit(&from);
    } else {
        rc = sendmail_batch(f);
    }
    size_t prefix = prefix_done(f->done, f->n), any = 0;
    for (size_t i = 0; i < f->n; i++)
        any += f->done[i];
    if (any > 0 && progress_update(f, prefix) < 0)
        rc = -1;
    f->sent += any;
    fan_clear(f);
    return rc;
}

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
fan_one(void *ctx, unsigned bucket, const char *canon)
{
    struct fan *f = ctx;
    if (f->nskip && bsearch(&canon, f->skip, f->nskip, sizeof *f->skip, cmp_cstr) != NULL)
        return 0; /* handed over by an earlier run */
    f->bucket[f->n] = bucket;
    f->rcpt[f->n++] = xstrdup(canon);
    return f->n == f->l->batch ? fan_flush(f) : 0;
}

/* Read the progress: 1 done, 0 go on from *bucket/after (after NULL:
 * from the start) skipping f->skip, -1 error. */
static int
progress_read(struct fan *f, unsigned *bucket, char **after)
{
    struct str v;
    str_init(&v, (size_t)64 << 20);
    *after = NULL;
    int fd = open(str_cstr(&f->path), O_RDONLY | O_CLOEXEC), rc = 0;
    if (fd < 0 && errno != ENOENT) {
        str_appendf(f->err, "open %s: %s", str_cstr(&f->path), strerror(errno));
        rc = -1;
    } else if (fd >= 0) {
        if (fdio_read_to_str(fd, &v) < 0)
            rc = -1;
        close(fd);
    }
    char *s = v.buf ? v.buf : "";
    if (strcmp(s, "done\n") == 0)
        rc = 1;
    for (char *line = s, *nl; rc == 0 && (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        char *sp = strchr(line, ' ');
        if (line == s && sp != NULL) {
            *bucket = (unsigned)strtoul(line, NULL, 10);
            *after = xstrdup(sp + 1);
            str_append_cstr(&f->pos, line);
        } else if (line[0] == '+') {
            f->skip = xreallocarray(f->skip, f->nskip + 1, sizeof *f->skip);
            f->skip[f->nskip++] = xstrdup(line + 1);
        }
    }
    if (f->nskip)
        qsort(f->skip, f->nskip, sizeof *f->skip, cmp_cstr);
    str_deinit(&v);
    return rc;
}

int
fanout_send(const struct list *l, struct slice msg, const char *progress_id, size_t *sent_r,
            struct str *err)
{
    struct fan f = {.l = l, .msg = msg, .err = err};
    str_init(&f.path, 0);
    str_appendf(&f.path, "%s/progress/%s", l->dir, progress_id);
    f.rcpt = xreallocarray(NULL, l->batch, sizeof *f.rcpt);
    f.bucket = xreallocarray(NULL, l->batch, sizeof *f.bucket);
    f.done = xcalloc(l->batch, sizeof *f.done);
    str_init(&f.pos, 0);
    str_init(&f.data, 0);
    unsigned bucket = 0;
    char *after = NULL;
    int rc = progress_read(&f, &bucket, &after);
    if (rc == 0)
        rc = subdb_each(l->dir, bucket, after, fan_one, &f, err);
    if (rc == 0)
        rc = fan_flush(&f);
    if (rc == 0)
        rc = progress_write(&f, "done\n");
    else if (rc == 1)
        rc = 0; /* handed over by an earlier run */
    fan_clear(&f);
    smtp_close(&f.conn);
    str_deinit(&f.data);
    free(f.bucket);
    free(f.done);
    for (size_t i = 0; i < f.nskip; i++)
        free(f.skip[i]);
    free(f.skip);
    str_deinit(&f.pos);
    free(f.rcpt);
    free(after);
    str_deinit(&f.path);
    *sent_r = f.sent;
    return rc < 0 ? -1 : 0;
}

void
fanout_clean(const struct list *l, long max_age)
{
    struct str p;
    str_init(&p, 0);
    str_appendf(&p, "%s/progress", l->dir);
    DIR *d = opendir(str_cstr(&p));
    struct dirent *e;
    time_t now = time(NULL);
    while (d != NULL && (e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && now - st.st_mtime > max_age)
            (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d != NULL)
        closedir(d);
    str_deinit(&p);
}
