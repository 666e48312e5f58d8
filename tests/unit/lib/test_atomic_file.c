/*
 * Unit tests of lib/atomic_file: contents and exact mode, replacement of an
 * existing file, no temporary file left behind, the old file intact when a
 * write fails (a file-size limit makes write() fail even for root), the
 * streaming form, and readers that never see a half-written file.
 */
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/atomic_file.h"
#include "lib/str.h"

static char tmpdir[] = "/tmp/tamis-test-atomic-XXXXXX";

static const char *
at(const char *rel, struct str *s)
{
    str_clear(s);
    str_appendf(s, "%s/%s", tmpdir, rel);
    return str_cstr(s);
}

/* The whole content of path into s; -1 if it cannot be read. */
static int
slurp(const char *path, struct str *s)
{
    str_clear(s);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        str_append(s, buf, (size_t)n);
    close(fd);
    return 0;
}

/* How many entries the folder holds, besides . and .. */
static int
entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        remove_tree(child);
    }
    closedir(d);
    rmdir(path);
}

static const struct {
    const char *name, *data;
    mode_t mode;
} writes[] = {
    {"a", "hello\n", 0644},
    {"a", "replaced, longer than before\n", 0600}, /* replaces, mode follows */
    {"b", "", 0640},
    {"c", "group writable despite the umask", 0664},
    {"d", "odd modes too", 0400},
    {"a", "x", 0666},
};

static void
test_write(void)
{
    struct str p, got;
    str_init(&p, 0);
    str_init(&got, 0);
    umask(022);
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        t_current = writes[i].data;
        at(writes[i].name, &p);
        CHECK_INT(atomic_file_write(p.buf, writes[i].data, strlen(writes[i].data),
                                    writes[i].mode),
                  0);
        CHECK_INT(slurp(p.buf, &got), 0);
        CHECK_MEM(got.buf, got.len, writes[i].data);
        struct stat st;
        CHECK_INT(stat(p.buf, &st), 0);
        CHECK_INT(st.st_mode & 07777, writes[i].mode);
    }
    CHECK_INT(entries(tmpdir), 4); /* a, b, c, d: no temporary file */
    /* a relative path (no folder) works too */
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    CHECK_INT(chdir(tmpdir), 0);
    CHECK_INT(atomic_file_write("rel", "r", 1, 0644), 0);
    CHECK_INT(chdir(cwd), 0);
    CHECK_INT(slurp(at("rel", &p), &got), 0);
    CHECK_MEM(got.buf, got.len, "r");
    /* a 250-byte name: the temporary name is shortened */
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    CHECK_INT(atomic_file_write(at(name, &p), "long", 4, 0644), 0);
    CHECK_INT(slurp(p.buf, &got), 0);
    CHECK_MEM(got.buf, got.len, "long");
    CHECK_INT(entries(tmpdir), 6);
    unlink(p.buf);
    unlink(at("rel", &p));
    str_deinit(&p);
    str_deinit(&got);
}

static void
test_failures(void)
{
    struct str p, got;
    str_init(&p, 0);
    str_init(&got, 0);
    int before = entries(tmpdir);
    errno = 0;
    CHECK_INT(atomic_file_write(at("no/such/folder/f", &p), "x", 1, 0644), -1);
    CHECK_INT(errno, ENOENT);
    errno = 0;
    CHECK_INT(atomic_file_write(at("trailing/", &p), "x", 1, 0644), -1);
    CHECK_INT(errno, EINVAL);
    CHECK(atomic_file_open("", 0644) == NULL);
    /* a folder in the way: rename fails, the temporary file goes */
    CHECK_INT(mkdir(at("dir", &p), 0755), 0);
    errno = 0;
    CHECK_INT(atomic_file_write(p.buf, "x", 1, 0644), -1);
    CHECK(errno == EISDIR || errno == EEXIST || errno == ENOTEMPTY);
    CHECK_INT(rmdir(p.buf), 0);
    CHECK_INT(entries(tmpdir), before);
    /* a symbolic link is replaced, its target left alone */
    CHECK_INT(atomic_file_write(at("target", &p), "target", 6, 0644), 0);
    CHECK_INT(symlink("target", at("link", &p)), 0);
    CHECK_INT(atomic_file_write(p.buf, "new", 3, 0644), 0);
    struct stat st;
    CHECK_INT(lstat(p.buf, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_INT(slurp(at("target", &p), &got), 0);
    CHECK_MEM(got.buf, got.len, "target");
    unlink(p.buf);
    unlink(at("link", &p));
    CHECK_INT(entries(tmpdir), before);
    str_deinit(&p);
    str_deinit(&got);
}

/*
 * In a child whose files may not pass 1000 bytes, a write of 5000 fails
 * with EFBIG. Exit status: 0 if the write failed as it should.
 */
static int
child_too_big(const char *path, bool streaming)
{
    struct rlimit rl = {1000, 1000};
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
        return 10;
    char big[5000];
    memset(big, 'z', sizeof(big));
    if (!streaming)
        return atomic_file_write(path, big, sizeof(big), 0644) == -1 && errno == EFBIG
                   ? 0
                   : 11;
    struct atomic_file *af = atomic_file_open(path, 0644);
    if (af == NULL)
        return 12;
    if (atomic_file_append(af, big, 800) != 0)
        return 13;
    if (atomic_file_append(af, big, 800) != -1 || errno != EFBIG)
        return 14;
    if (atomic_file_append(af, "a", 1) != -1 || errno != EFBIG) /* sticky */
        return 15;
    errno = 0;
    if (atomic_file_commit(&af) != -1 || errno != EFBIG || af != NULL)
        return 16;
    return 0;
}

static void
test_old_file_intact(void)
{
    struct str p, got;
    str_init(&p, 0);
    str_init(&got, 0);
    CHECK_INT(atomic_file_write(at("keep", &p), "old contents\n", 13, 0644), 0);
    int before = entries(tmpdir);
    for (int streaming = 0; streaming < 2; streaming++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
            _exit(child_too_big(p.buf, streaming));
        int st = -1;
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st));
        CHECK_INT(WEXITSTATUS(st), 0);
        CHECK_INT(slurp(p.buf, &got), 0);
        CHECK_MEM(got.buf, got.len, "old contents\n");
        CHECK_INT(entries(tmpdir), before);
    }
    /* abort leaves the old file and no temporary file */
    struct atomic_file *af = atomic_file_open(p.buf, 0600);
    CHECK(af != NULL);
    CHECK_INT(atomic_file_append(af, "never", 5), 0);
    CHECK_INT(entries(tmpdir), before + 1);
    atomic_file_abort(&af);
    CHECK(af == NULL);
    atomic_file_abort(&af); /* NULL is fine */
    CHECK_INT(slurp(p.buf, &got), 0);
    CHECK_MEM(got.buf, got.len, "old contents\n");
    CHECK_INT(entries(tmpdir), before);
    str_deinit(&p);
    str_deinit(&got);
}

static void
test_streaming(void)
{
    struct str p, got, want;
    str_init(&p, 0);
    str_init(&got, 0);
    str_init(&want, 0);
    struct atomic_file *af = atomic_file_open(at("big", &p), 0640);
    CHECK(af != NULL);
    int failed = 0;
    for (int i = 0; i < 20000; i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "line %d of a big file\n", i);
        failed += atomic_file_append(af, line, (size_t)n) != 0;
        str_append(&want, line, (size_t)n);
    }
    CHECK_INT(failed, 0);
    CHECK_INT(write(atomic_file_fd(af), "by fd\n", 6), 6);
    str_append_cstr(&want, "by fd\n");
    CHECK(access(p.buf, F_OK) != 0); /* nothing visible before commit */
    CHECK_INT(atomic_file_commit(&af), 0);
    CHECK(af == NULL);
    CHECK_INT(slurp(p.buf, &got), 0);
    CHECK_INT(got.len, want.len);
    CHECK(got.len == want.len && memcmp(got.buf, want.buf, got.len) == 0);
    unlink(p.buf);
    str_deinit(&p);
    str_deinit(&got);
    str_deinit(&want);
}

/* A writer replaces a file over and over; every read sees a whole version. */
static void
test_readers_never_see_half(void)
{
    struct str p, got;
    str_init(&p, 0);
    str_init(&got, 0);
    char a[8192], b[8192];
    memset(a, 'A', sizeof(a));
    memset(b, 'B', sizeof(b));
    CHECK_INT(atomic_file_write(at("flip", &p), a, sizeof(a), 0644), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 300; i++)
            if (atomic_file_write(p.buf, i % 2 ? a : b, sizeof(a), 0644) < 0)
                _exit(1);
        _exit(0);
    }
    int torn = 0;
    for (int i = 0; i < 300; i++) {
        CHECK_INT(slurp(p.buf, &got), 0);
        bool whole = got.len == sizeof(a) && (memcmp(got.buf, a, sizeof(a)) == 0 ||
                                              memcmp(got.buf, b, sizeof(b)) == 0);
        torn += !whole;
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_INT(torn, 0);
    unlink(p.buf);
    str_deinit(&p);
    str_deinit(&got);
}

int
main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    T_RUN(test_write);
    T_RUN(test_failures);
    T_RUN(test_old_file_intact);
    T_RUN(test_streaming);
    T_RUN(test_readers_never_see_half);
    remove_tree(tmpdir);
    return t_done();
}
