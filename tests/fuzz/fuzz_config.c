/*
 * fuzz_config: lib/config's reader over arbitrary bytes, with a small fixed
 * schema of every type and includes turned off (no file is opened).
 *
 * Input: the configuration text, optionally followed by a 0xff byte and
 * "-o" overrides, one per line. Invariants checked: a load returns 0 only
 * without errors; messages are bounded, single-line and printable; every
 * typed value is within its schema's range; list items are non-empty and
 * hold no separator; and what config_print() writes reads back without
 * error to the very same output.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

static const struct config_key schema[] = {
    {"name", CONFIG_STRING, "x", 0, 0, "a string"},
    {"count", CONFIG_INT, "10", -50, 100, "a bounded integer"},
    {"offset", CONFIG_INT, "0", 0, 0, "an integer"},
    {"max_size", CONFIG_SIZE, "1M", 0, 0, "a size"},
    {"small_size", CONFIG_SIZE, "1k", 1, 65536, "a bounded size"},
    {"timeout", CONFIG_DURATION, "30s", 1, 86400, "a bounded duration"},
    {"period", CONFIG_DURATION, "1w", 0, 0, "a duration"},
    {"enabled", CONFIG_BOOL, "yes", 0, 0, "a boolean"},
    {"servers", CONFIG_LIST, "", 0, 0, "a list"},
    {"include_x", CONFIG_STRING, "", 0, 0, "a name that starts like include"},
};
#define NKEYS (sizeof(schema) / sizeof(schema[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_messages(const struct config *c)
{
    if (config_error_count(c) > CONFIG_MAX_ERRORS + 1 ||
        config_warning_count(c) > CONFIG_MAX_ERRORS + 1)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < config_error_count(c) + config_warning_count(c); i++) {
        const char *m = i < config_error_count(c)
                            ? config_error(c, i)
                            : config_warning(c, i - config_error_count(c));
        size_t n = strlen(m);
        if (n == 0 || n > 1024)
            FUZZ_CHECK_FAILED();
        for (size_t j = 0; j < n; j++)
            if ((unsigned char)m[j] < 0x20 || (unsigned char)m[j] == 0x7f)
                FUZZ_CHECK_FAILED();
    }
}

static void
check_values(const struct config *c)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct config_key *k = &schema[i];
        if (config_get_str(c, k->name) == NULL || config_source(c, k->name) == NULL)
            FUZZ_CHECK_FAILED();
        long long v = 0;
        if (k->type == CONFIG_INT)
            v = config_get_int(c, k->name);
        else if (k->type == CONFIG_SIZE)
            v = config_get_size(c, k->name);
        else if (k->type == CONFIG_DURATION)
            v = config_get_duration(c, k->name);
        if ((k->min || k->max) && (v < k->min || v > k->max))
            FUZZ_CHECK_FAILED();
        if ((k->type == CONFIG_SIZE || k->type == CONFIG_DURATION) && v < 0)
            FUZZ_CHECK_FAILED();
        if (k->type == CONFIG_LIST) {
            const char *const *items;
            size_t n = config_get_list(c, k->name, &items);
            for (size_t j = 0; j < n; j++)
                if (items[j][0] == '\0' || strpbrk(items[j], ", \t") != NULL)
                    FUZZ_CHECK_FAILED();
            if (n > CONFIG_MAX_LIST_ITEMS || items[n] != NULL)
                FUZZ_CHECK_FAILED();
        }
    }
}

/* Print c with flags; the caller frees *buf. */
static size_t
print_all(const struct config *c, unsigned flags, char **buf)
{
    size_t len = 0;
    *buf = NULL;
    FILE *f = open_memstream(buf, &len);
    if (f == NULL || config_print(c, f, flags) != 0)
        FUZZ_CHECK_FAILED();
    fclose(f);
    return len;
}

static void
apply_overrides(struct config *c, const char *p, size_t n)
{
    size_t count = 0;
    while (n > 0 && count++ < 16) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        char *one = malloc(len + 1);
        memcpy(one, p, len);
        one[len] = '\0';
        size_t before = config_error_count(c);
        int rc = config_set_override(c, one);
        if (rc == 0 && config_error_count(c) != before)
            FUZZ_CHECK_FAILED();
        free(one);
        p += len + (nl != NULL);
        n -= len + (nl != NULL);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *cut = memchr(data, 0xff, size);
    size_t len = cut ? (size_t)(cut - data) : size;
    struct config *c = config_new(schema, NKEYS);
    config_allow_includes(c, false);
    int rc = config_load_buffer(c, "fuzz.cf", text, len);
    if ((rc == 0) != (config_error_count(c) == 0))
        FUZZ_CHECK_FAILED();
    if (cut)
        apply_overrides(c, text + len + 1, size - len - 1);
    check_messages(c);
    check_values(c);

    /* what is printed (with comments) reads back without error ... */
    char *annotated, *out, *again;
    size_t annotated_len =
        print_all(c, CONFIG_PRINT_SOURCE | CONFIG_PRINT_HELP, &annotated);
    struct config *back = config_new(schema, NKEYS);
    config_allow_includes(back, false);
    if (config_load_buffer(back, "printed", annotated, annotated_len) != 0 ||
        config_warning_count(back) != 0)
        FUZZ_CHECK_FAILED();
    /* ... to the very same settings */
    size_t out_len = print_all(c, 0, &out);
    size_t again_len = print_all(back, 0, &again);
    if (out_len != again_len || memcmp(out, again, out_len) != 0)
        FUZZ_CHECK_FAILED();
    free(annotated);
    free(out);
    free(again);
    config_free(&back);
    config_free(&c);
    return 0;
}
