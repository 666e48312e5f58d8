/*
 * fuzz_filename: the file-name helpers of the file-type check on any
 * bytes: the first line is a MIME type, the rest a file name (cut at its
 * first NUL, as a C string). Checks that each extension found is short,
 * lower case, without a dot or an outer blank; that a double extension
 * needs two extensions; that an unsure type never mismatches.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/filename.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ext(const char *name, size_t end)
{
    char ext[FILENAME_EXT_MAX + 1];
    if (!filename_ext(name, end, ext, sizeof(ext)))
        return;
    size_t n = strlen(ext);
    if (n == 0 || n > FILENAME_EXT_MAX || ext[0] == ' ' || ext[n - 1] == ' ' ||
        strchr(ext, '.') != NULL)
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < n; i++)
        if (ext[i] >= 'A' && ext[i] <= 'Z')
            FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const exts[] = {"exe", "scr", "vbs", "js"};
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = memchr(buf, '\n', size);
    const char *mime = nl ? buf : "application/pdf";
    const char *name = nl ? nl + 1 : buf;
    if (nl)
        *nl = '\0';
    for (size_t end = 0; end < 3; end++)
        check_ext(name, end);
    char second[FILENAME_EXT_MAX + 1];
    if (filename_double_ext(name, exts, 4) && !filename_ext(name, 1, second, sizeof(second)))
        FUZZ_CHECK_FAILED();
    if (filename_ext_mismatch(name, "application/octet-stream"))
        FUZZ_CHECK_FAILED();
    (void)filename_ext_mismatch(name, mime);
    (void)filename_ext_in(name, exts, 4);
    free(buf);
    return 0;
}
