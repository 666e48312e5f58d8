/*
 * check_filetype: the file-type check of filterd's content stage
 * (filterd/check.h): libmagic on each attachment's decoded bytes (never the
 * name alone), a policy of banned types with an action, and symbols for a
 * file name that lies about its content.
 *
 * Symbols: FILETYPE_BANNED (10; a banned MIME type, libmagic description or
 * file-name extension; filetype_action then decides, reject by default),
 * FILENAME_EXT_MISMATCH (2; the name's extension says one type, the bytes
 * another), FILENAME_DOUBLE_EXT (3; "invoice.pdf.exe": a document's
 * extension followed by an executable's), CHECK_ERROR_FILETYPE (0; libmagic
 * could not run: on_error_filetype). Each fires at most once a message.
 * docs/filetypes.md is the administrator's page.
 */
#ifndef TAMIS_FILTERD_CHECK_FILETYPE_H
#define TAMIS_FILTERD_CHECK_FILETYPE_H

#include <stdbool.h>

#include "filterd/check.h"

extern const struct check_ops check_filetype_ops;

/* Bytes of an attachment decoded for libmagic (it reads no further). */
#define FILETYPE_SNIFF_MAX (1024 * 1024)
/* Bytes of a file name quoted in a symbol or a reply. */
#define FILETYPE_NAME_MAX 80

#endif
