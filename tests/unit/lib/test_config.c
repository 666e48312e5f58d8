/*
 * Unit tests of lib/config: every type with good and bad values, syntax
 * errors with file:line, all errors collected, continuation lines, includes
 * (glob, loop, depth), -o overrides, limits, printing, and the panics.
 */
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/str.h"

static const struct config_key schema[] = {
    {"name", CONFIG_STRING, "tamis", 0, 0, "a string"},
    {"empty", CONFIG_STRING, NULL, 0, 0, "a string that defaults to nothing"},
    {"count", CONFIG_INT, "10", 1, 100, "an integer from 1 to 100"},
    {"offset", CONFIG_INT, "-5", 0, 0, "an unbounded integer"},
    {"max_size", CONFIG_SIZE, "10M", 0, 0, "a size"},
    {"small_size", CONFIG_SIZE, "1k", 1, 4096, "a size from 1 to 4096 bytes"},
    {"timeout", CONFIG_DURATION, "5m", 1, 3600, "a duration up to an hour"},
    {"period", CONFIG_DURATION, "1d", 0, 0, "an unbounded duration"},
    {"enabled", CONFIG_BOOL, "no", 0, 0, "a boolean"},
    {"servers", CONFIG_LIST, NULL, 0, 0, "a list"},
    {"rules", CONFIG_LIST, "a, b c", 0, 0, "a list with a default"},
};
#define NKEYS (sizeof(schema) / sizeof(schema[0]))

static struct config *
fresh(void)
{
    return config_new(schema, NKEYS);
}

/* Load one buffer named t.cf; returns the config (caller frees). */
static struct config *
load(const char *text, int *rc)
{
    struct config *c = fresh();
    *rc = config_load_buffer(c, "t.cf", text, strlen(text));
    return c;
}

/* The list items of key joined by '|'. */
static const char *
joined(const struct config *c, const char *key, struct str *s)
{
    const char *const *items;
    size_t n = config_get_list(c, key, &items);
    str_clear(s);
    for (size_t i = 0; i < n; i++)
        str_appendf(s, "%s%s", i ? "|" : "", items[i]);
    CHECK(items[n] == NULL);
    return str_cstr(s);
}

static void
test_defaults(void)
{
    struct config *c = fresh();
    struct str s;
    str_init(&s, 0);
    CHECK_STR(config_get_str(c, "name"), "tamis");
    CHECK_STR(config_get_str(c, "empty"), "");
    CHECK_INT(config_get_int(c, "count"), 10);
    CHECK_INT(config_get_int(c, "offset"), -5);
    CHECK_INT(config_get_size(c, "max_size"), 10 * 1024 * 1024);
    CHECK_INT(config_get_duration(c, "timeout"), 300);
    CHECK_INT(config_get_duration(c, "period"), 86400);
    CHECK(!config_get_bool(c, "enabled"));
    CHECK_STR(joined(c, "servers", &s), "");
    CHECK_STR(joined(c, "rules", &s), "a|b|c");
    CHECK_STR(config_get_str(c, "rules"), "a, b c");
    CHECK(!config_is_set(c, "name"));
    CHECK_STR(config_source(c, "name"), "default");
    CHECK_INT(config_error_count(c), 0);
    str_deinit(&s);
    config_free(&c);
    CHECK(c == NULL);
    config_free(&c); /* NULL is fine */
}

/* Good values: the text of a setting and the number (or items) it gives. */
static const struct {
    const char *key, *text;
    long long num;
    const char *items; /* for lists */
} good[] = {
    {"count", "1", 1, NULL},
    {"count", "100", 100, NULL},
    {"count", "+42", 42, NULL},
    {"count", "007", 7, NULL},
    {"offset", "-9223372036854775807", -9223372036854775807LL, NULL},
    {"offset", "9223372036854775807", 9223372036854775807LL, NULL},
    {"offset", "0", 0, NULL},
    {"max_size", "0", 0, NULL},
    {"max_size", "512", 512, NULL},
    {"max_size", "512b", 512, NULL},
    {"max_size", "10k", 10240, NULL},
    {"max_size", "10K", 10240, NULL},
    {"max_size", "10kB", 10240, NULL},
    {"max_size", "3M", 3145728, NULL},
    {"max_size", "3mb", 3145728, NULL},
    {"max_size", "2G", 2147483648LL, NULL},
    {"max_size", "8589934591G", 8589934591LL * 1073741824LL, NULL},
    {"small_size", "4k", 4096, NULL},
    {"timeout", "1", 1, NULL},
    {"timeout", "30s", 30, NULL},
    {"timeout", "2m", 120, NULL},
    {"timeout", "1h", 3600, NULL},
    {"period", "3d", 259200, NULL},
    {"period", "2w", 1209600, NULL},
    {"period", "0", 0, NULL},
    {"enabled", "yes", 1, NULL},
    {"enabled", "YES", 1, NULL},
    {"enabled", "true", 1, NULL},
    {"enabled", "On", 1, NULL},
    {"enabled", "1", 1, NULL},
    {"enabled", "no", 0, NULL},
    {"enabled", "False", 0, NULL},
    {"enabled", "off", 0, NULL},
    {"enabled", "0", 0, NULL},
    {"servers", "", 0, ""},
    {"servers", "a", 0, "a"},
    {"servers", "a,b", 0, "a|b"},
    {"servers", "a, b,,c   d\td", 0, "a|b|c|d|d"},
    {"servers", ", ,", 0, ""},
    {"servers", "192.0.2.1:53,[2001:db8::1]:53", 0, "192.0.2.1:53|[2001:db8::1]:53"},
    {"name", "", 0, NULL},
    {"name", "a # not a comment", 0, NULL},
    {"name", "x = y = z", 0, NULL},
};

static void
test_good_values(void)
{
    struct str s, line;
    str_init(&s, 0);
    str_init(&line, 0);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int rc;
        str_clear(&line);
        str_appendf(&line, "%s = %s\n", good[i].key, good[i].text);
        struct config *c = load(str_cstr(&line), &rc);
        t_current = good[i].text;
        CHECK_INT(rc, 0);
        CHECK_INT(config_error_count(c), 0);
        CHECK_STR(config_get_str(c, good[i].key), good[i].text);
        CHECK_STR(config_source(c, good[i].key), "t.cf:1");
        CHECK(config_is_set(c, good[i].key));
        const struct config_key *k = NULL;
        for (size_t j = 0; j < NKEYS; j++)
            if (strcmp(schema[j].name, good[i].key) == 0)
                k = &schema[j];
        if (k->type == CONFIG_INT)
            CHECK_INT(config_get_int(c, good[i].key), good[i].num);
        else if (k->type == CONFIG_SIZE)
            CHECK_INT(config_get_size(c, good[i].key), good[i].num);
        else if (k->type == CONFIG_DURATION)
            CHECK_INT(config_get_duration(c, good[i].key), good[i].num);
        else if (k->type == CONFIG_BOOL)
            CHECK_INT(config_get_bool(c, good[i].key), good[i].num);
        else if (k->type == CONFIG_LIST)
            CHECK_STR(joined(c, good[i].key, &s), good[i].items);
        config_free(&c);
    }
    str_deinit(&s);
    str_deinit(&line);
}

/* Bad values and the exact message; the default must stay in force. */
static const struct {
    const char *key, *text, *error;
} bad[] = {
    {"count", "0", "t.cf:1: bad value for count: \"0\" is out of range (1..100)"},
    {"count", "101", "t.cf:1: bad value for count: \"101\" is out of range (1..100)"},
    {"count", "-1", "t.cf:1: bad value for count: \"-1\" is out of range (1..100)"},
    {"count", "ten", "t.cf:1: bad value for count: \"ten\" is not an integer"},
    {"count", "", "t.cf:1: bad value for count: \"\" is not an integer"},
    {"count", "1.5", "t.cf:1: bad value for count: \"1.5\" is not an integer"},
    {"count", "0x10", "t.cf:1: bad value for count: \"0x10\" is not an integer"},
    {"count", "5 5", "t.cf:1: bad value for count: \"5 5\" is not an integer"},
    {"count", "-", "t.cf:1: bad value for count: \"-\" is not an integer"},
    {"offset", "9223372036854775808",
     "t.cf:1: bad value for offset: \"9223372036854775808\" is too large"},
    {"offset", "99999999999999999999999",
     "t.cf:1: bad value for offset: \"99999999999999999999999\" is too large"},
    {"max_size", "10X",
     "t.cf:1: bad value for max_size: \"10X\" is not a size (a number of bytes, with an "
     "optional k, M or G)"},
    {"max_size", "-1",
     "t.cf:1: bad value for max_size: \"-1\" is not a size (a number of bytes, with an "
     "optional k, M or G)"},
    {"max_size", "k",
     "t.cf:1: bad value for max_size: \"k\" is not a size (a number of bytes, with an "
     "optional k, M or G)"},
    {"max_size", "1MM",
     "t.cf:1: bad value for max_size: \"1MM\" is not a size (a number of bytes, with an "
     "optional k, M or G)"},
    {"max_size", "8589934592G",
     "t.cf:1: bad value for max_size: \"8589934592G\" is too large"},
    {"small_size", "5k",
     "t.cf:1: bad value for small_size: \"5k\" is out of range (1..4096 bytes)"},
    {"small_size", "0",
     "t.cf:1: bad value for small_size: \"0\" is out of range (1..4096 bytes)"},
    {"timeout", "2h",
     "t.cf:1: bad value for timeout: \"2h\" is out of range (1..3600 seconds)"},
    {"timeout", "5x",
     "t.cf:1: bad value for timeout: \"5x\" is not a duration (a number, with an "
     "optional s, "
     "m, h, d or w)"},
    {"timeout", "5M",
     "t.cf:1: bad value for timeout: \"5M\" is not a duration (a number, with an "
     "optional s, "
     "m, h, d or w)"},
    {"timeout", "1h30m",
     "t.cf:1: bad value for timeout: \"1h30m\" is not a duration (a number, with an "
     "optional "
     "s, m, h, d or w)"},
    {"timeout", "30 # seconds",
     "t.cf:1: bad value for timeout: \"30 # seconds\" is not a duration (a number, with "
     "an "
     "optional s, m, h, d or w)"},
    {"period", "9223372036854775807w",
     "t.cf:1: bad value for period: \"9223372036854775807w\" is too large"},
    {"enabled", "maybe",
     "t.cf:1: bad value for enabled: \"maybe\" is not a boolean (yes or no)"},
    {"enabled", "", "t.cf:1: bad value for enabled: \"\" is not a boolean (yes or no)"},
    {"enabled", "yess",
     "t.cf:1: bad value for enabled: \"yess\" is not a boolean (yes or no)"},
    {"enabled", "y\x01\"\\",
     "t.cf:1: bad value for enabled: \"y\\x01\\\"\\\\\" is not a boolean (yes or no)"},
};

static void
test_bad_values(void)
{
    struct str line;
    str_init(&line, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;
        str_clear(&line);
        str_appendf(&line, "%s = %s\n", bad[i].key, bad[i].text);
        struct config *c = load(str_cstr(&line), &rc);
        t_current = bad[i].text;
        CHECK_INT(rc, -1);
        CHECK_INT(config_error_count(c), 1);
        if (config_error_count(c) == 1)
            CHECK_STR(config_error(c, 0), bad[i].error);
        CHECK(!config_is_set(c, bad[i].key));
        config_free(&c);
    }
    str_deinit(&line);
}

/* Whole buffers and every error they must give, joined by '\n'. */
#define T(s) s, sizeof(s) - 1 /* a text that may hold NUL bytes, and its length */
static const struct {
    const char *text;
    size_t len;
    const char *errors;
} syntax[] = {
    {T(""), ""},
    {T("\n\n   \n\t\n"), ""},
    {T("# comment\n   # indented comment\n"), ""},
    {T("foo = 1\n"), "t.cf:1: unknown setting \"foo\""},
    {T("Name = x\n"), "t.cf:1: bad setting name \"Name\" (use a-z, 0-9 and _)"},
    {T("na-me = x\n"), "t.cf:1: bad setting name \"na-me\" (use a-z, 0-9 and _)"},
    {T("= x\n"), "t.cf:1: missing setting name before \"=\""},
    {T("name x\n"), "t.cf:1: expected \"=\" after \"name\""},
    {T("name\n"), "t.cf:1: expected \"=\" after \"name\""},
    {T("  name = x\n"), "t.cf:1: continuation line with no setting before it"},
    {T("name = a\x00z\n"), "t.cf:1: NUL byte in line"},
    {T("include\n"), "t.cf:1: include without a path"},
    {T("name = a\n  b\x00\nname = c\n"), "t.cf:2: NUL byte in line"},
    /* every error is collected, with its line */
    {T("count = 5\nfoo = 1\n\nbar = 2\nenabled = perhaps\n# fine\nname\ntimeout = 1s\n"),
     "t.cf:2: unknown setting \"foo\"\n"
     "t.cf:4: unknown setting \"bar\"\n"
     "t.cf:5: bad value for enabled: \"perhaps\" is not a boolean (yes or no)\n"
     "t.cf:7: expected \"=\" after \"name\""},
    /* a continued bad line is reported at its first line, once */
    {T("\nfoo = 1\n  2\n  3\ncount =\n  7x\n"),
     "t.cf:2: unknown setting \"foo\"\n"
     "t.cf:5: bad value for count: \"7x\" is not an integer"},
};

static void
test_syntax(void)
{
    struct str all;
    str_init(&all, 0);
    for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
        struct config *c = fresh();
        int rc = config_load_buffer(c, "t.cf", syntax[i].text, syntax[i].len);
        t_current = syntax[i].errors;
        str_clear(&all);
        for (size_t j = 0; j < config_error_count(c); j++)
            str_appendf(&all, "%s%s", j ? "\n" : "", config_error(c, j));
        CHECK_STR(str_cstr(&all), syntax[i].errors);
        CHECK_INT(rc, syntax[i].errors[0] ? -1 : 0);
        config_free(&c);
    }
    str_deinit(&all);
}

static void
test_valid_settings_survive_errors(void)
{
    int rc;
    struct config *c = load("count = 5\nfoo = 1\ntimeout = 1s\nenabled = perhaps\n", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(config_error_count(c), 2);
    CHECK_INT(config_get_int(c, "count"), 5);
    CHECK_INT(config_get_duration(c, "timeout"), 1);
    CHECK(!config_get_bool(c, "enabled"));
    config_free(&c);
}

static void
test_continuation(void)
{
    int rc;
    struct config *c = load("name = first\n"
                            "   second  \n"
                            "# a comment does not end it\n"
                            "\n"
                            "\tthird\r\n"
                            "servers = 192.0.2.1,\n"
                            "          192.0.2.2\n"
                            "  192.0.2.3\n"
                            "count=\n"
                            " 12\n"
                            "empty =\n",
                            &rc);
    struct str s;
    str_init(&s, 0);
    CHECK_INT(rc, 0);
    CHECK_STR(config_get_str(c, "name"), "first second third");
    CHECK_STR(config_source(c, "name"), "t.cf:1");
    CHECK_STR(joined(c, "servers", &s), "192.0.2.1|192.0.2.2|192.0.2.3");
    CHECK_INT(config_get_int(c, "count"), 12);
    CHECK_STR(config_source(c, "count"), "t.cf:9");
    CHECK_STR(config_get_str(c, "empty"), "");
    CHECK(config_is_set(c, "empty"));
    str_deinit(&s);
    config_free(&c);

    /* CRLF line ends and a last line without one */
    c = load("count = 3\r\nname = crlf\r\n\r\noffset = 9", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(config_get_int(c, "count"), 3);
    CHECK_STR(config_get_str(c, "name"), "crlf");
    CHECK_INT(config_get_int(c, "offset"), 9);
    config_free(&c);
}

static void
test_twice(void)
{
    int rc;
    struct config *c = load("count = 5\nname = x\ncount = 6\n", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(config_get_int(c, "count"), 6);
    CHECK_STR(config_source(c, "count"), "t.cf:3");
    CHECK_INT(config_warning_count(c), 1);
    CHECK_STR(config_warning(c, 0),
              "t.cf:3: setting \"count\" given again (before at t.cf:1); the last wins");
    config_free(&c);
}

static void
test_overrides(void)
{
    struct config *c = fresh();
    /* given before the file: still wins over it */
    CHECK_INT(config_set_override(c, "count=50"), 0);
    CHECK_INT(config_set_override(c, " name =  spaced out "), 0);
    const char *file = "count = 5\nname = file\noffset = 1\n";
    CHECK_INT(config_load_buffer(c, "t.cf", file, strlen(file)), 0);
    CHECK_INT(config_get_int(c, "count"), 50);
    CHECK_STR(config_get_str(c, "name"), "spaced out");
    CHECK_STR(config_source(c, "count"), "-o:1");
    CHECK_STR(config_source(c, "name"), "-o:2");
    CHECK_INT(config_get_int(c, "offset"), 1);
    /* given after: wins too, and the last -o wins over an earlier one */
    CHECK_INT(config_set_override(c, "offset=2"), 0);
    CHECK_INT(config_set_override(c, "count=60"), 0);
    CHECK_INT(config_get_int(c, "offset"), 2);
    CHECK_INT(config_get_int(c, "count"), 60);
    CHECK_STR(config_source(c, "count"), "-o:4");
    CHECK_INT(config_warning_count(c), 0);
    /* errors name the override */
    CHECK_INT(config_set_override(c, "foo=1"), -1);
    CHECK_INT(config_set_override(c, "count=1000"), -1);
    CHECK_INT(config_set_override(c, "count"), -1);
    CHECK_INT(config_set_override(c, "=1"), -1);
    CHECK_INT(config_set_override(c, "name=a\nb"), -1);
    CHECK_INT(config_error_count(c), 5);
    CHECK_STR(config_error(c, 0), "-o:5: unknown setting \"foo\"");
    CHECK_STR(config_error(c, 1),
              "-o:6: bad value for count: \"1000\" is out of range (1..100)");
    CHECK_STR(config_error(c, 2), "-o:7: expected key=value, not \"count\"");
    CHECK_STR(config_error(c, 3), "-o:8: bad setting name \"\"");
    CHECK_STR(config_error(c, 4), "-o:9: line break in \"name=a\\x0ab\"");
    CHECK_INT(config_get_int(c, "count"), 60);
    config_free(&c);
}

/* Files for the include tests, under a fresh temporary folder. */
static char tmpdir[] = "/tmp/tamis-test-config-XXXXXX";

static void
put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void
sub(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    CHECK_INT(mkdir(path, 0755), 0);
}

static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        remove_tree(child);
    }
    closedir(d);
    rmdir(path);
}

/* Load tmpdir/rel; returns the config, rc in *rc. */
static struct config *
load_file(const char *rel, int *rc)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    struct config *c = fresh();
    *rc = config_load_file(c, path);
    return c;
}

/* The error i with the temporary folder's name replaced by "D". */
static const char *
err_rel(const struct config *c, size_t i, struct str *s)
{
    str_clear(s);
    if (i >= config_error_count(c))
        return "(no such error)";
    const char *e = config_error(c, i);
    size_t tl = strlen(tmpdir);
    for (const char *p = e; *p;) {
        if (strncmp(p, tmpdir, tl) == 0) {
            str_appendc(s, 'D');
            p += tl;
        } else {
            str_appendc(s, *p++);
        }
    }
    return str_cstr(s);
}

static void
test_include_glob(void)
{
    int rc;
    struct str s;
    str_init(&s, 0);
    sub("conf.d");
    sub("empty.d");
    put("main.cf", "count = 1\n"
                   "include conf.d/*.conf\n"
                   "include empty.d/*.conf\n"
                   "name = main\n");
    put("conf.d/20-b.conf", "count = 20\noffset = 20\n");
    put("conf.d/10-a.conf", "count = 10\nservers = a\n  b\n");
    put("conf.d/ignored.txt", "foo = 1\n");
    struct config *c = load_file("main.cf", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(config_error_count(c), 0);
    CHECK_INT(config_get_int(c, "count"), 20); /* files in name order */
    CHECK_INT(config_get_int(c, "offset"), 20);
    CHECK_STR(joined(c, "servers", &s), "a|b");
    CHECK_STR(config_get_str(c, "name"), "main");
    str_clear(&s);
    str_appendf(&s, "%s/conf.d/20-b.conf:1", tmpdir);
    CHECK_STR(config_source(c, "count"), str_cstr(&s));
    CHECK_INT(config_warning_count(c), 2); /* count three times */
    config_free(&c);

    /* an absolute include, and an error inside an included file */
    str_clear(&s);
    str_appendf(&s, "include %s/conf.d/10-a.conf\ninclude conf.d/ignored.txt\n", tmpdir);
    put("abs.cf", str_cstr(&s));
    c = load_file("abs.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(config_get_int(c, "count"), 10);
    CHECK_INT(config_error_count(c), 1);
    CHECK_STR(err_rel(c, 0, &s), "D/conf.d/ignored.txt:1: unknown setting \"foo\"");
    config_free(&c);

    /* a missing literal file is an error; a directory too */
    put("missing.cf", "name = x\ninclude nothere.cf\ninclude conf.d\n");
    c = load_file("missing.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(config_error_count(c), 2);
    CHECK_STR(
        err_rel(c, 0, &s),
        "D/missing.cf:2: cannot include \"D/nothere.cf\": No such file or directory");
    CHECK_STR(err_rel(c, 1, &s),
              "D/missing.cf:3: cannot include \"D/conf.d\": Is a directory");
    CHECK_STR(config_get_str(c, "name"), "x");
    config_free(&c);

    /* glob characters in the including file's folder are taken literally */
    sub("br[a]ck*t");
    sub("br[a]ck*t/parts");
    put("br[a]ck*t/main.cf",
        "include parts/*.conf\ninclude p?rts/b.conf\ninclude lit.cf\n");
    put("br[a]ck*t/parts/a.conf", "offset = 41\n");
    put("br[a]ck*t/parts/b.conf", "count = 42\n");
    put("br[a]ck*t/lit.cf", "name = literal\n");
    c = load_file("br[a]ck*t/main.cf", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(config_get_int(c, "offset"), 41);
    CHECK_INT(config_get_int(c, "count"), 42);
    CHECK_STR(config_get_str(c, "name"), "literal");
    config_free(&c);

    /* includes can be turned off */
    c = fresh();
    config_allow_includes(c, false);
    CHECK_INT(config_load_buffer(c, "t.cf", "include /etc/passwd\n", 20), -1);
    CHECK_STR(config_error(c, 0), "t.cf:1: include is not allowed here");
    config_free(&c);
    str_deinit(&s);
}

static void
test_include_loop_and_depth(void)
{
    int rc;
    struct str s;
    str_init(&s, 0);
    put("loop-a.cf", "count = 1\ninclude loop-b.cf\n");
    put("loop-b.cf", "\n\ninclude loop-a.cf\noffset = 3\n");
    struct config *c = load_file("loop-a.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(config_error_count(c), 1);
    CHECK_STR(err_rel(c, 0, &s),
              "D/loop-b.cf:3: include loop: \"D/loop-a.cf\" is already being read");
    CHECK_INT(config_get_int(c, "offset"), 3);
    config_free(&c);

    put("self.cf", "include self.cf\n");
    c = load_file("self.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_STR(err_rel(c, 0, &s),
              "D/self.cf:1: include loop: \"D/self.cf\" is already being read");
    config_free(&c);

    /* a chain d0 -> d1 -> ... -> d10: d9 (nesting 9) may not be read */
    for (int i = 0; i <= 10; i++) {
        char name[32], text[64];
        snprintf(name, sizeof(name), "d%d.cf", i);
        snprintf(text, sizeof(text), "offset = %d\ninclude d%d.cf\n", i, i + 1);
        put(name, text);
    }
    c = load_file("d0.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(config_error_count(c), 1);
    CHECK_STR(err_rel(c, 0, &s), "D/d8.cf:2: includes nested more than 8 deep");
    CHECK_INT(config_get_int(c, "offset"), 8);
    config_free(&c);
    str_deinit(&s);
}

static void
test_load_file_errors(void)
{
    int rc;
    struct str s;
    str_init(&s, 0);
    errno = 0;
    struct config *c = load_file("no-such.cf", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(errno, ENOENT);
    CHECK_STR(err_rel(c, 0, &s), "D/no-such.cf: cannot read: No such file or directory");
    config_free(&c);
    c = load_file("conf.d", &rc);
    CHECK_INT(rc, -1);
    CHECK_INT(errno, EISDIR);
    config_free(&c);
    c = fresh();
    CHECK_INT(config_load_file(c, "/dev/null"), -1);
    CHECK_STR(config_error(c, 0), "/dev/null: cannot read: not a regular file");
    config_free(&c);
    str_deinit(&s);
}

static void
test_limits(void)
{
    struct str big;
    str_init(&big, 0);
    /* one physical line too long; the next line still counts */
    str_append_cstr(&big, "name = ");
    for (int i = 0; i < CONFIG_MAX_LINE; i++)
        str_appendc(&big, 'x');
    str_append_cstr(&big, "\ncount = 7\n");
    struct config *c = fresh();
    CHECK_INT(config_load_buffer(c, "t.cf", big.buf, big.len), -1);
    CHECK_INT(config_error_count(c), 1);
    CHECK_STR(config_error(c, 0), "t.cf:1: line longer than 65536 bytes");
    CHECK_STR(config_get_str(c, "name"), "tamis");
    CHECK_INT(config_get_int(c, "count"), 7);
    config_free(&c);

    /* a logical line too long, made of continuation lines */
    str_clear(&big);
    str_append_cstr(&big, "name = start\n");
    for (int i = 0; i < 5; i++) {
        str_appendc(&big, ' ');
        for (int j = 0; j < 60000; j++)
            str_appendc(&big, 'y');
        str_appendc(&big, '\n');
    }
    str_append_cstr(&big, "count = 8\n");
    c = fresh();
    CHECK_INT(config_load_buffer(c, "t.cf", big.buf, big.len), -1);
    CHECK_INT(config_error_count(c), 1);
    CHECK_STR(config_error(c, 0), "t.cf:1: setting longer than 262144 bytes");
    CHECK_STR(config_get_str(c, "name"), "tamis");
    CHECK_INT(config_get_int(c, "count"), 8);
    config_free(&c);

    /* a value of CONFIG_MAX_VALUE bytes is fine and prints on one line */
    for (int extra = 0; extra < 2; extra++) {
        str_clear(&big);
        str_append_cstr(&big, "name = ");
        for (int i = 0; i < CONFIG_MAX_VALUE / 2; i++)
            str_appendc(&big, 'v');
        str_append_cstr(&big, "\n    ");
        for (int i = 0; i < CONFIG_MAX_VALUE / 2 - 1 + extra; i++)
            str_appendc(&big, 'w');
        c = fresh();
        int rc = config_load_buffer(c, "t.cf", big.buf, big.len);
        CHECK_INT(rc, extra ? -1 : 0);
        if (extra) {
            CHECK_STR(config_error(c, 0),
                      "t.cf:1: bad value for name: longer than 64000 bytes");
        } else {
            CHECK_INT(strlen(config_get_str(c, "name")), CONFIG_MAX_VALUE);
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            CHECK_INT(config_print(c, f, CONFIG_PRINT_NON_DEFAULT), 0);
            fclose(f);
            struct config *back = fresh();
            CHECK_INT(config_load_buffer(back, "back", buf, len), 0);
            CHECK_INT(strlen(config_get_str(back, "name")), CONFIG_MAX_VALUE);
            config_free(&back);
            free(buf);
        }
        config_free(&c);
    }

    /* too many list items */
    str_clear(&big);
    str_append_cstr(&big, "servers =");
    for (int i = 0; i <= CONFIG_MAX_LIST_ITEMS; i++)
        str_append_cstr(&big, " s");
    c = fresh();
    CHECK_INT(config_load_buffer(c, "t.cf", big.buf, big.len), -1);
    CHECK_STR(config_error(c, 0), "t.cf:1: bad value for servers: more than 4096 items");
    config_free(&c);

    /* too many errors: the first CONFIG_MAX_ERRORS are kept, then a note */
    str_clear(&big);
    for (int i = 0; i < 300; i++)
        str_appendf(&big, "bad%d = 1\n", i);
    c = fresh();
    CHECK_INT(config_load_buffer(c, "t.cf", big.buf, big.len), -1);
    CHECK_INT(config_error_count(c), CONFIG_MAX_ERRORS + 1);
    CHECK_STR(config_error(c, 99), "t.cf:100: unknown setting \"bad99\"");
    CHECK_STR(config_error(c, 100), "too many messages; the rest are not shown");
    config_free(&c);

    /* too many lines in all */
    str_clear(&big);
    for (int i = 0; i < CONFIG_MAX_LINES + 5; i++)
        str_append_cstr(&big, "#\n");
    str_append_cstr(&big, "count = 9\n");
    c = fresh();
    CHECK_INT(config_load_buffer(c, "t.cf", big.buf, big.len), -1);
    CHECK_STR(config_error(c, 0),
              "t.cf:100001: too many lines (more than 100000 in all)");
    CHECK_INT(config_get_int(c, "count"), 10);
    config_free(&c);
    str_deinit(&big);
}

/* Print c with flags into a string. */
static char *
printed(const struct config *c, unsigned flags)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_INT(config_print(c, f, flags), 0);
    fclose(f);
    return buf;
}

static void
test_print(void)
{
    int rc;
    struct config *c = load("timeout = 10s\nservers = x,\n y\nempty = e\n", &rc);
    CHECK_INT(config_set_override(c, "count = 3"), 0);
    char *out = printed(c, CONFIG_PRINT_NON_DEFAULT);
    CHECK_STR(out, "count = 3\nempty = e\nservers = x, y\ntimeout = 10s\n");
    free(out);
    out = printed(c, CONFIG_PRINT_NON_DEFAULT | CONFIG_PRINT_SOURCE | CONFIG_PRINT_HELP);
    CHECK_STR(out, "# an integer from 1 to 100\n# from -o:1\ncount = 3\n"
                   "# a string that defaults to nothing\n# from t.cf:4\nempty = e\n"
                   "# a list\n# from t.cf:2\nservers = x, y\n"
                   "# a duration up to an hour\n# from t.cf:1\ntimeout = 10s\n");
    free(out);
    out = printed(c, 0);
    CHECK_STR(out, "count = 3\nempty = e\nenabled = no\nmax_size = 10M\nname = tamis\n"
                   "offset = -5\nperiod = 1d\nrules = a, b c\nservers = x, y\n"
                   "small_size = 1k\ntimeout = 10s\n");
    /* what is printed reads back to the same values */
    struct config *back = fresh();
    CHECK_INT(config_load_buffer(back, "printed", out, strlen(out)), 0);
    char *again = printed(back, 0);
    CHECK_STR(again, out);
    free(again);
    free(out);
    config_free(&back);
    config_free(&c);
    c = fresh();
    out = printed(c, CONFIG_PRINT_NON_DEFAULT);
    CHECK_STR(out, "");
    free(out);
    CHECK_INT(config_set_override(c, "empty="), 0);
    out = printed(c, CONFIG_PRINT_NON_DEFAULT);
    CHECK_STR(out, "empty =\n");
    free(out);
    config_free(&c);
}

static void
test_print_errors(void)
{
    int rc;
    struct config *c = load("foo = 1\ncount = 1\ncount = 2\n", &rc);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_print_errors(c, f);
    fclose(f);
    CHECK_STR(buf,
              "t.cf:1: unknown setting \"foo\"\n"
              "warning: t.cf:3: setting \"count\" given again (before at t.cf:2); the "
              "last wins\n");
    free(buf);
    config_free(&c);
}

/* Run fn in a child; it must die of SIGABRT (log_panic). */
static void
expect_panic(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(2);
        fn();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

static void
panic_unknown_key(void)
{
    struct config *c = fresh();
    config_get_str(c, "no_such_key");
}

static void
panic_wrong_type(void)
{
    struct config *c = fresh();
    config_get_int(c, "name");
}

static void
panic_bad_default(void)
{
    static const struct config_key s[] = {{"n", CONFIG_INT, "x", 0, 0, ""}};
    config_new(s, 1);
}

static void
panic_default_out_of_range(void)
{
    static const struct config_key s[] = {{"n", CONFIG_INT, "0", 1, 2, ""}};
    config_new(s, 1);
}

static void
panic_bad_name(void)
{
    static const struct config_key s[] = {{"Bad", CONFIG_STRING, "", 0, 0, ""}};
    config_new(s, 1);
}

static void
panic_duplicate(void)
{
    static const struct config_key s[] = {{"a", CONFIG_STRING, "", 0, 0, ""},
                                          {"a", CONFIG_STRING, "", 0, 0, ""}};
    config_new(s, 2);
}

static void
panic_typed_without_default(void)
{
    static const struct config_key s[] = {{"b", CONFIG_BOOL, NULL, 0, 0, ""}};
    config_new(s, 1);
}

static void
panic_long_name(void)
{
    static const struct config_key s[] = {
        {"a123456789012345678901234567890123456789012345678901234567890123456789",
         CONFIG_STRING, "", 0, 0, ""}};
    config_new(s, 1);
}

static void
test_panics(void)
{
    expect_panic(panic_long_name);
    expect_panic(panic_unknown_key);
    expect_panic(panic_wrong_type);
    expect_panic(panic_bad_default);
    expect_panic(panic_default_out_of_range);
    expect_panic(panic_bad_name);
    expect_panic(panic_duplicate);
    expect_panic(panic_typed_without_default);
}

int
main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    T_RUN(test_defaults);
    T_RUN(test_good_values);
    T_RUN(test_bad_values);
    T_RUN(test_syntax);
    T_RUN(test_valid_settings_survive_errors);
    T_RUN(test_continuation);
    T_RUN(test_twice);
    T_RUN(test_overrides);
    T_RUN(test_include_glob);
    T_RUN(test_include_loop_and_depth);
    T_RUN(test_load_file_errors);
    T_RUN(test_limits);
    T_RUN(test_print);
    T_RUN(test_print_errors);
    T_RUN(test_panics);
    remove_tree(tmpdir);
    return t_done();
}
