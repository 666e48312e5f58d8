/*
 * config: the configuration reader every tamis program uses.
 *
 * A program describes its settings in a schema (a static table of struct
 * config_key); config_new() makes a configuration holding every default;
 * config_load_file() reads a `-c FILE` (key = value lines, # comments,
 * continuation lines, `include PATH`); config_set_override() applies one
 * `-o key=value`. Errors are collected with their source ("FILE:LINE: ...",
 * "-o:N: ...") instead of stopping at the first, so `lint` can print them
 * all; the getters then return the effective values. docs/config.md is the
 * user's description of the format.
 *
 * Asking for a key that is not in the schema, or with the wrong type, is a
 * programming error: log_panic(). So is a schema whose defaults do not parse.
 */
#ifndef TAMIS_LIB_CONFIG_H
#define TAMIS_LIB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Limits of one configuration (all loads together where it says so). */
#define CONFIG_MAX_LINE 65536        /* bytes in one physical line */
#define CONFIG_MAX_LOGICAL 262144    /* bytes in one logical line */
#define CONFIG_MAX_NAME 64           /* bytes in a key's name (schema) */
#define CONFIG_MAX_VALUE 64000       /* bytes in a value: it prints on one line */
#define CONFIG_MAX_FILE_SIZE 4194304 /* bytes in one file */
#define CONFIG_MAX_LINES 100000      /* physical lines, all loads */
#define CONFIG_MAX_FILES 256         /* files read, all loads */
#define CONFIG_MAX_DEPTH 8           /* include nesting */
#define CONFIG_MAX_LIST_ITEMS 4096   /* items in one list value */
#define CONFIG_MAX_ERRORS 100        /* errors kept (and warnings kept) */

enum config_type {
    CONFIG_STRING,   /* any text, possibly empty */
    CONFIG_INT,      /* [+-]digits, decimal */
    CONFIG_SIZE,     /* bytes: digits with an optional k, M or G (x1024) */
    CONFIG_DURATION, /* seconds: digits with an optional s, m, h, d or w */
    CONFIG_BOOL,     /* yes/no, true/false, on/off, 1/0 (any case) */
    CONFIG_LIST,     /* items separated by commas and/or white space */
};

/*
 * One known setting. name is [a-z0-9_]+. def is the default as it would be
 * written in the file (NULL means ""; only strings and lists may default to
 * ""). min and max bound integers, sizes (in bytes) and durations (in
 * seconds) unless both are 0. help is one line for `config_print`.
 */
struct config_key {
    const char *name;
    enum config_type type;
    const char *def;
    long long min, max;
    const char *help;
};

struct config;

/* Flags for config_print(). */
#define CONFIG_PRINT_NON_DEFAULT 0x1 /* only settings that were set (postconf -n) */
#define CONFIG_PRINT_HELP 0x2        /* a "# help" line before each setting */
#define CONFIG_PRINT_SOURCE 0x4      /* a "# from FILE:LINE" line before each */

/*
 * A configuration holding the defaults of the n keys of schema. The schema
 * is not copied: it must outlive the configuration (a static table does).
 * Panics on a bad schema (bad name, duplicate, default that does not parse).
 * Free with config_free().
 */
struct config *config_new(const struct config_key *schema, size_t n);
/* Free c and everything it holds; sets *cp to NULL. NULL is fine. */
void config_free(struct config **cp);

/*
 * Read the file at path (and what it includes) into c. Later settings
 * replace earlier ones, except those given by config_set_override(), which
 * always win. Returns 0, or -1 if this load recorded any error; the errors
 * (every one, up to CONFIG_MAX_ERRORS) are in config_error(). The settings
 * that were valid are applied even when others are not. When path itself
 * cannot be opened, errno is left as open() set it (e.g. ENOENT), so a
 * caller can treat a missing optional file as no file.
 */
int config_load_file(struct config *c, const char *path);
/*
 * The same over len bytes of buf; name is used in messages and its folder
 * is where relative includes are looked for. For tests and the fuzzer.
 */
int config_load_buffer(struct config *c, const char *name, const char *buf, size_t len);
/*
 * Allow or forbid `include` lines (allowed by default). When forbidden, an
 * include line is an error and no file is opened (the fuzzer does this).
 */
void config_allow_includes(struct config *c, bool allow);
/*
 * Apply one `-o key=value` (white space around "=" is allowed). The value
 * wins over every file setting, whether the file is loaded before or after.
 * Returns 0, or -1 with an error "-o:N: ..." where N counts the overrides
 * from 1.
 */
int config_set_override(struct config *c, const char *key_eq_value);

/* The errors so far, each "SOURCE:LINE: text" (no newline), owned by c. */
size_t config_error_count(const struct config *c);
const char *config_error(const struct config *c, size_t i);
/* Warnings (e.g. a setting given twice in files; the last wins). */
size_t config_warning_count(const struct config *c);
const char *config_warning(const struct config *c, size_t i);
/* Print every error, then every warning, one per line, to f. */
void config_print_errors(const struct config *c, FILE *f);

/*
 * Getters. Each panics if key is not in the schema or (for the typed ones)
 * has another type. Strings returned are owned by c and valid until the
 * next load or override of that key, or config_free().
 * config_get_str() works for every type and gives the value's text as
 * written (continuation lines joined by one space, outer space trimmed).
 */
const char *config_get_str(const struct config *c, const char *key);
long long config_get_int(const struct config *c, const char *key);
bool config_get_bool(const struct config *c, const char *key);
/* In bytes. */
long long config_get_size(const struct config *c, const char *key);
/* In seconds. */
long long config_get_duration(const struct config *c, const char *key);
/* The items of a list (none empty); *items_r gets an array owned by c. */
size_t config_get_list(const struct config *c, const char *key,
                       const char *const **items_r);
/* Whether a file or an override set key (false: the default serves). */
bool config_is_set(const struct config *c, const char *key);
/* Where the value came from: "FILE:LINE", "-o:N" or "default". */
const char *config_source(const struct config *c, const char *key);

/*
 * Print the effective configuration to f as "key = value" lines, sorted by
 * name, in a form config_load_file() reads back (like postconf; with
 * CONFIG_PRINT_NON_DEFAULT like postconf -n). Returns 0, or -1 on a write
 * error (errno set).
 */
int config_print(const struct config *c, FILE *f, unsigned flags);

#endif
