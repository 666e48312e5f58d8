/*
 * salearn_db: the database commands of salearn (salearn.h): --dump in
 * sa-learn's format, the text --backup and --restore, --clear and
 * --force-expire.
 * Untrusted input: the --restore file (each line parsed by
 * salearn_parse_line, bounded: lines of at most 200 bytes are read; longer
 * ones are an error).
 */
#include "salearn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES 200

struct dump_ctx {
    FILE *out;
    const struct bayes_params *p;
    struct bayes_meta m;
    uint64_t ntokens;
    uint32_t oldest, newest;
    bool print;
};

static int
dump_token(void *ctx, const struct bayes_token_rec *r)
{
    struct dump_ctx *d = ctx;
    d->ntokens++;
    if (r->atime && (d->oldest == 0 || r->atime < d->oldest))
        d->oldest = r->atime;
    if (r->atime > d->newest)
        d->newest = r->atime;
    if (d->print) {
        struct bayes_count c = {r->spam, r->ham};
        fprintf(d->out, "%3.3f %10u %10u %10u  %016llx\n",
                bayes_token_prob(d->p, c, d->m.nspam, d->m.nham), r->spam, r->ham, r->atime,
                (unsigned long long)r->hash);
    }
    return 0;
}

static void
magic_line(FILE *out, long long v, const char *what)
{
    fprintf(out, "%3.3f %10d %10lld %10d  non-token data: %s\n", 0.0, 0, v, 0, what);
}

int
salearn_dump(struct bayes_store *s, const char *what, const struct bayes_params *p,
             FILE *out, struct str *err)
{
    struct dump_ctx d = {.out = out, .p = p};
    bool magic = strcmp(what, "magic") == 0 || strcmp(what, "all") == 0;
    d.print = strcmp(what, "data") == 0 || strcmp(what, "all") == 0;
    if (!magic && !d.print) {
        str_appendf(err, "--dump %s: say magic, data or all", what);
        return -1;
    }
    if (s->ops->get_meta(s->backend, &d.m, err) < 0)
        return -1;
    if (magic) {
        /* The counts need a pass over the tokens; print them first. */
        bool print = d.print;
        d.print = false;
        if (s->ops->foreach_token(s->backend, dump_token, &d, err) < 0)
            return -1;
        d.print = print;
        magic_line(out, 3, "bayes db version");
        magic_line(out, (long long)d.m.nspam, "nspam");
        magic_line(out, (long long)d.m.nham, "nham");
        magic_line(out, (long long)d.ntokens, "ntokens");
        magic_line(out, d.oldest, "oldest atime");
        magic_line(out, d.newest, "newest atime");
        magic_line(out, 0, "last journal sync atime");
        magic_line(out, d.m.last_expire, "last expiry atime");
        magic_line(out, d.m.last_expire_age, "last expire atime delta");
        magic_line(out, (long long)d.m.last_expire_count, "last expire reduction count");
    }
    if (d.print && s->ops->foreach_token(s->backend, dump_token, &d, err) < 0)
        return -1;
    return 0;
}

static int
backup_token(void *ctx, const struct bayes_token_rec *r)
{
    fprintf(ctx, "t\t%u\t%u\t%u\t%016llx\n", r->spam, r->ham, r->atime,
            (unsigned long long)r->hash);
    return 0;
}

static int
backup_seen(void *ctx, const uint8_t d[16], enum bayes_seen cls)
{
    fprintf(ctx, "s\t%c\t", cls == BAYES_SEEN_SPAM ? 's' : 'h');
    for (int i = 0; i < 16; i++)
        fprintf(ctx, "%02x", d[i]);
    fputc('\n', ctx);
    return 0;
}

int
salearn_backup(struct bayes_store *s, FILE *out, struct str *err)
{
    struct bayes_meta m;
    if (s->ops->get_meta(s->backend, &m, err) < 0)
        return -1;
    fprintf(out, "v\t%d\tdb_version\nv\t%llu\tnum_spam\nv\t%llu\tnum_nonspam\n",
            BAYES_DB_VERSION, (unsigned long long)m.nspam, (unsigned long long)m.nham);
    if (s->ops->foreach_token(s->backend, backup_token, out, err) < 0 ||
        s->ops->foreach_seen(s->backend, backup_seen, out, err) < 0)
        return -1;
    if (fflush(out) != 0 || ferror(out)) {
        str_appendf(err, "writing the backup: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Split line at tabs into at most max fields; returns how many. */
static size_t
fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return strchr(p, '\t') ? max + 1 : n;
}

static int
parse_u64(const char *s, int base, unsigned long long max, unsigned long long *out)
{
    if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int
parse_hex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char b[3] = {s[2 * i], s[2 * i + 1], 0};
        unsigned long long v;
        if (parse_u64(b, 16, 255, &v) < 0)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int
parse_token(char **f, struct salearn_line *o)
{
    unsigned long long sp, hm, at;
    unsigned char h[8];
    if (parse_u64(f[1], 10, UINT32_MAX, &sp) || parse_u64(f[2], 10, UINT32_MAX, &hm) ||
        parse_u64(f[3], 10, UINT32_MAX, &at) || parse_hex(f[4], h, 8))
        return -1;
    uint64_t hash = 0;
    for (int i = 0; i < 8; i++)
        hash = (hash << 8) | h[i];
    o->tok = (struct bayes_token_rec){hash, (uint32_t)sp, (uint32_t)hm, (uint32_t)at};
    return o->kind = 't';
}

int
salearn_parse_line(const char *line, size_t len, struct salearn_line *o)
{
    char buf[LINE_MAX_BYTES + 1];
    char *f[6];
    memset(o, 0, sizeof(*o));
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0 || line[0] == '#')
        return 0;
    if (len > LINE_MAX_BYTES || memchr(line, '\0', len))
        return -1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    size_t n = fields(buf, f, 5);
    if (n == 3 && strcmp(f[0], "v") == 0 && strlen(f[2]) < sizeof(o->name)) {
        if (parse_u64(f[1], 10, UINT64_MAX / 2, &o->value) < 0)
            return -1;
        memcpy(o->name, f[2], strlen(f[2]) + 1);
        return o->kind = 'v';
    }
    if (n == 5 && strcmp(f[0], "t") == 0)
        return parse_token(f, o);
    if (n == 3 && strcmp(f[0], "s") == 0 && (strcmp(f[1], "s") == 0 || strcmp(f[1], "h") == 0)) {
        if (parse_hex(f[2], o->digest, 16) < 0)
            return -1;
        o->cls = f[1][0] == 's' ? BAYES_SEEN_SPAM : BAYES_SEEN_HAM;
        return o->kind = 's';
    }
    return -1;
}

static int
restore_line(struct bayes_store *s, const struct salearn_line *l, struct bayes_meta *m,
             struct str *err)
{
    if (l->kind == 't')
        return s->ops->put_token(s->backend, &l->tok, err);
    if (l->kind == 's')
        return s->ops->put_seen(s->backend, l->digest, l->cls, err);
    if (strcmp(l->name, "num_spam") == 0)
        m->nspam = l->value;
    else if (strcmp(l->name, "num_nonspam") == 0)
        m->nham = l->value;
    else if (strcmp(l->name, "db_version") == 0 && l->value != BAYES_DB_VERSION) {
        str_appendf(err, "backup of db_version %llu; this salearn reads %d", l->value,
                    BAYES_DB_VERSION);
        return -1;
    }
    return 0;
}

int
salearn_restore(struct bayes_store *s, FILE *in, const char *name, struct str *err)
{
    if (bayes_store_begin(s, err) < 0)
        return -1;
    struct bayes_meta m = {0};
    char line[LINE_MAX_BYTES + 2];
    unsigned long lineno = 0;
    int r = s->ops->clear(s->backend, err);
    while (r == 0 && fgets(line, sizeof(line), in)) {
        lineno++;
        struct salearn_line l;
        size_t len = strlen(line);
        int k = (len > LINE_MAX_BYTES && line[len - 1] != '\n')
                    ? -1
                    : salearn_parse_line(line, len, &l);
        if (k < 0) {
            str_appendf(err, "%s:%lu: not a line of a salearn backup", name, lineno);
            r = -1;
        } else if (k > 0 && restore_line(s, &l, &m, err) < 0) {
            r = -1;
        }
    }
    if (r == 0 && ferror(in)) {
        str_appendf(err, "%s: %s", name, strerror(errno));
        r = -1;
    }
    if (r == 0)
        r = s->ops->put_meta(s->backend, &m, err);
    if (r < 0) {
        bayes_store_abort(s);
        return -1;
    }
    return bayes_store_commit(s, err);
}

int
salearn_clear(struct bayes_store *s, struct str *err)
{
    if (bayes_store_begin(s, err) < 0)
        return -1;
    if (s->ops->clear(s->backend, err) < 0) {
        bayes_store_abort(s);
        return -1;
    }
    return bayes_store_commit(s, err);
}

int
salearn_expire(struct bayes_store *s, long long age, FILE *out, struct str *err)
{
    time_t now = time(NULL);
    uint32_t before = (long long)now > age ? (uint32_t)(now - age) : 0;
    uint64_t removed = 0;
    struct bayes_meta m;
    if (bayes_store_begin(s, err) < 0)
        return -1;
    if (s->ops->expire(s->backend, before, &removed, err) < 0 ||
        s->ops->get_meta(s->backend, &m, err) < 0) {
        bayes_store_abort(s);
        return -1;
    }
    m.last_expire = now;
    m.last_expire_age = age;
    m.last_expire_count = removed;
    if (s->ops->put_meta(s->backend, &m, err) < 0) {
        bayes_store_abort(s);
        return -1;
    }
    if (bayes_store_commit(s, err) < 0)
        return -1;
    fprintf(out, "expired %llu token(s) not learned for %lld s\n",
            (unsigned long long)removed, age);
    return 0;
}
