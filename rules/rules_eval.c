/*
 * rules_eval: running a frozen rule set on one message, the way
 * SpamAssassin presents a message to each kind of rule:
 *
 * - header: the values of every field of that name, unfolded (a fold
 *   becomes one space), trimmed, RFC 2047-decoded, each ending in "\n",
 *   joined; :raw the values as written (folds kept); :addr the addresses,
 *   :name the display names, joined by "\n"; ALL every field as
 *   "Name: value\n" (ALL-TRUSTED and the like: the fields above / below the
 *   trust boundary's Received field); ToCc, MESSAGEID; [if-unset: X] when there is none
 *   (else the empty string, so !~ fires on a missing field).
 * - body: the Subject line, then the rendered text of the text parts with
 *   blank-line-separated paragraphs made lines and every run of whitespace
 *   one space; each line (cut at 2048 bytes at a space) is matched alone.
 * - rawbody: each decoded text part, in pieces of 2048 to 4096 bytes cut
 *   after a newline, a '>' or a space.
 * - uri: each URI; full: the whole message as received.
 * - meta: over the hit counts, after every other rule.
 *
 * Untrusted input: the message (already parsed and bounded by the caller);
 * pcre2 runs under the caller's match and depth limit. Scratch memory
 * comes from the message's arena.
 */
#include "rules/rules_int.h"

#include <string.h>

#include "lib/log.h"
#include "mail/address.h"
#include "mail/rfc2047.h"

#define BODY_LINE_MAX 2048

struct run {
    const struct rules *rs;
    const struct rules_message *m;
    struct arena *a;
    double *hits;
    struct slice *hval; /* per header source */
    bool *hpresent;
    bool *hdone;
    struct slice relays[RELAYS_NKINDS];
    size_t relays_bound[2]; /* Received index where trust / internal ends */
    bool relays_done;
    struct tag_values tags;   /* captured tags (rules_capture.c) */
    const pcre2_code *filled; /* a templated rule's expression for this message */
    pcre2_match_data *md;
    pcre2_match_context *mc;
    const char *failed;
};

/* --- Matching ---------------------------------------------------------- */

/* Matches of a "(?:G){N}" rule (rules_repeat.c) in text, up to limit. */
static unsigned
count_repeat(struct run *run, const struct rule *r, struct slice text, unsigned limit)
{
    unsigned n = 0;
    if (r->re_pre) { /* no G{k} here: no G{N} either */
        int rc = pcre2_match(r->re_pre, (PCRE2_SPTR)(text.ptr ? text.ptr : ""), text.len, 0, 0,
                             run->md, run->mc);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && run->failed == NULL)
            run->failed = r->name;
        if (rc < 0)
            return 0;
    }
    for (size_t off = 0, m[2]; off <= text.len && n < limit; n++) {
        int rc = rules_repeat_find(r->re, r->repeat, text, off, run->md, run->mc, m);
        if (rc < 0 && run->failed == NULL)
            run->failed = r->name;
        if (rc <= 0)
            break;
        off = m[1] > m[0] ? m[1] : m[0] + 1;
    }
    return n;
}

/* Matches of one compiled expression of r in text, up to limit. */
static unsigned
count_code(struct run *run, const struct rule *r, const pcre2_code *re, struct slice text,
           unsigned limit)
{
    unsigned n = 0;
    size_t off = 0;
    const char *p = text.ptr ? text.ptr : "";
    pcre2_match_data *md = run->md;
    if (r->captures && (md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
        log_fatal("out of memory");
    while (off <= text.len && n < limit) {
        int rc = pcre2_match(re, (PCRE2_SPTR)p, text.len, off, 0, md, run->mc);
        if (rc < 0) {
            if (rc != PCRE2_ERROR_NOMATCH && run->failed == NULL)
                run->failed = r->name;
            break;
        }
        n++;
        if (r->captures)
            rules_capture(run->a, re, md, slice_make(p, text.len), &run->tags);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    if (md != run->md)
        pcre2_match_data_free(md);
    return n;
}

/* Matches of r in text (1 at most unless tflags multiple); an expression
 * cut in pieces counts the matches of each piece. */
static unsigned
count_matches(struct run *run, const struct rule *r, struct slice text, unsigned limit)
{
    if (r->templated)
        return run->filled ? count_code(run, r, run->filled, text, limit) : 0;
    if (r->repeat)
        return count_repeat(run, r, text, limit);
    if (r->nparts == 0)
        return count_code(run, r, r->re, text, limit);
    unsigned n = 0;
    for (size_t k = 0; k < r->nparts && n < limit; k++)
        n += count_code(run, r, r->re_parts[k], text, limit - n);
    return n;
}

static unsigned
hit_limit(const struct rule *r, double so_far)
{
    if (!(r->tflags & TF_MULTIPLE))
        return so_far > 0 ? 0 : 1;
    unsigned max = r->maxhits ? r->maxhits : 1000000;
    return so_far >= max ? 0 : max - (unsigned)so_far;
}

static void
match_pieces(struct run *run, size_t i, const struct slice *pieces, size_t n, size_t first)
{
    const struct rule *r = &run->rs->rules[i];
    for (size_t k = first; k < n; k++) {
        unsigned limit = hit_limit(r, run->hits[i]);
        if (limit == 0)
            return;
        run->hits[i] += count_matches(run, r, pieces[k], limit);
    }
}

/* --- Headers ----------------------------------------------------------- */

/* Unfold (a fold becomes one space), trim, decode. */
static void
decoded_value(struct slice raw, struct str *out)
{
    struct str u;
    str_init(&u, 0);
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (c == '\r' && i + 1 < raw.len && raw.ptr[i + 1] == '\n')
            continue;
        if (c == '\n') {
            while (i + 1 < raw.len && (raw.ptr[i + 1] == ' ' || raw.ptr[i + 1] == '\t'))
                i++;
            c = ' ';
        }
        str_appendc(&u, c);
    }
    (void)rfc2047_decode(slice_trim(slice_from_cstr(str_cstr(&u))), out, NULL);
    str_deinit(&u);
}

static void
append_field(struct run *run, const struct header_field *f, unsigned mods, struct str *out)
{
    if (mods & (HM_ADDR | HM_NAME)) {
        struct address_list al;
        address_list_extract(run->a, f->value, &al);
        for (size_t k = 0; k < al.n; k++) {
            const char *s = (mods & HM_ADDR) ? NULL : al.items[k].display;
            if (s && *s == '\0')
                continue;
            if (out->len)
                str_appendc(out, '\n');
            if (s)
                str_append_cstr(out, s);
            else
                str_appendf(out, "%s@%s", al.items[k].local, al.items[k].domain);
        }
        return;
    }
    if (mods & HM_RAW)
        str_append_slice(out, f->value);
    else
        decoded_value(f->value, out);
    str_appendc(out, '\n');
}

static bool
field_of(const struct hsource *s, struct slice name)
{
    switch (s->kind) {
    case HK_FIELD: return slice_case_eq_cstr(name, s->field);
    case HK_TOCC: return slice_case_eq_cstr(name, "To") || slice_case_eq_cstr(name, "Cc");
    case HK_ENVFROM:
        return slice_case_eq_cstr(name, "X-Envelope-From") ||
               slice_case_eq_cstr(name, "Envelope-Sender") ||
               slice_case_eq_cstr(name, "Return-Path");
    case HK_MESSAGEID:
        return slice_case_eq_cstr(name, "Message-Id") ||
               slice_case_eq_cstr(name, "Resent-Message-Id") ||
               slice_case_eq_cstr(name, "X-Message-Id") ||
               slice_case_eq_cstr(name, "X-Original-Message-ID");
    default: return true; /* HK_ALL, HK_ALL_RELAYS */
    }
}

/* X-Spam-Relays-* and the trust boundary: built once per message. */
static void
relays_ensure(struct run *run)
{
    if (!run->relays_done)
        rules_relays_walk(run->rs, run->m->headers, run->a, run->relays, run->relays_bound);
    run->relays_done = true;
}

static void
relays_source(struct run *run, size_t si)
{
    const struct hsource *s = &run->rs->sources[si];
    relays_ensure(run);
    run->hval[si] = run->relays[s->relays];
    run->hpresent[si] = run->hval[si].len > 0;
    run->hdone[si] = true;
}

/* The fields [*lo, *hi) of ALL-TRUSTED and the like: split at the Received
 * field of the boundary index, which both sides hold (as SpamAssassin). */
static void
all_relays_range(struct run *run, const struct hsource *s, size_t *lo, size_t *hi)
{
    const struct header_block *h = run->m->headers;
    relays_ensure(run);
    bool trusted = s->relays == RELAYS_TRUSTED || s->relays == RELAYS_UNTRUSTED;
    size_t bound = run->relays_bound[trusted ? 0 : 1], at = h ? h->n : 0, idx = 0;
    for (size_t f = 0; h && f < h->n; f++)
        if (slice_case_eq_cstr(h->fields[f].name, "Received") && idx++ == bound) {
            at = f;
            break;
        }
    bool upper = s->relays == RELAYS_TRUSTED || s->relays == RELAYS_INTERNAL;
    *lo = upper ? 0 : at;
    *hi = upper ? (h && at < h->n ? at + 1 : at) : (h ? h->n : 0);
}

static void
build_source(struct run *run, size_t si)
{
    const struct hsource *s = &run->rs->sources[si];
    if (s->kind == HK_RELAYS) {
        relays_source(run, si);
        return;
    }
    size_t lo = 0, hi = SIZE_MAX;
    if (s->kind == HK_ALL_RELAYS)
        all_relays_range(run, s, &lo, &hi);
    const struct header_block *h = run->m->headers;
    struct str v;
    str_init(&v, 0);
    size_t first = SIZE_MAX, last = SIZE_MAX;
    for (size_t f = lo; h && f < h->n && f < hi; f++)
        if (field_of(s, h->fields[f].name)) {
            first = first == SIZE_MAX ? f : first;
            last = f;
        }
    for (size_t f = first; first != SIZE_MAX && f <= last; f++) {
        if (!field_of(s, h->fields[f].name) || ((s->mods & HM_FIRST) && f != first) ||
            ((s->mods & HM_LAST) && f != last))
            continue;
        if (s->kind == HK_ALL || s->kind == HK_ALL_RELAYS) {
            str_append_slice(&v, h->fields[f].name);
            str_append_cstr(&v, ": ");
        }
        append_field(run, &h->fields[f], s->mods, &v);
        run->hpresent[si] = true;
    }
    if ((s->mods & (HM_ADDR | HM_NAME)) && v.len == 0)
        run->hpresent[si] = false;
    run->hval[si] = arena_slice_dup(run->a, str_slice(&v));
    run->hdone[si] = true;
    str_deinit(&v);
}

/* mimeheader: in each MIME part (the top-level header first), the last
 * field of the name, matched alone (as SpamAssassin reads a part's field). */
static void
run_mime(struct run *run, size_t i)
{
    const struct rule *r = &run->rs->rules[i];
    const struct hsource *s = &run->rs->sources[r->source];
    const struct rules_message *m = run->m;
    size_t nparts = m->parts ? m->nparts : 1;
    unsigned n = 0;
    struct str v;
    str_init(&v, 0);
    for (size_t p = 0; p < nparts && hit_limit(r, n) > 0; p++) {
        const struct header_block *h = m->parts ? m->parts[p] : m->headers;
        const struct header_field *last = NULL;
        for (size_t f = 0; h && f < h->n; f++)
            if (slice_case_eq_cstr(h->fields[f].name, s->field))
                last = &h->fields[f];
        if (last == NULL)
            continue;
        str_clear(&v);
        if (s->mods & HM_RAW)
            str_append_slice(&v, last->value);
        else
            decoded_value(last->value, &v);
        str_appendc(&v, '\n');
        n += count_matches(run, r, str_slice(&v), r->negate ? 1 : hit_limit(r, n));
    }
    str_deinit(&v);
    run->hits[i] = r->negate ? n == 0 : n;
}

static void
run_header(struct run *run, size_t i)
{
    const struct rule *r = &run->rs->rules[i];
    if (r->mime) {
        run_mime(run, i);
        return;
    }
    if (!run->hdone[r->source])
        build_source(run, r->source);
    bool present = run->hpresent[r->source];
    if (r->exists_test) {
        run->hits[i] = present;
        return;
    }
    struct slice v = run->hval[r->source];
    if (!present)
        v = r->if_unset ? slice_from_cstr(r->if_unset) : SLICE_LIT("");
    if (r->negate)
        run->hits[i] = count_matches(run, r, v, 1) == 0;
    else
        run->hits[i] = count_matches(run, r, v, hit_limit(r, 0));
}

/* --- Body pieces -------------------------------------------------------- */

struct pieces {
    struct slice *v;
    size_t n, cap;
};

static void
add_piece(struct arena *a, struct pieces *p, struct slice s)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct slice *v = arena_alloc(a, cap * sizeof(*v));
        if (p->n)
            memcpy(v, p->v, p->n * sizeof(*v));
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = s;
}

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whitespace as SpamAssassin folds it: a run holding two newlines ends a
 * paragraph ("\n"), any other run is one space. */
static void
fold_text(struct slice t, struct str *out)
{
    for (size_t i = 0; i < t.len;) {
        unsigned char c = (unsigned char)t.ptr[i];
        size_t sp = i, nl = 0;
        while (sp < t.len && (is_space((unsigned char)t.ptr[sp]) ||
                              ((unsigned char)t.ptr[sp] == 0xc2 && sp + 1 < t.len &&
                               (unsigned char)t.ptr[sp + 1] == 0xa0))) {
            nl += t.ptr[sp] == '\n';
            sp += (unsigned char)t.ptr[sp] == 0xc2 ? 2 : 1;
        }
        if (sp == i) {
            str_appendc(out, (char)c);
            i++;
            continue;
        }
        str_appendc(out, nl >= 2 ? '\n' : ' ');
        i = sp;
    }
}

/* Lines of text ending in "\n", each cut at BODY_LINE_MAX at a space. */
static void
split_lines(struct arena *a, struct slice t, struct pieces *p)
{
    for (size_t i = 0; i < t.len;) {
        const char *nl = memchr(t.ptr + i, '\n', t.len - i);
        size_t end = nl ? (size_t)(nl - t.ptr) + 1 : t.len;
        while (end - i > BODY_LINE_MAX) {
            size_t cut = 0;
            for (size_t k = i + BODY_LINE_MAX; k > i; k--)
                if (t.ptr[k - 1] == ' ' && k - 1 - i < BODY_LINE_MAX) {
                    cut = k - i;
                    break;
                }
            if (cut == 0)
                cut = BODY_LINE_MAX;
            add_piece(a, p, slice_make(t.ptr + i, cut));
            i += cut;
        }
        add_piece(a, p, slice_make(t.ptr + i, end - i));
        i = end;
    }
}

/* The body lines; returns them as one text (the lines are its pieces). */
static struct slice
body_lines(struct run *run, struct pieces *p)
{
    const struct header_block *h = run->m->headers;
    struct str subj, text;
    str_init(&subj, 0);
    str_init(&text, 0);
    const struct header_field *last = NULL;
    for (size_t f = 0; h && f < h->n; f++)
        if (slice_case_eq_cstr(h->fields[f].name, "Subject"))
            last = &h->fields[f];
    if (last)
        decoded_value(last->value, &subj);
    str_appendc(&subj, '\n');
    for (size_t k = 0; k < run->m->ntexts; k++) {
        if (text.len)
            str_appendc(&text, '\n');
        str_append_slice(&text, run->m->texts[k]);
    }
    struct str folded;
    str_init(&folded, 0);
    fold_text(str_slice(&text), &folded);
    str_append_slice(&subj, str_slice(&folded));
    struct slice all = arena_slice_dup(run->a, str_slice(&subj));
    split_lines(run->a, all, p);
    str_deinit(&subj);
    str_deinit(&text);
    str_deinit(&folded);
    return all;
}

/* Cut a decoded part in pieces of 2048 to 4096 bytes. */
static void
raw_pieces(struct arena *a, struct slice t, struct pieces *p)
{
    size_t ofs = 0;
    (void)a;
    while (t.len - ofs > 2 * BODY_LINE_MAX) {
        size_t j = SIZE_MAX;
        static const char seps[] = {'\n', '>', ' '};
        for (size_t s = 0; s < 3 && j == SIZE_MAX; s++) {
            const char *q = memchr(t.ptr + ofs + BODY_LINE_MAX, seps[s],
                                   t.len - ofs - BODY_LINE_MAX);
            if (q && (size_t)(q - t.ptr) - ofs + 1 <= 2 * BODY_LINE_MAX)
                j = (size_t)(q - t.ptr);
        }
        if (j == SIZE_MAX)
            j = ofs + BODY_LINE_MAX;
        add_piece(a, p, slice_make(t.ptr + ofs, j - ofs + 1));
        ofs = j + 1;
    }
    if (ofs < t.len)
        add_piece(a, p, slice_make(t.ptr + ofs, t.len - ofs));
}

/* The text the prefilter scans: the body lines, each ending in "\n" (all
 * itself unless a line was cut), so that ^ and $ of a multi-line pattern
 * fall where they fall on each line alone. */
static struct slice
prefilter_text(struct arena *a, struct slice all, const struct pieces *lines)
{
    size_t cuts = 0;
    for (size_t k = 0; k < lines->n; k++)
        cuts += lines->v[k].len == 0 || lines->v[k].ptr[lines->v[k].len - 1] != '\n';
    if (cuts == 0)
        return all;
    char *buf = arena_alloc(a, all.len + cuts + 1), *q = buf;
    for (size_t k = 0; k < lines->n; k++) {
        memcpy(q, lines->v[k].ptr, lines->v[k].len);
        q += lines->v[k].len;
        if (lines->v[k].len == 0 || lines->v[k].ptr[lines->v[k].len - 1] != '\n')
            *q++ = '\n';
    }
    return slice_make(buf, (size_t)(q - buf));
}

/* --- The run ------------------------------------------------------------ */

struct texts {
    struct pieces body, raw;
    const struct prefilter *pf; /* when cand[] holds its answer */
    bool *cand;
};

static void
run_rule(struct run *run, size_t i, const struct texts *t)
{
    const struct rule *r = &run->rs->rules[i];
    const struct rules_message *m = run->m;
    switch (r->type) {
    case RULE_HEADER: run_header(run, i); break;
    case RULE_BODY:
        if (t->pf && !t->cand[i] && prefilter_member(t->pf, i))
            break;
        match_pieces(run, i, t->body.v, t->body.n, (r->tflags & TF_NOSUBJECT) ? 1 : 0);
        break;
    case RULE_RAWBODY: match_pieces(run, i, t->raw.v, t->raw.n, 0); break;
    case RULE_URI: match_pieces(run, i, m->uris, m->nuris, 0); break;
    case RULE_FULL: match_pieces(run, i, &m->full, 1, 0); break;
    default: break;
    }
}

/* A rule reading captured tags: compiled with this message's values. */
static void
run_templated(struct run *run, size_t i, const struct texts *t)
{
    const struct rule *r = &run->rs->rules[i];
    struct str re;
    str_init(&re, 0);
    if (rules_fill_template(r->re_final, &run->tags, &re)) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)str_cstr(&re), re.len,
                                      r->re_opts | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
        run->filled = c;
        if (c)
            run_rule(run, i, t);
        run->filled = NULL;
        pcre2_code_free(c);
    }
    str_deinit(&re);
}

static void
run_patterns(struct run *run)
{
    const struct rules_message *m = run->m;
    struct texts t = {0};
    struct slice all = body_lines(run, &t.body);
    t.cand = arena_calloc(run->a, run->rs->n + 1, sizeof(*t.cand));
    const struct prefilter *pf = prefilter_get(run->rs);
    if (pf && prefilter_scan(pf, prefilter_text(run->a, all, &t.body), t.cand) == 0)
        t.pf = pf;
    for (size_t k = 0; k < m->ndecoded; k++)
        raw_pieces(run->a, m->decoded[k], &t.raw);
    for (size_t i = 0; i < run->rs->n; i++)
        if (run->rs->rules[i].defined && !run->rs->rules[i].templated)
            run_rule(run, i, &t);
    for (size_t i = 0; i < run->rs->n && run->rs->ntemplated; i++)
        if (run->rs->rules[i].defined && run->rs->rules[i].templated)
            run_templated(run, i, &t);
}

static void
report(const struct run *run, rules_hit_cb cb, void *ctx)
{
    for (size_t i = 0; i < run->rs->n; i++) {
        const struct rule *r = &run->rs->rules[i];
        if (!r->defined || r->subrule || r->score == 0 || run->hits[i] <= 0)
            continue;
        struct rules_hit h = {.name = r->name,
                              .description = r->description ? r->description : "",
                              .score = r->score,
                              .count = (unsigned)run->hits[i]};
        cb(ctx, &h);
    }
}

int
rules_eval(const struct rules *rs, const struct rules_message *m, struct arena *a,
           rules_hit_cb cb, void *ctx, const char **failed_r)
{
    struct run run = {.rs = rs, .m = m, .a = a};
    run.hits = arena_calloc(a, rs->n + 1, sizeof(*run.hits));
    run.hval = arena_calloc(a, rs->nsources + 1, sizeof(*run.hval));
    run.hpresent = arena_calloc(a, rs->nsources + 1, sizeof(*run.hpresent));
    run.hdone = arena_calloc(a, rs->nsources + 1, sizeof(*run.hdone));
    run.md = pcre2_match_data_create(1, NULL);
    run.mc = pcre2_match_context_create(NULL);
    if (run.md == NULL || run.mc == NULL)
        log_fatal("out of memory");
    if (m->match_limit) {
        (void)pcre2_set_match_limit(run.mc, m->match_limit);
        (void)pcre2_set_depth_limit(run.mc, m->match_limit);
    }
    run_patterns(&run);
    for (size_t k = 0; k < rs->norder; k++) {
        size_t i = rs->order[k];
        if (rs->rules[i].defined)
            run.hits[i] = meta_eval(rs->rules[i].meta, run.hits, m) != 0;
    }
    report(&run, cb, ctx);
    pcre2_match_data_free(run.md);
    pcre2_match_context_free(run.mc);
    if (failed_r)
        *failed_r = run.failed;
    return run.failed ? -1 : 0;
}
