/*
 * dsn_text: the best-effort readers of bounces that are not RFC 3464
 * reports: qmail-send's QSBMF ("Hi. This is the qmail-send program at
 * ..." with "<addr>:" paragraphs), and plain text with an SMTP reply code
 * (or a qmail "#5.1.1") on a line. Reads untrusted input; pure. Only the
 * first text/plain part outside the returned message is read, at most
 * text_max decoded bytes, and only up to the line that introduces the
 * returned message. Results carry DSN_SOURCE_QSBMF or DSN_SOURCE_TEXT so
 * that callers can weigh them as the guesses they are.
 */
#include "mail/dsn_text.h"

#include <string.h>

#include "mail/address.h"
#include "mail/header.h"

#define QSBMF_GREETING "Hi. This is the qmail-send program at "

/* The next line of text from *off, without its terminator. */
static bool
next_line(struct slice text, size_t *off, struct slice *line)
{
    if (*off >= text.len)
        return false;
    struct slice rest = slice_from(text, *off);
    long nl = slice_find_char(rest, '\n');
    size_t n = nl < 0 ? rest.len : (size_t)nl;
    *off += nl < 0 ? rest.len : n + 1;
    if (n > 0 && rest.ptr[n - 1] == '\r')
        n--;
    *line = slice_head(rest, n);
    return true;
}

static const struct mime_part *
find_text_part(const struct mime_message *m)
{
    for (const struct mime_part *p = m->root; p != NULL;
         p = mime_next((struct mime_part *)p))
        if (p->kind == MIME_LEAF && strcmp(p->type, "text/plain") == 0 &&
            !dsn_in_message(p))
            return p;
    return NULL;
}

/* The line that introduces the returned message ends the prose. */
static bool
is_stop_line(struct slice line)
{
    static const char *const words[] = {
        "original message", "below this line",  "copy of", "returned message",
        "headers of",       "original headers", NULL};
    if (line.len < 3 || memcmp(line.ptr, "---", 3) != 0)
        return false;
    for (size_t i = 0; words[i] != NULL; i++)
        if (dsn_case_contains(line, words[i]))
            return true;
    return false;
}

static void
set_status(struct dsn_recipient *r, struct slice reason, int default_klass)
{
    dsn_text_codes(reason, &r->smtp_code, &r->status);
    if (r->status.klass == 0)
        r->status.klass = r->smtp_code >= 400 ? r->smtp_code / 100 : default_klass;
    r->action = r->status.klass == 4 && default_klass == 0 ? DSN_ACTION_DELAYED
                                                           : DSN_ACTION_FAILED;
}

/* --- QSBMF ----------------------------------------------------------- */

static void
qsbmf_finish(struct dsn_ctx *c, struct slice addr, struct str *reason)
{
    struct dsn_recipient *r = dsn_rcpt_add(c);
    if (r == NULL)
        return;
    r->final_recipient = dsn_field_dup(c, addr);
    r->diagnostic = dsn_field_dup(c, str_slice(reason));
    /* qmail-send bounces only what it gave up on: permanent by default */
    set_status(r, str_slice(reason), 5);
}

static void
qsbmf_reason_add(struct dsn_ctx *c, struct str *reason, struct slice line)
{
    if (reason->len > 0 && str_appendc(reason, ' ') < 0)
        c->out->flags |= DSN_F_FIELD_CUT;
    if (str_append_trunc(reason, line.ptr, line.len) < 0)
        c->out->flags |= DSN_F_FIELD_CUT;
}

static int
qsbmf_parse(struct dsn_ctx *c, struct slice text)
{
    size_t off = 0;
    struct slice line, addr = SLICE_NULL;
    if (!next_line(text, &off, &line) || !slice_starts_with_case(line, QSBMF_GREETING))
        return -1;
    struct slice host = slice_trim(slice_from(line, strlen(QSBMF_GREETING)));
    if (host.len > 0 && host.ptr[host.len - 1] == '.')
        host.len--;
    c->out->source = DSN_SOURCE_QSBMF;
    c->out->reporting_mta = dsn_field_dup(c, host);
    bool in_rcpt = false;
    struct str reason;
    str_init(&reason, c->lim->field_max);
    while (next_line(text, &off, &line) &&
           !(line.len >= 3 && memcmp(line.ptr, "---", 3) == 0)) {
        if (line.len >= 3 && line.ptr[0] == '<' && line.ptr[line.len - 2] == '>' &&
            line.ptr[line.len - 1] == ':') {
            if (in_rcpt)
                qsbmf_finish(c, addr, &reason);
            addr = slice_make(line.ptr + 1, line.len - 3);
            str_clear(&reason);
            in_rcpt = true;
        } else if (slice_trim(line).len == 0) {
            if (in_rcpt)
                qsbmf_finish(c, addr, &reason);
            in_rcpt = false;
        } else if (in_rcpt) {
            qsbmf_reason_add(c, &reason, slice_trim(line));
        }
    }
    if (in_rcpt)
        qsbmf_finish(c, addr, &reason);
    if (c->out->n == 0)
        c->out->flags |= DSN_F_MALFORMED;
    str_deinit(&reason);
    return 0;
}

/* --- plain text ------------------------------------------------------ */

static bool
header_has(const struct header_block *b, const char *name, const char *const *words)
{
    const struct header_field *f = header_get(b, name);
    if (f == NULL)
        return false;
    for (size_t i = 0; words[i] != NULL; i++)
        if (dsn_case_contains(f->value, words[i]))
            return true;
    return false;
}

/* Only mail that says it is a bounce is read as prose. */
static bool
looks_like_bounce(const struct mime_message *m)
{
    static const char *const from[] = {"mailer-daemon", "postmaster", "mail delivery",
                                       NULL};
    static const char *const subject[] = {"undeliver",     "delivery", "failure",
                                          "failed",        "returned", "bounce",
                                          "not delivered", NULL};
    static const char *const auto_sub[] = {"auto-generated", "auto-replied", NULL};
    const struct header_block *h = &m->root->headers;
    return header_has(h, "From", from) || header_has(h, "Subject", subject) ||
           header_has(h, "Auto-Submitted", auto_sub) ||
           strcmp(m->root->type, "multipart/report") == 0;
}

static bool
local_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr(".!#$%&'*+/=?^_`{|}~-", ch) != NULL);
}

static bool
domain_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/* The first plausible address in a line ("local@domain", domain
 * lowercased), or NULL. */
static const char *
line_address(struct dsn_ctx *c, struct slice line)
{
    for (size_t at = 0; at < line.len; at++) {
        if (line.ptr[at] != '@')
            continue;
        size_t b = at, e = at + 1;
        while (b > 0 && local_char((unsigned char)line.ptr[b - 1]))
            b--;
        while (e < line.len && domain_char((unsigned char)line.ptr[e]))
            e++;
        while (b < at && line.ptr[b] == '.')
            b++;
        while (e > at + 1 && line.ptr[e - 1] == '.')
            e--;
        struct address ad;
        const char *err = NULL;
        if (b < at && e > at + 1 &&
            address_parse(c->a, slice_make(line.ptr + b, e - b), &ad, &err) == 0) {
            struct str s;
            str_init(&s, 0);
            (void)str_appendf(&s, "%s@%s", ad.local, ad.domain);
            const char *r = dsn_field_dup(c, str_slice(&s));
            str_deinit(&s);
            return r;
        }
    }
    return NULL;
}

static bool
already_named(const struct dsn_report *r, const char *addr)
{
    for (size_t i = 0; i < r->n; i++)
        if (slice_case_eq_cstr(slice_from_cstr(r->rcpts[i].final_recipient), addr))
            return true;
    return false;
}

static void
plain_line(struct dsn_ctx *c, struct slice line, const char **last_addr)
{
    const char *addr = line_address(c, line);
    if (addr != NULL)
        *last_addr = addr;
    int smtp;
    struct dsn_status st;
    dsn_text_codes(line, &smtp, &st);
    bool hash = memchr(line.ptr, '#', line.len) != NULL;
    if (!(smtp >= 400 || (smtp == 0 && st.klass >= 4 && hash)))
        return;
    addr = addr != NULL ? addr : *last_addr;
    if (already_named(c->out, addr))
        return;
    struct dsn_recipient *r = dsn_rcpt_add(c);
    if (r == NULL)
        return;
    r->final_recipient = addr;
    r->diagnostic = dsn_field_dup(c, slice_trim(line));
    set_status(r, line, 0);
}

static int
plain_parse(struct dsn_ctx *c, struct slice text)
{
    if (!looks_like_bounce(c->m))
        return -1;
    size_t off = 0;
    struct slice line;
    const char *last_addr = "";
    while (next_line(text, &off, &line) && !is_stop_line(line) &&
           !(c->out->flags & DSN_F_RCPT_LIMIT))
        plain_line(c, line, &last_addr);
    if (c->out->n == 0)
        return -1;
    c->out->source = DSN_SOURCE_TEXT;
    return 0;
}

int
dsn_text_parse(struct dsn_ctx *c)
{
    const struct mime_part *p = find_text_part(c->m);
    if (p == NULL)
        return -1;
    struct str text;
    dsn_part_decode(c, p, c->lim->text_max, DSN_F_TEXT_CUT, &text);
    int rc = qsbmf_parse(c, str_slice(&text));
    if (rc < 0)
        rc = plain_parse(c, str_slice(&text));
    str_deinit(&text);
    return rc;
}
