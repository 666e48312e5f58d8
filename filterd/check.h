/*
 * check: the interface every pluggable check of filterd's pipeline
 * implements (DNSBL, tables, rules, file types, viruses, Bayes...), and the
 * registry that lists them in pipeline order (filterd/checks.c).
 *
 * A check brings its own settings (a schema fragment that settings.c joins
 * to the base schema, so `filterd lint`, -o and the config file know them),
 * builds a read-only state from a configuration (loading its files: rule
 * files, tables, signature databases), and looks at a message at one or more
 * stages. The state is shared by every thread of the daemon and must not be
 * changed by a stage; a reload (SIGHUP) builds a new pipeline and with it
 * new states, and frees the old ones once no message uses them.
 *
 * Stages are called in registry order, and not at all once the verdict is
 * final (an earlier stage rejected, tempfailed or discarded). A stage that
 * cannot do its work (a scanner down, a time-out) applies its own failure
 * policy: by default a tempfail (verdict_check_failed), never a silent
 * accept. A check that decides at once (a listed client, a virus) calls
 * verdict_decide with its SMTP reply.
 */
#ifndef TAMIS_FILTERD_CHECK_H
#define TAMIS_FILTERD_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "filterd/message.h"
#include "filterd/verdict.h"
#include "lib/config.h"
#include "lib/str.h"

struct scan_env;

struct check_ops {
    const char *name; /* "dnsbl", "rules", ...: for logs and lint */
    /* Settings of this check (static, names unique across all checks). */
    const struct config_key *schema;
    size_t nschema;
    /* Build the state from c. Returns the state (never NULL on success:
     * a check that is turned off returns a state that does nothing), or
     * NULL with one "SOURCE: text" line per error appended to err. */
    void *(*state_new)(const struct config *c, struct str *err);
    void (*state_free)(void *state);
    /* Stages; each may be NULL. connect: the client address, name, HELO.
     * envelope: MAIL and each RCPT (env->rcpts holds the recipients so
     * far; at RCPT time the last one is the new one). content: the whole
     * message, after the built-in structure and content checks. */
    void (*connect)(const void *state, const struct scan_env *env, struct verdict *v);
    void (*envelope)(const void *state, const struct scan_env *env, struct verdict *v);
    void (*content)(const void *state, const struct scan_env *env, struct message *m,
                    struct verdict *v);
    /* Optional: called after the content stage once the verdict is
     * finished (verdict_finish), also when an early stage decided; for
     * checks that learn from the verdict (Bayes autolearn). */
    void (*after)(const void *state, const struct scan_env *env, struct message *m,
                  const struct verdict *v);
    /* Optional: a few lines for `filterd lint` (what was loaded). */
    void (*summary)(const void *state, struct str *out);
    /* Optional: whether this state does anything at its connect and
     * envelope stages (a list or a table is configured). NULL counts as
     * yes. The milter leaves out the protocol steps that no active check
     * reads (pipeline_uses_connect). */
    bool (*active)(const void *state);
};

/* The registered checks, in pipeline order; n_r gets their number. */
const struct check_ops *const *checks_registry(size_t *n_r);

#endif
