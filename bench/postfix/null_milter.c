/*
 * null_milter: a libmilter milter that looks at nothing and accepts every
 * message, for bench/postfix/run.sh: the floor that libmilter itself puts
 * under any milter, measured in the same run as filterd.
 *
 * It takes the arguments run.sh gives filterd (-f, -c FILE, -o NAME=VALUE)
 * and uses only "-o milter_socket=SPEC". TAMIS_NULL_STEPS picks what it
 * asks the MTA for:
 *   content   (default) headers and body without replies, and the end of
 *             the message: the least a content filter can take
 *   envelope  the same, plus MAIL and RCPT with a reply each (what
 *             filterd takes when it has envelope checks)
 * It answers nothing else and keeps no state.
 *
 * Untrusted input: none (libmilter reads the MTA's packets; the callbacks
 * ignore them). Not installed; not for use beside a real MTA.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

static unsigned long steps_wanted;

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
             unsigned long *pf3)
{
    (void)ctx;
    (void)f0;
    (void)f2;
    (void)f3;
    *pf0 = 0;
    *pf1 = f1 & steps_wanted;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat
cb_envelope(SMFICTX *ctx, char **argv)
{
    (void)ctx;
    (void)argv;
    return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx;
    (void)name;
    (void)value;
    return SMFIS_NOREPLY;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)ctx;
    (void)chunk;
    (void)len;
    return SMFIS_NOREPLY;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

/* The value of "-o milter_socket=SPEC" among the arguments, or NULL. */
static const char *
socket_arg(int argc, char **argv)
{
    static const char key[] = "milter_socket=";
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-o") == 0 && strncmp(argv[i + 1], key, sizeof(key) - 1) == 0)
            return argv[i + 1] + sizeof(key) - 1;
    return NULL;
}

int
main(int argc, char **argv)
{
    const char *spec = socket_arg(argc, argv);
    const char *mode = getenv("TAMIS_NULL_STEPS");
    bool envelope = mode && strcmp(mode, "envelope") == 0;
    if (spec == NULL) {
        fprintf(stderr, "usage: null_milter -o milter_socket=SPEC\n");
        return 2;
    }
    steps_wanted = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA |
                   SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NR_BODY;
    if (!envelope)
        steps_wanted |= SMFIP_NOMAIL | SMFIP_NORCPT;
    struct smfiDesc desc = {
        .xxfi_name = "null",
        .xxfi_version = SMFI_VERSION,
        .xxfi_envfrom = cb_envelope,
        .xxfi_envrcpt = cb_envelope,
        .xxfi_header = cb_header,
        .xxfi_body = cb_body,
        .xxfi_eom = cb_eom,
        .xxfi_negotiate = cb_negotiate,
    };
    if (smfi_register(desc) == MI_FAILURE || smfi_setconn((char *)spec) == MI_FAILURE ||
        smfi_opensocket(true) == MI_FAILURE) {
        fprintf(stderr, "null_milter: cannot listen on %s\n", spec);
        return 1;
    }
    if (strncmp(spec, "unix:", 5) == 0)
        (void)chmod(spec + 5, 0666);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
