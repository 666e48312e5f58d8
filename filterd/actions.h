/*
 * actions: what a verdict does to a message, computed once and applied by
 * each front end with its own means: header edits (our old headers removed
 * first, so a sender cannot forge them, then ours added), a subject with a
 * prefix, and for reject, tempfail and discard the SMTP reply.
 */
#ifndef TAMIS_FILTERD_ACTIONS_H
#define TAMIS_FILTERD_ACTIONS_H

#include <stddef.h>

#include "filterd/message.h"
#include "filterd/pipeline.h"
#include "filterd/verdict.h"
#include "lib/config.h"
#include "lib/str.h"

enum header_edit_op { HEADER_EDIT_DELETE, HEADER_EDIT_ADD, HEADER_EDIT_CHANGE };

struct header_edit {
    enum header_edit_op op;
    const char *name;
    size_t occurrence; /* DELETE, CHANGE: which field of that name, from 1 */
    const char *value; /* ADD, CHANGE: the new value (unfolded, no CRLF) */
};

struct action_plan {
    enum verdict_action action;
    struct header_edit *edits; /* in order: deletes first, then adds */
    size_t nedits;
    const char *reply_code;  /* "550", "451": for reject and tempfail */
    const char *reply_xcode; /* "5.7.1", "4.7.1" */
    const char *reply_text;
    const char *quarantine_reason; /* for quarantine */
    /* For quarantine: the Maildir folder the message goes to (with the
     * plan's edits; the MTA then drops it), or NULL for the MTA's hold
     * queue (quarantine_maildir). Owned by the pipeline. */
    const char *quarantine_maildir;
};

/*
 * The action settings (add_header_mode, spam_header_*, subject_prefix,
 * reject_message, tempfail_message), read once from a configuration that
 * settings_validate() accepted; part of a pipeline (pipeline_actions()).
 * Free with actions_config_free().
 */
struct actions_config;
struct actions_config *actions_config_new(const struct config *c);
void actions_config_free(struct actions_config **acp);

/* Long added or changed values are folded at this column where a blank
 * allows it; a line passes ACTIONS_FOLD_HARD only when no blank or comma
 * lets it break. */
#define ACTIONS_FOLD_SOFT 78
#define ACTIONS_FOLD_HARD 998
/* Bytes of the tests= list of the status header; more is cut with ",...". */
#define ACTIONS_TESTS_MAX 1000

/*
 * Compute the plan for m and v (allocated in m's arena). The edits are:
 * every field of our header names deleted, the last occurrence first (so
 * the numbers hold whether an MTA renumbers after each deletion or not),
 * then a Subject change (or add, when there is none) for rewrite-subject
 * and quarantine, then our headers added. reject, tempfail and discard get
 * no edits: the message is not delivered. reply_* are set for reject and
 * tempfail (v->reply_* first when an early stage set them); the
 * quarantine reason for quarantine.
 */
void actions_plan(const struct pipeline *p, const struct message *m,
                  const struct verdict *v, struct action_plan *out);
/* Write the message with the plan's header edits applied to fd (for front
 * ends that pass the message on: qmail). Returns 0, or -1 with errno.
 * The deletes and changes apply to the fields in the message's bytes
 * (occurrences counted from the top); changed and added fields are folded
 * (actions_fold) and end with the message's own line ends (those of its
 * first line: CRLF or LF); added fields go at the end of the top header
 * block, before its empty line (one is added when the block ended without
 * it and a body follows); lines inside the block that are neither fields
 * nor folds, which readers skip, are dropped; the body is copied
 * unchanged, in chunks. */
int actions_write_message(const struct action_plan *plan, const struct message *m, int fd);

/*
 * Append value to out folded for a field whose name is name_len bytes
 * long ("Name: " comes before it on the first line): a line break (eol) is
 * put before a blank where the line would pass ACTIONS_FOLD_SOFT columns,
 * or after a comma (with a tab) where it would pass ACTIONS_FOLD_HARD.
 * CR and LF in value become spaces, so a value never makes a new field.
 * Returns 0, or -1 when out's maximum was reached.
 */
int actions_fold(size_t name_len, const char *value, const char *eol, struct str *out);

#endif
