/*
 * cmd_check: scans messages with no MTA through the pipeline that every
 * front end uses and prints the verdict (like `spamassassin -t` or
 * `rspamc`); with --report also what the actions would do (header edits,
 * subject, SMTP reply, quarantine reason); with --dump the parsed message.
 * Untrusted input: the messages (parsed by mail/, bounded by the limits).
 */
#include "cmd_check.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "filterd/actions.h"
#include "filterd/dump.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "lib/json.h"
#include "lib/log.h"

/* Most --rcpt options of one run. */
#define CHECK_RCPTS_MAX 1000

struct check_opts {
    bool json, dump, report;
    struct pipeline *pipeline;
    struct scan_env env; /* --client-addr, --client-name, --helo, --from, --rcpt */
    const char *rcpts[CHECK_RCPTS_MAX];
};

static void
usage(FILE *f)
{
    fputs("usage: filterd check [--json] [--report] [--dump] [-c FILE] [-o key=value]...\n"
          "                     [--client-addr IP] [--client-name HOST] [--helo NAME]\n"
          "                     [--from ADDR] [--rcpt ADDR]... [FILE...]\n"
          "  Scan each message FILE (standard input when none, or \"-\") and print\n"
          "  its verdict; --json prints one JSON object per message; --report adds\n"
          "  what the actions would do (header edits, subject, reply); --dump prints\n"
          "  the parsed message instead (headers, MIME tree, start of each text).\n"
          "  The envelope options give what an MTA would tell: the client, HELO,\n"
          "  sender (the null sender when not given) and recipients (repeat --rcpt).\n",
          f);
}

static const char *const edit_ops[] = {"delete", "add", "change"};

/* The plan as text: one line per edit, then the reply or the reason. */
static void
report_text(const struct action_plan *plan, struct str *out)
{
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct header_edit *e = &plan->edits[i];
        str_appendf(out, "%-7s %s", edit_ops[e->op], e->name);
        if (e->op != HEADER_EDIT_ADD)
            str_appendf(out, " #%zu", e->occurrence);
        if (e->value)
            str_appendf(out, ": %s", e->value);
        str_appendc(out, '\n');
    }
    if (plan->reply_code)
        str_appendf(out, "reply   %s %s %s\n", plan->reply_code,
                    plan->reply_xcode ? plan->reply_xcode : "", plan->reply_text);
    if (plan->quarantine_reason)
        str_appendf(out, "quarantine %s\n", plan->quarantine_reason);
    if (plan->quarantine_maildir) /* reported, not written */
        str_appendf(out, "quarantine_maildir %s\n", plan->quarantine_maildir);
}

static void
json_or_null(struct str *out, const char *s)
{
    if (s)
        json_append_cstr(out, s);
    else
        str_append_cstr(out, "null");
}

/* The plan as a JSON member "plan" added to the verdict object in out. */
static void
report_json(const struct action_plan *plan, struct str *out)
{
    if (out->len == 0 || out->buf[out->len - 1] != '}')
        return;
    str_truncate(out, out->len - 1);
    str_append_cstr(out, ",\"plan\":{\"edits\":[");
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct header_edit *e = &plan->edits[i];
        str_appendf(out, "%s{\"op\":\"%s\",\"name\":", i ? "," : "", edit_ops[e->op]);
        json_append_cstr(out, e->name);
        if (e->op != HEADER_EDIT_ADD)
            str_appendf(out, ",\"occurrence\":%zu", e->occurrence);
        if (e->value) {
            str_append_cstr(out, ",\"value\":");
            json_append_cstr(out, e->value);
        }
        str_appendc(out, '}');
    }
    str_append_cstr(out, "],\"reply\":");
    if (plan->reply_code) {
        str_append_cstr(out, "{\"code\":");
        json_append_cstr(out, plan->reply_code);
        str_append_cstr(out, ",\"xcode\":");
        json_or_null(out, plan->reply_xcode);
        str_append_cstr(out, ",\"text\":");
        json_or_null(out, plan->reply_text);
        str_appendc(out, '}');
    } else {
        str_append_cstr(out, "null");
    }
    str_append_cstr(out, ",\"quarantine_reason\":");
    json_or_null(out, plan->quarantine_reason);
    str_append_cstr(out, ",\"quarantine_maildir\":");
    json_or_null(out, plan->quarantine_maildir);
    str_append_cstr(out, "}}");
}

/* Scan m through the pipeline and print its verdict (and plan). */
static void
scan_print(const struct check_opts *o, struct message *m, const char *path, struct str *out)
{
    struct verdict v;
    struct action_plan plan;
    verdict_init(&v, m->arena);
    pipeline_scan(o->pipeline, &o->env, m, &v);
    if (o->report)
        actions_plan(o->pipeline, m, &v, &plan);
    if (o->json) {
        verdict_json(&v, out);
        if (o->report)
            report_json(&plan, out);
        str_appendc(out, '\n');
    } else {
        str_appendf(out, "%s\n", path);
        verdict_report(&v, out);
        if (o->report)
            report_text(&plan, out);
    }
}

/* Scan one input and print; returns 0, or a sysexits status. */
static int
check_one(const struct check_opts *o, const char *path)
{
    struct str err, out;
    str_init(&err, 4096);
    struct message *m = message_load(path, pipeline_limits(o->pipeline), &err);
    if (m == NULL) {
        fprintf(stderr, "filterd check: %s\n", str_cstr(&err));
        str_deinit(&err);
        return EX_NOINPUT;
    }
    str_deinit(&err);
    int status = 0;
    str_init(&out, 0);
    if (blob_size(m->blob) == 0) {
        fprintf(stderr, "filterd check: %s: empty input, not a mail message\n", path);
        status = EX_DATAERR;
    } else if (m->mime->root->headers.n == 0) {
        fprintf(stderr, "filterd check: %s: no header fields, not a mail message\n", path);
        status = EX_DATAERR;
    }
    if (o->dump)
        dump_message(m, &out);
    else
        scan_print(o, m, path, &out);
    fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
    str_deinit(&out);
    message_free(&m);
    return status;
}

/* Read -c and -o into the options; returns 0 or EX_CONFIG. */
static int
load_config(struct check_opts *o, const char *conf, char **overrides, size_t nover)
{
    struct config *c = settings_new();
    int bad = 0;
    if (conf && config_load_file(c, conf) < 0)
        bad = 1;
    for (size_t i = 0; i < nover; i++)
        if (config_set_override(c, overrides[i]) < 0)
            bad = 1;
    if (bad) {
        for (size_t i = 0; i < config_error_count(c); i++)
            fprintf(stderr, "filterd check: %s\n", config_error(c, i));
        if (config_error_count(c) == 0 && conf)
            fprintf(stderr, "filterd check: %s: %s\n", conf, strerror(errno));
        config_free(&c);
        return EX_CONFIG;
    }
    struct str err;
    str_init(&err, 0);
    o->pipeline = pipeline_new(c, &err);
    config_free(&c);
    if (o->pipeline == NULL) {
        /* One "filterd check: " per line of err. */
        struct slice rest = str_slice(&err);
        while (rest.len) {
            long nl = slice_find_char(rest, '\n');
            size_t n = nl < 0 ? rest.len : (size_t)nl;
            fprintf(stderr, "filterd check: %.*s\n", (int)n, rest.ptr);
            rest = slice_from(rest, nl < 0 ? rest.len : n + 1);
        }
        str_deinit(&err);
        return EX_CONFIG;
    }
    str_deinit(&err);
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"dump", no_argument, NULL, 'd'},
        {"report", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"client-addr", required_argument, NULL, 'A'},
        {"client-name", required_argument, NULL, 'N'},
        {"helo", required_argument, NULL, 'H'},
        {"from", required_argument, NULL, 'F'},
        {"rcpt", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    static struct check_opts o;
    memset(&o, 0, sizeof(o));
    o.env = (struct scan_env){.queue_id = "", .client_addr = "", .client_name = "",
                              .helo = "", .sender = "", .rcpts = o.rcpts};
    const char *conf = NULL;
    char *overrides[64];
    size_t nover = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = true; break;
        case 'd': o.dump = true; break;
        case 'r': o.report = true; break;
        case 'c': conf = optarg; break;
        case 'o':
            if (nover == sizeof(overrides) / sizeof(overrides[0])) {
                fprintf(stderr, "filterd check: too many -o options\n");
                return EX_USAGE;
            }
            overrides[nover++] = optarg;
            break;
        case 'A': o.env.client_addr = optarg; break;
        case 'N': o.env.client_name = optarg; break;
        case 'H': o.env.helo = optarg; break;
        case 'F': o.env.sender = optarg; break;
        case 'R':
            if (o.env.nrcpts == CHECK_RCPTS_MAX) {
                fprintf(stderr, "filterd check: more than %d --rcpt options\n",
                        CHECK_RCPTS_MAX);
                return EX_USAGE;
            }
            o.rcpts[o.env.nrcpts++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EX_USAGE;
        }
    }
    int r = load_config(&o, conf, overrides, nover);
    if (r)
        return r;
    int status = 0;
    if (optind >= argc)
        status = check_one(&o, "-");
    for (int i = optind; i < argc; i++) {
        int s = check_one(&o, argv[i]);
        if (s && (status == 0 || s == EX_NOINPUT))
            status = s;
    }
    pipeline_free(&o.pipeline);
    return status;
}
