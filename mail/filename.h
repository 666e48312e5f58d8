/*
 * filename: what an attachment's file name says about its type: its last
 * extensions (case-insensitive, blanks around a dot ignored, a leading dot
 * not an extension: ".profile"), whether one lies about the content, and
 * double extensions. Pure functions over untrusted names.
 */
#ifndef TAMIS_MAIL_FILENAME_H
#define TAMIS_MAIL_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest extension considered, in bytes (longer: none). */
#define FILENAME_EXT_MAX 23

/* The extension before the end-th dot from the end (0: the last), lower
 * case, into buf (n bytes); false when there is none or it does not fit. */
bool filename_ext(const char *name, size_t end, char *buf, size_t n);
/* Whether name's last extension is one filename knows a type for (pdf,
 * jpg, png, zip, doc, docx, txt, exe...) and mime (libmagic's MIME type)
 * is not one that extension may have. Unsure types
 * (application/octet-stream, inode/x-empty) never mismatch. NULL: false. */
bool filename_ext_mismatch(const char *name, const char *mime);
/* Whether name's last extension is one of exts (n of them, lower case, no
 * dot). NULL: false. */
bool filename_ext_in(const char *name, const char *const *exts, size_t n);
/* Whether name ends in a known document's extension followed by one of
 * exts or a well-known executable's: "invoice.pdf.exe", "photo.jpg  .scr";
 * not "setup.exe.exe". NULL: false. */
bool filename_double_ext(const char *name, const char *const *exts, size_t n);

/* s in ASCII lower case into buf (n bytes with the NUL), cut to fit. */
void filename_lower(const char *s, char *buf, size_t n);

#endif
