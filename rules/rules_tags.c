/*
 * rules_tags: ReplaceTags, the shorthand of SpamAssassin's stock rules:
 * in the expression of a rule named by replace_rules, <NAME> is replaced by
 * the value of "replace_tag NAME value"; <pre P>, <post P> and <inter P>
 * name a replace_pre value put before each tag, a replace_post value put
 * after each, and a replace_inter value put between adjacent tags. Values
 * may hold tags: up to six passes, as SpamAssassin does.
 *
 * Untrusted input: expressions and tag values of rule files; the output is
 * bounded by RULES_LINE_MAX * 64 (a str maximum), past which it is cut
 * and the compile fails.
 */
#include "rules/rules_int.h"

#include <string.h>

#include "lib/mem.h"

#define TAGS_PASSES 6
#define TAGS_OUT_MAX ((size_t)RULES_LINE_MAX * 64)

static const char *
tag_value(const struct rules *rs, const char *kind, struct slice name)
{
    for (size_t i = 0; i < rs->ntags; i++)
        if (strcmp(rs->tags[i].kind, kind) == 0 &&
            slice_eq(slice_from_cstr(rs->tags[i].name), name))
            return rs->tags[i].value;
    return NULL;
}

/* Remove the first "<kind NAME>" from s; its NAME's value (or NULL). */
static const char *
take_directive(const struct rules *rs, struct str *s, const char *kind)
{
    struct str key;
    str_init(&key, 0);
    str_appendf(&key, "%s%s ", rs->tag_start, kind);
    const char *p = s->buf ? strstr(s->buf, str_cstr(&key)) : NULL;
    const char *value = NULL;
    if (p) {
        const char *name = p + key.len;
        const char *end = *name ? strstr(name + 1, rs->tag_end) : NULL;
        if (end) {
            value = tag_value(rs, kind, slice_make(name, (size_t)(end - name)));
            size_t from = (size_t)(p - s->buf), to = (size_t)(end - s->buf) + strlen(rs->tag_end);
            memmove(s->buf + from, s->buf + to, s->len - to + 1);
            s->len -= to - from;
        }
    }
    str_deinit(&key);
    return value;
}

/* The length of the tag "<...>" at p (no '<' or '>' inside), or 0. */
static size_t
tag_len(const char *p, size_t n)
{
    if (n < 3 || p[0] != '<')
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (p[i] == '<')
            return 0;
        if (p[i] == '>')
            return i > 1 ? i + 1 : 0;
    }
    return 0;
}

struct tagpass {
    const struct rules *rs;
    const char *pre, *post, *inter;
    bool again;
};

/* One tag piece: pre, the tag's value (or the tag), post. */
static void
put_tag(struct tagpass *tp, struct slice tag, struct str *out)
{
    if (tp->pre)
        str_append_cstr(out, tp->pre);
    const char *v = tag_value(tp->rs, "tag", slice_make(tag.ptr + 1, tag.len - 2));
    if (v && *v) {
        str_append_cstr(out, v);
        if (!tp->again && strchr(v, '<') && strchr(v, '>'))
            tp->again = true;
    } else {
        str_append_slice(out, tag);
    }
    if (tp->post)
        str_append_cstr(out, tp->post);
}

/* One pass over s (pieces split at tags, as Perl's split keeps them). */
static void
one_pass(struct tagpass *tp, const struct str *s, struct str *out)
{
    const char *p = s->buf ? s->buf : "";
    size_t n = s->len, text_start = 0;
    for (size_t i = 0; i < n;) {
        size_t t = tag_len(p + i, n - i);
        if (t == 0) {
            i++;
            continue;
        }
        if (i == text_start && tp->inter) /* an empty piece before a tag */
            str_append_cstr(out, tp->inter);
        else
            str_append(out, p + text_start, i - text_start);
        put_tag(tp, slice_make(p + i, t), out);
        i += t;
        text_start = i;
    }
    str_append(out, p + text_start, n - text_start);
}

void
rules_expand_tags(const struct rules *rs, const char *re, struct str *out)
{
    struct str cur;
    str_init(&cur, TAGS_OUT_MAX);
    str_append_cstr(&cur, re);
    for (int pass = 0; pass < TAGS_PASSES; pass++) {
        struct tagpass tp = {.rs = rs};
        tp.pre = take_directive(rs, &cur, "pre");
        tp.post = take_directive(rs, &cur, "post");
        tp.inter = take_directive(rs, &cur, "inter");
        struct str next;
        str_init(&next, TAGS_OUT_MAX);
        one_pass(&tp, &cur, &next);
        str_deinit(&cur);
        cur = next;
        if (!tp.again)
            break;
    }
    str_append_slice(out, str_slice(&cur));
    str_deinit(&cur);
}
