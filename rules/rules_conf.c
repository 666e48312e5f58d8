/*
 * rules_conf: reading rule files: lines, comments, include, folders,
 * ifplugin/if/else/endif, loadplugin, required_score, and the settings of
 * SpamAssassin and its plugins that tamis ignores (counted).
 *
 * Untrusted input: rule files are the administrator's but are read as if
 * hostile: bounded by RULES_FILE_MAX, RULES_LINE_MAX, RULES_INCLUDE_DEPTH,
 * RULES_IF_DEPTH and RULES_FOLDER_FILES; every line that cannot be used is
 * counted and reported with file and line, and loading goes on.
 */
#include "rules/rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdio.h"
#include "lib/mem.h"

/* The plugins SpamAssassin's stock configuration loads (its *.pre files):
 * ifplugin on them is true. */
static const char *const default_plugins[] = {
    "URIDNSBL",   "SPF",        "Pyzor",      "Razor2",    "SpamCop",
    "AutoLearnThreshold", "WelcomeListSubject", "MIMEHeader", "ReplaceTags",
    "DKIM",       "Check",      "HTTPSMismatch", "URIDetail", "Bayes",
    "BodyEval",   "DNSEval",    "HTMLEval",   "HeaderEval", "MIMEEval",
    "RelayEval",  "URIEval",    "WLBLEval",   "VBounce",   "ImageInfo",
    "FreeMail",   "AskDNS",     "HashBL",     "DMARC",
};

#define PLUGIN_PREFIX "Mail::SpamAssassin::Plugin::"

struct rules *
rules_new(void)
{
    struct rules *rs = xcalloc(1, sizeof(*rs));
    rs->required_score = -1;
    rs->tag_start = xstrdup("<");
    rs->tag_end = xstrdup(">");
    for (size_t i = 0; i < sizeof(default_plugins) / sizeof(default_plugins[0]); i++) {
        struct str s;
        str_init(&s, 0);
        str_appendf(&s, "%s%s", PLUGIN_PREFIX, default_plugins[i]);
        rules_add_plugin(rs, str_cstr(&s));
        str_deinit(&s);
    }
    return rs;
}

void
rules_add_plugin(struct rules *rs, const char *name)
{
    if (rules_has_plugin(rs, slice_from_cstr(name)))
        return;
    rs->plugins = xreallocarray(rs->plugins, rs->nplugins + 1, sizeof(*rs->plugins));
    rs->plugins[rs->nplugins++] = xstrdup(name);
}

bool
rules_has_plugin(const struct rules *rs, struct slice name)
{
    for (size_t i = 0; i < rs->nplugins; i++)
        if (slice_eq(slice_from_cstr(rs->plugins[i]), name))
            return true;
    return false;
}

void
rules_skip(struct rules *rs, const struct rules_pos *pos, enum rules_skip why,
           const char *fmt, ...)
{
    rs->skipped[why]++;
    if (fmt == NULL || rs->ndiags >= RULES_DIAG_MAX)
        return;
    struct str d;
    va_list ap;
    str_init(&d, 4096);
    str_appendf(&d, "%s:%u: ", pos->file, pos->line);
    va_start(ap, fmt);
    str_vappendf(&d, fmt, ap);
    va_end(ap);
    rs->diags = xreallocarray(rs->diags, rs->ndiags + 1, sizeof(*rs->diags));
    rs->diags[rs->ndiags++] = str_steal(&d, NULL);
}

struct slice
rules_word(struct slice line, size_t *i)
{
    return slice_next_word(line, i);
}

bool
rules_valid_name(struct slice w)
{
    if (w.len == 0 || w.len > RULES_NAME_MAX || (w.ptr[0] >= '0' && w.ptr[0] <= '9'))
        return false;
    for (size_t i = 0; i < w.len; i++) {
        char c = w.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static const char *
intern_file(struct rules *rs, const char *name)
{
    for (size_t i = 0; i < rs->nfiles; i++)
        if (strcmp(rs->files[i], name) == 0)
            return rs->files[i];
    rs->files = xreallocarray(rs->files, rs->nfiles + 1, sizeof(*rs->files));
    rs->files[rs->nfiles] = xstrdup(name);
    return rs->files[rs->nfiles++];
}

/* One file being read: its if/else stack. */
struct reader {
    struct rules *rs;
    struct rules_pos pos;
    const char *dir; /* folder of the file, for include; NULL: none */
    bool active[RULES_IF_DEPTH + 1];
    bool seen_else[RULES_IF_DEPTH + 1];
    size_t depth;
    size_t dead; /* if blocks past RULES_IF_DEPTH: everything inside is off */
};

static bool
reader_active(const struct reader *r)
{
    return r->dead == 0 && r->active[r->depth];
}

static void
push_if(struct reader *r, bool cond)
{
    if (r->dead || r->depth >= RULES_IF_DEPTH) {
        if (r->dead == 0)
            rules_skip(r->rs, &r->pos, SKIP_SYNTAX, "if blocks nested too deep");
        r->dead++;
        return;
    }
    r->depth++;
    r->active[r->depth] = r->active[r->depth - 1] && cond;
    r->seen_else[r->depth] = false;
}

static void do_include(struct reader *r, struct slice arg);

/* Block structure: ifplugin, if, else, endif. Returns true if handled. */
static bool
block_line(struct reader *r, struct slice dir, struct slice rest)
{
    if (slice_eq(dir, SLICE_LIT("ifplugin"))) {
        size_t i = 0;
        push_if(r, rules_has_plugin(r->rs, rules_word(rest, &i)));
    } else if (slice_eq(dir, SLICE_LIT("if"))) {
        const char *why = NULL;
        bool v = rules_if_eval(r->rs, rest, &why);
        if (why)
            rules_skip(r->rs, &r->pos, SKIP_SYNTAX, "if: %s (taken as false)", why);
        push_if(r, v && why == NULL);
    } else if (slice_eq(dir, SLICE_LIT("else"))) {
        if (r->dead)
            return true;
        if (r->depth == 0 || r->seen_else[r->depth]) {
            rules_skip(r->rs, &r->pos, SKIP_SYNTAX, "else without if");
            return true;
        }
        r->seen_else[r->depth] = true;
        r->active[r->depth] = r->active[r->depth - 1] && !r->active[r->depth];
    } else if (slice_eq(dir, SLICE_LIT("endif"))) {
        if (r->dead)
            r->dead--;
        else if (r->depth == 0)
            rules_skip(r->rs, &r->pos, SKIP_SYNTAX, "endif without if");
        else
            r->depth--;
    } else {
        return false;
    }
    return true;
}

/* Directives that are neither blocks nor rules. */
static void
setting_line(struct reader *r, struct slice dir, struct slice rest)
{
    struct rules *rs = r->rs;
    if (slice_eq(dir, SLICE_LIT("include"))) {
        do_include(r, rest);
    } else if (slice_eq(dir, SLICE_LIT("loadplugin")) ||
               slice_eq(dir, SLICE_LIT("tryplugin"))) {
        size_t i = 0;
        struct slice name = rules_word(rest, &i);
        char *n = xmemdup0(name.ptr, name.len);
        rules_add_plugin(rs, n);
        free(n);
    } else if (slice_eq(dir, SLICE_LIT("required_score")) ||
               slice_eq(dir, SLICE_LIT("required_hits"))) {
        char *v = xmemdup0(rest.ptr, rest.len), *end;
        double d = strtod(v, &end);
        if (end == v || *end != '\0')
            rules_skip(rs, &r->pos, SKIP_SYNTAX, "required_score needs a number");
        else
            rs->required_score = d;
        free(v);
    } else if (slice_eq(dir, SLICE_LIT("trusted_networks")) ||
               slice_eq(dir, SLICE_LIT("internal_networks"))) {
        const char *why;
        struct rules_netset *ns = dir.ptr[0] == 't' ? &rs->trusted : &rs->internal;
        if (rules_netset_add(ns, rest, &why) < 0)
            rules_skip(rs, &r->pos, SKIP_SYNTAX, "%.*s: %s", (int)dir.len, dir.ptr, why);
    } else if (slice_eq(dir, SLICE_LIT("clear_trusted_networks"))) {
        rules_netset_clear(&rs->trusted);
    } else if (slice_eq(dir, SLICE_LIT("clear_internal_networks"))) {
        rules_netset_clear(&rs->internal);
    } else if (slice_eq(dir, SLICE_LIT("uri_detail"))) {
        rules_skip(rs, &r->pos, SKIP_UNSUPPORTED, "%.*s rules are not supported",
                   (int)dir.len, dir.ptr);
        size_t i = 0;
        struct slice name = rules_word(rest, &i);
        struct rule *sk = rules_valid_name(name) ? rules_get(rs, name) : NULL;
        if (sk && !sk->defined)
            sk->skipped_def = true; /* metas over it are dropped */
    } else {
        rs->skipped[SKIP_DIRECTIVE]++;
    }
}

/* Remove a comment: "#" not preceded by "\"; then "\#" becomes "#". */
static void
strip_comment(struct slice line, struct str *out)
{
    for (size_t i = 0; i < line.len; i++) {
        if (line.ptr[i] == '#' && (i == 0 || line.ptr[i - 1] != '\\'))
            break;
        if (line.ptr[i] == '\\' && i + 1 < line.len && line.ptr[i + 1] == '#')
            continue;
        str_appendc(out, line.ptr[i]);
    }
}

static void
take_line(struct reader *r, struct slice raw)
{
    if (raw.len && raw.ptr[raw.len - 1] == '\r')
        raw.len--;
    if (raw.len > RULES_LINE_MAX) {
        rules_skip(r->rs, &r->pos, SKIP_SYNTAX, "line longer than %d bytes",
                   RULES_LINE_MAX);
        return;
    }
    struct str buf;
    str_init(&buf, RULES_LINE_MAX);
    strip_comment(raw, &buf);
    struct slice line = slice_trim(slice_from_cstr(str_cstr(&buf)));
    size_t i = 0;
    struct slice dir = rules_word(line, &i);
    struct slice rest = slice_trim(slice_from(line, i));
    if (dir.len == 0 || block_line(r, dir, rest) || !reader_active(r)) {
        str_deinit(&buf);
        return;
    }
    if (slice_eq(dir, SLICE_LIT("lang"))) /* a translation: ignored */
        r->rs->skipped[SKIP_DIRECTIVE]++;
    else if (!rules_define_line(r->rs, &r->pos, dir, rest))
        setting_line(r, dir, rest);
    str_deinit(&buf);
}

static void
read_buffer(struct rules *rs, const char *name, const char *dir, const char *buf,
            size_t len)
{
    struct reader r = {.rs = rs, .dir = dir};
    r.pos.file = intern_file(rs, name);
    r.active[0] = true;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        r.pos.line++;
        take_line(&r, slice_make(buf + start, end - start));
        start = nl ? end + 1 : len;
    }
    if (r.depth > 0)
        rules_skip(rs, &r.pos, SKIP_SYNTAX, "%zu if block(s) not closed by endif",
                   r.depth);
}

void
rules_load_buffer(struct rules *rs, const char *name, const char *buf, size_t len)
{
    read_buffer(rs, name, NULL, buf, len);
}

static int
load_file(struct rules *rs, const char *path)
{
    struct str text;
    str_init(&text, RULES_FILE_MAX);
    errno = 0;
    if (fdio_read_file(path, &text) < 0) {
        struct rules_pos pos = {.file = path, .line = 0};
        rules_skip(rs, &pos, SKIP_FILE, "cannot read: %s",
                   errno == EFBIG ? "file too large" : strerror(errno));
        str_deinit(&text);
        return -1;
    }
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    read_buffer(rs, path, dir, text.buf ? text.buf : "", text.len);
    free(dir);
    str_deinit(&text);
    return 0;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* The names in folder path ending in suffix, sorted; returns their count. */
static size_t
list_folder(DIR *d, const char *suffix, char ***names_r)
{
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    rewinddir(d);
    while ((e = readdir(d)) != NULL && n < RULES_FOLDER_FILES) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffix))
            continue;
        names = xreallocarray(names, n + 1, sizeof(*names));
        names[n++] = xstrdup(e->d_name);
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    *names_r = names;
    return n;
}

static void
load_folder_group(struct rules *rs, DIR *d, const char *path, const char *suffix)
{
    char **names;
    size_t n = list_folder(d, suffix, &names);
    for (size_t i = 0; i < n; i++) {
        struct str p;
        str_init(&p, 0);
        str_appendf(&p, "%s/%s", path, names[i]);
        (void)load_file(rs, str_cstr(&p));
        str_deinit(&p);
        free(names[i]);
    }
    free(names);
}

int
rules_load(struct rules *rs, const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return load_file(rs, path);
    load_folder_group(rs, d, path, ".pre");
    load_folder_group(rs, d, path, ".cf");
    closedir(d);
    return 0;
}

static void
do_include(struct reader *r, struct slice arg)
{
    if (r->dir == NULL) {
        rules_skip(r->rs, &r->pos, SKIP_FILE, "include is not allowed here");
        return;
    }
    if (r->rs->depth >= RULES_INCLUDE_DEPTH) {
        rules_skip(r->rs, &r->pos, SKIP_FILE, "include nested too deep");
        return;
    }
    struct str p;
    str_init(&p, 0);
    if (arg.len && arg.ptr[0] != '/')
        str_append_cstr(&p, r->dir);
    str_append_slice(&p, arg);
    r->rs->depth++;
    (void)rules_load(r->rs, str_cstr(&p)); /* a file not read is reported */
    r->rs->depth--;
    str_deinit(&p);
}
