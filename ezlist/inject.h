/*
 * inject: hand a message to the MTA through a sendmail-compatible command
 * (Postfix's, Sendmail's or qmail's sendmail), argv only, never a shell.
 */
#ifndef TAMIS_EZLIST_INJECT_H
#define TAMIS_EZLIST_INJECT_H
#include <stddef.h>
#include "lib/str.h"

/* Run cmd (NULL-ended argv; cmd[0] an absolute path) with the extra words
 * args (NULL-ended) appended, the len bytes at msg on its standard input.
 * Returns 0 when it exited 0; -1 otherwise, with the reason (exit status,
 * signal, and the first bytes of its output) in err. Its standard output
 * and error are collected (at most 4 KiB kept). */
int inject_run(char *const *cmd, char *const *args, const char *msg, size_t len,
               struct str *err);

/* Queue msg for rcpt[0..n) with the qmail-queue program prog (qmail-queue(8)
 * protocol: the message on its fd 0, then the envelope on its fd 1:
 * "F" sender NUL, "T" recipient NUL for each, a final NUL). A sender of
 * the form "PREFIX@HOST-@[]" makes qmail do VERP. Returns 0 when it exited
 * 0; -1 with its status in err (any failure is temporary for the caller). */
int inject_qmail_queue(const char *prog, const char *sender, char *const *rcpt, size_t n,
                       const char *msg, size_t len, struct str *err);
#endif
