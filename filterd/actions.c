/*
 * actions: from a verdict to what happens to the message: our headers
 * (SpamAssassin's forms: X-Spam-Status "Yes|No, score=S required=R
 * tests=A,B", X-Spam-Score, X-Spam-Level stars, X-Spam-Flag YES), the
 * subject prefix, SMTP replies, the quarantine reason; X-Virus-Scanned and
 * X-Virus-Status when the virus check scanned; and the message
 * written out with those edits for the front ends that pass it on.
 *
 * Untrusted input: the message's header fields (counted and copied, never
 * interpreted past their names) and the Subject value (unfolded; CR and LF
 * never reach an output value). Limits: the tests= list is cut at
 * ACTIONS_TESTS_MAX bytes; the header block is read line by line in pieces
 * of at most the message's line_max; the body is copied in BLOB_CHUNK
 * pieces, never held whole.
 */
#include "actions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/settings.h"
#include "lib/fdio.h"
#include "lib/mem.h"
#include "mail/header.h"
#include "mail/lines.h"

struct actions_config {
    char *names[4]; /* status, score, level, flag: "" for none */
    bool spam_only;
    char *subject_prefix; /* "" for none */
    char *reject_text, *tempfail_text;
    char *quarantine_maildir; /* "" for the MTA's hold queue */
};

enum { H_STATUS, H_SCORE, H_LEVEL, H_FLAG };

static const char *const header_keys[] = {"spam_header_status", "spam_header_score",
                                          "spam_header_level", "spam_header_flag"};

struct actions_config *
actions_config_new(const struct config *c)
{
    struct actions_config *ac = xcalloc(1, sizeof(*ac));
    for (size_t i = 0; i < 4; i++)
        ac->names[i] = xstrdup(config_get_str(c, header_keys[i]));
    ac->spam_only = settings_choice(c, "add_header_mode") == 1;
    ac->subject_prefix = xstrdup(config_get_str(c, "subject_prefix"));
    ac->reject_text = xstrdup(config_get_str(c, "reject_message"));
    ac->tempfail_text = xstrdup(config_get_str(c, "tempfail_message"));
    ac->quarantine_maildir = xstrdup(config_get_str(c, "quarantine_maildir"));
    return ac;
}

void
actions_config_free(struct actions_config **acp)
{
    struct actions_config *ac = *acp;
    if (ac == NULL)
        return;
    for (size_t i = 0; i < 4; i++)
        free(ac->names[i]);
    free(ac->subject_prefix);
    free(ac->reject_text);
    free(ac->tempfail_text);
    free(ac->quarantine_maildir);
    free(ac);
    *acp = NULL;
}

/* --- Folding --------------------------------------------------------- */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Append a run of non-blank bytes, breaking after commas past the hard
 * limit. CR and LF never reach here (see actions_fold). */
static int
fold_word(const char *p, size_t n, const char *eol, size_t *col, struct str *out)
{
    while (*col + n > ACTIONS_FOLD_HARD) {
        size_t room = *col < ACTIONS_FOLD_HARD ? ACTIONS_FOLD_HARD - *col : 0, cut = 0;
        for (size_t i = 0; i < room && i < n; i++)
            if (p[i] == ',')
                cut = i + 1;
        if (cut == 0 || cut == n)
            break;
        if (str_append(out, p, cut) < 0 || str_append_cstr(out, eol) < 0 ||
            str_appendc(out, '\t') < 0)
            return -1;
        p += cut;
        n -= cut;
        *col = 1;
    }
    *col += n;
    return str_append(out, p, n);
}

int
actions_fold(size_t name_len, const char *value, const char *eol, struct str *out)
{
    size_t first = name_len + 2, col = first;
    const char *p = value;
    while (*p) {
        size_t lead = 0, n;
        while (is_blank(p[lead]) || p[lead] == '\r' || p[lead] == '\n')
            lead++;
        n = lead;
        while (p[n] && !is_blank(p[n]) && p[n] != '\r' && p[n] != '\n')
            n++;
        if (lead && col > first && col + n > ACTIONS_FOLD_SOFT) {
            if (str_append_cstr(out, eol) < 0)
                return -1;
            col = 0;
        }
        for (size_t i = 0; i < lead; i++)
            if (str_appendc(out, p[i] == '\t' ? '\t' : ' ') < 0)
                return -1;
        col += lead;
        if (fold_word(p + lead, n - lead, eol, &col, out) < 0)
            return -1;
        p += n;
    }
    return 0;
}

/* --- The plan -------------------------------------------------------- */

/* A score as SpamAssassin writes it: one decimal, never "-0.0". */
static const char *
score_text(struct arena *a, double d)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.1f", d);
    if (strcmp(buf, "-0.0") == 0)
        return arena_strdup(a, "0.0");
    return arena_strdup(a, buf);
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "A,B,C": the symbols' names sorted, each once, cut at ACTIONS_TESTS_MAX. */
static void
tests_list(struct arena *a, const struct verdict *v, struct str *out)
{
    if (v->n == 0) {
        str_append_cstr(out, "none");
        return;
    }
    const char **names = arena_calloc(a, v->n, sizeof(*names));
    for (size_t i = 0; i < v->n; i++)
        names[i] = v->symbols[i].name;
    qsort(names, v->n, sizeof(*names), cmp_names);
    size_t start = out->len;
    for (size_t i = 0; i < v->n; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0)
            continue;
        size_t n = strlen(names[i]) + (out->len > start);
        if (out->len - start + n > ACTIONS_TESTS_MAX) {
            str_append_cstr(out, ",...");
            return;
        }
        if (out->len > start)
            str_appendc(out, ',');
        str_append_cstr(out, names[i]);
    }
}

/* Room for the edits of one plan. */
struct edits {
    struct header_edit *e;
    size_t n, cap;
};

static void
edit(struct edits *ed, enum header_edit_op op, const char *name, size_t occ,
     const char *value)
{
    if (ed->n < ed->cap)
        ed->e[ed->n++] = (struct header_edit){op, name, occ, value};
}

static bool
is_spam(const struct verdict *v)
{
    return v->required >= 0 && v->score >= v->required;
}

/* Our headers, as SpamAssassin writes them. */
static void
add_ours(const struct actions_config *ac, const struct message *m,
         const struct verdict *v, struct edits *ed)
{
    struct arena *a = m->arena;
    bool spam = is_spam(v);
    const char *score = score_text(a, v->score);
    if (*ac->names[H_STATUS]) {
        struct str s;
        str_init(&s, 0);
        str_appendf(&s, "%s, score=%s required=%s tests=", spam ? "Yes" : "No", score,
                    score_text(a, v->required));
        tests_list(a, v, &s);
        edit(ed, HEADER_EDIT_ADD, ac->names[H_STATUS], 0, arena_strdup(a, str_cstr(&s)));
        str_deinit(&s);
    }
    if (*ac->names[H_SCORE])
        edit(ed, HEADER_EDIT_ADD, ac->names[H_SCORE], 0, score);
    if (*ac->names[H_LEVEL]) {
        char stars[51];
        size_t n = v->score >= 50 ? 50 : v->score >= 1 ? (size_t)v->score : 0;
        memset(stars, '*', n);
        stars[n] = '\0';
        edit(ed, HEADER_EDIT_ADD, ac->names[H_LEVEL], 0, arena_strdup(a, stars));
    }
    if (*ac->names[H_FLAG] && spam)
        edit(ed, HEADER_EDIT_ADD, ac->names[H_FLAG], 0, "YES");
}

/* Whether s holds bytes outside ASCII. */
static bool
has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* Bytes of the Q encoding of b. */
static size_t
q_len(unsigned char b)
{
    bool plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                 (b >= '0' && b <= '9') || b == '!' || b == '*' || b == '+' || b == '-' ||
                 b == '/' || b == ' ';
    return plain ? 1 : 3;
}

static void
q_append(unsigned char b, struct str *out)
{
    static const char hex[] = "0123456789ABCDEF";
    if (b == ' ')
        str_appendc(out, '_');
    else if (q_len(b) == 1)
        str_appendc(out, b);
    else
        str_appendf(out, "=%c%c", hex[b >> 4], hex[b & 15]);
}

/* Encoded text of one encoded word: 75 bytes less "=?UTF-8?Q?" and "?=". */
#define Q_WORD_TEXT 63

/* Append s as RFC 2047 Q encoded words (UTF-8), cut between characters so
 * that no word passes 75 bytes. */
static void
encode_words(const char *s, struct str *out)
{
    size_t in_word = 0, i = 0;
    while (s[i]) {
        size_t n = 1, enc = q_len((unsigned char)s[i]);
        while (s[i + n] && ((unsigned char)s[i + n] & 0xC0) == 0x80 && n < 4)
            enc += q_len((unsigned char)s[i + n++]);
        if (in_word && in_word + enc > Q_WORD_TEXT) {
            str_append_cstr(out, "?= ");
            in_word = 0;
        }
        if (in_word == 0)
            str_append_cstr(out, "=?UTF-8?Q?");
        for (size_t k = 0; k < n; k++)
            q_append((unsigned char)s[i + k], out);
        in_word += enc;
        i += n;
    }
    if (in_word)
        str_append_cstr(out, "?=");
}

/* Whether the Subject (decoded, leading blanks skipped) starts with prefix. */
static bool
has_prefix(const struct message *m, const struct header_field *f, const char *prefix)
{
    const char *dec = header_decode(m->arena, f->value, m->limits.header_block_max, NULL);
    while (dec && is_blank(*dec))
        dec++;
    return dec && strncmp(dec, prefix, strlen(prefix)) == 0;
}

/* The Subject with our prefix, unless it already starts with it. */
static void
rewrite_subject(const struct actions_config *ac, const struct message *m,
                struct edits *ed)
{
    const char *prefix = ac->subject_prefix;
    const struct header_field *f = header_get(&m->mime->root->headers, "Subject");
    if (f && has_prefix(m, f, prefix))
        return;
    struct str raw, val;
    str_init(&raw, m->limits.header_block_max);
    str_init(&val, 0);
    if (f)
        (void)header_unfold(f->value, &raw);
    bool next_is_word = raw.len >= 2 && memcmp(raw.buf, "=?", 2) == 0;
    if (!has_8bit(prefix)) {
        str_append_cstr(&val, prefix);
    } else {
        /* Blanks between two encoded words vanish when decoded: keep ours
         * inside the word when the subject starts with one. */
        struct str p;
        str_init(&p, 0);
        str_appendf(&p, "%s%s", prefix, next_is_word ? " " : "");
        encode_words(str_cstr(&p), &val);
        str_deinit(&p);
    }
    if (raw.len) {
        str_appendc(&val, ' ');
        str_append(&val, raw.buf, raw.len);
    }
    edit(ed, f ? HEADER_EDIT_CHANGE : HEADER_EDIT_ADD, "Subject", f ? 1 : 0,
         arena_strdup(m->arena, str_cstr(&val)));
    str_deinit(&raw);
    str_deinit(&val);
}

static void
plan_reply(const struct actions_config *ac, const struct verdict *v,
           struct action_plan *out)
{
    if (v->action == VERDICT_REJECT) {
        out->reply_code = "550";
        out->reply_xcode = "5.7.1";
        out->reply_text = ac->reject_text;
    } else if (v->action == VERDICT_TEMPFAIL) {
        out->reply_code = "451";
        out->reply_xcode = "4.7.1";
        out->reply_text = ac->tempfail_text;
    } else {
        return;
    }
    if (v->reply_code) {
        out->reply_code = v->reply_code;
        out->reply_xcode = v->reply_xcode;
        if (v->reply_text)
            out->reply_text = v->reply_text;
    }
}

void
actions_plan(const struct pipeline *p, const struct message *m, const struct verdict *v,
             struct action_plan *out)
{
    const struct actions_config *ac = pipeline_actions(p);
    const struct header_block *h = &m->mime->root->headers;
    memset(out, 0, sizeof(*out));
    out->action = v->action;
    plan_reply(ac, v, out);
    if (v->action == VERDICT_REJECT || v->action == VERDICT_TEMPFAIL ||
        v->action == VERDICT_DISCARD)
        return;
    struct edits ed = {.cap = 8};
    /* The virus check's headers, when it scanned (check_virus.h). */
    const char *vnames[2] = {"X-Virus-Scanned", "X-Virus-Status"};
    size_t nv = v->virus_scanner && v->virus_status ? 2 : 0;
    for (size_t i = 0; i < 4; i++)
        if (*ac->names[i])
            ed.cap += header_count(h, ac->names[i]);
    for (size_t i = 0; i < nv; i++)
        ed.cap += header_count(h, vnames[i]);
    ed.e = arena_calloc(m->arena, ed.cap, sizeof(*ed.e));
    for (size_t i = 0; i < 4; i++)
        for (size_t k = *ac->names[i] ? header_count(h, ac->names[i]) : 0; k > 0; k--)
            edit(&ed, HEADER_EDIT_DELETE, ac->names[i], k, NULL);
    for (size_t i = 0; i < nv; i++)
        for (size_t k = header_count(h, vnames[i]); k > 0; k--)
            edit(&ed, HEADER_EDIT_DELETE, vnames[i], k, NULL);
    if ((v->action == VERDICT_REWRITE_SUBJECT || v->action == VERDICT_QUARANTINE) &&
        *ac->subject_prefix)
        rewrite_subject(ac, m, &ed);
    if (!ac->spam_only || is_spam(v))
        add_ours(ac, m, v, &ed);
    if (nv) {
        edit(&ed, HEADER_EDIT_ADD, vnames[0], 0, v->virus_scanner);
        edit(&ed, HEADER_EDIT_ADD, vnames[1], 0, v->virus_status);
    }
    out->edits = ed.e;
    out->nedits = ed.n;
    if (v->action == VERDICT_QUARANTINE) {
        char buf[128];
        snprintf(buf, sizeof(buf), "score=%s required=%s", score_text(m->arena, v->score),
                 score_text(m->arena, v->required));
        out->quarantine_reason =
            v->final && v->reply_text ? v->reply_text : arena_strdup(m->arena, buf);
        if (ac->quarantine_maildir[0])
            out->quarantine_maildir = ac->quarantine_maildir;
    }
}

/* --- Writing the message --------------------------------------------- */

struct writer {
    int fd;
    int err; /* errno of the first failure, 0 if none */
    struct str buf;
    struct line_reader lr;
    const struct action_plan *plan;
    size_t *seen;    /* per edit: fields of that edit's name seen so far */
    const char *eol; /* the message's line end */
    bool eol_known;
    bool dropping;     /* the lines of the current field are not written */
    bool in_field;     /* a field started and no other line came since */
    bool in_cut;       /* the previous piece was cut: this one continues it */
    bool terminated;   /* what was written so far ends with a line end */
    bool added;        /* the added fields are written */
    bool blank_seen;   /* the block ended with its empty line */
    size_t region_end; /* where the top header block ends */
};

static void
w_flush(struct writer *w)
{
    if (w->err == 0 && w->buf.len && fdio_write_all(w->fd, w->buf.buf, w->buf.len) < 0)
        w->err = errno;
    str_clear(&w->buf);
}

static void
w_put(struct writer *w, const char *p, size_t n)
{
    if (w->err)
        return;
    if (str_append(&w->buf, p, n) < 0)
        w->err = ENOMEM;
    if (w->buf.len >= BLOB_CHUNK)
        w_flush(w);
}

/* Write a line of the message as it is. */
static void
w_line_as_is(struct writer *w, struct slice line)
{
    w_put(w, line.ptr, line.len);
    w->terminated = line_eol_len(line) > 0;
}

/* Write "Name: value" folded, with the message's line end. */
static void
w_field(struct writer *w, const char *name, const char *value)
{
    struct str f;
    str_init(&f, 0);
    str_appendf(&f, "%s: ", name);
    (void)actions_fold(strlen(name), value, w->eol, &f);
    str_append_cstr(&f, w->eol);
    w_put(w, f.buf, f.len);
    str_deinit(&f);
    w->terminated = true;
}

static void
w_added(struct writer *w)
{
    if (w->added)
        return;
    w->added = true;
    if (!w->terminated)
        w_put(w, w->eol, strlen(w->eol));
    w->terminated = true;
    for (size_t i = 0; i < w->plan->nedits; i++)
        if (w->plan->edits[i].op == HEADER_EDIT_ADD)
            w_field(w, w->plan->edits[i].name, w->plan->edits[i].value);
}

/* A field starts: delete it, change it, or keep it. */
static void
w_field_start(struct writer *w, struct slice name, struct slice line)
{
    const struct header_edit *hit = NULL;
    w->dropping = false;
    for (size_t i = 0; i < w->plan->nedits; i++) {
        const struct header_edit *e = &w->plan->edits[i];
        if (e->op == HEADER_EDIT_ADD || !slice_case_eq_cstr(name, e->name))
            continue;
        if (++w->seen[i] == e->occurrence)
            hit = e;
    }
    if (hit == NULL) {
        w_line_as_is(w, line);
        return;
    }
    w->dropping = true;
    if (hit->op == HEADER_EDIT_CHANGE)
        w_field(w, hit->name, hit->value);
}

/* The name of the field that line starts (as mail/header reads it), or an
 * empty slice when the line does not start a field. */
static struct slice
field_name(struct slice line)
{
    size_t i = 0;
    while (i < line.len && line.ptr[i] != ':' && (unsigned char)line.ptr[i] > 32 &&
           (unsigned char)line.ptr[i] < 127)
        i++;
    size_t end = i;
    while (i < line.len && is_blank(line.ptr[i]))
        i++;
    if (end == 0 || i >= line.len || line.ptr[i] != ':')
        return SLICE_NULL;
    return slice_make(line.ptr, end);
}

/* Whether line is the mbox "From " line that may lead a message. */
static bool
is_mbox_from(struct slice line, size_t offset)
{
    return offset == 0 && line.len > 5 && memcmp(line.ptr, "From ", 5) == 0;
}

/*
 * One line (or piece of a long line) of the top header block. Lines that
 * are neither fields nor their folds (and are not a leading mbox "From "
 * line) are skipped by mail/header and by mail readers: they are dropped,
 * so that removing a field between two of them cannot make them end the
 * header block early.
 */
static void
w_line(void *ctx, struct slice line, size_t offset, bool cut)
{
    struct writer *w = ctx;
    size_t eol = line_eol_len(line);
    bool continues = w->in_cut;
    w->in_cut = cut;
    if (!w->eol_known && eol) {
        w->eol = eol == 2 ? "\r\n" : "\n";
        w->eol_known = true;
    }
    if (continues) {
        /* the rest of a long line: as its start */
    } else if (eol && line.len == eol && offset + line.len == w->region_end) {
        w_added(w); /* the empty line that ends the block */
        w->dropping = false;
        w->blank_seen = true;
    } else if (line.len && is_blank(line.ptr[0])) {
        if (!w->in_field)
            w->dropping = true; /* a fold with no field before it */
    } else {
        struct slice name = field_name(line);
        w->in_field = name.len > 0;
        if (w->in_field) {
            w_field_start(w, name, line);
            return;
        }
        w->dropping = !is_mbox_from(line, offset);
    }
    if (!w->dropping)
        w_line_as_is(w, line);
}

static int
header_chunk(void *ctx, const char *p, size_t n)
{
    struct writer *w = ctx;
    line_reader_push(&w->lr, p, n, w_line, w);
    return 0;
}

static int
body_chunk(void *ctx, const char *p, size_t n)
{
    struct writer *w = ctx;
    w_put(w, p, n);
    return w->err ? 1 : 0;
}

int
actions_write_message(const struct action_plan *plan, const struct message *m, int fd)
{
    struct writer w = {.fd = fd, .plan = plan, .eol = "\n", .terminated = true};
    size_t size = blob_size(m->blob), end = m->mime->root->body_start;
    if (end > size)
        end = size;
    w.region_end = end;
    w.seen = xcalloc(plan->nedits ? plan->nedits : 1, sizeof(*w.seen));
    str_init(&w.buf, 0);
    line_reader_init(&w.lr,
                     m->limits.line_max ? m->limits.line_max : MAIL_LIMIT_LINE_MAX);
    errno = 0;
    int r = blob_foreach(m->blob, 0, end, header_chunk, &w);
    line_reader_finish(&w.lr, w_line, &w);
    line_reader_deinit(&w.lr);
    w_added(&w);
    if (!w.blank_seen && end < size) /* keep the body a body, as Postfix does */
        w_put(&w, w.eol, strlen(w.eol));
    if (r == 0 && w.err == 0)
        r = blob_foreach(m->blob, end, size, body_chunk, &w);
    if (r < 0 && w.err == 0)
        w.err = errno ? errno : EIO;
    w_flush(&w);
    free(w.seen);
    str_deinit(&w.buf);
    errno = w.err;
    return w.err ? -1 : 0;
}
