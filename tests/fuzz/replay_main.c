/*
 * replay_main: a main() for fuzz targets in builds without libFuzzer. It
 * runs LLVMFuzzerTestOneInput on every file of the folders (or files) named
 * on the command line, so the seed corpora are exercised by every build,
 * including the sanitizer build. Exits 1 if a folder holds no seed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A seed that cannot be read, or a folder with none, fails the run. */
#define REPLAY_CHECK(cond, what)                                                        \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            perror(what);                                                               \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf == NULL)
        return -1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int
main(int argc, char **argv)
{
    int seeds = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        REPLAY_CHECK(stat(argv[i], &st) == 0, argv[i]);
        if (!S_ISDIR(st.st_mode)) {
            REPLAY_CHECK(run_file(argv[i]) == 0, argv[i]);
            seeds++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        REPLAY_CHECK(d != NULL, argv[i]);
        struct dirent *e;
        int ok = 1;
        while (ok && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            ok = run_file(path) == 0;
            seeds += ok;
        }
        closedir(d);
        REPLAY_CHECK(ok, "a seed could not be read");
    }
    fprintf(stderr, "replayed %d seeds\n", seeds);
    errno = ENOENT;
    REPLAY_CHECK(seeds > 0, "no seed in the corpus folders");
    return 0;
}
