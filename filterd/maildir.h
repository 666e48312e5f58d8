/*
 * maildir: deliver a message into a Maildir folder (filterd's quarantine
 * folder, quarantine_maildir), the way every Maildir reader expects: the
 * file is written and fsync'd in tmp/ under a name no other delivery can
 * take, then renamed into new/, and new/ is fsync'd; a reader never sees
 * a partial message, and a crash leaves at most a stray file in tmp/.
 *
 * Names are SECONDS.M<microseconds>P<pid>Q<counter>.<host> (the counter
 * is per process; '/' and ':' in the host name become "\057" and "\072").
 */
#ifndef TAMIS_FILTERD_MAILDIR_H
#define TAMIS_FILTERD_MAILDIR_H

#include <stddef.h>

#include "filterd/actions.h"
#include "filterd/message.h"
#include "lib/str.h"

/* Longest file name maildir_unique_name() makes. */
#define MAILDIR_NAME_MAX 255

/* Write a new unique name into buf (n bytes; MAILDIR_NAME_MAX + 1 is
 * enough). Thread-safe. */
void maildir_unique_name(char *buf, size_t n);

/* Create dir and its tmp/, new/ and cur/ (mode 0700) where missing.
 * Returns 0, or -1 with err. */
int maildir_make(const char *dir, struct str *err);

/* Writes the message to fd; returns 0, or -1 with errno. */
typedef int (*maildir_writer)(int fd, void *arg);

/*
 * Deliver into the Maildir dir (which must exist with tmp/ and new/): a
 * file is created in tmp/ (mode 0600), writer(fd, arg) fills it, it is
 * fsync'd and renamed into new/. Returns 0 with the new file's path in
 * path (when not NULL; appended), or -1 with err (nothing is left in tmp/
 * or new/).
 */
int maildir_deliver(const char *dir, maildir_writer writer, void *arg, struct str *path,
                    struct str *err);

/*
 * The quarantine into a folder (quarantine_maildir): deliver m, with the
 * plan's header edits (actions_write_message), into the Maildir
 * plan->quarantine_maildir, made (mode 0700) when missing. Logs the new
 * file's path, tagged with id. Returns 0, or -1 with err: then nothing was
 * written and the caller must keep the message (tempfail).
 */
int maildir_quarantine(const struct action_plan *plan, const struct message *m,
                       const char *id, struct str *err);

#endif
