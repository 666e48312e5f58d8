/*
 * mime_decode: the Content-Transfer-Encoding decoders behind one interface:
 * identity (7bit, 8bit, binary, unknown), base64, quoted-printable, and
 * uuencode (x-uuencode, which GMime and mail clients still decode).
 * Untrusted input: yes. Output is bounded by the caller's struct str;
 * a uuencoded line is at most UU_LINE_MAX bytes (longer ones are skipped).
 */
#include "mime_decode.h"

#include <string.h>

#define UU_LINE_MAX 1024

void
mime_decoder_init(struct mime_decoder *d, enum mime_cte cte)
{
    memset(d, 0, sizeof(*d));
    d->cte = cte;
    base64_decoder_init(&d->b64);
    qp_decoder_init(&d->qp);
    str_init(&d->uu_line, UU_LINE_MAX);
}

void
mime_decoder_deinit(struct mime_decoder *d)
{
    str_deinit(&d->uu_line);
}

static unsigned
uu_val(char c)
{
    return (unsigned)(c - ' ') & 0x3f;
}

/* Decode one uuencoded line (without its terminator). */
static int
uu_line(struct mime_decoder *d, struct slice line, struct str *out)
{
    while (line.len && (line.ptr[line.len - 1] == '\r' || line.ptr[line.len - 1] == ' '))
        line.len--;
    if (d->uu_state == 0) {
        if (line.len >= 6 && memcmp(line.ptr, "begin ", 6) == 0)
            d->uu_state = 1;
        return 0;
    }
    if (d->uu_state != 1)
        return 0;
    if (line.len == 3 && memcmp(line.ptr, "end", 3) == 0) {
        d->uu_state = 2;
        return 0;
    }
    if (line.len == 0)
        return 0;
    size_t n = uu_val(line.ptr[0]), i = 1;
    unsigned char buf[64];
    size_t k = 0;
    while (k < n && i < line.len) {
        unsigned c[4] = {0, 0, 0, 0};
        for (int j = 0; j < 4; j++)
            c[j] = i + (size_t)j < line.len ? uu_val(line.ptr[i + (size_t)j]) : 0;
        unsigned char o[3] = {(unsigned char)(c[0] << 2 | c[1] >> 4),
                              (unsigned char)(c[1] << 4 | c[2] >> 2),
                              (unsigned char)(c[2] << 6 | c[3])};
        for (int j = 0; j < 3 && k < n; j++)
            buf[k++] = o[j];
        i += 4;
    }
    if (k < n)
        d->flags |= MIME_DECODE_F_TRUNCATED;
    return str_append_trunc(out, buf, k);
}

static int
uu_push(struct mime_decoder *d, const char *p, size_t n, struct str *out)
{
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (str_append(&d->uu_line, p, len) < 0) {
            d->flags |= MIME_DECODE_F_GARBAGE;
            str_clear(&d->uu_line);
        }
        if (!nl)
            break;
        int r = uu_line(d, str_slice(&d->uu_line), out);
        str_clear(&d->uu_line);
        if (r < 0)
            return -1;
        p = nl + 1;
    }
    return 0;
}

int
mime_decoder_push(struct mime_decoder *d, const char *p, size_t n, struct str *out)
{
    switch (d->cte) {
    case MIME_CTE_BASE64:
        return base64_decode(&d->b64, p, n, out);
    case MIME_CTE_QP:
        return qp_decode(&d->qp, p, n, out);
    case MIME_CTE_UUENCODE:
        return uu_push(d, p, n, out);
    default:
        return str_append_trunc(out, p, n);
    }
}

int
mime_decoder_finish(struct mime_decoder *d, struct str *out)
{
    int r = 0;
    switch (d->cte) {
    case MIME_CTE_BASE64:
        r = base64_decode_finish(&d->b64, out);
        if (d->b64.flags & BASE64_F_GARBAGE)
            d->flags |= MIME_DECODE_F_GARBAGE;
        if (d->b64.flags & BASE64_F_TRUNCATED)
            d->flags |= MIME_DECODE_F_TRUNCATED;
        break;
    case MIME_CTE_QP:
        r = qp_decode_finish(&d->qp, out);
        if (d->qp.flags & QP_F_BAD_ESCAPE)
            d->flags |= MIME_DECODE_F_GARBAGE;
        break;
    case MIME_CTE_UUENCODE:
        if (d->uu_line.len)
            r = uu_line(d, str_slice(&d->uu_line), out);
        str_clear(&d->uu_line);
        if (d->uu_state == 1)
            d->flags |= MIME_DECODE_F_TRUNCATED;
        break;
    default:
        break;
    }
    return r;
}

int
mime_part_decode(const struct mime_part *part, const char *msg, size_t msg_len,
                 struct str *out, unsigned *flags_r)
{
    struct mime_decoder d;
    size_t s = part->body_start, e = part->body_end;
    if (e > msg_len)
        e = msg_len;
    if (s > e)
        s = e;
    mime_decoder_init(&d, part->cte);
    int r = mime_decoder_push(&d, msg + s, e - s, out);
    if (mime_decoder_finish(&d, out) < 0)
        r = -1;
    if (flags_r)
        *flags_r = d.flags;
    mime_decoder_deinit(&d);
    return r;
}
