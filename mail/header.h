/*
 * header: RFC 5322 header blocks (of a message or a MIME part).
 *
 * A block is built line by line (header_builder_*) so that the MIME parser
 * can feed it from any chunking, or parsed whole from a buffer
 * (header_parse). Fields keep their raw bytes (folding, 8-bit bytes and
 * all); decoding is asked for separately. Bounded by the limits'
 * header_block_max and header_count_max: what passes them is dropped and
 * flagged, never silently.
 */
#ifndef TAMIS_MAIL_HEADER_H
#define TAMIS_MAIL_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/limits.h"

/* Flags of a field and of a block. */
#define HEADER_F_8BIT 0x01        /* 8-bit bytes in a field */
#define HEADER_F_BAD_LINE 0x02    /* a line that is neither a field nor a fold */
#define HEADER_F_BLOCK_LIMIT 0x04 /* header_block_max reached: fields dropped */
#define HEADER_F_COUNT_LIMIT 0x08 /* header_count_max reached: fields dropped */
#define HEADER_F_NO_BLANK 0x10    /* the block ended without an empty line */
#define HEADER_F_LONG_LINE 0x20   /* a line longer than line_max */
#define HEADER_F_SPACE_NAME 0x40  /* whitespace between a field name and ':' */
#define HEADER_F_MBOX_FROM 0x80   /* an mbox "From " line led the block */

struct header_field {
    struct slice name;  /* the field name, without ':' or whitespace */
    struct slice value; /* raw value: after ':' and leading blanks, folds kept,
                           the final line terminator removed */
    unsigned flags;
};

struct header_block {
    struct header_field *fields;
    size_t n;
    unsigned flags;
    struct slice mbox_from; /* the mbox "From " line, if the block had one */
};

/* Builds one block line by line. */
struct header_builder {
    struct str buf;       /* the block's bytes, bounded by header_block_max */
    struct field_pos *pos; /* where each field lies in buf */
    size_t npos, cappos;
    size_t count_max;
    unsigned flags;
    bool allow_mbox_from;
    bool in_cut_line;     /* the previous piece was cut at line_max */
    struct str held;      /* a malformed line waiting for the next to decide */
    bool has_held;
    long mbox_off, mbox_len;
};

/*
 * A malformed line (neither a field nor a fold) is held until the next line
 * decides: followed by a field or by the empty line, it was junk inside the
 * header block (flagged and skipped, as mail clients do); followed by
 * anything else, the header block ended without its empty line and the
 * held line starts the body (no text is lost from the scanners).
 */
enum header_line_result {
    HEADER_LINE_MORE, /* the line was taken; the block goes on */
    HEADER_LINE_END,  /* the line was the empty line ending the block */
    HEADER_LINE_HELD, /* the line is malformed: held, see above */
    HEADER_LINE_BODY  /* the block ended before the held line if there is
                         one (header_builder_held), else before this line;
                         from there on everything is body */
};

/* allow_mbox_from: accept a leading "From " line (the start of a message). */
void header_builder_init(struct header_builder *hb, const struct mail_limits *lim,
                         bool allow_mbox_from);
void header_builder_deinit(struct header_builder *hb);
/* Feed one line (with its terminator), or a piece of one (cut = true when
 * the line goes on in the next piece). */
enum header_line_result header_builder_line(struct header_builder *hb, struct slice line,
                                            bool cut);
/* The held line, if any (valid until the next call on hb). */
bool header_builder_held(const struct header_builder *hb, struct slice *line_r);
/* Move the block into the arena (it stays valid while the arena lives);
 * the builder is reset for another block. */
void header_builder_finish(struct header_builder *hb, struct arena *a,
                           struct header_block *out);

/* Parse the header block at the start of data. Returns the number of bytes
 * it took (through the empty line, if any): the body starts there. */
size_t header_parse(struct arena *a, const struct mail_limits *lim, struct slice data,
                    bool allow_mbox_from, struct header_block *out);

/* The first field of that name (case-insensitive), or NULL. */
const struct header_field *header_get(const struct header_block *b, const char *name);
/* How many fields of that name. */
size_t header_count(const struct header_block *b, const char *name);
/* Unfold a raw value: line breaks removed, leading and trailing blanks
 * trimmed. Appends to out; -1 if out's maximum was hit. */
int header_unfold(struct slice raw, struct str *out);
/* The value unfolded and RFC 2047-decoded to UTF-8, in the arena. flags_r
 * (may be NULL) gets the rfc2047 flags. */
char *header_decode(struct arena *a, struct slice raw, size_t max, unsigned *flags_r);

#endif
