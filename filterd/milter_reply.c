/*
 * milter_reply: filterd's milter answers (milter_int.h): SMTP replies,
 * early refusals, and the action plan carried out at the end of a message
 * (header edits, quarantine).
 *
 * Untrusted input: reply texts (from the configuration and DNS TXT
 * records) are cleaned of control characters and cut at MILTER_MAX_REPLY
 * bytes; header names come from the message, counted in
 * milter_session.c.
 *
 * Header fields past the parser's limits are not in the parsed message,
 * but a forged X-Spam-Status there must still go: the fields are counted
 * by name as they arrive, and every field of a name the plan deletes is
 * deleted, highest occurrence first.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filterd/maildir.h"
#include "filterd/milter_int.h"
#include "lib/blob.h"
#include "lib/log.h"

/* ---- replies ----------------------------------------------------------- */

/* Set the SMTP reply: control characters become spaces and '%' is doubled
 * (Sendmail reads the text as a format). Falls back to the defaults when
 * the MTA or libmilter refuses the given code. */
void
milter_set_reply(SMFICTX *ctx, const struct conn *c, const char *code, const char *xcode,
                 const char *text, const char *def_code, const char *def_xcode)
{
    char buf[MILTER_MAX_REPLY * 2 + 1];
    size_t n = 0;
    for (const char *p = text ? text : ""; *p && n < MILTER_MAX_REPLY; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '%')
            buf[n++] = '%';
        buf[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    buf[n] = '\0';
    if (code == NULL || code[0] != def_code[0])
        code = def_code;
    if (xcode == NULL || xcode[0] != def_code[0])
        xcode = def_xcode;
    if (smfi_setreply(ctx, (char *)code, (char *)xcode, n ? buf : NULL) == MI_SUCCESS)
        return;
    log_warn(milter_conn_tag(c), "reply \"%s %s %s\" refused by libmilter; using %s %s",
             code, xcode, buf, def_code, def_xcode);
    (void)smfi_setreply(ctx, (char *)def_code, (char *)def_xcode, NULL);
}

/* Tempfail for a message that cannot be scanned. */
sfsistat
milter_tempfail(SMFICTX *ctx, const struct conn *c, const char *why)
{
    log_error(milter_conn_tag(c), "cannot scan the message: %s: tempfail", why);
    milter_set_reply(ctx, c, "451", "4.3.0", "Temporary failure in the content filter",
                     "451", "4.3.0");
    return SMFIS_TEMPFAIL;
}

/* Reject, tempfail or discard as the plan says (SMFIS_CONTINUE for the
 * other actions). */
sfsistat
milter_refusal(SMFICTX *ctx, const struct conn *c, const struct action_plan *plan)
{
    switch (plan->action) {
    case VERDICT_REJECT:
        milter_set_reply(ctx, c, plan->reply_code, plan->reply_xcode, plan->reply_text,
                         "550", "5.7.1");
        return SMFIS_REJECT;
    case VERDICT_TEMPFAIL:
        milter_set_reply(ctx, c, plan->reply_code, plan->reply_xcode, plan->reply_text,
                         "451", "4.7.1");
        return SMFIS_TEMPFAIL;
    case VERDICT_DISCARD:
        return SMFIS_DISCARD;
    default:
        return SMFIS_CONTINUE;
    }
}

/* Answer an early decision (reject, tempfail or discard at RCPT) and log
 * it when log is set; env says what the session knows, with the refused
 * recipient. what names the stage for the debug log. */
sfsistat
milter_early_reply(SMFICTX *ctx, struct conn *c, const struct scan_env *env,
                   struct verdict *v, const char *what, bool log)
{
    struct action_plan plan;
    struct message *empty = milter_empty_message(c);
    actions_plan(c->gen->pipeline, empty, v, &plan);
    sfsistat r = milter_refusal(ctx, c, &plan);
    log_debug(milter_conn_tag(c), "%s: %s", what, verdict_action_name(v->action));
    if (log)
        pipeline_log(c->gen->pipeline, env, empty, v, milter_seconds_since(&c->started));
    message_free(&empty);
    return r;
}

bool
milter_refuses(const struct verdict *v)
{
    return v->final && (v->action == VERDICT_REJECT || v->action == VERDICT_TEMPFAIL ||
                        v->action == VERDICT_DISCARD);
}
/* The value as the MTA takes it: with its leading space when the MTA
 * expects one (SMFIP_HDR_LEADSPC), folded as every front end folds it
 * (actions_fold; the MTA turns each LF into its own line end). In the
 * arena. */
static char *
header_value(struct arena *a, bool leadspc, const char *name, const char *value)
{
    struct str out;
    str_init(&out, 0);
    if (leadspc)
        str_appendc(&out, ' ');
    (void)actions_fold(strlen(name), value, "\n", &out); /* no maximum: cannot fail */
    char *r = arena_memdup0(a, out.buf ? out.buf : "", out.len);
    str_deinit(&out);
    return r;
}

/* Whether the plan deletes occurrence k of name. */
static bool
planned_delete(const struct action_plan *plan, const char *name, size_t k)
{
    for (size_t i = 0; i < plan->nedits; i++)
        if (plan->edits[i].op == HEADER_EDIT_DELETE && plan->edits[i].occurrence == k &&
            strcasecmp(plan->edits[i].name, name) == 0)
            return true;
    return false;
}

/* Delete the planned fields of the name of edit i (the first delete of its
 * name), and those past the parser's limits, highest occurrence first so
 * that the numbers hold whether or not the MTA renumbers after a delete. */
static int
delete_fields(SMFICTX *ctx, struct conn *c, const struct message *m,
              const struct action_plan *plan, size_t i)
{
    const char *name = plan->edits[i].name;
    for (size_t j = 0; j < i; j++)
        if (plan->edits[j].op == HEADER_EDIT_DELETE &&
            strcasecmp(plan->edits[j].name, name) == 0)
            return 0; /* done with an earlier edit */
    size_t parsed = header_count(&m->mime->root->headers, name);
    size_t seen = milter_counted(c, name), top = seen;
    for (size_t j = i; j < plan->nedits; j++)
        if (plan->edits[j].op == HEADER_EDIT_DELETE &&
            strcasecmp(plan->edits[j].name, name) == 0 && plan->edits[j].occurrence > top)
            top = plan->edits[j].occurrence;
    for (size_t k = top; k >= 1; k--) {
        if (!(k > parsed && k <= seen) && !planned_delete(plan, name, k))
            continue;
        if (k > (size_t)0x7fffffff ||
            smfi_chgheader(ctx, (char *)name, (int)k, NULL) != MI_SUCCESS)
            return -1;
    }
    return 0;
}

/*
 * Delete the fields of our names that the parser never saw (all past its
 * limits), highest occurrence first. Which names are ours is asked of
 * actions_plan(), on a small message holding one field of each name the
 * parser missed. Returns 0, or -1 when libmilter refuses a delete.
 */
static int
delete_unparsed(SMFICTX *ctx, struct conn *c, const struct message *m)
{
    struct str probe;
    str_init(&probe, 0);
    for (size_t i = 0; i < c->nnames; i++)
        if (header_count(&m->mime->root->headers, c->names[i].name) == 0)
            str_appendf(&probe, "%s: x\r\n", c->names[i].name);
    if (probe.len == 0) {
        str_deinit(&probe);
        return 0;
    }
    str_append_cstr(&probe, "\r\n");
    struct mail_limits lim = *pipeline_limits(c->gen->pipeline);
    lim.header_count_max = MILTER_MAX_NAMES + 1;
    lim.header_block_max = lim.line_max = lim.message_max = probe.len + 1;
    struct message *pm = message_from_memory(probe.buf, probe.len, &lim);
    struct action_plan pp;
    actions_plan(c->gen->pipeline, pm, &c->mv, &pp);
    int r = 0;
    for (size_t i = 0; i < pp.nedits && r == 0; i++) {
        const struct header_edit *e = &pp.edits[i];
        if (e->op != HEADER_EDIT_DELETE || e->occurrence != 1)
            continue;
        for (size_t k = milter_counted(c, e->name); k >= 1 && r == 0; k--)
            if (k > 0x7fffffff ||
                smfi_chgheader(ctx, (char *)e->name, (int)k, NULL) != MI_SUCCESS)
                r = -1;
    }
    message_free(&pm);
    str_deinit(&probe);
    return r;
}

/* Apply the plan's header edits: deletes, then changes and additions in
 * the plan's order. Returns 0, or -1 when libmilter refuses one. */
static int
apply_edits(SMFICTX *ctx, struct conn *c, const struct message *m,
            const struct action_plan *plan)
{
    bool lead = (c->pflags & SMFIP_HDR_LEADSPC) != 0;
    if (delete_unparsed(ctx, c, m) < 0)
        return -1;
    for (size_t i = 0; i < plan->nedits; i++)
        if (plan->edits[i].op == HEADER_EDIT_DELETE &&
            delete_fields(ctx, c, m, plan, i) < 0)
            return -1;
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct header_edit *e = &plan->edits[i];
        if (e->op == HEADER_EDIT_DELETE)
            continue;
        char *v = header_value(c->marena, lead, e->name, e->value ? e->value : "");
        int r;
        if (e->op == HEADER_EDIT_ADD)
            r = smfi_addheader(ctx, (char *)e->name, v);
        else if (e->occurrence == 0 || e->occurrence > 0x7fffffff)
            r = MI_FAILURE;
        else
            r = smfi_chgheader(ctx, (char *)e->name, (int)e->occurrence, v);
        if (r != MI_SUCCESS)
            return -1;
    }
    return 0;
}

/*
 * The quarantine into quarantine_maildir: the message, with the plan's
 * edits, is written there, and only then dropped for the MTA (discard); a
 * failure tempfails, so the MTA keeps it. A message longer than what the
 * parser read (message_size_limit) cannot be written whole: it goes to the
 * MTA's hold queue instead (returns SMFIS_CONTINUE for that).
 */
static sfsistat
quarantine_to_maildir(SMFICTX *ctx, struct conn *c, const struct message *m,
                      const struct action_plan *plan)
{
    if (blob_size(m->blob) < spool_size(c->spool)) {
        log_warn(milter_conn_tag(c),
                 "message longer than message_size_limit: quarantined to the MTA's "
                 "hold queue, not to %s",
                 plan->quarantine_maildir);
        return SMFIS_CONTINUE;
    }
    struct str err;
    str_init(&err, 1024);
    sfsistat r = SMFIS_DISCARD;
    if (maildir_quarantine(plan, m, milter_conn_tag(c), &err) < 0)
        r = milter_tempfail(ctx, c, str_cstr(&err));
    str_deinit(&err);
    return r;
}

/* Map the plan to the milter's means. */
sfsistat
milter_apply_plan(SMFICTX *ctx, struct conn *c, const struct message *m,
                  const struct action_plan *plan)
{
    sfsistat r = milter_refusal(ctx, c, plan);
    if (r != SMFIS_CONTINUE)
        return r;
    if (plan->action == VERDICT_QUARANTINE && plan->quarantine_maildir) {
        r = quarantine_to_maildir(ctx, c, m, plan);
        if (r != SMFIS_CONTINUE)
            return r;
    }
    if (apply_edits(ctx, c, m, plan) < 0)
        return milter_tempfail(ctx, c, "the MTA refused a header edit");
    if (plan->action == VERDICT_QUARANTINE) {
        const char *why = plan->quarantine_reason && *plan->quarantine_reason
                              ? plan->quarantine_reason
                              : "quarantined by filterd";
        if (!(c->aflags & SMFIF_QUARANTINE) ||
            smfi_quarantine(ctx, (char *)why) != MI_SUCCESS)
            return milter_tempfail(ctx, c, "the MTA cannot quarantine");
    }
    return SMFIS_CONTINUE;
}
