/*
 * limits: the named limits of the mail parsers, with their defaults.
 * Reaching a limit is a defined result that callers see (a flag on the
 * message or part, and a symbol in the verdict), never a crash and never a
 * silent pass. docs/limits.md lists each one with its reason.
 */
#ifndef TAMIS_MAIL_LIMITS_H
#define TAMIS_MAIL_LIMITS_H

#include <stddef.h>

struct mail_limits {
    size_t message_max;      /* bytes of one message read in */
    size_t header_block_max; /* bytes of one header block (message or part) */
    size_t header_count_max; /* fields in one header block */
    size_t line_max;         /* bytes of one line; longer lines are split */
    size_t mime_depth_max;   /* nesting of multiparts and message/rfc822 */
    size_t parts_max;        /* parts in the whole tree */
    size_t boundary_max;     /* bytes of a multipart boundary */
    size_t decoded_max;      /* decoded bytes kept of one part for checks */
    size_t spool_threshold;  /* larger messages are read from a file */
};

#define MAIL_LIMIT_MESSAGE_MAX ((size_t)64 << 20)
#define MAIL_LIMIT_HEADER_BLOCK_MAX ((size_t)256 << 10)
#define MAIL_LIMIT_HEADER_COUNT_MAX ((size_t)2000)
#define MAIL_LIMIT_LINE_MAX ((size_t)64 << 10)
#define MAIL_LIMIT_MIME_DEPTH_MAX ((size_t)32)
#define MAIL_LIMIT_PARTS_MAX ((size_t)2000)
#define MAIL_LIMIT_BOUNDARY_MAX ((size_t)256)
#define MAIL_LIMIT_DECODED_MAX ((size_t)16 << 20)
#define MAIL_LIMIT_SPOOL_THRESHOLD ((size_t)1 << 20)

/* The defaults above, as a struct. */
struct mail_limits mail_limits_default(void);

#endif
