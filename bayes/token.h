/*
 * token: the Bayes tokenizer. It turns what a reader sees of a message
 * (the rendered text of its text parts, the Subject and other top-level
 * headers, the URLs in the text, the MIME part types) into a set of tokens,
 * each a 64-bit hash (what the store keeps) and the pieces of its text (for
 * reports). A token counts once per message, however often it occurs.
 *
 * Token kinds (docs/bayes.md says why each is there):
 *   word            a word of the text, ASCII lowercased, 3 to 40 bytes;
 *                   longer ones become "sk:" and their first 8 bytes
 *   "w1 w2"         two neighbouring words of the text (option bigrams)
 *   H<name>:word    a word of a header value (most headers; Received,
 *                   From, To... by word); Message-ID by its shape
 *   U:host, UD:dom  the host of each URL in the text, and its last two
 *                   and three labels
 *   M:type, M:cte, M:ext   each MIME part's type, encoding, file suffix
 *
 * The input is not trusted; every piece is bounded (BAYES_TOKENS_MAX
 * tokens, the caller's text sizes). Layering: bayes/ sees mail/ only; the
 * caller renders the texts (filterd's message_texts does).
 */
#ifndef TAMIS_BAYES_TOKEN_H
#define TAMIS_BAYES_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/str.h"
#include "mail/header.h"
#include "mail/mime.h"

/* Most tokens taken from one message; the rest are ignored. */
#define BAYES_TOKENS_MAX 30000
/* Longest word kept whole; a longer one is cut to BAYES_SKIP_PREFIX bytes. */
#define BAYES_WORD_MAX 40
#define BAYES_SKIP_PREFIX 8
/* Most URLs looked at in one message. */
#define BAYES_URLS_MAX 200

/* No such token (in deps, and in a token's w1, w2). */
#define BAYES_NO_DEP UINT32_MAX

/* One token: its hash, and its text as up to three pieces (prefix, word,
 * second word of a pair) that live as long as the input and the arena. */
struct bayes_token {
    uint64_t hash;
    const char *prefix; /* static: "", "H", "sk:", "U:", ... */
    struct slice name;  /* header name for H tokens, else empty */
    struct slice word;
    struct slice word2; /* the second word of a pair, else empty */
    bool lower;         /* the words count (and show) ASCII-lowercased */
    uint32_t w1, w2;    /* a pair made by the tokenizer: its words' indexes
                           in v; BAYES_NO_DEP for other tokens */
};

struct bayes_tokens {
    struct arena *arena;
    struct bayes_token *v;
    size_t n, cap;
    uint32_t *table; /* open addressing on hash: index in v + 1; 0 is empty */
    size_t tcap;
    bool full;       /* BAYES_TOKENS_MAX was reached */
};

/* What the tokenizer looks at. Every pointer may be NULL / every count 0. */
struct bayes_input {
    const struct header_block *headers; /* the message's top-level header */
    const struct mime_message *mime;    /* for part types and file names */
    const struct slice *texts;          /* rendered UTF-8 text parts */
    size_t ntexts;
    size_t header_max;                  /* bound of one decoded header value */
};

/* Options (bayes_tok_opts_default: what the evaluation chose). */
struct bayes_tok_opts {
    bool bigrams;  /* pairs of neighbouring words */
    bool headers;  /* H tokens */
    bool urls;     /* U and UD tokens */
    bool parts;    /* M tokens */
    bool keep_case; /* words as written, not lowercased */
};

struct bayes_tok_opts bayes_tok_opts_default(void);

/* Start an empty set whose memory comes from a (kept by the set). */
void bayes_tokens_init(struct bayes_tokens *t, struct arena *a);
/* Add the tokens of in to t. The slices of in must outlive t. */
void bayes_tokenize(const struct bayes_tok_opts *o, const struct bayes_input *in,
                    struct bayes_tokens *t);
/* Add one token built from pieces (prefix static; the slices must outlive
 * t). Returns true when it was new. Exposed for tests and callers that add
 * their own tokens. */
bool bayes_tokens_add(struct bayes_tokens *t, const char *prefix, struct slice name,
                      struct slice word, struct slice word2, bool lower);
/* The text of a token as reports show it ("Hfrom:example", "free money"). */
void bayes_token_text(const struct bayes_token *tok, struct str *out);
/* The hash of a token given as text (as bayes_token_text writes it, which
 * is lowercased already): for tests and salearn --dump of one token. */
uint64_t bayes_token_hash_text(struct slice text);
/* The sorted hashes of t (a new arena array): the store's lookup order,
 * and the input of bayes_tokens_digest. */
uint64_t *bayes_tokens_sorted(const struct bayes_tokens *t);
/* For each token of sorted (the n hashes of t from bayes_tokens_sorted),
 * the positions in sorted of the two words of a pair, BAYES_NO_DEP for
 * other tokens (a new arena array of 2n entries). Learning a pair always
 * learns its two words, so a pair whose word is unknown is unknown: the
 * store skips its lookup (bayes_store_classify). */
uint32_t *bayes_tokens_deps(const struct bayes_tokens *t, const uint64_t *sorted, size_t n);
/* A 16-byte digest of the token set (of its sorted hashes): the identity
 * of a learned message. */
void bayes_tokens_digest(const uint64_t *sorted, size_t n, uint8_t out[16]);

#endif
