/*
 * render: the text a reader sees in a leaf part: its decoded bytes turned
 * into UTF-8 (charset conversion) and, for HTML, into plain text. Pure;
 * the output is bounded by the caller's struct str.
 */
#ifndef TAMIS_MAIL_RENDER_H
#define TAMIS_MAIL_RENDER_H

#include <stdbool.h>

#include "lib/str.h"
#include "mail/html.h"
#include "mail/mime.h"

#define RENDER_F_CHARSET_UNKNOWN 0x1 /* the charset was unknown: fell back */
#define RENDER_F_CHARSET_INVALID 0x2 /* bytes invalid in their charset */
#define RENDER_F_TRUNCATED 0x4       /* out reached its maximum */
#define RENDER_F_HTML 0x8            /* the part was HTML */

/* Is the part text a reader sees (a text type, not an attachment file)? */
bool render_is_text(const struct mime_part *part);
/* Append the rendered text of part, whose decoded bytes are given, to out.
 * URLs found in HTML attributes go to cb (may be NULL). Returns 0, or -1
 * when out reached its maximum. */
int render_text(const struct mime_part *part, struct slice decoded, struct str *out,
                html_url_cb cb, void *ctx, unsigned *flags_r);

#endif
