/*
 * lines: split pushed chunks of bytes into lines, for the header and MIME
 * parsers. A line is handed over with its terminator (LF or CRLF; a bare CR
 * is an ordinary byte). Lines inside one chunk are handed over in place;
 * only a line split across chunks is copied. A line longer than line_max
 * is handed over in pieces of line_max bytes (cut = true on all but the
 * last), at the same places however the input is split.
 */
#ifndef TAMIS_MAIL_LINES_H
#define TAMIS_MAIL_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/str.h"

/* Called for each line; offset is where it starts in the whole input. */
typedef void (*line_fn)(void *ctx, struct slice line, size_t offset, bool cut);

struct line_reader {
    struct str partial; /* the start of a line split across chunks */
    size_t line_max;
    size_t offset;      /* bytes pushed so far */
};

void line_reader_init(struct line_reader *lr, size_t line_max);
void line_reader_deinit(struct line_reader *lr);
/* Hand over every complete line of data; keep the unfinished tail. */
void line_reader_push(struct line_reader *lr, const char *data, size_t len, line_fn fn,
                      void *ctx);
/* Hand over the unfinished last line, if any (it has no terminator). */
void line_reader_finish(struct line_reader *lr, line_fn fn, void *ctx);
/* Drop the unfinished tail and count len more bytes without splitting them. */
void line_reader_skip(struct line_reader *lr, size_t len);

/* Length of the line terminator at the end of line: 2 (CRLF), 1 (LF) or 0. */
size_t line_eol_len(struct slice line);

#endif
