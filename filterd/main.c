/*
 * filterd: the tamis content filter.
 *
 * SYNOPSIS
 *   filterd check [--json] [--dump] [-c FILE] [-o key=value]... [FILE...]
 *
 * DESCRIPTION
 *   `check` scans messages with no MTA and prints each verdict: the action,
 *   the score and the symbols that fired (with --json, one JSON object per
 *   message); --dump prints the parsed message. See docs/man/filterd.8.
 *
 * EXIT STATUS
 *   0   every message was read and scanned
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
#include "lib/log.h"

static void
usage(FILE *f)
{
    fputs("usage: filterd check [--json] [--dump] [-c FILE] [-o key=value]... [FILE...]\n"
          "       filterd --version\n",
          f);
}

int
main(int argc, char **argv)
{
    log_open("filterd", false);
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
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
