/*
 * dsn: reads RFC 3464 / RFC 6533 delivery status notifications over a MIME
 * tree, and hands prose bounces to dsn_text.c. Reads untrusted input (any
 * mail sent to a list's bounce address). Pure: no I/O, no logging.
 * Bounded by struct dsn_limits (recipients, field bytes, decoded bytes of
 * the status part) and by the MIME limits given for the header blocks.
 */
#include "mail/dsn.h"

#include <string.h>

#include "lib/str.h"
#include "mail/dsn_text.h"
#include "mail/header.h"
#include "mail/mime_decode.h"

struct dsn_limits
dsn_limits_default(void)
{
    return (struct dsn_limits){.rcpt_max = 1000,
                               .field_max = 2000,
                               .status_max = (size_t)1 << 20,
                               .text_max = (size_t)256 << 10};
}

struct dsn_recipient *
dsn_rcpt_add(struct dsn_ctx *c)
{
    struct dsn_report *r = c->out;
    if (r->n >= c->lim->rcpt_max) {
        r->flags |= DSN_F_RCPT_LIMIT;
        return NULL;
    }
    if (r->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        if (ncap > c->lim->rcpt_max)
            ncap = c->lim->rcpt_max;
        struct dsn_recipient *n = arena_calloc(c->a, ncap, sizeof *n);
        if (r->n)
            memcpy(n, r->rcpts, r->n * sizeof *n);
        r->rcpts = n;
        c->cap = ncap;
    }
    struct dsn_recipient *rc = &r->rcpts[r->n++];
    *rc = (struct dsn_recipient){.final_recipient = "",
                                 .original_recipient = "",
                                 .diagnostic = "",
                                 .remote_mta = ""};
    return rc;
}

const char *
dsn_field_dup(struct dsn_ctx *c, struct slice s)
{
    if (s.len > c->lim->field_max) {
        s.len = c->lim->field_max;
        c->out->flags |= DSN_F_FIELD_CUT;
    }
    return arena_memdup0(c->a, s.ptr, s.len);
}

bool
dsn_case_contains(struct slice s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= s.len && i <= s.len - n; i++)
        if (slice_case_eq_cstr(slice_make(s.ptr + i, n), needle))
            return true;
    return false;
}

void
dsn_part_decode(struct dsn_ctx *c, const struct mime_part *p, size_t max,
                unsigned cut_flag, struct str *out)
{
    unsigned dflags = 0;
    str_init(out, max);
    if (mime_part_decode(p, c->msg, c->len, out, &dflags) < 0)
        c->out->flags |= cut_flag;
}

bool
dsn_in_message(const struct mime_part *p)
{
    for (const struct mime_part *q = p->parent; q != NULL; q = q->parent)
        if (q->kind == MIME_MESSAGE)
            return true;
    return false;
}

/* --- RFC 3463 codes -------------------------------------------------- */

static size_t
digits(struct slice s, size_t i, size_t max, int *v)
{
    size_t n = 0;
    *v = 0;
    while (i + n < s.len && n < max && s.ptr[i + n] >= '0' && s.ptr[i + n] <= '9') {
        *v = *v * 10 + (s.ptr[i + n] - '0');
        n++;
    }
    return n;
}

int
dsn_status_parse(struct slice s, struct dsn_status *st)
{
    size_t i = 0;
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t'))
        i++;
    int k, sub, det;
    size_t n = digits(s, i, 1, &k);
    if (n != 1 || (k != 2 && k != 4 && k != 5) || i + 1 >= s.len || s.ptr[i + 1] != '.')
        return -1;
    i += 2;
    if ((n = digits(s, i, 3, &sub)) == 0 || i + n >= s.len || s.ptr[i + n] != '.')
        return -1;
    i += n + 1;
    if ((n = digits(s, i, 3, &det)) == 0)
        return -1;
    i += n;
    if (i < s.len && ((s.ptr[i] >= '0' && s.ptr[i] <= '9') || s.ptr[i] == '.'))
        return -1;
    *st = (struct dsn_status){k, sub, det};
    return 0;
}

static bool
is_alnum(int ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z');
}

/* An enhanced code may start at i: not glued to a word, number or dot. */
static bool
code_boundary(struct slice s, size_t i)
{
    return i == 0 || (!is_alnum((unsigned char)s.ptr[i - 1]) && s.ptr[i - 1] != '.');
}

/* The first SMTP reply code in s ("550 ", "550-", "550;" or at the end);
 * its offset in *at. Returns the code or 0. */
static int
smtp_code(struct slice s, size_t *at)
{
    for (size_t i = 0; i + 3 <= s.len; i++) {
        const char *p = s.ptr + i;
        if ((p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] < '0' || p[1] > '5' ||
            p[2] < '0' || p[2] > '9' || !code_boundary(s, i))
            continue;
        if (i + 3 < s.len && strchr(" -\t;:", p[3]) == NULL)
            continue;
        *at = i;
        return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    }
    return 0;
}

/* The first enhanced code at or after from; hash: only one after '#'. */
static int
find_enhanced(struct slice s, size_t from, bool hash, struct dsn_status *st)
{
    for (size_t i = from; i < s.len; i++) {
        if (hash ? (s.ptr[i] != '#' || i + 1 >= s.len) : !code_boundary(s, i))
            continue;
        size_t j = hash ? i + 1 : i;
        if (dsn_status_parse(slice_from(s, j), st) == 0 && s.ptr[j] != ' ' &&
            s.ptr[j] != '\t')
            return 0;
    }
    return -1;
}

void
dsn_text_codes(struct slice s, int *smtp_r, struct dsn_status *st_r)
{
    size_t at = 0;
    struct dsn_status st = {0, 0, 0};
    *smtp_r = smtp_code(s, &at);
    if (*smtp_r) {
        /* "550 5.1.1", "550-5.1.1", "550 #5.1.1" */
        size_t j = at + 4;
        if (j < s.len && s.ptr[j] == '#')
            j++;
        if (j <= s.len && dsn_status_parse(slice_from(s, j), &st) == 0 &&
            st.klass == *smtp_r / 100) {
            *st_r = st;
            return;
        }
    }
    if (find_enhanced(s, 0, true, &st) == 0 || find_enhanced(s, 0, false, &st) == 0) {
        *st_r = st;
        return;
    }
    *st_r = (struct dsn_status){0, 0, 0};
}

/* --- RFC 3464 fields ------------------------------------------------- */

/* Runs of blanks left by unfolding become one space, in place. */
static const char *
collapse_blanks(char *s)
{
    size_t j = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        bool blank = s[i] == ' ' || s[i] == '\t';
        if (blank && j > 0 && s[j - 1] == ' ')
            continue;
        s[j++] = blank ? ' ' : s[i];
    }
    s[j] = '\0';
    return s;
}

/* A field's value unfolded, its "type;" removed when typed, and angle
 * brackets around an address removed; "" when absent. */
static const char *
field_value(struct dsn_ctx *c, const struct header_block *b, const char *name, bool typed)
{
    const struct header_field *f = header_get(b, name);
    if (f == NULL)
        return "";
    struct str u;
    str_init(&u, c->lim->field_max);
    if (header_unfold(f->value, &u) < 0)
        c->out->flags |= DSN_F_FIELD_CUT;
    struct slice v = str_slice(&u);
    long semi = typed ? slice_find_char(v, ';') : -1;
    if (semi >= 0)
        v = slice_trim(slice_from(v, (size_t)semi + 1));
    if (typed && v.len >= 2 && v.ptr[0] == '<' && v.ptr[v.len - 1] == '>')
        v = slice_trim(slice_make(v.ptr + 1, v.len - 2));
    const char *r = dsn_field_dup(c, v);
    str_deinit(&u);
    return collapse_blanks((char *)r);
}

static enum dsn_action
action_parse(const char *v)
{
    static const struct {
        const char *name;
        enum dsn_action action;
    } names[] = {{"failed", DSN_ACTION_FAILED},
                 {"delayed", DSN_ACTION_DELAYED},
                 {"delivered", DSN_ACTION_DELIVERED},
                 {"relayed", DSN_ACTION_RELAYED},
                 {"expanded", DSN_ACTION_EXPANDED}};
    size_t n = 0;
    while (v[n] != '\0' && v[n] != ' ' && v[n] != '\t' && v[n] != '(' && v[n] != ';')
        n++;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (slice_case_eq_cstr(slice_make(v, n), names[i].name))
            return names[i].action;
    return DSN_ACTION_UNKNOWN;
}

static void
recipient_block(struct dsn_ctx *c, const struct header_block *b)
{
    if (header_get(b, "Final-Recipient") == NULL && header_get(b, "Action") == NULL) {
        c->out->flags |= DSN_F_MALFORMED;
        return;
    }
    struct dsn_recipient *r = dsn_rcpt_add(c);
    if (r == NULL)
        return;
    r->final_recipient = field_value(c, b, "Final-Recipient", true);
    r->original_recipient = field_value(c, b, "Original-Recipient", true);
    r->action = action_parse(field_value(c, b, "Action", false));
    r->diagnostic = field_value(c, b, "Diagnostic-Code", true);
    r->remote_mta = field_value(c, b, "Remote-MTA", true);
    struct dsn_status from_diag;
    dsn_text_codes(slice_from_cstr(r->diagnostic), &r->smtp_code, &from_diag);
    if (dsn_status_parse(slice_from_cstr(field_value(c, b, "Status", false)),
                         &r->status) < 0) {
        r->status = from_diag;
        if (r->status.klass == 0)
            c->out->flags |= DSN_F_MALFORMED;
    }
}

/* Read the blocks of a delivery-status body: per-message, then one per
 * recipient (a first block that names a recipient is taken as one). */
static void
status_blocks(struct dsn_ctx *c, struct slice body)
{
    size_t off = 0;
    bool first = true;
    while (off < body.len) {
        struct header_block b;
        size_t n = header_parse(c->a, c->mlim, slice_from(body, off), false, &b);
        if (n == 0) { /* a line that is no field: skip it */
            long nl = slice_find_char(slice_from(body, off), '\n');
            n = nl < 0 ? body.len - off : (size_t)nl + 1;
            c->out->flags |= DSN_F_MALFORMED;
        }
        off += n;
        if (b.flags & (HEADER_F_BAD_LINE | HEADER_F_BLOCK_LIMIT | HEADER_F_COUNT_LIMIT))
            c->out->flags |= DSN_F_MALFORMED;
        if (b.n == 0)
            continue;
        if (first && header_get(&b, "Final-Recipient") == NULL &&
            header_get(&b, "Action") == NULL) {
            c->out->reporting_mta = field_value(c, &b, "Reporting-MTA", true);
            c->out->envelope_id = field_value(c, &b, "Original-Envelope-Id", false);
        } else {
            recipient_block(c, &b);
        }
        first = false;
    }
}

static bool
is_status_type(const char *t)
{
    return strcmp(t, "message/delivery-status") == 0 ||
           strcmp(t, "message/global-delivery-status") == 0;
}

static bool
is_original_type(const char *t)
{
    return strcmp(t, "message/rfc822") == 0 || strcmp(t, "message/global") == 0 ||
           strcmp(t, "text/rfc822-headers") == 0 ||
           strcmp(t, "message/global-headers") == 0;
}

/* The first status part outside any returned message, or NULL. */
static const struct mime_part *
find_status_part(const struct mime_message *m)
{
    for (const struct mime_part *p = m->root; p != NULL;
         p = mime_next((struct mime_part *)p))
        if (p->kind == MIME_LEAF && is_status_type(p->type) && !dsn_in_message(p))
            return p;
    return NULL;
}

static const struct mime_part *
find_original(const struct mime_part *status)
{
    for (const struct mime_part *p = status->next; p != NULL; p = p->next)
        if (is_original_type(p->type))
            return p;
    return NULL;
}

static int
rfc3464_parse(struct dsn_ctx *c)
{
    const struct mime_part *sp = find_status_part(c->m);
    if (sp == NULL)
        return -1;
    struct str body;
    dsn_part_decode(c, sp, c->lim->status_max, DSN_F_STATUS_CUT, &body);
    c->out->source = DSN_SOURCE_RFC3464;
    c->out->original = find_original(sp);
    status_blocks(c, str_slice(&body));
    if (c->out->n == 0)
        c->out->flags |= DSN_F_MALFORMED;
    str_deinit(&body);
    return 0;
}

int
dsn_parse_tree(struct arena *a, const struct mail_limits *mlim,
               const struct dsn_limits *lim, const struct mime_message *m,
               const char *msg, size_t len, struct dsn_report *out)
{
    *out = (struct dsn_report){
        .source = DSN_SOURCE_NONE, .reporting_mta = "", .envelope_id = ""};
    struct dsn_ctx c = {
        .a = a, .mlim = mlim, .lim = lim, .m = m, .msg = msg, .len = len, .out = out};
    if (m->flags != 0)
        out->flags |= DSN_F_MIME_DAMAGED;
    if (rfc3464_parse(&c) == 0 || dsn_text_parse(&c) == 0)
        return 0;
    out->source = DSN_SOURCE_NONE;
    out->n = 0;
    out->original = NULL;
    return -1;
}

int
dsn_parse(struct arena *a, const struct mail_limits *mlim, const struct dsn_limits *lim,
          const char *msg, size_t len, struct dsn_report *out)
{
    struct mime_message *m = mime_parse(a, mlim, msg, len);
    return dsn_parse_tree(a, mlim, lim, m, msg, len, out);
}

/* --- classification -------------------------------------------------- */

static bool
text_has_any(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (dsn_case_contains(slice_from_cstr(s), words[i]))
            return true;
    return false;
}

static const char *const full_words[] = {
    "mailbox full",     "mailbox is full",      "over quota",         "quota exceeded",
    "exceeded storage", "insufficient storage", "mailbox size limit", NULL};
static const char *const policy_words[] = {
    "dmarc",      "spf",      "dkim",      "blocklist", "blacklist",  "block list",
    "black list", "spamhaus", "spam",      "policy",    "reputation", "rbl",
    "dnsbl",      "blocked",  "denied by", NULL};
static const char *const gone_words[] = {"user unknown",
                                         "unknown user",
                                         "no such user",
                                         "no such mailbox",
                                         "no such recipient",
                                         "recipient unknown",
                                         "unknown recipient",
                                         "invalid recipient",
                                         "invalid mailbox",
                                         "mailbox not found",
                                         "user not found",
                                         "recipient not found",
                                         "does not exist",
                                         "doesn't exist",
                                         "no mailbox here",
                                         "account disabled",
                                         "account has been disabled",
                                         "mailbox disabled",
                                         NULL};

/* A 5.x.x status (or a 5xx code with no status): by its subject and
 * detail first, then by the words of the diagnostic. */
static enum dsn_class
classify_permanent(const struct dsn_recipient *r)
{
    int sub = r->status.klass ? r->status.subject : 0;
    int det = r->status.klass ? r->status.detail : 0;
    if (sub == 7 || (sub == 1 && (det == 7 || det == 8)))
        return DSN_CLASS_POLICY; /* security, or the sender's address */
    if (sub == 1 || (sub == 2 && det == 1) || (sub == 4 && det == 4))
        return DSN_CLASS_HARD; /* bad mailbox or domain, disabled, no route */
    if (sub == 2 && det == 2)
        return DSN_CLASS_TEMPORARY; /* mailbox full */
    if (text_has_any(r->diagnostic, full_words))
        return DSN_CLASS_TEMPORARY;
    if (text_has_any(r->diagnostic, policy_words))
        return DSN_CLASS_POLICY;
    if ((sub == 0 || sub == 2 || sub == 4 || sub == 5) &&
        text_has_any(r->diagnostic, gone_words))
        return DSN_CLASS_HARD;
    return DSN_CLASS_UNKNOWN;
}

enum dsn_class
dsn_classify(const struct dsn_recipient *r)
{
    switch (r->action) {
    case DSN_ACTION_DELIVERED:
    case DSN_ACTION_RELAYED:
    case DSN_ACTION_EXPANDED:
        return DSN_CLASS_SUCCESS;
    case DSN_ACTION_DELAYED:
        return DSN_CLASS_TEMPORARY;
    case DSN_ACTION_FAILED:
    case DSN_ACTION_UNKNOWN:
        break;
    }
    int klass = r->status.klass ? r->status.klass : r->smtp_code / 100;
    if (klass == 2)
        return r->action == DSN_ACTION_FAILED ? DSN_CLASS_UNKNOWN : DSN_CLASS_SUCCESS;
    if (klass == 4)
        return DSN_CLASS_TEMPORARY;
    if (klass == 5)
        return classify_permanent(r);
    return DSN_CLASS_UNKNOWN;
}

/* Same address: the local part exactly, the domain in any case. */
static bool
same_address(const char *x, struct slice y)
{
    struct slice sx = slice_from_cstr(x);
    long ax = -1, ay = -1;
    for (size_t i = 0; i < sx.len; i++)
        ax = sx.ptr[i] == '@' ? (long)i : ax;
    for (size_t i = 0; i < y.len; i++)
        ay = y.ptr[i] == '@' ? (long)i : ay;
    if (ax < 0 || ax != ay)
        return false;
    return slice_eq(slice_head(sx, (size_t)ax), slice_head(y, (size_t)ay)) &&
           slice_case_eq(slice_from(sx, (size_t)ax), slice_from(y, (size_t)ay));
}

const struct dsn_recipient *
dsn_report_recipient(const struct dsn_report *r, struct slice subscriber)
{
    for (size_t i = 0; i < r->n; i++)
        if (same_address(r->rcpts[i].original_recipient, subscriber) ||
            same_address(r->rcpts[i].final_recipient, subscriber))
            return &r->rcpts[i];
    return r->n == 1 ? &r->rcpts[0] : NULL;
}

enum dsn_class
dsn_report_class(const struct dsn_report *r, struct slice subscriber)
{
    const struct dsn_recipient *rc = dsn_report_recipient(r, subscriber);
    if (rc != NULL)
        return dsn_classify(rc);
    for (size_t i = 0; i < r->n; i++)
        if (dsn_classify(&r->rcpts[i]) != DSN_CLASS_HARD)
            return DSN_CLASS_UNKNOWN;
    return r->n > 0 ? DSN_CLASS_HARD : DSN_CLASS_UNKNOWN;
}

int
dsn_status_text(const struct dsn_status *st, struct str *out)
{
    if (st->klass == 0)
        return 0;
    return str_appendf(out, "%d.%d.%d", st->klass, st->subject, st->detail);
}

/* --- names ----------------------------------------------------------- */

const char *
dsn_action_name(enum dsn_action a)
{
    static const char *const names[] = {"unknown",   "failed",  "delayed",
                                        "delivered", "relayed", "expanded"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "unknown";
}

const char *
dsn_class_name(enum dsn_class c)
{
    static const char *const names[] = {"unknown", "hard", "policy", "temporary",
                                        "success"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

const char *
dsn_source_name(enum dsn_source s)
{
    static const char *const names[] = {"none", "rfc3464", "qsbmf", "text"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "none";
}

bool
dsn_source_is_guess(enum dsn_source s)
{
    return s == DSN_SOURCE_QSBMF || s == DSN_SOURCE_TEXT;
}
