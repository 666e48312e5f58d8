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
};

/* Compute the plan for m and v (allocated in m's arena). */
void actions_plan(const struct pipeline *p, const struct message *m,
                  const struct verdict *v, struct action_plan *out);
/* Write the message with the plan's header edits applied to fd (for front
 * ends that pass the message on: qmail). Returns 0, or -1 with errno. */
int actions_write_message(const struct action_plan *plan, const struct message *m, int fd);

#endif
