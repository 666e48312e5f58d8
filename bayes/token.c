/*
 * token: the Bayes tokenizer (token.h): words of the rendered text, header
 * words, URL hosts and MIME part types, each hashed to 64 bits.
 * Untrusted input: yes (texts and headers of the message). Bounded: at most
 * BAYES_TOKENS_MAX tokens and BAYES_URLS_MAX URLs a message; words are cut
 * at BAYES_WORD_MAX bytes; linear in the input.
 */
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "mail/url.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

struct bayes_tok_opts
bayes_tok_opts_default(void)
{
    return (struct bayes_tok_opts){
        .bigrams = true, .headers = true, .urls = true, .parts = true, .keep_case = false};
}

static unsigned char
lower(unsigned char c)
{
    return (unsigned char)(c + (((unsigned)c - 'A' < 26u) << 5)); /* ASCII only */
}

static uint64_t
fnv_feed_raw(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
    return h;
}

static uint64_t
fnv_feed_lower(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ lower((unsigned char)p[i])) * FNV_PRIME;
    return h;
}

static uint64_t
fnv_feed(uint64_t h, const char *p, size_t n, bool low)
{
    return low ? fnv_feed_lower(h, p, n) : fnv_feed_raw(h, p, n);
}

/* The final mix (so that close texts spread over the key space). */
static uint64_t
mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1; /* 0 marks an empty slot */
}

/* The FNV state after the prefix and the header name ("H" "from" ":"):
 * a token's hash goes on from here with its words (token_hash). */
static uint64_t
hash_base(const char *prefix, struct slice name)
{
    uint64_t h = fnv_feed_raw(FNV_OFFSET, prefix, strlen(prefix));
    if (name.len) {
        h = fnv_feed_lower(h, name.ptr, name.len);
        h = fnv_feed_raw(h, ":", 1);
    }
    return h;
}

static uint64_t
token_hash(const char *prefix, struct slice name, struct slice w, struct slice w2, bool low)
{
    uint64_t h = fnv_feed(hash_base(prefix, name), w.ptr, w.len, low);
    if (w2.len) {
        h = fnv_feed_raw(h, " ", 1);
        h = fnv_feed(h, w2.ptr, w2.len, low);
    }
    return mix64(h);
}

uint64_t
bayes_token_hash_text(struct slice text)
{
    return mix64(fnv_feed_raw(FNV_OFFSET, text.ptr, text.len));
}

void
bayes_tokens_init(struct bayes_tokens *t, struct arena *a)
{
    memset(t, 0, sizeof(*t));
    t->arena = a;
}

static size_t
table_slot(uint64_t h, size_t cap)
{
    return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

static void
table_grow(struct bayes_tokens *t)
{
    size_t cap = t->tcap ? t->tcap * 2 : 2048;
    uint32_t *tab = arena_calloc(t->arena, cap, sizeof(*tab));
    for (size_t i = 0; i < t->n; i++) {
        size_t j = table_slot(t->v[i].hash, cap);
        while (tab[j])
            j = (j + 1) & (cap - 1);
        tab[j] = (uint32_t)i + 1;
    }
    t->table = tab;
    t->tcap = cap;
}

/* The index in v of the token with hash h, or BAYES_NO_DEP. */
static uint32_t
table_find(const struct bayes_tokens *t, uint64_t h)
{
    if (t->tcap == 0)
        return BAYES_NO_DEP;
    for (size_t j = table_slot(h, t->tcap); t->table[j]; j = (j + 1) & (t->tcap - 1))
        if (t->v[t->table[j] - 1].hash == h)
            return t->table[j] - 1;
    return BAYES_NO_DEP;
}

/* Add tok (hash tok.hash) unless there. Returns its index in v (new or
 * old), or BAYES_NO_DEP when the set is full; *added_r says whether it
 * was new. */
static uint32_t
tokens_put(struct bayes_tokens *t, struct bayes_token tok, bool *added_r)
{
    *added_r = false;
    if ((t->n + 1) * 2 > t->tcap)
        table_grow(t);
    size_t j = table_slot(tok.hash, t->tcap);
    for (; t->table[j]; j = (j + 1) & (t->tcap - 1))
        if (t->v[t->table[j] - 1].hash == tok.hash)
            return t->table[j] - 1;
    if (t->n >= BAYES_TOKENS_MAX) {
        t->full = true;
        return BAYES_NO_DEP;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct bayes_token *v = arena_alloc(t->arena, cap * sizeof(*v)); /* n copied */
        if (t->n)
            memcpy(v, t->v, t->n * sizeof(*v));
        t->v = v;
        t->cap = cap;
    }
    t->table[j] = (uint32_t)t->n + 1;
    t->v[t->n] = tok;
    *added_r = true;
    return (uint32_t)t->n++;
}

bool
bayes_tokens_add(struct bayes_tokens *t, const char *prefix, struct slice name,
                 struct slice word, struct slice word2, bool low)
{
    if (t->n >= BAYES_TOKENS_MAX) {
        t->full = true;
        return false;
    }
    uint64_t h = token_hash(prefix, name, word, word2, low);
    bool added;
    (void)tokens_put(t,
                     (struct bayes_token){h, prefix, name, word, word2, low, BAYES_NO_DEP,
                                          BAYES_NO_DEP},
                     &added);
    return added;
}

static void
append_lower(struct str *out, struct slice s, bool low)
{
    for (size_t i = 0; i < s.len; i++)
        str_appendc(out, low ? lower((unsigned char)s.ptr[i]) : (unsigned char)s.ptr[i]);
}

void
bayes_token_text(const struct bayes_token *tok, struct str *out)
{
    str_append_cstr(out, tok->prefix);
    if (tok->name.len) {
        append_lower(out, tok->name, true);
        str_appendc(out, ':');
    }
    append_lower(out, tok->word, tok->lower);
    if (tok->word2.len) {
        str_appendc(out, ' ');
        append_lower(out, tok->word2, tok->lower);
    }
}

static void
insertion_sort(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort the n hashes of src into dst: one counting pass on the top bits
 * (about one bucket per hash: the hashes are uniform), then each bucket
 * by insertion, or by qsort when it is large (a crafted input cannot make
 * it quadratic). */
static void
bucket_sort(const uint64_t *src, uint64_t *dst, size_t n)
{
    unsigned bits = 4;
    while (bits < 16 && ((size_t)1 << bits) < n)
        bits++;
    size_t nb = (size_t)1 << bits, *start = xcalloc(nb + 1, sizeof(*start));
    for (size_t i = 0; i < n; i++)
        start[(src[i] >> (64 - bits)) + 1]++;
    for (size_t b = 0; b < nb; b++)
        start[b + 1] += start[b];
    size_t *fill = start; /* start[b] advances to the end of bucket b */
    for (size_t i = 0; i < n; i++)
        dst[fill[src[i] >> (64 - bits)]++] = src[i];
    for (size_t b = 0, from = 0; b < nb; from = fill[b++]) {
        size_t k = fill[b] - from;
        if (k > 32)
            qsort(dst + from, k, sizeof(*dst), cmp_u64);
        else if (k > 1)
            insertion_sort(dst + from, k);
    }
    free(start);
}

uint64_t *
bayes_tokens_sorted(const struct bayes_tokens *t)
{
    uint64_t *h = arena_alloc(t->arena, (t->n ? t->n : 1) * sizeof(*h));
    uint64_t *tmp = arena_alloc(t->arena, (t->n ? t->n : 1) * sizeof(*tmp));
    for (size_t i = 0; i < t->n; i++)
        tmp[i] = t->v[i].hash;
    bucket_sort(tmp, h, t->n);
    return h;
}

uint32_t *
bayes_tokens_deps(const struct bayes_tokens *t, const uint64_t *sorted, size_t n)
{
    uint32_t *d = arena_alloc(t->arena, 2 * (n ? n : 1) * sizeof(*d));
    uint32_t *pos = arena_alloc(t->arena, (t->n ? t->n : 1) * sizeof(*pos));
    for (size_t i = 0; i < t->n; i++)
        pos[i] = BAYES_NO_DEP;
    for (size_t i = 0; i < 2 * n; i++)
        d[i] = BAYES_NO_DEP;
    for (size_t i = 0; i < n; i++) {
        uint32_t at = table_find(t, sorted[i]);
        if (at != BAYES_NO_DEP)
            pos[at] = (uint32_t)i;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t at = table_find(t, sorted[i]);
        if (at == BAYES_NO_DEP || t->v[at].w1 == BAYES_NO_DEP)
            continue;
        uint32_t w1 = pos[t->v[at].w1], w2 = pos[t->v[at].w2];
        if (w1 != BAYES_NO_DEP && w2 != BAYES_NO_DEP) {
            d[2 * i] = w1;
            d[2 * i + 1] = w2;
        }
    }
    return d;
}

void
bayes_tokens_digest(const uint64_t *sorted, size_t n, uint8_t out[16])
{
    uint64_t a = FNV_OFFSET, b = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        a = mix64(a ^ sorted[i]);
        b = mix64(b + sorted[i] * 0x2545f4914f6cdd1dULL);
    }
    a = mix64(a ^ n);
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(a >> (8 * i));
        out[8 + i] = (uint8_t)(b >> (8 * i));
    }
}

/* Words. */

/* Bytes inside a word: letters, digits, 8-bit (UTF-8), a few marks. */
static const bool word_bytes[256] = {
    ['!'] = 1, ['$'] = 1, ['%'] = 1, ['\''] = 1, ['-'] = 1, ['.'] = 1, ['@'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

static bool
word_byte(unsigned char c)
{
    return c >= 0x80 || word_bytes[c];
}

/* Marks dropped at either end of a word. */
static bool
edge_mark(unsigned char c)
{
    return c == '-' || c == '\'' || c == '.' || c == '_' || c == '@' || c == '!';
}

/* Length of a UTF-8 space or punctuation character at p (NBSP, U+2000 to
 * U+206F, U+3000 to U+303F, U+FF01 to U+FF0F), or 0: they end words. */
static size_t
utf8_separator(const unsigned char *p, size_t left)
{
    if (left >= 2 && p[0] == 0xc2 && (p[1] == 0xa0 || p[1] == 0xab || p[1] == 0xbb))
        return 2;
    if (left >= 3 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81))
        return 3;
    if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80)
        return 3;
    if (left >= 3 && p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x81 && p[2] <= 0x8f)
        return 3;
    return 0;
}

struct word_sink {
    struct bayes_tokens *t;
    const struct bayes_tok_opts *o;
    const char *prefix; /* "" for the text, "H" for headers */
    struct slice name;
    bool pairs;         /* make bigrams */
    uint64_t base;      /* hash_base(prefix, name) */
    struct slice prev;  /* the previous word, for bigrams */
    uint64_t prev_state; /* its FNV state before the final mix */
    uint32_t prev_at;   /* its index in t->v */
};

static void
sink_init(struct word_sink *ws, struct bayes_tokens *t, const struct bayes_tok_opts *o,
          const char *prefix, struct slice name, bool pairs)
{
    *ws = (struct word_sink){t, o, prefix, name, pairs, hash_base(prefix, name), SLICE_NULL,
                             0, BAYES_NO_DEP};
}

/* Add word w (hashes as token_hash would make them, but each word is read
 * once for itself and once as the second word of a pair). */
static void
take_word(struct word_sink *ws, struct slice w)
{
    while (w.len && edge_mark((unsigned char)w.ptr[0]))
        w = slice_from(w, 1);
    while (w.len && edge_mark((unsigned char)w.ptr[w.len - 1]))
        w.len--;
    if (w.len < 3) {
        ws->prev = SLICE_NULL;
        return;
    }
    bool low = !ws->o->keep_case, added;
    if (w.len > BAYES_WORD_MAX) {
        size_t n = BAYES_SKIP_PREFIX;
        while (n > 0 && ((unsigned char)w.ptr[n] & 0xc0) == 0x80)
            n--; /* do not cut a UTF-8 character */
        (void)bayes_tokens_add(ws->t, "sk:", ws->name, slice_head(w, n), SLICE_NULL, low);
        ws->prev = SLICE_NULL;
        return;
    }
    bool pair = ws->pairs && ws->prev.len;
    uint64_t state = ws->base, pstate = (ws->prev_state ^ ' ') * FNV_PRIME;
    for (size_t i = 0; i < w.len; i++) { /* the word, and the pair's second word */
        unsigned char c = low ? lower((unsigned char)w.ptr[i]) : (unsigned char)w.ptr[i];
        state = (state ^ c) * FNV_PRIME;
        pstate = (pstate ^ c) * FNV_PRIME;
    }
    uint32_t at = tokens_put(ws->t, (struct bayes_token){mix64(state), ws->prefix, ws->name, w,
                                                         SLICE_NULL, low, BAYES_NO_DEP,
                                                         BAYES_NO_DEP},
                             &added);
    if (pair && at != BAYES_NO_DEP) {
        uint64_t hp = mix64(pstate);
        (void)tokens_put(ws->t, (struct bayes_token){hp, ws->prefix, ws->name, ws->prev, w, low,
                                                     ws->prev_at, at},
                         &added);
    }
    ws->prev = at != BAYES_NO_DEP ? w : SLICE_NULL;
    ws->prev_state = state;
    ws->prev_at = at;
}

static void
split_words(struct word_sink *ws, struct slice text)
{
    const unsigned char *p = (const unsigned char *)text.ptr;
    size_t i = 0, n = text.len;
    while (i < n && !ws->t->full) {
        size_t sep;
        while (i < n && (!word_byte(p[i]) || (p[i] >= 0xc2 && utf8_separator(p + i, n - i))))
            i += (p[i] >= 0xc2 && (sep = utf8_separator(p + i, n - i))) ? sep : 1;
        size_t start = i;
        while (i < n && word_byte(p[i]) && !(p[i] >= 0xc2 && utf8_separator(p + i, n - i)))
            i++;
        if (i > start)
            take_word(ws, slice_make(text.ptr + start, i - start));
    }
}

/* URLs. */

struct url_sink {
    struct bayes_tokens *t;
    size_t seen;
};

static void
host_tokens(struct bayes_tokens *t, struct slice host)
{
    (void)bayes_tokens_add(t, "U:", SLICE_NULL, host, SLICE_NULL, true);
    size_t dots = 0;
    for (size_t i = host.len; i-- > 0;) {
        if (host.ptr[i] != '.')
            continue;
        if (++dots >= 2 && dots <= 3) /* the last two and three labels */
            (void)bayes_tokens_add(t, "UD:", SLICE_NULL, slice_from(host, i + 1),
                                   SLICE_NULL, true);
        if (dots == 3)
            break;
    }
}

static void
on_url(void *ctx, struct slice u)
{
    struct url_sink *us = ctx;
    struct url parsed;
    const char *why;
    if (++us->seen > BAYES_URLS_MAX || u.len > 2048)
        return;
    if (url_parse(us->t->arena, u, &parsed, &why) < 0 || parsed.host == NULL)
        return;
    host_tokens(us->t, slice_from_cstr(parsed.host));
}

/* Headers. */

/* Fields that say nothing about the sender or are our own markup. */
static bool
header_skipped(struct slice name)
{
    static const char *const skip[] = {
        "date", "content-length", "lines", "status", "x-status", "x-uid", "x-keywords",
        "x-bogosity", "x-spam-status", "x-spam-flag", "x-spam-level", "x-spam-score",
        "x-spam-checker-version", "x-spam-report", "x-virus-scanned", "x-tamis-bayes",
        "received-spf", "dkim-signature", "x-original-date"};
    unsigned char c0 = lower((unsigned char)name.ptr[0]);
    if (c0 != 'd' && c0 != 'c' && c0 != 'l' && c0 != 's' && c0 != 'x' && c0 != 'r')
        return false; /* no skipped name starts otherwise */
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (slice_case_eq_cstr(name, skip[i]))
            return true;
    return false;
}

/* The shape of an identifier: digits become '9', letters 'a' or 'A', runs
 * of one class collapse; what follows '@' is kept lowercased. */
static struct slice
id_shape(struct arena *a, struct slice id)
{
    char *out = arena_alloc(a, id.len + 1);
    size_t n = 0;
    bool at = false;
    for (size_t i = 0; i < id.len && i < 200; i++) {
        unsigned char c = (unsigned char)id.ptr[i];
        if (c == '@')
            at = true;
        char s = (char)c;
        if (!at && c >= '0' && c <= '9')
            s = '9';
        else if (!at && c >= 'a' && c <= 'z')
            s = 'a';
        else if (!at && c >= 'A' && c <= 'Z')
            s = 'A';
        if (at || n == 0 || out[n - 1] != s)
            out[n++] = s;
    }
    return slice_make(out, n);
}

/* The value of a header field as header_decode would give it, without
 * the copy when that changes no word: plain ASCII without encoded words or
 * NUL, within max, where dropping the line breaks (unfolding) joins no two
 * words. Otherwise the decoded value. */
static struct slice
header_value(struct arena *a, struct slice raw, size_t max)
{
    struct slice v = slice_trim(raw);
    bool plain = v.len <= max;
    for (size_t i = 0; i < v.len && plain; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c >= 0x80 || c == 0 || (c == '=' && i + 1 < v.len && v.ptr[i + 1] == '?'))
            plain = false;
        else if ((c == '\r' || c == '\n') && i > 0 && word_byte((unsigned char)v.ptr[i - 1])) {
            size_t j = i;
            while (j < v.len && (v.ptr[j] == '\r' || v.ptr[j] == '\n'))
                j++;
            plain = j == v.len || !word_byte((unsigned char)v.ptr[j]);
            i = j - 1;
        }
    }
    if (plain)
        return v;
    const char *d = header_decode(a, raw, max, NULL);
    return slice_from_cstr(d ? d : "");
}

static void
header_tokens(const struct bayes_tok_opts *o, const struct bayes_input *in,
              struct bayes_tokens *t, struct word_sink *body)
{
    size_t max = in->header_max ? in->header_max : 65536;
    for (size_t i = 0; i < in->headers->n && !t->full; i++) {
        const struct header_field *f = &in->headers->fields[i];
        if (f->name.len == 0 || f->name.len > 40 || header_skipped(f->name))
            continue;
        if (slice_case_eq_cstr(f->name, "message-id")) {
            const char *v = header_decode(t->arena, f->value, max, NULL);
            struct slice val = slice_trim(slice_from_cstr(v ? v : ""));
            (void)bayes_tokens_add(t, "H", f->name, id_shape(t->arena, val), SLICE_NULL, false);
            continue;
        }
        struct slice val = header_value(t->arena, f->value, max);
        struct word_sink ws;
        sink_init(&ws, t, o, "H", f->name, false);
        split_words(&ws, val);
        if (slice_case_eq_cstr(f->name, "subject")) {
            body->prev = SLICE_NULL;
            split_words(body, val); /* the Subject is read as text too */
        }
    }
}

static void
part_tokens(const struct mime_message *mime, struct bayes_tokens *t)
{
    for (const struct mime_part *p = mime->root; p && !t->full;
         p = mime_next((struct mime_part *)p)) {
        if (p->type)
            (void)bayes_tokens_add(t, "M", SLICE_LIT("type"), slice_from_cstr(p->type),
                                   SLICE_NULL, true);
        (void)bayes_tokens_add(t, "M", SLICE_LIT("cte"),
                               slice_from_cstr(mime_cte_name(p->cte)), SLICE_NULL, true);
        const char *dot = p->filename ? strrchr(p->filename, '.') : NULL;
        if (dot && strlen(dot + 1) > 0 && strlen(dot + 1) <= 10)
            (void)bayes_tokens_add(t, "M", SLICE_LIT("ext"), slice_from_cstr(dot + 1),
                                   SLICE_NULL, true);
    }
}

void
bayes_tokenize(const struct bayes_tok_opts *o, const struct bayes_input *in,
               struct bayes_tokens *t)
{
    struct word_sink body;
    sink_init(&body, t, o, "", SLICE_NULL, o->bigrams);
    if (in->headers && o->headers)
        header_tokens(o, in, t, &body);
    struct url_sink us = {t, 0};
    for (size_t i = 0; i < in->ntexts && !t->full; i++) {
        body.prev = SLICE_NULL;
        split_words(&body, in->texts[i]);
        if (o->urls && us.seen < BAYES_URLS_MAX)
            (void)url_find_in_text(in->texts[i], BAYES_URLS_MAX - us.seen, on_url, &us);
    }
    if (in->mime && o->parts)
        part_tokens(in->mime, t);
}
