/*
 * gmime_dump: print GMime's view of the MIME structure of messages, in the
 * canonical dump format of the differential test (tests/gmime/compare.py).
 *
 * Synopsis: gmime_dump [-w] FILE...
 *           gmime_dump [-w] -l LISTFILE      (one path a line)
 * For each message:
 *   MSG <path as given>
 *   PART <i> <type/subtype, lowercased> <file name or -> <size> <fnv1a64>
 *   END <number of leaf parts>
 * or, when GMime cannot parse it (or the file cannot be read):
 *   MSG <path>
 *   ERROR <reason>
 * Leaf parts only, numbered from 0 depth first; message/rfc822 parts are
 * walked into. Size and hash are of the bytes with the content transfer
 * encoding undone (base64, quoted-printable, uuencode), no charset
 * conversion. The file name is g_mime_part_get_filename(), escaped as in
 * fnv.h. -w writes GMime's parser warnings to stderr.
 *
 * Each message is parsed as one message (GMIME_FORMAT_MESSAGE) even when it
 * begins with an mbox "From " line, as the SpamAssassin corpus files do.
 * GMime 3.2.13 then drops that first line silently (no warning; a leading
 * ">From " line too) and parses the headers after it. A "From " line
 * further down the header gives a CRIT_INVALID_HEADER_NAME warning and is
 * skipped. Any other first line without a colon makes
 * g_mime_parser_construct_message() fail (ERROR).
 *
 * Reads untrusted input (the messages) through GMime; test-only program.
 * Limits: nesting deeper than MAX_DEPTH is not walked (ERROR line).
 * Exit status: 0 all messages dumped (ERROR lines included); 1 a list file
 * could not be read; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "fnv.h"

#define MAX_DEPTH 100

struct walk {
    unsigned leaves;
    int too_deep;
};

static int opt_warnings;
static const char *cur_path;

/* Names of GMimeParserWarning values (GMime 3.2), by value. */
static const char *const warning_names[] = {
    "?",
    "DUPLICATED_HEADER",
    "DUPLICATED_PARAMETER",
    "UNENCODED_8BIT_HEADER",
    "INVALID_CONTENT_TYPE",
    "INVALID_RFC2047_HEADER_VALUE",
    "MALFORMED_MULTIPART",
    "TRUNCATED_MESSAGE",
    "MALFORMED_MESSAGE",
    "CRIT_INVALID_HEADER_NAME",
    "CRIT_CONFLICTING_HEADER",
    "CRIT_CONFLICTING_PARAMETER",
    "CRIT_MULTIPART_WITHOUT_BOUNDARY",
    "INVALID_PARAMETER",
    "INVALID_ADDRESS_LIST",
    "CRIT_NESTING_OVERFLOW",
    "PART_WITHOUT_CONTENT",
    "CRIT_PART_WITHOUT_HEADERS_OR_CONTENT",
};

/* Parser warning callback: with -w, one line on stderr per warning:
 * WARN <path> <offset> <name> <item, escaped>. */
static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
    unsigned c = (unsigned)code;
    size_t n = sizeof warning_names / sizeof warning_names[0];

    if (!opt_warnings)
        return;
    fprintf(stderr, "WARN %s %" G_GINT64_FORMAT " %s ", cur_path, offset,
            c < n ? warning_names[c] : "?");
    dump_put_name(stderr, item);
    fputc('\n', stderr);
}

/* Prints "type/subtype" of obj lowercased and escaped. */
static void
put_type(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *s = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    char *lt = g_ascii_strdown(t ? t : "", -1);
    char *ls = g_ascii_strdown(s ? s : "", -1);

    dump_put_token(stdout, lt, strlen(lt));
    putchar('/');
    dump_put_token(stdout, ls, strlen(ls));
    g_free(lt);
    g_free(ls);
}

/* Prints the PART line of a leaf: its content decoded into memory. */
static void
put_leaf(GMimePart *part, unsigned index)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *mem = g_mime_stream_mem_new();
    GByteArray *bytes;
    uint64_t h = FNV1A64_INIT;

    if (content != NULL)
        DUMP_CHECK(g_mime_data_wrapper_write_to_stream(content, mem) >= 0);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    h = fnv1a64_update(h, bytes->data, bytes->len);
    printf("PART %u ", index);
    put_type(GMIME_OBJECT(part));
    putchar(' ');
    dump_put_name(stdout, g_mime_part_get_filename(part));
    printf(" %u %016" PRIx64 "\n", (unsigned)bytes->len, h);
    g_object_unref(mem);
}

/* Walks obj depth first, printing a PART line for each leaf. */
static void
walk(GMimeObject *obj, struct walk *w, int depth)
{
    if (obj == NULL)
        return;
    if (depth > MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);

        for (int i = 0; i < n; i++)
            walk(g_mime_multipart_get_part(mp, i), w, depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (m != NULL)
            walk(g_mime_message_get_mime_part(m), w, depth + 1);
    } else if (GMIME_IS_PART(obj)) {
        put_leaf(GMIME_PART(obj), w->leaves++);
    }
}

/* Dumps one message file. */
static void
dump_one(const char *path, GMimeParserOptions *opts)
{
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;
    struct walk w = {0, 0};
    int fd = open(path, O_RDONLY);

    printf("MSG %s\n", path);
    if (fd < 0) {
        printf("ERROR open: %s\n", strerror(errno));
        return;
    }
    cur_path = path;
    stream = g_mime_stream_fs_new(fd); /* owns fd now */
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, opts);
    if (msg == NULL) {
        printf("ERROR g_mime_parser_construct_message failed\n");
    } else {
        walk(g_mime_message_get_mime_part(msg), &w, 0);
        if (w.too_deep)
            printf("ERROR nesting deeper than %d\n", MAX_DEPTH);
        else
            printf("END %u\n", w.leaves);
        g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(stream);
}

/* Dumps every path listed in list (one a line). Returns 0, or -1 if the
 * list cannot be opened. */
static int
dump_list(const char *list, GMimeParserOptions *opts)
{
    FILE *f = fopen(list, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (f == NULL) {
        fprintf(stderr, "gmime_dump: %s: %s\n", list, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0)
            dump_one(line, opts);
    }
    free(line);
    fclose(f);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *list = NULL;
    GMimeParserOptions *opts;
    int c, rc = 0;

    while ((c = getopt(argc, argv, "l:w")) != -1) {
        if (c == 'l')
            list = optarg;
        else if (c == 'w')
            opt_warnings = 1;
        else
            goto usage;
    }
    if ((list == NULL) == (optind >= argc))
        goto usage;
    g_mime_init();
    opts = g_mime_parser_options_new();
    g_mime_parser_options_set_warning_callback(opts, on_warning, NULL);
    if (list != NULL)
        rc = dump_list(list, opts) < 0;
    for (int i = optind; i < argc; i++)
        dump_one(argv[i], opts);
    g_mime_parser_options_free(opts);
    g_mime_shutdown();
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
usage:
    fprintf(stderr, "usage: gmime_dump [-w] FILE...\n"
                    "       gmime_dump [-w] -l LISTFILE\n");
    return 2;
}
