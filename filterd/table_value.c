/*
 * table_value: the values of access table entries (and of the settings
 * written the same way, e.g. badmailfrom_action): OK (PERMIT), DUNNO,
 * REJECT [text], DEFER [text], DISCARD [text], HOLD [text], a score,
 * 4NN/5NN [x.y.z] [text],
 * and Sendmail's ERROR:[x.y.z:]NNN text. docs/tables.md describes them.
 *
 * Untrusted input: a table line (the administrator's, read as if hostile).
 * Pure; texts are printable ASCII of at most TABLE_TEXT_MAX bytes, scores
 * plain decimals of at most TABLE_SCORE_MAX.
 */
#include <stdlib.h>
#include <string.h>

#include "filterd/table_impl.h"
#include "lib/mem.h"

void
table_value_deinit(struct table_value *v)
{
    free(v->text);
    v->text = NULL;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [+-]digits[.digits], finite and within TABLE_SCORE_MAX. */
static bool
parse_score(struct slice w, double *out)
{
    size_t i = 0, digits = 0;
    if (w.len && (w.ptr[0] == '+' || w.ptr[0] == '-'))
        i++;
    for (; i < w.len && is_digit(w.ptr[i]); i++)
        digits++;
    if (i < w.len && w.ptr[i] == '.')
        for (i++; i < w.len && is_digit(w.ptr[i]); i++)
            digits++;
    if (digits == 0 || i != w.len || w.len > 30)
        return false;
    char buf[32];
    memcpy(buf, w.ptr, w.len);
    buf[w.len] = '\0';
    *out = strtod(buf, NULL);
    return *out <= TABLE_SCORE_MAX && *out >= -TABLE_SCORE_MAX;
}

/* An SMTP reply code: 4NN or 5NN. */
static bool
is_code(struct slice w)
{
    return w.len == 3 && (w.ptr[0] == '4' || w.ptr[0] == '5') && is_digit(w.ptr[1]) &&
           is_digit(w.ptr[2]);
}

/* An enhanced status code (RFC 3463) class.subject.detail, the class
 * given: "5.7.1". */
static bool
is_xcode(struct slice w, char class)
{
    if (w.len < 5 || w.len >= sizeof(((struct table_value *)0)->xcode) ||
        w.ptr[0] != class || w.ptr[1] != '.')
        return false;
    size_t i = 2, d = 0, dots = 0;
    for (; i < w.len; i++) {
        if (is_digit(w.ptr[i])) {
            if (++d > 3)
                return false;
        } else if (w.ptr[i] == '.' && d > 0 && dots == 0) {
            dots++;
            d = 0;
        } else {
            return false;
        }
    }
    return dots == 1 && d > 0;
}

static int
set_text(struct table_value *v, struct slice text, struct str *why)
{
    if (text.len > TABLE_TEXT_MAX) {
        str_appendf(why, "reply text longer than %d bytes", TABLE_TEXT_MAX);
        return -1;
    }
    for (size_t i = 0; i < text.len; i++) {
        unsigned char b = (unsigned char)text.ptr[i];
        if (b < 0x20 || b > 0x7e) {
            str_append_cstr(why, "a reply text is printable ASCII");
            return -1;
        }
    }
    if (text.len)
        v->text = xmemdup0(text.ptr, text.len);
    return 0;
}

/* Split off the first word of s (blanks after it dropped). */
static struct slice
first_word(struct slice s, struct slice *rest)
{
    size_t i = 0;
    while (i < s.len && s.ptr[i] != ' ' && s.ptr[i] != '\t')
        i++;
    struct slice w = slice_head(s, i);
    *rest = slice_trim(slice_from(s, i));
    return w;
}

/* "NNN [x.y.z] [text]" after the code word. */
static int
parse_code(struct slice code, struct slice rest, struct table_value *v, struct str *why)
{
    memcpy(v->code, code.ptr, 3);
    v->code[3] = '\0';
    v->action = code.ptr[0] == '4' ? TABLE_TEMPFAIL : TABLE_REJECT;
    struct slice after;
    struct slice w = first_word(rest, &after);
    if (is_xcode(w, code.ptr[0])) {
        memcpy(v->xcode, w.ptr, w.len);
        v->xcode[w.len] = '\0';
        rest = after;
    } else if (w.len > 1 && is_digit(w.ptr[0]) && w.ptr[1] == '.') {
        str_appendf(why, "bad enhanced status code \"%.*s\" for %s (want %c.N.N)",
                    (int)w.len, w.ptr, v->code, code.ptr[0]);
        return -1;
    }
    return set_text(v, rest, why);
}

/* Sendmail's ERROR:[x.y.z:]NNN text (s after "ERROR:"). */
static int
parse_error_value(struct slice s, struct table_value *v, struct str *why)
{
    struct slice xcode = SLICE_NULL;
    long colon = slice_find_char(s, ':');
    long space = slice_find_char(s, ' ');
    if (colon > 0 && (space < 0 || colon < space)) {
        xcode = slice_head(s, (size_t)colon);
        s = slice_from(s, (size_t)colon + 1);
    }
    struct slice rest;
    struct slice code = first_word(s, &rest);
    if (!is_code(code)) {
        str_append_cstr(why, "ERROR: wants a 4NN or 5NN reply code");
        return -1;
    }
    if (xcode.len && !is_xcode(xcode, code.ptr[0])) {
        str_appendf(why, "bad enhanced status code \"%.*s\"", (int)xcode.len, xcode.ptr);
        return -1;
    }
    if (parse_code(code, rest, v, why) < 0)
        return -1;
    if (xcode.len) {
        memcpy(v->xcode, xcode.ptr, xcode.len);
        v->xcode[xcode.len] = '\0';
    }
    return 0;
}

/* A keyword value; returns 1 when w was none of them. */
static int
parse_keyword(struct slice w, struct slice rest, struct table_value *v, struct str *why)
{
    static const struct {
        const char *word;
        enum table_action action;
        bool text;
    } words[] = {
        {"ok", TABLE_OK, false},          {"dunno", TABLE_DUNNO, false},
        {"reject", TABLE_REJECT, true},   {"defer", TABLE_TEMPFAIL, true},
        {"discard", TABLE_DISCARD, true}, {"hold", TABLE_HOLD, true},
        {"permit", TABLE_OK, false},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (!slice_case_eq_cstr(w, words[i].word))
            continue;
        v->action = words[i].action;
        if (!words[i].text && rest.len) {
            str_appendf(why, "%s takes no text", words[i].word);
            return -1;
        }
        return set_text(v, rest, why);
    }
    return 1;
}

int
table_value_parse(struct slice s, struct table_value *out, struct str *why)
{
    memset(out, 0, sizeof(*out));
    s = slice_trim(s);
    struct slice rest;
    struct slice w = first_word(s, &rest);
    int r;
    if (s.len == 0)
        return 0; /* TABLE_NONE */
    if (slice_starts_with_case(s, "error:"))
        r = parse_error_value(slice_from(s, 6), out, why);
    else if (is_code(w))
        r = parse_code(w, rest, out, why);
    else if ((r = parse_keyword(w, rest, out, why)) <= 0)
        ;
    else if (rest.len == 0 && parse_score(w, &out->score)) {
        out->action = TABLE_SCORE;
        r = 0;
    } else {
        str_appendf(
            why,
            "unknown value \"%.*s\" (OK, DUNNO, REJECT, DEFER, DISCARD, HOLD, a score, "
            "or an SMTP code and text)",
            (int)(s.len > 60 ? 60 : s.len), s.ptr);
        r = -1;
    }
    if (r < 0)
        table_value_deinit(out);
    return r;
}
