/*
 * filetype_archive: archive members through libclamav's unpackers and its
 * file-inspection callback (called for every file it extracts, with a
 * descriptor of the extracted copy in its temporary folder).
 *
 * Untrusted input: the archive's bytes (unpacked by libclamav within its
 * limits) and the members' names (passed on as they are; the caller shows
 * only their printable ASCII). At most max bytes of each member are read.
 */
#include "filetype_archive.h"

#include <clamav.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/virus_engine.h"
#include "lib/mem.h"

struct filetype_archives {
    struct cl_engine *cl;
};

struct walk {
    filetype_member_fn fn;
    void *arg;
    size_t max;
    char *buf;
};

static cl_error_t
member(int fd, const char *type, const char **ancestors, size_t parent_size,
       const char *name, size_t size, const char *buffer, uint32_t level, uint32_t attrs,
       void *ctx)
{
    (void)type, (void)ancestors, (void)parent_size, (void)buffer, (void)attrs;
    struct walk *w = ctx;
    if (level == 0 || w == NULL || fd < 0)
        return CL_CLEAN; /* the archive itself */
    size_t want = size < w->max ? size : w->max, got = 0;
    while (got < want) {
        ssize_t r = pread(fd, w->buf + got, want - got, (off_t)got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    w->fn(w->arg, name, w->buf, got, level);
    return CL_CLEAN;
}

struct filetype_archives *
filetype_archives_new(const struct config *c, const char *tmpdir, struct str *err)
{
    if (virus_libclamav_init(err) < 0)
        return NULL;
    struct virus_limits lim = virus_limits_read(c);
    struct cl_engine *cl = cl_engine_new();
    if (cl == NULL) {
        str_append_cstr(err, "libclamav: cannot make an engine");
        return NULL;
    }
    cl_engine_set_clcb_file_inspection(cl, member);
    cl_error_t r = virus_engine_configure(cl, &lim, tmpdir) ? CL_EARG : cl_engine_compile(cl);
    if (r != CL_SUCCESS) {
        str_appendf(err, "libclamav: cannot make the unpacking engine: %s", cl_strerror(r));
        cl_engine_free(cl);
        return NULL;
    }
    struct filetype_archives *a = xcalloc(1, sizeof(*a));
    a->cl = cl;
    return a;
}

void
filetype_archives_free(struct filetype_archives **ap)
{
    if (*ap == NULL)
        return;
    cl_engine_free((*ap)->cl);
    free(*ap);
    *ap = NULL;
}

int
filetype_archives_walk(const struct filetype_archives *a, const char *data, size_t len,
                       size_t max, filetype_member_fn fn, void *arg)
{
    if (len == 0)
        return 0;
    struct walk w = {.fn = fn, .arg = arg, .max = max, .buf = xmalloc(max ? max : 1)};
    struct cl_scan_options o;
    memset(&o, 0, sizeof(o));
    o.parse = CL_SCAN_PARSE_ARCHIVE;
    cl_fmap_t *map = cl_fmap_open_memory(data, len);
    cl_error_t r = CL_EMAP;
    if (map) {
        const char *name = NULL;
        unsigned long scanned = 0;
        r = cl_scanmap_callback(map, "attachment", &name, &scanned, a->cl, &o, &w);
        cl_fmap_close(map);
    }
    free(w.buf);
    return (r == CL_CLEAN || r == CL_VIRUS) ? 0 : -1;
}

bool
filetype_is_archive(const char *mime)
{
    static const char *const types[] = {
        "application/zip",         "application/x-zip*",     "application/gzip",
        "application/x-gzip",      "application/x-7z-compressed", "application/x-rar*",
        "application/vnd.rar",     "application/x-tar",      "application/x-bzip2",
        "application/x-xz",        "application/vnd.ms-cab-compressed", "application/x-cpio",
        "application/java-archive", "application/x-arj",     "application/x-lzh*",
        "application/x-iso9660-image"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (fnmatch(types[i], mime, 0) == 0)
            return true;
    return false;
}
