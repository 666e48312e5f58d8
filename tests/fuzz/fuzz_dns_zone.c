/*
 * fuzz_dns_zone: the DNS list configuration and the pure helpers around a
 * lookup. The input's first line is a list item (dns_zone_parse, as a
 * block and as an allow list), the second an address (dns_reverse_name,
 * dns_prefix_parse and _match), the rest a reply template expanded with
 * the input as every value (dnslist_reply_text). Checks: a parsed item has
 * a valid zone and symbol and its action is one the kind allows; a failure
 * has a reason; query names are bounded; reply texts are printable and
 * bounded.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/dns_zone.h"
#include "filterd/dnslist.h"
#include "lib/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_item(struct slice item, unsigned actions)
{
    struct dns_zone_entry e;
    const char *why = NULL;
    if (dns_zone_parse(item, actions, "DNSBL_", 1.0, &e, &why) < 0) {
        if (why == NULL || *why == '\0')
            FUZZ_CHECK_FAILED();
        return;
    }
    size_t zn = strlen(e.zone), sn = strlen(e.symbol);
    if (zn == 0 || zn > DNS_ZONE_MAX || sn > DNS_SYMBOL_MAX || !(actions & (1u << e.action)))
        FUZZ_CHECK_FAILED();
    for (size_t i = 0; i < zn; i++)
        if (e.zone[i] >= 'A' && e.zone[i] <= 'Z')
            FUZZ_CHECK_FAILED();
    (void)dns_codes_match(&e.codes, 0x7f000002);
}

static void
check_address(const char *ip)
{
    char buf[DNS_QUERY_BUF];
    if (dns_reverse_name(ip, "zen.test", buf, sizeof(buf)) == 0 &&
        (strlen(buf) > DNS_NAME_MAX || strstr(buf, ".zen.test") == NULL))
        FUZZ_CHECK_FAILED();
    struct dns_prefix p;
    if (dns_prefix_parse(ip, &p) == 0 && (p.bits > 128 || !dns_prefix_match(&p, ip)) &&
        strchr(ip, '/') == NULL)
        FUZZ_CHECK_FAILED();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xmemdup0(data, size);
    char *nl = memchr(s, '\n', size);
    struct slice item = slice_make(s, nl ? (size_t)(nl - s) : size);
    check_item(item, DNS_ALLOW_BLOCK);
    check_item(item, DNS_ALLOW_WELCOME);
    if (nl) {
        char *rest = nl + 1;
        char *nl2 = strchr(rest, '\n');
        if (nl2)
            *nl2 = '\0';
        check_address(rest);
        const char *tmpl = nl2 ? nl2 + 1 : rest;
        struct str out;
        str_init(&out, 0);
        dnslist_reply_text(tmpl, rest, s, rest, tmpl, &out);
        if (out.len > DNSLIST_REPLY_MAX)
            FUZZ_CHECK_FAILED();
        for (size_t i = 0; i < out.len; i++)
            if ((unsigned char)out.buf[i] < 0x20 || (unsigned char)out.buf[i] >= 0x7f)
                FUZZ_CHECK_FAILED();
        str_deinit(&out);
    }
    free(s);
    return 0;
}
