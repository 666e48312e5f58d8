/*
 * table_impl: what filterd/table.c, table_lookup.c and table_value.c share
 * (the storage of a table and the IP keys). Not for other modules.
 */
#ifndef TAMIS_FILTERD_TABLE_IMPL_H
#define TAMIS_FILTERD_TABLE_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "filterd/table.h"

struct table_rec {
    unsigned char *hkey; /* the hash key, then e.key (TABLE_ACCESS, TABLE_LIST) */
    size_t hlen;
    pcre2_code *code; /* TABLE_PATTERNS */
    struct table_entry e;
};

struct table {
    enum table_format format;
    struct table_rec *recs;
    size_t n, cap;
    uint32_t *slots; /* index + 1 into recs; 0: empty */
    size_t nslots;   /* a power of two, or 0 */
    char **files;    /* the names given to table_parse, for entries' file */
    size_t nfiles;
    size_t duplicates;
    size_t errors;
    char only_tag;      /* table_set_kind: the tag of every key, or 0 */
    bool plens[2][129]; /* IPv4, IPv6: prefix lengths that have keys */
    pcre2_match_context *mctx;
};

/* An address or prefix: family 4 or 6, the bytes (4 or 16 used), the
 * prefix length. */
struct table_ip {
    int family;
    unsigned char addr[16];
    unsigned plen;
};

/* The hash key of n bytes at k, or NULL. */
const struct table_entry *table_find(const struct table *t, const unsigned char *k,
                                     size_t n);
/* ASCII lower case. */
static inline char
table_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The key looks like an IP address or prefix (digits and dots, or has a
 * colon), with or without an "IPv6:" prefix and "/N". */
bool table_ip_key_like(struct slice key);
/* Parse an IP key (192.0.2.1, 192.0.2, 192.0.2.0/24, 2001:db8::1,
 * 2001:db8, 2001:db8::/32, IPv6:...) into *ip. Returns NULL, or why not. */
const char *table_ip_key_parse(struct slice key, struct table_ip *ip);
/* Write the hash key of ip for tag into k (at most 20 bytes); its length. */
size_t table_ip_hash_key(unsigned char *k, char tag, const struct table_ip *ip);

#endif
