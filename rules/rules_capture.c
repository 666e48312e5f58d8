/*
 * rules_capture: SpamAssassin 4's captured tags (rules_int.h). A rule
 * whose expression has named groups (?<NAME>...) sets tag NAME, when it
 * matches, to what the group matched; a rule that writes %{NAME} (not
 * \%{NAME}) runs with it replaced by (?:V1|V2...), the values quoted, and
 * is not run while a tag it reads has no value. Rules that set tags run
 * first (with the other rules, in order); the ones that read tags after
 * them, before the meta rules.
 *
 * Untrusted input: the captured values come from the message; at most
 * RULES_TAGS_MAX values of RULES_TAG_VALUE_MAX bytes are kept, and they
 * enter an expression only quoted (every byte but [A-Za-z0-9_] behind a
 * backslash, which pcre2 reads as the byte itself).
 */
#include "rules/rules_int.h"

#include <string.h>

static bool
word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* The template %{NAME} at re[i], if one (not escaped): its name length. */
static size_t
template_at(const char *re, size_t i)
{
    if (re[i] != '%' || re[i + 1] != '{' || (i > 0 && re[i - 1] == '\\'))
        return 0;
    size_t n = 0;
    while (word_byte((unsigned char)re[i + 2 + n]))
        n++;
    return n && re[i + 2 + n] == '}' ? n : 0;
}

bool
rules_has_template(const char *re)
{
    for (size_t i = 0; re[i]; i++)
        if (template_at(re, i))
            return true;
    return false;
}

static void
quote(struct slice v, struct str *out)
{
    for (size_t i = 0; i < v.len; i++) {
        if (!word_byte((unsigned char)v.ptr[i]))
            str_appendc(out, '\\');
        str_appendc(out, v.ptr[i]);
    }
}

/* Append (?:V1|V2...) for tag name; false when it has no value. */
static bool
put_values(const char *name, size_t n, const struct tag_values *tv, struct str *out)
{
    bool any = false;
    for (size_t k = 0; k < tv->n; k++) {
        const struct tag_value *t = &tv->v[k];
        if (strlen(t->name) != n || memcmp(t->name, name, n) != 0 || t->value.len == 0)
            continue;
        str_append_cstr(out, any ? "|" : "(?:");
        quote(t->value, out);
        any = true;
    }
    if (any)
        str_appendc(out, ')');
    return any;
}

bool
rules_fill_template(const char *re, const struct tag_values *tv, struct str *out)
{
    for (size_t i = 0; re[i];) {
        size_t n = template_at(re, i);
        if (n == 0) {
            str_appendc(out, re[i++]);
            continue;
        }
        if (!put_values(re + i + 2, n, tv, out))
            return false;
        i += n + 3;
    }
    return true;
}

void
rules_capture(struct arena *a, const pcre2_code *re, pcre2_match_data *md,
              struct slice subject, struct tag_values *tv)
{
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table;
    if (pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
        pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
        pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table) != 0)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    for (uint32_t k = 0; k < count && tv->n < RULES_TAGS_MAX; k++) {
        PCRE2_SPTR e = table + (size_t)k * size;
        uint32_t g = ((uint32_t)e[0] << 8) | e[1];
        if (g >= pairs || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
            continue;
        size_t len = ov[2 * g + 1] - ov[2 * g];
        if (len > RULES_TAG_VALUE_MAX)
            len = RULES_TAG_VALUE_MAX;
        tv->v[tv->n++] = (struct tag_value){
            .name = (const char *)e + 2,
            .value = arena_slice_dup(a, slice_make(subject.ptr + ov[2 * g], len))};
    }
}
