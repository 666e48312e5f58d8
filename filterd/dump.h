/*
 * dump: the human-readable form of a parsed message that `filterd check
 * --dump` prints: decoded headers, the part tree with types, charsets,
 * encodings, file names and sizes, and the start of each part's text.
 */
#ifndef TAMIS_FILTERD_DUMP_H
#define TAMIS_FILTERD_DUMP_H

#include "filterd/message.h"
#include "lib/str.h"

#define DUMP_TEXT_BYTES 300 /* text shown of each part */
#define DUMP_TEXT_LINES 6

void dump_message(struct message *m, struct str *out);

#endif
