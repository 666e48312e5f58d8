/*
 * check_tables: filterd's table checks (docs/tables.md): the access table
 * on the client's name and address at connect, then on the envelope
 * sender and each recipient; qmail's badmailfrom and badrcptto control
 * files and pcre2 pattern files on the sender and the recipients.
 *
 * Order, and what stops it: client (access), sender (access, badmailfrom,
 * badmailfrom_patterns), each recipient (access, badrcptto,
 * badrcptto_patterns). An OK of the client or the sender skips every
 * later table check of the message; an OK of a recipient skips the rest
 * for that recipient. A reject, tempfail or discard decides at once
 * (verdict_decide). At RCPT time the milter passes the new recipient alone;
 * front ends that see the whole envelope at once (qmail, `filterd check`)
 * pass every recipient, and each is checked. The client and sender steps
 * run again at each stage (they are cheap and give the same answer); a
 * symbol already in the verdict is not added twice.
 *
 * Untrusted input: the session's client name and address and envelope
 * addresses, looked up by filterd/table (bounded). The table files are
 * read here (at most TABLE_FILE_MAX bytes each) and parsed by table.c; a
 * table with a bad line is refused with file:line, and with it the whole
 * configuration (a reload keeps the old one).
 */
#include "check_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check.h"
#include "filterd/pipeline.h"
#include "filterd/table.h"
#include "lib/blob.h"
#include "lib/mem.h"

static const struct config_key tables_schema[] = {
    {"access_table", CONFIG_LIST, "", 0, 0,
     "Access tables (KEY VALUE: IP, host, domain, address keys; docs/tables.md)"},
    {"client_access", CONFIG_LIST, "", 0, 0,
     "Access tables whose keys serve the client lookups only (check_client_access)"},
    {"sender_access", CONFIG_LIST, "", 0, 0,
     "Access tables whose keys serve the sender lookups only (check_sender_access)"},
    {"recipient_access", CONFIG_LIST, "", 0, 0,
     "Access tables whose keys serve the recipient lookups only "
     "(check_recipient_access)"},
    {"badmailfrom", CONFIG_LIST, "", 0, 0,
     "qmail-style badmailfrom files: refused senders, user@host or @host"},
    {"badmailfrom_patterns", CONFIG_LIST, "", 0, 0,
     "Files of pcre2 patterns (one a line) of refused senders"},
    {"badmailfrom_action", CONFIG_STRING, "REJECT", 0, 0,
     "For a badmailfrom sender: REJECT [text], DEFER, DISCARD, a score, or NNN x.y.z "
     "text"},
    {"badrcptto", CONFIG_LIST, "", 0, 0,
     "qmail-style badrcptto files: refused recipients, user@host or @host"},
    {"badrcptto_patterns", CONFIG_LIST, "", 0, 0,
     "Files of pcre2 patterns (one a line) of refused recipients"},
    {"badrcptto_action", CONFIG_STRING, "REJECT", 0, 0,
     "For a badrcptto recipient: REJECT [text], DEFER, DISCARD, a score, or NNN x.y.z "
     "text"},
};

struct tables_state {
    struct table *access, *bmf, *bmf_re, *brt, *brt_re; /* NULL: not set */
    struct table_value bmf_action, brt_action;
};

/* What a match is about: its symbol, words for the description and the
 * default SMTP reply. */
struct subject {
    const char *symbol;
    const char *what;
    const char *code;
    const char *text;
};

static const struct subject s_client_name = {"ACCESS_CLIENT", "client name", "554",
                                             "Client host refused by local policy"};
static const struct subject s_client_addr = {"ACCESS_CLIENT", "client address", "554",
                                             "Client host refused by local policy"};
static const struct subject s_from = {"ACCESS_FROM", "sender", "554",
                                      "Sender address refused by local policy"};
static const struct subject s_rcpt = {"ACCESS_RCPT", "recipient", "554",
                                      "Recipient address refused by local policy"};
static const struct subject s_bmf = {
    "BADMAILFROM", "sender", "553",
    "Sender address refused by local policy (badmailfrom)"};
static const struct subject s_bmf_re = {
    "BADMAILFROM_PATTERN", "sender", "553",
    "Sender address refused by local policy (badmailfrom)"};
static const struct subject s_brt = {
    "BADRCPTTO", "recipient", "553",
    "Recipient address refused by local policy (badrcptto)"};
static const struct subject s_brt_re = {
    "BADRCPTTO_PATTERN", "recipient", "553",
    "Recipient address refused by local policy (badrcptto)"};

enum step { STEP_NEXT, STEP_ALLOW, STEP_FINAL };

/* --- Loading --------------------------------------------------------- */

/* Parse the files of list setting key into *t_r (made, of format f, on
 * the first file), each key serving the lookups of kind (0: all).
 * Returns 0, or -1 with errors in err. */
static int
load_files(const struct config *c, const char *key, enum table_format f, unsigned kind,
           struct table **t_r, struct str *err)
{
    const char *const *files;
    size_t n = config_get_list(c, key, &files);
    if (n == 0)
        return 0;
    if (*t_r == NULL)
        *t_r = table_new(f);
    table_set_kind(*t_r, kind);
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        struct blob *b = NULL;
        struct str why;
        str_init(&why, 0);
        if (blob_open_file(&b, files[i], TABLE_FILE_MAX, &why) < 0) {
            str_appendf(err, "%s: %s: %s\n", config_source(c, key), key, str_cstr(&why));
            r = -1;
        } else if (blob_data(b) == NULL) {
            str_appendf(err, "%s: %s: %s: file larger than %d bytes\n",
                        config_source(c, key), key, files[i], TABLE_FILE_MAX);
            r = -1;
        } else if (table_parse(*t_r, files[i], blob_data(b), blob_size(b), err) < 0) {
            r = -1;
        }
        str_deinit(&why);
        blob_free(&b);
    }
    return r;
}

/* A *_action setting: any value but OK and DUNNO. */
static int
load_action(const struct config *c, const char *key, struct table_value *out,
            struct str *err)
{
    struct str why;
    str_init(&why, 0);
    int r = table_value_parse(slice_from_cstr(config_get_str(c, key)), out, &why);
    if (r == 0 && (out->action == TABLE_OK || out->action == TABLE_DUNNO ||
                   out->action == TABLE_NONE)) {
        table_value_deinit(out);
        str_append_cstr(&why,
                        "wants REJECT [text], DEFER, DISCARD, a score, or NNN text");
        r = -1;
    }
    if (r < 0)
        str_appendf(err, "%s: %s: %s\n", config_source(c, key), key, str_cstr(&why));
    str_deinit(&why);
    return r;
}

static void
tables_free(void *state)
{
    struct tables_state *st = state;
    table_free(&st->access);
    table_free(&st->bmf);
    table_free(&st->bmf_re);
    table_free(&st->brt);
    table_free(&st->brt_re);
    table_value_deinit(&st->bmf_action);
    table_value_deinit(&st->brt_action);
    free(st);
}

static void *
tables_new(const struct config *c, struct str *err)
{
    struct tables_state *st = xcalloc(1, sizeof(*st));
    int r = 0;
    r |= load_action(c, "badmailfrom_action", &st->bmf_action, err);
    r |= load_action(c, "badrcptto_action", &st->brt_action, err);
    /* One access table from the four settings (docs/tables.md). */
    r |= load_files(c, "access_table", TABLE_ACCESS, 0, &st->access, err);
    r |= load_files(c, "client_access", TABLE_ACCESS, TABLE_CLIENT, &st->access, err);
    r |= load_files(c, "sender_access", TABLE_ACCESS, TABLE_FROM, &st->access, err);
    r |= load_files(c, "recipient_access", TABLE_ACCESS, TABLE_RCPT, &st->access, err);
    r |= load_files(c, "badmailfrom", TABLE_LIST, 0, &st->bmf, err);
    r |= load_files(c, "badmailfrom_patterns", TABLE_PATTERNS, 0, &st->bmf_re, err);
    r |= load_files(c, "badrcptto", TABLE_LIST, 0, &st->brt, err);
    r |= load_files(c, "badrcptto_patterns", TABLE_PATTERNS, 0, &st->brt_re, err);
    if (r < 0) {
        tables_free(st);
        return NULL;
    }
    return st;
}

static void
summary_line(struct str *out, const char *name, const struct table *t)
{
    if (t == NULL)
        return;
    str_appendf(out, "tables: %s: %zu %s", name, table_size(t),
                table_format(t) == TABLE_PATTERNS ? "patterns" : "entries");
    if (table_duplicates(t))
        str_appendf(out, " (%zu duplicate keys ignored)", table_duplicates(t));
    str_appendc(out, '\n');
}

static void
tables_summary(const void *state, struct str *out)
{
    const struct tables_state *st = state;
    summary_line(out, "access", st->access);
    summary_line(out, "badmailfrom", st->bmf);
    summary_line(out, "badmailfrom_patterns", st->bmf_re);
    summary_line(out, "badrcptto", st->brt);
    summary_line(out, "badrcptto_patterns", st->brt_re);
}

/* --- Applying a match ------------------------------------------------ */

static void
add_once(struct verdict *v, const char *name, double score, const char *desc)
{
    if (!verdict_has_symbol(v, name))
        verdict_add(v, name, score, desc);
}

/* Decide by val for subject s; desc (what matched) is the default
 * quarantine reason of HOLD. */
static void
decide(const struct table_value *val, const struct subject *s, const char *desc,
       struct verdict *v)
{
    if (val->action == TABLE_DISCARD) {
        verdict_decide(v, VERDICT_DISCARD, NULL, NULL, NULL);
        return;
    }
    if (val->action == TABLE_HOLD) { /* the text is the quarantine reason */
        verdict_decide(v, VERDICT_QUARANTINE, NULL, NULL, val->text ? val->text : desc);
        return;
    }
    bool temp = val->action == TABLE_TEMPFAIL;
    const char *code = val->code[0] ? val->code : temp ? "450" : s->code;
    char xcode[sizeof(val->xcode)];
    if (val->xcode[0])
        snprintf(xcode, sizeof(xcode), "%s", val->xcode);
    else
        snprintf(xcode, sizeof(xcode), "%c.7.1", code[0]);
    struct str text;
    str_init(&text, 0);
    if (val->text)
        str_append_cstr(&text, val->text);
    else
        str_appendf(&text, "%s%s", s->text, temp ? "; try again later" : "");
    verdict_decide(v, temp ? VERDICT_TEMPFAIL : VERDICT_REJECT, code, xcode,
                   str_cstr(&text));
    str_deinit(&text);
}

/* Apply entry e (val: its value, or the check's action for list and
 * pattern entries) found for subject s. */
static enum step
apply(const struct table_entry *e, const struct table_value *val, const struct subject *s,
      struct verdict *v)
{
    if (e == NULL || val->action == TABLE_DUNNO)
        return STEP_NEXT;
    struct str desc, name;
    str_init(&desc, 0);
    str_init(&name, 0);
    str_appendf(&desc, "%s matched %s (%s:%zu)", s->what, e->key, e->file, e->line);
    str_append_cstr(&name, s->symbol);
    enum step r = STEP_FINAL;
    switch (val->action) {
    case TABLE_OK:
        str_append_cstr(&name, "_OK");
        add_once(v, str_cstr(&name), 0.0, str_cstr(&desc));
        r = STEP_ALLOW;
        break;
    case TABLE_SCORE:
        add_once(v, str_cstr(&name), val->score, str_cstr(&desc));
        r = STEP_NEXT;
        break;
    default:
        add_once(v, str_cstr(&name), 0.0, str_cstr(&desc));
        decide(val, s, str_cstr(&desc), v);
        break;
    }
    str_deinit(&desc);
    str_deinit(&name);
    return r;
}

/* --- The steps ------------------------------------------------------- */

static enum step
client_step(const struct tables_state *st, const struct scan_env *env, struct verdict *v)
{
    if (st->access == NULL)
        return STEP_NEXT;
    const struct table_entry *e = NULL;
    enum step r = STEP_NEXT;
    if (env->client_name && env->client_name[0]) {
        e = table_lookup_host(st->access, TABLE_CLIENT, env->client_name);
        r = apply(e, e ? &e->value : NULL, &s_client_name, v);
    }
    if (r == STEP_NEXT && env->client_addr && env->client_addr[0]) {
        e = table_lookup_ip(st->access, env->client_addr);
        r = apply(e, e ? &e->value : NULL, &s_client_addr, v);
    }
    return r;
}

/* One address through the access table, the list and the patterns. */
static enum step
address_step(const struct tables_state *st, enum table_kind kind, const char *addr,
             struct verdict *v)
{
    bool from = kind == TABLE_FROM;
    const struct table_value *action = from ? &st->bmf_action : &st->brt_action;
    const struct table *list = from ? st->bmf : st->brt;
    const struct table *re = from ? st->bmf_re : st->brt_re;
    const struct table_entry *e;
    enum step r = STEP_NEXT;
    if (st->access) {
        e = table_lookup_addr(st->access, kind, addr);
        r = apply(e, e ? &e->value : NULL, from ? &s_from : &s_rcpt, v);
    }
    if (addr[0] == '\0')
        return r; /* the null sender: only the access table's <> */
    if (r == STEP_NEXT && list)
        r = apply(table_lookup_addr(list, kind, addr), action, from ? &s_bmf : &s_brt, v);
    if (r == STEP_NEXT && re)
        r = apply(table_match(re, addr), action, from ? &s_bmf_re : &s_brt_re, v);
    return r;
}

static void
tables_connect(const void *state, const struct scan_env *env, struct verdict *v)
{
    (void)client_step(state, env, v);
}

static void
tables_envelope(const void *state, const struct scan_env *env, struct verdict *v)
{
    const struct tables_state *st = state;
    if (client_step(st, env, v) != STEP_NEXT)
        return;
    if (address_step(st, TABLE_FROM, env->sender ? env->sender : "", v) != STEP_NEXT)
        return;
    for (size_t i = 0; i < env->nrcpts && !v->final; i++)
        if (env->rcpts[i] && env->rcpts[i][0])
            (void)address_step(st, TABLE_RCPT, env->rcpts[i], v);
}

/* Whether a table is configured. */
static bool
tables_active(const void *state)
{
    const struct tables_state *st = state;
    return st->access || st->bmf || st->bmf_re || st->brt || st->brt_re;
}

const struct check_ops check_tables_ops = {
    .name = "tables",
    .schema = tables_schema,
    .nschema = sizeof(tables_schema) / sizeof(tables_schema[0]),
    .state_new = tables_new,
    .state_free = tables_free,
    .connect = tables_connect,
    .envelope = tables_envelope,
    .summary = tables_summary,
    .active = tables_active,
};
