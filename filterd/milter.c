/*
 * milter: filterd's libmilter front end (Postfix smtpd_milters and
 * non_smtpd_milters, Sendmail INPUT_MAIL_FILTER): the listening socket,
 * the loaded configurations (generations), stopping and draining.
 * milter_session.c holds the connections, milter_reply.c the answers.
 *
 * Untrusted input: none here (the connections' bytes are handled in
 * milter_session.c). Limits: libmilter's listener is looked for among the
 * first MILTER_MAX_FDS descriptors.
 *
 * Signals: libmilter starts a thread that sigwait()s for SIGHUP, SIGTERM
 * and SIGINT and stops the milter on each of them (so a SIGHUP would stop
 * filterd instead of reloading it), racing with any other thread waiting
 * for those signals. filterd defines sigwait() below; the dynamic linker
 * binds libmilter's call to it. It waits for the same set without those
 * three, which lib/daemon's signal thread takes (with sigwaitinfo()):
 * SIGHUP reloads, SIGTERM and SIGINT call milter_stop().
 */
#include "milter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "filterd/milter_int.h"
#include "lib/log.h"
#include "lib/mem.h"

int sigwait(const sigset_t *restrict set, int *restrict sig);

int
sigwait(const sigset_t *restrict set, int *restrict sig)
{
    sigset_t s = *set;
    sigdelset(&s, SIGHUP);
    sigdelset(&s, SIGTERM);
    sigdelset(&s, SIGINT);
    for (;;) {
        int r = sigwaitinfo(&s, NULL);
        if (r > 0) {
            *sig = r;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}

static char *milter_spec; /* the listening socket, as configured */
bool milter_tcp;          /* it is a TCP socket (inet:, inet6:) */

/* ---- pipelines in use ------------------------------------------------ */

struct milter_state milter_g = {.lock = PTHREAD_MUTEX_INITIALIZER,
                                .changed = PTHREAD_COND_INITIALIZER};

void
milter_generation_release(struct generation *gen)
{
    if (gen == NULL)
        return;
    pthread_mutex_lock(&milter_g.lock);
    bool last = --gen->refs == 0;
    pthread_mutex_unlock(&milter_g.lock);
    if (!last)
        return;
    log_info(NULL, "configuration %lu: freed (no connection uses it)", gen->number);
    pipeline_free(&gen->pipeline);
    config_free(&gen->config);
    free(gen);
}

void
milter_set_pipeline(struct pipeline *p, struct config *c)
{
    struct generation *gen = xcalloc(1, sizeof(*gen));
    gen->pipeline = p;
    gen->config = c;
    gen->refs = 1;
    pthread_mutex_lock(&milter_g.lock);
    gen->number = ++milter_g.generations;
    struct generation *old = milter_g.current;
    milter_g.current = gen;
    pthread_mutex_unlock(&milter_g.lock);
    milter_generation_release(old);
}
/* ---- the daemon's side ------------------------------------------------- */

/* The path of a unix socket spec, or NULL for inet ones. */
static const char *
unix_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (strncmp(spec, "local:", 6) == 0)
        return spec + 6;
    return strchr(spec, ':') ? NULL : spec;
}

/* Connect to the socket (unix path, or inet "PORT@ADDR" with a numeric
 * IPv4 address). Returns the descriptor, or -1. */
static int
connect_to(const char *spec)
{
    const char *path = unix_path(spec);
    if (path) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sun.sun_path))
            return -1;
        memcpy(sun.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *at = strchr(spec, '@');
    struct sockaddr_in sin = {.sin_family = AF_INET};
    if (strncmp(spec, "inet:", 5) != 0 || at == NULL)
        return -1;
    sin.sin_port = htons((unsigned short)atoi(spec + 5));
    if (inet_pton(AF_INET, at + 1, &sin.sin_addr) != 1)
        return -1;
    if (sin.sin_addr.s_addr == htonl(INADDR_ANY))
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Whether fd is a listening TCP socket. */
static bool
tcp_listener(int fd)
{
    int v = 0;
    socklen_t n = sizeof(v);
    struct sockaddr_storage ss;
    socklen_t sn = sizeof(ss);
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &n) == 0 && v == 1 &&
           getsockname(fd, (struct sockaddr *)&ss, &sn) == 0 &&
           (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/*
 * Turn Nagle's algorithm off on libmilter's TCP listener, which does not
 * give its descriptor away: it is the one listening TCP socket that
 * smfi_opensocket() added (those in before[] were there already). Linux
 * gives the option to every connection accepted from it, so libmilter's
 * small writes (a reply; at end of message each header change, then the
 * verdict) leave at once instead of waiting for the MTA's delayed ACK
 * (~40 ms per message). Returns how many listeners were changed.
 */
static int
nodelay_new_listeners(const bool *before, int nfds)
{
    int changed = 0, one = 1;
    for (int fd = 0; fd < nfds; fd++)
        if (!before[fd] && tcp_listener(fd) &&
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
            changed++;
    return changed;
}

int
milter_open(const char *spec, struct str *err)
{
    if (smfi_register(milter_desc) == MI_FAILURE) {
        str_append_cstr(err, "libmilter refused to register the filter");
        return -1;
    }
    if (smfi_setconn((char *)spec) == MI_FAILURE) {
        str_appendf(err, "bad milter_socket \"%s\"", spec);
        return -1;
    }
    const char *path = unix_path(spec);
    int fd = path ? connect_to(spec) : -1;
    if (fd >= 0) {
        close(fd);
        str_appendf(err, "%s: in use: another filter answers on it", path);
        return -1;
    }
    bool before[MILTER_MAX_FDS];
    for (int i = 0; i < MILTER_MAX_FDS; i++)
        before[i] = path == NULL && tcp_listener(i);
    errno = 0;
    if (smfi_opensocket(true) == MI_FAILURE) {
        str_appendf(err, "cannot listen on %s%s%s", spec, errno ? ": " : "",
                    errno ? strerror(errno) : "");
        return -1;
    }
    if (path == NULL && nodelay_new_listeners(before, MILTER_MAX_FDS) != 1)
        log_warn(NULL, "%s: cannot turn Nagle's algorithm off: replies may wait ~40 ms",
                 spec);
    free(milter_spec);
    milter_spec = xstrdup(spec);
    milter_tcp = path == NULL;
    return 0;
}

int
milter_socket_owner(const char *spec, uid_t uid, gid_t gid, mode_t mode, struct str *err)
{
    const char *path = unix_path(spec);
    if (path == NULL)
        return 0;
    if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0) {
        str_appendf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
milter_run(void)
{
    return smfi_main() == MI_SUCCESS ? 0 : -1;
}

/* Wait on milter_g.changed (locked) until done() or the deadline (seconds from
 * now). Returns whether done() holds. */
static bool
wait_until(bool (*done)(void), int seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    while (!done())
        if (pthread_cond_timedwait(&milter_g.changed, &milter_g.lock, &deadline) ==
            ETIMEDOUT)
            return done();
    return true;
}

static bool
no_message(void)
{
    return milter_g.messages == 0;
}

static bool
no_connection(void)
{
    return milter_g.connections == 0;
}

static void *
stop_thread(void *arg)
{
    (void)smfi_stop();
    atomic_store(&milter_g.stopped, true);
    return arg;
}

/* Close libmilter's listener. Its thread holds the lock smfi_stop() needs
 * while it waits up to 5 s for a connection: a connection wakes it. */
static void
stop_listener(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, stop_thread, NULL) != 0) {
        (void)stop_thread(NULL);
        return;
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 500 && !atomic_load(&milter_g.stopped); i++) {
        int fd = milter_spec ? connect_to(milter_spec) : -1;
        if (fd >= 0)
            close(fd);
        nanosleep(&pause, NULL);
    }
    pthread_join(t, NULL);
}

/*
 * Drain, then stop. libmilter's smfi_stop() also ends the sessions in
 * progress when it runs them on its pool of workers (Debian's does), so
 * the messages in flight are finished first: meanwhile a new connection
 * or message gets a tempfail (451 4.3.2), as it would from a milter that
 * is down. libmilter sends a reply after the callback returns, so the
 * connections get a moment to send their last one and close.
 */
void
milter_stop(void)
{
    pthread_mutex_lock(&milter_g.lock);
    atomic_store(&milter_g.draining, true);
    log_info(
        NULL,
        "stopping: new messages get a tempfail; waiting for %lu message(s) in flight",
        milter_g.messages);
    bool drained = wait_until(no_message, MILTER_DRAIN_SECONDS);
    unsigned long left = milter_g.messages;
    (void)wait_until(no_connection, MILTER_GRACE_SECONDS);
    pthread_mutex_unlock(&milter_g.lock);
    if (!drained)
        log_warn(NULL,
                 "%lu message(s) still in flight after %d s: the MTA will retry them",
                 left, MILTER_DRAIN_SECONDS);
    stop_listener();
}

void
milter_shutdown(void)
{
    pthread_mutex_lock(&milter_g.lock);
    struct generation *gen = milter_g.current;
    milter_g.current = NULL;
    pthread_mutex_unlock(&milter_g.lock);
    milter_generation_release(gen);
    free(milter_spec);
    milter_spec = NULL;
}
