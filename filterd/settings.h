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
/* Check what lib/config cannot: the scores are decimal numbers. Appends one
 * "SOURCE: text" line per error to err; returns 0, or -1 on an error. */
int settings_validate(const struct config *c, struct str *err);
/* The action thresholds from c (validated). */
struct verdict_thresholds settings_thresholds(const struct config *c);

#endif
