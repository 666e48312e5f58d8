/*
 * filename: what an attachment's file name says: its extensions, whether
 * one lies about the content's type (libmagic's MIME type), and double
 * extensions ("invoice.pdf.exe"). For the file-type check
 * (filterd/check_filetype.c).
 *
 * Untrusted input: the names (any bytes, any length). Pure: no I/O, no
 * allocation; an extension is at most FILENAME_EXT_MAX bytes (longer ones
 * count as none), and each call reads the name a bounded number of times.
 */
#include "filename.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* Known extensions and the MIME type patterns their content may have. */
static const struct {
    const char *exts; /* " pdf " style: blank-separated, with blanks around */
    const char *types[6];
} known[] = {
    {" pdf ", {"application/pdf"}},
    {" jpg jpeg jpe jfif ", {"image/jpeg"}},
    {" png ", {"image/png"}},
    {" gif ", {"image/gif"}},
    {" bmp ", {"image/bmp", "image/x-ms-bmp"}},
    {" tif tiff ", {"image/tiff"}},
    {" zip ", {"application/zip", "application/x-zip*"}},
    {" gz tgz ", {"application/gzip", "application/x-gzip"}},
    {" rar ", {"application/x-rar*", "application/vnd.rar"}},
    {" 7z ", {"application/x-7z-compressed"}},
    {" doc dot xls xlt ppt pps msg ",
     {"application/msword", "application/vnd.ms-*", "application/cdfv2*",
      "application/x-ole-storage"}},
    {" docx xlsx pptx docm xlsm pptm odt ods odp ",
     {"application/vnd.openxmlformats-officedocument.*", "application/vnd.oasis.*",
      "application/zip", "application/vnd.ms-*"}},
    {" txt csv log ", {"text/*"}},
    {" htm html ", {"text/*"}},
    {" mp3 ", {"audio/mpeg"}},
    {" mp4 ", {"video/mp4"}},
    {" exe dll scr com ",
     {"application/x-dosexec", "application/vnd.microsoft.portable-executable",
      "application/x-msdownload"}},
};

/* Executables' extensions that end a double extension even when the
 * administrator did not ban them. */
static const char *const exec_exts[] = {"exe", "com", "scr", "pif", "bat", "cmd", "vbs",
                                        "js",  "jse", "wsf", "hta", "msi", "lnk", "cpl"};

/* The extension before the end-th dot from the end (0: the last), lower
 * case and without blanks around, into buf; false when there is none. */
bool
filename_ext(const char *name, size_t end, char *buf, size_t n)
{
    size_t len = strlen(name);
    while (len && (name[len - 1] == ' ' || name[len - 1] == '.'))
        len--;
    for (size_t k = 0;; k++) {
        size_t dot = len;
        while (dot && name[dot - 1] != '.')
            dot--;
        if (dot <= 1) /* no dot, or a leading one: ".profile" */
            return false;
        if (k == end) {
            size_t s = dot, e = len, o = 0;
            while (s < e && name[s] == ' ')
                s++;
            while (e > s && name[e - 1] == ' ')
                e--;
            if (e - s == 0 || e - s >= n)
                return false;
            for (; s < e; s++)
                buf[o++] = (char)((name[s] >= 'A' && name[s] <= 'Z') ? name[s] + 32 : name[s]);
            buf[o] = '\0';
            return true;
        }
        len = dot - 1;
        while (len && name[len - 1] == ' ')
            len--;
    }
}

/* The index in known[] of ext, or -1. */
static int
known_index(const char *ext)
{
    char key[24];
    if (snprintf(key, sizeof(key), " %s ", ext) >= (int)sizeof(key))
        return -1;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strstr(known[i].exts, key))
            return (int)i;
    return -1;
}

void
filename_lower(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    buf[i] = '\0';
}

bool
filename_ext_mismatch(const char *name, const char *mime)
{
    char ext[FILENAME_EXT_MAX + 1], m[128];
    if (name == NULL || !filename_ext(name, 0, ext, sizeof(ext)))
        return false;
    int k = known_index(ext);
    filename_lower(mime, m, sizeof(m));
    if (k < 0 || strcmp(m, "application/octet-stream") == 0 || strcmp(m, "inode/x-empty") == 0)
        return false;
    for (size_t i = 0; i < 6 && known[k].types[i]; i++)
        if (fnmatch(known[k].types[i], m, 0) == 0)
            return false;
    return true;
}

bool
filename_ext_in(const char *name, const char *const *exts, size_t n)
{
    char ext[FILENAME_EXT_MAX + 1];
    if (name == NULL || !filename_ext(name, 0, ext, sizeof(ext)))
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ext, exts[i]) == 0)
            return true;
    return false;
}

bool
filename_double_ext(const char *name, const char *const *exts, size_t n)
{
    char prev[FILENAME_EXT_MAX + 1];
    if (name == NULL || !filename_ext(name, 1, prev, sizeof(prev)) || known_index(prev) < 0)
        return false;
    if (filename_ext_in(name, exts, n) ||
        filename_ext_in(name, exec_exts, sizeof(exec_exts) / sizeof(exec_exts[0])))
        return strcmp(prev, "exe") != 0; /* "setup.exe.exe" is not a disguise */
    return false;
}
