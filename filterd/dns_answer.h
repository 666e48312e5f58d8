/*
 * dns_answer: read a DNS response message (RFC 1035 section 4) as a DNS
 * list client needs it: the response code, the IPv4 addresses or the TXT
 * text of the answer section with their smallest TTL, and the negative
 * TTL of an NXDOMAIN or NODATA answer (RFC 2308: the SOA record of the
 * authority section). Pure and bounded: no I/O, no allocation.
 */
#ifndef TAMIS_FILTERD_DNS_ANSWER_H
#define TAMIS_FILTERD_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TYPE_A 1
#define DNS_TYPE_SOA 6
#define DNS_TYPE_TXT 16

/* At most this many A records are kept (DNS lists give one or a few). */
#define DNS_ANSWER_MAX_A 16
/* At most this many bytes of TXT text are kept (the strings of every TXT
 * record, records separated by one space); the rest is cut. */
#define DNS_ANSWER_TXT_MAX 400
/* TTLs are capped at one day. */
#define DNS_ANSWER_TTL_MAX 86400u

enum dns_rcode_kind {
    DNS_R_FOUND,    /* NOERROR with records of the type asked for */
    DNS_R_NODATA,   /* NOERROR without them */
    DNS_R_NXDOMAIN, /* the name does not exist: not listed */
    DNS_R_ERROR,    /* SERVFAIL, REFUSED, a malformed message...: see why */
};

struct dns_answer {
    enum dns_rcode_kind kind;
    uint32_t a[DNS_ANSWER_MAX_A]; /* IPv4 addresses, host byte order */
    size_t na;
    char txt[DNS_ANSWER_TXT_MAX + 1]; /* NUL-terminated; "" when none */
    size_t txt_len;
    uint32_t ttl;    /* seconds the answer may be cached (0: not at all) */
    const char *why; /* DNS_R_ERROR: a static English reason */
};

/* Parse the response msg (len bytes) to a query of type qtype (DNS_TYPE_A
 * or DNS_TYPE_TXT) into out. Records of other types (a CNAME on the way)
 * are skipped. Returns 0, or -1 when the message is malformed (out->kind
 * is then DNS_R_ERROR with the reason in out->why). */
int dns_answer_parse(const uint8_t *msg, size_t len, int qtype, struct dns_answer *out);

#endif
