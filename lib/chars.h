/*
 * chars: character classes and encodings that every parser needs: hex
 * digits and well-formed UTF-8 sequences (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
#ifndef TAMIS_LIB_CHARS_H
#define TAMIS_LIB_CHARS_H

#include <stddef.h>

/* The value of the hex digit c (either case), or -1. */
int chars_hexval(int c);
/* Length (1-4) of the well-formed UTF-8 sequence at p (n bytes available),
 * or 0 when it is not one. ASCII gives 1. */
size_t chars_utf8_len(const unsigned char *p, size_t n);
/* As chars_utf8_len; when the sequence is not well formed, *skip_r gets
 * the length of its maximal invalid start (to replace with one U+FFFD, as
 * the Unicode standard recommends). */
size_t chars_utf8_len_skip(const unsigned char *p, size_t n, size_t *skip_r);

#endif
