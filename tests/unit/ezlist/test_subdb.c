/*
 * test_subdb: the subscriber store: validation and canonical form, adding
 * and removing (idempotent), the listing order and resuming after a
 * position, and two processes writing at once losing nothing.
 */
#include "t.h"

#include "ezlist/subdb.h"
#include "lib/mem.h"

#include <stdio.h>
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
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return t_done();
}
