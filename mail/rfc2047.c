/*
 * rfc2047: decoding of encoded words in header field values, GMime's way.
 *
 * Untrusted input: yes (header values). Limits: the output is a struct str
 * whose maximum the caller sets; the scratch buffers are bounded by the
 * input's length. Time is linear in the input: the search for the "?="
 * that ends an encoded word never runs past the last "?=" of the value.
 */
#include "rfc2047.h"

#include <string.h>

#include "lib/chars.h"
#include "mail/base64.h"
#include "mail/charset.h"

#define NO_POS ((size_t)-1)

/* One parsed encoded word. */
struct ew {
    struct slice charset; /* without the *language suffix */
    char enc;             /* 'B' or 'Q' */
    struct slice text;
};

/* The current run: adjacent encoded words of one charset, decoded to raw
 * bytes that are converted together. */
struct run {
    bool active;
    bool known_label; /* label fits in charset[] */
    char charset[CHARSET_NAME_MAX + 1];
    char key[CHARSET_NAME_MAX + 1]; /* what two words must share to join */
    char enc;                       /* encoding of the last word, or 0 */
    struct base64_decoder b64;
    unsigned qstate; /* 0; 1: "=" pending; 2: "=" and qsave pending */
    char qsave;
    struct str raw;
};

struct ctx {
    struct run run;
    unsigned flags;
    unsigned opts;
};

static bool
is_lwsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Index of the last "?=" in s, or NO_POS. */
static size_t
last_qe(const char *s, size_t n)
{
    for (size_t i = n; i >= 2; i--)
        if (s[i - 2] == '?' && s[i - 1] == '=')
            return i - 2;
    return NO_POS;
}

/* The end of the word that starts at i (not whitespace), as GMime's loose
 * tokenizer finds it: an encoded word runs to its "?=" even across
 * whitespace; other text stops at whitespace or at a "=?". */
static size_t
scan_word(const char *s, size_t n, size_t i, size_t lastqe, bool strict)
{
    size_t start = i, p;
    if (strict) {
        while (i < n && !is_lwsp(s[i]))
            i++;
        return i;
    }
    if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
        p = i + 2;
        while (p < n && s[p] != '?')
            p++;
        if (p + 2 < n && s[p + 1] && strchr("BbQq", s[p + 1]) && s[p + 2] == '?') {
            p += 3;
            if (lastqe != NO_POS && p <= lastqe) {
                while (!(s[p] == '?' && s[p + 1] == '='))
                    p++;
                return p + 2;
            }
            p = start + 2;
        }
        i = p;
    }
    while (i < n && !is_lwsp(s[i]) && !(s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
        i++;
    return i;
}

/* Is w (a whole token) an encoded word? */
static bool
parse_ew(const char *w, size_t len, struct ew *ew)
{
    const char *q, *star;
    if (len < 7 || w[0] != '=' || w[1] != '?' || w[len - 2] != '?' || w[len - 1] != '=')
        return false;
    if (w[2] == '?' || w[2] == '*')
        return false;
    q = memchr(w + 2, '?', len - 2);
    if (q == NULL || (size_t)(q - w) + 2 >= len || q[2] != '?')
        return false;
    if (q[1] == 'B' || q[1] == 'b')
        ew->enc = 'B';
    else if (q[1] == 'Q' || q[1] == 'q')
        ew->enc = 'Q';
    else
        return false;
    if (q + 3 > w + len - 2)
        return false;
    ew->text = slice_make(q + 3, (size_t)((w + len - 2) - (q + 3)));
    ew->charset = slice_make(w + 2, (size_t)(q - (w + 2)));
    if ((star = memchr(ew->charset.ptr, '*', ew->charset.len)) != NULL)
        ew->charset.len = (size_t)(star - ew->charset.ptr);
    return true;
}

/* ---- Q decoding, carried across the words of a run ---- */

static void
raw_put(struct run *r, const char *p, size_t n)
{
    (void)str_append(&r->raw, p, n); /* raw's maximum exceeds any input */
}

/* The '=' before p[*i] was read: decode "=XX", or save what there is at the
 * end of the word for the next word of the run. */
static void
q_equals(struct ctx *c, const char *p, size_t n, size_t *i)
{
    struct run *r = &c->run;
    int hi, lo;
    if (n - *i >= 2) {
        if ((hi = chars_hexval(p[*i])) >= 0 && (lo = chars_hexval(p[*i + 1])) >= 0) {
            char b = (char)((hi << 4) | lo);
            raw_put(r, &b, 1);
            *i += 2;
            return;
        }
    } else if (n - *i == 1) {
        if (chars_hexval(p[*i]) >= 0) {
            r->qsave = p[(*i)++];
            r->qstate = 2;
            return;
        }
    } else {
        r->qstate = 1;
        return;
    }
    c->flags |= RFC2047_F_BAD_ENCODING;
    raw_put(r, "=", 1);
}

/* A pending "=" or "=X" that the next word of the run does not complete:
 * kept literally (keep) or, at the end of the run, dropped as GMime does. */
static void
q_flush(struct ctx *c, bool keep)
{
    struct run *r = &c->run;
    if (r->qstate == 0)
        return;
    c->flags |= RFC2047_F_BAD_ENCODING;
    if (keep) {
        raw_put(r, "=", 1);
        if (r->qstate == 2)
            raw_put(r, &r->qsave, 1);
    }
    r->qstate = 0;
}

static void
q_decode(struct ctx *c, const char *p, size_t n)
{
    struct run *r = &c->run;
    size_t i = 0;
    if (r->qstate && n > 0 && chars_hexval(p[0]) >= 0) {
        if (r->qstate == 2) {
            char b = (char)((chars_hexval(r->qsave) << 4) | chars_hexval(p[0]));
            raw_put(r, &b, 1);
            i = 1;
            r->qstate = 0;
        } else {
            r->qstate = 0;
            q_equals(c, p, n, &i);
        }
    } else if (n > 0) {
        q_flush(c, true);
    }
    while (i < n && r->qstate == 0) {
        size_t j = i;
        while (j < n && p[j] != '=' && p[j] != '_')
            j++;
        raw_put(r, p + i, j - i);
        i = j;
        if (i >= n)
            break;
        if (p[i++] == '_')
            raw_put(r, " ", 1);
        else
            q_equals(c, p, n, &i);
    }
}

/* ---- runs ---- */

/* Finish the decoder of the run's last word (before a change of encoding
 * or at the end of the run). */
static void
run_end_encoding(struct ctx *c)
{
    struct run *r = &c->run;
    if (r->enc == 'Q') {
        q_flush(c, false);
    } else if (r->enc == 'B') {
        (void)base64_decode_finish(&r->b64, &r->raw);
        if (r->b64.flags)
            c->flags |= RFC2047_F_BAD_ENCODING;
        base64_decoder_init(&r->b64);
    }
    r->enc = 0;
}

static int
run_flush(struct ctx *c, struct str *out)
{
    struct run *r = &c->run;
    unsigned cf = 0;
    int ret;
    if (!r->active)
        return 0;
    run_end_encoding(c);
    ret = charset_to_utf8(r->known_label ? r->charset : NULL, str_slice(&r->raw), out, &cf);
    if (cf)
        c->flags |= RFC2047_F_BAD_CHARSET;
    str_clear(&r->raw);
    r->active = false;
    return ret;
}

static void
run_start(struct run *r, struct slice label, const char *key)
{
    r->active = true;
    r->known_label = label.len < sizeof(r->charset);
    if (r->known_label) {
        memcpy(r->charset, label.ptr, label.len);
        r->charset[label.len] = '\0';
    }
    memcpy(r->key, key, strlen(key) + 1);
    r->enc = 0;
    r->qstate = 0;
    base64_decoder_init(&r->b64);
}

/* The key that decides whether two words share a run: the canonical name,
 * else the label lower-cased ("" for a label too long to be a name). */
static const char *
charset_key(struct slice label, char *buf, size_t bufsize)
{
    char lab[CHARSET_NAME_MAX + 1];
    const char *canon;
    size_t i;
    if (label.len >= sizeof(lab) || label.len >= bufsize)
        return "";
    for (i = 0; i < label.len; i++) {
        char ch = label.ptr[i];
        lab[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    lab[i] = '\0';
    if ((canon = charset_normalize(lab, buf, bufsize)) != NULL)
        return canon;
    memcpy(buf, lab, i + 1);
    return buf;
}

static int
add_word(struct ctx *c, const struct ew *ew, struct str *out)
{
    struct run *r = &c->run;
    char buf[CHARSET_NAME_MAX + 1];
    const char *key = charset_key(ew->charset, buf, sizeof(buf));
    if (r->active && strcmp(r->key, key) != 0 && run_flush(c, out) < 0)
        return -1;
    if (!r->active)
        run_start(r, ew->charset, key);
    /* A base64 word joins the last one only to complete its cut quantum. */
    if (r->enc && (r->enc != ew->enc || (r->enc == 'B' && r->b64.nbits == 0)))
        run_end_encoding(c);
    r->enc = ew->enc;
    if (ew->enc == 'B')
        (void)base64_decode(&r->b64, ew->text.ptr, ew->text.len, &r->raw);
    else
        q_decode(c, ew->text.ptr, ew->text.len);
    return 0;
}

/* ---- the value ---- */

static bool
has_8bit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return true;
    return false;
}

static int
put_text(struct ctx *c, const char *p, size_t n, struct str *out)
{
    if (!has_8bit(p, n))
        return str_append_trunc(out, p, n);
    c->flags |= RFC2047_F_RAW_8BIT;
    return charset_fallback_to_utf8(slice_make(p, n), out);
}

enum prev { PREV_NONE, PREV_TEXT, PREV_ENC };

static int
decode_tokens(struct ctx *c, const char *s, size_t n, struct str *out)
{
    size_t i = 0, lastqe = last_qe(s, n);
    enum prev prev = PREV_NONE;
    struct ew ew;
    while (i < n) {
        size_t ws = i, start;
        while (i < n && is_lwsp(s[i]))
            i++;
        if (i >= n)
            return run_flush(c, out) < 0 ? -1 : str_append_trunc(out, s + ws, i - ws);
        start = i;
        i = scan_word(s, n, i, lastqe, c->opts & RFC2047_O_STRICT);
        if (parse_ew(s + start, i - start, &ew)) {
            if (prev == PREV_TEXT && ws == start)
                c->flags |= RFC2047_F_IN_WORD;
            if (prev != PREV_ENC && str_append_trunc(out, s + ws, start - ws) < 0)
                return -1;
            if (add_word(c, &ew, out) < 0)
                return -1;
            prev = PREV_ENC;
            continue;
        }
        if (prev == PREV_ENC && ws == start)
            c->flags |= RFC2047_F_IN_WORD;
        if (run_flush(c, out) < 0 || str_append_trunc(out, s + ws, start - ws) < 0 ||
            put_text(c, s + start, i - start, out) < 0)
            return -1;
        prev = PREV_TEXT;
    }
    return run_flush(c, out);
}

/* Nothing to decode: no "=?" and no 8-bit byte. */
static bool
plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || (ch == '=' && i + 1 < n && s[i + 1] == '?'))
            return false;
    }
    return true;
}

int
rfc2047_decode_opts(struct slice value, struct str *out, unsigned *flags_r, unsigned opts)
{
    struct ctx c;
    struct str unfolded;
    struct slice v = value;
    int r;
    str_init(&unfolded, value.len + 1);
    if (value.len > 0 && (memchr(value.ptr, '\r', value.len) || memchr(value.ptr, '\n', value.len))) {
        for (size_t i = 0; i < value.len; i++)
            if (value.ptr[i] != '\r' && value.ptr[i] != '\n')
                (void)str_appendc(&unfolded, value.ptr[i]);
        v = str_slice(&unfolded);
    }
    if (plain_ascii(v.ptr, v.len)) {
        r = str_append_trunc(out, v.ptr, v.len);
        str_deinit(&unfolded);
        return r;
    }
    memset(&c, 0, sizeof(c));
    c.opts = opts;
    str_init(&c.run.raw, v.len + 16);
    r = decode_tokens(&c, v.ptr, v.len, out);
    str_deinit(&c.run.raw);
    str_deinit(&unfolded);
    if (flags_r)
        *flags_r |= c.flags;
    return r;
}

int
rfc2047_decode(struct slice value, struct str *out, unsigned *flags_r)
{
    return rfc2047_decode_opts(value, out, flags_r, 0);
}
