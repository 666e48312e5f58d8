/*
 * relays_dump: a tool, not a test (it asserts nothing itself): print the
 * relay pseudo-headers tamis builds for each message file named, as
 * "FILE<TAB>T<TAB>U<TAB>I<TAB>E" (X-Spam-Relays-Trusted, -Untrusted,
 * -Internal, -External), with the trusted_networks / internal_networks of
 * the rules given by -r RULES. tests/rules/relays-agree.sh compares them
 * with SpamAssassin's. Untrusted input: the messages (read up to 16 MiB
 * each, parsed by mail/header within the default mail limits).
 *
 * Usage: relays_dump [-r RULES] FILE...   Exit 0, or 1 when a file is unreadable.
 */
#include <stdio.h>
#include <string.h>

#include "lib/fdio.h"
#include "mail/header.h"
#include "mail/limits.h"
#include "rules/rules.h"

static int
dump(const struct rules *rs, const char *path)
{
    struct str msg;
    str_init(&msg, 16 << 20);
    if (fdio_read_file(path, &msg) < 0) {
        fprintf(stderr, "relays_dump: cannot read %s\n", path);
        str_deinit(&msg);
        return 1;
    }
    struct arena *a = arena_new(1 << 16);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb;
    (void)header_parse(a, &lim, str_slice(&msg), true, &hb);
    struct slice out[RELAYS_NKINDS];
    rules_relays_build(rs, &hb, a, out);
    printf("%s", path);
    for (int k = 0; k < RELAYS_NKINDS; k++)
        printf("\t%.*s", (int)out[k].len, out[k].ptr ? out[k].ptr : "");
    printf("\n");
    arena_free(&a);
    str_deinit(&msg);
    return 0;
}

int
main(int argc, char **argv)
{
    struct rules *rs = rules_new();
    int i = 1, rc = 0;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        if (rules_load(rs, argv[2]) < 0)
            rc = 1;
        i = 3;
    }
    rules_finish(rs, 0);
    for (; i < argc; i++)
        rc |= dump(rs, argv[i]);
    rules_free(&rs);
    return rc;
}
