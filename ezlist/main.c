/*
 * ezlist: the tamis mailing-list manager.
 *
 * Synopsis:
 *   ezlist make [-o OWNER] [-p POLICY] [-s PREFIX] [-d DESC] [-m SENDMAIL] DIR LIST@DOMAIN
 *   ezlist sub DIR [ADDRESS...]     (no address: one a line on standard input)
 *   ezlist unsub DIR [ADDRESS...]
 *   ezlist list DIR
 *   ezlist info DIR
 *   ezlist receive DIR [SENDER RECIPIENT]   (the MTA's delivery command)
 *
 * Exit statuses: sysexits.h (0 done; 64 usage; 65 bad data; 67 no such
 * list address; 73 cannot create; 74 I/O error; 75 temporary failure;
 * 77 refused; 78 bad list settings). `ezlist receive` in qmail mode (no
 * envelope arguments, qmail's environment) exits 0, 100 (permanent) or
 * 111 (temporary). See docs/man/ezlist.1.
 */
#include "ezlist/admin.h"
#include "ezlist/receive.h"
#include "lib/log.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static int
usage(void)
{
    fprintf(stderr, "usage: ezlist make|sub|unsub|list|info|receive DIR ... "
                    "(see ezlist(1))\n");
    return EX_USAGE;
}

int
main(int argc, char **argv)
{
    log_open("ezlist", false);
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    argc--;
    argv++;
    if (strcmp(cmd, "make") == 0)
        return admin_make(argc, argv);
    if (strcmp(cmd, "sub") == 0)
        return admin_sub(argc, argv, 0);
    if (strcmp(cmd, "unsub") == 0)
        return admin_sub(argc, argv, 1);
    if (strcmp(cmd, "list") == 0)
        return admin_list(argc, argv);
    if (strcmp(cmd, "info") == 0)
        return admin_info(argc, argv);
    if (strcmp(cmd, "receive") == 0)
        return receive_main(argc, argv);
    return usage();
}
