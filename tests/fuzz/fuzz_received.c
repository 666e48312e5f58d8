/*
 * fuzz_received: Received fields (mail/received.h) and the relay
 * pseudo-headers built from a header block (rules_relays_build), on any
 * bytes. Checks that a relay has an address that parses, that every part
 * is cleaned (no white space, # [ ] ( ) < > |) and ends within its
 * buffer (the queue id, which SpamAssassin does not clean, only holds no
 * white space or < > ;), and that each pseudo-header is a run of "[ ip=... ]" relays.
 */
#include "fuzz_check.h"
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "mail/header.h"
#include "mail/limits.h"
#include "mail/received.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLEANED " \t\r\n#[]()<>|"

/* A part ends in its buffer and holds none of the bytes in bad. */
static void
check_part(const char *p, size_t cap, const char *bad)
{
    size_t n = strnlen(p, cap);
    if (n == cap || strpbrk(p, bad) != NULL)
        FUZZ_CHECK_FAILED();
}

static void
check_relay(const struct received_relay *r)
{
    unsigned char bin[16];
    check_part(r->ip, sizeof(r->ip), CLEANED);
    if (inet_pton(AF_INET, r->ip, bin) != 1 && inet_pton(AF_INET6, r->ip, bin) != 1)
        FUZZ_CHECK_FAILED();
    check_part(r->rdns, sizeof(r->rdns), CLEANED);
    check_part(r->helo, sizeof(r->helo), CLEANED);
    check_part(r->by, sizeof(r->by), CLEANED);
    check_part(r->ident, sizeof(r->ident), CLEANED);
    check_part(r->envfrom, sizeof(r->envfrom), CLEANED);
    check_part(r->id, sizeof(r->id), " \t\r\n<>;"); /* as SpamAssassin: not cleaned */
}

static void
check_relays(struct slice s)
{
    if (s.len == 0)
        return;
    if (s.len < 4 || memcmp(s.ptr, "[ ip=", 5) != 0 ||
        memcmp(s.ptr + s.len - 2, " ]", 2) != 0)
        FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice in = {(const char *)data, size};
    struct received_relay r;
    if (received_parse(in, &r) == RECEIVED_RELAY)
        check_relay(&r);
    static const char *const conf[2] = {
        "", "trusted_networks 10/8 !10.1.2.3 [2001:db8::]/32\n"};
    struct arena *a = arena_new(1 << 14);
    struct mail_limits lim = mail_limits_default();
    struct header_block hb;
    (void)header_parse(a, &lim, in, true, &hb);
    for (int k = 0; k < 2; k++) {
        struct rules *rs = rules_new();
        rules_load_buffer(rs, "fuzz.cf", conf[k], strlen(conf[k]));
        rules_finish(rs, 0);
        struct slice out[RELAYS_NKINDS];
        rules_relays_build(rs, &hb, a, out);
        for (int j = 0; j < RELAYS_NKINDS; j++)
            check_relays(out[j]);
        rules_free(&rs);
    }
    arena_free(&a);
    return 0;
}
