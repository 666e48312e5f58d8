/*
 * mime: the MIME tree of a message, built incrementally from pushed bytes.
 *
 * The parser records where each part's headers and body lie (byte offsets
 * in the message) and keeps the header blocks; bodies are not copied, so a
 * large message can be pushed in chunks from a file and its parts decoded
 * later, chunk by chunk, with a mime_decoder. Bounded by struct
 * mail_limits: depth, number of parts, header blocks, lines, message size;
 * each limit reached is a flag on the part and on the message.
 *
 * Usage: p = mime_parser_new(arena, &limits); mime_parser_push(p, ...)...;
 * msg = mime_parser_finish(p); mime_parser_free(&p). The tree lives in the
 * arena.
 */
#ifndef TAMIS_MAIL_MIME_H
#define TAMIS_MAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/header.h"
#include "mail/limits.h"
#include "mail/mime_param.h"

/* Part flags (also OR-ed into the message's flags). */
#define MIME_F_NO_END_BOUNDARY 0x0001 /* a multipart lacks its closing boundary */
#define MIME_F_NO_BOUNDARY 0x0002     /* multipart without a boundary parameter */
#define MIME_F_NO_PARTS 0x0004        /* a multipart with no boundary line at all */
#define MIME_F_DEPTH_LIMIT 0x0008     /* mime_depth_max reached: kept as a leaf */
#define MIME_F_PARTS_LIMIT 0x0010     /* parts_max reached: later parts not split */
#define MIME_F_HEADER_LIMIT 0x0020    /* a header block passed its limits */
#define MIME_F_LONG_LINE 0x0040       /* a line longer than line_max */
#define MIME_F_BAD_HEADER 0x0080      /* a malformed header line */
#define MIME_F_8BIT_HEADER 0x0100     /* raw 8-bit bytes in a header */
#define MIME_F_BAD_CTE 0x0200         /* unknown Content-Transfer-Encoding */
#define MIME_F_SIZE_LIMIT 0x0400      /* message_max reached: the rest ignored */
#define MIME_F_BAD_CTYPE 0x0800       /* Content-Type without type/subtype */
#define MIME_F_BAD_PARAM 0x1000       /* malformed Content-Type/Disposition params */
#define MIME_F_ENCODED_MULTIPART 0x2000 /* multipart or message with base64/qp */

enum mime_kind { MIME_LEAF, MIME_MULTIPART, MIME_MESSAGE };
enum mime_cte { MIME_CTE_7BIT, MIME_CTE_8BIT, MIME_CTE_BINARY, MIME_CTE_BASE64,
                MIME_CTE_QP, MIME_CTE_UUENCODE, MIME_CTE_UNKNOWN };

struct mime_part {
    struct mime_part *parent, *first_child, *last_child, *next;
    size_t index; /* 0 for the root, in order of appearance */
    size_t depth; /* 0 for the root */
    enum mime_kind kind;
    struct header_block headers;
    struct mime_value ctype;       /* parsed Content-Type */
    struct mime_value disposition; /* parsed Content-Disposition ("" if none) */
    const char *type;              /* "text/plain": lowercased, defaulted */
    const char *charset;           /* the charset parameter, or NULL */
    const char *filename;          /* disposition filename, else type name, or NULL */
    const char *boundary;          /* for multiparts */
    enum mime_cte cte;
    size_t header_start;           /* offset of the part's header block */
    size_t body_start, body_end;   /* body bytes [start, end) in the message */
    size_t preamble_end;           /* multiparts: the preamble is [body_start, preamble_end) */
    size_t epilogue_start;         /* multiparts: the epilogue is [epilogue_start, body_end) */
    unsigned flags;
};

struct mime_message {
    struct mime_part *root;
    size_t nparts;
    size_t size;    /* bytes pushed (or message_max when cut) */
    unsigned flags; /* OR of every part's flags */
};

struct mime_parser;

struct mime_parser *mime_parser_new(struct arena *a, const struct mail_limits *lim);
/* Feed the next len bytes of the message. */
void mime_parser_push(struct mime_parser *p, const char *data, size_t len);
/* End of input: close every open part. The tree lives in the arena. */
struct mime_message *mime_parser_finish(struct mime_parser *p);
void mime_parser_free(struct mime_parser **pp);

/* Parse a whole message held in memory. */
struct mime_message *mime_parse(struct arena *a, const struct mail_limits *lim,
                                const char *data, size_t len);

/* Depth-first walk: the part after p, or NULL at the end. */
struct mime_part *mime_next(struct mime_part *p);
/* "7bit", "base64", ... */
const char *mime_cte_name(enum mime_cte cte);

#endif
