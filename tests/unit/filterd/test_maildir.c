/*
 * Tests of filterd/maildir: a delivery lands whole in new/ under a unique
 * name with nothing left in tmp/; a failed write leaves nothing anywhere;
 * a missing Maildir is an error; names differ between deliveries.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filterd/maildir.h"
#include "lib/fdio.h"
#include "t.h"

static const char msg[] = "From: a@example.org\nSubject: held\n\nBody.\n";

static int
write_msg(int fd, void *arg)
{
    (void)arg;
    return fdio_write_all(fd, msg, sizeof(msg) - 1);
}

static int
write_fails(int fd, void *arg)
{
    (void)arg;
    (void)fdio_write_all(fd, "partial", 7);
    errno = ENOSPC;
    return -1;
}

/* How many entries dir/sub holds (without . and ..). */
static int
entries(const char *dir, const char *sub)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static char dir[] = "/tmp/tamis-maildir-XXXXXX";

static void
test_deliver(void)
{
    struct str err, path, body;
    str_init(&err, 0);
    str_init(&path, 0);
    str_init(&body, 0);
    CHECK_INT(maildir_make(dir, &err), 0);
    CHECK_INT(maildir_make(dir, &err), 0); /* existing: fine */
    CHECK_INT(maildir_deliver(dir, write_msg, NULL, &path, &err), 0);
    CHECK_INT(entries(dir, "new"), 1);
    CHECK_INT(entries(dir, "tmp"), 0);
    CHECK(strncmp(str_cstr(&path), dir, strlen(dir)) == 0);
    CHECK(strstr(str_cstr(&path), "/new/") != NULL);
    int fd = open(str_cstr(&path), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_INT(fdio_read_to_str(fd, &body), 0);
    close(fd);
    CHECK_STR(str_cstr(&body), msg);
    struct stat st;
    CHECK_INT(stat(str_cstr(&path), &st), 0);
    CHECK_INT((int)(st.st_mode & 0777), 0600);
    CHECK_INT(maildir_deliver(dir, write_msg, NULL, NULL, &err), 0);
    CHECK_INT(entries(dir, "new"), 2);
    str_deinit(&err);
    str_deinit(&path);
    str_deinit(&body);
}

static void
test_failures(void)
{
    struct str err;
    str_init(&err, 0);
    CHECK_INT(maildir_deliver(dir, write_fails, NULL, NULL, &err), -1);
    CHECK(strstr(str_cstr(&err), "/tmp/") != NULL);
    CHECK_INT(entries(dir, "tmp"), 0);
    CHECK_INT(entries(dir, "new"), 2);
    str_clear(&err);
    char missing[4200];
    snprintf(missing, sizeof(missing), "%s/nothere", dir);
    CHECK_INT(maildir_deliver(missing, write_msg, NULL, NULL, &err), -1);
    CHECK(strstr(str_cstr(&err), "nothere") != NULL);
    str_deinit(&err);
}

static void
test_names(void)
{
    char a[MAILDIR_NAME_MAX + 1], b[MAILDIR_NAME_MAX + 1];
    maildir_unique_name(a, sizeof(a));
    maildir_unique_name(b, sizeof(b));
    CHECK(strcmp(a, b) != 0);
    CHECK(strchr(a, '/') == NULL);
    CHECK(strchr(a, ':') == NULL);
    char pid[32];
    snprintf(pid, sizeof(pid), "P%ld", (long)getpid());
    CHECK(strstr(a, pid) != NULL);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    T_RUN(test_deliver);
    T_RUN(test_failures);
    T_RUN(test_names);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return t_done();
}
