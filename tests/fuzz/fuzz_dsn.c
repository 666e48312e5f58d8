/*
 * fuzz_dsn: the bounce parser on any bytes. Checks that the report keeps
 * its limits (recipients, field bytes), that statuses and names are in
 * range, that "not a bounce" leaves nothing behind, and that feeding the
 * MIME parser in two chunks gives the same report as one buffer.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *s, size_t max)
{
    if (s == NULL || strlen(s) > max)
        FUZZ_CHECK_FAILED();
}

static void
check_report(const struct dsn_report *r, int rc, const struct dsn_limits *dl)
{
    if ((rc == 0) != (r->source != DSN_SOURCE_NONE) || r->n > dl->rcpt_max)
        FUZZ_CHECK_FAILED();
    if (rc < 0 && (r->n != 0 || r->original != NULL))
        FUZZ_CHECK_FAILED();
    check_field(r->reporting_mta, dl->field_max);
    check_field(r->envelope_id, dl->field_max);
    for (size_t i = 0; i < r->n; i++) {
        const struct dsn_recipient *rc_ = &r->rcpts[i];
        check_field(rc_->final_recipient, dl->field_max);
        check_field(rc_->original_recipient, dl->field_max);
        check_field(rc_->diagnostic, dl->field_max);
        check_field(rc_->remote_mta, dl->field_max);
        const struct dsn_status *st = &rc_->status;
        if ((st->klass != 0 && st->klass != 2 && st->klass != 4 && st->klass != 5) ||
            st->subject < 0 || st->subject > 999 || st->detail < 0 || st->detail > 999)
            FUZZ_CHECK_FAILED();
        if (rc_->smtp_code != 0 && (rc_->smtp_code < 200 || rc_->smtp_code > 599))
            FUZZ_CHECK_FAILED();
        if ((unsigned)dsn_classify(rc_) > DSN_CLASS_SUCCESS ||
            strcmp(dsn_action_name(rc_->action), "?") == 0)
            FUZZ_CHECK_FAILED();
    }
}

static bool
same_report(const struct dsn_report *x, const struct dsn_report *y)
{
    if (x->source != y->source || x->n != y->n)
        return false;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->rcpts[i].final_recipient, y->rcpts[i].final_recipient) != 0 ||
            strcmp(x->rcpts[i].diagnostic, y->rcpts[i].diagnostic) != 0 ||
            x->rcpts[i].action != y->rcpts[i].action ||
            x->rcpts[i].status.detail != y->rcpts[i].status.detail)
            return false;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct mail_limits ml = mail_limits_default();
    struct dsn_limits dl = {
        .rcpt_max = 50, .field_max = 200, .status_max = 16384, .text_max = 16384};
    const char *msg = (const char *)data;
    struct dsn_report whole, split;
    int rc = dsn_parse(a, &ml, &dl, msg, size, &whole);
    check_report(&whole, rc, &dl);
    if ((unsigned)dsn_report_class(&whole, slice_make(msg, size < 64 ? size : 64)) >
        DSN_CLASS_SUCCESS)
        FUZZ_CHECK_FAILED();

    size_t cut = size ? (size_t)data[0] * size / 256 : 0;
    struct mime_parser *p = mime_parser_new(a, &ml);
    mime_parser_push(p, msg, cut);
    mime_parser_push(p, msg + cut, size - cut);
    struct mime_message *m = mime_parser_finish(p);
    if (dsn_parse_tree(a, &ml, &dl, m, msg, size, &split) != rc ||
        !same_report(&whole, &split))
        FUZZ_CHECK_FAILED();
    mime_parser_free(&p);
    arena_free(&a);
    return 0;
}
