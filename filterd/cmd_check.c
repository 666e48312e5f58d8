/*
 * cmd_check: scans messages with no MTA and prints the verdict (like
 * `spamassassin -t` or `rspamc`), or with --dump the parsed message.
 * Untrusted input: the messages (parsed by mail/, bounded by the limits).
 */
#include "cmd_check.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "filterd/check_structure.h"
#include "filterd/dump.h"
#include "filterd/message.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "lib/log.h"

struct check_opts {
    bool json, dump;
    struct mail_limits limits;
    struct verdict_thresholds thresholds;
};

static void
usage(FILE *f)
{
    fputs("usage: filterd check [--json] [--dump] [-c FILE] [-o key=value]... [FILE...]\n"
          "  Scan each message FILE (standard input when none, or \"-\") and print\n"
          "  its verdict; --json prints one JSON object per message; --dump prints\n"
          "  the parsed message instead (headers, MIME tree, start of each text).\n",
          f);
}

/* Scan one input and print; returns 0, or a sysexits status. */
static int
check_one(const struct check_opts *o, const char *path)
{
    struct str err, out;
    str_init(&err, 4096);
    struct message *m = message_load(path, &o->limits, &err);
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
    if (o->dump) {
        dump_message(m, &out);
    } else {
        struct verdict v;
        verdict_init(&v, m->arena);
        check_structure(m, &v);
        verdict_finish(&v, &o->thresholds);
        if (o->json) {
            verdict_json(&v, &out);
            str_appendc(&out, '\n');
        } else {
            str_appendf(&out, "%s\n", path);
            verdict_report(&v, &out);
        }
    }
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
    if (settings_validate(c, &err) < 0) {
        fprintf(stderr, "filterd check: %s", str_cstr(&err));
        str_deinit(&err);
        config_free(&c);
        return EX_CONFIG;
    }
    str_deinit(&err);
    o->limits = settings_limits(c);
    o->thresholds = settings_thresholds(c);
    config_free(&c);
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"dump", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct check_opts o = {0};
    const char *conf = NULL;
    char *overrides[64];
    size_t nover = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = true; break;
        case 'd': o.dump = true; break;
        case 'c': conf = optarg; break;
        case 'o':
            if (nover == sizeof(overrides) / sizeof(overrides[0])) {
                fprintf(stderr, "filterd check: too many -o options\n");
                return EX_USAGE;
            }
            overrides[nover++] = optarg;
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
        return check_one(&o, "-");
    for (int i = optind; i < argc; i++) {
        int s = check_one(&o, argv[i]);
        if (s && (status == 0 || s == EX_NOINPUT))
            status = s;
    }
    return status;
}
