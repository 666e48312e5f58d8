/*
 * rfc2047: decoding of header field values that hold RFC 2047 encoded
 * words (=?charset?B|Q?text?=, with RFC 2231's charset*language), to UTF-8.
 *
 * The rules are those of GMime 3.2's g_mime_utils_header_decode_text:
 * - CR and LF are dropped (a folded value is unfolded; the whitespace after
 *   the line break stays);
 * - whitespace between two encoded words is dropped, other whitespace kept;
 * - adjacent encoded words of the same charset are decoded together before
 *   the charset conversion, so a character (or a base64 quantum, or a Q
 *   "=XX") split across two words joins up;
 * - an encoded word glued to other text ("foo=?utf-8?q?bar?=") is decoded
 *   too, as GMime and SpamAssassin do, and sets RFC2047_F_IN_WORD (unless
 *   RFC2047_O_STRICT); malformed encoded words are kept literally;
 * - raw 8-bit text outside encoded words is taken as UTF-8 when valid, else
 *   as windows-1252, per whitespace-separated word.
 */
#ifndef TAMIS_MAIL_RFC2047_H
#define TAMIS_MAIL_RFC2047_H

#include "lib/str.h"

#define RFC2047_F_BAD_CHARSET 0x1  /* unknown charset, or bytes invalid in it (U+FFFD) */
#define RFC2047_F_BAD_ENCODING 0x2 /* bad base64 or Q inside an encoded word */
#define RFC2047_F_RAW_8BIT 0x4     /* 8-bit bytes outside encoded words */
#define RFC2047_F_IN_WORD 0x8      /* an encoded word touched other text without whitespace */

/* Options of rfc2047_decode_opts. */
#define RFC2047_O_STRICT 0x1 /* only whole whitespace-separated words can be encoded words */

/*
 * Append the decoded UTF-8 form of the header field value to out; flags
 * (RFC2047_F_*) are OR-ed into *flags_r (may be NULL). Returns 0, or -1
 * when out reached its maximum: what fitted is kept, cut at a character
 * boundary. Works in time linear in value.len; allocates nothing that
 * outlives the call.
 */
int rfc2047_decode(struct slice value, struct str *out, unsigned *flags_r);

/* The same, with RFC2047_O_* options. */
int rfc2047_decode_opts(struct slice value, struct str *out, unsigned *flags_r, unsigned opts);

#endif
