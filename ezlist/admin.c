/*
 * admin: ezlist make, sub, unsub, list and info (see admin.h).
 *
 * Untrusted input: addresses on the command line or standard input (a bulk
 * import), validated by subdb_canon; lines are at most 64 KiB (longer ones
 * are refused as bad addresses). Bulk imports are applied in chunks of
 * 100,000 addresses, each chunk one rewrite per touched bucket.
 */
#include "ezlist/admin.h"

#include "ezlist/list.h"
#include "ezlist/subdb.h"
#include "lib/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define CHUNK 100000

/* Read list dir, or say why not on stderr (err is released then). */
static int
load(const char *dir, struct list *l, struct str *err)
{
    if (list_load(dir, l, err) == 0)
        return 0;
    fprintf(stderr, "ezlist: %s\n", str_cstr(err));
    str_deinit(err);
    return -1;
}

int
admin_make(int argc, char **argv)
{
    struct list_make_opts o = {0};
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "o:p:s:d:m:")) != -1) {
        switch (c) {
        case 'o': o.owner = optarg; break;
        case 'p': o.post = optarg; break;
        case 's': o.prefix = optarg; break;
        case 'd': o.description = optarg; break;
        case 'm': o.sendmail = optarg; break;
        default: return EX_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: ezlist make [-o OWNER] [-p POLICY] [-s PREFIX] [-d DESC] "
                        "[-m SENDMAIL] DIR LIST@DOMAIN\n");
        return EX_USAGE;
    }
    struct str err;
    str_init(&err, 0);
    int rc = list_make(argv[optind], argv[optind + 1], &o, &err);
    if (rc < 0)
        fprintf(stderr, "ezlist make: %s\n", str_cstr(&err));
    str_deinit(&err);
    return rc < 0 ? EX_CANTCREAT : 0;
}

struct batch {
    struct arena *arena;
    char **v;
    size_t n;
    const char *dir;
    int remove;
    size_t changed, bad;
};

static int
batch_flush(struct batch *b)
{
    struct str err;
    str_init(&err, 0);
    size_t changed = 0;
    int rc = subdb_apply(b->dir, b->remove ? SUBDB_REMOVE : SUBDB_ADD, b->v, b->n, &changed,
                         &err);
    if (rc < 0)
        fprintf(stderr, "ezlist: %s\n", str_cstr(&err));
    b->changed += changed;
    b->n = 0;
    arena_reset(b->arena);
    str_deinit(&err);
    return rc;
}

static int
batch_add(struct batch *b, struct slice in)
{
    char *canon;
    const char *why;
    if (subdb_canon(b->arena, in, &canon, &why) < 0) {
        fprintf(stderr, "ezlist: %.*s: %s\n", (int)(in.len > 400 ? 400 : in.len), in.ptr, why);
        b->bad++;
        return 0;
    }
    b->v[b->n++] = canon;
    return b->n == CHUNK ? batch_flush(b) : 0;
}

static int
read_stdin(struct batch *b)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
        struct slice s = slice_trim(slice_make(line, (size_t)n));
        if (s.len > 0 && s.ptr[0] != '#')
            rc = batch_add(b, s);
    }
    free(line);
    return rc;
}

int
admin_sub(int argc, char **argv, int remove)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ezlist %s DIR [ADDRESS...] (none: read standard input)\n",
                remove ? "unsub" : "sub");
        return EX_USAGE;
    }
    struct list l;
    struct str err;
    str_init(&err, 0);
    if (load(argv[1], &l, &err) < 0)
        return EX_CONFIG;
    struct batch b = {arena_new(0), xreallocarray(NULL, CHUNK, sizeof(char *)), 0, argv[1],
                      remove, 0, 0};
    int rc = 0;
    for (int i = 2; rc == 0 && i < argc; i++)
        rc = batch_add(&b, slice_from_cstr(argv[i]));
    if (rc == 0 && argc == 2)
        rc = read_stdin(&b);
    if (rc == 0 && b.n > 0)
        rc = batch_flush(&b);
    if (rc == 0)
        list_log(&l, "%s by command: %zu changed, %zu refused", remove ? "unsub" : "sub",
                 b.changed, b.bad);
    free(b.v);
    arena_free(&b.arena);
    list_unload(&l);
    str_deinit(&err);
    return rc < 0 ? EX_TEMPFAIL : b.bad ? EX_DATAERR : 0;
}

static int
print_one(void *ctx, unsigned bucket, const char *canon)
{
    (void)ctx;
    (void)bucket;
    return fputs(canon, stdout) == EOF || putchar('\n') == EOF ? -1 : 0;
}

/* The prologue of the subcommands that take just DIR: check the usage
 * and read the list. Returns 0 (err initialised, l loaded) or a status. */
static int
one_list(int argc, char **argv, const char *name, struct list *l, struct str *err)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ezlist %s DIR\n", name);
        return EX_USAGE;
    }
    str_init(err, 0);
    return load(argv[1], l, err) < 0 ? EX_CONFIG : 0;
}

int
admin_list(int argc, char **argv)
{
    struct list l;
    struct str err;
    int st = one_list(argc, argv, "list", &l, &err);
    if (st != 0)
        return st;
    list_unload(&l);
    int rc = subdb_each(argv[1], 0, NULL, print_one, NULL, &err);
    if (rc < 0 && err.len)
        fprintf(stderr, "ezlist list: %s\n", str_cstr(&err));
    str_deinit(&err);
    if (fflush(stdout) == EOF)
        rc = -1;
    return rc < 0 ? EX_IOERR : 0;
}

static void
print_list(const char *name, char *const *v)
{
    printf("%s:", name);
    for (; *v; v++)
        printf(" %s", *v);
    printf("\n");
}

int
admin_info(int argc, char **argv)
{
    struct list l;
    struct str err;
    int st = one_list(argc, argv, "info", &l, &err);
    if (st != 0)
        return st;
    long n = subdb_count(argv[1], &err);
    printf("address: %s\ndescription: %s\npost: %s\nsubject_prefix: %s\nmax_size: %zu\n"
           "verp: %s\nbatch: %zu\ninject: %s\nconfirm_days: %lld\nkeys: %zu (current id %u)\n",
           l.address, l.description, l.post, l.prefix, l.max_size, l.verp, l.batch, l.inject,
           l.confirm_seconds / 86400, l.nkeys, l.keys[0].id);
    print_list("owners", l.owners);
    print_list("moderators", l.moderators);
    print_list("sendmail", l.sendmail);
    printf("subscribers: %ld\n", n);
    list_unload(&l);
    str_deinit(&err);
    return n < 0 ? EX_IOERR : 0;
}
