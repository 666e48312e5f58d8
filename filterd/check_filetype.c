/*
 * check_filetype: libmagic on the decoded bytes of each attachment; the
 * banned-type policy; names whose extension lies about the content.
 *
 * Untrusted input: the attachments' bytes (decoded by mail/, at most
 * FILETYPE_SNIFF_MAX bytes each, then read by libmagic with its own
 * limits) and their file names (from mail/mime; only their printable ASCII
 * reaches a symbol or a reply, at most FILETYPE_NAME_MAX bytes).
 *
 * Threads: a libmagic handle is not safe to share, and loading one costs
 * about a millisecond and a few hundred kB (docs/filetypes.md), so the
 * state keeps a pool: a scan takes a free handle (or makes one) and gives
 * it back; there are never more handles than scans at once.
 */
#include "check_filetype.h"

#include <fnmatch.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_choice.h"
#include "filterd/filetype_archive.h"
#include "filterd/virus_engine.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "mail/filename.h"
#include "mail/render.h"

#define BANNED_TYPES                                                                     \
    "application/x-dosexec application/x-msdownload "                                    \
    "application/vnd.microsoft.portable-executable application/x-executable "            \
    "application/x-pie-executable application/x-sharedlib application/x-mach-binary "    \
    "application/x-elf application/x-msi application/x-ms-shortcut application/hta "     \
    "application/java-archive text/x-shellscript text/x-msdos-batch text/x-script.* "    \
    "text/x-perl text/x-python text/x-ruby text/x-php text/x-tcl text/x-lua"
#define BANNED_EXTS                                                                      \
    "exe com scr pif bat cmd cpl vbs vbe js jse wsf wsh hta msi msp lnk ps1 psm1 reg "   \
    "jar dll sys"

static const struct config_key schema[] = {
    {"filetype_check", CONFIG_BOOL, "yes", 0, 0,
     "look at each attachment's bytes with libmagic (banned types, lying names)"},
    {"filetype_banned_types", CONFIG_LIST, BANNED_TYPES, 0, 0,
     "MIME types (libmagic's, patterns with * and ?) of banned attachments"},
    {"filetype_banned_descriptions", CONFIG_STRING, "", 0, 0,
     "comma-separated patterns of libmagic descriptions of banned attachments"},
    {"filetype_banned_extensions", CONFIG_LIST, BANNED_EXTS, 0, 0,
     "file-name extensions of banned attachments (for types libmagic cannot see)"},
    {"filetype_archive_members", CONFIG_BOOL, "yes", 0, 0,
     "judge the files inside archive attachments too (unpacked by libclamav, virus_max_* "
     "limits)"},
    {"filetype_action", CONFIG_STRING, "reject", 0, 0,
     "for a banned attachment: reject (554 5.7.1), discard, quarantine or accept"},
    {"on_error_filetype", CONFIG_STRING, "tempfail", 0, 0,
     "when libmagic cannot run: tempfail or accept"},
    {"filetype_banned_score", CONFIG_STRING, "10", 0, 0, "score of FILETYPE_BANNED"},
    {"filename_ext_mismatch_score", CONFIG_STRING, "2", 0, 0,
     "score of FILENAME_EXT_MISMATCH"},
    {"filename_double_ext_score", CONFIG_STRING, "3", 0, 0, "score of FILENAME_DOUBLE_EXT"},
};

struct filetype_state {
    bool on;
    enum check_action action;
    bool error_accept;
    char **types, **descs, **exts; /* lower case */
    size_t ntypes, ndescs, nexts;
    struct filetype_archives *archives; /* NULL: members not judged */
    pthread_mutex_t lock;
    magic_t *pool; /* free handles */
    size_t nfree, made;
    bool own_tmpdir; /* holds the process's private folder (released) */
    double banned_score, mismatch_score, double_ext_score;
};

/* --- Settings ------------------------------------------------------------- */

static char **
lowered(const char *const *items, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        out[i] = xmalloc(len + 1);
        filename_lower(items[i], out[i], len + 1);
    }
    return out;
}

/* Split the comma-separated description patterns. */
static char **
split_descs(const char *s, size_t *n_r)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **out = xcalloc(cap, sizeof(*out));
    size_t n = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        struct slice t = slice_trim(slice_make(s, len));
        if (t.len) {
            out[n] = xmalloc(t.len + 1);
            memcpy(out[n], t.ptr, t.len);
            out[n][t.len] = '\0';
            filename_lower(out[n], out[n], t.len + 1);
            n++;
        }
        s += len + (e != NULL);
    }
    *n_r = n;
    return out;
}

static void
free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static void
state_free(void *p)
{
    struct filetype_state *s = p;
    if (s == NULL)
        return;
    free_list(s->types, s->ntypes);
    free_list(s->descs, s->ndescs);
    free_list(s->exts, s->nexts);
    filetype_archives_free(&s->archives);
    if (s->own_tmpdir)
        virus_tmpdir_release();
    for (size_t i = 0; i < s->nfree; i++)
        magic_close(s->pool[i]);
    free(s->pool);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* A new libmagic handle with the default database; NULL with why. */
static magic_t
magic_make(struct str *why)
{
    magic_t mg = magic_open(MAGIC_NONE);
    if (mg == NULL) {
        str_append_cstr(why, "libmagic: cannot open a handle");
        return NULL;
    }
    if (magic_load(mg, NULL) < 0) {
        str_appendf(why, "libmagic: cannot load its database: %s",
                    magic_error(mg) ? magic_error(mg) : "unknown error");
        magic_close(mg);
        return NULL;
    }
    return mg;
}

/* The unpacking engine for archive members, when asked for; -1 on an
 * error (in err). */
static int
open_archives(const struct config *c, struct filetype_state *s, struct str *err)
{
    if (!s->on || !config_get_bool(c, "filetype_archive_members"))
        return 0;
    struct str tmp, why;
    str_init(&tmp, 0);
    str_init(&why, 0);
    int r = 0;
    str_append_cstr(&tmp, config_get_str(c, "clamav_tmpdir"));
    if (tmp.len == 0) {
        r = virus_tmpdir_acquire(&tmp);
        s->own_tmpdir = r == 0;
    }
    if (r == 0)
        s->archives = filetype_archives_new(c, str_cstr(&tmp), &why);
    if (r < 0 || s->archives == NULL) {
        str_appendf(err, "%s: %s\n", config_source(c, "filetype_archive_members"),
                    r < 0 ? str_cstr(&tmp) : str_cstr(&why));
        r = -1;
    }
    str_deinit(&tmp);
    str_deinit(&why);
    return r;
}

static void *
state_new(const struct config *c, struct str *err)
{
    struct filetype_state *s = xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    const char *const *items;
    s->on = config_get_bool(c, "filetype_check");
    s->ntypes = config_get_list(c, "filetype_banned_types", &items);
    s->types = lowered(items, s->ntypes);
    s->nexts = config_get_list(c, "filetype_banned_extensions", &items);
    s->exts = lowered(items, s->nexts);
    s->descs = split_descs(config_get_str(c, "filetype_banned_descriptions"), &s->ndescs);
    int a = check_choice(c, "filetype_action", check_action_words, err);
    int e = check_choice(c, "on_error_filetype",
                         (const char *const[]){"tempfail", "accept", NULL}, err);
    s->action = (enum check_action)a;
    s->error_accept = e == 1;
    if (check_score(c, "filetype_banned_score", &s->banned_score, err) |
        check_score(c, "filename_ext_mismatch_score", &s->mismatch_score, err) |
        check_score(c, "filename_double_ext_score", &s->double_ext_score, err))
        a = -1; /* refused below, with every bad score said */
    s->pool = xcalloc(1, sizeof(*s->pool));
    if (s->on && a >= 0 && e >= 0) { /* the database loads: one handle to start */
        struct str why;
        str_init(&why, 0);
        s->pool[0] = magic_make(&why);
        s->nfree = s->made = s->pool[0] != NULL;
        if (s->pool[0] == NULL)
            str_appendf(err, "%s: %s\n", config_source(c, "filetype_check"), str_cstr(&why));
        str_deinit(&why);
    }
    if (a < 0 || e < 0 || (s->on && s->nfree == 0) || open_archives(c, s, err) < 0) {
        state_free(s);
        return NULL;
    }
    return s;
}

/* --- The pool ------------------------------------------------------------- */

static magic_t
pool_take(struct filetype_state *s, struct str *why)
{
    magic_t mg = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->nfree)
        mg = s->pool[--s->nfree];
    pthread_mutex_unlock(&s->lock);
    if (mg == NULL && (mg = magic_make(why)) != NULL) {
        pthread_mutex_lock(&s->lock);
        s->made++;
        s->pool = xreallocarray(s->pool, s->made, sizeof(*s->pool));
        pthread_mutex_unlock(&s->lock);
    }
    return mg;
}

static void
pool_give(struct filetype_state *s, magic_t mg)
{
    pthread_mutex_lock(&s->lock);
    s->pool[s->nfree++] = mg; /* made >= nfree + 1: room */
    pthread_mutex_unlock(&s->lock);
}

/* --- The scan ------------------------------------------------------------- */

/* What the attachments of one message showed. */
struct findings {
    bool banned, mismatch, dbl;
    char reply[FILETYPE_NAME_MAX + 160];
};

static bool
any_match(char *const *patterns, size_t n, const char *s)
{
    char low[512];
    filename_lower(s, low, sizeof(low));
    for (size_t i = 0; i < n; i++)
        if (fnmatch(patterns[i], low, 0) == 0)
            return true;
    return false;
}

/* The printable ASCII of a file name, bounded, into buf. */
static void
show_name(const char *name, char *buf, size_t n)
{
    size_t o = 0;
    for (; name && *name && o + 1 < n && o < FILETYPE_NAME_MAX; name++)
        buf[o++] = ((unsigned char)*name >= ' ' && (unsigned char)*name < 127 && *name != '"')
                       ? *name
                       : '?';
    buf[o] = '\0';
}

/* What one attachment shows, before libmagic's description is asked for
 * (it costs as much again as the type: only when something needs it). */
struct look {
    const char *name, *type, *desc;
    const char *path; /* shown instead of name: "archive.zip/member.exe" */
    const char *banned_by; /* the setting that bans it, or NULL */
    bool mismatch, dbl;
};

static void
look_at(const struct filetype_state *s, struct look *l)
{
    l->banned_by = NULL;
    if (any_match(s->types, s->ntypes, l->type))
        l->banned_by = "filetype_banned_types";
    else if (filename_ext_in(l->name, (const char *const *)s->exts, s->nexts))
        l->banned_by = "filetype_banned_extensions";
    l->mismatch = filename_ext_mismatch(l->name, l->type);
    l->dbl = filename_double_ext(l->name, (const char *const *)s->exts, s->nexts);
}

/* Whether the description is needed: a pattern to match, or a symbol. */
static bool
needs_desc(const struct filetype_state *s, const struct look *l)
{
    return s->ndescs || l->banned_by || l->mismatch || l->dbl;
}

/* Add the symbols of one attachment (each once a message). */
static void
judge(const struct filetype_state *s, struct look *l, struct verdict *v, struct findings *f)
{
    char shown[FILETYPE_NAME_MAX + 1], text[FILETYPE_NAME_MAX + 400];
    show_name(l->path ? l->path : l->name ? l->name : "(no name)", shown, sizeof(shown));
    if (l->banned_by == NULL && any_match(s->descs, s->ndescs, l->desc))
        l->banned_by = "filetype_banned_descriptions";
    if (l->banned_by && !f->banned) {
        f->banned = true;
        snprintf(text, sizeof(text), "attachment \"%s\" is %s (%.120s): banned by %s", shown,
                 l->type, l->desc, l->banned_by);
        verdict_add(v, "FILETYPE_BANNED", s->banned_score, text);
        snprintf(f->reply, sizeof(f->reply), "attachment not allowed: \"%s\" (%s)", shown,
                 l->type);
    }
    if (l->mismatch && !f->mismatch) {
        f->mismatch = true;
        snprintf(text, sizeof(text), "attachment \"%s\": its name says one type, its bytes "
                 "are %s (%.120s)", shown, l->type, l->desc);
        verdict_add(v, "FILENAME_EXT_MISMATCH", s->mismatch_score, text);
    }
    if (l->dbl && !f->dbl) {
        f->dbl = true;
        snprintf(text, sizeof(text), "attachment \"%s\": a document's extension before an "
                 "executable's", shown);
        verdict_add(v, "FILENAME_DOUBLE_EXT", s->double_ext_score, text);
    }
}

/* libmagic's answer for the len bytes at data with flags, copied into the
 * arena; NULL on an error. */
static const char *
sniff(magic_t mg, int flags, const char *data, size_t len, struct arena *a)
{
    if (magic_setflags(mg, flags) < 0)
        return NULL;
    const char *r = magic_buffer(mg, len ? data : "", len);
    return r ? arena_strdup(a, r) : NULL;
}

/* Whether p is an attachment: a leaf that is not body text. */
static bool
is_attachment(const struct mime_part *p)
{
    return p->kind == MIME_LEAF && (p->filename || !render_is_text(p));
}

static void
apply(const struct filetype_state *s, const struct findings *f, struct verdict *v)
{
    if (f->banned)
        check_act(v, s->action, f->reply);
}

/* One message's scan. */
struct scan_ctx {
    struct filetype_state *s;
    magic_t mg;
    struct message *m;
    struct verdict *v;
    struct findings f;
    struct str why; /* a libmagic error: the scan stops */
    const char *parent; /* while in an archive: its name as shown */
};

/* Judge one file (an attachment or an archive member) by its name and
 * bytes; its MIME type, or NULL on a libmagic error (why says it). */
static const char *
judge_bytes(struct scan_ctx *x, struct look *l, const char *data, size_t len)
{
    struct arena *a = x->m->arena;
    l->desc = "";
    l->type = sniff(x->mg, MAGIC_MIME_TYPE, data, len, a);
    if (l->type)
        look_at(x->s, l);
    if (l->type && needs_desc(x->s, l))
        l->desc = sniff(x->mg, MAGIC_NONE, data, len, a);
    if (l->type == NULL || l->desc == NULL) {
        str_appendf(&x->why, "libmagic: %s",
                    magic_error(x->mg) ? magic_error(x->mg) : "failed");
        return NULL;
    }
    judge(x->s, l, x->v, &x->f);
    return l->type;
}

static void
on_member(void *arg, const char *name, const char *data, size_t len, unsigned level)
{
    (void)level;
    struct scan_ctx *x = arg;
    if (x->why.len)
        return;
    struct str path;
    str_init(&path, 0);
    str_appendf(&path, "%s/%s", x->parent, name ? name : "(no name)");
    struct look l = {.name = name, .path = arena_strdup(x->m->arena, str_cstr(&path))};
    str_deinit(&path);
    (void)judge_bytes(x, &l, data, len);
}

/* The members of an archive attachment, through libclamav. */
static void
walk_archive(struct scan_ctx *x, const struct mime_part *p)
{
    struct str all;
    str_init(&all, x->m->limits.decoded_max);
    (void)message_decode_part(x->m, p, &all, NULL); /* past the limit: its start */
    x->parent = p->filename ? p->filename : "(no name)";
    (void)filetype_archives_walk(x->s->archives, all.buf ? all.buf : "", all.len,
                                 FILETYPE_SNIFF_MAX, on_member, x);
    x->parent = NULL;
    str_deinit(&all);
}

static void
content(const void *state, const struct scan_env *env, struct message *m, struct verdict *v)
{
    (void)env;
    /* Only the pool changes, under its lock. */
    struct scan_ctx x = {.s = (struct filetype_state *)state, .m = m, .v = v};
    if (!x.s->on)
        return;
    str_init(&x.why, 0);
    x.mg = pool_take(x.s, &x.why);
    if (x.mg == NULL) {
        verdict_check_failed(v, "filetype", str_cstr(&x.why), x.s->error_accept);
        str_deinit(&x.why);
        return;
    }
    struct str dec;
    str_init(&dec, FILETYPE_SNIFF_MAX);
    for (struct mime_part *p = m->mime->root; p && x.why.len == 0; p = mime_next(p)) {
        if (!is_attachment(p))
            continue;
        str_clear(&dec);
        (void)message_decode_part(m, p, &dec, NULL); /* its start is enough */
        struct look l = {.name = p->filename};
        const char *type = judge_bytes(&x, &l, dec.buf ? dec.buf : "", dec.len);
        if (type && x.s->archives && filetype_is_archive(type))
            walk_archive(&x, p);
    }
    str_deinit(&dec);
    pool_give(x.s, x.mg);
    if (x.why.len)
        verdict_check_failed(v, "filetype", str_cstr(&x.why), x.s->error_accept);
    else
        apply(x.s, &x.f, v);
    str_deinit(&x.why);
}

static void
summary(const void *state, struct str *out)
{
    const struct filetype_state *s = state;
    if (!s->on) {
        str_append_cstr(out, "filetype: off (filetype_check = no)\n");
        return;
    }
    str_appendf(out, "filetype: libmagic %d, %zu banned types, %zu banned description "
                "patterns, %zu banned extensions; banned attachments: %s\n",
                magic_version(), s->ntypes, s->ndescs, s->nexts, check_action_words[s->action]);
}

const struct check_ops check_filetype_ops = {
    .name = "filetype",
    .schema = schema,
    .nschema = sizeof(schema) / sizeof(schema[0]),
    .state_new = state_new,
    .state_free = state_free,
    .content = content,
    .summary = summary,
};
