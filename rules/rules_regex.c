/*
 * rules_regex: Perl regular expressions of rule files, read and compiled
 * with pcre2. Delimiters /re/ and m{re} (any non-alphanumeric delimiter;
 * brackets nest), flags i, m, s, x, n (o and g are accepted and mean
 * nothing here). Matching is on bytes, as SpamAssassin matches its byte
 * strings: no UTF mode, so \xA0 is the byte 0xA0.
 *
 * Perl-only syntax is translated before compiling: an escaped letter that
 * Perl reads as the letter itself (\y, \i, ...) loses its backslash; \z and
 * \Z, \A, \G, \K, \Q...\E, possessive quantifiers and (?^...) are pcre2's
 * too. What pcre2 still refuses (variable-length lookbehind, code blocks)
 * is reported with pcre2's message.
 *
 * Untrusted input: the text of a rule line, bounded by RULES_LINE_MAX.
 */
#include "rules/rules_int.h"

#include <string.h>

static char
closing(char open)
{
    switch (open) {
    case '{': return '}';
    case '(': return ')';
    case '[': return ']';
    case '<': return '>';
    default: return open;
    }
}

static bool
is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
parse_flags(struct slice s, size_t *i, uint32_t *opts, const char **why)
{
    for (; *i < s.len && s.ptr[*i] != ' ' && s.ptr[*i] != '\t'; (*i)++) {
        switch (s.ptr[*i]) {
        case 'i': *opts |= PCRE2_CASELESS; break;
        case 'm': *opts |= PCRE2_MULTILINE; break;
        case 's': *opts |= PCRE2_DOTALL; break;
        case 'x': *opts |= PCRE2_EXTENDED; break;
        case 'n': *opts |= PCRE2_NO_AUTO_CAPTURE; break;
        case 'o': case 'g': break;
        default:
            *why = "unknown flag after the regular expression (i, m, s, x, n, o, g)";
            return -1;
        }
    }
    return 0;
}

int
rules_regex_parse(struct slice s, size_t *i, struct str *out, uint32_t *opts,
                  const char **why)
{
    while (*i < s.len && (s.ptr[*i] == ' ' || s.ptr[*i] == '\t'))
        (*i)++;
    if (*i < s.len && s.ptr[*i] == 'm' && *i + 1 < s.len && !is_alnum(s.ptr[*i + 1]) &&
        s.ptr[*i + 1] != ' ' && s.ptr[*i + 1] != '\t')
        (*i)++;
    else if (*i >= s.len || s.ptr[*i] != '/') {
        *why = "a regular expression /like this/ or m{like this} was expected";
        return -1;
    }
    char open = s.ptr[(*i)++], close = closing(open);
    size_t depth = 0, start = *i;
    for (; *i < s.len; (*i)++) {
        char c = s.ptr[*i];
        if (c == '\\' && *i + 1 < s.len) {
            (*i)++;
        } else if (c == close && depth == 0) {
            break;
        } else if (open != close && c == open) {
            depth++;
        } else if (open != close && c == close) {
            depth--;
        }
    }
    if (*i >= s.len) {
        *why = "the regular expression is not closed";
        return -1;
    }
    if (str_append(out, s.ptr + start, *i - start) < 0) {
        *why = "regular expression too long";
        return -1;
    }
    (*i)++;
    *opts = 0;
    return parse_flags(s, i, opts, why);
}

/* Letters pcre2 knows after a backslash (outside a class; inside one a
 * subset, but a letter left alone is still right there). */
static bool
pcre2_escape(char c)
{
    return strchr("aAbBcCdDeEfgGhHkKnNopPQrRsStuUvVwWxXzZ0123456789", c) != NULL;
}

/* Perl reads "\y" as "y": drop backslashes pcre2 would refuse. */
void
rules_regex_translate(const char *re, size_t len, struct str *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = re[i];
        if (c == '\\' && i + 1 < len) {
            char n = re[i + 1];
            if (((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z')) && !pcre2_escape(n)) {
                str_appendc(out, n);
            } else {
                str_appendc(out, c);
                str_appendc(out, n);
            }
            i++;
            continue;
        }
        str_appendc(out, c);
    }
}

pcre2_code *
rules_regex_compile(const char *re, size_t len, uint32_t opts, struct str *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, len, opts | PCRE2_NEVER_BACKSLASH_C,
                                  &code, &off, NULL);
    if (c == NULL) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            memcpy(msg, "unknown error", sizeof("unknown error"));
        str_appendf(err, "%s (at offset %zu)", (const char *)msg, (size_t)off);
        return NULL;
    }
    (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* the interpreter serves if not */
    return c;
}
