/*
 * daemon: the skeleton every tamis daemon shares (CONVENTIONS.md item 9):
 * detaching from the terminal, the pid file, the privilege drop, and the
 * signals (SIGHUP reloads, SIGTERM and SIGINT stop).
 *
 * A daemon calls these in this order (each returns -1 with a reason in err
 * on failure, and the daemon then calls daemon_fail and exits):
 *
 *   d = daemon_new("filterd");
 *   daemon_detach(d, foreground, &err);      before any thread exists
 *   daemon_signals_block(&err);              likewise: every later thread
 *                                            inherits the blocked set
 *   daemon_pidfile_create(d, path, &err);    as root, in the final process
 *   ... open the listening sockets as root ...
 *   daemon_user_lookup(name, &u, &err);
 *   daemon_drop_privileges(&u, chroot_dir, &err);
 *   ... load what the service needs, as the unprivileged user ...
 *   daemon_signals_start(d, &handlers, &err);
 *   daemon_ready(d);                          the waiting parent exits 0
 *   ... serve until the stop handler has made the service return ...
 *   daemon_free(&d);                          removes the pid file
 *
 * In the background (not foreground) the process forks twice and starts a
 * new session; the first process waits until daemon_ready() or
 * daemon_fail() and exits with that status, so a start script sees a
 * configuration error as the exit status of the start command. After
 * daemon_ready() standard input, output and error are /dev/null, the
 * working folder is "/", and lib/log writes to syslog (facility mail).
 */
#ifndef TAMIS_LIB_DAEMON_H
#define TAMIS_LIB_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "str.h"

struct daemon;

/* A user to run as, from daemon_user_lookup(). */
struct daemon_user {
    uid_t uid;
    gid_t gid;      /* the user's primary group */
    char name[256]; /* the name looked up */
};

/* What the signal thread calls. Both run on that thread, never inside a
 * signal handler, so they may take locks, allocate and log. */
struct daemon_handlers {
    void (*reload)(void *arg); /* on SIGHUP; NULL: SIGHUP is logged only */
    void (*stop)(void *arg);   /* on the first SIGTERM or SIGINT; later ones
                                  are logged and ignored */
    void *arg;
};

/* A daemon named ident (the syslog tag). Free with daemon_free(). */
struct daemon *daemon_new(const char *ident);

/* Go to the background unless foreground: fork, setsid, fork again. Returns
 * 0 in the daemon; the first process never returns (it waits for
 * daemon_ready or daemon_fail and exits with the status reported, or with
 * EX_SOFTWARE if the daemon died first). Returns -1 with err if fork fails.
 * With foreground it does nothing and returns 0. Call it before any thread
 * is started. */
int daemon_detach(struct daemon *d, bool foreground, struct str *err);

/* Block SIGHUP, SIGTERM, SIGINT and SIGUSR2 (used internally) in the calling
 * thread, so that only the signal thread takes them, and ignore SIGPIPE.
 * Call before any thread is created. Returns 0, or -1 with err. */
int daemon_signals_block(struct str *err);

/* Create the pid file at path exclusively, write the process id, and hold
 * an fcntl lock on it while the daemon runs. An existing file whose lock
 * nobody holds is stale: it is removed and the file created again. A file
 * whose lock is held means another daemon runs: -1 with "already running
 * (pid N)" in err. Other failures: -1 with the path and errno text. The
 * file is removed by daemon_free() (or emptied, when the daemon no longer
 * has the right to remove it). */
int daemon_pidfile_create(struct daemon *d, const char *path, struct str *err);

/* Look up a user by name (or by a decimal uid). Returns 0, or -1 with err
 * ("unknown user"). */
int daemon_user_lookup(const char *name, struct daemon_user *u, struct str *err);

/* Become u for good, in this order: set the supplementary groups to u's
 * (initgroups), set the group id, chroot to chroot_dir when it is not NULL
 * or "" (and chdir to its "/"), set the user id; then verify that the ids
 * are u's and that root cannot be regained (setuid(0) and setgid(0) must
 * fail). Must run as root, unless the process already is u (then only the
 * verification runs). Returns 0, or -1 with err; after a failure in the
 * middle the process must exit. */
int daemon_drop_privileges(const struct daemon_user *u, const char *chroot_dir,
                           struct str *err);

/* Start the signal thread: it takes the signals blocked by
 * daemon_signals_block() with sigwaitinfo() and calls h's functions (h is
 * copied). Returns 0, or -1 with err. */
int daemon_signals_start(struct daemon *d, const struct daemon_handlers *h,
                         struct str *err);

/* Startup succeeded: tell the waiting first process (it exits 0); in the
 * background also send stdio to /dev/null, chdir("/") and log to syslog. */
void daemon_ready(struct daemon *d);

/* Startup failed with status (a sysexits.h code): the waiting first process
 * exits with it. The caller then exits with the same status. */
void daemon_fail(struct daemon *d, int status);

/* Stop the signal thread, remove the pid file, free d; sets *dp to NULL.
 * NULL is fine. */
void daemon_free(struct daemon **dp);

#endif
