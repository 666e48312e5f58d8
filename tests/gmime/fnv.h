/*
 * fnv.h: helpers shared by gmime_dump and tamis_dump (and the benchmarks) so
 * that both sides of the differential test print the same thing.
 *
 * - FNV-1a, 64-bit: start from FNV1A64_INIT, then h = fnv1a64_update(h, p, n)
 *   over the bytes in order (any split of the input gives the same hash).
 *   Printed as 16 lowercase hex digits ("%016" PRIx64).
 * - dump_put_token(): writes bytes with every byte <= 0x20 (space and control
 *   bytes), 0x7f and '%' as %XX (two uppercase hex digits); other bytes,
 *   UTF-8 included, go out as they are.
 * - dump_put_name(): a file name field: "-" when the name is NULL or empty,
 *   "%2D" for a name that is exactly "-", else dump_put_token().
 *
 * Test-only code: reads no input itself; no limits (the caller's lengths).
 */
#ifndef TAMIS_TESTS_GMIME_FNV_H
#define TAMIS_TESTS_GMIME_FNV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV1A64_INIT UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME UINT64_C(0x100000001b3)

/* Returns the FNV-1a 64-bit hash h continued over the n bytes at p. */
static inline uint64_t
fnv1a64_update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV1A64_PRIME;
    }
    return h;
}

/* Writes the n bytes at s to f, escaped as said above. */
static inline void
dump_put_token(FILE *f, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 0x20 || c == 0x7f || c == '%') {
            fputc('%', f);
            fputc(hex[c >> 4], f);
            fputc(hex[c & 15], f);
        } else {
            fputc(c, f);
        }
    }
}

/* Writes the file name field for name (NUL-terminated, may be NULL) to f. */
static inline void
dump_put_name(FILE *f, const char *name)
{
    if (name == NULL || name[0] == '\0')
        fputc('-', f);
    else if (strcmp(name, "-") == 0)
        fputs("%2D", f);
    else
        dump_put_token(f, name, strlen(name));
}

/* A dumper's own check: a failed one names itself on stderr and exits 2,
 * which compare.py refuses as a broken dump (never read as a difference). */
#define DUMP_CHECK(cond)                                                                \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: dump check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(2);                                                                    \
        }                                                                               \
    } while (0)

#endif
