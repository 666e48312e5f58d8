/*
 * gmime_bench: how fast GMime 3.2 does the MIME work that tamis's filter
 * does on every message; the peer of tamis_mime_bench.
 *
 * Synopsis: gmime_bench -l LISTFILE [-r RUNS] [-c]
 *           gmime_bench -f FILE [-c]
 * -l: reads every listed message into memory first (untimed), then, timed,
 *     RUNS times over the list (default 1): parses each message from memory
 *     (GMimeStreamMem over the buffer, no copy), walks every part into
 *     message/rfc822 parts, decodes every leaf's content transfer encoding
 *     (read in 64 KiB chunks and hashed with FNV-1a, as the dump does),
 *     converts every text leaf to UTF-8 (g_mime_text_part_get_text), and
 *     decodes Subject, From and To (g_mime_message_get_subject,
 *     internet_address_list_to_string).
 * -f: the same work on one message parsed from a file stream (GMime reads
 *     it in blocks and keeps substreams of the file, not copies).
 * Prints one line:
 *   gmime messages=N bytes=B seconds=S msgs_per_s=X mb_per_s=Y maxrss_kb=K
 * N and B count every run; MB is 10^6 bytes; K is getrusage's ru_maxrss
 * (peak resident set, the preloaded messages included).
 * -c also prints to stderr: check leaves=L decoded=D hash=H errors=E, where H
 * is the XOR of every leaf's FNV-1a hash over one run, to check that two
 * benchmarks did the same work.
 *
 * Reads untrusted input through GMime; benchmark only. Nesting deeper than
 * MAX_DEPTH is not walked. Exit status: 0 done; 1 a file could not be read;
 * 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "fnv.h"

#define MAX_DEPTH 100
#define CHUNK 65536

/* What one pass computed: the check line, and a sink for the text work. */
struct tally {
    uint64_t leaves;
    uint64_t decoded;
    uint64_t hash_xor;
    uint64_t text_bytes;
    unsigned errors;
};

/* Decodes one leaf in chunks; adds its size and hash to t. */
static void
decode_leaf(GMimePart *part, struct tally *t, char *buf)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *raw = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
    GMimeStream *fs;
    GMimeFilter *f;
    uint64_t h = FNV1A64_INIT;
    ssize_t n;

    t->leaves++;
    if (raw == NULL) {
        t->hash_xor ^= h;
        return;
    }
    g_mime_stream_reset(raw);
    fs = g_mime_stream_filter_new(raw);
    f = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(dw), FALSE);
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
    g_object_unref(f);
    while ((n = g_mime_stream_read(fs, buf, CHUNK)) > 0) {
        h = fnv1a64_update(h, buf, (size_t)n);
        t->decoded += (uint64_t)n;
    }
    g_object_unref(fs);
    t->hash_xor ^= h;
}

/* Walks obj depth first: decodes each leaf, converts text leaves. */
static void
walk(GMimeObject *obj, struct tally *t, char *buf, int depth)
{
    if (obj == NULL || depth > MAX_DEPTH)
        return;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);

        for (int i = 0; i < n; i++)
            walk(g_mime_multipart_get_part(mp, i), t, buf, depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (m != NULL)
            walk(g_mime_message_get_mime_part(m), t, buf, depth + 1);
    } else if (GMIME_IS_PART(obj)) {
        decode_leaf(GMIME_PART(obj), t, buf);
        if (GMIME_IS_TEXT_PART(obj)) {
            char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));

            t->text_bytes += text ? strlen(text) : 0;
            g_free(text);
        }
    }
}

/* Adds the decoded length of an address list to t. */
static void
decode_addresses(InternetAddressList *list, struct tally *t)
{
    char *s;

    if (list == NULL)
        return;
    s = internet_address_list_to_string(list, NULL, FALSE);
    t->text_bytes += s ? strlen(s) : 0;
    g_free(s);
}

/* Parses one message from stream and does all the work on it. */
static void
work(GMimeStream *stream, struct tally *t, char *buf)
{
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg;
    const char *subject;

    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, NULL);
    if (msg == NULL) {
        t->errors++;
        g_object_unref(parser);
        return;
    }
    subject = g_mime_message_get_subject(msg);
    t->text_bytes += subject ? strlen(subject) : 0;
    decode_addresses(g_mime_message_get_from(msg), t);
    decode_addresses(g_mime_message_get_to(msg), t);
    walk(g_mime_message_get_mime_part(msg), t, buf, 0);
    g_object_unref(msg);
    g_object_unref(parser);
}

/* Reads the whole file at path. Returns a new GByteArray, or NULL (errno). */
static GByteArray *
read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    GByteArray *a;
    size_t got = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    a = g_byte_array_sized_new((guint)st.st_size);
    g_byte_array_set_size(a, (guint)st.st_size);
    while (got < a->len) {
        ssize_t n = read(fd, a->data + got, a->len - got);

        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    g_byte_array_set_size(a, (guint)got);
    return a;
}

/* Reads every path of list into *out; returns the count, or -1. */
static long
load_list(const char *list, GPtrArray *out, uint64_t *bytes)
{
    FILE *f = fopen(list, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (f == NULL) {
        fprintf(stderr, "gmime_bench: %s: %s\n", list, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        GByteArray *a;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        a = read_file(line);
        if (a == NULL) {
            fprintf(stderr, "gmime_bench: %s: %s\n", line, strerror(errno));
            free(line);
            fclose(f);
            return -1;
        }
        *bytes += a->len;
        g_ptr_array_add(out, a);
    }
    free(line);
    fclose(f);
    return (long)out->len;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the -l benchmark; fills *t with the first run's tally. Returns the
 * seconds taken by all runs. */
static double
bench_list(GPtrArray *msgs, int runs, struct tally *t, char *buf)
{
    double t0 = now();

    for (int r = 0; r < runs; r++) {
        struct tally one = {0, 0, 0, 0, 0};

        for (guint i = 0; i < msgs->len; i++) {
            GMimeStream *s =
                g_mime_stream_mem_new_with_byte_array(g_ptr_array_index(msgs, i));

            g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
            work(s, &one, buf);
            g_object_unref(s);
        }
        if (r == 0)
            *t = one;
    }
    return now() - t0;
}

/* Runs the -f benchmark on path. Returns the seconds, or -1. */
static double
bench_file(const char *path, uint64_t *bytes, struct tally *t, char *buf)
{
    double t0 = now();
    int fd = open(path, O_RDONLY);
    struct stat st;
    GMimeStream *s;

    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "gmime_bench: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bytes = (uint64_t)st.st_size;
    s = g_mime_stream_fs_new(fd); /* owns fd */
    work(s, t, buf);
    g_object_unref(s);
    return now() - t0;
}

static void
report(long n, uint64_t bytes, double secs, const struct tally *t, int check)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    if (secs <= 0)
        secs = 1e-9;
    printf("gmime messages=%ld bytes=%" PRIu64 " seconds=%.3f msgs_per_s=%.1f"
           " mb_per_s=%.2f maxrss_kb=%ld\n",
           n, bytes, secs, (double)n / secs, (double)bytes / 1e6 / secs,
           (long)ru.ru_maxrss);
    if (check)
        fprintf(stderr,
                "check leaves=%" PRIu64 " decoded=%" PRIu64 " hash=%016" PRIx64
                " errors=%u\n",
                t->leaves, t->decoded, t->hash_xor, t->errors);
}

int
main(int argc, char **argv)
{
    const char *list = NULL, *file = NULL;
    int c, runs = 1, check = 0;
    struct tally t = {0, 0, 0, 0, 0};
    uint64_t bytes = 0;
    long n = 1;
    double secs;
    char *buf;

    while ((c = getopt(argc, argv, "l:f:r:c")) != -1) {
        if (c == 'l')
            list = optarg;
        else if (c == 'f')
            file = optarg;
        else if (c == 'r')
            runs = atoi(optarg);
        else if (c == 'c')
            check = 1;
        else
            goto usage;
    }
    if ((list == NULL) == (file == NULL) || optind != argc || runs < 1)
        goto usage;
    g_mime_init();
    buf = g_malloc(CHUNK);
    if (list != NULL) {
        GPtrArray *msgs =
            g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);

        n = load_list(list, msgs, &bytes);
        if (n < 0)
            return 1;
        secs = bench_list(msgs, runs, &t, buf);
        n *= runs;
        bytes *= (uint64_t)runs;
        g_ptr_array_unref(msgs);
    } else {
        secs = bench_file(file, &bytes, &t, buf);
        if (secs < 0)
            return 1;
    }
    report(n, bytes, secs, &t, check);
    g_free(buf);
    g_mime_shutdown();
    return 0;
usage:
    fprintf(stderr, "usage: gmime_bench -l LISTFILE [-r RUNS] [-c]\n"
                    "       gmime_bench -f FILE [-c]\n");
    return 2;
}
