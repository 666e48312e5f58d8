/*
 * str: the one growable byte string (with a per-instance maximum) and the
 * one non-owning slice type used everywhere in tamis.
 *
 * A struct str always keeps a NUL byte after its contents, so str_cstr()
 * is free, but its bytes may contain NULs: use len, not strlen.
 * Appending past the maximum fails (-1) and leaves the string unchanged:
 * the caller decides what a limit means. Out of memory is fatal (mem.h).
 */
#ifndef TAMIS_LIB_STR_H
#define TAMIS_LIB_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A view of len bytes at ptr; owns nothing. ptr may be NULL when len is 0. */
struct slice {
    const char *ptr;
    size_t len;
};

struct str {
    char *buf;  /* NULL until the first append; see str_cstr() */
    size_t len; /* bytes used, excluding the trailing NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* largest len allowed; 0 means SIZE_MAX - 1 */
};

#define SLICE_LIT(s) ((struct slice){(s), sizeof(s) - 1})
#define SLICE_NULL ((struct slice){NULL, 0})

/* Initialise an empty string that may grow to max bytes (0: no limit). */
void str_init(struct str *s, size_t max);
/* Release the buffer; the string is empty and reusable afterwards. */
void str_deinit(struct str *s);
/* Forget the contents, keep the buffer. */
void str_clear(struct str *s);
/* Make room for n more bytes. Returns 0, or -1 if len + n > max. */
int str_reserve(struct str *s, size_t n);
/* Append n bytes. Returns 0, or -1 (string unchanged) past the maximum. */
int str_append(struct str *s, const void *p, size_t n);
/* Append as much of p as fits; returns -1 if anything was cut off. */
int str_append_trunc(struct str *s, const void *p, size_t n);
int str_append_slice(struct str *s, struct slice sl);
int str_append_cstr(struct str *s, const char *cs);
int str_appendc(struct str *s, int c);
/* printf-style append; -1 (string unchanged) past the maximum. */
int str_appendf(struct str *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int str_vappendf(struct str *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Where a parser of a line-based file is, for its error lines. */
struct str_lines {
    struct str *err;  /* the error lines go here */
    const char *file; /* its name */
    size_t line;      /* the line being read (from 1) */
    size_t *errors;   /* the errors so far (several files may share it) */
    size_t max;       /* past max errors, they are only counted */
};
/* An error of the line at: count it in *at->errors and, unless more than
 * at->max were counted, append "FILE:LINE: " with the formatted text and a
 * newline to at->err. */
void str_line_error(const struct str_lines *at, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Shorten to n bytes (n <= len). */
void str_truncate(struct str *s, size_t n);
/* A NUL-terminated view of the contents, valid until the next change. */
const char *str_cstr(struct str *s);
/* A slice of the contents, valid until the next change. */
struct slice str_slice(const struct str *s);
/* Take the buffer out (NUL-terminated, caller frees); s becomes empty. */
char *str_steal(struct str *s, size_t *len_r);

/* Slices. */
struct slice slice_from_cstr(const char *cs);
struct slice slice_make(const char *p, size_t n);
bool slice_eq(struct slice a, struct slice b);
/* ASCII case-insensitive equality. */
bool slice_case_eq(struct slice a, struct slice b);
bool slice_case_eq_cstr(struct slice a, const char *cs);
bool slice_starts_with_case(struct slice a, const char *prefix);
/* Drop leading and trailing spaces, tabs, CR and LF. */
struct slice slice_trim(struct slice a);
/* Index of the first c in a, or -1. */
long slice_find_char(struct slice a, char c);
/* The bytes from index i on (i <= len). */
struct slice slice_from(struct slice a, size_t i);
/* The first n bytes (n <= len). */
struct slice slice_head(struct slice a, size_t n);
/* The next word of a (a run of bytes other than space and tab) from *i,
 * which is advanced past it; an empty slice at the end. */
struct slice slice_next_word(struct slice a, size_t *i);

#endif
