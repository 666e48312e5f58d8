/*
 * subdb: hashed, sorted bucket files of subscribers (see subdb.h).
 *
 * Untrusted input: none here (addresses are validated by subdb_canon, in
 * subdb_canon.c, before they reach the store); the bucket files and the
 * journal are the list's own (a damaged journal record is detected by its
 * checksum). Limits: an
 * address is at most SUBDB_ADDRESS_MAX bytes; a bucket file at most 64 MiB;
 * the journal is read up to 256 MiB (it is folded past 128 KiB, and a bulk
 * change is cut into chunks of 262,144 addresses).
 */
#define _GNU_SOURCE 1 /* syncfs */
#include "ezlist/subdb.h"

#include "lib/atomic_file.h"
#include "lib/fdio.h"
#include "lib/lock.h"
#include "lib/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUCKET_FILE_MAX ((size_t)64 << 20)
/* The journal is folded into the buckets once it passes this size. */
#define JOURNAL_FOLD_BYTES ((size_t)128 << 10)
/* It is kept JOURNAL_PREALLOC bytes long (zeros past the records). */
#define JOURNAL_PREALLOC (JOURNAL_FOLD_BYTES + ((size_t)8 << 10))
/* The largest journal read (a bulk import of APPLY_CHUNK addresses). */
#define JOURNAL_MAX ((size_t)256 << 20)
/* A bulk change is journalled and folded this many addresses at a time. */
#define APPLY_CHUNK ((size_t)1 << 18)

static uint32_t
fnv1a(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 16777619u;
    }
    return h;
}

unsigned
subdb_bucket(const char *canon)
{
    return (unsigned)(fnv1a(canon, strlen(canon)) % SUBDB_BUCKETS);
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

/* ---- the journal: one line per change, folded into the buckets ---- */

struct jentry {
    unsigned bucket;
    bool add;
    const char *canon; /* into journal.text */
    size_t seq;
};

struct journal {
    int fd;
    struct str text;  /* the journal's bytes; records split in place */
    struct jentry *e; /* changes in order; once squashed, the last change
                         per address, sorted by (bucket, canon) */
    size_t n;
    bool squashed;
    size_t len; /* bytes of whole, valid records */
};

/* A record's checksum: over 8-byte little-endian words (the last one
 * padded with zeros), h = (h ^ word) * 0x100000001b3 from the FNV-1a
 * 64-bit basis; the result is the high half xor the low half. */
static uint32_t
record_sum(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* whole words: one load each */
        uint64_t w;
        memcpy(&w, p + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        h = (h ^ w) * 1099511628211u;
    }
    if (i < n) {
        uint64_t w = 0;
        for (size_t k = 0; i + k < n; k++)
            w |= (uint64_t)(unsigned char)p[i + k] << (8 * k);
        h = (h ^ w) * 1099511628211u;
    }
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static void
journal_path(struct str *p, const char *dir)
{
    str_clear(p);
    str_appendf(p, "%s/subscribers/journal", dir);
}

/* Append the record of one change ("+ADDR HASH\n") to out. */
static void
record_put(struct str *out, bool add, const char *canon)
{
    size_t at = out->len;
    str_appendc(out, add ? '+' : '-');
    str_append_cstr(out, canon);
    str_appendf(out, " %08" PRIx32 "\n", record_sum(out->buf + at, out->len - at));
}

/* Check the record p..nl (nl at its LF); NUL-terminate its address. */
static bool
record_ok(char *p, char *nl, bool *add_r)
{
    size_t n = (size_t)(nl - p);
    if (n < 2 + 9 || n > 1 + SUBDB_ADDRESS_MAX + 9 || (p[0] != '+' && p[0] != '-') ||
        nl[-9] != ' ')
        return false;
    /* The sum as it must be written (8 lowercase hex digits), compared
     * as text: a full journal (4,000 records) is read at every change. */
    uint32_t sum = record_sum(p, n - 9);
    for (int k = 0; k < 8; k++)
        if (nl[k - 8] != "0123456789abcdef"[(sum >> (28 - 4 * k)) & 15])
            return false;
    if (memchr(p + 1, '\0', n - 10) != NULL)
        return false;
    nl[-9] = '\0';
    *add_r = p[0] == '+';
    return true;
}

static int
cmp_jentry(const void *a, const void *b)
{
    const struct jentry *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    int c = strcmp(x->canon, y->canon);
    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keep the last change of each address (j->e sorted, seq ascending). */
static void
journal_squash(struct journal *j)
{
    if (j->squashed)
        return;
    j->squashed = true;
    for (size_t i = 0; i < j->n; i++)
        j->e[i].bucket = subdb_bucket(j->e[i].canon);
    if (j->n == 0)
        return;
    qsort(j->e, j->n, sizeof *j->e, cmp_jentry);
    size_t w = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (w > 0 && j->e[w - 1].bucket == j->e[i].bucket &&
            strcmp(j->e[w - 1].canon, j->e[i].canon) == 0)
            w--;
        j->e[w++] = j->e[i];
    }
    j->n = w;
}

/* Parse j->text. The records end at a NUL (the zeros the journal is
 * preallocated with) or at a bad record (torn by a crash); a bad record
 * followed by more lines before the zeros is damage: -1 with err. */
static int
journal_parse(struct journal *j, const char *path, struct str *err)
{
    if (j->text.len == 0)
        return 0; /* j->len is 0 */
    char *p = j->text.buf, *end = p + j->text.len;
    size_t cap = 0;
    while (p < end && *p != '\0') {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        bool add;
        if (nl == NULL || !record_ok(p, nl, &add)) {
            char *z = nl == NULL ? NULL : memchr(nl, '\0', (size_t)(end - nl));
            char *lim = z != NULL ? z : end;
            if (nl != NULL && memchr(nl + 1, '\n', (size_t)(lim - nl - 1)) != NULL) {
                str_appendf(err, "%s: damaged record at byte %zu", path,
                            (size_t)(p - j->text.buf));
                return -1;
            }
            break;
        }
        if (j->n == cap) {
            cap = cap ? cap * 2 : 64;
            j->e = xreallocarray(j->e, cap, sizeof *j->e);
        }
        j->e[j->n] = (struct jentry){0, add, p + 1, j->n}; /* bucket: on squash */
        j->n++;
        p = nl + 1;
    }
    j->len = (size_t)(p - j->text.buf);
    return 0;
}

static void
journal_close(struct journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    str_deinit(&j->text);
    free(j->e);
    j->e = NULL;
    j->n = 0;
}

/* Replace the journal with JOURNAL_PREALLOC zeros (atomically): records
 * are then written in place, so that their fdatasync does not change the
 * file's size, which on most file systems costs a metadata commit. */
static int
journal_reset(const char *dir, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    journal_path(&path, dir);
    char *zeros = xcalloc(1, JOURNAL_PREALLOC);
    int rc = atomic_file_write(str_cstr(&path), zeros, JOURNAL_PREALLOC, 0640);
    if (rc < 0)
        str_appendf(err, "write %s: %s", str_cstr(&path), strerror(errno));
    free(zeros);
    str_deinit(&path);
    return rc;
}

static bool
all_zero(const char *p, size_t n)
{
    return n == 0 || (p[0] == '\0' && memcmp(p, p + 1, n - 1) == 0);
}

/* A writer zeroes what a crash left after the last whole record. */
static int
journal_clean_tail(struct journal *j, const char *path, struct str *err)
{
    size_t rest = j->text.len - j->len;
    if (rest == 0 || all_zero(j->text.buf + j->len, rest))
        return 0;
    char *zeros = xcalloc(1, rest);
    int rc = 0;
    if (pwrite(j->fd, zeros, rest, (off_t)j->len) != (ssize_t)rest) {
        str_appendf(err, "clean %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(zeros);
    return rc;
}

/* Read the whole journal into text: one read of its size straight into
 * the buffer (a change reads the journal every time), then whatever may
 * follow. Returns 0, or -1 with errno (EFBIG past the maximum). */
static int
journal_read(int fd, struct str *text)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    size_t size = (size_t)st.st_size, got = 0;
    if (size > 0) {
        if (str_reserve(text, size) < 0) {
            errno = EFBIG;
            return -1;
        }
        if (fdio_read_full(fd, text->buf + text->len, size, &got) < 0)
            return -1;
        text->len += got;
        text->buf[text->len] = '\0';
    }
    return got < size ? 0 : fdio_read_to_str(fd, text);
}

/* Open and read the journal. A writer (under the lock) creates it if
 * missing and zeroes a torn last record; a reader takes it as it is (a
 * missing journal is empty; a record being written is a torn one).
 * Returns 0 or -1 (err; j closed). */
static int
journal_open(const char *dir, bool writer, struct journal *j, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    journal_path(&path, dir);
    *j = (struct journal){.fd = -1};
    str_init(&j->text, JOURNAL_MAX);
    int rc = -1;
    int flags = writer ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
    j->fd = open(str_cstr(&path), flags);
    if (j->fd < 0 && errno == ENOENT && writer && journal_reset(dir, err) == 0)
        j->fd = open(str_cstr(&path), flags);
    if (j->fd < 0 && !writer && errno == ENOENT)
        rc = 0;
    else if (j->fd < 0 || journal_read(j->fd, &j->text) < 0)
        str_appendf(err, "read %s: %s", str_cstr(&path), strerror(errno));
    else if (journal_parse(j, str_cstr(&path), err) == 0)
        rc = 0;
    if (rc == 0 && writer)
        rc = journal_clean_tail(j, str_cstr(&path), err);
    if (rc < 0)
        journal_close(j);
    str_deinit(&path);
    return rc;
}

/* 1 or 0: the journal's last word on canon; -1: it has none. Unsquashed,
 * a scan from the end (a single change reads a few thousand records). */
static int
journal_lookup(const struct journal *j, unsigned bucket, const char *canon)
{
    if (!j->squashed) {
        for (size_t i = j->n; i-- > 0;)
            if (strcmp(j->e[i].canon, canon) == 0)
                return j->e[i].add;
        return -1;
    }
    struct jentry key = {bucket, false, canon, SIZE_MAX};
    size_t lo = 0, hi = j->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct jentry probe = j->e[mid];
        probe.seq = SIZE_MAX;
        int c = cmp_jentry(&probe, &key);
        if (c == 0)
            return j->e[mid].add;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Apply the journal entries e[0..m) (all of bucket b) to its lines. */
static char **
bucket_merge(struct str *buf, const struct jentry *e, size_t m, size_t *nl_r)
{
    size_t nl;
    char **v = bucket_lines(buf, &nl, m);
    for (size_t i = 0; i < m; i++) {
        bool found;
        size_t at = lines_find(v, nl, e[i].canon, &found);
        if (e[i].add && !found) {
            memmove(v + at + 1, v + at, (nl - at) * sizeof *v);
            v[at] = (char *)e[i].canon;
            nl++;
        } else if (!e[i].add && found) {
            memmove(v + at, v + at + 1, (nl - at - 1) * sizeof *v);
            nl--;
        }
    }
    *nl_r = nl;
    return v;
}

static void
fold_tmp_path(struct str *p, const char *dir, unsigned b)
{
    str_clear(p);
    str_appendf(p, "%s/subscribers/.%03x.fold", dir, b);
}

/* Write bucket b's new contents to its temporary file (not yet synced). */
static int
fold_write(const char *dir, unsigned b, const struct jentry *e, size_t m, struct str *err)
{
    struct str buf, out, path;
    str_init(&buf, 0);
    str_init(&out, 0);
    str_init(&path, 0);
    int rc = bucket_read(dir, b, &buf, err);
    if (rc == 0) {
        size_t nl;
        char **v = bucket_merge(&buf, e, m, &nl);
        for (size_t i = 0; i < nl; i++) {
            str_append_cstr(&out, v[i]);
            str_appendc(&out, '\n');
        }
        free(v);
        fold_tmp_path(&path, dir, b);
        int fd = open(str_cstr(&path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0 || fdio_write_all(fd, out.buf, out.len) < 0 || close(fd) < 0) {
            str_appendf(err, "write %s: %s", str_cstr(&path), strerror(errno));
            rc = -1;
        }
    }
    str_deinit(&buf);
    str_deinit(&out);
    str_deinit(&path);
    return rc;
}

/* Make the folded files durable: one syncfs where there is one, else
 * fsync each temporary file. */
static int
fold_sync(const struct journal *j, const char *dir, struct str *err)
{
#ifdef __linux__
    (void)dir;
    if (syncfs(j->fd) == 0)
        return 0;
    str_appendf(err, "syncfs: %s", strerror(errno));
    return -1;
#else
    struct str path;
    str_init(&path, 0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < j->n; i++) {
        if (i > 0 && j->e[i].bucket == j->e[i - 1].bucket)
            continue;
        fold_tmp_path(&path, dir, j->e[i].bucket);
        int fd = open(str_cstr(&path), O_RDONLY | O_CLOEXEC);
        rc = fd < 0 || fsync(fd) < 0 ? -1 : 0;
        if (fd >= 0)
            close(fd);
    }
    if (rc < 0)
        str_appendf(err, "fsync %s: %s", str_cstr(&path), strerror(errno));
    str_deinit(&path);
    return rc;
#endif
}

/* Rename every folded file over its bucket, then sync the folder. */
static int
fold_rename(const struct journal *j, const char *dir, struct str *err)
{
    struct str from, to;
    str_init(&from, 0);
    str_init(&to, 0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < j->n; i++) {
        if (i > 0 && j->e[i].bucket == j->e[i - 1].bucket)
            continue;
        fold_tmp_path(&from, dir, j->e[i].bucket);
        bucket_path(&to, dir, j->e[i].bucket);
        if (rename(str_cstr(&from), str_cstr(&to)) < 0) {
            str_appendf(err, "rename %s: %s", str_cstr(&from), strerror(errno));
            rc = -1;
        }
    }
    str_clear(&from);
    str_appendf(&from, "%s/subscribers", dir);
    int dfd = rc == 0 ? open(str_cstr(&from), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (rc == 0 && (dfd < 0 || fsync(dfd) < 0)) {
        str_appendf(err, "fsync %s: %s", str_cstr(&from), strerror(errno));
        rc = -1;
    }
    if (dfd >= 0)
        close(dfd);
    str_deinit(&from);
    str_deinit(&to);
    return rc;
}

/* Fold the journal into the buckets and empty it (under the lock). A crash
 * at any point is safe: replaying the journal again gives the same sets. */
static int
journal_fold(const char *dir, struct str *err)
{
    struct journal j;
    if (journal_open(dir, true, &j, err) < 0)
        return -1;
    journal_squash(&j);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < j.n;) {
        size_t k = i;
        while (k < j.n && j.e[k].bucket == j.e[i].bucket)
            k++;
        rc = fold_write(dir, j.e[i].bucket, j.e + i, k - i, err);
        i = k;
    }
    if (rc == 0 && j.n > 0)
        rc = fold_sync(&j, dir, err);
    if (rc == 0 && j.n > 0)
        rc = fold_rename(&j, dir, err);
    if (rc == 0 && j.len > 0)
        rc = journal_reset(dir, err);
    journal_close(&j);
    return rc;
}

/* ---- changes ---- */

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

/* Whether canon is subscribed: the journal's word, else its bucket (read
 * into buf once per bucket; *v_r its lines). */
static int
is_in(const struct journal *j, const char *dir, const struct keyed *k, struct str *buf,
      char ***v_r, size_t *nl, struct str *err)
{
    int in = journal_lookup(j, k->bucket, k->canon);
    if (in >= 0)
        return in;
    if (*v_r == NULL) {
        if (bucket_read(dir, k->bucket, buf, err) < 0)
            return -1;
        *v_r = bucket_lines(buf, nl, 0);
    }
    bool found;
    lines_find(*v_r, *nl, k->canon, &found);
    return found;
}

/* Records for the changes among k[0..m) (sorted) into out. */
static int
chunk_records(const struct journal *j, const char *dir, enum subdb_op op,
              const struct keyed *k, size_t m, struct str *out, size_t *changed,
              struct str *err)
{
    struct str buf;
    str_init(&buf, 0);
    char **v = NULL;
    size_t nl = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m; i++) {
        if (i > 0 && k[i].bucket != k[i - 1].bucket) {
            free(v);
            v = NULL;
        }
        if (i > 0 && k[i].bucket == k[i - 1].bucket &&
            strcmp(k[i].canon, k[i - 1].canon) == 0)
            continue;
        int in = is_in(j, dir, &k[i], &buf, &v, &nl, err);
        if (in < 0)
            rc = -1;
        else if (in != (op == SUBDB_ADD)) {
            record_put(out, op == SUBDB_ADD, k[i].canon);
            (*changed)++;
        }
    }
    free(v);
    str_deinit(&buf);
    return rc;
}

/* Journal the changes among k[0..m) with one fdatasync; fold past the
 * bound. Under the lock. */
static int
apply_chunk(const char *dir, enum subdb_op op, const struct keyed *k, size_t m,
            size_t *changed, struct str *err)
{
    struct journal j;
    if (journal_open(dir, true, &j, err) < 0)
        return -1;
    if (m > 16)
        journal_squash(&j);
    struct str out;
    str_init(&out, 0);
    int rc = chunk_records(&j, dir, op, k, m, &out, changed, err);
    if (rc == 0 && out.len > 0 &&
        (lseek(j.fd, (off_t)j.len, SEEK_SET) < 0 ||
         fdio_write_all(j.fd, out.buf, out.len) < 0 || fdatasync(j.fd) < 0)) {
        str_appendf(err, "append to the journal of %s: %s", dir, strerror(errno));
        rc = -1;
    }
    bool fold = j.len + out.len > JOURNAL_FOLD_BYTES;
    journal_close(&j);
    str_deinit(&out);
    if (rc == 0 && fold)
        rc = journal_fold(dir, err);
    return rc;
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
    size_t changed = 0;
    struct lock *l = list_lock(dir, err);
    int rc = l == NULL ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i += APPLY_CHUNK)
        rc = apply_chunk(dir, op, k + i, n - i < APPLY_CHUNK ? n - i : APPLY_CHUNK,
                         &changed, err);
    lock_close(&l);
    free(k);
    if (changed_r != NULL)
        *changed_r = changed;
    return rc;
}

int
subdb_fold(const char *dir, struct str *err)
{
    struct lock *l = list_lock(dir, err);
    if (l == NULL)
        return -1;
    int rc = journal_fold(dir, err);
    lock_close(&l);
    return rc;
}
int
subdb_has(const char *dir, const char *canon, struct str *err)
{
    struct journal j;
    if (journal_open(dir, false, &j, err) < 0)
        return -1;
    struct keyed k = {subdb_bucket(canon), (char *)canon};
    struct str buf;
    str_init(&buf, 0);
    char **v = NULL;
    size_t nl = 0;
    int rc = is_in(&j, dir, &k, &buf, &v, &nl, err);
    free(v);
    str_deinit(&buf);
    journal_close(&j);
    return rc;
}

/* Call fn for the subscribers of bucket b: its file with the journal's
 * entries e[0..m) for b applied. */
static int
each_bucket(const char *dir, unsigned b, const struct jentry *e, size_t m,
            const char *after, int (*fn)(void *ctx, unsigned bucket, const char *canon),
            void *ctx, struct str *err)
{
    struct str buf;
    str_init(&buf, 0);
    if (bucket_read(dir, b, &buf, err) < 0) {
        str_deinit(&buf);
        return -1;
    }
    size_t nl;
    char **v = bucket_merge(&buf, e, m, &nl);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nl; i++)
        if (after == NULL || strcmp(v[i], after) > 0)
            rc = fn(ctx, b, v[i]);
    free(v);
    str_deinit(&buf);
    return rc;
}

int
subdb_each(const char *dir, unsigned after_bucket, const char *after,
           int (*fn)(void *ctx, unsigned bucket, const char *canon), void *ctx,
           struct str *err)
{
    struct journal j;
    if (journal_open(dir, false, &j, err) < 0)
        return -1;
    journal_squash(&j);
    size_t at = 0;
    int rc = 0;
    for (unsigned b = after != NULL ? after_bucket : 0; rc == 0 && b < SUBDB_BUCKETS;
         b++) {
        while (at < j.n && j.e[at].bucket < b)
            at++;
        size_t m = 0;
        while (at + m < j.n && j.e[at + m].bucket == b)
            m++;
        rc = each_bucket(dir, b, m > 0 ? j.e + at : NULL, m,
                         after != NULL && b == after_bucket ? after : NULL, fn, ctx, err);
    }
    journal_close(&j);
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
