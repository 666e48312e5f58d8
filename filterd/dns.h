/*
 * dns: the resolver of filterd's DNS list lookups, over c-ares (never the
 * blocking resolver of the C library).
 *
 * A resolver is made once per configuration and shared by the threads: it
 * holds the name servers, the time budget and a cache of answers kept for
 * their TTL. A batch is the lookups of one stage of one message: they go
 * out together, and dns_batch_run waits for their answers at most until
 * the budget, counted from the message's first run (the deadline the
 * stages share through dns_batch_share_deadline; else the batch's own
 * first run), is spent, however many lookups there are. When a batch runs
 * out of time without a single reply, the servers count as silent for 30
 * seconds: later batches (other stages, other messages) wait at most
 * 100 ms for them, and the first reply ends that. A lookup that fails or
 * is not answered in time is DNS_R_ERROR with its reason: the caller logs
 * it and adds no symbol.
 */
#ifndef TAMIS_FILTERD_DNS_H
#define TAMIS_FILTERD_DNS_H

#include <stddef.h>

#include "filterd/dns_answer.h"
#include "lib/str.h"

struct dns_resolver;
struct dns_batch;

/* Most lookups in one batch; more are answered DNS_R_ERROR at once. */
#define DNS_BATCH_MAX 4096

/* A resolver asking servers (each "ADDRESS", "ADDRESS:PORT", "[IPV6]" or
 * "[IPV6]:PORT"; none: those of /etc/resolv.conf), waiting at most
 * budget_ms for a batch, caching at most cache_max answers (0: none).
 * Returns NULL with a reason appended to err when a server is not an
 * address or c-ares cannot start. Free with dns_resolver_free. */
struct dns_resolver *dns_resolver_new(const char *const *servers, size_t nservers,
                                      long budget_ms, size_t cache_max, struct str *err);
void dns_resolver_free(struct dns_resolver **rp);
/* The same, shared: the checks of one pipeline (and the next pipeline
 * after a reload, when the settings are the same) get one resolver, so
 * they share its cache. Release with dns_resolver_release. */
struct dns_resolver *dns_resolver_shared(const char *const *servers, size_t nservers,
                                         long budget_ms, size_t cache_max, struct str *err);
void dns_resolver_release(struct dns_resolver **rp);
/* Answers in the cache now (for lint and tests). */
size_t dns_resolver_cached(struct dns_resolver *r);

/* Milliseconds of the monotonic clock (the time base of budgets, TTLs and
 * self-test intervals). */
long long dns_now_ms(void);

/* A batch for the lookups of one stage; log_id tags its log lines (the
 * queue id; copied). Free with dns_batch_free (any time). */
struct dns_batch *dns_batch_new(struct dns_resolver *r, const char *log_id);
void dns_batch_free(struct dns_batch **bp);
/* Count the budget from *deadline_ms (monotonic ms, dns_now_ms; 0: the
 * first run of any batch sharing it sets it to now + the budget), so that
 * the stages of one message share one budget. The caller keeps
 * *deadline_ms alive as long as b (the verdict's dns_deadline_ms). */
void dns_batch_share_deadline(struct dns_batch *b, long long *deadline_ms);
/* Queue a lookup of name (copied) for type DNS_TYPE_A or DNS_TYPE_TXT;
 * returns its index. The same name and type again gives the same index. */
size_t dns_batch_add(struct dns_batch *b, const char *name, int type);
/* Answer every queued lookup from the cache or the servers; returns when
 * all are answered or the budget (from the first run) is spent: once it
 * is, what the cache does not answer fails at once. May be called again
 * after more lookups were added. */
void dns_batch_run(struct dns_batch *b);
/* The answer of lookup i (after dns_batch_run), owned by the batch. */
const struct dns_answer *dns_batch_answer(const struct dns_batch *b, size_t i);
/* The name of lookup i. */
const char *dns_batch_name(const struct dns_batch *b, size_t i);

#endif
