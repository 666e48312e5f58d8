/*
 * log: syslog or stderr output, one line per call, tagged with an id.
 * Untrusted input: message text may contain it; control characters are
 * replaced by '?' so one call stays one line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_ident = "tamis";
static bool log_syslog;
static enum log_level log_max = LOG_LEVEL_INFO;

void
log_open(const char *ident, bool to_syslog)
{
    log_ident = ident;
    log_syslog = to_syslog;
    if (to_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
    log_max = level;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

static void log_vwrite(enum log_level level, const char *id, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(enum log_level level, const char *id, const char *fmt, va_list ap)
{
    char text[2048];
    vsnprintf(text, sizeof(text), fmt, ap);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            *p = '?';
    bool tagged = id && *id;
    if (log_syslog) {
        if (level == LOG_LEVEL_INFO)
            syslog(level_prio[level], "%s%s%s", tagged ? id : "", tagged ? ": " : "",
                   text);
        else
            syslog(level_prio[level], "%s%s%s: %s", tagged ? id : "",
                   tagged ? ": " : "", level_names[level], text);
        return;
    }
    if (level == LOG_LEVEL_INFO)
        fprintf(stderr, "%s: %s%s%s\n", log_ident, tagged ? id : "", tagged ? ": " : "",
                text);
    else
        fprintf(stderr, "%s: %s%s%s: %s\n", log_ident, tagged ? id : "",
                tagged ? ": " : "", level_names[level], text);
}

void
log_msg(enum log_level level, const char *id, const char *fmt, ...)
{
    va_list ap;
    if (level > log_max)
        return;
    va_start(ap, fmt);
    log_vwrite(level, id, fmt, ap);
    va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
    va_list ap;
    char text[2048];
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    log_msg(LOG_LEVEL_ERROR, NULL, "fatal: %s", text);
    exit(75);
}

void
log_panic(const char *fmt, ...)
{
    va_list ap;
    char text[2048];
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    log_msg(LOG_LEVEL_ERROR, NULL, "panic: %s", text);
    abort();
}
