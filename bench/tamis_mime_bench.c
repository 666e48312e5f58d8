/*
 * tamis_mime_bench: parses, decodes and renders messages, the same work as
 * gmime_bench does with GMime, and prints one line of figures:
 *   tamis messages=N bytes=B seconds=S msgs_per_s=X mb_per_s=Y maxrss_kb=K
 * then a second line "tamis+html ..." for the same work plus HTML to text.
 *
 * usage: tamis_mime_bench -l LISTFILE [-r RUNS] [-c]   (files read into memory
 *        first; the best of RUNS passes is printed; -c prints the check
 *        line of bench/README.md on stderr)
 *        tamis_mime_bench -f FILE   (one message parsed from the file, read
 *        in chunks when larger than the spool threshold; for peak memory)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "filterd/message.h"
#include "fnv.h"
#include "lib/blob.h"
#include "lib/mem.h"
#include "mail/address.h"
#include "mail/charset.h"
#include "mail/header.h"
#include "mail/render.h"

struct input {
    char *data;
    size_t len;
};

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The check line of bench/README.md: leaves, decoded bytes, XOR of the
 * leaves' FNV-1a hashes, over one pass. */
struct check {
    size_t leaves, decoded;
    uint64_t hash;
};

/* The work for one message; returns a checksum so nothing is optimised out. */
static size_t
work(struct message *m, bool html, struct check *ck)
{
    static const char *const hdrs[] = {"Subject", "From", "To"};
    size_t sum = 0;
    struct str dec, text;
    str_init(&dec, m->limits.decoded_max);
    str_init(&text, m->limits.decoded_max);
    /* As gmime_bench: the Subject decoded, From and To parsed as address
     * lists (GMime's internet_address_list_parse) and decoded. */
    for (size_t i = 0; i < 3; i++) {
        const char *v = message_header(m, hdrs[i]);
        sum += v ? strlen(v) : 0;
        const struct header_field *f = header_get(&m->mime->root->headers, hdrs[i]);
        if (i > 0 && f) {
            struct address_list al;
            address_list_extract(m->arena, f->value, &al);
            sum += al.n;
        }
    }
    for (struct mime_part *p = m->mime->root; p; p = mime_next(p)) {
        if (p->kind != MIME_LEAF)
            continue;
        str_clear(&dec);
        (void)message_decode_part(m, p, &dec, NULL);
        sum += dec.len;
        if (ck) {
            ck->leaves++;
            ck->decoded += dec.len;
            ck->hash ^= fnv1a64_update(FNV1A64_INIT, dec.buf, dec.len);
        }
        if (strncmp(p->type, "text/", 5) != 0)
            continue;
        str_clear(&text);
        if (html)
            (void)render_text(p, str_slice(&dec), &text, NULL, NULL, NULL);
        else
            (void)charset_to_utf8(p->charset ? p->charset : "", str_slice(&dec), &text,
                                  &(unsigned){0});
        sum += text.len;
    }
    str_deinit(&dec);
    str_deinit(&text);
    return sum;
}

static void
report(const char *name, size_t n, size_t bytes, double secs)
{
    printf("%s messages=%zu bytes=%zu seconds=%.4f msgs_per_s=%.1f mb_per_s=%.2f "
           "maxrss_kb=%ld\n",
           name, n, bytes, secs, (double)n / secs, (double)bytes / secs / 1e6, maxrss_kb());
}

static int
bench_list(const char *list, int runs, bool check)
{
    FILE *f = fopen(list, "r");
    char line[4096];
    struct input *in = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    struct mail_limits lim = mail_limits_default();
    if (f == NULL) {
        perror(list);
        return 1;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        struct blob *b = NULL;
        struct str err;
        str_init(&err, 1024);
        if (*line == '\0' || blob_open_file(&b, line, SIZE_MAX, &err) < 0) {
            if (*line)
                fprintf(stderr, "%s\n", str_cstr(&err));
            str_deinit(&err);
            continue;
        }
        str_deinit(&err);
        if (n == cap)
            in = xreallocarray(in, cap = cap ? cap * 2 : 1024, sizeof(*in));
        in[n].len = blob_size(b);
        in[n].data = xmemdup0(blob_data(b), in[n].len);
        bytes += in[n].len;
        n++;
        blob_free(&b);
    }
    fclose(f);
    struct check ckall = {0, 0, 0};
    for (int html = 0; html <= 1; html++) {
        double best = 1e30;
        size_t sum = 0;
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            for (size_t i = 0; i < n; i++) {
                struct message *m = message_from_memory(in[i].data, in[i].len, &lim);
                struct check *ck = (check && html == 0 && r == 0) ? &ckall : NULL;
                sum += work(m, html, ck);
                message_free(&m);
            }
            double t = now() - t0;
            if (t < best)
                best = t;
        }
        report(html ? "tamis+html" : "tamis", n, bytes, best);
        fprintf(stderr, "checksum %zu\n", sum);
    }
    if (check)
        fprintf(stderr, "check leaves=%zu decoded=%zu hash=%016" PRIx64 " errors=0\n",
                ckall.leaves, ckall.decoded, ckall.hash);
    for (size_t i = 0; i < n; i++)
        free(in[i].data);
    free(in);
    return 0;
}

static int
bench_file(const char *path)
{
    struct mail_limits lim = mail_limits_default();
    struct str err;
    str_init(&err, 1024);
    double t0 = now();
    struct message *m = message_load(path, &lim, &err);
    if (m == NULL) {
        fprintf(stderr, "%s\n", str_cstr(&err));
        return 1;
    }
    size_t sum = work(m, true, NULL);
    size_t bytes = blob_size(m->blob);
    message_free(&m);
    report("tamis-file", 1, bytes, now() - t0);
    fprintf(stderr, "checksum %zu\n", sum);
    str_deinit(&err);
    return 0;
}

int
main(int argc, char **argv)
{
    int runs = 1;
    bool check = false;
    const char *list = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            check = true;
            continue;
        }
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "-l") == 0)
            list = argv[i + 1];
        else if (strcmp(argv[i], "-r") == 0)
            runs = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
        else if (strcmp(argv[i], "-f") == 0)
            file = argv[i + 1];
        i++;
    }
    if (list)
        return bench_list(list, runs, check);
    if (file)
        return bench_file(file);
    fprintf(stderr, "usage: tamis_mime_bench -l LISTFILE [-r RUNS] | -f FILE\n");
    return 64;
}
