/*
 * reply: build and send the list's own messages (see reply.h).
 *
 * Untrusted input: only the request's Message-ID, copied into
 * In-Reply-To/References when it is one line of at most 998 bytes. The
 * texts are the list's. Every message carries Auto-Submitted: auto-replied
 * (RFC 3834) and goes out with the list's return address as sender.
 */
#include "ezlist/reply.h"

#include "ezlist/inject.h"
#include "lib/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
reply_random_hex(struct str *out, size_t n)
{
    uint8_t b[32];
    if (n > sizeof b || list_random(b, n) < 0)
        log_fatal("getrandom failed");
    for (size_t i = 0; i < n; i++)
        str_appendf(out, "%02x", b[i]);
}

static void
date_field(struct str *out)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    str_appendf(out, "Date: %s, %d %s %d %02d:%02d:%02d +0000\n", days[tm.tm_wday], tm.tm_mday,
                mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
references(const struct header_block *h, struct str *out)
{
    const struct header_field *f = h ? header_get(h, "Message-ID") : NULL;
    if (f == NULL)
        return;
    struct str id;
    str_init(&id, 998);
    if (header_unfold(f->value, &id) == 0 && id.len > 0 &&
        memchr(id.buf, '\n', id.len) == NULL && memchr(id.buf, '\r', id.len) == NULL)
        str_appendf(out, "In-Reply-To: %s\nReferences: %s\n", str_cstr(&id), str_cstr(&id));
    str_deinit(&id);
}

/* Split a text into its Subject and body. */
static void
split_text(struct slice t, struct slice *subject, struct slice *body)
{
    *subject = SLICE_LIT("(no subject)");
    *body = t;
    if (!slice_starts_with_case(t, "Subject:"))
        return;
    long nl = slice_find_char(t, '\n');
    struct slice line = nl < 0 ? t : slice_head(t, (size_t)nl);
    *subject = slice_trim(slice_from(line, 8));
    *body = nl < 0 ? SLICE_NULL : slice_from(t, (size_t)nl + 1);
    if (body->len > 0 && body->ptr[0] == '\n')
        *body = slice_from(*body, 1);
}

int
reply_send(const struct list *l, const char *name, const char *to, const char *addr,
           const char *confirm, const struct header_block *in_reply_to, struct str *err)
{
    return reply_send_from(l, NULL, name, to, addr, confirm, in_reply_to, err);
}

int
reply_send_from(const struct list *l, const char *env_from, const char *name, const char *to,
                const char *addr, const char *confirm, const struct header_block *in_reply_to,
                struct str *err)
{
    struct str text, rendered, msg, a_help, a_sub, a_unsub, a_owner, days, from;
    struct str *all[] = {&text, &rendered, &msg, &a_help, &a_sub, &a_unsub, &a_owner, &days,
                         &from};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        str_init(all[i], 0);
    int rc = -1;
    if (list_text(l, name, &text, err) == 0) {
        str_appendf(&a_help, "%s-help@%s", l->local, l->domain);
        str_appendf(&a_sub, "%s-subscribe@%s", l->local, l->domain);
        str_appendf(&a_unsub, "%s-unsubscribe@%s", l->local, l->domain);
        str_appendf(&a_owner, "%s-owner@%s", l->local, l->domain);
        str_appendf(&days, "%lld", l->confirm_seconds / 86400);
        if (env_from != NULL)
            str_append_cstr(&from, env_from);
        else
            str_appendf(&from, "%s-return@%s", l->local, l->domain);
        const char *vars[] = {"list", l->address, "address", addr, "confirm",
                              confirm ? confirm : "", "help", str_cstr(&a_help),
                              "subscribe", str_cstr(&a_sub), "unsubscribe",
                              str_cstr(&a_unsub), "owner", str_cstr(&a_owner), "days",
                              str_cstr(&days), NULL};
        list_render(str_slice(&text), vars, &rendered);
        struct slice subject, body;
        split_text(str_slice(&rendered), &subject, &body);
        str_appendf(&msg, "From: <%s>\nTo: <%s>\nSubject: %.*s\n", str_cstr(&a_help), to,
                    (int)subject.len, subject.ptr);
        if (confirm != NULL)
            str_appendf(&msg, "Reply-To: <%s>\n", confirm);
        date_field(&msg);
        str_append_cstr(&msg, "Message-ID: <");
        reply_random_hex(&msg, 12);
        str_appendf(&msg, "@%s>\n", l->domain);
        references(in_reply_to, &msg);
        str_appendf(&msg, "Auto-Submitted: %s\n", env_from ? "auto-generated" : "auto-replied");
        str_append_cstr(&msg, "MIME-Version: 1.0\n"
                              "Content-Type: text/plain; charset=utf-8\n"
                              "Content-Transfer-Encoding: 8bit\n\n");
        str_append_slice(&msg, body);
        char *args[] = {"-oi", "-f", (char *)str_cstr(&from), "--", (char *)to, NULL};
        rc = inject_run(l->sendmail, args, msg.buf, msg.len, err);
    }
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        str_deinit(all[i]);
    return rc;
}
