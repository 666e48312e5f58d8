/*
 * fuzz_ezlist_post: a whole incoming message through the RFC 3834 check,
 * the loop check and the rewriting of a post with a footer. Checks that
 * the output starts with the loop marker, carries the list headers once,
 * ends with the footer's text somewhere, and is bounded by the input.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ezlist/post.h"
#include "../unit/ezlist/fake_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int
contains(const struct str *s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s->len; i++)
        if (memcmp(s->buf + i, needle, n) == 0)
            return 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice in = {(const char *)data, size};
    struct arena *a = arena_new(0);
    struct mail_limits lim = mail_limits_default();
    struct header_block h;
    header_parse(a, &lim, in, false, &h);
    const char *why;
    (void)post_no_autoreply(&h, "joe@example.org", &why);
    (void)post_is_loop(&fake_list, &h);
    struct str out;
    str_init(&out, 0);
    post_rewrite(&fake_list, in, SLICE_LIT("FOOTER-TEXT\n"), "B", &out);
    const char *mark = "Delivered-To: mailing list news@lists.example.org\n";
    if (out.len < strlen(mark) || memcmp(out.buf, mark, strlen(mark)) != 0)
        FUZZ_CHECK_FAILED();
    if (out.len > 2 * size + 4096)
        FUZZ_CHECK_FAILED();
    if (!contains(&out, "FOOTER-TEXT"))
        FUZZ_CHECK_FAILED();
    str_deinit(&out);
    arena_free(&a);
    return 0;
}
