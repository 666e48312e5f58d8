/*
 * verp: a subscriber's address carried in the local part of a bounce
 * address (VERP), as ezmlm, qmail and Postfix do it:
 * "list-return-<tag>-user=example.org@list.host".
 *
 * The encoded form of "local@domain" is ENC(local) "=" ENC(domain): bytes
 * that are safe in a dot-atom local part are copied, except '+', '=' and
 * a '.' that would follow another '.'; every other byte (and those) is
 * written "+XX" (two uppercase hex digits). So the encoded form is a valid
 * run of atext whatever the address (quoted local parts, UTF-8, domain
 * literals), and decoding gives back exactly the bytes encoded.
 *
 * The MTAs' own VERP (qmail's "-@[]" sender, Postfix XVERP) writes
 * "local=domain" with no escaping at all; decode those with VERP_RAW: the
 * last '=' stands for '@' (a domain never holds '='). Pure and bounded by
 * the caller's struct str maximum; reads untrusted input.
 */
#ifndef TAMIS_MAIL_VERP_H
#define TAMIS_MAIL_VERP_H

#include "lib/str.h"

/* verp_decode flags */
#define VERP_RAW 0x1 /* no "+XX" unescaping: the MTA's own VERP form */

/* Longest address encoded or decoded, in bytes (RFC 5321 path limit). */
#define VERP_ADDRESS_MAX 256

/* Append the encoded form of addr ("local@domain", split at its last '@')
 * to out. Returns 0, or -1 (out unchanged) when addr has no '@', an empty
 * local part or domain, a NUL, CR or LF, is longer than VERP_ADDRESS_MAX,
 * or out's maximum would be passed. */
int verp_encode(struct slice addr, struct str *out);

/* Append the address that enc encodes to out. Returns 0, or -1 (out
 * unchanged) when enc has no '=' with something on both sides, a bad
 * escape (strict mode: '+' not followed by two hex digits), a decoded NUL,
 * CR or LF, a result longer than VERP_ADDRESS_MAX, or out's maximum. */
int verp_decode(struct slice enc, unsigned flags, struct str *out);

/* Append prefix, the encoded addr, '@' and host to out: with prefix
 * "news-return-42-" and host "lists.example.org", "joe@example.net" gives
 * "news-return-42-joe=example.net@lists.example.org". Returns 0, or -1
 * (out unchanged) as verp_encode. */
int verp_build(struct slice prefix, struct slice addr, struct slice host,
               struct str *out);

/* The reverse: if rcpt ("local@host" or a bare local part) starts with
 * prefix (compared case-insensitively), append the address encoded after
 * it (up to the last '@' of rcpt) to out. Returns 0, or -1 (out unchanged)
 * when the prefix does not match or verp_decode fails. */
int verp_extract(struct slice prefix, struct slice rcpt, unsigned flags, struct str *out);

#endif
