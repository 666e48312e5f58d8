/*
 * render: decoded part bytes to UTF-8 text (charset.h), HTML to text
 * (html.h). Untrusted input: yes. Limits: the intermediate UTF-8 copy of
 * an HTML part is bounded by the output's maximum (HTML text is never longer
 * than its source... plus entity growth, which html.c bounds by out).
 */
#include "render.h"

#include <string.h>

#include "mail/charset.h"

bool
render_is_text(const struct mime_part *part)
{
    if (part->kind != MIME_LEAF || strncmp(part->type, "text/", 5) != 0)
        return false;
    /* A text file attached with a name is an attachment, unless inline. */
    if (strcmp(part->disposition.value, "attachment") == 0)
        return false;
    return true;
}

int
render_text(const struct mime_part *part, struct slice decoded, struct str *out,
            html_url_cb cb, void *ctx, unsigned *flags_r)
{
    unsigned cflags = 0, flags = 0;
    bool html = strcmp(part->type, "text/html") == 0;
    int r;
    if (!html) {
        r = charset_to_utf8(part->charset ? part->charset : "", decoded, out, &cflags);
    } else {
        struct str utf8;
        str_init(&utf8, out->max ? out->max * 2 : 0);
        r = charset_to_utf8(part->charset ? part->charset : "", decoded, &utf8, &cflags);
        if (html_to_text(str_slice(&utf8), out, cb, ctx) < 0)
            r = -1;
        str_deinit(&utf8);
        flags |= RENDER_F_HTML;
    }
    /* A missing charset is not unknown: US-ASCII by RFC 2045, taken as
     * UTF-8 when valid and windows-1252 otherwise. */
    if ((cflags & CHARSET_F_UNKNOWN) && part->charset && *part->charset)
        flags |= RENDER_F_CHARSET_UNKNOWN;
    if (cflags & CHARSET_F_INVALID)
        flags |= RENDER_F_CHARSET_INVALID;
    if (r < 0)
        flags |= RENDER_F_TRUNCATED;
    if (flags_r)
        *flags_r |= flags;
    return r;
}
