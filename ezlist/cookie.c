/*
 * cookie: HMAC-SHA-256 confirmation cookies (see cookie.h), on OpenSSL's
 * libcrypto.
 *
 * Untrusted input: cookie_parse reads the local part of a recipient address;
 * it is pure and bounded (COOKIE_TEXT_MAX bytes).
 */
#include "ezlist/cookie.h"

#include "lib/chars.h"
#include "lib/log.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

static void
cookie_mac(const uint8_t *key, char action, long long t, const char *addr,
           uint8_t mac[COOKIE_MAC_LEN])
{
    struct str msg;
    str_init(&msg, 0);
    str_append(&msg, "ezlist-cookie-1", 16); /* with its NUL */
    str_appendf(&msg, "%c%c%lld%c", action, '\0', t, '\0');
    for (const char *p = addr; *p; p++)
        str_appendc(&msg, (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (HMAC(EVP_sha256(), key, COOKIE_KEY_LEN, (const unsigned char *)msg.buf, msg.len,
             full, &len) == NULL || len < COOKIE_MAC_LEN)
        log_fatal("HMAC-SHA-256 failed");
    memcpy(mac, full, COOKIE_MAC_LEN);
    OPENSSL_cleanse(full, sizeof full);
    str_deinit(&msg);
}

void
cookie_make(const uint8_t *key, unsigned key_id, char action, long long t,
            const char *addr, char *out)
{
    uint8_t mac[COOKIE_MAC_LEN];
    cookie_mac(key, action, t, addr, mac);
    int n = snprintf(out, COOKIE_TEXT_MAX, "%c.%lld.%u.", action, t, key_id);
    for (size_t i = 0; i < COOKIE_MAC_LEN && n + 2 < COOKIE_TEXT_MAX; i++, n += 2) {
        out[n] = "0123456789abcdef"[mac[i] >> 4];
        out[n + 1] = "0123456789abcdef"[mac[i] & 15];
    }
    out[n] = '\0';
}

/* Read a decimal number of at most max_digits from *p (advanced). */
static int
read_num(const char **p, const char *end, int max_digits, long long *v)
{
    long long x = 0;
    int d = 0;
    while (*p < end && **p >= '0' && **p <= '9' && d < max_digits) {
        x = x * 10 + (**p - '0');
        (*p)++;
        d++;
    }
    if (d == 0 || (*p < end && **p >= '0' && **p <= '9'))
        return -1;
    *v = x;
    return 0;
}

int
cookie_parse(struct slice in, struct cookie *c)
{
    const char *p = in.ptr, *end = in.ptr + in.len;
    if (in.len < 2 + COOKIE_MAC_LEN * 2 || in.len >= COOKIE_TEXT_MAX)
        return -1;
    char a = (char)(p[0] | 0x20);
    if ((a != 's' && a != 'u') || p[1] != '.')
        return -1;
    p += 2;
    long long t, k;
    if (read_num(&p, end, 18, &t) < 0 || p >= end || *p++ != '.')
        return -1;
    if (read_num(&p, end, 9, &k) < 0 || p >= end || *p++ != '.')
        return -1;
    if (end - p != COOKIE_MAC_LEN * 2)
        return -1;
    for (size_t i = 0; i < COOKIE_MAC_LEN; i++) {
        int hi = chars_hexval((unsigned char)p[2 * i]);
        int lo = chars_hexval((unsigned char)p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        c->mac[i] = (uint8_t)(hi << 4 | lo);
    }
    c->action = a;
    c->time = t;
    c->key_id = (unsigned)k;
    return 0;
}

bool
cookie_check(const struct cookie *c, const uint8_t *key, char action, const char *addr,
             long long now, long long validity)
{
    if (c->action != action || c->time > now + 60 || now - c->time > validity)
        return false;
    uint8_t mac[COOKIE_MAC_LEN];
    cookie_mac(key, action, c->time, addr, mac);
    return CRYPTO_memcmp(mac, c->mac, COOKIE_MAC_LEN) == 0;
}
