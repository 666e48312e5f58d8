/*
 * list: make and read a list's directory (see list.h).
 *
 * Untrusted input: none from mail; the settings files are the
 * administrator's (bounded: each setting file at most 64 KiB, text files
 * 1 MiB). The key comes from getrandom(2).
 */
#include "ezlist/list.h"

#include "ezlist/subdb.h"
#include "ezlist/texts.h"
#include "lib/atomic_file.h"
#include "lib/chars.h"
#include "lib/fdio.h"
#include "lib/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SETTING_MAX ((size_t)64 << 10)
#define TEXT_MAX ((size_t)1 << 20)

/* Read DIR/NAME into out (bounded by max). Returns 1, 0 when missing, -1. */
static int
read_file(const char *dir, const char *name, size_t max, struct str *out, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    str_appendf(&path, "%s/%s", dir, name);
    str_clear(out);
    out->max = max;
    int rc = 1, fd = open(str_cstr(&path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? 0 : -1;
    } else {
        if (fdio_read_to_str(fd, out) < 0)
            rc = -1;
        close(fd);
    }
    if (rc < 0)
        str_appendf(err, "read %s: %s", str_cstr(&path), strerror(errno));
    str_deinit(&path);
    return rc;
}

static int
write_file(const char *dir, const char *name, const char *text, mode_t mode, struct str *err)
{
    struct str path;
    str_init(&path, 0);
    str_appendf(&path, "%s/%s", dir, name);
    int rc = atomic_file_write(str_cstr(&path), text, strlen(text), mode);
    if (rc < 0)
        str_appendf(err, "write %s: %s", str_cstr(&path), strerror(errno));
    str_deinit(&path);
    return rc;
}

static int
make_dirs(const char *dir, struct str *err)
{
    static const char *const sub[] = {"", "/subscribers", "/text", "/progress", "/bounce"};
    struct str p;
    str_init(&p, 0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof sub / sizeof sub[0]; i++) {
        str_clear(&p);
        str_appendf(&p, "%s%s", dir, sub[i]);
        if (mkdir(str_cstr(&p), 0750) < 0 && !(i == 0 && errno == EEXIST)) {
            str_appendf(err, "mkdir %s: %s", str_cstr(&p), strerror(errno));
            rc = -1;
        }
    }
    str_deinit(&p);
    return rc;
}

int
list_random(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            got += (size_t)r;
    }
    return 0;
}

static int
make_key(const char *dir, struct str *err)
{
    uint8_t key[COOKIE_KEY_LEN];
    if (list_random(key, sizeof key) < 0) {
        str_appendf(err, "getrandom: %s", strerror(errno));
        return -1;
    }
    struct str line;
    str_init(&line, 0);
    str_append_cstr(&line, "1 ");
    for (size_t i = 0; i < sizeof key; i++)
        str_appendf(&line, "%02x", key[i]);
    str_appendc(&line, '\n');
    int rc = write_file(dir, "keys", str_cstr(&line), 0600, err);
    str_deinit(&line);
    return rc;
}

static int
make_texts(const char *dir, struct str *err)
{
    size_t n;
    const struct list_default_text *t = texts_defaults(&n);
    struct str name;
    str_init(&name, 0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        str_clear(&name);
        str_appendf(&name, "text/%s", t[i].name);
        rc = write_file(dir, str_cstr(&name), t[i].text, 0644, err);
    }
    str_deinit(&name);
    return rc;
}

static int
make_settings(const char *dir, const char *canon, const struct list_make_opts *o,
              struct str *err)
{
    struct str v;
    str_init(&v, 0);
    const char *const pairs[] = {
        "address", canon,
        "post", o->post ? o->post : "subscribers",
        "subject_prefix", o->prefix ? o->prefix : "",
        "description", o->description ? o->description : "",
        "sendmail", o->sendmail ? o->sendmail : "/usr/sbin/sendmail",
        "verp", "mta",
        "batch", "1000",
        "max_size", "10485760",
        "confirm_days", "10",
        "bounce_max", "3",
        "bounce_days", "10",
        "owners", o->owner ? o->owner : "",
        "moderators", "",
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof pairs / sizeof pairs[0]; i += 2) {
        str_clear(&v);
        str_appendf(&v, "%s%s", pairs[i + 1], pairs[i + 1][0] ? "\n" : "");
        rc = write_file(dir, pairs[i], str_cstr(&v), 0644, err);
    }
    str_deinit(&v);
    return rc;
}

int
list_make(const char *dir, const char *address, const struct list_make_opts *o,
          struct str *err)
{
    struct arena *a = arena_new(0);
    char *canon, *owner = NULL;
    const char *why;
    int rc = -1;
    if (subdb_canon(a, slice_from_cstr(address), &canon, &why) < 0)
        str_appendf(err, "bad list address %s: %s", address, why);
    else if (o->owner && subdb_canon(a, slice_from_cstr(o->owner), &owner, &why) < 0)
        str_appendf(err, "bad owner address %s: %s", o->owner, why);
    else if (o->post && strcmp(o->post, "subscribers") != 0 && strcmp(o->post, "anyone") != 0 &&
             strcmp(o->post, "moderators") != 0)
        str_appendf(err, "bad post policy %s (subscribers, anyone or moderators)", o->post);
    else if (access(dir, F_OK) == 0 && rmdir(dir) < 0 && errno != ENOENT)
        str_appendf(err, "%s exists and is not empty", dir);
    else {
        struct list_make_opts oo = *o;
        oo.owner = owner;
        if (make_dirs(dir, err) == 0 && make_key(dir, err) == 0 &&
            make_settings(dir, canon, &oo, err) == 0 && make_texts(dir, err) == 0 &&
            write_file(dir, "log", "", 0640, err) == 0)
            rc = 0;
    }
    arena_free(&a);
    return rc;
}

/* Setting NAME: its contents trimmed, or def when missing. NULL on error. */
static const char *
setting(struct list *l, const char *name, const char *def, struct str *err)
{
    struct str v;
    str_init(&v, 0);
    int r = read_file(l->dir, name, SETTING_MAX, &v, err);
    const char *out = NULL;
    if (r == 0)
        out = def;
    else if (r > 0)
        out = arena_slice_dup(l->arena, slice_trim(str_slice(&v))).ptr;
    str_deinit(&v);
    return out;
}

static int
setting_num(struct list *l, const char *name, long long def, long long max, long long *out,
            struct str *err)
{
    const char *v = setting(l, name, NULL, err);
    if (v == NULL)
        return err->len ? -1 : (*out = def, 0);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < 0 || x > max) {
        str_appendf(err, "%s/%s: not a number from 0 to %lld", l->dir, name, max);
        return -1;
    }
    *out = x;
    return 0;
}

/* Setting NAME as its non-empty lines, NULL-ended, in the arena. */
static char **
setting_lines(struct list *l, const char *name, const char *def)
{
    struct str none;
    str_init(&none, 0);
    const char *v = setting(l, name, def, &none);
    str_deinit(&none);
    if (v == NULL)
        v = def;
    size_t n = 0, cap = 4;
    char **out = arena_alloc(l->arena, cap * sizeof *out);
    struct slice rest = slice_from_cstr(v);
    while (rest.len > 0) {
        long nl = slice_find_char(rest, '\n');
        struct slice line = slice_trim(nl < 0 ? rest : slice_head(rest, (size_t)nl));
        rest = nl < 0 ? SLICE_NULL : slice_from(rest, (size_t)nl + 1);
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        if (n + 2 > cap) {
            char **bigger = arena_alloc(l->arena, cap * 2 * sizeof *out);
            memcpy(bigger, out, n * sizeof *out);
            out = bigger;
            cap *= 2;
        }
        out[n++] = arena_memdup0(l->arena, line.ptr, line.len);
    }
    out[n] = NULL;
    return out;
}

/* Canonicalise each address of v in place; bad ones are an error. */
static int
canon_all(struct list *l, const char *name, char **v, struct str *err)
{
    for (; *v; v++) {
        const char *why;
        if (subdb_canon(l->arena, slice_from_cstr(*v), v, &why) < 0) {
            str_appendf(err, "%s/%s: bad address: %s", l->dir, name, why);
            return -1;
        }
    }
    return 0;
}

static int
load_keys(struct list *l, struct str *err)
{
    char **lines = setting_lines(l, "keys", "");
    size_t n = 0;
    while (lines[n])
        n++;
    l->keys = arena_calloc(l->arena, n ? n : 1, sizeof *l->keys);
    for (size_t i = 0; i < n; i++) {
        struct list_key *k = &l->keys[i];
        char *sp = strchr(lines[i], ' ');
        if (sp == NULL || strlen(sp + 1) != 2 * COOKIE_KEY_LEN) {
            str_appendf(err, "%s/keys: line %zu is not \"ID HEX\" (64 hex digits)", l->dir,
                        i + 1);
            return -1;
        }
        k->id = (unsigned)strtoul(lines[i], NULL, 10);
        for (size_t j = 0; j < COOKIE_KEY_LEN; j++) {
            int hi = chars_hexval((unsigned char)sp[1 + 2 * j]);
            int lo = chars_hexval((unsigned char)sp[2 + 2 * j]);
            if (hi < 0 || lo < 0) {
                str_appendf(err, "%s/keys: line %zu: bad hex", l->dir, i + 1);
                return -1;
            }
            k->key[j] = (uint8_t)(hi << 4 | lo);
        }
    }
    l->nkeys = n;
    if (n == 0)
        str_appendf(err, "%s/keys: no key", l->dir);
    return n ? 0 : -1;
}

static int
load_address(struct list *l, struct str *err)
{
    const char *a = setting(l, "address", NULL, err);
    const char *why;
    char *canon;
    if (a == NULL) {
        if (err->len == 0)
            str_appendf(err, "%s is not a list (no address file)", l->dir);
        return -1;
    }
    if (subdb_canon(l->arena, slice_from_cstr(a), &canon, &why) < 0) {
        str_appendf(err, "%s/address: %s", l->dir, why);
        return -1;
    }
    l->address = canon;
    char *at = strrchr(canon, '@');
    l->local = arena_memdup0(l->arena, canon, (size_t)(at - canon));
    l->domain = at + 1;
    return 0;
}

static int
load_policy(struct list *l, struct str *err)
{
    l->post = setting(l, "post", "subscribers", err);
    l->verp = setting(l, "verp", "mta", err);
    if (l->post == NULL || l->verp == NULL)
        return -1;
    if (strcmp(l->post, "subscribers") != 0 && strcmp(l->post, "anyone") != 0 &&
        strcmp(l->post, "moderators") != 0) {
        str_appendf(err, "%s/post: %s is not subscribers, anyone or moderators", l->dir,
                    l->post);
        return -1;
    }
    if (strcmp(l->verp, "mta") != 0 && strcmp(l->verp, "each") != 0) {
        str_appendf(err, "%s/verp: %s is not mta or each", l->dir, l->verp);
        return -1;
    }
    return 0;
}

int
list_load(const char *dir, struct list *l, struct str *err)
{
    *l = (struct list){0};
    l->arena = arena_new(0);
    l->dir = arena_strdup(l->arena, dir);
    long long max_size, batch, days;
    if (load_address(l, err) < 0 || load_policy(l, err) < 0 || load_keys(l, err) < 0 ||
        setting_num(l, "max_size", 10485760, 1LL << 40, &max_size, err) < 0 ||
        setting_num(l, "batch", 1000, 100000, &batch, err) < 0 ||
        setting_num(l, "confirm_days", 10, 3650, &days, err) < 0)
        goto fail;
    long long bmax, bdays;
    if (setting_num(l, "bounce_max", 3, 1000, &bmax, err) < 0 ||
        setting_num(l, "bounce_days", 10, 3650, &bdays, err) < 0)
        goto fail;
    l->bounce_max = bmax > 0 ? (int)bmax : 1;
    l->bounce_seconds = bdays * 86400;
    l->max_size = (size_t)max_size;
    l->batch = batch > 0 ? (size_t)batch : 1000;
    l->confirm_seconds = days * 86400;
    long long port;
    if (setting_num(l, "smtp_port", 25, 65535, &port, err) < 0)
        goto fail;
    l->smtp_port = (unsigned)port;
    l->inject = setting(l, "inject", "sendmail", err);
    l->smtp_host = setting(l, "smtp_host", "127.0.0.1", err);
    l->smtp_xverp = setting(l, "smtp_xverp", "auto", err);
    l->qmail_queue = setting(l, "qmail_queue", "/var/qmail/bin/qmail-queue", err);
    if (l->inject == NULL || l->smtp_host == NULL || l->smtp_xverp == NULL ||
        l->qmail_queue == NULL)
        goto fail;
    if ((strcmp(l->inject, "sendmail") != 0 && strcmp(l->inject, "smtp") != 0 &&
         strcmp(l->inject, "lmtp") != 0 && strcmp(l->inject, "qmail-queue") != 0) ||
        (strcmp(l->smtp_xverp, "auto") != 0 && strcmp(l->smtp_xverp, "yes") != 0 &&
         strcmp(l->smtp_xverp, "no") != 0)) {
        str_appendf(err, "%s: inject is sendmail, smtp, lmtp or qmail-queue; smtp_xverp auto, yes or no", dir);
        goto fail;
    }
    l->prefix = setting(l, "subject_prefix", "", err);
    l->description = setting(l, "description", "", err);
    l->sendmail = setting_lines(l, "sendmail", "/usr/sbin/sendmail");
    l->owners = setting_lines(l, "owners", "");
    l->moderators = setting_lines(l, "moderators", "");
    if (l->prefix == NULL || l->description == NULL || l->sendmail[0] == NULL ||
        canon_all(l, "owners", l->owners, err) < 0 ||
        canon_all(l, "moderators", l->moderators, err) < 0)
        goto fail;
    return 0;
fail:
    if (err->len == 0)
        str_appendf(err, "%s: cannot read the list's settings", dir);
    list_unload(l);
    return -1;
}

void
list_unload(struct list *l)
{
    arena_free(&l->arena);
}

const struct list_key *
list_key_find(const struct list *l, unsigned id)
{
    for (size_t i = 0; i < l->nkeys; i++)
        if (l->keys[i].id == id)
            return &l->keys[i];
    return NULL;
}

bool
list_has(char *const *v, const char *a)
{
    for (; *v; v++)
        if (strcmp(*v, a) == 0)
            return true;
    return false;
}

void
list_log(const struct list *l, const char *fmt, ...)
{
    struct str line, path;
    str_init(&line, 8192);
    str_init(&path, 0);
    str_appendf(&line, "%lld ", (long long)time(NULL));
    va_list ap;
    va_start(ap, fmt);
    str_vappendf(&line, fmt, ap);
    va_end(ap);
    str_truncate(&line, line.len > 8000 ? 8000 : line.len);
    str_appendc(&line, '\n');
    str_appendf(&path, "%s/log", l->dir);
    int fd = open(str_cstr(&path), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0) {
        (void)fdio_write_all(fd, line.buf, line.len);
        close(fd);
    }
    str_deinit(&line);
    str_deinit(&path);
}

int
list_text(const struct list *l, const char *name, struct str *out, struct str *err)
{
    struct str rel;
    str_init(&rel, 0);
    str_appendf(&rel, "text/%s", name);
    int r = read_file(l->dir, str_cstr(&rel), TEXT_MAX, out, err);
    if (r == 0)
        str_appendf(err, "%s/%s is missing", l->dir, str_cstr(&rel));
    str_deinit(&rel);
    return r > 0 ? 0 : -1;
}

void
list_render(struct slice tmpl, const char *const *vars, struct str *out)
{
    size_t i = 0;
    while (i < tmpl.len) {
        const char *open = memchr(tmpl.ptr + i, '{', tmpl.len - i);
        if (open == NULL) {
            str_append(out, tmpl.ptr + i, tmpl.len - i);
            return;
        }
        size_t o = (size_t)(open - tmpl.ptr);
        str_append(out, tmpl.ptr + i, o - i);
        const char *close = memchr(open, '}', tmpl.len - o);
        const char *val = NULL;
        for (size_t v = 0; close && vars[v]; v += 2)
            if (strlen(vars[v]) == (size_t)(close - open - 1) &&
                memcmp(vars[v], open + 1, (size_t)(close - open - 1)) == 0)
                val = vars[v + 1];
        if (val != NULL) {
            str_append_cstr(out, val);
            i = (size_t)(close - tmpl.ptr) + 1;
        } else {
            str_appendc(out, '{');
            i = o + 1;
        }
    }
}
