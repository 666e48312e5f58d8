/*
 * arena: a per-message region allocator. Everything allocated for one
 * message comes from its arena and is released at once by arena_free() or
 * arena_reset(). Allocation never returns NULL (out of memory is fatal).
 */
#ifndef TAMIS_LIB_ARENA_H
#define TAMIS_LIB_ARENA_H

#include <stddef.h>

#include "str.h"

struct arena;

/* A new arena whose blocks are at least block_size bytes (0: 16 KiB). */
struct arena *arena_new(size_t block_size);
/* Release every allocation and the arena; sets *ap to NULL. */
void arena_free(struct arena **ap);
/* Release every allocation but keep the first block for reuse. */
void arena_reset(struct arena *a);
/* n bytes aligned for any type, valid until the arena is freed or reset. */
void *arena_alloc(struct arena *a, size_t n);
/* Zeroed memory for nmemb * size bytes (the product is checked). */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
/* A NUL-terminated copy of n bytes. */
char *arena_memdup0(struct arena *a, const void *p, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* A copy of the slice's bytes (NUL-terminated), as a slice. */
struct slice arena_slice_dup(struct arena *a, struct slice s);
/* Total bytes handed out since creation or the last reset. */
size_t arena_used(const struct arena *a);

#endif
