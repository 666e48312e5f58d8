/*
 * mem: allocation that never returns NULL.
 *
 * Out of memory is a broken environment: the process logs and exits with
 * EX_TEMPFAIL (75), so the MTA retries later and no mail is lost.
 */
#ifndef TAMIS_LIB_MEM_H
#define TAMIS_LIB_MEM_H

#include <stddef.h>

/* Return n bytes (n may be 0); exits on failure. Free with free(). */
void *xmalloc(size_t n);
/* Return zeroed memory for nmemb * size bytes; the product is checked. */
void *xcalloc(size_t nmemb, size_t size);
/* Resize p to n bytes; exits on failure. */
void *xrealloc(void *p, size_t n);
/* Resize p to nmemb * size bytes, the product checked for overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
/* Return a malloc'd copy of the NUL-terminated s. */
char *xstrdup(const char *s);
/* Return a malloc'd NUL-terminated copy of the n bytes at p. */
char *xmemdup0(const void *p, size_t n);

#endif
