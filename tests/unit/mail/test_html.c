/* Unit tests of mail/html: rendering, entities, malformed HTML, URLs of
 * attributes, the output limit, linear time on hostile input. */
#include "t.h"

#include <time.h>

#include "mail/html.h"
#include "mail/url.h"

struct urls {
    struct str s;
    size_t calls;
};

static void
collect(void *ctx, struct slice url)
{
    struct urls *u = ctx;
    if (u->calls++)
        (void)str_appendc(&u->s, '|');
    (void)str_append_slice(&u->s, url);
}

/* Render html; check the text and the URLs (joined by '|'). */
static void
check_render(const char *html, const char *want_text, const char *want_urls)
{
    struct str out;
    struct urls u = {.calls = 0};
    str_init(&out, 0);
    str_init(&u.s, 0);
    t_current = html;
    CHECK_INT(html_to_text(slice_from_cstr(html), &out, collect, &u), 0);
    CHECK_MEM(out.buf ? out.buf : "", out.len, want_text);
    if (want_urls != NULL)
        CHECK_STR(str_cstr(&u.s), want_urls);
    str_deinit(&out);
    str_deinit(&u.s);
}

static void
test_structure(void)
{
    static const struct {
        const char *html, *text;
    } cases[] = {
        {"<p>Hello <b>world</b></p>", "Hello world"},
        {"a<br>b", "a\nb"},
        {"a<br><br>b", "a\n\nb"},
        {"a<br><br><br><br>b", "a\n\nb"},
        {"a<br/>b</br>c", "a\nb\nc"},
        {"<div>one</div><div>two</div>", "one\ntwo"},
        {"<p>one</p><p>two</p>", "one\n\ntwo"},
        {"<P>Upper</P><BR>x", "Upper\n\nx"},
        {"  lots   of\n\t space  ", "lots of space"},
        {"<span>a</span> <span>b</span>c", "a bc"},
        {"<pre>  a\n  b</pre>after", "  a\n  b\n\nafter"},
        {"<pre>\nx\r\ny</pre>", "x\ny"},
        {"<ul><li>one<li>two</ul>", "one\ntwo"},
        {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
        {"<h1>Title</h1>text", "Title\n\ntext"},
        {"x<hr>y", "x\n\ny"},
        {"<blockquote>q</blockquote>r", "q\n\nr"},
        {"<p></p><p>  x  </p><br><div></div>", "x"},
        {"<img src=\"logo.png\" alt=\"Logo &amp; Co\"> text", "Logo & Co text"},
        {"<img alt=Photo>", "Photo"},
        {"<textarea>\na &amp; b</textarea>", "a & b"},
        {"<xmp><b>x</b> &amp;</xmp>", "<b>x</b> &amp;"},
        {"<plaintext><b>x</b>", "<b>x</b>"},
        {"&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"},
        {"a\xc2\xa0\xc2\xa0" "b", "a b"},
        {"zero\xe2\x80\x8bwidth\xc2\xad" "s", "zerowidths"},
        {"ctl\x01\x02" "chars\x7f", "ctlchars"},
        {"<unknown-tag attr=1>kept</unknown-tag>", "kept"},
        {"<a\nhref='x'\n>multi-line tag</a>", "multi-line tag"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_render(cases[i].html, cases[i].text, NULL);
}

static void
test_dropped(void)
{
    static const struct {
        const char *html, *text;
    } cases[] = {
        {"<html><head><title>T</title><style>p{color:red}</style></head><body>Hi"
         "<script>var x='<b>';</script> there</body></html>",
         "Hi there"},
        {"<SCRIPT type=x>if (a </script) b</SCRIPT >ok", "ok"},
        {"<script>document.write('</scripty>')</script>ok", "ok"},
        {"a<!-- hidden -->b", "ab"},
        {"a<!---->b", "ab"},
        {"a<!-->b", "ab"},
        {"a<!--->b", "ab"},
        {"a<!-- x --!>b", "ab"},
        {"a<!-- <p>not a tag</p> -->b", "ab"},
        {"a<![CDATA[ hidden ]]>b", "ab"},
        {"<!DOCTYPE html>x", "x"},
        {"<?xml version='1.0'?>x", "x"},
        {"<iframe src='http://i.example/'>fallback</iframe>y", "y"},
        {"<noscript>shown</noscript>", "shown"},
        {"a</>b", "ab"},
        {"a</ b>c", "ac"},
        {"<!--[if mso]><p>outlook</p><![endif]-->all", "all"},
        {"<!--[if !mso]><!-->shown<!--<![endif]-->", "shown"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_render(cases[i].html, cases[i].text, NULL);
}

static void
test_malformed(void)
{
    static const struct {
        const char *html, *text;
    } cases[] = {
        {"a < b and c > d", "a < b and c > d"},
        {"if a<b then c", "if a<b then c"},
        {"x <b", "x <b"},
        {"<", "<"},
        {"a</", "a</"},
        {"tail <a href='http://x.example/' text", "tail <a href='http://x.example/' text"},
        {"<b>bold", "bold"},
        {"<p class=foo>unquoted</p>", "unquoted"},
        {"<a href=\"x>y\">link</a> after", "link after"},
        {"<a href='q\"uote'>single</a>", "single"},
        {"<a href=\"http://a.example/>click</a> more", "click more"},
        {"<p title=\"1>2\">one <i title=\"unclosed>two</i> three \"", "one two three \""},
        {"a<!-- unclosed", "a<!-- unclosed"},
        {"a<![CDATA[ unclosed", "a<![CDATA[ unclosed"},
        {"a<!doctype", "a<!doctype"},
        {"<script>alert(1)", ""},
        {"<style>p{}", ""},
        {"<title>never closed</title", ""},
        {"text<p", "text<p"},
        {"5 <3 and 4<=x>", "5 <3 and 4<=x>"},
        {"<<b>>", "<>"},
        {"<a =x>eq</a>", "eq"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_render(cases[i].html, cases[i].text, NULL);
    /* A NUL byte inside the input does not end it. */
    struct str out;
    str_init(&out, 0);
    CHECK_INT(html_to_text(slice_make("a\0b<p>c", 7), &out, NULL, NULL), 0);
    CHECK_MEM(out.buf, out.len, "ab\n\nc");
    str_deinit(&out);
}

static void
test_entities(void)
{
    static const struct {
        const char *html, *text;
    } cases[] = {
        {"&amp;&lt;&gt;&quot;&apos;&nbsp;x", "&<>\"' x"},
        {"&amp without semicolon &lt3", "& without semicolon <3"},
        {"&AMP; &LT; &GT; &QUOT; &COPY; &REG;", "& < > \" \xc2\xa9 \xc2\xae"},
        {"&copy2020 &eacute;t&eacute; &Eacute;&agrave;&ccedil;", "\xc2\xa9" "2020 "
         "\xc3\xa9t\xc3\xa9 \xc3\x89\xc3\xa0\xc3\xa7"},
        {"&notit;", "\xc2\xacit;"},
        {"&hellip &hellip;", "&hellip \xe2\x80\xa6"},
        {"&mdash;&ndash;&lsquo;&rsquo;&ldquo;&rdquo;",
         "\xe2\x80\x94\xe2\x80\x93\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d"},
        {"&laquo;&raquo;&bull;&middot;&euro;&pound;&yen;&cent;",
         "\xc2\xab\xc2\xbb\xe2\x80\xa2\xc2\xb7\xe2\x82\xac\xc2\xa3\xc2\xa5\xc2\xa2"},
        {"&sect;&deg;&plusmn;&times;&divide;&para;&trade;&reg;&copy;",
         "\xc2\xa7\xc2\xb0\xc2\xb1\xc3\x97\xc3\xb7\xc2\xb6\xe2\x84\xa2\xc2\xae\xc2\xa9"},
        {"co&shy;op V&#173;iagra", "coop Viagra"},
        {"zero&#8203;width&zwj;s", "zerowidths"},
        {"&#65;&#x42;&#X43;&#68 &#x45", "ABCD E"},
        {"&#0;", "\xef\xbf\xbd"},
        {"&#x110000;", "\xef\xbf\xbd"},
        {"&#1114111;", "\xf4\x8f\xbf\xbf"},
        {"&#99999999999999999999999;", "\xef\xbf\xbd"},
        {"&#xFFFFFFFFFFFFFFFFFFFF;", "\xef\xbf\xbd"},
        {"&#xD800;", "\xef\xbf\xbd"},
        {"&#150;&#128;&#x9f;", "\xe2\x80\x93\xe2\x82\xac\xc5\xb8"},
        {"&#; &#x; &#xg; &unknown; & alone &", "&#; &#x; &#xg; &unknown; & alone &"},
        {"&#1;a&#127;", "a"},
        {"a&#10;&#9;&#32;b", "a b"},
        {"a&#160;&nbsp;b", "a b"},
        {"&Tab;x&NewLine;y", "x y"},
        {"&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;"},
        {"&ampamp;", "&amp;"},
        {"<pre>&#32;&#32;x</pre>", "  x"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_render(cases[i].html, cases[i].text, NULL);
}

static void
test_urls(void)
{
    check_render("<a href=\"http://a.example/\">a</a><img src='http://b.example/i.png'>"
                 "<form action=http://c.example/post>"
                 "<div style=\"background: url('http://d.example/bg.png')\">x</div>"
                 "<table background=\"http://e.example/t.png\">"
                 "<blockquote cite=\"http://f.example/\">"
                 "<object data=\"http://g.example/o\">"
                 "<button formaction=\"http://h.example/\">",
                 "a\nx", "http://a.example/|http://b.example/i.png|http://c.example/post|"
                 "http://d.example/bg.png|http://e.example/t.png|http://f.example/|"
                 "http://g.example/o|http://h.example/");
    check_render("<a href=\"http://x.example/?a=1&amp;b=2&copy=3&lt;\">x</a>", "x",
                 "http://x.example/?a=1&b=2&copy=3<");
    check_render("<a href=\"ht&#x09;tp://evil.example/\n\">x</a>", "x",
                 "http://evil.example/");
    check_render("<a href=\"ht\ntp://ev\til.example/\">x</a>", "x",
                 "http://evil.example/");
    check_render("<a href = \" http://spaces.example/ \">s</a>", "s",
                 "http://spaces.example/");
    check_render("<a HREF=http://u.example/x>u</a>", "u", "http://u.example/x");
    check_render("<a href=\"\">e</a><a href>f</a><a href='  '>g</a>", "efg", "");
    check_render("<img src=\"data:image/png;base64,AAAA\" alt=\"\">", "",
                 "data:image/png;base64,AAAA");
    check_render("<style>body{background:url(http://s.example/a.png)} "
                 ".x{background:URL( \"http://s.example/b.png\" )}</style>ok",
                 "ok", "http://s.example/a.png|http://s.example/b.png");
    check_render("<p style='color:red;background-image:url(&quot;http://q.example/&quot;)'>p",
                 "p", "http://q.example/");
    check_render("<meta http-equiv=\"Refresh\" content=\"0; URL='http://m.example/'\">m",
                 "m", "http://m.example/");
    check_render("<meta content=\"5;url=http://m2.example/\" http-equiv=refresh>", "",
                 "http://m2.example/");
    check_render("<meta name=\"x\" content=\"0; url=http://not.example/\">", "", "");
    check_render("<a href='http://1.example/' href='http://2.example/'>", "",
                 "http://1.example/|http://2.example/");
    check_render("</a href='http://end-tag.example/'>x", "x", "");
    check_render("<a title='http://t.example/'>t</a>", "t", "");
    check_render("<!-- <a href='http://c.example/'> -->", "", "");
    check_render("<script><a href='http://s.example/'></script>", "", "");
    check_render("<img src=http://i.example/x.gif alt=\"Buy\">now", "Buynow",
                 "http://i.example/x.gif");
    check_render("<a href='/relative'>r</a><a href='#top'>t</a>", "rt", "/relative|#top");
    /* A NULL callback is fine. */
    struct str out;
    str_init(&out, 0);
    CHECK_INT(html_to_text(SLICE_LIT("<a href='http://x.example/'>x</a>"), &out, NULL, NULL),
              0);
    CHECK_STR(str_cstr(&out), "x");
    str_deinit(&out);
}

/* URLs in the rendered text are found by url_find_in_text; URLs of the
 * attributes come from the callback. */
static void
test_text_urls(void)
{
    struct str out;
    struct urls u = {.calls = 0}, t = {.calls = 0};
    str_init(&out, 0);
    str_init(&u.s, 0);
    str_init(&t.s, 0);
    CHECK_INT(html_to_text(SLICE_LIT("<p>Visit <a href='http://attr.example/'>"
                                     "http://text.example/page</a>.</p>"
                                     "<p>Or www.other.example&#44; (http://paren.example/x)"
                                     "&nbsp;now</p>"),
                           &out, collect, &u),
              0);
    CHECK_STR(str_cstr(&out), "Visit http://text.example/page.\n\nOr www.other.example, "
                              "(http://paren.example/x) now");
    CHECK_STR(str_cstr(&u.s), "http://attr.example/");
    CHECK_INT(url_find_in_text(str_slice(&out), 10, collect, &t), 3);
    CHECK_STR(str_cstr(&t.s),
              "http://text.example/page|www.other.example|http://paren.example/x");
    str_deinit(&out);
    str_deinit(&u.s);
    str_deinit(&t.s);
}

static void
test_limit(void)
{
    struct str out;
    struct urls u = {.calls = 0};
    str_init(&u.s, 0);
    str_init(&out, 10);
    CHECK_INT(html_to_text(SLICE_LIT("<p>Hello world, this is long</p>"), &out, NULL, NULL),
              -1);
    CHECK_STR(str_cstr(&out), "Hello worl");
    str_deinit(&out);

    str_init(&out, 5);
    CHECK_INT(html_to_text(SLICE_LIT("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), &out, NULL,
                           NULL),
              -1);
    CHECK_STR(str_cstr(&out), "\xc3\xa9\xc3\xa9");
    str_deinit(&out);

    str_init(&out, 5);
    CHECK_INT(html_to_text(SLICE_LIT("&eacute;&eacute;&eacute;"), &out, NULL, NULL), -1);
    CHECK_STR(str_cstr(&out), "\xc3\xa9\xc3\xa9");
    str_deinit(&out);

    str_init(&out, 3);
    CHECK_INT(html_to_text(SLICE_LIT("<b>abc</b>"), &out, NULL, NULL), 0);
    CHECK_STR(str_cstr(&out), "abc");
    str_clear(&out);
    CHECK_INT(html_to_text(SLICE_LIT("ab<p>c"), &out, NULL, NULL), -1);
    CHECK_STR(str_cstr(&out), "ab");
    str_deinit(&out);

    /* Rendering (and URL reporting) stops at the limit. */
    str_init(&out, 5);
    CHECK_INT(html_to_text(SLICE_LIT("<a href='http://early.example/'>0123456789 more</a>"
                                     "<a href='http://late.example/'>"),
                           &out, collect, &u),
              -1);
    CHECK_STR(str_cstr(&u.s), "http://early.example/");
    CHECK_STR(str_cstr(&out), "01234");
    str_deinit(&out);

    /* Appends to what out holds, without a separator. */
    str_init(&out, 0);
    (void)str_append_cstr(&out, "X");
    CHECK_INT(html_to_text(SLICE_LIT("<p> y </p>"), &out, NULL, NULL), 0);
    CHECK_STR(str_cstr(&out), "Xy");
    str_deinit(&out);
    str_deinit(&u.s);

    /* Long attribute values are cut at HTML_ATTR_MAX once decoded. */
    size_t n = HTML_ATTR_MAX * 2;
    char *big = malloc(n + 32);
    memcpy(big, "<a href='&amp;", 14);
    memset(big + 14, 'x', n);
    memcpy(big + 14 + n, "'>z", 3);
    struct urls v = {.calls = 0};
    str_init(&v.s, 0);
    str_init(&out, 0);
    CHECK_INT(html_to_text(slice_make(big, n + 17), &out, collect, &v), 0);
    CHECK_INT(v.calls, 1);
    CHECK_INT(v.s.len, HTML_ATTR_MAX);
    CHECK_STR(str_cstr(&out), "z");
    str_deinit(&out);
    str_deinit(&v.s);
    free(big);
}

/* Hostile inputs of 1 MiB must render in linear time. */
static void
test_linear(void)
{
    static const char *const units[] = {
        "<a y='a>b' ", "<a y='", "<!--", "<![CDATA[", "<", "<a", "&#", "&amp", "</",
        "<a href='x'>", "<script>", "<p title=\">", "<a b=\"c\" d='e' ", "&", "<!-",
        "<style>url(", "<div style='url(", "<!x", "<?", "</x", "<a =", "<textarea>&",
    };
    size_t n = 1 << 20;
    char *buf = malloc(n + 1);
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        size_t ul = strlen(units[k]);
        for (size_t i = 0; i < n; i++)
            buf[i] = units[k][i % ul];
        for (int tail = 0; tail < 2; tail++) {
            buf[n - 1] = tail ? '>' : 'x';
            struct str out;
            str_init(&out, 0);
            clock_t t0 = clock();
            (void)html_to_text(slice_make(buf, n), &out, NULL, NULL);
            double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
            t_current = units[k];
            CHECK(secs < 2.0);
            str_deinit(&out);
        }
    }
    free(buf);
}

int
main(void)
{
    T_RUN(test_structure);
    T_RUN(test_dropped);
    T_RUN(test_malformed);
    T_RUN(test_entities);
    T_RUN(test_urls);
    T_RUN(test_text_urls);
    T_RUN(test_limit);
    T_RUN(test_linear);
    return t_done();
}
