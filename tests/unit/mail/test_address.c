/* Unit tests of mail/address: strict address lists, bare addresses, the
 * lenient extractor, the limits. */
#include "t.h"

#include "mail/address.h"

/* Render a list as "display|local|domain|group" items joined by " ; ". */
static void
list_render(const struct address_list *l, struct str *out)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct address *a = &l->items[i];
        (void)str_appendf(out, "%s%s|%s|%s|%s", i ? " ; " : "", a->display, a->local,
                          a->domain, a->group ? a->group : "-");
    }
}

static void
test_list_accepted(void)
{
    static const struct {
        const char *in;
        const char *want;
        size_t ngroups;
    } cases[] = {
        {"\"John Q. Public\" <jqp@example.com>", "John Q. Public|jqp|example.com|-", 0},
        {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         "Pete|pete|silly.test|-", 0},
        {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         "Ed Jones|c|a.test|A Group ; |joe|where.test|A Group ; John|jdoe|one.test|A Group",
         1},
        {"Undisclosed recipients:;", "", 1},
        {"\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         "Giant; \"Big\" Box|sysservices|example.net|-", 0},
        {"=?UTF-8?Q?Andr=C3=A9?= <andre@example.org>", "Andr\xc3\xa9|andre|example.org|-", 0},
        {"\"very.unusual.@.unusual.com\"@example.com",
         "|very.unusual.@.unusual.com|example.com|-", 0},
        {"user@[192.0.2.1]", "|user|[192.0.2.1]|-", 0},
        {"John Q. Public <jqp@example.com>", "John Q. Public|jqp|example.com|-", 0},
        {"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         "Mary Smith|mary|x.test|- ; |jdoe|example.org|- ; Who?|one|y.test|-", 0},
        {"<boss@nil.test>", "|boss|nil.test|-", 0},
        {"Mary Smith\r\n <mary@x.test>", "Mary Smith|mary|x.test|-", 0},
        {"Mary\r\n\tSmith <mary@x.test>", "Mary Smith|mary|x.test|-", 0},
        {"a@b.example,,c@d.example", "|a|b.example|- ; |c|d.example|-", 0},
        {" , a@b.example , ", "|a|b.example|-", 0},
        {"<@route1.test,@route2.test:jdoe@example.org>", "|jdoe|example.org|-", 0},
        {"Route <@r.test:x@y.test>", "Route|x|y.test|-", 0},
        {"user@[IPv6:2001:DB8::1]", "|user|[ipv6:2001:db8::1]|-", 0},
        {"\"Joe \\\"Q\\\" (nick)\" <joe@Example.COM>", "Joe \"Q\" (nick)|joe|example.com|-", 0},
        {"=?UTF-8?B?SsO8cmdlbg==?= =?UTF-8?Q?_M=C3=BCller?= <jm@example.de>",
         "J\xc3\xbcrgen M\xc3\xbcller|jm|example.de|-", 0},
        {"J\xc3\xbcrgen <j@example.de>", "J\xc3\xbcrgen|j|example.de|-", 0},
        {"j\xc3\xbcrgen@example.de", "|j\xc3\xbcrgen|example.de|-", 0},
        {"a@b.example (a (nested (comment)))", "|a|b.example|-", 0},
        {"(lead) a@b.example", "|a|b.example|-", 0},
        {"Group: ;", "", 1},
        {"G1: a@b.example;, G2: c@d.example;", "|a|b.example|G1 ; |c|d.example|G2", 2},
        {"G: a@b.example;, c@d.example", "|a|b.example|G ; |c|d.example|-", 1},
        {"G: ,a@b.example,, ;", "|a|b.example|G", 1},
        {"=?UTF-8?Q?Caf=C3=A9?= Team: a@b.example;", "|a|b.example|Caf\xc3\xa9 Team", 1},
        {"USER@EXAMPLE.COM", "|USER|example.com|-", 0},
        {"first.last+tag@sub.example.co.uk", "|first.last+tag|sub.example.co.uk|-", 0},
        {"\"quoted space\"@example.com", "|quoted space|example.com|-", 0},
        {"\"esc\\\"aped\"@example.com", "|esc\"aped|example.com|-", 0},
        {"!#$%&'*+-/=?^_`{|}~@example.com", "|!#$%&'*+-/=?^_`{|}~|example.com|-", 0},
        {"x@a-b.c-d.example", "|x|a-b.c-d.example|-", 0},
        {"x@xn--bcher-kva.example", "|x|xn--bcher-kva.example|-", 0},
        {"x@123.example", "|x|123.example|-", 0},
        {"Dr. Who <who@tardis.example>", "Dr. Who|who|tardis.example|-", 0},
        {"\"\" <empty-display@example.com>", "|empty-display|example.com|-", 0},
        {"\"=?UTF-8?Q?Andr=C3=A9?=\" <q@example.org>", "Andr\xc3\xa9|q|example.org|-", 0},
        {"John (the man) Doe <j@x.example>", "John Doe|j|x.example|-", 0},
        {"=?UTF-8?Q?a=0D=0Ab=00c?= <crlf@x.example>", "a  b c|crlf|x.example|-", 0},
        {"\"a\\\r\n b\" <esc@x.example>", "a b|esc|x.example|-", 0},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct address_list l;
        const char *err = NULL;
        struct str s;
        str_init(&s, 0);
        t_current = cases[i].in;
        CHECK_INT(address_list_parse(a, slice_from_cstr(cases[i].in), &l, &err), 0);
        if (err != NULL)
            fprintf(stderr, "  error: %s\n", err);
        list_render(&l, &s);
        CHECK_STR(str_cstr(&s), cases[i].want);
        CHECK_INT(l.ngroups, cases[i].ngroups);
        str_deinit(&s);
    }
    arena_free(&a);
}

/* Errors that both parsers must give, with the same reason. */
static const struct {
    const char *in;
    const char *err;
} both_errors[] = {
    {"toto tutu@tata.fr", "unquoted space in local part"},
    {"polop@domaine", "domain has no dot"},
    {"@tutu.org", "missing local part"},
    {"albert@mon domaine.net", "space in domain"},
    {"john..doe@example.com", "two dots in a row in local part"},
    {".john@example.com", "local part starts with a dot"},
    {"john.@example.com", "local part ends with a dot"},
    {"john@example..com", "two dots in a row in domain"},
    {"john@.example.com", "domain starts with a dot"},
    {"john@example.com.", "domain ends with a dot"},
    {"john@", "missing domain"},
    {"john@-example.com", "domain label starts or ends with a hyphen"},
    {"john@example-.com", "domain label starts or ends with a hyphen"},
    {"john@exa_mple.com", "invalid character in domain"},
    {"john@example.123", "top-level domain is numeric"},
    {"john@192.0.2.1", "top-level domain is numeric"},
    {"john@[192.0.2]", "bad address literal"},
    {"john@[IPv6:zz::1]", "bad address literal"},
    {"john@[foo:bar]", "bad address literal"},
    {"john@[1.2.3.4", "unterminated address literal"},
    {"john@[1.2 .3.4]", "bad address literal"},
    {"\"unterminated@example.com", "unterminated quoted string"},
    {"\"\"@example.com", "empty quoted local part"},
    {"\"a\".b@example.com", "local part mixes quoted and unquoted text"},
    {"\"a\"\"b\"@example.com", "local part mixes quoted and unquoted text"},
    {"john", "missing '@' in address"},
    {"john@\"example\".com", "quoted string in domain"},
    {"a@b.example\x01", "invalid character"},
    {"caf\xc3@example.com", "invalid UTF-8"},
    {"\"caf\xc3\"@example.com", "invalid UTF-8"},
    {"\"ctl\x01\"@example.com", "control character in quoted string"},
    {"a\\b@example.com", "backslash outside quotes"},
    {"a)b@example.com", "unbalanced ')'"},
    {"a@b.c@example.com", "unexpected '@'"},
    {"a@b.example]", "unexpected ']'"},
    {"a@[1.2.3.4]x", "invalid character in domain"},
};

static void
test_both_errors(void)
{
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(both_errors) / sizeof(both_errors[0]); i++) {
        struct address_list l;
        struct address ad;
        const char *err = NULL;
        struct slice in = slice_from_cstr(both_errors[i].in);
        t_current = both_errors[i].in;
        CHECK_INT(address_list_parse(a, in, &l, &err), -1);
        CHECK_STR(err, both_errors[i].err);
        CHECK_INT(l.n, 0);
        err = NULL;
        CHECK_INT(address_parse(a, in, &ad, &err), -1);
        CHECK_STR(err, both_errors[i].err);
        CHECK(ad.local == NULL && ad.domain == NULL);
    }
    arena_free(&a);
}

static void
test_list_errors(void)
{
    static const struct {
        const char *in;
        const char *err;
    } cases[] = {
        {"", "empty address list"},
        {"  ,  , ", "empty address list"},
        {"(just a comment)", "empty address list"},
        {"John Doe", "missing '@' in address"},
        {"a@b.example, John", "missing '@' in address"},
        {"a@b.example c@d.example", "space in domain"},
        {"<a@b.example", "missing '>'"},
        {"a@b.example>", "unexpected '>'"},
        {"<>", "empty address"},
        {"Name <>", "empty address"},
        {"<@tutu.org>", "missing local part"},
        {"<@a.example,@b.example>", "missing local part"},
        {"<john>", "missing '@' in address"},
        {"Display <a@b.example> junk", "missing ',' between addresses"},
        {"Display <a@b.example> <c@d.example>", "unexpected '<'"},
        {"a@b.example (unterminated", "unterminated comment"},
        {"a@b.example )", "unbalanced ')'"},
        {"G: a@b.example", "missing ';' at the end of a group"},
        {"G: a@b.example, ", "missing ';' at the end of a group"},
        {"G: H: a@b.example;;", "group inside a group"},
        {": a@b.example;", "unexpected ':'"},
        {"a@b.example;", "unexpected ';'"},
        {"G1: a@b.example; G2: c@d.example;", "missing ',' between addresses"},
        {"a(comment)b@example.com", "comment inside local part"},
        {"a@b(c).example", "space in domain"},
        {"a . b@example.com", "unquoted space in local part"},
        {"<a@b.example>>", "unexpected '>'"},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct address_list l;
        const char *err = NULL;
        t_current = cases[i].in;
        CHECK_INT(address_list_parse(a, slice_from_cstr(cases[i].in), &l, &err), -1);
        CHECK_STR(err, cases[i].err);
    }
    arena_free(&a);
}

static void
test_bare(void)
{
    static const struct {
        const char *in;
        const char *local, *domain;
    } ok[] = {
        {"user@example.com", "user", "example.com"},
        {"  user@example.com \r\n", "user", "example.com"},
        {"\"john doe\"@example.com", "john doe", "example.com"},
        {"\"very.unusual.@.unusual.com\"@example.com", "very.unusual.@.unusual.com",
         "example.com"},
        {"user+tag@sub.example.co.uk", "user+tag", "sub.example.co.uk"},
        {"user@[192.0.2.1]", "user", "[192.0.2.1]"},
        {"user@[IPv6:::1]", "user", "[ipv6:::1]"},
        {"x@EXAMPLE.com", "x", "example.com"},
        {"j\xc3\xbcrgen@ex\xc3\xa4mple.de", "j\xc3\xbcrgen", "ex\xc3\xa4mple.de"},
    };
    static const struct {
        const char *in;
        const char *err;
    } bad[] = {
        {"", "empty address"},
        {"   ", "empty address"},
        {"<a@b.example>", "angle brackets in a bare address"},
        {"John <a@b.example>", "angle brackets in a bare address"},
        {"a@b.example (c)", "comment in address"},
        {"(c)a@b.example", "comment in address"},
        {"a @b.example", "unquoted space in local part"},
        {"a@ b.example", "space in domain"},
        {"a@b.example, c@d.example", "unexpected ','"},
        {"a@b.example x", "space in domain"},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct address ad;
        const char *err = NULL;
        t_current = ok[i].in;
        CHECK_INT(address_parse(a, slice_from_cstr(ok[i].in), &ad, &err), 0);
        CHECK_STR(ad.local, ok[i].local);
        CHECK_STR(ad.domain, ok[i].domain);
        CHECK_STR(ad.display, "");
        CHECK(ad.group == NULL);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct address ad;
        const char *err = NULL;
        t_current = bad[i].in;
        CHECK_INT(address_parse(a, slice_from_cstr(bad[i].in), &ad, &err), -1);
        CHECK_STR(err, bad[i].err);
    }
    arena_free(&a);
}

/* Lengths: local part 64, domain 253, label 63, comment depth 32. */
static void
test_lengths(void)
{
    struct arena *a = arena_new(0);
    struct address ad;
    struct address_list l;
    const char *err = NULL;
    char buf[600];

    memset(buf, 'l', 64);
    memcpy(buf + 64, "@example.com", 13);
    CHECK_INT(address_parse(a, slice_from_cstr(buf), &ad, &err), 0);
    memset(buf, 'l', 65);
    memcpy(buf + 65, "@example.com", 13);
    CHECK_INT(address_parse(a, slice_from_cstr(buf), &ad, &err), -1);
    CHECK_STR(err, "local part too long");
    CHECK_INT(address_list_parse(a, slice_from_cstr(buf), &l, &err), -1);
    CHECK_STR(err, "local part too long");

    /* 253 = 3 labels of 63, 1 of 61, 3 dots. */
    size_t k = 0;
    memcpy(buf, "x@", 2);
    k = 2;
    for (int i = 0; i < 4; i++) {
        size_t len = i < 3 ? 63 : 61;
        memset(buf + k, 'a' + i, len);
        k += len;
        if (i < 3)
            buf[k++] = '.';
    }
    buf[k] = '\0';
    CHECK_INT(address_parse(a, slice_from_cstr(buf), &ad, &err), 0);
    CHECK_INT(strlen(ad.domain), 253);
    buf[k] = 'z';
    buf[k + 1] = '\0';
    CHECK_INT(address_parse(a, slice_from_cstr(buf), &ad, &err), -1);
    CHECK_STR(err, "domain too long");
    memcpy(buf, "x@", 2);
    memset(buf + 2, 'a', 64);
    memcpy(buf + 66, ".example", 9);
    CHECK_INT(address_parse(a, slice_from_cstr(buf), &ad, &err), -1);
    CHECK_STR(err, "domain label too long");

    /* Comments nested 32 deep are fine, 33 are not. */
    for (int depth = 32; depth <= 33; depth++) {
        k = 0;
        memcpy(buf, "a@b.example ", 12);
        k = 12;
        for (int i = 0; i < depth; i++)
            buf[k++] = '(';
        for (int i = 0; i < depth; i++)
            buf[k++] = ')';
        buf[k] = '\0';
        int r = address_list_parse(a, slice_from_cstr(buf), &l, &err);
        CHECK_INT(r, depth == 32 ? 0 : -1);
        if (depth == 33)
            CHECK_STR(err, "comments nested too deeply");
    }

    /* A long display name is cut at ADDRESS_DISPLAY_MAX, on a character. */
    struct str s;
    str_init(&s, 0);
    for (int i = 0; i < 1000; i++)
        (void)str_append_cstr(&s, "\xc3\xa9");
    (void)str_append_cstr(&s, " <x@y.example>");
    CHECK_INT(address_list_parse(a, str_slice(&s), &l, &err), 0);
    CHECK(strlen(l.items[0].display) <= ADDRESS_DISPLAY_MAX);
    CHECK(strlen(l.items[0].display) >= ADDRESS_DISPLAY_MAX - 3);
    CHECK_INT(strlen(l.items[0].display) % 2, 0);
    str_deinit(&s);
    arena_free(&a);
}

static void
test_list_max(void)
{
    struct arena *a = arena_new(0);
    struct address_list l;
    const char *err = NULL;
    struct str s;
    str_init(&s, 0);
    for (int i = 0; i < ADDRESS_LIST_MAX; i++)
        (void)str_appendf(&s, "%su%d@example.com", i ? ", " : "", i);
    CHECK_INT(address_list_parse(a, str_slice(&s), &l, &err), 0);
    CHECK_INT(l.n, ADDRESS_LIST_MAX);
    CHECK_STR(l.items[ADDRESS_LIST_MAX - 1].local, "u999");
    (void)str_append_cstr(&s, ", one@more.example");
    CHECK_INT(address_list_parse(a, str_slice(&s), &l, &err), -1);
    CHECK_STR(err, "too many addresses");
    CHECK_INT(l.n, 0);
    /* The extractor keeps the first ADDRESS_LIST_MAX. */
    address_list_extract(a, str_slice(&s), &l);
    CHECK_INT(l.n, ADDRESS_LIST_MAX);
    str_deinit(&s);
    arena_free(&a);
}

static void
test_extract(void)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"Good <a@b.example>", "Good|a|b.example|-"},
        {"Broken <a@b.example> <<junk>> c@D.Example; \"unterminated",
         "|a|b.example|- ; |c|d.example|-"},
        {"no addresses here", ""},
        {"", ""},
        {"x@y and @z.example and q@", ""},
        {"a..b@c.example, ok@c.example", "|ok|c.example|-"},
        {"(foo@bar.example.) ", "|foo|bar.example|-"},
        {"mailto:joe@example.com?subject=x", "|joe|example.com|-"},
        {"=?utf-8?q?x?= <a@b.example>, \"bad", "|a|b.example|-"},
        {"a@@b.example c@-d-.example.", ""},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct address_list l;
        struct str s;
        str_init(&s, 0);
        t_current = cases[i].in;
        address_list_extract(a, slice_from_cstr(cases[i].in), &l);
        list_render(&l, &s);
        CHECK_STR(str_cstr(&s), cases[i].want);
        str_deinit(&s);
    }
    arena_free(&a);
}

/* Hostile inputs of 1 MiB: linear time, no crash. */
static void
test_big(void)
{
    static const char *const units[] = {"(", "a", "a,", "\"", "a@", "@", "a.", "<", "a@b.example,",
                                        "\\", "=?", ":", "G:", ";"};
    size_t n = 1 << 20;
    char *buf = malloc(n);
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        struct arena *a = arena_new(0);
        struct address_list l;
        struct address ad;
        const char *err;
        size_t ul = strlen(units[k]);
        for (size_t i = 0; i < n; i++)
            buf[i] = units[k][i % ul];
        (void)address_list_parse(a, slice_make(buf, n), &l, &err);
        (void)address_parse(a, slice_make(buf, n), &ad, &err);
        address_list_extract(a, slice_make(buf, n), &l);
        CHECK(l.n <= ADDRESS_LIST_MAX);
        arena_free(&a);
    }
    free(buf);
}

int
main(void)
{
    T_RUN(test_list_accepted);
    T_RUN(test_both_errors);
    T_RUN(test_list_errors);
    T_RUN(test_bare);
    T_RUN(test_lengths);
    T_RUN(test_list_max);
    T_RUN(test_extract);
    T_RUN(test_big);
    return t_done();
}
