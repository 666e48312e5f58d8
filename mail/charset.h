/*
 * charset: text in a MIME charset to UTF-8, with iconv.
 *
 * Valid UTF-8 and US-ASCII are copied without iconv; ISO-8859-1 and
 * windows-1252 are decoded by a table (as windows-1252, which is what
 * mislabelled Latin-1 mail nearly always is). Everything else goes through
 * iconv, whose descriptors are cached per thread. Nothing is ever dropped:
 * an unknown charset falls back to UTF-8 (when the bytes are valid UTF-8)
 * or windows-1252, and bytes invalid in a known charset become U+FFFD.
 */
#ifndef TAMIS_MAIL_CHARSET_H
#define TAMIS_MAIL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/str.h"

#define CHARSET_F_UNKNOWN 0x1 /* iconv does not know the charset: fell back */
#define CHARSET_F_INVALID 0x2 /* bytes invalid in the charset: replaced by U+FFFD */

/* Longest charset label that is looked at; longer ones are unknown. */
#define CHARSET_NAME_MAX 64

/*
 * Append the UTF-8 form of in, read as charset (a MIME label; NULL or ""
 * means unknown), to out. Unknown charset: valid UTF-8 is taken as it is,
 * anything else is decoded as windows-1252, and CHARSET_F_UNKNOWN is set.
 * Bytes invalid in a known charset become U+FFFD and set CHARSET_F_INVALID
 * (for US-ASCII, 8-bit bytes set it and are decoded as for an unknown
 * charset). The flags are OR-ed into *flags_r (may be NULL).
 * Returns 0, or -1 when out reached its maximum: what fitted is kept, cut at
 * a character boundary.
 */
int charset_to_utf8(const char *charset, struct slice in, struct str *out, unsigned *flags_r);

/* Append in to out: as it is if it is valid UTF-8, else decoded as
 * windows-1252 (every byte maps to a character). Returns 0, or -1 when out
 * reached its maximum (what fitted is kept, cut at a character boundary). */
int charset_fallback_to_utf8(struct slice in, struct str *out);

/* True if in is valid UTF-8: no overlong forms, no surrogates, nothing past
 * U+10FFFF, no truncated sequence. */
bool charset_is_utf8(struct slice in);

/*
 * The canonical iconv name for a MIME charset label ("latin1" ->
 * "ISO-8859-1", "utf8" -> "UTF-8", "ks_c_5601-1987" -> "CP949", "gb2312" ->
 * "GBK", "shift_jis" -> "CP932", "x-mac-cyrillic" -> "MAC-CYRILLIC",
 * "unicode-1-1-utf-7" -> "UTF-7", ...). Quotes, spaces, an RFC 2231
 * "*language" suffix and anything after the name are ignored. Returns a
 * static string or buf (which holds the upper-cased label when no alias
 * applies), or NULL when the label is empty, says "unknown" (unknown-8bit,
 * x-unknown, ...), is longer than CHARSET_NAME_MAX or bufsize - 1, or holds
 * a character that cannot be in a charset name.
 */
const char *charset_normalize(const char *name, char *buf, size_t bufsize);

/*
 * Append n bytes of UTF-8 to out; past out's maximum, append what fits cut
 * at a character boundary and return -1. Returns 0 otherwise.
 */
int charset_append_utf8(struct str *out, const char *p, size_t n);

/* Close the iconv descriptors cached by the calling thread (call before a
 * thread ends, or in tests). */
void charset_cache_clear(void);

#endif
