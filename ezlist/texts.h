/*
 * texts: the default texts of a new list (DIR/text/NAME).
 */
#ifndef TAMIS_EZLIST_TEXTS_H
#define TAMIS_EZLIST_TEXTS_H
#include <stddef.h>

struct list_default_text {
    const char *name;
    const char *text;
};

/* The defaults (static); *n_r gets how many. */
const struct list_default_text *texts_defaults(size_t *n_r);
#endif
