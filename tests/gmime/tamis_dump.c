/*
 * tamis_dump: prints the canonical dump of each message (see fnv.h and
 * compare.py) as tamis parses it: every leaf part in depth-first order with
 * its type, file name, decoded size and the FNV-1a hash of its decoded
 * bytes. The GMime side is gmime_dump; compare.py diffs the two.
 *
 * usage: tamis_dump FILE...   or   tamis_dump -l LISTFILE
 * Exit: 0, or 1 if a file cannot be read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "filterd/message.h"
#include "fnv.h"
#include "mail/limits.h"

static int
dump_one(const char *path, const struct mail_limits *lim)
{
    struct str err;
    str_init(&err, 4096);
    struct message *m = message_load(path, lim, &err);
    printf("MSG %s\n", path);
    if (m == NULL) {
        printf("ERROR %s\n", str_cstr(&err));
        str_deinit(&err);
        return 1;
    }
    str_deinit(&err);
    size_t i = 0;
    struct str dec;
    str_init(&dec, 0);
    for (struct mime_part *p = m->mime->root; p; p = mime_next(p)) {
        if (p->kind != MIME_LEAF)
            continue;
        str_clear(&dec);
        DUMP_CHECK(p->body_start <= p->body_end && p->body_end <= m->mime->size);
        /* dec has no maximum: -1 can only mean the file could not be read. */
        DUMP_CHECK(message_decode_part(m, p, &dec, NULL) == 0);
        printf("PART %zu ", i++);
        dump_put_token(stdout, p->type, strlen(p->type));
        putchar(' ');
        dump_put_name(stdout, p->filename);
        printf(" %zu %016" PRIx64 "\n", dec.len, fnv1a64_update(FNV1A64_INIT, dec.buf, dec.len));
    }
    printf("END %zu\n", i);
    str_deinit(&dec);
    message_free(&m);
    return 0;
}

int
main(int argc, char **argv)
{
    struct mail_limits lim = mail_limits_default();
    int status = 0;
    if (argc == 3 && strcmp(argv[1], "-l") == 0) {
        FILE *f = fopen(argv[2], "r");
        char line[4096];
        if (f == NULL) {
            perror(argv[2]);
            return 1;
        }
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (*line)
                status |= dump_one(line, &lim);
        }
        fclose(f);
        return status;
    }
    for (int i = 1; i < argc; i++)
        status |= dump_one(argv[i], &lim);
    return status;
}
