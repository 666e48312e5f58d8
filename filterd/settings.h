/*
 * settings: filterd's configuration schema (every setting, its type, its
 * default and a line of help) and the typed values read from it.
 */
#ifndef TAMIS_FILTERD_SETTINGS_H
#define TAMIS_FILTERD_SETTINGS_H

#include <stddef.h>

#include "filterd/verdict.h"
#include "lib/config.h"
#include "mail/limits.h"

#define FILTERD_CONFIG_DEFAULT "/etc/tamis/filterd.conf"

/* The schema (static); n_r gets its size. */
const struct config_key *settings_schema(size_t *n_r);
/* A configuration with every default, to load files and -o into. */
struct config *settings_new(void);
/* The parser limits from c. */
struct mail_limits settings_limits(const struct config *c);
/* Bounds of the settings that become header or reply text. */
#define SETTINGS_HEADER_NAME_MAX 64
#define SETTINGS_SUBJECT_PREFIX_MAX 64
#define SETTINGS_REPLY_TEXT_MAX 200

/* Check what lib/config cannot: the scores are decimal numbers; words of a
 * fixed set (add_header_mode, max_message_size_action, on_error_*); header
 * names; reply texts printable ASCII. Appends one "SOURCE: text" line per
 * error to err; returns 0, or -1 on an error. */
int settings_validate(const struct config *c, struct str *err);
/* The index of key's value in its set of words (add_header_mode: always 0, spam 1; on_error_*: tempfail
 * 0, accept 1; max_message_size_action: accept 0, quarantine 1, tempfail 2,
 * reject 3, discard 4); -1 when the value is not one of them. */
int settings_choice(const struct config *c, const char *key);
/* The action thresholds from c (validated). */
struct verdict_thresholds settings_thresholds(const struct config *c);

#endif
