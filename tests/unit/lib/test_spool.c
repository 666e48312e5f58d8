/*
 * Unit tests of lib/spool: bytes stay in memory up to the threshold and
 * move to an unlinked file past it; any split of the input gives the same
 * bytes; the maximum drops the excess and counts it; reset makes the spool
 * reusable; a folder that cannot hold the file is an error that sticks.
 */
#include "t.h"

#include <dirent.h>
#include <unistd.h>

#include "lib/spool.h"

static char dir[] = "/tmp/tamis-test-spool-XXXXXX";

/* The kept bytes, from memory or the file (malloc'd, NUL-terminated). */
static char *
contents(const struct spool *s)
{
    size_t n = spool_size(s);
    char *buf = malloc(n + 1);
    if (spool_data(s)) {
        memcpy(buf, spool_data(s), n);
    } else {
        ssize_t got = pread(spool_fd(s), buf, n, 0);
        CHECK_INT(got, (long long)n);
    }
    buf[n] = '\0';
    return buf;
}

/* Entries in the spool folder (the file must not have a name). */
static int
entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

static const char text[] = "From: a@example.org\r\nSubject: spool\r\n\r\n"
                           "The body of a message that is longer than the threshold.\r\n";

/* Feed text in pieces of size step (0: whole) to a spool with mem_max. */
static struct spool *
feed(size_t mem_max, size_t max, size_t step)
{
    struct str err;
    str_init(&err, 0);
    struct spool *s = spool_new(mem_max, max, dir);
    size_t n = sizeof(text) - 1;
    for (size_t i = 0; i < n; i += step ? step : n) {
        size_t k = step && n - i > step ? step : n - i;
        CHECK_INT(spool_append(s, text + i, k, &err), 0);
    }
    CHECK_INT(err.len, 0);
    str_deinit(&err);
    return s;
}

static void
test_memory(void)
{
    struct spool *s = feed(4096, 0, 0);
    CHECK(spool_data(s) != NULL);
    CHECK_INT(spool_fd(s), -1);
    CHECK_INT(spool_size(s), sizeof(text) - 1);
    char *c = contents(s);
    CHECK_STR(c, text);
    free(c);
    spool_free(&s);
    CHECK(s == NULL);
}

static void
test_file_and_splits(void)
{
    static const size_t steps[] = {0, 1, 3, 7, 40, 64};
    static const size_t thresholds[] = {0, 1, 50, sizeof(text) - 1, 4096};
    for (size_t t = 0; t < sizeof(thresholds) / sizeof(thresholds[0]); t++)
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
            struct spool *s = feed(thresholds[t], 0, steps[i]);
            bool on_file = sizeof(text) - 1 > thresholds[t];
            CHECK(on_file == (spool_data(s) == NULL));
            CHECK(on_file == (spool_fd(s) >= 0));
            CHECK_INT(spool_offered(s), sizeof(text) - 1);
            char *c = contents(s);
            CHECK_STR(c, text);
            free(c);
            CHECK_INT(entries(), 0);
            spool_free(&s);
        }
}

static void
test_maximum(void)
{
    for (size_t mem = 0; mem <= 20; mem += 20) {
        struct spool *s = feed(mem, 10, 3);
        CHECK_INT(spool_size(s), 10);
        CHECK_INT(spool_offered(s), sizeof(text) - 1);
        char *c = contents(s);
        CHECK_STR(c, "From: a@ex");
        free(c);
        spool_free(&s);
    }
}

static void
test_reset(void)
{
    struct str err;
    str_init(&err, 0);
    struct spool *s = feed(10, 0, 5);
    CHECK(spool_fd(s) >= 0);
    spool_reset(s);
    CHECK_INT(spool_size(s), 0);
    CHECK_INT(spool_offered(s), 0);
    CHECK_INT(spool_fd(s), -1);
    CHECK_INT(spool_append(s, "abc", 3, &err), 0);
    CHECK(spool_data(s) != NULL);
    char *c = contents(s);
    CHECK_STR(c, "abc");
    free(c);
    spool_free(&s);
    str_deinit(&err);
}

static void
test_bad_folder(void)
{
    struct str err;
    str_init(&err, 0);
    struct spool *s = spool_new(4, 0, "/nonexistent/tamis-spool");
    CHECK_INT(spool_append(s, "abc", 3, &err), 0);
    CHECK_INT(spool_append(s, "defgh", 5, &err), -1);
    CHECK(strstr(str_cstr(&err), "/nonexistent/tamis-spool") != NULL);
    str_clear(&err);
    CHECK_INT(spool_append(s, "x", 1, &err), -1);
    CHECK(err.len > 0);
    spool_reset(s);
    CHECK_INT(spool_append(s, "ok", 2, &err), 0);
    spool_free(&s);
    str_deinit(&err);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    T_RUN(test_memory);
    T_RUN(test_file_and_splits);
    T_RUN(test_maximum);
    T_RUN(test_reset);
    T_RUN(test_bad_folder);
    rmdir(dir);
    return t_done();
}
