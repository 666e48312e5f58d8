/*
 * fuzz_table: filterd/table's parser and lookups over arbitrary bytes.
 *
 * Input: one byte that picks the format (list, patterns, access), the
 * table's text, then optionally a 0xff byte and items to look up, one a
 * line. Invariants checked: a parse returns 0 exactly when it reports no
 * error; every error line starts with the file name and a line number and
 * holds no control byte; an accepted qmail list finds each of its own
 * lines; lookups of the items (as address, host, IP and pattern subject)
 * never fail, and what they find has a key, a file and a line.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_errors(const struct str *err)
{
    struct slice rest = str_slice(err);
    while (rest.len) {
        long nl = slice_find_char(rest, '\n');
        if (nl < 0)
            FUZZ_CHECK_FAILED(); /* every error ends its line */
        struct slice line = slice_head(rest, (size_t)nl);
        if (!slice_starts_with_case(line, "f:"))
            FUZZ_CHECK_FAILED();
        for (size_t i = 0; i < line.len; i++)
            if ((unsigned char)line.ptr[i] < 0x20 && line.ptr[i] != '\t')
                FUZZ_CHECK_FAILED();
        rest = slice_from(rest, (size_t)nl + 1);
    }
}

static void
check_entry(const struct table_entry *e)
{
    if (e &&
        (e->key == NULL || e->file == NULL || strcmp(e->file, "f") != 0 || e->line == 0))
        FUZZ_CHECK_FAILED();
}

/* Each line of an accepted list is found by its own text. */
static void
check_list(const struct table *t, const char *text, size_t n)
{
    char *copy = malloc(n + 1);
    memcpy(copy, text, n);
    copy[n] = '\0';
    for (char *line = copy, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        struct slice s = slice_trim(slice_from_cstr(line));
        if (s.len == 0 || s.ptr[0] == '#' || memchr(s.ptr, '\0', s.len))
            continue;
        ((char *)s.ptr)[s.len] = '\0';
        if (table_lookup_addr(t, TABLE_FROM, s.ptr) == NULL)
            FUZZ_CHECK_FAILED();
    }
    free(copy);
}

static void
lookups(const struct table *t, const uint8_t *p, size_t n)
{
    char item[512];
    while (n) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        size_t k = len < sizeof(item) - 1 ? len : sizeof(item) - 1;
        memcpy(item, p, k);
        item[k] = '\0';
        check_entry(table_lookup_addr(t, TABLE_FROM, item));
        check_entry(table_lookup_addr(t, TABLE_RCPT, item));
        check_entry(table_lookup_host(t, TABLE_CLIENT, item));
        check_entry(table_lookup_ip(t, item));
        check_entry(table_match(t, item));
        p += nl ? len + 1 : len;
        n -= nl ? len + 1 : len;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum table_format f = data[0] % 3 == 0   ? TABLE_LIST
                          : data[0] % 3 == 1 ? TABLE_PATTERNS
                                             : TABLE_ACCESS;
    const uint8_t *end = memchr(data + 1, 0xff, size - 1);
    size_t tlen = end ? (size_t)(end - data - 1) : size - 1;
    struct table *t = table_new(f);
    struct str err;
    str_init(&err, 0);
    int r = table_parse(t, "f", (const char *)data + 1, tlen, &err);
    if ((r == 0) != (err.len == 0))
        FUZZ_CHECK_FAILED();
    check_errors(&err);
    if (r == 0 && f == TABLE_LIST)
        check_list(t, (const char *)data + 1, tlen);
    if (end)
        lookups(t, end + 1, size - tlen - 2);
    str_deinit(&err);
    table_free(&t);
    /* The value parser alone, on the whole input. */
    struct table_value v;
    str_init(&err, 0);
    size_t vlen = tlen < 300 ? tlen : 300;
    if (table_value_parse(slice_make((const char *)data + 1, vlen), &v, &err) == 0)
        table_value_deinit(&v);
    str_deinit(&err);
    return 0;
}
