/*
 * filterd: the tamis content filter.
 *
 * SYNOPSIS
 *   filterd [-c FILE] [-f] [-o key=value]...
 *   filterd lint [-c FILE] [-o key=value]...
 *   filterd compile [-c FILE] [-o key=value]...
 *   filterd check [--json] [--dump] [--report] [-c FILE] [-o key=value]... [FILE...]
 *   filterd qfilter [-c FILE] [-o key=value]...
 *
 * DESCRIPTION
 *   With no command (or an option first), filterd runs the milter daemon
 *   (-f: in the foreground); `lint` checks a configuration; `compile`
 *   also compiles the prefilter of the body rules and keeps it in
 *   rules_compiled_dir (as sa-compile does for SpamAssassin). `check` scans
 *   messages with no MTA and prints each verdict: the action, the score and
 *   the symbols that fired (with --json, one JSON object per message;
 *   --report adds the action plan); --dump prints the parsed message.
 *   `qfilter` is a filter for qmail-qfilter chains (docs/qmail.md). See
 *   docs/man/filterd.8 and docs/man/filterd-qmail-queue.8.
 *
 * EXIT STATUS
 *   0   every message was read and scanned; lint: the configuration is
 *       good; the daemon: stopped cleanly
 *   64  usage error (EX_USAGE)
 *   65  an input is not a mail message: empty, or no header field (EX_DATAERR)
 *   66  an input cannot be read (EX_NOINPUT)
 *   75  temporary failure, e.g. out of memory (EX_TEMPFAIL)
 *   78  bad configuration (EX_CONFIG)
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "filterd/cmd_check.h"
#include "filterd/cmd_daemon.h"
#include "filterd/cmd_qfilter.h"
#include "lib/log.h"

static void
usage(FILE *f)
{
    fputs("usage: filterd [-c FILE] [-f] [-o key=value]...\n"
          "       filterd lint [-c FILE] [-o key=value]...\n"
          "       filterd compile [-c FILE] [-o key=value]...\n"
          "       filterd check [--json] [--dump] [--report] [-c FILE] [-o key=value]... "
          "[FILE...]\n"
          "       filterd qfilter [-c FILE] [-o key=value]...\n"
          "       filterd --version\n",
          f);
}

int
main(int argc, char **argv)
{
    log_open("filterd", false);
    if (argc >= 2 && strcmp(argv[1], "lint") == 0)
        return cmd_lint(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "compile") == 0)
        return cmd_compile(argc - 1, argv + 1);
    if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--version") != 0 &&
                     strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0))
        return cmd_daemon(argc, argv);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "qfilter") == 0)
        return cmd_qfilter(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0) {
        puts("filterd (tamis) " TAMIS_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "filterd: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return EX_USAGE;
}
