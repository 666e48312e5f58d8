/*
 * ezlist: the tamis mailing-list manager.
 *
 * Synopsis:
 *   ezlist make [-o OWNER] [-p POLICY] [-s PREFIX] [-d DESC] [-m SENDMAIL]
 *               DIR LIST@DOMAIN
 *   ezlist sub DIR [ADDRESS...]     (no address: one a line on standard input)
 *   ezlist unsub DIR [ADDRESS...]
 *   ezlist list DIR
 *   ezlist info DIR
 *   ezlist receive DIR [SENDER RECIPIENT]   (the MTA's delivery command)
 *   ezlist --help                   (the subcommands, one a line)
 *
 * Exit statuses: sysexits.h (0 done; 64 usage; 65 bad data; 67 no such
 * list address; 73 cannot create; 74 I/O error; 75 temporary failure;
 * 77 refused; 78 bad list settings). `ezlist receive` in qmail mode (no
 * envelope arguments, qmail's environment) exits 0, 100 (permanent) or
 * 111 (temporary). See docs/man/ezlist.1 and ezlist-COMMAND.1.
 */
#include "ezlist/admin.h"
#include "ezlist/receive.h"
#include "lib/log.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static int
do_sub(int argc, char **argv)
{
    return admin_sub(argc, argv, 0);
}

static int
do_unsub(int argc, char **argv)
{
    return admin_sub(argc, argv, 1);
}

/* The subcommands; `ezlist --help` prints one a line ("ezlist NAME ARGS"),
 * and tests/ezlist/test_man.sh checks that each has its manual page. */
static const struct command {
    const char *name, *args;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"make", "[-o OWNER] [-p POLICY] [-s PREFIX] [-d DESC] [-m SENDMAIL] DIR LIST@DOMAIN",
     admin_make},
    {"sub", "DIR [ADDRESS...]", do_sub},
    {"unsub", "DIR [ADDRESS...]", do_unsub},
    {"list", "DIR", admin_list},
    {"info", "DIR", admin_info},
    {"receive", "DIR [SENDER RECIPIENT]", receive_main},
};

static int
help(FILE *f, int status)
{
    fprintf(f, "usage:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  ezlist %s %s\n", commands[i].name, commands[i].args);
    fprintf(f, "see ezlist(1) and ezlist-COMMAND(1)\n");
    return status;
}

int
main(int argc, char **argv)
{
    log_open("ezlist", false);
    if (argc < 2)
        return help(stderr, EX_USAGE);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        return help(stdout, 0);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return help(stderr, EX_USAGE);
}
