/*
 * log: the one logging module. Lines go to syslog (daemons) or to stderr
 * (foreground, commands), chosen once by log_open(). Every line may carry an
 * id (the MTA's queue id, or a session id) the way Postfix tags its lines:
 * "ID: text". Formats are printf-checked; there are no custom conversions.
 */
#ifndef TAMIS_LIB_LOG_H
#define TAMIS_LIB_LOG_H

#include <stdbool.h>
#include <stdnoreturn.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Where lines go: syslog with the given ident, or stderr prefixed by it. */
void log_open(const char *ident, bool to_syslog);
/* Lines above this level are dropped (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
/* One line, tagged with id when id is non-NULL and non-empty. */
void log_msg(enum log_level level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(id, ...) log_msg(LOG_LEVEL_ERROR, (id), __VA_ARGS__)
#define log_warn(id, ...) log_msg(LOG_LEVEL_WARN, (id), __VA_ARGS__)
#define log_info(id, ...) log_msg(LOG_LEVEL_INFO, (id), __VA_ARGS__)
#define log_debug(id, ...) log_msg(LOG_LEVEL_DEBUG, (id), __VA_ARGS__)

/* A broken environment: log and exit with EX_TEMPFAIL (75). */
noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken invariant: log and abort (core dump). */
noreturn void log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
