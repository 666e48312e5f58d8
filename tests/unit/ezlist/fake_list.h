/*
 * fake_list.h: the list news@lists.example.org as the post tests see it: a
 * struct list filled in by hand, with no directory behind it. Shared by
 * tests/unit/ezlist/test_post.c and tests/fuzz/fuzz_ezlist_post.c.
 */
#ifndef TAMIS_TESTS_EZLIST_FAKE_LIST_H
#define TAMIS_TESTS_EZLIST_FAKE_LIST_H
#include "ezlist/list.h"

static char *fake_list_none[] = {NULL};
static struct list fake_list = {
    .address = "news@lists.example.org",
    .local = "news",
    .domain = "lists.example.org",
    .description = "",
    .prefix = "[news]",
    .post = "subscribers",
    .owners = fake_list_none,
    .moderators = fake_list_none,
};
#endif
