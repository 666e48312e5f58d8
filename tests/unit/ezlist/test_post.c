/*
 * test_post: RFC 3834 refusals, loop detection, and the post as
 * subscribers get it: list headers, the subject prefix not doubled, and the
 * footer appended to plain text, added as a part of a multipart/mixed, or
 * wrapping a signed or encoded message untouched.
 */
#include "t.h"

#include "ezlist/post.h"
#include "fake_list.h"


static struct header_block
parse(struct arena *a, const char *msg)
{
    struct mail_limits lim = mail_limits_default();
    struct header_block h;
    header_parse(a, &lim, slice_from_cstr(msg), false, &h);
    return h;
}

static void
test_autoreply(void)
{
    static const struct {
        const char *headers, *sender;
        int refused;
    } cases[] = {
        {"Subject: x\n\n", "joe@example.org", 0},
        {"Subject: x\n\n", "", 1},
        {"Subject: x\n\n", "#@[]", 1},
        {"Subject: x\n\n", "MAILER-DAEMON", 1},
        {"Auto-Submitted: auto-replied\n\n", "joe@example.org", 1},
        {"Auto-Submitted:  No \n\n", "joe@example.org", 0},
        {"Precedence: bulk\n\n", "joe@example.org", 1},
        {"Precedence: JUNK\n\n", "joe@example.org", 1},
        {"Precedence: list\n\n", "joe@example.org", 1},
        {"Precedence: first-class\n\n", "joe@example.org", 0},
        {"List-Id: <x.example.org>\n\n", "joe@example.org", 1},
        {"list-unsubscribe: <mailto:x@example.org>\n\n", "joe@example.org", 1},
        {"Mailing-List: contact x-help@example.org\n\n", "joe@example.org", 1},
    };
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_current = cases[i].headers;
        struct header_block h = parse(a, cases[i].headers);
        const char *why;
        CHECK_INT(post_no_autoreply(&h, cases[i].sender, &why), cases[i].refused);
    }
    arena_free(&a);
}

static void
test_loop(void)
{
    struct arena *a = arena_new(0);
    struct header_block h = parse(a, "Delivered-To: mailing list news@lists.example.org\n\n");
    CHECK(post_is_loop(&fake_list, &h));
    h = parse(a, "List-Id: News <news.lists.example.org>\n\n");
    CHECK(post_is_loop(&fake_list, &h));
    h = parse(a, "Delivered-To: news@lists.example.org\nList-Id: <other.example.org>\n\n");
    CHECK(!post_is_loop(&fake_list, &h));
    arena_free(&a);
}

static char *
rewrite(const char *msg, const char *footer)
{
    struct str out;
    str_init(&out, 0);
    post_rewrite(&fake_list, slice_from_cstr(msg), slice_from_cstr(footer), "B", &out);
    return str_steal(&out, NULL);
}

static void
test_headers_prefix(void)
{
    char *o = rewrite("Return-Path: <x@y.org>\nSubject: hello\nList-Id: <old.list>\n"
                      "Precedence: bulk\nFrom: a@b.org\n\nbody\n", "");
    CHECK(strncmp(o, "Delivered-To: mailing list news@lists.example.org\n", 50) == 0);
    CHECK(strstr(o, "Subject: [news] hello\n") != NULL);
    CHECK(strstr(o, "Return-Path") == NULL);
    CHECK(strstr(o, "old.list") == NULL);
    CHECK(strstr(o, "bulk") == NULL);
    CHECK(strstr(o, "List-Id: <news.lists.example.org>\n") != NULL);
    CHECK(strstr(o, "List-Post: <mailto:news@lists.example.org>\n") != NULL);
    CHECK(strstr(o, "List-Unsubscribe: <mailto:news-unsubscribe@lists.example.org>\n") != NULL);
    CHECK(strstr(o, "Precedence: list\n\nbody\n") != NULL);
    free(o);
    o = rewrite("Subject: Re: [news] hello\n\nbody\n", "");
    CHECK(strstr(o, "Subject: Re: [news] hello\n") != NULL);
    free(o);
    o = rewrite("From: a@b.org\n\nbody\n", "");
    CHECK(strstr(o, "Subject: [news]\n") != NULL);
    free(o);
}

static void
test_footer(void)
{
    char *o = rewrite("Subject: x\n\nbody\n", "-- \nfooter\n");
    CHECK(strstr(o, "\n\nbody\n\n-- \nfooter\n") != NULL);
    free(o);
    o = rewrite("Subject: x\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n"
                "--zz\nContent-Type: text/plain\n\nhi\n--zz--\n",
                "footer\n");
    CHECK(strstr(o, "\nhi\n--zz\nContent-Type: text/plain; charset=utf-8\n") != NULL);
    CHECK(strstr(o, "\n\nfooter\n--zz--\n") != NULL);
    free(o);
    const char *signed_msg =
        "Subject: x\nContent-Type: multipart/signed; boundary=\"s\"; protocol=\"p\"\n\n"
        "--s\nContent-Type: text/plain\n\nsigned text\n--s\nContent-Type: p\n\nSIG\n--s--\n";
    o = rewrite(signed_msg, "footer\n");
    CHECK(strstr(o, "\nContent-Type: multipart/mixed; boundary=\"ezlist-B\"\n") != NULL);
    CHECK(strstr(o, "MIME-Version: 1.0\n") != NULL);
    CHECK(strstr(o, "--ezlist-B\nContent-Type: multipart/signed; boundary=\"s\"; "
                    "protocol=\"p\"\n\n--s\nContent-Type: text/plain\n\nsigned text\n--s\n"
                    "Content-Type: p\n\nSIG\n--s--\n\n--ezlist-B\n") != NULL);
    CHECK(strstr(o, "\nfooter\n--ezlist-B--\n") != NULL);
    free(o);
    o = rewrite("Subject: x\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
                "aGVsbG8K\n",
                "footer\n");
    CHECK(strstr(o, "--ezlist-B\nContent-Type: text/plain\nContent-Transfer-Encoding: "
                    "base64\n\naGVsbG8K\n\n--ezlist-B\n") != NULL);
    free(o);
}

int
main(void)
{
    T_RUN(test_autoreply);
    T_RUN(test_loop);
    T_RUN(test_headers_prefix);
    T_RUN(test_footer);
    return t_done();
}
