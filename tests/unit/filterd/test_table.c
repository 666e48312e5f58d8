/*
 * Tests of filterd/table: the three formats, their errors with file:line,
 * the values, and the lookup order (addresses in Postfix's order with
 * qmail's @domain, parent domains, the most specific IP prefix first).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/table.h"
#include "t.h"

static struct table *
parsed(enum table_format f, const char *text)
{
    struct table *t = table_new(f);
    struct str err;
    str_init(&err, 0);
    int r = table_parse(t, "t", text, strlen(text), &err);
    if (r < 0)
        fprintf(stderr, "unexpected: %s", str_cstr(&err));
    CHECK_INT(r, 0);
    str_deinit(&err);
    return t;
}

/* The key of what the lookup found, or "-". */
static const char *
key_of(const struct table_entry *e)
{
    return e ? e->key : "-";
}

static void
test_list(void)
{
    struct table *t = parsed(TABLE_LIST, "# qmail badmailfrom\n\n"
                                         "Bad@Example.ORG\n"
                                         "  @spam.example  \r\n"
                                         "@spam.example\n"
                                         "local\n");
    CHECK_INT(table_size(t), 3);
    CHECK_INT(table_duplicates(t), 1);
    static const struct {
        const char *addr, *want;
    } cases[] = {
        {"bad@example.org", "Bad@Example.ORG"},
        {"BAD@EXAMPLE.ORG", "Bad@Example.ORG"},
        {"good@example.org", "-"},
        {"x@spam.example", "@spam.example"},
        {"x@sub.spam.example", "-"}, /* qmail: @host is that host only */
        {"local", "local"},
        {"", "-"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(key_of(table_lookup_addr(t, TABLE_FROM, cases[i].addr)), cases[i].want);
    const struct table_entry *e = table_lookup_addr(t, TABLE_FROM, "x@spam.example");
    CHECK_STR(e ? e->file : "-", "t");
    CHECK_INT(e ? e->line : 0, 4);
    table_free(&t);
    CHECK(t == NULL);
}

static void
test_patterns(void)
{
    struct table *t =
        parsed(TABLE_PATTERNS,
               "# senders\n^[0-9]+@\n\\.example\\.biz$\n^(spam|junk)(-[a-z]+)?@\n");
    CHECK_INT(table_size(t), 3);
    CHECK_STR(key_of(table_match(t, "12345@example.org")), "^[0-9]+@");
    CHECK_STR(key_of(table_match(t, "junk-mail@example.org")), "^(spam|junk)(-[a-z]+)?@");
    CHECK_STR(key_of(table_match(t, "Joe@MAIL.EXAMPLE.BIZ")), "\\.example\\.biz$");
    CHECK_STR(key_of(table_match(t, "joe@example.org")), "-");
    CHECK_STR(key_of(table_match(t, "\xff\xfe@x")), "-"); /* bad UTF-8: no error */
    table_free(&t);
}

static const char access_text[] = "# client keys\n"
                                  "192.0.2.1        REJECT one host\n"
                                  "192.0.2          4.5\n"
                                  "192.0.2.0/25     DISCARD\n"
                                  "10               550 5.7.1 no tens\n"
                                  "2001:db8::/32    DEFER slow down\n"
                                  "2001:db8:1       OK\n"
                                  "IPv6:2001:db8:2::1 REJECT\n"
                                  "Connect:host.example.com OK\n"
                                  "example.com      REJECT\n"
                                  ".example.net     3\n"
                                  "good.example.com DUNNO\n"
                                  "# address keys\n"
                                  "user+tag@example.org  1\n"
                                  "user@example.org      2\n"
                                  "@example.org          5\n"
                                  "example.org           7\n"
                                  ".org                  -1.5\n"
                                  "postmaster@           OK\n"
                                  "From:sales@           450 4.2.0\n"
                                  "To:sales@             451 later\n"
                                  "<>                    DISCARD\n"
                                  "long.example          REJECT line\n"
                                  "  continued\n";

static void
test_access_ip(void)
{
    struct table *t = parsed(TABLE_ACCESS, access_text);
    static const struct {
        const char *ip, *want;
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"192.0.2.2", "192.0.2.0/25"}, /* /25 before /24 */
        {"192.0.2.200", "192.0.2"},
        {"192.0.3.1", "-"},
        {"10.9.8.7", "10"},
        {"::ffff:10.9.8.7", "10"}, /* IPv4-mapped */
        {"2001:db8::1", "2001:db8::/32"},
        {"2001:db8:1::9", "2001:db8:1"}, /* /48 before /32 */
        {"2001:db8:2::1", "IPv6:2001:db8:2::1"},
        {"2001:db9::1", "-"},
        {"not-an-ip", "-"},
        {"", "-"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(key_of(table_lookup_ip(t, cases[i].ip)), cases[i].want);
    const struct table_entry *e = table_lookup_ip(t, "10.0.0.1");
    CHECK(e && e->value.action == TABLE_REJECT);
    CHECK_STR(e ? e->value.code : "", "550");
    CHECK_STR(e ? e->value.xcode : "", "5.7.1");
    CHECK_STR(e && e->value.text ? e->value.text : "", "no tens");
    CHECK_INT(e ? e->line : 0, 5);
    table_free(&t);
}

static void
test_access_names(void)
{
    struct table *t = parsed(TABLE_ACCESS, access_text);
    static const struct {
        enum table_kind kind;
        const char *item, *want;
    } hosts[] = {
        {TABLE_CLIENT, "example.com", "example.com"},
        {TABLE_CLIENT, "a.b.Example.COM.", "example.com"}, /* parents, case, final dot */
        {TABLE_CLIENT, "host.example.com", "Connect:host.example.com"},
        {TABLE_FROM, "host.example.com", "example.com"}, /* the tag limits the key */
        {TABLE_CLIENT, "example.net", "-"},              /* .example.net: subdomains */
        {TABLE_CLIENT, "mx.example.net", ".example.net"},
        {TABLE_CLIENT, "good.example.com", "good.example.com"},
        {TABLE_CLIENT, "x.long.example", "long.example"},
        {TABLE_CLIENT, "", "-"},
    };
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
        CHECK_STR(key_of(table_lookup_host(t, hosts[i].kind, hosts[i].item)),
                  hosts[i].want);
    const struct table_entry *e = table_lookup_host(t, TABLE_CLIENT, "long.example");
    CHECK_STR(e && e->value.text ? e->value.text : "", "line continued");
    CHECK_INT(e ? (int)e->value.action : -1, TABLE_REJECT);
    e = table_lookup_host(t, TABLE_CLIENT, "good.example.com");
    CHECK_INT(e ? (int)e->value.action : -1, TABLE_DUNNO);
    table_free(&t);
}

/* Postfix's order: user+ext@domain, user@domain, @domain, domain,
 * parents, user+ext@, user@. */
static void
test_access_addresses(void)
{
    struct table *t = parsed(TABLE_ACCESS, access_text);
    static const struct {
        enum table_kind kind;
        const char *addr, *want;
    } cases[] = {
        {TABLE_FROM, "user+tag@example.org", "user+tag@example.org"},
        {TABLE_FROM, "user+other@example.org", "user@example.org"},
        {TABLE_FROM, "User@Example.Org", "user@example.org"},
        {TABLE_FROM, "joe@example.org", "@example.org"},
        {TABLE_FROM, "joe@mail.example.org", "example.org"},
        {TABLE_FROM, "joe@other.org", ".org"},
        {TABLE_RCPT, "postmaster@other.net", "postmaster@"},
        {TABLE_RCPT, "postmaster@example.org", "@example.org"}, /* domain before user@ */
        {TABLE_FROM, "sales@other.net", "From:sales@"},
        {TABLE_RCPT, "sales@other.net", "To:sales@"},
        {TABLE_FROM, "", "<>"},
        {TABLE_RCPT, "nobody@nowhere.invalid", "-"},
        {TABLE_FROM, "no-at-sign", "-"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(key_of(table_lookup_addr(t, cases[i].kind, cases[i].addr)),
                  cases[i].want);
    const struct table_entry *e = table_lookup_addr(t, TABLE_FROM, "sales@x.invalid");
    CHECK_INT(e ? (int)e->value.action : -1, TABLE_TEMPFAIL);
    CHECK_STR(e ? e->value.xcode : "", "4.2.0");
    e = table_lookup_addr(t, TABLE_FROM, "a@b.org");
    CHECK(e && e->value.action == TABLE_SCORE && e->value.score == -1.5);
    table_free(&t);
}

/* Postfix-style maps of one kind (client_access, sender_access,
 * recipient_access): every key serves that kind only. */
static void
test_kind(void)
{
    struct table *t = table_new(TABLE_ACCESS);
    struct str err;
    str_init(&err, 0);
    table_set_kind(t, TABLE_FROM);
    const char from[] = "example.com REJECT\nFrom:sales@ 2\n";
    CHECK_INT(table_parse(t, "s", from, strlen(from), &err), 0);
    table_set_kind(t, TABLE_CLIENT);
    const char client[] = "192.0.2.1 OK\nhost.example.org OK\n";
    CHECK_INT(table_parse(t, "c", client, strlen(client), &err), 0);
    CHECK_STR(key_of(table_lookup_addr(t, TABLE_FROM, "a@mx.example.com")),
              "example.com");
    CHECK_STR(key_of(table_lookup_addr(t, TABLE_RCPT, "a@mx.example.com")), "-");
    CHECK_STR(key_of(table_lookup_host(t, TABLE_CLIENT, "mx.example.com")), "-");
    CHECK_STR(key_of(table_lookup_host(t, TABLE_CLIENT, "host.example.org")),
              "host.example.org");
    CHECK_STR(key_of(table_lookup_addr(t, TABLE_FROM, "x@host.example.org")), "-");
    CHECK_STR(key_of(table_lookup_addr(t, TABLE_FROM, "sales@x.example")), "From:sales@");
    CHECK_STR(key_of(table_lookup_ip(t, "192.0.2.1")), "192.0.2.1");
    table_set_kind(t, TABLE_RCPT);
    const char bad[] = "From:x@ OK\n192.0.2.2 OK\n";
    CHECK_INT(table_parse(t, "r", bad, strlen(bad), &err), -1);
    CHECK(strstr(str_cstr(&err), "r:1: a tag for another kind") != NULL);
    CHECK(strstr(str_cstr(&err), "r:2: an address key cannot be an IP") != NULL);
    str_deinit(&err);
    table_free(&t);
}

/* Every bad line is an error with file and line; the good ones around it
 * do not hide it. */
static void
test_errors(void)
{
    static const struct {
        enum table_format f;
        const char *text, *want;
    } cases[] = {
        {TABLE_LIST, "ok@example.org\nbad entry@example.org\n", "t:2: white space"},
        {TABLE_LIST, "@\n", "t:1: \"@\" alone"},
        {TABLE_LIST, "a@b\x01\n", "t:1: control character 0x01"},
        {TABLE_PATTERNS, "ok\n(unclosed\n", "t:2: bad pattern at offset"},
        {TABLE_ACCESS, "example.com\n", "t:1: a key with no value"},
        {TABLE_ACCESS, "example.com MAYBE\n", "t:1: unknown value \"MAYBE\""},
        {TABLE_ACCESS, "example.com OK fine\n", "t:1: ok takes no text"},
        {TABLE_ACCESS, "192.0.2.1/24 OK\n", "t:1: address bits set past the prefix"},
        {TABLE_ACCESS, "192.0.2.0/33 OK\n", "t:1: bad prefix length (0 to 32)"},
        {TABLE_ACCESS, "192.0.2/24 OK\n", "t:1: a /N prefix needs a whole address"},
        {TABLE_ACCESS, "300.1 OK\n", "t:1: bad IPv4 address"},
        {TABLE_ACCESS, "Spam:foo OK\n", "t:1: bad IPv6 address or prefix (unknown tag?)"},
        {TABLE_ACCESS, "From:192.0.2.1 OK\n", "t:1: an address key cannot be an IP"},
        {TABLE_ACCESS, "To:192.0.2.1 REJECT with a text\n",
         "t:1: an address key cannot be an IP address: \"To:192.0.2.1\""},
        {TABLE_ACCESS, "Connect:a@b OK\n", "t:1: a Connect: key is an address"},
        {TABLE_ACCESS, "a@b 550 4.7.1 no\n", "t:1: bad enhanced status code \"4.7.1\""},
        {TABLE_ACCESS, "a@b REJECT caf\xc3\xa9\n",
         "t:1: a reply text is printable ASCII"},
        {TABLE_ACCESS, "a@b 99999\n", "t:1: unknown value"},
        {TABLE_ACCESS, "a@b ERROR:250 ok\n", "t:1: ERROR: wants a 4NN or 5NN"},
        {TABLE_ACCESS, "a@b OK\n\n# c\n..x OK\n", "t:4: bad domain"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct table *t = table_new(cases[i].f);
        struct str err;
        str_init(&err, 0);
        int r = table_parse(t, "t", cases[i].text, strlen(cases[i].text), &err);
        CHECK_INT(r, -1);
        if (strstr(str_cstr(&err), cases[i].want) == NULL) {
            fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, str_cstr(&err),
                    cases[i].want);
            CHECK(0);
        }
        str_deinit(&err);
        table_free(&t);
    }
}

static void
test_values(void)
{
    static const struct {
        const char *text;
        enum table_action action;
        const char *code, *xcode, *reply;
        double score;
    } cases[] = {
        {"OK", TABLE_OK, "", "", NULL, 0},
        {"ok", TABLE_OK, "", "", NULL, 0},
        {"REJECT", TABLE_REJECT, "", "", NULL, 0},
        {"REJECT  go away ", TABLE_REJECT, "", "", "go away", 0},
        {"DEFER busy", TABLE_TEMPFAIL, "", "", "busy", 0},
        {"DISCARD", TABLE_DISCARD, "", "", NULL, 0},
        {"HOLD suspicious", TABLE_HOLD, "", "", "suspicious", 0},
        {"permit", TABLE_OK, "", "", NULL, 0},
        {"550 5.7.1 go away", TABLE_REJECT, "550", "5.7.1", "go away", 0},
        {"554 no", TABLE_REJECT, "554", "", "no", 0},
        {"450 4.7.1 later", TABLE_TEMPFAIL, "450", "4.7.1", "later", 0},
        {"550", TABLE_REJECT, "550", "", NULL, 0},
        {"ERROR:5.7.1:550 blocked", TABLE_REJECT, "550", "5.7.1", "blocked", 0},
        {"ERROR:451 wait", TABLE_TEMPFAIL, "451", "", "wait", 0},
        {"3", TABLE_SCORE, "", "", NULL, 3},
        {"+550", TABLE_SCORE, "", "", NULL, 550},
        {"-2.25", TABLE_SCORE, "", "", NULL, -2.25},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct table_value v;
        struct str why;
        str_init(&why, 0);
        CHECK_INT(table_value_parse(slice_from_cstr(cases[i].text), &v, &why), 0);
        CHECK_INT(v.action, cases[i].action);
        CHECK_STR(v.code, cases[i].code);
        CHECK_STR(v.xcode, cases[i].xcode);
        CHECK_STR(v.text ? v.text : "(none)", cases[i].reply ? cases[i].reply : "(none)");
        CHECK(v.score == cases[i].score);
        table_value_deinit(&v);
        str_deinit(&why);
    }
}

/* Limits: a line too long, too many errors reported at most once each. */
static void
test_limits(void)
{
    size_t n = TABLE_LINE_MAX + 10;
    char *long_line = malloc(n + 1);
    memset(long_line, 'a', n);
    long_line[n] = '\0';
    struct table *t = table_new(TABLE_LIST);
    struct str err;
    str_init(&err, 0);
    CHECK_INT(table_parse(t, "t", long_line, n, &err), -1);
    CHECK(strstr(str_cstr(&err), "t:1: line longer than") != NULL);
    table_free(&t);
    str_clear(&err);
    struct str many;
    str_init(&many, 0);
    for (int i = 0; i < TABLE_ERRORS_MAX + 20; i++)
        str_append_cstr(&many, "a b\n");
    t = table_new(TABLE_LIST);
    CHECK_INT(table_parse(t, "t", many.buf, many.len, &err), -1);
    CHECK(strstr(str_cstr(&err), "more than 50 errors") != NULL);
    table_free(&t);
    str_deinit(&many);
    str_deinit(&err);
    free(long_line);
}

int
main(void)
{
    T_RUN(test_list);
    T_RUN(test_patterns);
    T_RUN(test_access_ip);
    T_RUN(test_access_names);
    T_RUN(test_access_addresses);
    T_RUN(test_kind);
    T_RUN(test_errors);
    T_RUN(test_values);
    T_RUN(test_limits);
    return t_done();
}
