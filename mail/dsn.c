/*
 * dsn: RFC 3464 delivery-status parsing (see dsn.h).
 *
 * Untrusted input: a whole bounce message. The MIME tree comes from
 * mail/mime (bounded by mail_limits_default); the delivery-status body is
 * read as groups of header fields with mail/header (same limits); at most
 * DSN_RECIPIENTS_MAX groups are kept and each value is bounded.
 */
#include "mail/dsn.h"

#include "mail/header.h"
#include "mail/mime.h"

#include <string.h>

#define VALUE_MAX 1024

/* The unfolded, trimmed value of field name in h, in a ("" if none). */
static char *
field(struct arena *a, const struct header_block *h, const char *name)
{
    const struct header_field *f = header_get(h, name);
    struct str v;
    str_init(&v, VALUE_MAX);
    if (f != NULL)
        (void)header_unfold(f->value, &v);
    char *out = arena_memdup0(a, v.buf ? v.buf : "", v.len);
    str_deinit(&v);
    return out;
}

/* Digits at *p: 1 to 3 of them, advancing *p. */
static bool
digits(const char **p)
{
    size_t n = 0;
    while (**p >= '0' && **p <= '9' && n < 4) {
        (*p)++;
        n++;
    }
    return n >= 1 && n <= 3;
}

/* "5.1.1" and nothing else (RFC 3463: class 2, 4 or 5; subject and detail
 * of 1-3 digits); a comment after a space is dropped. */
static void
copy_status(const char *in, char *out)
{
    out[0] = '\0';
    const char *p = in + 1;
    if ((in[0] != '2' && in[0] != '4' && in[0] != '5') || *p++ != '.' || !digits(&p) ||
        *p++ != '.' || !digits(&p) || (*p != '\0' && *p != ' ' && *p != '\t' && *p != '('))
        return;
    memcpy(out, in, (size_t)(p - in));
    out[p - in] = '\0';
}

static void
recipient(struct arena *a, const struct header_block *h, struct dsn_recipient *r)
{
    char *fr = field(a, h, "Final-Recipient");
    char *semi = strchr(fr, ';');
    char *addr = semi ? semi + 1 : fr;
    while (*addr == ' ' || *addr == '\t')
        addr++;
    size_t len = strlen(addr);
    if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
        addr[len - 1] = '\0';
        addr++;
    }
    r->final_recipient = addr;
    r->action = field(a, h, "Action");
    for (char *p = r->action; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p += 32;
    copy_status(field(a, h, "Status"), r->status);
}

static void
parse_groups(struct arena *a, struct slice body, struct dsn *out)
{
    struct mail_limits lim = mail_limits_default();
    out->r = arena_calloc(a, DSN_RECIPIENTS_MAX, sizeof *out->r);
    out->n = 0;
    bool first = true;
    while (body.len > 0 && out->n < DSN_RECIPIENTS_MAX) {
        struct slice t = slice_trim(body);
        if (t.len == 0)
            break;
        /* skip blank lines between groups */
        while (body.len > 0 && (body.ptr[0] == '\n' || body.ptr[0] == '\r'))
            body = slice_from(body, 1);
        struct header_block h;
        size_t used = header_parse(a, &lim, body, false, &h);
        if (used == 0)
            break;
        body = slice_from(body, used);
        if (first) { /* the per-message group */
            first = false;
            continue;
        }
        if (h.n > 0)
            recipient(a, &h, &out->r[out->n++]);
    }
}

int
dsn_parse(struct arena *a, struct slice msg, struct dsn *out)
{
    struct mail_limits lim = mail_limits_default();
    struct mime_message *m = mime_parse(a, &lim, msg.ptr, msg.len);
    for (struct mime_part *p = m ? m->root : NULL; p != NULL; p = mime_next(p)) {
        if (strcmp(p->type, "message/delivery-status") != 0 &&
            strcmp(p->type, "message/global-delivery-status") != 0)
            continue;
        size_t end = p->body_end <= msg.len ? p->body_end : msg.len;
        size_t start = p->body_start <= end ? p->body_start : end;
        parse_groups(a, slice_make(msg.ptr + start, end - start), out);
        return 0;
    }
    return -1;
}

enum dsn_class
dsn_classify(const char *status)
{
    if (status[0] == '4')
        return DSN_CLASS_SOFT;
    if (status[0] != '5')
        return DSN_CLASS_NONE;
    if (strncmp(status, "5.1.", 4) == 0 || strcmp(status, "5.2.1") == 0 ||
        strcmp(status, "5.4.4") == 0)
        return DSN_CLASS_HARD;
    if (strncmp(status, "5.7.", 4) == 0)
        return DSN_CLASS_POLICY;
    return DSN_CLASS_OTHER;
}
