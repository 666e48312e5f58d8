/* Unit tests of mail/url: finding URLs in text, parsing one URL. */
#include "t.h"

#include "mail/url.h"

/* Collects the URLs found, separated by '|'. */
struct found {
    struct str s;
    size_t calls;
};

static void
collect(void *ctx, struct slice url)
{
    struct found *f = ctx;
    if (f->calls++)
        (void)str_appendc(&f->s, '|');
    (void)str_append_slice(&f->s, url);
}

static void
test_find(void)
{
    static const struct {
        const char *text;
        const char *want; /* URLs joined by '|' */
    } cases[] = {
        {"see http://example.com/a?b=c#d now", "http://example.com/a?b=c#d"},
        {"end of sentence http://example.com.", "http://example.com"},
        {"list: http://a.example, http://b.example; done", "http://a.example|http://b.example"},
        {"(see http://example.com/x)", "http://example.com/x"},
        {"wiki http://en.wikipedia.org/wiki/C_(language) ok",
         "http://en.wikipedia.org/wiki/C_(language)"},
        {"wiki (http://en.wikipedia.org/wiki/C_(language)).",
         "http://en.wikipedia.org/wiki/C_(language)"},
        {"quoted \"http://example.com/q\" and 'https://example.org/'",
         "http://example.com/q|https://example.org/"},
        {"<http://example.com/angle>", "http://example.com/angle"},
        {"visit www.example.com/path!", "www.example.com/path"},
        {"WWW.EXAMPLE.COM and ftp.example.org", "WWW.EXAMPLE.COM|ftp.example.org"},
        {"mail mailto:joe@example.com?subject=hi, thanks", "mailto:joe@example.com?subject=hi"},
        {"HTTPS://EXAMPLE.COM/UP", "HTTPS://EXAMPLE.COM/UP"},
        {"obfuscated http:\\\\evil.example\\x and http:/one.example", "http:\\\\evil.example\\x|http:/one.example"},
        {"three http:///three.example/", "http:///three.example/"},
        {"custom foo+bar://host.example/x", "foo+bar://host.example/x"},
        {"user trick http://www.bank.example@evil.example/",
         "http://www.bank.example@evil.example/"},
        {"redirect http://r.example/?u=http://target.example/ once",
         "http://r.example/?u=http://target.example/"},
        {"utf-8 http://b\xc3\xbc" "cher.example/\xc3\xa9t\xc3\xa9 done",
         "http://b\xc3\xbc" "cher.example/\xc3\xa9t\xc3\xa9"},
        {"nbsp http://example.com/a\xc2\xa0" "after", "http://example.com/a"},
        {"curly \xe2\x80\x9chttp://example.com/c\xe2\x80\x9d", "http://example.com/c"},
        {"french \xc2\xabhttp://example.fr/g\xc2\xbb", "http://example.fr/g"},
        {"x=http://after-equals.example/", "http://after-equals.example/"},
        {"[http://bracket.example/]", "http://bracket.example/"},
        {"ipv6 http://[2001:db8::1]:8080/x.", "http://[2001:db8::1]:8080/x"},
        {"tab\thttp://t.example\tafter", "http://t.example"},
        {"line\r\nhttp://l.example\r\n", "http://l.example"},
        {"http://start.example", "http://start.example"},
        /* not URLs */
        {"plain text with no links.", ""},
        {"http:// nothing", ""},
        {"http: no slashes and mailto: nothing", ""},
        {"xhttp://glued.example", "xhttp://glued.example"},
        {"ahttp://x", "ahttp://x"},
        {"joe@www.example.com is an address", ""},
        {"example.com/www.path is not", ""},
        {"file.www.example is not", ""},
        {"www. alone", ""},
        {"c://x is too short a scheme", ""},
        {"http://.", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct found f = {.calls = 0};
        str_init(&f.s, 0);
        size_t n = url_find_in_text(slice_from_cstr(cases[i].text), 100, collect, &f);
        CHECK_STR(str_cstr(&f.s), cases[i].want);
        CHECK_INT(n, f.calls);
        str_deinit(&f.s);
    }
}

static void
test_find_limit(void)
{
    struct found f = {.calls = 0};
    const char *text = "http://a.example http://b.example www.c.example http://d.example";
    str_init(&f.s, 0);
    CHECK_INT(url_find_in_text(slice_from_cstr(text), 2, collect, &f), 4);
    CHECK_INT(f.calls, 2);
    CHECK_STR(str_cstr(&f.s), "http://a.example|http://b.example");
    CHECK_INT(url_find_in_text(slice_from_cstr(text), 0, collect, &f), 4);
    CHECK_INT(f.calls, 2);
    CHECK_INT(url_find_in_text(slice_from_cstr(text), 10, NULL, NULL), 4);
    CHECK_INT(url_find_in_text(SLICE_NULL, 10, collect, &f), 0);
    str_deinit(&f.s);
}

/* Linear time on hostile text: many starts that fail, long URLs. */
static void
test_find_big(void)
{
    size_t n = 1 << 20;
    char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = "http:/("[i % 7];
    CHECK(url_find_in_text(slice_make(buf, n), 10, NULL, NULL) > 0);
    memset(buf, 'w', n);
    memcpy(buf, "http://", 7);
    CHECK_INT(url_find_in_text(slice_make(buf, n), 10, NULL, NULL), 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = ")]}"[i % 3];
    memcpy(buf, "http://x", 8);
    CHECK_INT(url_find_in_text(slice_make(buf, n), 10, NULL, NULL), 1);
    free(buf);
}

static const char *
nz(const char *s)
{
    return s ? s : "(null)";
}

static void
test_parse(void)
{
    static const struct {
        const char *in;
        const char *scheme, *host, *port, *path, *userinfo, *query, *fragment;
    } cases[] = {
        {"http://Example.COM/a/b?c=d#e", "http", "example.com", NULL, "/a/b", NULL, "c=d", "e"},
        {"HTTPS://example.com:8443", "https", "example.com", "8443", NULL, NULL, NULL, NULL},
        {"http://example.com.:80/", "http", "example.com", "80", "/", NULL, NULL, NULL},
        {"http://ex%61mple.com/", "http", "example.com", NULL, "/", NULL, NULL, NULL},
        {"http://www.bank.example@evil.example/login", "http", "evil.example", NULL,
         "/login", "www.bank.example", NULL, NULL},
        {"http://u:p@h.example:1/", "http", "h.example", "1", "/", "u:p", NULL, NULL},
        {"http:\\\\evil.example\\x\\y", "http", "evil.example", NULL, "/x/y", NULL, NULL, NULL},
        {"http:/one.example/p", "http", "one.example", NULL, "/p", NULL, NULL, NULL},
        {"http:///three.example", "http", "three.example", NULL, NULL, NULL, NULL, NULL},
        {"  http://ex\tam\nple.com/  ", "http", "example.com", NULL, "/", NULL, NULL, NULL},
        {"http://[2001:DB8::1]:8080/x", "http", "[2001:db8::1]", "8080", "/x", NULL, NULL,
         NULL},
        {"http://192.0.2.1/", "http", "192.0.2.1", NULL, "/", NULL, NULL, NULL},
        {"http://3221225985/", "http", "3221225985", NULL, "/", NULL, NULL, NULL},
        {"http://b\xc3\xbc" "cher.example/", "http", "b\xc3\xbc" "cher.example", NULL, "/", NULL,
         NULL, NULL},
        {"www.example.com/x?y", NULL, "www.example.com", NULL, "/x", NULL, "y", NULL},
        {"WWW.Example.com:8080", NULL, "www.example.com", "8080", NULL, NULL, NULL, NULL},
        {"example.org/path", NULL, "example.org", NULL, "/path", NULL, NULL, NULL},
        {"//cdn.example/x.js", NULL, "cdn.example", NULL, "/x.js", NULL, NULL, NULL},
        {"mailto:Joe@Example.COM?subject=x", "mailto", "example.com", NULL, "Joe@Example.COM",
         NULL, "subject=x", NULL},
        {"mailto:a@x.example,b@y.example", "mailto", "x.example", NULL,
         "a@x.example,b@y.example", NULL, NULL, NULL},
        {"mailto:", "mailto", NULL, NULL, NULL, NULL, NULL, NULL},
        {"ftp://files.example/pub/", "ftp", "files.example", NULL, "/pub/", NULL, NULL, NULL},
        {"file:///etc/passwd", "file", NULL, NULL, "/etc/passwd", NULL, NULL, NULL},
        {"javascript:alert(1)", "javascript", NULL, NULL, "alert(1)", NULL, NULL, NULL},
        {"data:text/html;base64,PGI+", "data", NULL, NULL, "text/html;base64,PGI+", NULL,
         NULL, NULL},
        {"foo://host.example/p", "foo", "host.example", NULL, "/p", NULL, NULL, NULL},
        {"cid:part1@example", "cid", NULL, NULL, "part1@example", NULL, NULL, NULL},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct url u;
        const char *err = NULL;
        t_current = cases[i].in;
        CHECK_INT(url_parse(a, slice_from_cstr(cases[i].in), &u, &err), 0);
        CHECK_STR(nz(u.scheme), nz(cases[i].scheme));
        CHECK_STR(nz(u.host), nz(cases[i].host));
        CHECK_STR(nz(u.port), nz(cases[i].port));
        CHECK_STR(nz(u.path), nz(cases[i].path));
        CHECK_STR(nz(u.userinfo), nz(cases[i].userinfo));
        CHECK_STR(nz(u.query), nz(cases[i].query));
        CHECK_STR(nz(u.fragment), nz(cases[i].fragment));
    }
    arena_free(&a);
}

static void
test_parse_errors(void)
{
    static const struct {
        const char *in;
        const char *err;
    } cases[] = {
        {"", "empty URL"},
        {"   ", "empty URL"},
        {"http://", "missing host"},
        {"http:///", "missing host"},
        {"http://./", "missing host"},
        {"http://user@/", "missing host"},
        {"http://exa mple.com/", "bad character in host"},
        {"http://exa%20mple.com/", "bad character in host"},
        {"http://exa%2fmple.com/", "bad character in host"},
        {"http://ex%zzample.com/", "bad percent-encoding in host"},
        {"http://ex%4", "bad percent-encoding in host"},
        {"http://example.com:80a/", "bad port"},
        {"http://example.com:65536/", "port out of range"},
        {"http://example.com:99999999999999999999/", "port out of range"},
        {"http://[zz::1]/", "bad IPv6 literal"},
        {"http://[::1/", "bad IPv6 literal"},
        {"http://[::1]x/", "bad character in host"},
        {"localhost/path", "no scheme"},
        {"/relative/path", "no scheme"},
        {"#top", "no scheme"},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct url u;
        const char *err = NULL;
        t_current = cases[i].in;
        CHECK_INT(url_parse(a, slice_from_cstr(cases[i].in), &u, &err), -1);
        CHECK_STR(err, cases[i].err);
        CHECK(u.host == NULL && u.scheme == NULL);
    }
    /* Limits: URL_MAX_LEN and URL_HOST_MAX. */
    size_t n = URL_MAX_LEN + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    memcpy(big, "http://x.example/", 17);
    struct url u;
    const char *err = NULL;
    CHECK_INT(url_parse(a, slice_make(big, n), &u, &err), -1);
    CHECK_STR(err, "URL too long");
    CHECK_INT(url_parse(a, slice_make(big, n - 1), &u, &err), 0);
    memset(big + 7, 'b', 300);
    memcpy(big + 307, ".example/", 9);
    CHECK_INT(url_parse(a, slice_make(big, 400), &u, &err), -1);
    CHECK_STR(err, "host too long");
    free(big);
    arena_free(&a);
}

/* What url_find_in_text finds, url_parse takes. */
struct both {
    struct arena *a;
    int failures;
};

static void
parse_found(void *ctx, struct slice url)
{
    struct both *b = ctx;
    struct url u;
    const char *err;
    if (url_parse(b->a, url, &u, &err) < 0 || u.host == NULL)
        b->failures++;
}

static void
test_find_then_parse(void)
{
    const char *text = "Go to http://a.example/x, www.b.example or HTTP:\\\\c.example\\y; "
                       "mailto:d@e.example, hxxp://any-scheme.example "
                       "(https://f.example:8080/).";
    struct both b = {arena_new(0), 0};
    CHECK_INT(url_find_in_text(slice_from_cstr(text), 10, parse_found, &b), 6);
    CHECK_INT(b.failures, 0);
    arena_free(&b.a);
}

int
main(void)
{
    T_RUN(test_find);
    T_RUN(test_find_limit);
    T_RUN(test_find_big);
    T_RUN(test_parse);
    T_RUN(test_parse_errors);
    T_RUN(test_find_then_parse);
    return t_done();
}
