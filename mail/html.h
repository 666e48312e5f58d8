/*
 * html: render HTML (already converted to UTF-8) to the plain text a reader
 * sees, and report the URLs its attributes point to.
 *
 * What the rendering does, in short (html.c has the details):
 * - tags are removed; the content of script, style, title, iframe,
 *   noembed and noframes elements, comments, CDATA sections, doctypes and
 *   processing instructions is dropped (a mail client shows the Subject, not
 *   the <title>); textarea content is shown, xmp and plaintext content is
 *   shown as raw text;
 * - entities are decoded: numeric ones (&#NNN; &#xHH;, ';' optional), the
 *   named ones mail uses (with ';' optional for the legacy names browsers
 *   accept without it, e.g. &amp &lt &copy &eacute); &#0;, surrogates and
 *   values past U+10FFFF give U+FFFD; &#128;..&#159; are read as
 *   windows-1252, as browsers do;
 * - whitespace is collapsed as a browser does outside <pre> (inside, a tab
 *   becomes one space and CRLF one '\n'); &nbsp; (and a raw U+00A0) become
 *   an ordinary space; invisible characters that split words (soft hyphen,
 *   zero-width space/joiners, LRM/RLM, word joiner, BOM) and other control
 *   characters (C0, DEL, C1) are dropped: the only control character in
 *   the text is '\n';
 * - other bytes are copied as they are: valid UTF-8 in gives valid UTF-8
 *   out;
 * - block elements give line breaks (at most one blank line in a row);
 *   table cells are separated by a space; <img alt="..."> gives its alt text;
 * - malformed HTML never hides the text that follows: a '<' that does not
 *   start a tag is text, and a tag, comment or CDATA section that is never
 *   closed is text too (its '<' and what follows are kept). Only an
 *   unclosed script/style/title/... element hides the rest, as in a browser.
 */
#ifndef TAMIS_MAIL_HTML_H
#define TAMIS_MAIL_HTML_H

#include <stddef.h>

#include "lib/str.h"

/* Longest decoded attribute value kept (for URLs, style and alt): longer
 * values are cut to this many bytes. */
#define HTML_ATTR_MAX ((size_t)64 << 10)
/* Most URL-bearing attributes looked at in one tag (further ones ignored). */
#define HTML_TAG_ATTRS_MAX 32

/* Called for each URL: url is valid only during the call (it points into
 * the input or into a decoding buffer); it is entity-decoded, with leading
 * and trailing spaces and controls and every tab, CR and LF removed. It may
 * be relative ("#top", "/x") or of any scheme (data:, javascript:, cid:). */
typedef void (*html_url_cb)(void *ctx, struct slice url);

/* Render html (UTF-8) to plain text appended to out. URLs of the attributes
 * href, src, action, background, cite, data, formaction, longdesc, poster,
 * lowsrc and dynsrc, of CSS url(...) in style attributes and <style>
 * elements, and of <meta http-equiv=refresh content="N; url=..."> go to cb
 * (may be NULL), in document order. Works on the whole input at once; its
 * time is linear in the input. Returns 0, or -1 when out reached its
 * maximum: out then holds the text up to that point, cut at a UTF-8
 * character boundary, and rendering stopped (URLs after that point are not
 * reported). */
int html_to_text(struct slice html, struct str *out, html_url_cb cb, void *ctx);

#endif
