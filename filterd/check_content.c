/*
 * check_content: GTUBE, header and body patterns, message size.
 *
 * Untrusted input: the message (headers decoded by mail/header, parts
 * decoded and rendered by mail/render, each bounded by decoded_max; the raw
 * body read in chunks, bounded by the bytes parsed). The pattern files are
 * the administrator's but are read as if hostile: bounded by
 * PATTERN_FILE_MAX, PATTERN_LINE_MAX, PATTERNS_MAX, and every bad line is
 * reported with file and line.
 *
 * Matching: pcre2 in UTF-8 mode with PCRE2_MATCH_INVALID_UTF (raw text that
 * is not valid UTF-8 is matched, never an error), JIT-compiled when the
 * platform allows, under the match and depth limit pattern_match_limit.
 * A match that fails for any other reason than "no match" is a check that
 * could not run: on_error_patterns decides.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "check_content.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filterd/settings.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "mail/render.h"
#include "mail/rfc2047.h"

enum pattern_target { PATTERN_HEADER, PATTERN_BODY };

struct pattern {
    char *name;
    double score;
    enum pattern_target target;
    char *header; /* PATTERN_HEADER: the field name */
    char *description;
    pcre2_code *code;
};

struct content_checks {
    struct pattern *patterns;
    size_t n, cap;
    size_t errors; /* bad lines reported, all files */
    uint32_t match_limit;
    bool on_error_accept;
    size_t max_size; /* 0: none */
    enum verdict_action size_action;
};

/* max_message_size_action words, in settings_choice() order. */
static const enum verdict_action size_actions[] = {
    VERDICT_ACCEPT, VERDICT_QUARANTINE, VERDICT_TEMPFAIL, VERDICT_REJECT, VERDICT_DISCARD,
};

/* --- Pattern files --------------------------------------------------- */

/* One line being parsed: where it is, for messages. */
struct line_ctx {
    struct content_checks *cc;
    struct str_lines at;
};

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
valid_name(struct slice w)
{
    if (w.len == 0 || w.len > PATTERN_NAME_MAX)
        return false;
    for (size_t i = 0; i < w.len; i++) {
        char c = w.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static int
parse_pattern_score(struct slice w, double *out)
{
    char buf[64], *end;
    if (w.len == 0 || w.len >= sizeof(buf))
        return -1;
    memcpy(buf, w.ptr, w.len);
    buf[w.len] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    if (*end != '\0' || errno != 0 || !isfinite(*out) || fabs(*out) > PATTERN_SCORE_MAX)
        return -1;
    return 0;
}

/* "body" or "header:Field-Name"; the field name goes to *header_r. */
static int
parse_target(struct slice w, enum pattern_target *t, struct slice *header_r)
{
    if (slice_eq(w, SLICE_LIT("body"))) {
        *t = PATTERN_BODY;
        return 0;
    }
    if (w.len <= 7 || memcmp(w.ptr, "header:", 7) != 0)
        return -1;
    *header_r = slice_from(w, 7);
    if (header_r->len > SETTINGS_HEADER_NAME_MAX)
        return -1;
    for (size_t i = 0; i < header_r->len; i++)
        if (header_r->ptr[i] == ':')
            return -1;
    *t = PATTERN_HEADER;
    return 0;
}

/*
 * The regular expression at line[*i] written as /re/flags: the text
 * between the slashes goes to *re_r (a "/" inside is written "\/"), the
 * flags to *opts. Returns 0, or -1 with a reason in *why.
 */
static int
parse_regex(struct slice line, size_t *i, struct slice *re_r, uint32_t *opts,
            const char **why)
{
    while (*i < line.len && is_blank(line.ptr[*i]))
        (*i)++;
    if (*i >= line.len || line.ptr[*i] != '/') {
        *why = "the regular expression must be written /like this/";
        return -1;
    }
    size_t start = ++(*i);
    while (*i < line.len && line.ptr[*i] != '/')
        *i += (line.ptr[*i] == '\\' && *i + 1 < line.len) ? 2 : 1;
    if (*i >= line.len) {
        *why = "the regular expression has no closing /";
        return -1;
    }
    *re_r = slice_make(line.ptr + start, *i - start);
    for ((*i)++; *i < line.len && !is_blank(line.ptr[*i]); (*i)++) {
        switch (line.ptr[*i]) {
        case 'i':
            *opts |= PCRE2_CASELESS;
            break;
        case 'm':
            *opts |= PCRE2_MULTILINE;
            break;
        case 's':
            *opts |= PCRE2_DOTALL;
            break;
        case 'x':
            *opts |= PCRE2_EXTENDED;
            break;
        default:
            *why = "unknown flag after the regular expression (i, m, s, x)";
            return -1;
        }
    }
    return 0;
}

static const struct pattern *
find_pattern(const struct content_checks *cc, struct slice name)
{
    for (size_t i = 0; i < cc->n; i++)
        if (slice_eq(slice_from_cstr(cc->patterns[i].name), name))
            return &cc->patterns[i];
    return NULL;
}

static pcre2_code *
compile_regex(struct line_ctx *lc, struct slice re, uint32_t opts)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re.ptr, re.len,
                                  opts | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
                                      PCRE2_NEVER_BACKSLASH_C,
                                  &code, &off, NULL);
    if (c == NULL) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            memcpy(msg, "unknown error", sizeof("unknown error"));
        str_line_error(&lc->at, "bad regular expression: %s (at offset %zu)",
                       (const char *)msg, (size_t)off);
        return NULL;
    }
    (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* the interpreter serves if not */
    return c;
}

static void
add_pattern(struct content_checks *cc, const struct pattern *p)
{
    if (cc->n == cc->cap) {
        cc->cap = cc->cap ? cc->cap * 2 : 16;
        cc->patterns = xreallocarray(cc->patterns, cc->cap, sizeof(*cc->patterns));
    }
    cc->patterns[cc->n++] = *p;
}

/* The description: the rest of the line, or "WHERE matches /re/flags". */
static char *
describe(struct slice rest, struct slice target, struct slice regex_text)
{
    rest = slice_trim(rest);
    if (rest.len)
        return xmemdup0(rest.ptr, rest.len);
    struct str d;
    str_init(&d, 0);
    str_append_slice(&d, target);
    str_append_cstr(&d, " matches ");
    str_append_slice(&d, regex_text);
    return str_steal(&d, NULL);
}

/* Parse one line: NAME SCORE WHERE /REGEX/FLAGS [DESCRIPTION]. */
static void
parse_line(struct line_ctx *lc, struct slice line)
{
    struct pattern p = {0};
    struct slice header = SLICE_NULL, re;
    uint32_t opts = 0;
    const char *why = NULL;
    size_t i = 0;
    struct slice name = slice_next_word(line, &i), score = slice_next_word(line, &i);
    struct slice target = slice_next_word(line, &i);
    size_t re_start = i;
    if (!valid_name(name))
        why =
            "the first word must be the pattern's name (letters, digits, _; 64 at most)";
    else if (find_pattern(lc->cc, name))
        why = "a pattern of this name is already defined";
    else if (parse_pattern_score(score, &p.score) < 0)
        why = "the second word must be a score (a decimal number, -10000 to 10000)";
    else if (parse_target(target, &p.target, &header) < 0)
        why = "the third word must be body or header:FIELD-NAME";
    else if (parse_regex(line, &i, &re, &opts, &why) == 0 && lc->cc->n >= PATTERNS_MAX)
        why = "too many patterns (10000 at most)";
    if (why) {
        str_line_error(&lc->at, "%s", why);
        return;
    }
    p.code = compile_regex(lc, re, opts);
    if (p.code == NULL)
        return;
    while (re_start < line.len && is_blank(line.ptr[re_start]))
        re_start++;
    p.name = xmemdup0(name.ptr, name.len);
    p.header = header.len ? xmemdup0(header.ptr, header.len) : NULL;
    p.description =
        describe(slice_from(line, i), p.target == PATTERN_BODY ? target : header,
                 slice_make(line.ptr + re_start, i - re_start));
    add_pattern(lc->cc, &p);
}

/* A byte that may not appear in a pattern line (write it \xNN instead). */
static bool
bad_byte(unsigned char b)
{
    return (b < 0x20 && b != '\t') || b == 0x7f;
}

static void
take_line(struct line_ctx *lc, struct slice line)
{
    if (line.len && line.ptr[line.len - 1] == '\r')
        line.len--;
    if (line.len > PATTERN_LINE_MAX) {
        str_line_error(&lc->at, "line longer than %d bytes", PATTERN_LINE_MAX);
        return;
    }
    for (size_t i = 0; i < line.len; i++) {
        if (bad_byte((unsigned char)line.ptr[i])) {
            str_line_error(
                &lc->at,
                "control character 0x%02x in the line (write \\xNN in a pattern)",
                (unsigned char)line.ptr[i]);
            return;
        }
    }
    struct slice t = slice_trim(line);
    if (t.len == 0 || t.ptr[0] == '#')
        return;
    parse_line(lc, line);
}

int
content_checks_add_patterns(struct content_checks *cc, const char *name, const char *buf,
                            size_t len, struct str *err)
{
    struct line_ctx lc = {
        .cc = cc,
        .at = {
            .err = err, .file = name, .errors = &cc->errors, .max = PATTERN_ERRORS_MAX}};
    size_t errors = cc->errors;
    if (len > PATTERN_FILE_MAX) {
        lc.at.line = 1;
        str_line_error(&lc.at, "file larger than %d bytes", PATTERN_FILE_MAX);
        return -1;
    }
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        lc.at.line++;
        take_line(&lc, slice_make(buf + start, end - start));
        start = nl ? end + 1 : len;
    }
    if (cc->errors > PATTERN_ERRORS_MAX && errors <= PATTERN_ERRORS_MAX)
        str_appendf(err, "%s: more than %d errors; the rest are not shown\n", name,
                    PATTERN_ERRORS_MAX);
    return cc->errors == errors ? 0 : -1;
}

size_t
content_checks_npatterns(const struct content_checks *cc)
{
    return cc->n;
}

static int
load_pattern_files(struct content_checks *cc, const struct config *c, struct str *err)
{
    const char *const *files;
    size_t n = config_get_list(c, "pattern_files", &files);
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        struct str text;
        str_init(&text, PATTERN_FILE_MAX);
        if (fdio_read_file(files[i], &text) < 0) {
            str_appendf(err, "%s: pattern_files: %s: %s\n",
                        config_source(c, "pattern_files"), files[i],
                        errno == EFBIG ? "file larger than 1 MiB" : strerror(errno));
            r = -1;
        } else if (content_checks_add_patterns(cc, files[i], text.buf ? text.buf : "",
                                               text.len, err) < 0) {
            r = -1;
        }
        str_deinit(&text);
    }
    return r;
}

struct content_checks *
content_checks_new(const struct config *c, struct str *err)
{
    struct content_checks *cc = xcalloc(1, sizeof(*cc));
    cc->match_limit = (uint32_t)config_get_int(c, "pattern_match_limit");
    cc->on_error_accept = settings_choice(c, "on_error_patterns") == 1;
    cc->max_size = (size_t)config_get_size(c, "max_message_size");
    int a = settings_choice(c, "max_message_size_action");
    cc->size_action = a >= 0 ? size_actions[a] : VERDICT_REJECT;
    if (load_pattern_files(cc, c, err) < 0)
        content_checks_free(&cc);
    return cc;
}

void
content_checks_free(struct content_checks **ccp)
{
    struct content_checks *cc = *ccp;
    if (cc == NULL)
        return;
    for (size_t i = 0; i < cc->n; i++) {
        free(cc->patterns[i].name);
        free(cc->patterns[i].header);
        free(cc->patterns[i].description);
        pcre2_code_free(cc->patterns[i].code);
    }
    free(cc->patterns);
    free(cc);
    *ccp = NULL;
}

/* --- Size ------------------------------------------------------------ */

bool
check_size(const struct content_checks *cc, size_t size, bool declared, struct verdict *v)
{
    if (cc->max_size == 0 || size <= cc->max_size)
        return false;
    if (verdict_has_symbol(v,
                           "MESSAGE_TOO_BIG")) /* already said (at MAIL, or each RCPT) */
        return v->final;
    struct str d;
    str_init(&d, 256);
    str_appendf(&d, "%s %zu bytes, over max_message_size (%zu)",
                declared ? "declared size" : "message of", size, cc->max_size);
    verdict_add(v, "MESSAGE_TOO_BIG", 0.0, str_cstr(&d));
    str_deinit(&d);
    if (cc->size_action == VERDICT_ACCEPT)
        return false;
    v->final = true;
    v->action = cc->size_action;
    v->reply_text = "Message too big";
    if (cc->size_action == VERDICT_REJECT) {
        v->reply_code = "552";
        v->reply_xcode = "5.3.4";
    } else if (cc->size_action == VERDICT_TEMPFAIL) {
        v->reply_code = "452";
        v->reply_xcode = "4.3.4";
    }
    return true;
}

/* --- Scanning -------------------------------------------------------- */

#define GTUBE_LEN (sizeof(GTUBE_STRING) - 1)

static bool
has_gtube(const char *p, size_t n)
{
    for (size_t i = 0; i + GTUBE_LEN <= n;) {
        const char *x = memchr(p + i, 'X', n - GTUBE_LEN + 1 - i);
        if (x == NULL)
            return false;
        if (memcmp(x, GTUBE_STRING, GTUBE_LEN) == 0)
            return true;
        i = (size_t)(x - p) + 1;
    }
    return false;
}

/* The raw body in chunks: the last GTUBE_LEN - 1 bytes carry over. */
struct raw_scan {
    char carry[2 * GTUBE_LEN];
    size_t ncarry;
};

static int
raw_chunk(void *ctx, const char *p, size_t n)
{
    struct raw_scan *rs = ctx;
    size_t head = n < GTUBE_LEN - 1 ? n : GTUBE_LEN - 1;
    memcpy(rs->carry + rs->ncarry, p, head);
    if (has_gtube(rs->carry, rs->ncarry + head) || has_gtube(p, n))
        return 1;
    if (n >= GTUBE_LEN - 1) {
        memcpy(rs->carry, p + n - (GTUBE_LEN - 1), GTUBE_LEN - 1);
        rs->ncarry = GTUBE_LEN - 1;
    } else {
        size_t total = rs->ncarry + n,
               keep = total < GTUBE_LEN - 1 ? total : GTUBE_LEN - 1;
        memmove(rs->carry, rs->carry + total - keep, keep);
        rs->ncarry = keep;
    }
    return 0;
}

static bool
raw_body_has_gtube(const struct message *m)
{
    struct raw_scan rs = {.ncarry = 0};
    size_t start = m->mime->root->body_start, end = m->mime->size;
    if (end > blob_size(m->blob))
        end = blob_size(m->blob);
    if (start >= end)
        return false;
    return blob_foreach(m->blob, start, end, raw_chunk, &rs) == 1;
}

/* One scan of one message. */
struct scan {
    const struct content_checks *cc;
    struct message *m;
    struct verdict *v;
    bool *hit; /* per pattern: fired already */
    bool gtube;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    const struct pattern *failed; /* the first pattern that could not run */
    int fail_code;
};

/* Match pattern i against text; record a hit or a failure. */
static void
match_one(struct scan *s, size_t i, struct slice text)
{
    const struct pattern *p = &s->cc->patterns[i];
    if (s->hit[i])
        return;
    int rc = pcre2_match(p->code, (PCRE2_SPTR)(text.ptr ? text.ptr : ""), text.len, 0, 0,
                         s->md, s->mc);
    if (rc >= 0) {
        s->hit[i] = true;
        verdict_add(s->v, p->name, p->score, p->description);
    } else if (rc != PCRE2_ERROR_NOMATCH && s->failed == NULL) {
        s->failed = p;
        s->fail_code = rc;
    }
}

static void
scan_headers(struct scan *s)
{
    const struct header_block *h = &s->m->mime->root->headers;
    struct str val;
    str_init(&val, s->m->limits.header_block_max);
    for (size_t f = 0; f < h->n; f++) {
        bool decoded = false;
        for (size_t i = 0; i < s->cc->n; i++) {
            const struct pattern *p = &s->cc->patterns[i];
            if (p->target != PATTERN_HEADER || s->hit[i] ||
                !slice_case_eq_cstr(h->fields[f].name, p->header))
                continue;
            if (!decoded) {
                str_clear(&val);
                (void)rfc2047_decode(h->fields[f].value, &val, NULL);
                decoded = true;
            }
            match_one(s, i, str_slice(&val));
        }
    }
    str_deinit(&val);
}

static void
scan_text(struct scan *s, struct slice text)
{
    if (!s->gtube && has_gtube(text.ptr, text.len))
        s->gtube = true;
    for (size_t i = 0; i < s->cc->n; i++)
        if (s->cc->patterns[i].target == PATTERN_BODY)
            match_one(s, i, text);
}

/* Every text part as a reader sees it (decoded once per message). */
static void
scan_parts(struct scan *s)
{
    const struct message_text *texts;
    size_t n = message_texts(s->m, &texts);
    for (size_t i = 0; i < n; i++)
        scan_text(s, texts[i].text);
}

static void
apply_failure_policy(struct scan *s)
{
    PCRE2_UCHAR msg[160];
    if (pcre2_get_error_message(s->fail_code, msg, sizeof(msg)) < 0)
        memcpy(msg, "error", sizeof("error"));
    struct str d;
    str_init(&d, 512);
    str_appendf(&d, "pattern %s could not be matched: %s (on_error_patterns = %s)",
                s->failed->name, (const char *)msg,
                s->cc->on_error_accept ? "accept" : "tempfail");
    verdict_add(s->v, "CHECK_ERROR_PATTERNS", 0.0, str_cstr(&d));
    str_deinit(&d);
    if (!s->cc->on_error_accept) {
        s->v->final = true;
        s->v->action = VERDICT_TEMPFAIL;
    }
}

void
check_content(const struct content_checks *cc, struct message *m, struct verdict *v)
{
    struct scan s = {.cc = cc, .m = m, .v = v};
    s.gtube = raw_body_has_gtube(m);
    s.hit = arena_calloc(m->arena, cc->n ? cc->n : 1, sizeof(*s.hit));
    s.md = pcre2_match_data_create(1, NULL);
    s.mc = pcre2_match_context_create(NULL);
    if (s.md == NULL || s.mc == NULL)
        log_fatal("out of memory");
    (void)pcre2_set_match_limit(s.mc, cc->match_limit);
    (void)pcre2_set_depth_limit(s.mc, cc->match_limit);
    if (cc->n)
        scan_headers(&s);
    if (cc->n || !s.gtube)
        scan_parts(&s);
    if (s.gtube)
        verdict_add(v, "GTUBE", GTUBE_SCORE, "the GTUBE test string");
    if (s.failed)
        apply_failure_policy(&s);
    pcre2_match_data_free(s.md);
    pcre2_match_context_free(s.mc);
}
