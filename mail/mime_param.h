/*
 * mime_param: the values of Content-Type and Content-Disposition: a value
 * ("text/plain", "attachment") and its parameters, decoded to UTF-8.
 *
 * Accepted: RFC 2045 tokens and quoted strings (backslash escapes), comments
 * in parentheses, folding (CR and LF are dropped), missing semicolons, stray
 * characters (skipped and flagged); RFC 2231 name*=charset'lang'%XX and
 * continuations name*0, name*1*, ... joined in numeric order (gaps
 * tolerated, flagged), encoded and plain segments mixed; RFC 2047 encoded
 * words inside plain values (as mail clients write file names). An
 * unquoted value runs to the next ';' (spaces included, as GMime reads
 * "name=my file.pdf"), unless what follows a space looks like "name=".
 * When both name and name* are given, name* wins. A name given twice keeps
 * its first value (MIME_PARAM_F_DUPLICATE).
 */
#ifndef TAMIS_MAIL_MIME_PARAM_H
#define TAMIS_MAIL_MIME_PARAM_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"

#define MIME_PARAM_MAX 64             /* parameters kept per value */
#define MIME_PARAM_VALUE_MAX 4096     /* bytes of one decoded value */
#define MIME_PARAM_SEGMENTS_MAX 1024  /* name=value pieces read (continuations count) */

#define MIME_PARAM_F_SYNTAX 0x01      /* something malformed was skipped or repaired */
#define MIME_PARAM_F_BAD_CHARSET 0x02 /* unknown charset, or bytes invalid in it */
#define MIME_PARAM_F_TOO_MANY 0x04    /* over MIME_PARAM_MAX params (or SEGMENTS_MAX pieces): rest dropped */
#define MIME_PARAM_F_TOO_LONG 0x08    /* a value over MIME_PARAM_VALUE_MAX: cut */
#define MIME_PARAM_F_DUPLICATE 0x10   /* a name (or continuation number) given twice: first kept */

struct mime_param {
    char *name;  /* lower-cased, without RFC 2231 '*' suffixes */
    char *value; /* UTF-8, decoded; a NUL byte in it became U+FFFD */
};

struct mime_value {
    char *value; /* "text/plain", "attachment": lower-cased and trimmed, "" if missing */
    struct mime_param *params;
    size_t nparams;
    unsigned flags; /* MIME_PARAM_F_* */
};

/*
 * Parse a Content-Type or Content-Disposition field value (folded or not).
 * Never fails: whatever can be read is kept, the rest is flagged. Every
 * string lives in the arena a. At most MIME_PARAM_MAX parameters, each value
 * at most MIME_PARAM_VALUE_MAX bytes; memory used is linear in in.len.
 */
void mime_value_parse(struct arena *a, struct slice in, struct mime_value *out);

/* The value of parameter name (ASCII case-insensitive), or NULL if absent.
 * The string belongs to v's arena. */
const char *mime_value_param(const struct mime_value *v, const char *name);

#endif
