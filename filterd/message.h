/*
 * message: one message under scan: its bytes (a blob, in memory or in a
 * file), its per-message arena, and its parsed MIME tree. Front ends load
 * a message here and hand it to the pipeline.
 */
#ifndef TAMIS_FILTERD_MESSAGE_H
#define TAMIS_FILTERD_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/blob.h"
#include "lib/str.h"
#include "mail/limits.h"
#include "mail/mime.h"

/* The rendered text of one text part (see message_texts). */
struct message_text {
    const struct mime_part *part;
    struct slice text;     /* UTF-8, in the message's arena */
    unsigned decode_flags; /* MIME_DECODE_F_* */
    unsigned render_flags; /* RENDER_F_* */
    bool truncated;        /* decoded_max was reached */
};

/* A URL of the text parts (see message_urls). */
struct message_url {
    struct slice url; /* as written (not parsed), in the message's arena */
    size_t text;      /* the index of its part in message_texts */
    bool attribute;   /* from an HTML attribute (href, src...), not the text */
};

/* A list of URLs that grows in the message's arena. */
struct message_url_list {
    struct message_url *v;
    size_t n, cap;
    size_t found; /* counted past MESSAGE_URLS_MAX too */
};

/* Most URLs kept per message (message_urls). */
#define MESSAGE_URLS_MAX 5000

struct message {
    struct arena *arena;
    struct blob *blob;
    struct mime_message *mime;
    struct mail_limits limits;
    const char *name; /* file name, or "-" for standard input */
    struct message_text *texts; /* computed once by message_texts() */
    size_t ntexts;
    bool texts_done;
    struct message_url_list attr_urls; /* met while rendering the texts */
    struct message_url_list urls;      /* computed once by message_urls() */
    bool urls_done;
};

/* Load and parse a file ("-" for standard input). Returns NULL with a
 * reason in err when the input cannot be read. */
struct message *message_load(const char *path, const struct mail_limits *lim,
                             struct str *err);
/* Parse bytes the caller keeps alive while the message lives. */
struct message *message_from_memory(const char *data, size_t len,
                                    const struct mail_limits *lim);
void message_free(struct message **mp);

/* Decode a leaf part's body into out (bounded by out's maximum). Returns
 * 0, or -1 when out's maximum was reached; decode flags in *flags_r. */
int message_decode_part(const struct message *m, const struct mime_part *part,
                        struct str *out, unsigned *flags_r);
/* The text parts as a reader sees them (decoded, converted to UTF-8, HTML
 * rendered), computed on the first call and kept for the message's life so
 * that every check reads them without decoding again. Each text is bounded
 * by decoded_max. Returns their number; *texts_r the array. */
size_t message_texts(struct message *m, const struct message_text **texts_r);
/* The URLs of the text parts, found once for every check (URIBL, the
 * rules' uri tests): for each part of message_texts in order, those of its
 * HTML attributes, then those url_find_in_text finds in its rendered text.
 * Computed on the first call and kept for the message's life. At most
 * MESSAGE_URLS_MAX; *found_r (may be NULL) gets how many there were in
 * all, so that a caller sees the limit was hit. Returns their number;
 * *urls_r the array (owned by the message). */
size_t message_urls(struct message *m, const struct message_url **urls_r,
                    size_t *found_r);
/* A top-level header, unfolded and decoded to UTF-8 (in the arena), or
 * NULL if the message has none. */
const char *message_header(const struct message *m, const char *name);

#endif
