/*
 * limits: defaults of the mail parsers' limits (see limits.h and
 * docs/limits.md). Untrusted input: no.
 */
#include "limits.h"

struct mail_limits
mail_limits_default(void)
{
    return (struct mail_limits){
        .message_max = MAIL_LIMIT_MESSAGE_MAX,
        .header_block_max = MAIL_LIMIT_HEADER_BLOCK_MAX,
        .header_count_max = MAIL_LIMIT_HEADER_COUNT_MAX,
        .line_max = MAIL_LIMIT_LINE_MAX,
        .mime_depth_max = MAIL_LIMIT_MIME_DEPTH_MAX,
        .parts_max = MAIL_LIMIT_PARTS_MAX,
        .boundary_max = MAIL_LIMIT_BOUNDARY_MAX,
        .decoded_max = MAIL_LIMIT_DECODED_MAX,
        .spool_threshold = MAIL_LIMIT_SPOOL_THRESHOLD,
    };
}
