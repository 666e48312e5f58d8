/*
 * subdb: hashed, sorted bucket files of subscribers (see subdb.h).
 *
 * Untrusted input: addresses given to subdb_canon (from mail, a command line
 * or a bulk import); the bucket files are the list's own. Limits: an
 * address is at most SUBDB_ADDRESS_MAX bytes; a bucket file at most 64 MiB.
 */
#include "ezlist/subdb.h"

#include "lib/atomic_file.h"
#include "lib/fdio.h"
#include "lib/lock.h"
#include "lib/mem.h"
#include "mail/address.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUCKET_FILE_MAX ((size_t)64 << 20)

static bool
is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c >= 0x80)
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* A dot-atom: atext runs separated by single dots. */
static bool
is_dot_atom(const char *s)
{
    bool prev_dot = true;
    for (; *s; s++) {
        if (*s == '.') {
            if (prev_dot)
                return false;
            prev_dot = true;
        } else if (is_atext((unsigned char)*s)) {
            prev_dot = false;
        } else {
            return false;
        }
    }
    return !prev_dot;
}

int
subdb_canon(struct arena *a, struct slice in, char **canon_r, const char **error_r)
{
    struct address ad;
    if (address_parse(a, in, &ad, error_r) < 0)
        return -1;
    if (!is_dot_atom(ad.local)) {
        *error_r = "local part is not a plain dot-atom (quoted local parts are refused)";
        return -1;
    }
    size_t ll = strlen(ad.local), dl = strlen(ad.domain);
    char *c = arena_alloc(a, ll + dl + 2);
    memcpy(c, ad.local, ll);
    c[ll] = '@';
    memcpy(c + ll + 1, ad.domain, dl + 1);
    *canon_r = c;
    return 0;
}

unsigned
subdb_bucket(const char *canon)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)canon; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return (unsigned)(h % SUBDB_BUCKETS);
}

static void
bucket_path(struct str *p, const char *dir, unsigned b)
{
    str_clear(p);
    str_appendf(p, "%s/subscribers/%03x", dir, b);
}

/* Read bucket b into buf (empty when missing). Returns 0 or -1 (err). */
static int
bucket_read(const char *dir, unsigned b, struct str *buf, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    bucket_path(&path, dir, b);
    str_clear(buf);
    buf->max = BUCKET_FILE_MAX;
    int rc = 0;
    int fd = open(str_cstr(&path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) {
            str_appendf(err, "open %s: %s", str_cstr(&path), strerror(errno));
            rc = -1;
        }
    } else {
        if (fdio_read_to_str(fd, buf) < 0) {
            str_appendf(err, "read %s: %s", str_cstr(&path), strerror(errno));
            rc = -1;
        }
        close(fd);
    }
    str_deinit(&path);
    return rc;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split a bucket's bytes into lines (pointers into buf, NUL-terminated). */
static char **
bucket_lines(struct str *buf, size_t *n_r, size_t extra)
{
    size_t n = 0, cap = 16 + extra;
    char **v = xreallocarray(NULL, cap, sizeof *v);
    char *p = buf->buf, *end = buf->buf ? buf->buf + buf->len : NULL;
    while (p != NULL && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end; /* a last line without LF (hand-edited) */
        *nl = '\0';
        if (nl > p) {
            if (n + extra + 1 >= cap) {
                cap *= 2;
                v = xreallocarray(v, cap, sizeof *v);
            }
            v[n++] = p;
        }
        p = nl + 1;
    }
    *n_r = n;
    qsort(v, n, sizeof *v, cmp_str); /* hand edits may break the order */
    return v;
}

/* Index where s is or would go in the sorted v; *found_r says which. */
static size_t
lines_find(char **v, size_t n, const char *s, bool *found_r)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid], s);
        if (c == 0) {
            *found_r = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found_r = false;
    return lo;
}

static int
bucket_write(const char *dir, unsigned b, char **v, size_t n, struct str *err)
{
    struct str out, path;
    str_init(&out, 0);
    str_init(&path, 0);
    for (size_t i = 0; i < n; i++) {
        str_append_cstr(&out, v[i]);
        str_appendc(&out, '\n');
    }
    bucket_path(&path, dir, b);
    int rc = atomic_file_write(str_cstr(&path), out.buf ? out.buf : "", out.len, 0640);
    if (rc < 0)
        str_appendf(err, "write %s: %s", str_cstr(&path), strerror(errno));
    str_deinit(&out);
    str_deinit(&path);
    return rc;
}

/* Apply op for the addresses canon[0..n) (all of bucket b) to that bucket. */
static int
bucket_apply(const char *dir, unsigned b, enum subdb_op op, char *const *canon, size_t n,
             size_t *changed, struct str *err)
{
    struct str buf;
    str_init(&buf, 0);
    if (bucket_read(dir, b, &buf, err) < 0) {
        str_deinit(&buf);
        return -1;
    }
    size_t nl;
    char **v = bucket_lines(&buf, &nl, op == SUBDB_ADD ? n : 0);
    size_t before = *changed;
    for (size_t i = 0; i < n; i++) {
        bool found;
        size_t at = lines_find(v, nl, canon[i], &found);
        if (op == SUBDB_ADD && !found) {
            memmove(v + at + 1, v + at, (nl - at) * sizeof *v);
            v[at] = canon[i];
            nl++;
            (*changed)++;
        } else if (op == SUBDB_REMOVE && found) {
            memmove(v + at, v + at + 1, (nl - at - 1) * sizeof *v);
            nl--;
            (*changed)++;
        }
    }
    int rc = 0;
    if (*changed != before)
        rc = bucket_write(dir, b, v, nl, err);
    free(v);
    str_deinit(&buf);
    return rc;
}

struct keyed {
    unsigned bucket;
    char *canon;
};

static int
cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return strcmp(x->canon, y->canon);
}

static struct lock *
list_lock(const char *dir, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    str_appendf(&path, "%s/lock", dir);
    struct lock *l = lock_open(str_cstr(&path), 0640);
    if (l == NULL || lock_acquire(l, 30000) < 0) {
        str_appendf(err, "lock %s: %s", str_cstr(&path), strerror(errno));
        lock_close(&l);
    }
    str_deinit(&path);
    return l;
}

int
subdb_apply(const char *dir, enum subdb_op op, char *const *canon, size_t n,
            size_t *changed_r, struct str *err)
{
    struct keyed *k = xreallocarray(NULL, n ? n : 1, sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyed){subdb_bucket(canon[i]), canon[i]};
    qsort(k, n, sizeof *k, cmp_keyed);
    char **group = xreallocarray(NULL, n ? n : 1, sizeof *group);
    size_t changed = 0;
    int rc = 0;
    struct lock *l = list_lock(dir, err);
    if (l == NULL)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i, m = 0;
        for (; j < n && k[j].bucket == k[i].bucket; j++)
            if (j == i || strcmp(k[j].canon, k[j - 1].canon) != 0)
                group[m++] = k[j].canon;
        rc = bucket_apply(dir, k[i].bucket, op, group, m, &changed, err);
        i = j;
    }
    lock_close(&l);
    free(group);
    free(k);
    if (changed_r != NULL)
        *changed_r = changed;
    return rc;
}

int
subdb_has(const char *dir, const char *canon, struct str *err)
{
    struct str buf;
    str_init(&buf, 0);
    if (bucket_read(dir, subdb_bucket(canon), &buf, err) < 0) {
        str_deinit(&buf);
        return -1;
    }
    size_t nl;
    char **v = bucket_lines(&buf, &nl, 0);
    bool found;
    lines_find(v, nl, canon, &found);
    free(v);
    str_deinit(&buf);
    return found ? 1 : 0;
}

int
subdb_each(const char *dir, unsigned after_bucket, const char *after,
           int (*fn)(void *ctx, unsigned bucket, const char *canon), void *ctx,
           struct str *err)
{
    struct str buf;
    str_init(&buf, 0);
    int rc = 0;
    for (unsigned b = after != NULL ? after_bucket : 0; rc == 0 && b < SUBDB_BUCKETS; b++) {
        if (bucket_read(dir, b, &buf, err) < 0) {
            rc = -1;
            break;
        }
        size_t nl;
        char **v = bucket_lines(&buf, &nl, 0);
        for (size_t i = 0; rc == 0 && i < nl; i++) {
            if (after != NULL && b == after_bucket && strcmp(v[i], after) <= 0)
                continue;
            rc = fn(ctx, b, v[i]);
        }
        free(v);
    }
    str_deinit(&buf);
    return rc;
}

static int
count_one(void *ctx, unsigned bucket, const char *canon)
{
    (void)bucket;
    (void)canon;
    (*(long *)ctx)++;
    return 0;
}

long
subdb_count(const char *dir, struct str *err)
{
    long n = 0;
    if (subdb_each(dir, 0, NULL, count_one, &n, err) < 0)
        return -1;
    return n;
}
