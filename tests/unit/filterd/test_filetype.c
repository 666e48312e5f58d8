/*
 * Tests of filterd/check_filetype: the name helpers (lying and double
 * extensions) on a table, then the policy through the pipeline on mails
 * whose attachments are real files of each type: an ELF program from
 * /bin, a shell script, a Windows batch file, a PDF and a PNG made here,
 * mislabeled names, a double extension, the administrator's own bans and
 * each action.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_filetype.h"
#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "filterd/verdict.h"
#include "mail/filename.h"
#include "lib/fdio.h"
#include "t.h"

/* --- Helpers -------------------------------------------------------------- */

static void
base64_append(struct str *out, const unsigned char *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        str_appendc(out, tab[v >> 18 & 63]);
        str_appendc(out, tab[v >> 12 & 63]);
        str_appendc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
        str_appendc(out, i + 2 < n ? tab[v & 63] : '=');
        if ((col += 4) >= 76) {
            str_appendc(out, '\n');
            col = 0;
        }
    }
    str_appendc(out, '\n');
}

/* A mail with one text part and one attachment named name. */
static void
mail_with(struct str *out, const char *name, const void *data, size_t n)
{
    str_clear(out);
    str_append_cstr(out, "From: a@example.org\nTo: b@example.org\nSubject: files\n"
                         "Date: Thu, 3 Dec 2026 10:00:00 +0000\nMessage-ID: <f@example.org>\n"
                         "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
                         "--b\nContent-Type: text/plain\n\nSee the file.\n--b\n"
                         "Content-Type: application/octet-stream\n");
    str_appendf(out, "Content-Disposition: attachment; filename=\"%s\"\n"
                     "Content-Transfer-Encoding: base64\n\n", name);
    base64_append(out, data, n);
    str_append_cstr(out, "--b--\n");
}

static struct pipeline *
pipeline_with(const char *o1, const char *o2)
{
    struct config *c = settings_new();
    const char *always[] = {"virus_scan=no", o1, o2};
    for (size_t i = 0; i < 3; i++)
        if (always[i])
            CHECK_INT(config_set_override(c, always[i]), 0);
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    if (p == NULL)
        fprintf(stderr, "pipeline_new: %s", str_cstr(&err));
    CHECK(p != NULL);
    str_deinit(&err);
    config_free(&c);
    return p;
}

struct result {
    enum verdict_action action;
    bool banned, mismatch, dbl, error;
    char reply[256];
    char why[512];
};

static struct result
scan(const struct pipeline *p, const char *name, const void *data, size_t n)
{
    static const struct scan_env env = {.queue_id = "", .client_addr = "", .client_name = "",
                                        .helo = "", .sender = ""};
    struct result r;
    memset(&r, 0, sizeof(r));
    struct str mail;
    str_init(&mail, 0);
    mail_with(&mail, name, data, n);
    struct message *m = message_from_memory(mail.buf, mail.len, pipeline_limits(p));
    struct verdict v;
    verdict_init(&v, m->arena);
    pipeline_scan(p, &env, m, &v);
    r.action = v.action;
    for (size_t i = 0; i < v.n; i++) {
        const char *s = v.symbols[i].name;
        r.banned |= strcmp(s, "FILETYPE_BANNED") == 0;
        r.mismatch |= strcmp(s, "FILENAME_EXT_MISMATCH") == 0;
        r.dbl |= strcmp(s, "FILENAME_DOUBLE_EXT") == 0;
        r.error |= strcmp(s, "CHECK_ERROR_FILETYPE") == 0;
        if (strcmp(s, "FILETYPE_BANNED") == 0)
            snprintf(r.why, sizeof(r.why), "%s", v.symbols[i].description);
    }
    if (v.reply_text)
        snprintf(r.reply, sizeof(r.reply), "%s %s %s", v.reply_code, v.reply_xcode,
                 v.reply_text);
    message_free(&m);
    str_deinit(&mail);
    return r;
}

/* The first n bytes of a file (the tests' real programs). */
static size_t
read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return 0;
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got;
}

/* A minimal but well-formed PDF and PNG. */
static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                          "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                          "trailer << /Root 1 0 R >>\n%%EOF\n";
static const unsigned char png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
static const char script[] = "#!/bin/sh\necho hello\nrm -rf \"$HOME/tmp\"\n";
static const char batch[] = "@echo off\r\necho hello\r\ndel /q C:\\temp\\*\r\n";
static const char vbs[] = "WScript.Echo \"hello\"\n";

/* --- Tests ---------------------------------------------------------------- */

static void
test_names(void)
{
    static const char *const exts[] = {"exe", "scr", "vbs"};
    static const struct {
        const char *name, *mime;
        bool mismatch, dbl;
    } cases[] = {
        {"report.pdf", "application/pdf", false, false},
        {"report.PDF", "application/vnd.microsoft.portable-executable", true, false},
        {"photo.jpg", "image/png", true, false},
        {"photo.jpeg", "image/jpeg", false, false},
        {"notes.txt", "text/plain", false, false},
        {"notes.txt", "application/x-dosexec", true, false},
        {"data.bin", "application/x-dosexec", false, false},
        {"archive.tar.gz", "application/gzip", false, false},
        {"broken.pdf", "application/octet-stream", false, false},
        {"invoice.pdf.exe", "application/x-dosexec", false, true},
        {"invoice.pdf   .exe", "application/x-dosexec", false, true},
        {"invoice.PDF.Scr", "application/x-dosexec", false, true},
        {"photo.jpg.vbs", "text/plain", false, true},
        {"setup.exe.exe", "application/x-dosexec", false, false},
        {"release.1.2.exe", "application/x-dosexec", false, false},
        {"invoice.pdf.zip", "application/zip", false, false},
        {"noext", "application/x-dosexec", false, false},
        {".pdf", "text/plain", false, false},
        {"a.pdf.", "application/x-dosexec", true, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        CHECK_INT(filename_ext_mismatch(cases[i].name, cases[i].mime), cases[i].mismatch);
        CHECK_INT(filename_double_ext(cases[i].name, exts, 3), cases[i].dbl);
    }
    t_current = "test_names";
    CHECK(filename_ext_in("x.VBS", exts, 3));
    CHECK(!filename_ext_in("x.vbs.txt", exts, 3));
    CHECK(!filename_ext_in(NULL, exts, 3));
}

static void
test_real_files(void)
{
    static char elf[1 << 20];
    size_t nelf = read_file("/bin/ls", elf, sizeof(elf));
    CHECK(nelf > 1000);
    struct pipeline *p = pipeline_with(NULL, NULL);
    struct result r = scan(p, "tool", elf, nelf);
    CHECK(r.banned && r.action == VERDICT_REJECT);
    /* From a buffer, libmagic cannot read a PIE's dynamic section: it says
     * "shared object" (both are banned). */
    CHECK(strstr(r.why, "application/x-pie-executable") != NULL ||
          strstr(r.why, "application/x-sharedlib") != NULL);
    CHECK(strstr(r.why, "ELF 64-bit") != NULL);
    CHECK(strncmp(r.reply, "554 5.7.1 attachment not allowed: \"tool\"", 40) == 0);
    r = scan(p, "install.txt", script, strlen(script));
    CHECK(r.banned && r.action == VERDICT_REJECT);
    CHECK(strstr(r.why, "text/x-shellscript") != NULL);
    r = scan(p, "run.bat", batch, strlen(batch));
    CHECK(r.banned && strstr(r.why, "text/x-msdos-batch") != NULL);
    /* A VBScript is plain text to libmagic: its extension bans it. */
    r = scan(p, "hello.vbs", vbs, strlen(vbs));
    CHECK(r.banned && strstr(r.why, "filetype_banned_extensions") != NULL);
    r = scan(p, "report.pdf", pdf, strlen(pdf));
    CHECK(!r.banned && !r.mismatch && !r.dbl && r.action == VERDICT_ACCEPT);
    r = scan(p, "pixel.png", png, sizeof(png));
    CHECK(!r.banned && !r.mismatch && r.action == VERDICT_ACCEPT);
    pipeline_free(&p);
}

static void
test_lying_names(void)
{
    static char elf[1 << 20];
    size_t nelf = read_file("/bin/ls", elf, sizeof(elf));
    struct pipeline *p = pipeline_with(NULL, NULL);
    struct result r = scan(p, "pixel.pdf", png, sizeof(png));
    CHECK(r.mismatch && !r.banned && !r.dbl && r.action == VERDICT_ACCEPT);
    r = scan(p, "statement.pdf", elf, nelf);
    CHECK(r.mismatch && r.banned && r.action == VERDICT_REJECT);
    r = scan(p, "invoice.pdf.exe", pdf, strlen(pdf));
    CHECK(r.dbl && r.banned && r.action == VERDICT_REJECT);
    CHECK(strstr(r.why, "filetype_banned_extensions") != NULL);
    /* Not banned: the double extension and the lie still score. */
    pipeline_free(&p);
    p = pipeline_with("filetype_banned_extensions=", NULL);
    r = scan(p, "invoice.pdf.exe", pdf, strlen(pdf));
    CHECK(r.dbl && r.mismatch && !r.banned && r.action == VERDICT_ADD_HEADER); /* 2 + 3 */
    pipeline_free(&p);
}

/* The symbols' scores are settings: 0 leaves a lying double extension
 * unscored, 100 has the score reject it; a bad number is refused. */
static void
test_scores(void)
{
    struct pipeline *p =
        pipeline_with("filetype_banned_extensions=", "filename_double_ext_score=-2");
    struct result r = scan(p, "invoice.pdf.exe", pdf, strlen(pdf));
    CHECK(r.dbl && r.mismatch && r.action == VERDICT_ACCEPT); /* 2 - 2 */
    pipeline_free(&p);
    p = pipeline_with("filetype_banned_extensions=", "filename_ext_mismatch_score=100");
    r = scan(p, "pixel.pdf", png, sizeof(png));
    CHECK(r.mismatch && !r.banned && r.action == VERDICT_REJECT);
    pipeline_free(&p);
    struct config *c = settings_new();
    CHECK_INT(config_set_override(c, "filetype_banned_score=lots"), 0);
    struct str err;
    str_init(&err, 0);
    p = pipeline_new(c, &err);
    CHECK(p == NULL);
    CHECK(strstr(str_cstr(&err), "bad value for filetype_banned_score: \"lots\"") != NULL);
    pipeline_free(&p);
    str_deinit(&err);
    config_free(&c);
}

static void
test_admin_policy(void)
{
    struct pipeline *p =
        pipeline_with("filetype_banned_types=image/png", "filetype_action=quarantine");
    struct result r = scan(p, "pixel.png", png, sizeof(png));
    CHECK(r.banned && r.action == VERDICT_QUARANTINE);
    pipeline_free(&p);
    p = pipeline_with("filetype_banned_descriptions=pdf document*, *nothing*",
                      "filetype_action=discard");
    r = scan(p, "report.pdf", pdf, strlen(pdf));
    CHECK(r.banned && r.action == VERDICT_DISCARD);
    CHECK(strstr(r.why, "filetype_banned_descriptions") != NULL);
    pipeline_free(&p);
    p = pipeline_with("filetype_action=accept", NULL);
    r = scan(p, "run.sh", script, strlen(script));
    CHECK(r.banned && r.action == VERDICT_ADD_HEADER); /* 10: under reject_score 15 */
    pipeline_free(&p);
    p = pipeline_with("filetype_check=no", NULL);
    r = scan(p, "run.sh", script, strlen(script));
    CHECK(!r.banned && r.action == VERDICT_ACCEPT);
    pipeline_free(&p);
}

static void
test_bad_settings(void)
{
    struct config *c = settings_new();
    CHECK_INT(config_set_override(c, "filetype_action=bounce"), 0);
    struct str err;
    str_init(&err, 0);
    struct pipeline *p = pipeline_new(c, &err);
    CHECK(p == NULL);
    CHECK(strstr(str_cstr(&err), "-o:1: bad value for filetype_action: \"bounce\"") != NULL);
    str_deinit(&err);
    config_free(&c);
}

/* A hostile name reaches the reply only as printable ASCII, bounded. */
static void
test_hostile_name(void)
{
    struct pipeline *p = pipeline_with(NULL, NULL);
    char name[300];
    memset(name, 'A', sizeof(name));
    memcpy(name, "x\001y", 3);
    memcpy(name + sizeof(name) - 5, ".bat", 5);
    struct result r = scan(p, name, batch, strlen(batch));
    CHECK(r.banned && r.action == VERDICT_REJECT);
    CHECK(strstr(r.reply, "x?y") != NULL);
    CHECK(strlen(r.reply) < 200);
    pipeline_free(&p);
}

/* Archive members, unpacked by libclamav: clamav-testfiles' archives
 * each hold clam.exe. */
static void
test_archive_members(void)
{
    static const char *const archives[] = {"clam.zip", "clam.tar.gz", "clam.7z", "clam.cab"};
    static char buf[65536];
    const char *dir = getenv("CLAMAV_TESTFILES");
    char path[512];
    if (dir == NULL)
        dir = "/usr/share/clamav-testfiles";
    snprintf(path, sizeof(path), "%s/clam.zip", dir);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "# clamav-testfiles not installed: archive members not tested\n");
        return;
    }
    struct pipeline *p = pipeline_with(NULL, NULL);
    struct pipeline *off = pipeline_with("filetype_archive_members=no", NULL);
    for (size_t i = 0; i < sizeof(archives) / sizeof(archives[0]); i++) {
        t_current = archives[i];
        snprintf(path, sizeof(path), "%s/%s", dir, archives[i]);
        size_t n = read_file(path, buf, sizeof(buf));
        struct result r = scan(p, archives[i], buf, n);
        CHECK(r.banned && r.action == VERDICT_REJECT);
        char want[64];
        snprintf(want, sizeof(want), "\"%s/clam.exe\" is application/", archives[i]);
        CHECK(strstr(r.why, want) != NULL);
        r = scan(off, archives[i], buf, n);
        CHECK(!r.banned && r.action == VERDICT_ACCEPT);
    }
    t_current = "test_archive_members";
    /* The members are seen within ClamAV's limits, no deeper. */
    pipeline_free(&off);
    off = pipeline_with("virus_max_recursion=1", NULL);
    snprintf(path, sizeof(path), "%s/clam.tar.gz", dir);
    size_t n = read_file(path, buf, sizeof(buf));
    struct result r = scan(off, "clam.tar.gz", buf, n);
    CHECK(!r.banned); /* gz, then tar: clam.exe is two levels down */
    pipeline_free(&off);
    pipeline_free(&p);
}

int
main(void)
{
    T_RUN(test_names);
    T_RUN(test_real_files);
    T_RUN(test_lying_names);
    T_RUN(test_admin_policy);
    T_RUN(test_bad_settings);
    T_RUN(test_scores);
    T_RUN(test_hostile_name);
    T_RUN(test_archive_members);
    return t_done();
}
