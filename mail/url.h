/*
 * url: find URLs in plain text, and split one URL into its parts for the
 * checks that need its host (URIBL, rules).
 */
#ifndef TAMIS_MAIL_URL_H
#define TAMIS_MAIL_URL_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/str.h"

/* Longest URL url_parse() accepts. */
#define URL_MAX_LEN ((size_t)64 << 10)
/* Longest host url_parse() accepts (after %-decoding). */
#define URL_HOST_MAX 255

/* A parsed URL. Every part is NUL-terminated in the arena, or NULL when
 * absent. */
struct url {
    char *scheme;   /* lowercased, without ':'; NULL for "www.x.y/..." or "//x.y/" */
    char *host;     /* lowercased, %-decoded, trailing dots removed; an IPv6
                       literal keeps its brackets ("[::1]"); IPv4 and other
                       numeric forms are kept as written; for mailto: the
                       domain of the (first) address */
    char *port;     /* the digits after ':' */
    char *path;     /* from the first '/' up to '?' or '#', not decoded; for
                       http(s), ftp, ws(s) and file a '\' is turned into '/'.
                       For other schemes without "//" (mailto:, data:,
                       javascript:...) everything after ':' up to '?' */
    char *userinfo; /* what came before '@' in the authority, not decoded */
    char *query;    /* after '?', without it */
    char *fragment; /* after '#', without it */
};

/* Called for each URL found; url points into the text given. */
typedef void (*url_cb)(void *ctx, struct slice url);

/* Find URLs in plain text: "scheme://..." for any scheme of two letters or
 * more (so "hxxp://x.y" is found too), "mailto:...", http/https/ftp written
 * with backslashes or one or three slashes ("http:\\x.com", "http:/x.com"),
 * and hosts without a scheme that start with "www." or "ftp.". A scheme
 * may not follow a letter, digit, '+' or '-'; a "www." host may not follow
 * those nor '.', '@', '_', '/', '\\', '%', '=', '&' or ':' (so addresses
 * and paths are not cut up). A URL stops at whitespace (ASCII and Unicode
 * spaces), controls, quotes (ASCII and typographic), '<', '>', '`' and
 * bytes that are not UTF-8; then a final '.', ',', ';', ':', '!', '?', '*'
 * and an unbalanced final ')', ']' or '}' are dropped. A URL inside another
 * (a redirector's parameter) is not reported on its own.
 * Calls cb (may be NULL) for each of the first max_urls URLs; returns how
 * many were found in all, counting past max_urls so that callers see that
 * the limit was hit. Linear in the text. */
size_t url_find_in_text(struct slice text, size_t max_urls, url_cb cb, void *ctx);

/* Parse one URL, or a schemeless "www.x.y/...", "x.y/..." or "//x.y/...",
 * into out (parts allocated from the arena). Surrounding spaces are
 * trimmed and tabs, CR and LF inside are dropped, as browsers do; http(s),
 * ftp, ws(s) and file take any number of '/' or '\' after the scheme.
 * Returns 0, or -1 with *error_r set to a static English reason (e.g.
 * "missing host", "bad character in host", "bad port"). Bounded by
 * URL_MAX_LEN and URL_HOST_MAX. */
int url_parse(struct arena *a, struct slice in, struct url *out, const char **error_r);

#endif
