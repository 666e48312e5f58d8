/*
 * Tests of message_urls (filterd/message.c): the URLs of the text parts,
 * from the rendered text and the HTML attributes, found once per message
 * in part order, and the MESSAGE_URLS_MAX bound; the rules' uri tests
 * reading them through the pipeline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "lib/str.h"
#include "t.h"

static const char two_parts[] =
    "From: a@example.org\r\n"
    "Subject: links\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "see http://plain.example/x and www.bare.example\r\n"
    "--b\r\n"
    "Content-Type: text/html\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p><a href=3D\"http://href.example/y\">click</a> or http://shown.example/</p>\r\n"
    "<img src=3D\"https://img.example/i.png\">\r\n"
    "--b--\r\n";

static void
check_url(const struct message_url *u, const char *url, size_t text, bool attribute)
{
    CHECK_INT(u->url.len, strlen(url));
    CHECK(memcmp(u->url.ptr, url, u->url.len) == 0);
    CHECK_INT(u->text, text);
    CHECK_INT(u->attribute, attribute);
}

static void
test_parts_and_attributes(void)
{
    struct mail_limits lim = mail_limits_default();
    struct message *m = message_from_memory(two_parts, sizeof(two_parts) - 1, &lim);
    const struct message_url *u;
    size_t found = 0;
    size_t n = message_urls(m, &u, &found);
    CHECK_INT(n, 5);
    CHECK_INT(found, 5);
    if (n == 5) {
        check_url(&u[0], "http://plain.example/x", 0, false);
        check_url(&u[1], "www.bare.example", 0, false);
        check_url(&u[2], "http://href.example/y", 1, true);
        check_url(&u[3], "https://img.example/i.png", 1, true);
        check_url(&u[4], "http://shown.example/", 1, false);
    }
    /* Found once: the same array the second time. */
    const struct message_url *again;
    CHECK_INT(message_urls(m, &again, NULL), n);
    CHECK(again == u);
    message_free(&m);
}

static void
test_bound(void)
{
    struct str text;
    str_init(&text, 0);
    str_append_cstr(&text, "Subject: many\r\n\r\n");
    for (int i = 0; i < MESSAGE_URLS_MAX + 3; i++)
        str_appendf(&text, "http://h%d.example/\r\n", i);
    struct mail_limits lim = mail_limits_default();
    struct message *m = message_from_memory(text.buf, text.len, &lim);
    const struct message_url *u;
    size_t found = 0;
    CHECK_INT(message_urls(m, &u, &found), MESSAGE_URLS_MAX);
    CHECK_INT(found, MESSAGE_URLS_MAX + 3);
    check_url(&u[MESSAGE_URLS_MAX - 1], "http://h4999.example/", 0, false);
    message_free(&m);
    str_deinit(&text);
}

static void
test_no_text(void)
{
    static const char msg[] = "Subject: none\r\nContent-Type: image/png\r\n\r\nAAAA\r\n";
    struct mail_limits lim = mail_limits_default();
    struct message *m = message_from_memory(msg, sizeof(msg) - 1, &lim);
    const struct message_url *u;
    size_t found = 7;
    CHECK_INT(message_urls(m, &u, &found), 0);
    CHECK_INT(found, 0);
    message_free(&m);
}

/* The rules' uri tests see the URLs of the text and of the attributes. */
static void
test_rules_uri(void)
{
    const char *dir = getenv("TMPDIR");
    char path[128];
    snprintf(path, sizeof(path), "%s/tamis-urls-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char rules[] = "uri URI_HREF /href\\.example\\/y/\nscore URI_HREF 1.5\n"
                                "uri URI_BARE /^http:\\/\\/www\\.bare\\.example/\n"
                                "uri URI_NONE /nowhere\\.example/\n";
    CHECK(write(fd, rules, sizeof(rules) - 1) == (ssize_t)(sizeof(rules) - 1));
    close(fd);
    struct config *c = settings_new();
    char set[200];
    snprintf(set, sizeof(set), "rules = %s", path);
    CHECK_INT(config_set_override(c, set), 0);
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    CHECK(p != NULL);
    if (p) {
        struct message *m =
            message_from_memory(two_parts, sizeof(two_parts) - 1, pipeline_limits(p));
        struct verdict v;
        verdict_init(&v, m->arena);
        struct scan_env env = {.queue_id = "t", .client_addr = "", .sender = ""};
        pipeline_scan(p, &env, m, &v);
        CHECK(verdict_has_symbol(&v, "URI_HREF"));
        CHECK(verdict_has_symbol(&v, "URI_BARE")); /* "www." read as http */
        CHECK(!verdict_has_symbol(&v, "URI_NONE"));
        message_free(&m);
        pipeline_free(&p);
    }
    str_deinit(&err);
    config_free(&c);
    unlink(path);
}

int
main(void)
{
    T_RUN(test_parts_and_attributes);
    T_RUN(test_bound);
    T_RUN(test_no_text);
    T_RUN(test_rules_uri);
    return t_done();
}
