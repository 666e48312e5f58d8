/*
 * receive: one message from the MTA to an address of the list (see
 * receive.h): commands, confirmations, bounces, posts.
 *
 * Untrusted input: the envelope (argv or qmail's environment) and the whole
 * message on standard input (at most 64 MiB read; posts are held to the
 * list's max_size). Anything unexpected (a list that cannot be read, a
 * failing MTA, a write error) is a temporary failure, never "done".
 */
#include "ezlist/receive.h"

#include "ezlist/bounce.h"
#include "ezlist/cookie.h"
#include "ezlist/fanout.h"
#include "ezlist/inject.h"
#include "ezlist/list.h"
#include "ezlist/post.h"
#include "ezlist/reply.h"
#include "ezlist/route.h"
#include "ezlist/subdb.h"
#include "lib/fdio.h"
#include "mail/header.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define READ_MAX ((size_t)64 << 20)

enum outcome { OUT_OK, OUT_TEMP, OUT_PERM, OUT_NOUSER };

struct rx {
    struct list l;
    struct arena *a;
    const char *sender;
    struct route route;
    struct str msg;
    struct header_block h;
    struct str err;
    const char *dsn; /* "5.7.1 ..." for OUT_PERM */
};

static enum outcome
temp(struct rx *r, const char *what)
{
    list_log(&r->l, "temporary failure: %s: %s", what, str_cstr(&r->err));
    fprintf(stdout, "4.3.0 %s: %s\n", what, str_cstr(&r->err));
    return OUT_TEMP;
}

static enum outcome
perm(struct rx *r, const char *dsn)
{
    list_log(&r->l, "refused from %s: %s", r->sender, dsn);
    fprintf(stdout, "%s\n", dsn);
    return OUT_PERM;
}

/* The sender as a canonical address, or NULL when it is not one. */
static char *
sender_canon(struct rx *r)
{
    char *c;
    const char *why;
    if (subdb_canon(r->a, slice_from_cstr(r->sender), &c, &why) < 0)
        return NULL;
    return c;
}

static enum outcome
do_request(struct rx *r, bool sub)
{
    const char *why;
    if (post_no_autoreply(&r->h, r->sender, &why)) {
        list_log(&r->l, "ignored %s request from %s: %s", sub ? "sub" : "unsub", r->sender, why);
        return OUT_OK;
    }
    char *addr = sender_canon(r);
    if (addr == NULL) {
        list_log(&r->l, "ignored request from unusable sender %s", r->sender);
        return OUT_OK;
    }
    int has = subdb_has(r->l.dir, addr, &r->err);
    if (has < 0)
        return temp(r, "subscriber store");
    const char *name = sub ? (has ? "sub-nop" : "sub-confirm") : (has ? "unsub-confirm" : "unsub-nop");
    struct str confirm;
    str_init(&confirm, 0);
    char cookie[COOKIE_TEXT_MAX];
    if (strcmp(name + strlen(name) - 7, "confirm") == 0) {
        cookie_make(r->l.keys[0].key, r->l.keys[0].id, sub ? 's' : 'u', (long long)time(NULL),
                    addr, cookie);
        str_appendf(&confirm, "%s-confirm-%s-", r->l.local, cookie);
        route_verp_encode(addr, &confirm);
        str_appendf(&confirm, "@%s", r->l.domain);
    }
    int rc = reply_send(&r->l, name, addr, addr, confirm.len ? str_cstr(&confirm) : NULL, &r->h,
                        &r->err);
    str_deinit(&confirm);
    if (rc < 0)
        return temp(r, "sending the reply");
    list_log(&r->l, "%s request from %s: sent %s", sub ? "sub" : "unsub", addr, name);
    return OUT_OK;
}

static bool
confirm_valid(struct rx *r, const char *addr, char *action_r)
{
    struct cookie c;
    if (cookie_parse(r->route.cookie, &c) < 0)
        return false;
    const struct list_key *k = list_key_find(&r->l, c.key_id);
    *action_r = c.action;
    return k != NULL && cookie_check(&c, k->key, c.action, addr, (long long)time(NULL),
                                     r->l.confirm_seconds);
}

static enum outcome
do_confirm(struct rx *r)
{
    const char *why;
    if (post_no_autoreply(&r->h, r->sender, &why)) {
        list_log(&r->l, "ignored confirmation from %s: %s", r->sender, why);
        return OUT_OK;
    }
    struct str t;
    str_init(&t, SUBDB_ADDRESS_MAX);
    char *addr = NULL, action = 0;
    if (route_verp_decode(r->route.target, &t) == 0)
        (void)subdb_canon(r->a, str_slice(&t), &addr, &why);
    str_deinit(&t);
    if (addr == NULL || !confirm_valid(r, addr, &action)) {
        list_log(&r->l, "bad or expired confirmation from %s", r->sender);
        char *to = sender_canon(r);
        if (to != NULL && reply_send(&r->l, "confirm-bad", to, to, NULL, &r->h, &r->err) < 0)
            return temp(r, "sending the reply");
        return OUT_OK;
    }
    size_t changed = 0;
    if (subdb_apply(r->l.dir, action == 's' ? SUBDB_ADD : SUBDB_REMOVE, &addr, 1, &changed,
                    &r->err) < 0)
        return temp(r, "subscriber store");
    list_log(&r->l, "%s %s (confirmed%s)", action == 's' ? "subscribed" : "unsubscribed", addr,
             changed ? "" : ", no change");
    if (reply_send(&r->l, action == 's' ? "welcome" : "goodbye", addr, addr, NULL, &r->h,
                   &r->err) < 0)
        list_log(&r->l, "could not send the notice to %s: %s", addr, str_cstr(&r->err));
    return OUT_OK;
}

static enum outcome
do_help(struct rx *r)
{
    const char *why;
    char *to = sender_canon(r);
    if (post_no_autoreply(&r->h, r->sender, &why) || to == NULL) {
        list_log(&r->l, "ignored help request from %s: %s", r->sender, to ? why : "bad sender");
        return OUT_OK;
    }
    if (reply_send(&r->l, "help", to, to, NULL, &r->h, &r->err) < 0)
        return temp(r, "sending the reply");
    list_log(&r->l, "help sent to %s", to);
    return OUT_OK;
}

static enum outcome
do_owner(struct rx *r)
{
    if (r->l.owners[0] == NULL) {
        list_log(&r->l, "mail to the owner from %s dropped: no owners", r->sender);
        return OUT_OK;
    }
    struct str from;
    str_init(&from, 0);
    str_appendf(&from, "%s-return@%s", r->l.local, r->l.domain);
    size_t n = 0;
    while (r->l.owners[n])
        n++;
    char **args = arena_alloc(r->a, (n + 5) * sizeof *args);
    args[0] = "-oi";
    args[1] = "-f";
    args[2] = (char *)str_cstr(&from);
    args[3] = "--";
    memcpy(args + 4, r->l.owners, (n + 1) * sizeof *args);
    int rc = inject_run(r->l.sendmail, args, r->msg.buf, r->msg.len, &r->err);
    str_deinit(&from);
    if (rc < 0)
        return temp(r, "forwarding to the owners");
    list_log(&r->l, "mail from %s forwarded to the owners", r->sender);
    return OUT_OK;
}

static enum outcome
do_return(struct rx *r, bool probe)
{
    struct str t;
    str_init(&t, SUBDB_ADDRESS_MAX);
    char *addr = NULL;
    const char *why;
    if (route_verp_decode(r->route.target, &t) == 0)
        (void)subdb_canon(r->a, str_slice(&t), &addr, &why);
    str_deinit(&t);
    if (addr == NULL) {
        list_log(&r->l, "bounce without a subscriber address (sender %s)", r->sender);
        return OUT_OK;
    }
    if (bounce_handle(&r->l, addr, str_slice(&r->msg), probe, &r->err) < 0)
        return temp(r, "handling a bounce");
    return OUT_OK;
}

/* May the sender post? Returns NULL, or the refusal's DSN text. */
static const char *
post_refusal(struct rx *r, const char *who)
{
    if (strcmp(r->l.post, "anyone") == 0)
        return NULL;
    if (who == NULL)
        return "5.7.1 the sender is not a usable address";
    if (strcmp(r->l.post, "moderators") == 0)
        return list_has(r->l.moderators, who) ? NULL
                                               : "5.7.2 only the moderators may post to this list";
    int has = subdb_has(r->l.dir, who, &r->err);
    if (has < 0)
        return "temp";
    return has ? NULL : "5.7.2 only subscribers may post to this list";
}

static void
progress_id(struct slice msg, struct str *out)
{
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)msg.ptr, msg.len, d);
    for (size_t i = 0; i < sizeof d; i++)
        str_appendf(out, "%02x", d[i]);
}

static enum outcome
do_post(struct rx *r)
{
    const char *who = sender_canon(r);
    if (r->sender[0] == '\0' || strchr(r->sender, '@') == NULL || strcmp(r->sender, "#@[]") == 0)
        return perm(r, "5.7.1 bounces and null senders may not post to this list");
    if (post_is_loop(&r->l, &r->h))
        return perm(r, "5.4.6 this message has been through the list already (loop)");
    if (r->l.max_size && r->msg.len > r->l.max_size)
        return perm(r, "5.3.4 the message is larger than the list allows");
    const char *why = post_refusal(r, who);
    if (why != NULL && strcmp(why, "temp") == 0)
        return temp(r, "subscriber store");
    if (why != NULL)
        return perm(r, why);
    struct str footer, out, id, seed;
    str_init(&footer, 0);
    str_init(&out, 0);
    str_init(&id, 0);
    str_init(&seed, 0);
    struct str ferr;
    str_init(&ferr, 0);
    (void)list_text(&r->l, "footer", &footer, &ferr); /* missing: no footer */
    str_deinit(&ferr);
    progress_id(str_slice(&r->msg), &id);
    str_append(&seed, id.buf, 24);
    post_rewrite(&r->l, str_slice(&r->msg), str_slice(&footer), str_cstr(&seed), &out);
    size_t sent = 0;
    fanout_clean(&r->l, 30L * 86400);
    int rc = fanout_send(&r->l, str_slice(&out), str_cstr(&id), &sent, &r->err);
    str_deinit(&footer);
    str_deinit(&out);
    str_deinit(&seed);
    enum outcome o = OUT_OK;
    if (rc < 0) {
        list_log(&r->l, "post %.16s from %s: %zu handed over before a failure", str_cstr(&id),
                 r->sender, sent);
        o = temp(r, "handing the post to the MTA");
    } else {
        list_log(&r->l, "post %.16s from %s: sent to %zu subscribers", str_cstr(&id), r->sender,
                 sent);
    }
    str_deinit(&id);
    return o;
}

/* The envelope: argv (sysexits mode) or qmail's environment. */
static int
envelope(int argc, char **argv, struct rx *r, bool *qmail_r)
{
    *qmail_r = argc == 2;
    if (argc == 4) {
        r->sender = argv[2];
        const char *rcpt = argv[3];
        const char *at = strrchr(rcpt, '@');
        struct slice local = at ? slice_make(rcpt, (size_t)(at - rcpt)) : slice_from_cstr(rcpt);
        route_local(slice_from_cstr(r->l.local), local, &r->route);
        return 0;
    }
    const char *s = getenv("SENDER");
    if (argc != 2 || s == NULL)
        return -1;
    r->sender = s;
    const char *def = getenv("DEFAULT");
    route_ext(slice_from_cstr(def ? def : ""), &r->route);
    return 0;
}

static int
exit_status(enum outcome o, bool qmail)
{
    static const int sysexits[] = {0, EX_TEMPFAIL, EX_NOPERM, EX_NOUSER};
    static const int qmail_codes[] = {0, 111, 100, 100};
    return qmail ? qmail_codes[o] : sysexits[o];
}

static enum outcome
dispatch(struct rx *r)
{
    switch (r->route.kind) {
    case ROUTE_POST: return do_post(r);
    case ROUTE_SUBSCRIBE: return do_request(r, true);
    case ROUTE_UNSUBSCRIBE: return do_request(r, false);
    case ROUTE_HELP: return do_help(r);
    case ROUTE_OWNER: return do_owner(r);
    case ROUTE_CONFIRM: return do_confirm(r);
    case ROUTE_RETURN: return do_return(r, false);
    case ROUTE_PROBE: return do_return(r, true);
    case ROUTE_UNKNOWN: break;
    }
    fprintf(stdout, "5.1.1 no such address of list %s\n", r->l.address);
    return OUT_NOUSER;
}

int
receive_main(int argc, char **argv)
{
    struct rx r = {0};
    bool qmail = argc == 2;
    str_init(&r.err, 0);
    if (argc != 2 && argc != 4) {
        /* A wiring mistake: temporary, so that no mail is lost meanwhile
         * (75 is temporary for qmail too). */
        fprintf(stdout, "4.3.5 usage: ezlist receive DIR [SENDER RECIPIENT]\n");
        return EX_TEMPFAIL;
    }
    if (list_load(argv[1], &r.l, &r.err) < 0) {
        fprintf(stdout, "4.3.0 %s\n", str_cstr(&r.err));
        str_deinit(&r.err);
        return exit_status(OUT_TEMP, qmail);
    }
    r.a = arena_new(0);
    str_init(&r.msg, READ_MAX);
    enum outcome o;
    if (envelope(argc, argv, &r, &qmail) < 0) {
        str_appendf(&r.err, "no envelope: give SENDER RECIPIENT, or run under qmail");
        o = temp(&r, "envelope");
    } else if (fdio_read_to_str(0, &r.msg) < 0) {
        if (errno == EFBIG)
            o = perm(&r, "5.3.4 the message is too large");
        else
            o = (str_appendf(&r.err, "%s", strerror(errno)), temp(&r, "reading the message"));
    } else {
        struct mail_limits lim = mail_limits_default();
        header_parse(r.a, &lim, str_slice(&r.msg), false, &r.h);
        o = dispatch(&r);
    }
    fflush(stdout);
    str_deinit(&r.msg);
    str_deinit(&r.err);
    arena_free(&r.a);
    list_unload(&r.l);
    return exit_status(o, qmail);
}
