/*
 * config: the configuration reader (key = value files, includes, -o).
 *
 * Untrusted input: the files are the administrator's, but they are read as
 * if hostile (the fuzzer feeds config_load_buffer): every loop is bounded by
 * the input's length, and the limits of config.h bound a physical line, a
 * logical line, a value (so that config_print() writes every value on one
 * line that reads back), a file, the lines and files of all loads, include
 * nesting, list items and the messages kept. Reaching one is an error with
 * file and line.
 *
 * The reader joins physical lines into logical lines (a line that starts
 * with white space continues the one before; blank and comment lines are
 * skipped and do not end it), then applies each logical line: a setting
 * "key = value" or "include PATH". Values are checked against the schema
 * when they are read, so each error names the file and line it came from.
 */
#include "config.h"

#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "str.h"

/* The effective value of one key. */
struct config_value {
    char *text;    /* as written, trimmed; never NULL */
    long long num; /* integer, size, duration or boolean */
    char **items;  /* list items, NULL-terminated; NULL if not a list */
    size_t nitems;
    char *source;     /* "FILE:LINE" or "-o:N"; NULL for the default */
    bool by_override; /* set by -o: files no longer replace it */
};

struct msg_list {
    char **v;
    size_t n;
};

/* A file being read, to find include loops. */
struct file_id {
    bool known; /* false for a buffer */
    dev_t dev;
    ino_t ino;
};

struct config {
    const struct config_key *schema;
    size_t n;
    struct config_value *vals;
    struct msg_list errors, warnings;
    size_t error_total; /* errors seen, including those not kept */
    size_t overrides;   /* -o options seen */
    size_t lines;       /* physical lines read, all loads */
    size_t files;       /* files read, all loads */
    bool no_includes;
    struct file_id stack[CONFIG_MAX_DEPTH + 1];
    size_t depth; /* entries used in stack */
};

/* One buffer being read: the logical line under construction. */
struct reader {
    struct config *c;
    const char *name; /* for messages and relative includes */
    size_t line;      /* current physical line */
    size_t start;     /* line where the logical line began; 0: none */
    bool bad;         /* the logical line was already reported */
    struct str logical;
};

#define CONFIG_STR(x) #x
#define CONFIG_XSTR(x) CONFIG_STR(x)

/* Room for a quoted, escaped excerpt of at most QUOTE_MAX input bytes. */
#define QUOTE_MAX 64
struct qbuf {
    char s[QUOTE_MAX * 4 + 8];
};

static const char *const bool_true[] = {"yes", "true", "on", "1"};
static const char *const bool_false[] = {"no", "false", "off", "0"};

/*
 * Quote n bytes of s for a message: in double quotes, at most QUOTE_MAX
 * bytes, with quotes, backslashes and non-printable bytes escaped.
 */
static const char *
quote(struct qbuf *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    q->s[o++] = '"';
    for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b == '"' || b == '\\') {
            q->s[o++] = '\\';
            q->s[o++] = (char)b;
        } else if (b < 0x20 || b >= 0x7f) {
            q->s[o++] = '\\';
            q->s[o++] = 'x';
            q->s[o++] = hex[b >> 4];
            q->s[o++] = hex[b & 15];
        } else {
            q->s[o++] = (char)b;
        }
    }
    q->s[o++] = '"';
    if (n > QUOTE_MAX) {
        memcpy(q->s + o, "...", 3);
        o += 3;
    }
    q->s[o] = '\0';
    return q->s;
}

/* Keep text in l; past CONFIG_MAX_ERRORS, one last note says so. */
static void
msg_push(struct msg_list *l, const char *text)
{
    if (l->n > CONFIG_MAX_ERRORS)
        return;
    const char *t =
        l->n < CONFIG_MAX_ERRORS ? text : "too many messages; the rest are not shown";
    l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
    l->v[l->n] = xstrdup(t);
    l->n++;
}

static void msg_vadd(struct msg_list *l, const char *src, size_t line, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));

/* Add "SRC:LINE: text" (or "SRC: text" when line is 0) to l. */
static void
msg_vadd(struct msg_list *l, const char *src, size_t line, const char *fmt, va_list ap)
{
    struct str m;
    str_init(&m, 16384);
    if (line > 0)
        str_appendf(&m, "%s:%zu: ", src, line);
    else
        str_appendf(&m, "%s: ", src);
    if (str_vappendf(&m, fmt, ap) < 0)
        str_append_cstr(&m, "(message too long)");
    msg_push(l, str_cstr(&m));
    str_deinit(&m);
}

static void error_at(struct config *c, const char *src, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
error_at(struct config *c, const char *src, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->error_total++;
    msg_vadd(&c->errors, src, line, fmt, ap);
    va_end(ap);
}

static void warn_at(struct config *c, const char *src, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
warn_at(struct config *c, const char *src, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&c->warnings, src, line, fmt, ap);
    va_end(ap);
}

static bool
valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return true;
}

/* The schema index of the key named by n bytes at s, or -1. */
static long
find_key(const struct config *c, const char *s, size_t n)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strlen(c->schema[i].name) == n && memcmp(c->schema[i].name, s, n) == 0)
            return (long)i;
    }
    return -1;
}

static void
value_clear(struct config_value *v)
{
    free(v->text);
    for (size_t i = 0; i < v->nitems; i++)
        free(v->items[i]);
    free(v->items);
    free(v->source);
    memset(v, 0, sizeof(*v));
}

/*
 * Read decimal digits at s[*i..n) into *out, advancing *i past all of
 * them. Returns how many there were; *overflow says if they pass LLONG_MAX.
 */
static size_t
read_digits(const char *s, size_t n, size_t *i, long long *out, bool *overflow)
{
    size_t start = *i;
    long long x = 0;
    *overflow = false;
    for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
        int d = s[*i] - '0';
        if (x > (LLONG_MAX - d) / 10)
            *overflow = true;
        else
            x = x * 10 + d;
    }
    *out = x;
    return *i - start;
}

/* The multiplier for a unit suffix of a size or duration, or 0 if none. */
static long long
unit_multiplier(enum config_type type, const char *u, size_t n)
{
    if (n == 0)
        return 1;
    if (type == CONFIG_SIZE) {
        /* k, M or G, optionally followed by B; a lone B means bytes. */
        if (n == 2 && (u[1] == 'b' || u[1] == 'B'))
            n = 1;
        else if (n == 1 && (u[0] == 'b' || u[0] == 'B'))
            return 1;
        if (n != 1)
            return 0;
        switch (u[0]) {
        case 'k':
        case 'K':
            return 1024LL;
        case 'm':
        case 'M':
            return 1024LL * 1024;
        case 'g':
        case 'G':
            return 1024LL * 1024 * 1024;
        default:
            return 0;
        }
    }
    if (n != 1)
        return 0;
    switch (u[0]) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    case 'w':
        return 7 * 86400LL;
    default:
        return 0;
    }
}

static const char *
unit_name(enum config_type type)
{
    return type == CONFIG_SIZE ? " bytes" : type == CONFIG_DURATION ? " seconds" : "";
}

static const char *
number_kind(enum config_type type)
{
    switch (type) {
    case CONFIG_SIZE:
        return "a size (a number of bytes, with an optional k, M or G)";
    case CONFIG_DURATION:
        return "a duration (a number, with an optional s, m, h, d or w)";
    default:
        return "an integer";
    }
}

/* Parse an integer, size or duration into *out; a reason into why if not. */
static int
parse_number(const struct config_key *k, const char *s, size_t n, long long *out,
             struct str *why)
{
    struct qbuf q;
    size_t i = 0;
    bool neg = false, overflow;
    long long x, mult;
    if (k->type == CONFIG_INT && n > 0 && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    size_t digits = read_digits(s, n, &i, &x, &overflow);
    if (k->type == CONFIG_INT)
        mult = i == n ? 1 : 0;
    else
        mult = unit_multiplier(k->type, s + i, n - i);
    if (digits == 0 || mult == 0) {
        str_appendf(why, "%s is not %s", quote(&q, s, n), number_kind(k->type));
        return -1;
    }
    if (overflow || x > LLONG_MAX / mult) {
        str_appendf(why, "%s is too large", quote(&q, s, n));
        return -1;
    }
    x = neg ? -x : x * mult;
    if ((k->min != 0 || k->max != 0) && (x < k->min || x > k->max)) {
        str_appendf(why, "%s is out of range (%lld..%lld%s)", quote(&q, s, n), k->min,
                    k->max, unit_name(k->type));
        return -1;
    }
    *out = x;
    return 0;
}

static int
parse_bool(const char *s, size_t n, long long *out, struct str *why)
{
    struct qbuf q;
    for (size_t i = 0; i < sizeof(bool_true) / sizeof(bool_true[0]); i++) {
        if (slice_case_eq_cstr(slice_make(s, n), bool_true[i])) {
            *out = 1;
            return 0;
        }
        if (slice_case_eq_cstr(slice_make(s, n), bool_false[i])) {
            *out = 0;
            return 0;
        }
    }
    str_appendf(why, "%s is not a boolean (yes or no)", quote(&q, s, n));
    return -1;
}

static bool
list_sep(char ch)
{
    return ch == ',' || ch == ' ' || ch == '\t';
}

/* Split s into non-empty items separated by commas and/or white space. */
static int
parse_list(const char *s, size_t n, struct config_value *v, struct str *why)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!list_sep(s[i]) && (i == 0 || list_sep(s[i - 1])))
            count++;
    }
    if (count > CONFIG_MAX_LIST_ITEMS) {
        str_appendf(why, "more than %d items", CONFIG_MAX_LIST_ITEMS);
        return -1;
    }
    v->items = xcalloc(count + 1, sizeof(*v->items));
    for (size_t i = 0; i < n;) {
        while (i < n && list_sep(s[i]))
            i++;
        size_t start = i;
        while (i < n && !list_sep(s[i]))
            i++;
        if (i > start)
            v->items[v->nitems++] = xmemdup0(s + start, i - start);
    }
    return 0;
}

/*
 * Check n bytes of s against key k and fill *v (text, number, items).
 * Returns 0, or -1 with the reason appended to why (v is then empty).
 */
static int
parse_value(const struct config_key *k, const char *s, size_t n, struct config_value *v,
            struct str *why)
{
    int rc = 0;
    memset(v, 0, sizeof(*v));
    switch (k->type) {
    case CONFIG_STRING:
        break;
    case CONFIG_INT:
    case CONFIG_SIZE:
    case CONFIG_DURATION:
        rc = parse_number(k, s, n, &v->num, why);
        break;
    case CONFIG_BOOL:
        rc = parse_bool(s, n, &v->num, why);
        break;
    case CONFIG_LIST:
        rc = parse_list(s, n, v, why);
        break;
    }
    if (rc < 0) {
        value_clear(v);
        return -1;
    }
    v->text = xmemdup0(s, n);
    return 0;
}

/* Make *nv the value of key idx, set at src:line (line 0: "-o:N" in src). */
static void
store(struct config *c, size_t idx, struct config_value *nv, const char *src, size_t line,
      bool by_override)
{
    struct config_value *v = &c->vals[idx];
    if (v->by_override && !by_override) {
        value_clear(nv); /* checked, but -o wins */
        return;
    }
    if (!by_override && v->source != NULL)
        warn_at(c, src, line, "setting \"%s\" given again (before at %s); the last wins",
                c->schema[idx].name, v->source);
    value_clear(v);
    *v = *nv;
    struct str s;
    str_init(&s, 0);
    if (line > 0)
        str_appendf(&s, "%s:%zu", src, line);
    else
        str_append_cstr(&s, src);
    v->source = str_steal(&s, NULL);
    v->by_override = by_override;
}

/* Apply "key = value" from src:line. */
static void
apply_setting(struct config *c, const char *src, size_t line, struct slice key,
              struct slice val, bool by_override)
{
    struct qbuf q;
    long idx = find_key(c, key.ptr, key.len);
    if (idx < 0) {
        error_at(c, src, line, "unknown setting %s", quote(&q, key.ptr, key.len));
        return;
    }
    if (val.len > CONFIG_MAX_VALUE) {
        error_at(c, src, line, "bad value for %s: longer than %d bytes",
                 c->schema[idx].name, CONFIG_MAX_VALUE);
        return;
    }
    struct config_value nv;
    struct str why;
    str_init(&why, 4096);
    if (parse_value(&c->schema[idx], val.ptr, val.len, &nv, &why) < 0)
        error_at(c, src, line, "bad value for %s: %s", c->schema[idx].name,
                 str_cstr(&why));
    else
        store(c, (size_t)idx, &nv, src, line, by_override);
    str_deinit(&why);
}

static int read_file(struct config *c, const char *path, const char *from,
                     size_t from_line);

/* Words for an errno that read_file() returned. */
static const char *
read_error(int err)
{
    if (err == EFBIG)
        return "file too large (more than " CONFIG_XSTR(CONFIG_MAX_FILE_SIZE) " bytes)";
    if (err == EINVAL)
        return "not a regular file";
    return strerror(err);
}

/*
 * Append the folder part of name (up to and including its last '/') to
 * out; with escape, glob's special characters in it are quoted with '\\'.
 */
static int
append_folder(struct str *out, const char *name, bool escape)
{
    const char *slash = strrchr(name, '/');
    for (const char *p = name; slash != NULL && p <= slash; p++) {
        if (escape && strchr("*?[\\", *p) != NULL && str_appendc(out, '\\') < 0)
            return -1;
        if (str_appendc(out, *p) < 0)
            return -1;
    }
    return 0;
}

/* Read one included file; report a failure to open it at the include. */
static void
include_one(struct reader *r, const char *path)
{
    struct qbuf q;
    int err = read_file(r->c, path, r->name, r->start);
    if (err != 0)
        error_at(r->c, r->name, r->start, "cannot include %s: %s",
                 quote(&q, path, strlen(path)), read_error(err));
}

/* Read every file matching the pattern, in name order; none is fine. */
static void
include_glob(struct reader *r, const char *pattern)
{
    struct qbuf q;
    glob_t g;
    memset(&g, 0, sizeof(g)); /* so that globfree() is safe whatever glob() did */
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            include_one(r, g.gl_pathv[i]);
    } else if (rc != GLOB_NOMATCH) {
        error_at(r->c, r->name, r->start, "cannot include %s: cannot read its folder",
                 quote(&q, pattern, strlen(pattern)));
    }
    globfree(&g);
}

/*
 * "include PATH": PATH is relative to the including file's folder, and is
 * a glob pattern when it holds '*', '?' or '['.
 */
static void
do_include(struct reader *r, struct slice path)
{
    struct qbuf q;
    if (r->c->no_includes) {
        error_at(r->c, r->name, r->start, "include is not allowed here");
        return;
    }
    if (path.len == 0) {
        error_at(r->c, r->name, r->start, "include without a path");
        return;
    }
    bool pattern = false;
    for (size_t i = 0; i < path.len; i++)
        pattern |= path.ptr[i] == '*' || path.ptr[i] == '?' || path.ptr[i] == '[';
    struct str full;
    str_init(&full, PATH_MAX);
    if ((path.ptr[0] != '/' && append_folder(&full, r->name, pattern) < 0) ||
        str_append_slice(&full, path) < 0)
        error_at(r->c, r->name, r->start, "include path too long: %s",
                 quote(&q, path.ptr, path.len));
    else if (pattern)
        include_glob(r, str_cstr(&full));
    else
        include_one(r, str_cstr(&full));
    str_deinit(&full);
}

/* Apply one complete logical line (trimmed, n > 0 bytes). */
static void
apply_logical(struct reader *r, const char *s, size_t n)
{
    struct qbuf q;
    size_t i = 0;
    while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t')
        i++;
    struct slice key = slice_make(s, i);
    size_t j = i;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (slice_eq(key, SLICE_LIT("include")) && (j == n || s[j] != '=')) {
        do_include(r, slice_make(s + j, n - j));
        return;
    }
    if (!valid_name(key.ptr, key.len)) {
        if (key.len == 0)
            error_at(r->c, r->name, r->start, "missing setting name before \"=\"");
        else
            error_at(r->c, r->name, r->start, "bad setting name %s (use a-z, 0-9 and _)",
                     quote(&q, key.ptr, key.len));
        return;
    }
    if (j == n || s[j] != '=') {
        error_at(r->c, r->name, r->start, "expected \"=\" after %s",
                 quote(&q, key.ptr, key.len));
        return;
    }
    struct slice val = slice_trim(slice_make(s + j + 1, n - j - 1));
    apply_setting(r->c, r->name, r->start, key, val, false);
}

static void
flush_logical(struct reader *r)
{
    if (r->start != 0 && !r->bad && r->logical.len > 0)
        apply_logical(r, r->logical.buf, r->logical.len);
    r->start = 0;
    r->bad = false;
    str_clear(&r->logical);
}

/* A bad physical line spoils the logical line it belongs to. */
static void
spoil_line(struct reader *r, bool continues)
{
    if (!continues) {
        flush_logical(r);
        r->start = r->line;
    }
    r->bad = true;
}

/* Take one physical line (without its line end). */
static void
physical_line(struct reader *r, const char *p, size_t n)
{
    struct slice t = slice_trim(slice_make(p, n));
    bool continues = n > 0 && (p[0] == ' ' || p[0] == '\t');
    if (n > CONFIG_MAX_LINE) {
        error_at(r->c, r->name, r->line, "line longer than %d bytes", CONFIG_MAX_LINE);
        spoil_line(r, continues);
        return;
    }
    if (t.len == 0 || t.ptr[0] == '#')
        return;
    if (memchr(p, '\0', n) != NULL) {
        error_at(r->c, r->name, r->line, "NUL byte in line");
        spoil_line(r, continues);
        return;
    }
    if (!continues) {
        flush_logical(r);
        r->start = r->line;
    } else if (r->start == 0) {
        error_at(r->c, r->name, r->line, "continuation line with no setting before it");
        return;
    } else if (r->bad) {
        return;
    }
    if ((continues && str_appendc(&r->logical, ' ') < 0) ||
        str_append_slice(&r->logical, t) < 0) {
        error_at(r->c, r->name, r->start, "setting longer than %d bytes",
                 CONFIG_MAX_LOGICAL);
        r->bad = true;
    }
}

/* Read len bytes of buf as a configuration named name. */
static void
parse_buffer(struct config *c, const char *name, const char *buf, size_t len)
{
    struct reader r = {.c = c, .name = name};
    str_init(&r.logical, CONFIG_MAX_LOGICAL);
    size_t pos = 0;
    while (pos < len) {
        const char *p = buf + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL);
        r.line++;
        if (++c->lines > CONFIG_MAX_LINES) {
            error_at(c, name, r.line, "too many lines (more than %d in all)",
                     CONFIG_MAX_LINES);
            break;
        }
        if (n > 0 && p[n - 1] == '\r')
            n--;
        physical_line(&r, p, n);
    }
    flush_logical(&r);
    str_deinit(&r.logical);
}

/*
 * Push a file onto the include stack unless that would loop or nest too
 * deeply; errors are reported at from:from_line (or at path if from is
 * NULL). Returns 0 or -1.
 */
static int
push_file(struct config *c, const char *path, const struct stat *st, const char *from,
          size_t from_line)
{
    struct qbuf q;
    const char *src = from ? from : path;
    if (c->depth > CONFIG_MAX_DEPTH) {
        error_at(c, src, from_line, "includes nested more than %d deep",
                 CONFIG_MAX_DEPTH);
        return -1;
    }
    for (size_t i = 0; i < c->depth; i++) {
        if (c->stack[i].known && c->stack[i].dev == st->st_dev &&
            c->stack[i].ino == st->st_ino) {
            error_at(c, src, from_line, "include loop: %s is already being read",
                     quote(&q, path, strlen(path)));
            return -1;
        }
    }
    if (c->files >= CONFIG_MAX_FILES) {
        error_at(c, src, from_line, "too many files (more than %d)", CONFIG_MAX_FILES);
        return -1;
    }
    c->files++;
    c->stack[c->depth++] = (struct file_id){true, st->st_dev, st->st_ino};
    return 0;
}

/*
 * Read the file at path. Returns 0 (errors in the file are recorded), or
 * the errno of a failure to open or read it, which the caller reports.
 */
static int
read_file(struct config *c, const char *path, const char *from, size_t from_line)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    int err = 0;
    if (fstat(fd, &st) < 0)
        err = errno;
    else if (S_ISDIR(st.st_mode))
        err = EISDIR;
    else if (!S_ISREG(st.st_mode))
        err = EINVAL;
    else if (st.st_size > CONFIG_MAX_FILE_SIZE)
        err = EFBIG;
    if (err != 0 || push_file(c, path, &st, from, from_line) < 0) {
        close(fd);
        return err;
    }
    struct str buf;
    str_init(&buf, CONFIG_MAX_FILE_SIZE);
    err = (fdio_read_to_str(fd, &buf) < 0 ? errno : 0);
    close(fd);
    if (err == 0)
        parse_buffer(c, path, buf.buf ? buf.buf : "", buf.len);
    str_deinit(&buf);
    c->depth--;
    return err;
}

int
config_load_file(struct config *c, const char *path)
{
    size_t before = c->error_total;
    int err = read_file(c, path, NULL, 0);
    if (err != 0) {
        error_at(c, path, 0, "cannot read: %s", read_error(err));
        errno = err;
        return -1;
    }
    return c->error_total > before ? -1 : 0;
}

int
config_load_buffer(struct config *c, const char *name, const char *buf, size_t len)
{
    size_t before = c->error_total;
    if (c->depth > CONFIG_MAX_DEPTH)
        log_panic("config_load_buffer: called while reading");
    c->stack[c->depth++] = (struct file_id){.known = false};
    parse_buffer(c, name, buf, len);
    c->depth--;
    return c->error_total > before ? -1 : 0;
}

void
config_allow_includes(struct config *c, bool allow)
{
    c->no_includes = !allow;
}

int
config_set_override(struct config *c, const char *kv)
{
    size_t before = c->error_total;
    char src[32];
    struct qbuf q;
    snprintf(src, sizeof(src), "-o:%zu", ++c->overrides);
    size_t n = strlen(kv);
    const char *eq = memchr(kv, '=', n);
    if (n > CONFIG_MAX_LOGICAL) {
        error_at(c, src, 0, "setting longer than %d bytes", CONFIG_MAX_LOGICAL);
    } else if (eq == NULL) {
        error_at(c, src, 0, "expected key=value, not %s", quote(&q, kv, n));
    } else if (strpbrk(kv, "\r\n") != NULL) {
        error_at(c, src, 0, "line break in %s", quote(&q, kv, n));
    } else {
        struct slice key = slice_trim(slice_make(kv, (size_t)(eq - kv)));
        struct slice val = slice_trim(slice_make(eq + 1, n - (size_t)(eq - kv) - 1));
        if (!valid_name(key.ptr, key.len))
            error_at(c, src, 0, "bad setting name %s", quote(&q, key.ptr, key.len));
        else
            apply_setting(c, src, 0, key, val, true);
    }
    return c->error_total > before ? -1 : 0;
}

struct config *
config_new(const struct config_key *schema, size_t n)
{
    struct config *c = xcalloc(1, sizeof(*c));
    c->schema = schema;
    c->n = n;
    c->vals = xcalloc(n ? n : 1, sizeof(*c->vals));
    for (size_t i = 0; i < n; i++) {
        const struct config_key *k = &schema[i];
        const char *def = k->def ? k->def : "";
        if (k->name == NULL || !valid_name(k->name, strlen(k->name)) ||
            strlen(k->name) > CONFIG_MAX_NAME)
            log_panic("config schema: bad key name \"%s\"", k->name ? k->name : "(null)");
        if (find_key(c, k->name, strlen(k->name)) != (long)i)
            log_panic("config schema: key \"%s\" given twice", k->name);
        struct str why;
        str_init(&why, 4096);
        if (strlen(def) > CONFIG_MAX_VALUE)
            log_panic("config schema: default for %s too long", k->name);
        if (parse_value(k, def, strlen(def), &c->vals[i], &why) < 0)
            log_panic("config schema: bad default for %s: %s", k->name, str_cstr(&why));
        str_deinit(&why);
    }
    return c;
}

static void
msg_free(struct msg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

void
config_free(struct config **cp)
{
    struct config *c = *cp;
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        value_clear(&c->vals[i]);
    free(c->vals);
    msg_free(&c->errors);
    msg_free(&c->warnings);
    free(c);
    *cp = NULL;
}

size_t
config_error_count(const struct config *c)
{
    return c->errors.n;
}

const char *
config_error(const struct config *c, size_t i)
{
    if (i >= c->errors.n)
        log_panic("config_error: index %zu of %zu", i, c->errors.n);
    return c->errors.v[i];
}

size_t
config_warning_count(const struct config *c)
{
    return c->warnings.n;
}

const char *
config_warning(const struct config *c, size_t i)
{
    if (i >= c->warnings.n)
        log_panic("config_warning: index %zu of %zu", i, c->warnings.n);
    return c->warnings.v[i];
}

void
config_print_errors(const struct config *c, FILE *f)
{
    for (size_t i = 0; i < c->errors.n; i++)
        fprintf(f, "%s\n", c->errors.v[i]);
    for (size_t i = 0; i < c->warnings.n; i++)
        fprintf(f, "warning: %s\n", c->warnings.v[i]);
}

/* The value of key, panicking if it is unknown or not of type (-1: any). */
static const struct config_value *
get(const struct config *c, const char *key, int type)
{
    long idx = find_key(c, key, strlen(key));
    if (idx < 0)
        log_panic("config: no setting \"%s\" in the schema", key);
    if (type >= 0 && (int)c->schema[idx].type != type)
        log_panic("config: setting \"%s\" read with the wrong type", key);
    return &c->vals[idx];
}

const char *
config_get_str(const struct config *c, const char *key)
{
    return get(c, key, -1)->text;
}

long long
config_get_int(const struct config *c, const char *key)
{
    return get(c, key, CONFIG_INT)->num;
}

bool
config_get_bool(const struct config *c, const char *key)
{
    return get(c, key, CONFIG_BOOL)->num != 0;
}

long long
config_get_size(const struct config *c, const char *key)
{
    return get(c, key, CONFIG_SIZE)->num;
}

long long
config_get_duration(const struct config *c, const char *key)
{
    return get(c, key, CONFIG_DURATION)->num;
}

size_t
config_get_list(const struct config *c, const char *key, const char *const **items_r)
{
    const struct config_value *v = get(c, key, CONFIG_LIST);
    *items_r = (const char *const *)v->items;
    return v->nitems;
}

bool
config_is_set(const struct config *c, const char *key)
{
    return get(c, key, -1)->source != NULL;
}

const char *
config_source(const struct config *c, const char *key)
{
    const struct config_value *v = get(c, key, -1);
    return v->source ? v->source : "default";
}

static int
key_cmp(const void *a, const void *b)
{
    const struct config_key *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int
config_print(const struct config *c, FILE *f, unsigned flags)
{
    const struct config_key **order = xcalloc(c->n ? c->n : 1, sizeof(*order));
    for (size_t i = 0; i < c->n; i++)
        order[i] = &c->schema[i];
    qsort(order, c->n, sizeof(*order), key_cmp);
    for (size_t i = 0; i < c->n; i++) {
        const struct config_key *k = order[i];
        const struct config_value *v = &c->vals[k - c->schema];
        if ((flags & CONFIG_PRINT_NON_DEFAULT) && v->source == NULL)
            continue;
        if ((flags & CONFIG_PRINT_HELP) && k->help != NULL)
            fprintf(f, "# %s\n", k->help);
        if (flags & CONFIG_PRINT_SOURCE)
            fprintf(f, "# from %s\n", v->source ? v->source : "default");
        fprintf(f, "%s =%s%s\n", k->name, v->text[0] ? " " : "", v->text);
    }
    free(order);
    if (fflush(f) != 0 || ferror(f))
        return -1;
    return 0;
}
