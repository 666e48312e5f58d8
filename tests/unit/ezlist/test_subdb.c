/*
 * test_subdb: the subscriber store: validation and canonical form, adding
 * and removing (idempotent), the listing order and resuming after a
 * position, two processes writing at once losing nothing, and crash
 * recovery: a journal cut in the middle of a record, a damaged record, and
 * a fold interrupted before the journal was emptied.
 */
#include "t.h"

#include "ezlist/subdb.h"
#include "lib/mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/test_subdb.XXXXXX";

static void
test_canon(void)
{
    static const struct {
        const char *in, *want; /* want NULL: refused */
    } cases[] = {
        {"joe@Example.COM", "joe@example.com"},
        {" Joe.Bloggs@example.org ", "Joe.Bloggs@example.org"},
        {"a+tag=x@sub.example.net", "a+tag=x@sub.example.net"},
        {"\"quoted name\"@example.org", NULL},
        {"no-at-sign", NULL},
        {"joe@localhost", NULL},
        {"joe@@example.org", NULL},
        {"a..b@example.org", NULL},
        {"Joe <joe@example.org>", NULL},
        {"", NULL},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *c = NULL;
        const char *why = NULL;
        int rc = subdb_canon(a, slice_from_cstr(cases[i].in), &c, &why);
        if (cases[i].want == NULL) {
            CHECK_INT(rc, -1);
            CHECK(why != NULL);
        } else {
            CHECK_INT(rc, 0);
            CHECK_STR(c, cases[i].want);
        }
    }
    arena_free(&a);
}

static int
collect(void *ctx, unsigned bucket, const char *canon)
{
    struct str *s = ctx;
    str_appendf(s, "%u %s\n", bucket, canon);
    return 0;
}

static void
test_add_remove(void)
{
    struct str err, all;
    str_init(&err, 0);
    str_init(&all, 0);
    char *add[] = {"b@example.org", "a@example.org", "c@example.org", "a@example.org"};
    size_t changed = 99;
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, add, 4, &changed, &err), 0);
    CHECK_INT(changed, 3);
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, add, 2, &changed, &err), 0);
    CHECK_INT(changed, 0);
    CHECK_INT(subdb_count(dir, &err), 3);
    CHECK_INT(subdb_has(dir, "a@example.org", &err), 1);
    CHECK_INT(subdb_has(dir, "A@example.org", &err), 0);
    char *rm[] = {"b@example.org", "zz@example.org"};
    CHECK_INT(subdb_apply(dir, SUBDB_REMOVE, rm, 2, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(subdb_has(dir, "b@example.org", &err), 0);
    CHECK_INT(subdb_count(dir, &err), 2);
    /* Listing order is (bucket, address); resuming after the first gives
     * the rest. */
    CHECK_INT(subdb_each(dir, 0, NULL, collect, &all, &err), 0);
    char first[400];
    unsigned b;
    CHECK(sscanf(str_cstr(&all), "%u %399s", &b, first) == 2);
    str_clear(&all);
    CHECK_INT(subdb_each(dir, b, first, collect, &all, &err), 0);
    CHECK(strstr(str_cstr(&all), first) == NULL);
    CHECK_INT((long)(strchr(str_cstr(&all), '\n') - str_cstr(&all)) > 0, 1);
    CHECK(err.len == 0);
    str_deinit(&err);
    str_deinit(&all);
}

/* Two processes add 300 addresses each, one at a time: none is lost. */
static void
test_concurrent(void)
{
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            struct str err;
            str_init(&err, 0);
            for (int i = 0; i < 300; i++) {
                char buf[64];
                snprintf(buf, sizeof buf, "p%d-%d@example.com", k, i);
                char *v[] = {buf};
                if (subdb_apply(dir, SUBDB_ADD, v, 1, NULL, &err) < 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    struct str err;
    str_init(&err, 0);
    CHECK_INT(subdb_count(dir, &err), 602);
    str_deinit(&err);
}

static void
journal_file(char *path, size_t n)
{
    snprintf(path, n, "%s/subscribers/journal", dir);
}

/* The journal's bytes before its zeros (-1: unreadable); *tail_zero_r
 * says whether everything after them is zero. */
static long
journal_used(const char *path, bool *tail_zero_r)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    long used = -1, at = 0;
    int c;
    *tail_zero_r = true;
    while ((c = getc(f)) != EOF) {
        if (c == 0 && used < 0)
            used = at;
        else if (c != 0 && used >= 0)
            *tail_zero_r = false;
        at++;
    }
    fclose(f);
    return used < 0 ? at : used;
}

/* Write s at offset at of the journal, as a crash or a damage would. */
static void
journal_poke(const char *path, long at, const char *s, size_t n)
{
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_INT(pwrite(fd, s, n, at), (long)n);
    close(fd);
}

/* A crash in the middle of writing a record: the torn record is ignored
 * by readers and zeroed by the next writer; the rest is kept. */
static void
test_torn_record(void)
{
    struct str err;
    str_init(&err, 0);
    char jpath[4096];
    bool zero;
    journal_file(jpath, sizeof jpath);
    CHECK_INT(subdb_fold(dir, &err), 0);
    CHECK_INT(journal_used(jpath, &zero), 0);
    char *one[] = {"torn1@example.net"}, *two[] = {"torn2-a-longer-one@example.net"};
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, one, 1, NULL, &err), 0);
    long whole = journal_used(jpath, &zero);
    CHECK(whole > 0 && zero);
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, two, 1, NULL, &err), 0);
    long used = journal_used(jpath, &zero);
    journal_poke(jpath, used - 5, "\0\0\0\0\0", 5); /* torn2 cut mid-record */
    CHECK_INT(subdb_has(dir, "torn1@example.net", &err), 1);
    CHECK_INT(subdb_has(dir, two[0], &err), 0);
    CHECK_INT(subdb_count(dir, &err), 603);
    char *three[] = {"torn3@example.net"};
    size_t changed = 0;
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, three, 1, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(journal_used(jpath, &zero), 2 * whole);
    CHECK(zero); /* the torn bytes were zeroed */
    CHECK_INT(subdb_has(dir, "torn3@example.net", &err), 1);
    CHECK_INT(subdb_has(dir, two[0], &err), 0);
    CHECK(err.len == 0);
    str_deinit(&err);
}

/* A bad record followed by good ones is damage, not a crash: refused. */
static void
test_damaged_record(void)
{
    struct str err;
    str_init(&err, 0);
    char jpath[4096];
    bool zero;
    journal_file(jpath, sizeof jpath);
    const char bad[] = "+x@example.net 00000000\n";
    long used = journal_used(jpath, &zero);
    journal_poke(jpath, used, bad, strlen(bad));
    char *v[] = {"after@example.net"};
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, v, 1, NULL, &err), 0); /* bad one last: torn */
    used = journal_used(jpath, &zero);
    journal_poke(jpath, used, bad, strlen(bad));
    journal_poke(jpath, used + (long)strlen(bad), bad, strlen(bad));
    /* now a bad record is followed by another line */
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, v, 1, NULL, &err), -1);
    CHECK(strstr(str_cstr(&err), "damaged") != NULL);
    CHECK_INT(subdb_has(dir, "after@example.net", &err), -1);
    journal_poke(jpath, used, "\0", 1);
    str_clear(&err);
    CHECK_INT(subdb_has(dir, "after@example.net", &err), 1);
    CHECK_INT(subdb_has(dir, "x@example.net", &err), 0);
    str_deinit(&err);
}

/* A fold that renamed the buckets but died before emptying the journal:
 * the journal is replayed over its own result, nothing doubles. */
static void
test_fold_replayed(void)
{
    struct str err;
    str_init(&err, 0);
    char jpath[4096], copy[4200], cmd[8600];
    journal_file(jpath, sizeof jpath);
    snprintf(copy, sizeof copy, "%s.copy", jpath);
    char *add[] = {"r1@example.net", "r2@example.net", "r3@example.net"};
    char *rm[] = {"r2@example.net"};
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, add, 3, NULL, &err), 0);
    CHECK_INT(subdb_apply(dir, SUBDB_REMOVE, rm, 1, NULL, &err), 0);
    CHECK_INT(subdb_apply(dir, SUBDB_ADD, rm, 1, NULL, &err), 0);
    long before = subdb_count(dir, &err);
    snprintf(cmd, sizeof cmd, "cp %s %s", jpath, copy);
    CHECK_INT(system(cmd), 0);
    CHECK_INT(subdb_fold(dir, &err), 0);
    bool zero;
    CHECK_INT(journal_used(jpath, &zero), 0);
    CHECK_INT(rename(copy, jpath), 0);
    CHECK_INT(subdb_count(dir, &err), before);
    CHECK_INT(subdb_fold(dir, &err), 0);
    CHECK_INT(subdb_count(dir, &err), before);
    CHECK_INT(subdb_has(dir, "r2@example.net", &err), 1);
    CHECK(err.len == 0);
    str_deinit(&err);
}

int
main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    char sub[64];
    snprintf(sub, sizeof sub, "%s/subscribers", dir);
    CHECK_INT(mkdir(sub, 0700), 0);
    T_RUN(test_canon);
    T_RUN(test_add_remove);
    T_RUN(test_concurrent);
    T_RUN(test_torn_record);
    T_RUN(test_damaged_record);
    T_RUN(test_fold_replayed);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return t_done();
}
