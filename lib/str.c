/*
 * str: growable byte strings with a maximum, and slices.
 * Untrusted input: holds it; every growth is overflow-checked and bounded by
 * the per-instance maximum, which callers set from their named limits.
 */
#include "str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static size_t
str_limit(const struct str *s)
{
    return s->max ? s->max : SIZE_MAX - 1;
}

void
str_init(struct str *s, size_t max)
{
    s->buf = NULL;
    s->len = 0;
    s->cap = 0;
    s->max = max;
}

void
str_deinit(struct str *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = 0;
    s->cap = 0;
}

void
str_clear(struct str *s)
{
    s->len = 0;
    if (s->buf)
        s->buf[0] = '\0';
}

int
str_reserve(struct str *s, size_t n)
{
    size_t need, cap;
    if (__builtin_add_overflow(s->len, n, &need) || need > str_limit(s))
        return -1;
    if (need < s->cap)
        return 0;
    cap = s->cap ? s->cap : 64;
    while (cap <= need) {
        if (__builtin_mul_overflow(cap, 2, &cap)) {
            cap = need + 1;
            break;
        }
    }
    s->buf = xrealloc(s->buf, cap);
    s->cap = cap;
    return 0;
}

int
str_append(struct str *s, const void *p, size_t n)
{
    if (str_reserve(s, n) < 0)
        return -1;
    if (n)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

int
str_append_trunc(struct str *s, const void *p, size_t n)
{
    size_t room = str_limit(s) - s->len;
    if (n <= room)
        return str_append(s, p, n);
    (void)str_append(s, p, room);
    return -1;
}

int
str_append_slice(struct str *s, struct slice sl)
{
    return str_append(s, sl.ptr, sl.len);
}

int
str_append_cstr(struct str *s, const char *cs)
{
    return str_append(s, cs, strlen(cs));
}

int
str_appendc(struct str *s, int c)
{
    char ch = (char)c;
    return str_append(s, &ch, 1);
}

int
str_vappendf(struct str *s, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    if (s->buf && s->cap > s->len) { /* format once when it fits */
        size_t room = s->cap - s->len;
        va_copy(ap2, ap);
        n = vsnprintf(s->buf + s->len, room, fmt, ap2);
        va_end(ap2);
        if (n >= 0 && (size_t)n < room && (size_t)n <= str_limit(s) - s->len) {
            s->len += (size_t)n;
            return 0;
        }
        s->buf[s->len] = '\0';
        if (n < 0)
            return -1;
    }
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || str_reserve(s, (size_t)n) < 0)
        return -1;
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
    s->len += (size_t)n;
    return 0;
}

int
str_appendf(struct str *s, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = str_vappendf(s, fmt, ap);
    va_end(ap);
    return r;
}

void
str_truncate(struct str *s, size_t n)
{
    if (n < s->len) {
        s->len = n;
        s->buf[n] = '\0';
    }
}

const char *
str_cstr(struct str *s)
{
    return s->buf ? s->buf : "";
}

struct slice
str_slice(const struct str *s)
{
    return (struct slice){s->buf, s->len};
}

char *
str_steal(struct str *s, size_t *len_r)
{
    char *p = s->buf ? s->buf : xstrdup("");
    if (len_r)
        *len_r = s->len;
    s->buf = NULL;
    s->len = 0;
    s->cap = 0;
    return p;
}

struct slice
slice_from_cstr(const char *cs)
{
    return (struct slice){cs, cs ? strlen(cs) : 0};
}

struct slice
slice_make(const char *p, size_t n)
{
    return (struct slice){p, n};
}

bool
slice_eq(struct slice a, struct slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int
ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool
slice_case_eq(struct slice a, struct slice b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower((unsigned char)a.ptr[i]) != ascii_lower((unsigned char)b.ptr[i]))
            return false;
    return true;
}

bool
slice_case_eq_cstr(struct slice a, const char *cs)
{
    return slice_case_eq(a, slice_from_cstr(cs));
}

bool
slice_starts_with_case(struct slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && slice_case_eq(slice_head(a, n), slice_make(prefix, n));
}

static bool
is_trim_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct slice
slice_trim(struct slice a)
{
    while (a.len && is_trim_space(a.ptr[0])) {
        a.ptr++;
        a.len--;
    }
    while (a.len && is_trim_space(a.ptr[a.len - 1]))
        a.len--;
    return a;
}

long
slice_find_char(struct slice a, char c)
{
    const char *p = a.len ? memchr(a.ptr, c, a.len) : NULL;
    return p ? (long)(p - a.ptr) : -1;
}

struct slice
slice_from(struct slice a, size_t i)
{
    if (i > a.len)
        i = a.len;
    return (struct slice){a.ptr + i, a.len - i};
}

struct slice
slice_head(struct slice a, size_t n)
{
    if (n > a.len)
        n = a.len;
    return (struct slice){a.ptr, n};
}

struct slice
slice_next_word(struct slice a, size_t *i)
{
    while (*i < a.len && (a.ptr[*i] == ' ' || a.ptr[*i] == '\t'))
        (*i)++;
    size_t start = *i;
    while (*i < a.len && a.ptr[*i] != ' ' && a.ptr[*i] != '\t')
        (*i)++;
    return a.ptr ? slice_make(a.ptr + start, *i - start) : SLICE_NULL;
}

void
str_line_error(const struct str_lines *at, const char *fmt, ...)
{
    if (++*at->errors > at->max)
        return;
    va_list ap;
    va_start(ap, fmt);
    str_appendf(at->err, "%s:%zu: ", at->file, at->line);
    str_vappendf(at->err, fmt, ap);
    va_end(ap);
    str_appendc(at->err, '\n');
}
