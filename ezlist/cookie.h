/*
 * cookie: the confirmation cookies of subscribe and unsubscribe requests.
 *
 * A cookie is "A.T.K.M": A the action ('s' subscribe, 'u' unsubscribe),
 * T the Unix time it was made (decimal), K the id of the key (decimal), M
 * the first 16 bytes of HMAC-SHA-256(key K, "ezlist-cookie-1\0A\0T\0ADDR"),
 * in lowercase hex. ADDR is the address the action is for, lowercased (so
 * an MTA that folds the case of local parts does not break it). Stateless:
 * nothing is stored between the request and the confirmation.
 */
#ifndef TAMIS_EZLIST_COOKIE_H
#define TAMIS_EZLIST_COOKIE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/str.h"

#define COOKIE_MAC_LEN 16
#define COOKIE_KEY_LEN 32
/* Longest cookie text: 1 + 1 + 20 + 1 + 10 + 1 + 32, and a NUL. */
#define COOKIE_TEXT_MAX 80

struct cookie {
    char action;       /* 's' or 'u' */
    long long time;    /* when it was made */
    unsigned key_id;
    uint8_t mac[COOKIE_MAC_LEN];
};

/* Make the cookie text for action, address addr, time t, with key
 * (COOKIE_KEY_LEN bytes) of id key_id, into out (COOKIE_TEXT_MAX bytes). */
void cookie_make(const uint8_t *key, unsigned key_id, char action, long long t,
                 const char *addr, char *out);

/* Parse a cookie's text (untrusted; pure). Returns 0, or -1 when in is not
 * exactly one well-formed cookie. */
int cookie_parse(struct slice in, struct cookie *c);

/* Whether c is valid for action and addr with the key given (whose id the
 * caller matched to c->key_id), at time now: made at most validity seconds
 * before now, and not in the future (60 s of clock skew allowed). The MAC
 * is compared in constant time. */
bool cookie_check(const struct cookie *c, const uint8_t *key, char action,
                  const char *addr, long long now, long long validity);
#endif
