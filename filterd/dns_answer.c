/*
 * dns_answer: the reader of DNS responses for filterd's list lookups.
 *
 * Untrusted input: yes, a whole DNS message from the network. Every read
 * is checked against the message's length; a name is skipped label by
 * label (a compression pointer ends it) with at most 128 labels; the
 * number of records read is bounded by the counts in the header and by the
 * length. Limits: DNS_ANSWER_MAX_A addresses, DNS_ANSWER_TXT_MAX bytes of
 * text (control bytes become '?'), TTLs capped at DNS_ANSWER_TTL_MAX.
 */
#include "dns_answer.h"

#include <stdbool.h>
#include <string.h>

#define HEADER_LEN 12
#define MAX_LABELS 128
#define CLASS_IN 1

struct reader {
    const uint8_t *msg;
    size_t len, pos;
};

static bool
get16(struct reader *r, uint16_t *v)
{
    if (r->len - r->pos < 2)
        return false;
    *v = (uint16_t)(r->msg[r->pos] << 8 | r->msg[r->pos + 1]);
    r->pos += 2;
    return true;
}

static bool
get32(struct reader *r, uint32_t *v)
{
    uint16_t hi, lo;
    if (!get16(r, &hi) || !get16(r, &lo))
        return false;
    *v = (uint32_t)hi << 16 | lo;
    return true;
}

/* Skip a (possibly compressed) name. */
static bool
skip_name(struct reader *r)
{
    for (int labels = 0; labels < MAX_LABELS; labels++) {
        if (r->pos >= r->len)
            return false;
        uint8_t b = r->msg[r->pos];
        if (b == 0) {
            r->pos++;
            return true;
        }
        if ((b & 0xc0) == 0xc0) {
            if (r->len - r->pos < 2)
                return false;
            r->pos += 2;
            return true;
        }
        if ((b & 0xc0) != 0 || r->len - r->pos < (size_t)b + 1)
            return false;
        r->pos += (size_t)b + 1;
    }
    return false;
}

static uint32_t
min_ttl(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Append the character-strings of one TXT record's data. */
static void
add_txt(struct dns_answer *out, const uint8_t *p, size_t n)
{
    if (out->txt_len && out->txt_len < DNS_ANSWER_TXT_MAX)
        out->txt[out->txt_len++] = ' ';
    size_t i = 0;
    while (i < n) {
        size_t slen = p[i++];
        for (size_t j = 0; j < slen && i < n; j++, i++)
            if (out->txt_len < DNS_ANSWER_TXT_MAX)
                out->txt[out->txt_len++] = (p[i] < 0x20 || p[i] >= 0x7f) ? '?' : (char)p[i];
    }
    out->txt[out->txt_len] = '\0';
}

struct rr {
    uint16_t type, class;
    uint32_t ttl;
    const uint8_t *data;
    uint16_t dlen;
};

static bool
read_rr(struct reader *r, struct rr *rr)
{
    if (!skip_name(r) || !get16(r, &rr->type) || !get16(r, &rr->class) ||
        !get32(r, &rr->ttl) || !get16(r, &rr->dlen) || r->len - r->pos < rr->dlen)
        return false;
    rr->data = r->msg + r->pos;
    r->pos += rr->dlen;
    if (rr->ttl > DNS_ANSWER_TTL_MAX)
        rr->ttl = rr->ttl & 0x80000000u ? 0 : DNS_ANSWER_TTL_MAX; /* RFC 2181 8 */
    return true;
}

static void
take_answer(struct dns_answer *out, const struct rr *rr, int qtype, bool *found)
{
    if (rr->class != CLASS_IN || rr->type != qtype)
        return;
    if (qtype == DNS_TYPE_A) {
        if (rr->dlen != 4)
            return;
        if (out->na < DNS_ANSWER_MAX_A)
            out->a[out->na++] = (uint32_t)rr->data[0] << 24 | (uint32_t)rr->data[1] << 16 |
                                (uint32_t)rr->data[2] << 8 | rr->data[3];
    } else {
        add_txt(out, rr->data, rr->dlen);
    }
    out->ttl = *found ? min_ttl(out->ttl, rr->ttl) : rr->ttl;
    *found = true;
}

/* The negative TTL from an SOA record: min(its TTL, its MINIMUM). */
static void
take_soa(struct dns_answer *out, const struct rr *rr, bool *have)
{
    if (rr->class != CLASS_IN || rr->type != DNS_TYPE_SOA || *have)
        return;
    struct reader d = {rr->data, rr->dlen, 0};
    uint32_t serial, refresh, retry, expire, minimum;
    if (!skip_name(&d) || !skip_name(&d) || !get32(&d, &serial) || !get32(&d, &refresh) ||
        !get32(&d, &retry) || !get32(&d, &expire) || !get32(&d, &minimum))
        return;
    out->ttl = min_ttl(min_ttl(rr->ttl, minimum), DNS_ANSWER_TTL_MAX);
    *have = true;
}

static int
fail(struct dns_answer *out, const char *why)
{
    out->kind = DNS_R_ERROR;
    out->why = why;
    out->na = 0;
    out->txt_len = 0;
    out->txt[0] = '\0';
    out->ttl = 0;
    return -1;
}

static const char *
rcode_reason(unsigned rcode)
{
    switch (rcode) {
    case 1: return "the server says the query is malformed (FORMERR)";
    case 2: return "the server failed (SERVFAIL)";
    case 4: return "the server does not do this query (NOTIMP)";
    case 5: return "the server refused the query (REFUSED)";
    default: return "the server answered with an unknown error code";
    }
}

/* Read the answer and authority sections. */
static int
read_records(struct reader *r, uint16_t an, uint16_t ns, int qtype, bool nxdomain,
             struct dns_answer *out)
{
    bool found = false, soa = false;
    for (unsigned i = 0; i < (unsigned)an + ns; i++) {
        struct rr rr;
        if (!read_rr(r, &rr))
            return fail(out, "malformed record in the answer");
        if (i < an && !nxdomain)
            take_answer(out, &rr, qtype, &found);
        else if (!found)
            take_soa(out, &rr, &soa);
    }
    if (found)
        out->kind = DNS_R_FOUND;
    return 0;
}

int
dns_answer_parse(const uint8_t *msg, size_t len, int qtype, struct dns_answer *out)
{
    memset(out, 0, sizeof(*out));
    struct reader r = {msg, len, 0};
    uint16_t id, flags, qd, an, ns, ar;
    if (msg == NULL || len < HEADER_LEN)
        return fail(out, "answer shorter than a DNS header");
    (void)get16(&r, &id);
    (void)get16(&r, &flags);
    (void)get16(&r, &qd);
    (void)get16(&r, &an);
    (void)get16(&r, &ns);
    (void)get16(&r, &ar);
    if (!(flags & 0x8000))
        return fail(out, "not a DNS response");
    if (flags & 0x0200)
        return fail(out, "truncated DNS answer");
    unsigned rcode = flags & 0x0f;
    if (rcode != 0 && rcode != 3)
        return fail(out, rcode_reason(rcode));
    for (unsigned i = 0; i < qd; i++) {
        uint16_t t, c;
        if (!skip_name(&r) || !get16(&r, &t) || !get16(&r, &c))
            return fail(out, "malformed question in the answer");
    }
    out->kind = rcode == 3 ? DNS_R_NXDOMAIN : DNS_R_NODATA;
    /* Records that come with an NXDOMAIN (a CNAME on the way) do not list. */
    return read_records(&r, an, ns, qtype, rcode == 3, out);
}
