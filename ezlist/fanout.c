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
    size_t n;
    unsigned last_bucket;
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

/* Inject one batch (or, with verp "each", one command per recipient). */
static int
inject_batch(struct fan *f)
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
    } else {
        for (size_t i = 0; rc == 0 && i < f->n; i++) {
            str_clear(&from);
            str_appendf(&from, "%s-return-", l->local);
            route_verp_encode(f->rcpt[i], &from);
            str_appendf(&from, "@%s", l->domain);
            char *args[] = {"-oi", "-f", (char *)str_cstr(&from), "--", f->rcpt[i], NULL};
            rc = inject_run(l->sendmail, args, f->msg.ptr, f->msg.len, f->err);
        }
    }
    str_deinit(&from);
    return rc;
}

static int
fan_flush(struct fan *f)
{
    if (f->n == 0)
        return 0;
    if (inject_batch(f) < 0)
        return -1;
    struct str p;
    str_init(&p, 0);
    str_appendf(&p, "%u %s\n", f->last_bucket, f->rcpt[f->n - 1]);
    int rc = progress_write(f, str_cstr(&p));
    str_deinit(&p);
    f->sent += f->n;
    fan_clear(f);
    return rc;
}

static int
fan_one(void *ctx, unsigned bucket, const char *canon)
{
    struct fan *f = ctx;
    f->rcpt[f->n++] = xstrdup(canon);
    f->last_bucket = bucket;
    return f->n == f->l->batch ? fan_flush(f) : 0;
}

/* Read the progress: 1 done, 0 go on from *bucket/after (after may be
 * NULL: from the start), -1 error. */
static int
progress_read(struct fan *f, unsigned *bucket, char **after)
{
    struct str v;
    str_init(&v, 4096);
    *after = NULL;
    int fd = open(str_cstr(&f->path), O_RDONLY | O_CLOEXEC), rc = 0;
    if (fd < 0 && errno != ENOENT) {
        str_appendf(f->err, "open %s: %s", str_cstr(&f->path), strerror(errno));
        rc = -1;
    } else if (fd >= 0) {
        if (fdio_read_to_str(fd, &v) < 0)
            rc = -1;
        close(fd);
        const char *s = str_cstr(&v);
        char *sp = strchr(s, ' '), *nl = strchr(s, '\n');
        if (strcmp(s, "done\n") == 0)
            rc = 1;
        else if (rc == 0 && sp != NULL && nl != NULL && nl > sp) {
            *bucket = (unsigned)strtoul(s, NULL, 10);
            *after = xmemdup0(sp + 1, (size_t)(nl - sp - 1));
        }
    }
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
