/*
 * post: loop check, RFC 3834, and the rewriting of a post (see post.h).
 *
 * Untrusted input: the whole incoming message. Bounded by the mail/
 * parsers' limits (mail_limits_default) and by the caller's size limit;
 * the output is the input plus a bounded amount.
 */
#include "ezlist/post.h"

#include "lib/mem.h"
#include "mail/mime_param.h"

#include <string.h>

static bool
value_is(const struct header_field *f, struct str *tmp, const char *const *words)
{
    str_clear(tmp);
    header_unfold(f->value, tmp);
    struct slice v = slice_trim(str_slice(tmp));
    for (; *words; words++)
        if (slice_case_eq_cstr(v, *words))
            return true;
    return false;
}

bool
post_no_autoreply(const struct header_block *h, const char *sender, const char **why_r)
{
    static const char *const no[] = {"no", NULL};
    static const char *const bulk[] = {"bulk", "junk", "list", NULL};
    static const char *const lists[] = {"List-Id", "List-Help", "List-Subscribe",
                                        "List-Unsubscribe", "List-Post", "List-Owner",
                                        "Mailing-List", NULL};
    *why_r = NULL;
    struct str tmp;
    str_init(&tmp, 4096);
    if (sender[0] == '\0' || strcmp(sender, "#@[]") == 0 || strchr(sender, '@') == NULL)
        *why_r = "null or bounce sender";
    for (size_t i = 0; *why_r == NULL && i < h->n; i++) {
        const struct header_field *f = &h->fields[i];
        if (slice_case_eq_cstr(f->name, "Auto-Submitted") && !value_is(f, &tmp, no))
            *why_r = "Auto-Submitted";
        else if (slice_case_eq_cstr(f->name, "Precedence") && value_is(f, &tmp, bulk))
            *why_r = "Precedence bulk, junk or list";
        for (size_t j = 0; *why_r == NULL && lists[j]; j++)
            if (slice_case_eq_cstr(f->name, lists[j]))
                *why_r = "list headers";
    }
    str_deinit(&tmp);
    return *why_r != NULL;
}

bool
post_is_loop(const struct list *l, const struct header_block *h)
{
    struct str tmp, mark, id;
    str_init(&tmp, 4096);
    str_init(&mark, 0);
    str_init(&id, 0);
    str_appendf(&mark, "mailing list %s", l->address);
    str_appendf(&id, "<%s.%s>", l->local, l->domain);
    bool loop = false;
    for (size_t i = 0; !loop && i < h->n; i++) {
        const struct header_field *f = &h->fields[i];
        bool dt = slice_case_eq_cstr(f->name, "Delivered-To");
        if (!dt && !slice_case_eq_cstr(f->name, "List-Id"))
            continue;
        str_clear(&tmp);
        header_unfold(f->value, &tmp);
        struct slice v = str_slice(&tmp);
        if (dt)
            loop = slice_case_eq(v, str_slice(&mark));
        else
            loop = v.len >= id.len && slice_case_eq(slice_from(v, v.len - id.len), str_slice(&id));
    }
    str_deinit(&tmp);
    str_deinit(&mark);
    str_deinit(&id);
    return loop;
}

void
post_list_headers(const struct list *l, struct str *out)
{
    const char *L = l->local, *D = l->domain;
    if (l->description[0])
        str_appendf(out, "List-Id: %s <%s.%s>\n", l->description, L, D);
    else
        str_appendf(out, "List-Id: <%s.%s>\n", L, D);
    str_appendf(out, "List-Help: <mailto:%s-help@%s>\n", L, D);
    str_appendf(out, "List-Subscribe: <mailto:%s-subscribe@%s>\n", L, D);
    str_appendf(out, "List-Unsubscribe: <mailto:%s-unsubscribe@%s>\n", L, D);
    str_appendf(out, "List-Post: <mailto:%s@%s>\n", L, D);
    str_appendf(out, "List-Owner: <mailto:%s-owner@%s>\n", L, D);
    str_append_cstr(out, "Precedence: list\n");
}

enum footer_mode { FOOTER_NONE, FOOTER_APPEND, FOOTER_MIXED, FOOTER_WRAP };

static bool
dropped_field(struct slice name, enum footer_mode mode)
{
    static const char *const drop[] = {"Return-Path", "List-Id", "List-Help",
                                       "List-Subscribe", "List-Unsubscribe", "List-Post",
                                       "List-Owner", "List-Archive", "Precedence", NULL};
    for (size_t i = 0; drop[i]; i++)
        if (slice_case_eq_cstr(name, drop[i]))
            return true;
    return mode == FOOTER_WRAP && slice_starts_with_case(name, "Content-");
}

/* Where the close delimiter "--B--" of multipart body starts (at a line
 * start), or -1. */
static long
close_delimiter(struct slice body, const char *boundary)
{
    struct str d;
    str_init(&d, 0);
    str_appendf(&d, "--%s--", boundary);
    long at = -1;
    for (size_t i = 0; i + d.len <= body.len; i++) {
        if ((i == 0 || body.ptr[i - 1] == '\n') && memcmp(body.ptr + i, d.buf, d.len) == 0)
            at = (long)i;
    }
    str_deinit(&d);
    return at;
}

struct shape {
    enum footer_mode mode;
    const char *boundary; /* FOOTER_MIXED */
    long close_at;        /* FOOTER_MIXED: offset of the close delimiter */
};

static void
footer_shape(struct arena *a, const struct header_block *h, struct slice body,
             struct slice footer, struct shape *s)
{
    s->mode = FOOTER_WRAP;
    if (footer.len == 0) {
        s->mode = FOOTER_NONE;
        return;
    }
    struct str tmp;
    str_init(&tmp, 4096);
    const struct header_field *ct = header_get(h, "Content-Type");
    const struct header_field *te = header_get(h, "Content-Transfer-Encoding");
    struct mime_value mv = {.value = ""};
    if (ct != NULL) {
        header_unfold(ct->value, &tmp);
        mime_value_parse(a, str_slice(&tmp), &mv);
    }
    static const char *const plain_te[] = {"7bit", "8bit", NULL};
    bool plain_enc = te == NULL || value_is(te, &tmp, plain_te);
    if ((mv.value[0] == '\0' || strcmp(mv.value, "text/plain") == 0) && plain_enc)
        s->mode = FOOTER_APPEND;
    else if (strcmp(mv.value, "multipart/mixed") == 0 && plain_enc) {
        s->boundary = mime_value_param(&mv, "boundary");
        s->close_at = s->boundary ? close_delimiter(body, s->boundary) : -1;
        if (s->close_at >= 0)
            s->mode = FOOTER_MIXED;
    }
    str_deinit(&tmp);
}

static void
footer_part(struct str *out, const char *boundary, struct slice footer)
{
    str_appendf(out, "--%s\nContent-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\nContent-Disposition: inline\n\n",
                boundary);
    str_append_slice(out, footer);
    if (footer.ptr[footer.len - 1] != '\n')
        str_appendc(out, '\n');
}

static void
write_body(const struct header_block *h, struct slice body, struct slice footer,
           const struct shape *s, const char *wrap_b, struct str *out)
{
    bool nl = body.len == 0 || body.ptr[body.len - 1] == '\n';
    switch (s->mode) {
    case FOOTER_NONE:
        str_append_slice(out, body);
        break;
    case FOOTER_APPEND:
        str_append_slice(out, body);
        str_append_cstr(out, nl ? "\n" : "\n\n");
        str_append_slice(out, footer);
        break;
    case FOOTER_MIXED:
        str_append(out, body.ptr, (size_t)s->close_at);
        footer_part(out, s->boundary, footer);
        str_append_slice(out, slice_from(body, (size_t)s->close_at));
        break;
    case FOOTER_WRAP:
        str_appendf(out, "This is a message in MIME format.\n\n--%s\n", wrap_b);
        for (size_t i = 0; i < h->n; i++)
            if (slice_starts_with_case(h->fields[i].name, "Content-"))
                str_appendf(out, "%.*s: %.*s\n", (int)h->fields[i].name.len,
                            h->fields[i].name.ptr, (int)h->fields[i].value.len,
                            h->fields[i].value.ptr);
        str_appendc(out, '\n');
        str_append_slice(out, body);
        str_append_cstr(out, nl ? "\n" : "\n\n");
        footer_part(out, wrap_b, footer);
        str_appendf(out, "--%s--\n", wrap_b);
        break;
    }
}

/* The Subject field with the prefix (unless it is already there). */
static void
write_subject(const struct list *l, const struct header_field *f, struct str *out)
{
    struct str tmp;
    str_init(&tmp, 0);
    if (f != NULL)
        header_unfold(f->value, &tmp);
    bool has = l->prefix[0] == '\0' || strstr(str_cstr(&tmp), l->prefix) != NULL;
    if (f != NULL && has)
        str_appendf(out, "Subject: %.*s\n", (int)f->value.len, f->value.ptr);
    else if (f != NULL)
        str_appendf(out, "Subject: %s %.*s\n", l->prefix, (int)f->value.len, f->value.ptr);
    else if (!has)
        str_appendf(out, "Subject: %s\n", l->prefix);
    str_deinit(&tmp);
}

void
post_rewrite(const struct list *l, struct slice msg, struct slice footer,
             const char *boundary_seed, struct str *out)
{
    struct arena *a = arena_new(0);
    struct mail_limits lim = mail_limits_default();
    struct header_block h;
    size_t hl = header_parse(a, &lim, msg, false, &h);
    struct slice body = slice_from(msg, hl);
    struct shape s = {0};
    footer_shape(a, &h, body, footer, &s);
    struct str wrap_b;
    str_init(&wrap_b, 0);
    str_appendf(&wrap_b, "ezlist-%s", boundary_seed);

    str_appendf(out, "Delivered-To: mailing list %s\n", l->address);
    bool subject_done = false;
    for (size_t i = 0; i < h.n; i++) {
        const struct header_field *f = &h.fields[i];
        if (dropped_field(f->name, s.mode))
            continue;
        if (slice_case_eq_cstr(f->name, "Subject")) {
            if (!subject_done)
                write_subject(l, f, out);
            subject_done = true;
            continue;
        }
        str_appendf(out, "%.*s: %.*s\n", (int)f->name.len, f->name.ptr, (int)f->value.len,
                    f->value.ptr);
    }
    if (!subject_done)
        write_subject(l, NULL, out);
    post_list_headers(l, out);
    if (s.mode == FOOTER_WRAP) {
        if (header_get(&h, "MIME-Version") == NULL)
            str_append_cstr(out, "MIME-Version: 1.0\n");
        str_appendf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n", str_cstr(&wrap_b));
    }
    str_appendc(out, '\n');
    write_body(&h, body, footer, &s, str_cstr(&wrap_b), out);
    str_deinit(&wrap_b);
    arena_free(&a);
}
