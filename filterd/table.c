/*
 * table: parsing and storage of filterd's lookup tables (filterd/table.h,
 * docs/tables.md); the lookups are in table_lookup.c, the values in
 * table_value.c.
 *
 * Untrusted input: the table files are the administrator's but are read as
 * if hostile: bounded by TABLE_FILE_MAX, TABLE_LINE_MAX, TABLE_ENTRIES_MAX;
 * every bad line is an error with file and line, at most TABLE_ERRORS_MAX
 * of them per table. Pure: no I/O, no logging.
 *
 * Storage: one open-addressing hash of binary keys (a tag byte for the kind
 * of lookup, a type byte, then the lower-cased text or the masked address
 * bytes and prefix length), and for pattern files an array of compiled
 * pcre2 patterns.
 */
#include "table_impl.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

struct table *
table_new(enum table_format f)
{
    struct table *t = xcalloc(1, sizeof(*t));
    t->format = f;
    if (f == TABLE_PATTERNS) {
        t->mctx = pcre2_match_context_create(NULL);
        if (t->mctx == NULL)
            abort(); /* out of memory */
        pcre2_set_match_limit(t->mctx, TABLE_MATCH_LIMIT);
        pcre2_set_depth_limit(t->mctx, TABLE_MATCH_LIMIT);
    }
    return t;
}

void
table_free(struct table **tp)
{
    struct table *t = *tp;
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (t->recs[i].hkey)
            free(t->recs[i].hkey);
        else
            free((char *)t->recs[i].e.key);
        table_value_deinit(&t->recs[i].e.value);
        pcre2_code_free(t->recs[i].code);
    }
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    free(t->recs);
    free(t->slots);
    pcre2_match_context_free(t->mctx);
    free(t);
    *tp = NULL;
}

enum table_format
table_format(const struct table *t)
{
    return t->format;
}

size_t
table_size(const struct table *t)
{
    return t->n;
}

void
table_set_kind(struct table *t, unsigned kind)
{
    t->only_tag = kind == TABLE_CLIENT ? 'C'
                  : kind == TABLE_FROM ? 'F'
                  : kind == TABLE_RCPT ? 'T'
                                       : 0;
}

size_t
table_duplicates(const struct table *t)
{
    return t->duplicates;
}

/* --- The hash -------------------------------------------------------- */

static uint64_t
hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

const struct table_entry *
table_find(const struct table *t, const unsigned char *k, size_t n)
{
    if (t->nslots == 0)
        return NULL;
    size_t mask = t->nslots - 1;
    for (size_t i = (size_t)hash_bytes(k, n) & mask;; i = (i + 1) & mask) {
        uint32_t s = t->slots[i];
        if (s == 0)
            return NULL;
        const struct table_rec *r = &t->recs[s - 1];
        if (r->hlen == n && memcmp(r->hkey, k, n) == 0)
            return &r->e;
    }
}

static void
slots_insert(struct table *t, uint32_t idx)
{
    const struct table_rec *r = &t->recs[idx];
    size_t mask = t->nslots - 1;
    size_t i = (size_t)hash_bytes(r->hkey, r->hlen) & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = idx + 1;
}

/* Keep the load under a half. */
static void
slots_grow(struct table *t)
{
    if (t->nslots && (t->n + 1) * 2 <= t->nslots)
        return;
    size_t n = t->nslots ? t->nslots * 2 : 64;
    free(t->slots);
    t->slots = xcalloc(n, sizeof(*t->slots));
    t->nslots = n;
    for (size_t i = 0; i < t->n; i++)
        slots_insert(t, (uint32_t)i);
}

/* A new record at the end of recs (zeroed). */
static struct table_rec *
rec_push(struct table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        t->recs = xreallocarray(t->recs, cap, sizeof(*t->recs));
        t->cap = cap;
    }
    struct table_rec *r = &t->recs[t->n];
    memset(r, 0, sizeof(*r));
    return r;
}

/* --- Lines ----------------------------------------------------------- */

struct line_ctx {
    struct table *t;
    struct str_lines at;
};

/* Add the record with hash key k (n bytes) and value *val (taken); a key
 * already present is a duplicate and keeps its first value. */
static void
add_entry(struct line_ctx *lc, const unsigned char *k, size_t n, struct slice key,
          struct table_value *val)
{
    struct table *t = lc->t;
    if (table_find(t, k, n)) {
        t->duplicates++;
        table_value_deinit(val);
        return;
    }
    if (t->n >= TABLE_ENTRIES_MAX) {
        str_line_error(&lc->at, "more than %d entries", TABLE_ENTRIES_MAX);
        table_value_deinit(val);
        return;
    }
    slots_grow(t);
    struct table_rec *r = rec_push(t);
    r->hkey = xmalloc(n + key.len + 1); /* one allocation for both keys */
    memcpy(r->hkey, k, n);
    r->hlen = n;
    memcpy(r->hkey + n, key.ptr, key.len);
    r->hkey[n + key.len] = '\0';
    r->e.key = (const char *)r->hkey + n;
    r->e.value = *val;
    r->e.file = lc->at.file;
    r->e.line = lc->at.line;
    t->n++;
    slots_insert(t, (uint32_t)(t->n - 1));
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The first word of s from *i on; *i moves past it and the blanks after. */
static struct slice
next_word(struct slice s, size_t *i)
{
    size_t start = *i;
    while (*i < s.len && !is_space(s.ptr[*i]))
        (*i)++;
    struct slice w = slice_make(s.ptr + start, *i - start);
    while (*i < s.len && is_space(s.ptr[*i]))
        (*i)++;
    return w;
}

/* A string key: tag, 'S', the text in lower case. */
static size_t
string_key(unsigned char *buf, char tag, struct slice text)
{
    buf[0] = (unsigned char)tag;
    buf[1] = 'S';
    for (size_t i = 0; i < text.len; i++)
        buf[2 + i] = (unsigned char)table_lower(text.ptr[i]);
    return text.len + 2;
}

/* qmail control file: one address or @domain a line. */
static void
parse_list_line(struct line_ctx *lc, struct slice line)
{
    for (size_t i = 0; i < line.len; i++) {
        if (is_space(line.ptr[i])) {
            str_line_error(&lc->at, "white space inside an address (one address a line)");
            return;
        }
    }
    if (slice_eq(line, SLICE_LIT("@"))) {
        str_line_error(&lc->at, "\"@\" alone: write @domain");
        return;
    }
    unsigned char k[TABLE_LINE_MAX + 2];
    struct table_value none = {.action = TABLE_NONE};
    add_entry(lc, k, string_key(k, '*', line), line, &none);
}

/* Pattern file: one pcre2 pattern a line, caseless. */
static void
parse_pattern_line(struct line_ctx *lc, struct slice line)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)line.ptr, line.len,
                                   PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                   &code, &off, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            msg[0] = '\0';
        str_line_error(&lc->at, "bad pattern at offset %zu: %s", (size_t)off,
                       (const char *)msg);
        return;
    }
    if (lc->t->n >= TABLE_ENTRIES_MAX) {
        pcre2_code_free(re);
        str_line_error(&lc->at, "more than %d patterns", TABLE_ENTRIES_MAX);
        return;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* the interpreter serves if not */
    struct table_rec *r = rec_push(lc->t);
    r->code = re;
    r->e.key = xmemdup0(line.ptr, line.len);
    r->e.file = lc->at.file;
    r->e.line = lc->at.line;
    lc->t->n++;
}

/* --- Access keys ----------------------------------------------------- */

/* Strip a Sendmail tag (Connect:, From:, To:) off *key; the tag byte. */
static char
key_tag(struct slice *key)
{
    static const struct {
        const char *prefix;
        char tag;
    } tags[] = {{"connect:", 'C'}, {"from:", 'F'}, {"to:", 'T'}};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (slice_starts_with_case(*key, tags[i].prefix)) {
            *key = slice_from(*key, strlen(tags[i].prefix));
            return tags[i].tag;
        }
    return '*';
}

static bool
has_char(struct slice s, char c)
{
    return slice_find_char(s, c) >= 0;
}

/* An IP key for tag: 'I', the family's byte, the prefix length, the
 * masked address. Returns its length, or 0 with an error. */
static size_t
ip_hash_key(struct line_ctx *lc, unsigned char *k, char tag, struct slice key)
{
    struct table_ip ip;
    const char *why = table_ip_key_parse(key, &ip);
    if (why) {
        str_line_error(&lc->at, "%s", why);
        return 0;
    }
    lc->t->plens[ip.family == 4 ? 0 : 1][ip.plen] = true;
    return table_ip_hash_key(k, tag, &ip);
}

/* Why key k (its tag stripped) cannot serve with tag, or NULL; *ip says
 * whether it is an IP key. */
static const char *
key_problem(char tag, struct slice k, bool *ip)
{
    bool addr = has_char(k, '@') || slice_eq(k, SLICE_LIT("<>"));
    *ip = !addr && table_ip_key_like(k);
    if (k.len == 0)
        return "empty key";
    if (slice_eq(k, SLICE_LIT("@")))
        return "\"@\" alone: write user@, @domain or user@domain";
    if (addr && tag == 'C')
        return "a Connect: key is an address or a host name";
    if (*ip && (tag == 'F' || tag == 'T'))
        return "an address key cannot be an IP address";
    if (!addr && !*ip && (k.ptr[0] == '.' && (k.len == 1 || k.ptr[1] == '.')))
        return "bad domain";
    return NULL;
}

/* Add key (as written, tag included) with value *val (taken). */
static void
parse_access_key(struct line_ctx *lc, struct slice key, struct table_value *val)
{
    struct slice k = key;
    char tag = key_tag(&k);
    unsigned char hk[TABLE_LINE_MAX + 40];
    size_t n = 0;
    bool ip = false;
    const char *why = NULL;
    if (lc->t->only_tag && tag != '*' && tag != lc->t->only_tag)
        why = "a tag for another kind of lookup than this table's";
    if (lc->t->only_tag)
        tag = lc->t->only_tag;
    if (why == NULL)
        why = key_problem(tag, k, &ip);
    if (why) {
        str_line_error(&lc->at, "%s: \"%.*s\"", why, (int)key.len, key.ptr);
    } else if (ip) {
        n = ip_hash_key(lc, hk, tag, k);
    } else {
        if (k.ptr[k.len - 1] == '.' && !slice_eq(k, SLICE_LIT("<>")))
            k.len--; /* a fully qualified domain's final dot */
        n = string_key(hk, tag, k);
    }
    if (n)
        add_entry(lc, hk, n, key, val);
    else
        table_value_deinit(val);
}

static void
parse_access_line(struct line_ctx *lc, struct slice line)
{
    size_t i = 0;
    struct slice key = next_word(line, &i);
    struct slice rest = slice_from(line, i);
    if (rest.len == 0) {
        str_line_error(&lc->at, "a key with no value (KEY VALUE)");
        return;
    }
    struct table_value val;
    struct str why;
    str_init(&why, 0);
    if (table_value_parse(rest, &val, &why) < 0) {
        str_line_error(&lc->at, "%s", str_cstr(&why));
        str_deinit(&why);
        return;
    }
    str_deinit(&why);
    if (val.action == TABLE_NONE) {
        str_line_error(&lc->at, "a key with no value (KEY VALUE)");
        return;
    }
    parse_access_key(lc, key, &val);
}

/* --- Files ----------------------------------------------------------- */

static bool
bad_byte(unsigned char b)
{
    return (b < 0x20 && b != '\t') || b == 0x7f;
}

/* One logical line (comments and blank lines already skipped). */
static void
take_line(struct line_ctx *lc, struct slice line)
{
    if (line.len > TABLE_LINE_MAX) {
        str_line_error(&lc->at, "line longer than %d bytes", TABLE_LINE_MAX);
        return;
    }
    for (size_t i = 0; i < line.len; i++) {
        if (bad_byte((unsigned char)line.ptr[i])) {
            str_line_error(&lc->at, "control character 0x%02x in the line",
                           (unsigned char)line.ptr[i]);
            return;
        }
    }
    line = slice_trim(line);
    switch (lc->t->format) {
    case TABLE_LIST:
        parse_list_line(lc, line);
        break;
    case TABLE_PATTERNS:
        parse_pattern_line(lc, line);
        break;
    case TABLE_ACCESS:
        parse_access_line(lc, line);
        break;
    }
}

/* A physical line without its final CR. */
static struct slice
physical(const char *buf, size_t start, size_t end)
{
    if (end > start && buf[end - 1] == '\r')
        end--;
    return slice_make(buf + start, end - start);
}

static bool
skipped(struct slice line)
{
    struct slice t = slice_trim(line);
    return t.len == 0 || t.ptr[0] == '#';
}

/* Access tables: a line that starts with white space continues the
 * logical line before it (as in Postfix's tables). Adds the logical line
 * that starts at *pos (at line number *lineno) to lc and moves both on. */
static void
next_logical(struct line_ctx *lc, const char *buf, size_t len, size_t *pos,
             size_t *lineno)
{
    struct str logical;
    str_init(&logical, TABLE_LINE_MAX + 1);
    bool too_long = false, first = true;
    while (*pos < len) {
        const char *nl = memchr(buf + *pos, '\n', len - *pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        struct slice line = physical(buf, *pos, end);
        bool cont = line.len && is_space(line.ptr[0]) && !skipped(line);
        if (!first && !cont && !skipped(line))
            break;
        if (first)
            lc->at.line = *lineno;
        (*lineno)++;
        *pos = nl ? end + 1 : len;
        if (skipped(line))
            continue;
        if (!first)
            line = slice_trim(line);
        if ((!first && str_appendc(&logical, ' ') < 0) ||
            str_append(&logical, line.ptr, line.len) < 0)
            too_long = true;
        first = false;
    }
    if (too_long)
        str_line_error(&lc->at, "line longer than %d bytes", TABLE_LINE_MAX);
    else if (!first)
        take_line(lc, str_slice(&logical));
    str_deinit(&logical);
}

int
table_parse(struct table *t, const char *name, const char *buf, size_t len,
            struct str *err)
{
    t->files = xreallocarray(t->files, t->nfiles + 1, sizeof(*t->files));
    t->files[t->nfiles] = xstrdup(name);
    struct line_ctx lc = {.t = t,
                          .at = {.err = err,
                                 .file = t->files[t->nfiles++],
                                 .errors = &t->errors,
                                 .max = TABLE_ERRORS_MAX}};
    size_t errors = t->errors;
    if (len > TABLE_FILE_MAX) {
        lc.at.line = 1;
        str_line_error(&lc.at, "file larger than %d bytes", TABLE_FILE_MAX);
        return -1;
    }
    size_t pos = 0, lineno = 1;
    while (pos < len && t->errors <= TABLE_ERRORS_MAX) {
        if (t->format == TABLE_ACCESS) {
            next_logical(&lc, buf, len, &pos, &lineno);
            continue;
        }
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        struct slice line = physical(buf, pos, end);
        lc.at.line = lineno++;
        pos = nl ? end + 1 : len;
        if (!skipped(line))
            take_line(&lc, line);
    }
    if (t->errors > TABLE_ERRORS_MAX && errors <= TABLE_ERRORS_MAX)
        str_appendf(err, "%s: more than %d errors; the rest are not shown\n", name,
                    TABLE_ERRORS_MAX);
    return t->errors == errors ? 0 : -1;
}
