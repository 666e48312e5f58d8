/*
 * json: writing JSON text into a struct str. Strings are escaped; bytes
 * that are not valid UTF-8 become U+FFFD, so the output is always valid.
 */
#ifndef TAMIS_LIB_JSON_H
#define TAMIS_LIB_JSON_H

#include "str.h"

/* Append s as a quoted JSON string. Returns 0, or -1 past out's maximum. */
int json_append_string(struct str *out, struct slice s);
int json_append_cstr(struct str *out, const char *s);

#endif
