/*
 * mime_describe: a one-line text form of a parsed MIME tree, for tests:
 * each part as "type{body}" with children in brackets, where body is the
 * decoded body (leaves) and flags are listed after '!'.
 */
#ifndef TAMIS_TESTS_MIME_DESCRIBE_H
#define TAMIS_TESTS_MIME_DESCRIBE_H

#include "lib/str.h"
#include "mail/mime.h"
#include "mail/mime_decode.h"

static void
describe_part(const struct mime_part *p, const char *msg, size_t len, struct str *out)
{
    str_append_cstr(out, p->type);
    if (p->kind == MIME_LEAF) {
        struct str body;
        str_init(&body, 0);
        mime_part_decode(p, msg, len, &body, NULL);
        str_appendf(out, "{%.*s}", (int)body.len, body.buf ? body.buf : "");
        str_deinit(&body);
    }
    if (p->filename)
        str_appendf(out, "<%s>", p->filename);
    if (p->first_child) {
        str_appendc(out, '[');
        for (const struct mime_part *c = p->first_child; c; c = c->next) {
            describe_part(c, msg, len, out);
            if (c->next)
                str_appendc(out, ',');
        }
        str_appendc(out, ']');
    }
}

static const struct {
    unsigned flag;
    const char *name;
} describe_flags[] = {
    {MIME_F_NO_END_BOUNDARY, "noend"}, {MIME_F_NO_BOUNDARY, "noboundary"},
    {MIME_F_NO_PARTS, "noparts"},      {MIME_F_DEPTH_LIMIT, "depth"},
    {MIME_F_PARTS_LIMIT, "parts"},     {MIME_F_HEADER_LIMIT, "headerlimit"},
    {MIME_F_LONG_LINE, "longline"},    {MIME_F_BAD_HEADER, "badheader"},
    {MIME_F_8BIT_HEADER, "8bit"},      {MIME_F_BAD_CTE, "badcte"},
    {MIME_F_SIZE_LIMIT, "size"},       {MIME_F_BAD_CTYPE, "badctype"},
    {MIME_F_BAD_PARAM, "badparam"},    {MIME_F_ENCODED_MULTIPART, "encodedmultipart"},
};

/* The tree, then "!flag,flag" for the message's flags. Caller frees. */
static char *
describe_message(const struct mime_message *m, const char *msg, size_t len)
{
    struct str out;
    str_init(&out, 0);
    describe_part(m->root, msg, len, &out);
    const char *sep = "!";
    for (size_t i = 0; i < sizeof(describe_flags) / sizeof(describe_flags[0]); i++)
        if (m->flags & describe_flags[i].flag) {
            str_appendf(&out, "%s%s", sep, describe_flags[i].name);
            sep = ",";
        }
    return str_steal(&out, NULL);
}

#endif
