/* Unit tests of mail/mime: the tree, its offsets, its limits, and the
 * split-feeding check (whole, byte by byte, random chunks: same tree). */
#include "t.h"

#include <stdint.h>

#include "lib/arena.h"
#include "mail/mime.h"
#include "mime_describe.h"

static const struct {
    const char *name;
    const char *msg;
    const char *want;
} cases[] = {
    {"plain", "Subject: hi\n\nhello\n", "text/plain{hello\n}"},
    {"crlf", "Subject: hi\r\n\r\nhello\r\n", "text/plain{hello\r\n}"},
    {"no body", "Subject: hi\nFrom: a@b.example\n", "text/plain{}"},
    {"headers then eof blank", "Subject: hi\n\n", "text/plain{}"},
    {"mbox from line", "From a@b Sat Jan  3 01:05:34 1996\nSubject: x\n\nbody\n",
     "text/plain{body\n}"},
    {"multipart",
     "Content-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n"
     "Content-Type: text/plain\n\none\n--b1\nContent-Type: text/html\n\n<p>two</p>\n"
     "--b1--\nepilogue\n",
     "multipart/mixed[text/plain{one},text/html{<p>two</p>}]"},
    {"part without headers",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nbare\n--b\nno headers here\n--b--\n",
     "multipart/mixed[text/plain{bare},text/plain{no headers here}]!badheader"},
    {"missing final boundary",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n",
     "multipart/mixed[text/plain{one},text/plain{two\n}]!noend"},
    {"no boundary line",
     "Content-Type: multipart/mixed; boundary=b\n\njust text\n", "multipart/mixed!noparts"},
    {"no boundary parameter", "Content-Type: multipart/mixed\n\ntext\n",
     "multipart/mixed{text\n}!noboundary"},
    {"nested with prefix boundaries",
     "Content-Type: multipart/mixed; boundary=abc\n\n--abc\n"
     "Content-Type: multipart/alternative; boundary=abc-def\n\n--abc-def\n\ninner1\n"
     "--abc-def\n\ninner2\n--abc-def--\n--abc\n\nouter2\n--abc--\n",
     "multipart/mixed[multipart/alternative[text/plain{inner1},text/plain{inner2}],"
     "text/plain{outer2}]"},
    {"inner closed by outer boundary",
     "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
     "Content-Type: multipart/alternative; boundary=i\n\n--i\n\nx\n--o\n\ny\n--o--\n",
     "multipart/mixed[multipart/alternative[text/plain{x}],text/plain{y}]!noend"},
    {"boundary with trailing blanks and not quite",
     "Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\none\n--bb\n--b--x\n--b--  \n",
     "multipart/mixed[text/plain{one\n--bb\n--b--x}]"},
    {"message/rfc822",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
     "Subject: inner\nContent-Type: text/plain\n\ninner body\n--b--\n",
     "multipart/mixed[message/rfc822[text/plain{inner body}]]"},
    {"digest default type",
     "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\nm1\n--d--\n",
     "multipart/digest[message/rfc822[text/plain{m1}]]"},
    {"base64 leaf with filename",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
     "Content-Type: application/octet-stream; name=\"a.bin\"\n"
     "Content-Transfer-Encoding: base64\n\naGVsbG8g\nd29ybGQ=\n--b--\n",
     "multipart/mixed[application/octet-stream{hello world}<a.bin>]"},
    {"quoted-printable",
     "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nau lait\n",
     "text/plain{caf\xc3\xa9 au lait\n}"},
    {"uuencode",
     "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n%:&5L;&\\`\n`\nend\n",
     "text/plain{hello}"},
    {"header line without colon starts body", "Subject: x\nnot a header\nmore\n",
     "text/plain{not a header\nmore\n}!badheader"},
    {"junk line inside headers is skipped",
     "Subject: x\nfoo bar\nContent-Type: text/html\n\nbody\n", "text/html{body\n}!badheader"},
    {"junk line before the blank line", "Subject: x\nfoo\n\nbody\n",
     "text/plain{body\n}!badheader"},
    {"parts without the blank line",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\nno headers here\n"
     "Content-Type: text/html\n\nhi\n--b\nplain text only\nmore\n--b\njust one\n--b\n"
     "Content-Type: text/html\n--b--\n",
     "multipart/mixed[text/html{hi},text/plain{plain text only\nmore},text/plain{just one},"
     "text/html{}]!badheader"},
    {"message ending on a junk line", "Subject: x\nlast words", "text/plain{last words}!badheader"},
    {"bad content type", "Content-Type: garbage\n\nx\n", "text/plain{x\n}!badctype"},
    {"unknown cte", "Content-Transfer-Encoding: x-foo\n\nx\n", "text/plain{x\n}!badcte"},
    {"8-bit header", "Subject: caf\xe9\n\nx\n", "text/plain{x\n}!8bit"},
    {"encoded multipart", "Content-Type: multipart/mixed; boundary=b\n"
     "Content-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n",
     "multipart/mixed[text/plain{x}]!encodedmultipart"},
};

static char *
parse_describe(const char *msg, size_t len, const struct mail_limits *lim, size_t chunk,
               uint32_t seed)
{
    struct arena *a = arena_new(0);
    struct mime_parser *p = mime_parser_new(a, lim);
    size_t off = 0;
    while (off < len) {
        size_t n = chunk;
        if (chunk == 0) { /* random chunks */
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 16) % 17;
        }
        if (n > len - off)
            n = len - off;
        mime_parser_push(p, msg + off, n);
        off += n;
    }
    struct mime_message *m = mime_parser_finish(p);
    char *d = describe_message(m, msg, len);
    mime_parser_free(&p);
    arena_free(&a);
    return d;
}

static void
test_table(void)
{
    struct mail_limits lim = mail_limits_default();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        size_t len = strlen(cases[i].msg);
        char *whole = parse_describe(cases[i].msg, len, &lim, len ? len : 1, 0);
        CHECK_STR(whole, cases[i].want);
        char *bytes = parse_describe(cases[i].msg, len, &lim, 1, 0);
        CHECK_STR(bytes, whole);
        for (uint32_t seed = 1; seed < 20; seed++) {
            char *rnd = parse_describe(cases[i].msg, len, &lim, 0, seed);
            CHECK_STR(rnd, whole);
            free(rnd);
        }
        free(whole);
        free(bytes);
    }
}

static void
test_limits(void)
{
    struct mail_limits lim = mail_limits_default();
    const char *nested = "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
                         "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                         "Content-Type: multipart/mixed; boundary=c\n\n--c\n\nx\n--c--\n"
                         "--b--\n--a--\n";
    lim.mime_depth_max = 2;
    char *d = parse_describe(nested, strlen(nested), &lim, strlen(nested), 0);
    CHECK_STR(d, "multipart/mixed[multipart/mixed[multipart/mixed{--c\n\nx\n--c--}]]!depth");
    free(d);

    lim = mail_limits_default();
    lim.parts_max = 3;
    const char *many = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n1\n--b\n\n2\n"
                       "--b\n\n3\n--b--\n";
    d = parse_describe(many, strlen(many), &lim, 5, 0);
    CHECK_STR(d, "multipart/mixed[text/plain{1},text/plain{2}]!parts");
    free(d);

    lim = mail_limits_default();
    lim.message_max = 20;
    const char *big = "Subject: x\n\n0123456789abcdef\n";
    d = parse_describe(big, strlen(big), &lim, 3, 0);
    CHECK_STR(d, "text/plain{01234567}!size");
    free(d);

    lim = mail_limits_default();
    lim.header_block_max = 30;
    const char *hdrs = "Subject: 0123456789\nX-A: 0123456789\nX-B: 0123456789\n\nbody\n";
    d = parse_describe(hdrs, strlen(hdrs), &lim, 7, 0);
    CHECK_STR(d, "text/plain{body\n}!headerlimit");
    free(d);

    lim = mail_limits_default();
    lim.line_max = 48;
    const char *longline = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx--b\n--b--\n";
    d = parse_describe(longline, strlen(longline), &lim, 1, 0);
    CHECK_STR(d, "multipart/mixed[text/plain{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "--b}]!longline");
    free(d);
    d = parse_describe(longline, strlen(longline), &lim, strlen(longline), 0);
    CHECK_STR(d, "multipart/mixed[text/plain{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "--b}]!longline");
    free(d);
}

static void
test_offsets(void)
{
    struct mail_limits lim = mail_limits_default();
    const char *msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n"
                      "X: y\r\n\r\nbody\r\n--b--\r\nepi\r\n";
    struct arena *a = arena_new(0);
    struct mime_message *m = mime_parse(a, &lim, msg, strlen(msg));
    struct mime_part *r = m->root, *c = r->first_child;
    CHECK_INT(m->nparts, 2);
    CHECK_MEM(msg + r->body_start, r->preamble_end - r->body_start, "pre");
    CHECK_MEM(msg + r->epilogue_start, r->body_end - r->epilogue_start, "epi\r\n");
    CHECK_MEM(msg + c->body_start, c->body_end - c->body_start, "body");
    CHECK_INT(c->headers.n, 1);
    CHECK(slice_case_eq_cstr(c->headers.fields[0].value, "y"));
    arena_free(&a);
}

int
main(void)
{
    T_RUN(test_table);
    T_RUN(test_limits);
    T_RUN(test_offsets);
    return t_done();
}
