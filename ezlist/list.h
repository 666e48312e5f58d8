/*
 * list: a list's directory: its settings (one small file each, readable
 * and editable by hand), its keys, texts and log. docs/ezlist.md lists the
 * files.
 */
#ifndef TAMIS_EZLIST_LIST_H
#define TAMIS_EZLIST_LIST_H
#include <stddef.h>
#include <stdint.h>
#include "ezlist/cookie.h"
#include "lib/arena.h"
#include "lib/str.h"

struct list_key {
    unsigned id;
    uint8_t key[COOKIE_KEY_LEN];
};

struct list {
    struct arena *arena; /* owns every string below */
    const char *dir;
    const char *address;     /* "news@lists.example.org" (canonical) */
    const char *local;       /* "news" */
    const char *domain;      /* "lists.example.org" */
    const char *description; /* for List-Id; may be "" */
    const char *post;        /* "subscribers", "anyone" or "moderators" */
    const char *prefix;      /* subject prefix, "" for none */
    const char *verp;        /* "mta" (sendmail -XV) or "each" */
    const char *inject;      /* "sendmail", "smtp", "lmtp" or "qmail-queue" */
    const char *qmail_queue; /* inject "qmail-queue": the program */
    const char *smtp_host;   /* inject "smtp": numeric address of the relay */
    unsigned smtp_port;
    const char *smtp_xverp;  /* "auto" (if offered), "yes" or "no" */
    char **sendmail;         /* argv of the sendmail-compatible command, NULL-ended */
    char **owners, **moderators; /* canonical addresses, NULL-ended */
    size_t max_size;         /* largest post in bytes (0: no limit) */
    size_t batch;            /* recipients per injection */
    long long confirm_seconds;
    int bounce_max;          /* hard bounces before a probe */
    long long bounce_seconds; /* ...counted over this period */
    struct list_key *keys;   /* keys[0] makes new cookies */
    size_t nkeys;
};

struct list_make_opts {
    const char *owner;       /* may be NULL */
    const char *post;        /* NULL: "subscribers" */
    const char *prefix;      /* NULL: none */
    const char *description; /* NULL: none */
    const char *sendmail;    /* NULL: /usr/sbin/sendmail */
};

/* Create list dir (which must not exist, or be empty) for address. Returns
 * 0, or -1 with a reason in err (a bad address, or the environment). */
int list_make(const char *dir, const char *address, const struct list_make_opts *o,
              struct str *err);

/* Read list dir. Returns 0 (free with list_unload), or -1 with err. */
int list_load(const char *dir, struct list *l, struct str *err);
void list_unload(struct list *l);

/* The key of that id, or NULL. */
const struct list_key *list_key_find(const struct list *l, unsigned id);

/* Whether canonical address a is in the NULL-ended list v. */
bool list_has(char *const *v, const char *a);

/* Append one line "TIME TEXT" to DIR/log (errors are ignored: the log
 * must never fail a delivery). */
void list_log(const struct list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read DIR/text/NAME into out. Returns 0, or -1 with err. */
int list_text(const struct list *l, const char *name, struct str *out, struct str *err);

/* Fill buf with n bytes from getrandom(2). Returns 0, or -1 with errno. */
int list_random(uint8_t *buf, size_t n);

/* Replace each "{name}" in tmpl whose name is in vars (pairs: name, value,
 * ..., NULL) by its value; other braces stay. Appends to out. */
void list_render(struct slice tmpl, const char *const *vars, struct str *out);
#endif
