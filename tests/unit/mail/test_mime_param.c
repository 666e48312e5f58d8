/*
 * test_mime_param: Content-Type / Content-Disposition values: tokens,
 * quoted strings, comments, sloppy syntax, RFC 2231 (charsets,
 * continuations), RFC 2047 in values, and the limits. Results match GMime
 * 3.2 where it reads the input, except where noted.
 */
#include "t.h"

#include "lib/arena.h"
#include "mail/mime_param.h"

struct pcase {
    const char *in;
    const char *value;
    const char *params; /* "name=value|name=value" in order */
    unsigned flags;
};

#define EACUTE "\xc3\xa9"

static const struct pcase cases[] = {
    {"", "", "", 0},
    {"text/plain", "text/plain", "", 0},
    {"text/plain; charset=us-ascii", "text/plain", "charset=us-ascii", 0},
    {"Text/HTML; Charset=\"UTF-8\"", "text/html", "charset=UTF-8", 0},
    {"text / plain ; a = b", "text/plain", "a=b", 0},
    {"multipart/mixed;\r\n\tboundary=\"----=_NextPart_000_0000_01C2A9A6.2B4B1E60\"",
     "multipart/mixed", "boundary=----=_NextPart_000_0000_01C2A9A6.2B4B1E60", 0},
    {"text/plain; format=flowed; delsp=yes", "text/plain", "format=flowed|delsp=yes", 0},
    /* quoted strings */
    {"text/plain; name=\"a\\\"b\"", "text/plain", "name=a\"b", 0},
    {"attachment; filename=\"C:\\\\temp\\\\x.doc\"", "attachment", "filename=C:\\temp\\x.doc", 0},
    {"attachment; filename=\"C:\\temp\\x.doc\"", "attachment", "filename=C:tempx.doc", 0},
    {"attachment; filename=\"a\r\n b.txt\"", "attachment", "filename=a b.txt", 0},
    {"attachment; filename=\"a;b.txt\"", "attachment", "filename=a;b.txt", 0},
    /* comments */
    {"text/plain; (comment) charset=utf-8", "text/plain", "charset=utf-8", 0},
    {"text/plain; charset=(c)utf-8", "text/plain", "charset=utf-8", 0},
    {"attachment; (c) filename (c) = (c) \"a\" (c); size=3", "attachment", "filename=a|size=3", 0},
    {"text/plain (a (nested) comment); charset=x", "text/plain", "charset=x", 0},
    /* unquoted values run to ';' (GMime), comments included */
    {"application/msword; name=my file.doc", "application/msword", "name=my file.doc", 0},
    {"text/plain; charset=utf-8 (comment)", "text/plain", "charset=utf-8 (comment)", 0},
    {"attachment; filename=C:\\temp\\x.doc", "attachment", "filename=C:\\temp\\x.doc", 0},
    /* sloppy syntax: tolerated, flagged */
    {"text/plain charset=utf-8", "text/plain", "charset=utf-8", MIME_PARAM_F_SYNTAX},
    {"attachment filename=a.txt", "attachment", "filename=a.txt", MIME_PARAM_F_SYNTAX},
    {"text/plain; a=1 b=2", "text/plain", "a=1|b=2", MIME_PARAM_F_SYNTAX},
    {"text/plain; ;; charset=utf-8;", "text/plain", "charset=utf-8", 0},
    {"text/plain; =x; b=2", "text/plain", "b=2", MIME_PARAM_F_SYNTAX},
    {"text/plain; a; b=2", "text/plain", "b=2", MIME_PARAM_F_SYNTAX},
    {"text/plain; a=; b=2", "text/plain", "a=|b=2", MIME_PARAM_F_SYNTAX},
    {"text/plain; a=\"x\"y; b=2", "text/plain", "a=x|b=2", MIME_PARAM_F_SYNTAX},
    {"text/plain; a=\"unterminated", "text/plain", "a=unterminated", MIME_PARAM_F_SYNTAX},
    {"text/plain junk; charset=x", "text/plain", "charset=x", MIME_PARAM_F_SYNTAX},
    {"\"text/plain\"", "text/plain", "", MIME_PARAM_F_SYNTAX},
    {"text/plain; (unterminated", "text/plain", "", MIME_PARAM_F_SYNTAX},
    /* RFC 2231 */
    {"attachment; filename*=UTF-8''%E2%82%AC%20rate.txt", "attachment",
     "filename=\xe2\x82\xac rate.txt", 0},
    {"attachment; filename*=iso-8859-1'en'r%E9sum%E9.txt", "attachment",
     "filename=r" EACUTE "sum" EACUTE ".txt", 0},
    {"attachment; filename*=utf-8'en-us'%E2%82%AC", "attachment", "filename=\xe2\x82\xac", 0},
    {"attachment; filename*=gb2312''%C4%E3", "attachment", "filename=\xe4\xbd\xa0", 0},
    {"attachment; filename*=utf-8''%4", "attachment", "filename=%4", 0},
    {"attachment; filename*=utf-8''%zz", "attachment", "filename=%zz", 0},
    /* an empty charset is allowed: UTF-8 if valid, else windows-1252 */
    {"attachment; filename*=''caf%E9", "attachment", "filename=caf" EACUTE, 0},
    {"attachment; filename*=bogus''caf%E9", "attachment", "filename=caf" EACUTE,
     MIME_PARAM_F_BAD_CHARSET},
    {"attachment; filename*=utf-8''caf%E9", "attachment", "filename=caf\xef\xbf\xbd",
     MIME_PARAM_F_BAD_CHARSET},
    {"attachment; filename*=caf%E9", "attachment", "filename=caf" EACUTE, MIME_PARAM_F_SYNTAX},
    /* continuations, in numeric order, encoded and plain mixed */
    {"text/plain; name*0=a; name*1=b; name*2=c", "text/plain", "name=abc", 0},
    {"text/plain; name*1=b; name*0=a", "text/plain", "name=ab", 0},
    {"text/plain; name*0*=utf-8''%C3; name*1*=%A9", "text/plain", "name=" EACUTE, 0},
    {"text/plain; name*0*=utf-8''%41; name*1=\"%42\"", "text/plain", "name=A%42", 0},
    {"text/plain; name*0=\"a b\"; name*1=\" c\"", "text/plain", "name=a b c", 0},
    {"attachment; filename*0*=UTF-8''%D0%9F%D1%80%D0%B8; filename*1*=%D0%B2%D0%B5%D1%82.pdf",
     "attachment", "filename=\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.pdf", 0},
    {"text/plain; name*10=k; name*2=c; name*0=a; name*1=b", "text/plain", "name=abck",
     MIME_PARAM_F_SYNTAX},
    /* gaps: tolerated, flagged */
    {"text/plain; name*0=a; name*2=c", "text/plain", "name=ac", MIME_PARAM_F_SYNTAX},
    {"text/plain; name*1=b", "text/plain", "name=b", MIME_PARAM_F_SYNTAX},
    {"text/plain; name*0=a; name*0=b", "text/plain", "name=a", MIME_PARAM_F_DUPLICATE},
    /* name and name*: RFC 2231 wins, whichever comes first (GMime: first) */
    {"text/plain; name=x; name*=utf-8''y", "text/plain", "name=y", 0},
    {"text/plain; name*=utf-8''y; name=x", "text/plain", "name=y", 0},
    {"attachment; filename*0*=utf-8''a; filename*1*=%20b; filename=\"x\"", "attachment",
     "filename=a b", 0},
    {"text/plain; charset=a; CHARSET=b", "text/plain", "charset=a", MIME_PARAM_F_DUPLICATE},
    /* RFC 2047 inside values, as clients write file names */
    {"text/plain; name=\"=?utf-8?q?caf=C3=A9?=.txt\"", "text/plain", "name=caf" EACUTE ".txt", 0},
    {"text/plain; name==?utf-8?q?caf=C3=A9?=.txt", "text/plain", "name=caf" EACUTE ".txt", 0},
    {"application/octet-stream; name=\"=?iso-8859-1?Q?r=E9sum=E9.doc?=\"",
     "application/octet-stream", "name=r" EACUTE "sum" EACUTE ".doc", 0},
    {"attachment;\r\n filename=\"=?UTF-8?B?0J/RgNC4?= =?UTF-8?B?0LLQtdGCLnBkZg==?=\"", "attachment",
     "filename=\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.pdf", 0},
    {"text/plain; name=\"=?x-bogus?q?a?=\"", "text/plain", "name=a", MIME_PARAM_F_BAD_CHARSET},
    /* raw 8-bit values: UTF-8 if valid, else windows-1252 (GMime drops them) */
    {"text/plain; name=\"caf\xe9\"", "text/plain", "name=caf" EACUTE, 0},
    {"text/plain; name=\"caf\xc3\xa9\"", "text/plain", "name=caf" EACUTE, 0},
    /* a NUL byte becomes U+FFFD */
    {"attachment; filename*=utf-8''evil.exe%00.txt", "attachment",
     "filename=evil.exe\xef\xbf\xbd.txt", MIME_PARAM_F_SYNTAX},
};

static void
format_params(const struct mime_value *v, struct str *s)
{
    for (size_t k = 0; k < v->nparams; k++) {
        if (k > 0)
            (void)str_appendc(s, '|');
        (void)str_appendf(s, "%s=%s", v->params[k].name, v->params[k].value);
    }
}

static void
test_table(void)
{
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mime_value v;
        struct str got;
        str_init(&got, 0);
        mime_value_parse(a, slice_from_cstr(cases[i].in), &v);
        format_params(&v, &got);
        CHECK_STR(v.value, cases[i].value);
        CHECK_STR(str_cstr(&got), cases[i].params);
        CHECK_INT(v.flags, cases[i].flags);
        if (v.flags != cases[i].flags || strcmp(str_cstr(&got), cases[i].params) != 0)
            fprintf(stderr, "  case %zu: %s\n", i, cases[i].in);
        str_deinit(&got);
        arena_reset(a);
    }
    arena_free(&a);
}

static void
test_lookup(void)
{
    struct arena *a = arena_new(0);
    struct mime_value v;
    mime_value_parse(a, SLICE_LIT("multipart/mixed; Boundary=\"xyz\"; charset=utf-8"), &v);
    CHECK_STR(mime_value_param(&v, "boundary"), "xyz");
    CHECK_STR(mime_value_param(&v, "BOUNDARY"), "xyz");
    CHECK_STR(mime_value_param(&v, "Charset"), "utf-8");
    CHECK(mime_value_param(&v, "name") == NULL);
    CHECK(mime_value_param(&v, "boundar") == NULL);
    CHECK(mime_value_param(&v, "boundaryx") == NULL);
    mime_value_parse(a, SLICE_NULL, &v);
    CHECK_STR(v.value, "");
    CHECK_INT(v.nparams, 0);
    CHECK(mime_value_param(&v, "x") == NULL);
    arena_free(&a);
}

/* The 65th parameter is dropped and flagged; 64 are fine. */
static void
test_too_many(void)
{
    struct arena *a = arena_new(0);
    struct mime_value v;
    struct str in;
    str_init(&in, 0);
    (void)str_append_cstr(&in, "text/plain");
    for (int k = 0; k < MIME_PARAM_MAX; k++)
        (void)str_appendf(&in, "; p%d=v%d", k, k);
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.nparams, MIME_PARAM_MAX);
    CHECK_INT(v.flags, 0);
    CHECK_STR(mime_value_param(&v, "p63"), "v63");

    (void)str_append_cstr(&in, "; p64=v64; p0=again");
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.nparams, MIME_PARAM_MAX);
    CHECK_INT(v.flags, MIME_PARAM_F_TOO_MANY | MIME_PARAM_F_DUPLICATE);
    CHECK(mime_value_param(&v, "p64") == NULL);
    CHECK_STR(mime_value_param(&v, "p0"), "v0");

    /* pieces are bounded too: many continuations of one name */
    str_clear(&in);
    (void)str_append_cstr(&in, "attachment");
    for (int k = 0; k < MIME_PARAM_SEGMENTS_MAX + 10; k++)
        (void)str_appendf(&in, "; f*%d=x", k);
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.nparams, 1);
    CHECK_INT(v.flags, MIME_PARAM_F_TOO_MANY);
    CHECK_INT(strlen(mime_value_param(&v, "f")), MIME_PARAM_SEGMENTS_MAX);
    str_deinit(&in);
    arena_free(&a);
}

/* A value over MIME_PARAM_VALUE_MAX is cut (at a character boundary). */
static void
test_too_long(void)
{
    struct arena *a = arena_new(0);
    struct mime_value v;
    struct str in;
    str_init(&in, 0);
    (void)str_append_cstr(&in, "attachment; filename=\"");
    for (int k = 0; k < MIME_PARAM_VALUE_MAX; k++)
        (void)str_append_cstr(&in, "x");
    (void)str_append_cstr(&in, "\"; size=1");
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.flags, 0);
    CHECK_INT(strlen(mime_value_param(&v, "filename")), MIME_PARAM_VALUE_MAX);

    str_clear(&in);
    (void)str_append_cstr(&in, "attachment; filename*=utf-8''a");
    for (int k = 0; k < MIME_PARAM_VALUE_MAX; k++)
        (void)str_append_cstr(&in, "%C3%A9");
    (void)str_append_cstr(&in, "; size=1");
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.flags, MIME_PARAM_F_TOO_LONG);
    const char *f = mime_value_param(&v, "filename");
    CHECK_INT(strlen(f), MIME_PARAM_VALUE_MAX - 1); /* "a" + 2047 whole "é" */
    CHECK_STR(mime_value_param(&v, "size"), "1");

    str_clear(&in);
    (void)str_append_cstr(&in, "attachment; filename=\"");
    for (int k = 0; k < MIME_PARAM_VALUE_MAX + 1; k++)
        (void)str_append_cstr(&in, "y");
    (void)str_append_cstr(&in, "\"");
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.flags, MIME_PARAM_F_TOO_LONG);
    CHECK_INT(strlen(mime_value_param(&v, "filename")), MIME_PARAM_VALUE_MAX);

    /* NUL bytes grow into U+FFFD, still within the maximum */
    str_clear(&in);
    (void)str_append_cstr(&in, "attachment; filename*=utf-8''");
    for (int k = 0; k < MIME_PARAM_VALUE_MAX; k++)
        (void)str_append_cstr(&in, "%00");
    mime_value_parse(a, str_slice(&in), &v);
    CHECK_INT(v.flags, MIME_PARAM_F_SYNTAX | MIME_PARAM_F_TOO_LONG);
    CHECK_INT(strlen(mime_value_param(&v, "filename")), MIME_PARAM_VALUE_MAX - 1);
    str_deinit(&in);
    arena_free(&a);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_lookup);
    T_RUN(test_too_many);
    T_RUN(test_too_long);
    return t_done();
}
