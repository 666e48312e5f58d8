/*
 * salearn: the parts of the salearn command (salearn.c: options, reading
 * messages and learning them; salearn_db.c: --dump, --backup, --restore,
 * --clear, --force-expire).
 */
#ifndef TAMIS_BAYES_SALEARN_H
#define TAMIS_BAYES_SALEARN_H

#include <stdio.h>

#include "bayes/store.h"

/* sa-learn's --dump lines: magic (the counts), data (every token), all. */
int salearn_dump(struct bayes_store *s, const char *what, const struct bayes_params *p,
                 FILE *out, struct str *err);
/* The text backup: "v" lines (counts), "t" lines (tokens), "s" lines
 * (learned messages), tab-separated. */
int salearn_backup(struct bayes_store *s, FILE *out, struct str *err);
/* Replace the database with a backup read from in (name for messages).
 * Returns 0, or -1 with "NAME:LINE: reason" in err (nothing changed). */
int salearn_restore(struct bayes_store *s, FILE *in, const char *name, struct str *err);
/* Parse one backup line into the counts or a record. Returns 'v', 't', 's'
 * for the kind parsed, 0 for a blank or comment line, or -1 when the line is
 * bad. Pure (the fuzzer calls it). */
struct salearn_line {
    char kind;
    unsigned long long value; /* 'v' */
    char name[32];            /* 'v': db_version, num_spam, num_nonspam */
    struct bayes_token_rec tok;
    unsigned char digest[16];
    enum bayes_seen cls;
};
int salearn_parse_line(const char *line, size_t len, struct salearn_line *out);
int salearn_clear(struct bayes_store *s, struct str *err);
/* Remove the tokens not learned for age seconds; prints what it did. */
int salearn_expire(struct bayes_store *s, long long age, FILE *out, struct str *err);

#endif
