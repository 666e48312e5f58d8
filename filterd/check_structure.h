/*
 * check_structure: symbols for the shape of a message: a malformed MIME
 * structure, a limit of the parser reached, undecodable parts, unknown
 * charsets, missing required headers.
 */
#ifndef TAMIS_FILTERD_CHECK_STRUCTURE_H
#define TAMIS_FILTERD_CHECK_STRUCTURE_H

#include "filterd/message.h"
#include "filterd/verdict.h"

/* Add the structural symbols of m to v. Decodes and renders every leaf part
 * (bounded by the message's decoded_max). */
void check_structure(struct message *m, struct verdict *v);

#endif
