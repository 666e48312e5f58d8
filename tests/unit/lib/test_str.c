/* Unit tests of lib/str: growth, the per-instance maximum, slices. */
#include "t.h"

#include "lib/str.h"

static void
test_append_and_max(void)
{
    struct str s;
    str_init(&s, 8);
    CHECK_INT(str_append_cstr(&s, "abcd"), 0);
    CHECK_INT(str_append_cstr(&s, "efgh"), 0);
    CHECK_INT(str_appendc(&s, 'i'), -1);
    CHECK_MEM(s.buf, s.len, "abcdefgh");
    CHECK_INT(str_appendf(&s, "%d", 1), -1);
    str_clear(&s);
    CHECK_INT(str_appendf(&s, "%s-%d", "ab", 42), 0);
    CHECK_STR(str_cstr(&s), "ab-42");
    CHECK_INT(str_append_trunc(&s, "123456", 6), -1);
    CHECK_STR(str_cstr(&s), "ab-42123");
    str_deinit(&s);
    CHECK_STR(str_cstr(&s), "");
}

static void
test_unlimited_growth(void)
{
    struct str s;
    str_init(&s, 0);
    for (int i = 0; i < 100000; i++)
        CHECK_INT(str_appendc(&s, 'a' + i % 26), 0);
    CHECK_INT(s.len, 100000);
    CHECK_INT(s.buf[26], 'a');
    CHECK_INT(s.buf[s.len], '\0');
    size_t n;
    char *p = str_steal(&s, &n);
    CHECK_INT(n, 100000);
    CHECK_INT(s.len, 0);
    free(p);
}

static void
test_slices(void)
{
    struct slice a = slice_from_cstr("  Content-Type \r\n");
    CHECK(slice_case_eq_cstr(slice_trim(a), "content-type"));
    CHECK(!slice_case_eq_cstr(slice_trim(a), "content-typ"));
    CHECK(slice_starts_with_case(slice_trim(a), "CONTENT-"));
    CHECK_INT(slice_find_char(a, 'T'), 10);
    CHECK_INT(slice_find_char(a, 'z'), -1);
    CHECK(slice_eq(slice_head(slice_from(a, 2), 7), SLICE_LIT("Content")));
    CHECK(slice_eq(slice_trim(SLICE_LIT(" \t ")), SLICE_NULL));
}

/* Line errors: FILE:LINE prefix, a count shared by files, and a maximum. */
static void
test_line_errors(void)
{
    struct str err;
    str_init(&err, 0);
    size_t errors = 0;
    struct str_lines at = {
        .err = &err, .file = "a.cf", .line = 3, .errors = &errors, .max = 2};
    str_line_error(&at, "bad %s", "key");
    at.file = "b.cf";
    at.line = 7;
    str_line_error(&at, "line longer than %d bytes", 10);
    str_line_error(&at, "not shown");
    CHECK_STR(str_cstr(&err), "a.cf:3: bad key\nb.cf:7: line longer than 10 bytes\n");
    CHECK_INT(errors, 3);
    str_deinit(&err);
}

int
main(void)
{
    T_RUN(test_append_and_max);
    T_RUN(test_unlimited_growth);
    T_RUN(test_slices);
    T_RUN(test_line_errors);
    return t_done();
}
