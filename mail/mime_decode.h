/*
 * mime_decode: undo a part's Content-Transfer-Encoding, chunk by chunk, so
 * that a large part can be decoded from a file without holding it whole.
 * Output goes to a struct str whose maximum bounds it (decoded_max).
 */
#ifndef TAMIS_MAIL_MIME_DECODE_H
#define TAMIS_MAIL_MIME_DECODE_H

#include <stddef.h>

#include "lib/str.h"
#include "mail/base64.h"
#include "mail/mime.h"
#include "mail/qp.h"

#define MIME_DECODE_F_GARBAGE 0x1   /* bytes skipped as invalid in the encoding */
#define MIME_DECODE_F_TRUNCATED 0x2 /* the encoding was cut short */

struct mime_decoder {
    enum mime_cte cte;
    struct base64_decoder b64;
    struct qp_decoder qp;
    struct str uu_line; /* a uuencoded line split across chunks */
    int uu_state;       /* 0: before "begin", 1: in data, 2: after "end" */
    unsigned flags;
};

void mime_decoder_init(struct mime_decoder *d, enum mime_cte cte);
void mime_decoder_deinit(struct mime_decoder *d);
/* Append the decoded bytes of the next chunk to out. Returns 0, or -1 when
 * out reached its maximum (what fitted is kept). */
int mime_decoder_push(struct mime_decoder *d, const char *p, size_t n, struct str *out);
/* End of the body: flush what is pending; sets d->flags. */
int mime_decoder_finish(struct mime_decoder *d, struct str *out);

/* Decode the body of part from a message held whole in memory. */
int mime_part_decode(const struct mime_part *part, const char *msg, size_t msg_len,
                     struct str *out, unsigned *flags_r);

#endif
