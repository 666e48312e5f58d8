/*
 * smtp: the SMTP client of the fan-out (see smtp.h).
 *
 * Untrusted input: the server's replies (a local relay, but read as
 * untrusted): lines up to 4 KiB, multi-line replies up to 100 lines, a
 * 300 s timeout on every read and write. Addresses are checked by the
 * caller (canonical dot-atoms: no CR, LF, '<' or '>').
 */
#include "ezlist/smtp.h"

#include "lib/fdio.h"
#include "lib/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096
#define REPLY_LINES_MAX 100
#define TIMEOUT_S 300

struct smtp_conn {
    int fd;
    bool pipelining, xverp, lmtp;
    char buf[8192];
    size_t start, end;
    struct str line;
};

static int
connect_to(const char *host, unsigned port, struct str *err)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        len = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        len = sizeof *s6;
    } else {
        str_appendf(err, "smtp_host %s is not a numeric address", host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
        str_appendf(err, "connect to [%s]:%u: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct timeval tv = {TIMEOUT_S, 0};
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Read one line (without CRLF) into c->line. Returns 0 or -1 (err). */
static int
read_line(struct smtp_conn *c, struct str *err)
{
    str_clear(&c->line);
    for (;;) {
        if (c->start == c->end) {
            ssize_t r = read(c->fd, c->buf, sizeof c->buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                str_appendf(err, "SMTP server: %s", r == 0 ? "connection closed" : strerror(errno));
                return -1;
            }
            c->start = 0;
            c->end = (size_t)r;
        }
        char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        size_t take = nl ? (size_t)(nl - (c->buf + c->start)) : c->end - c->start;
        if (str_append(&c->line, c->buf + c->start, take) < 0) {
            str_appendf(err, "SMTP server: reply line too long");
            return -1;
        }
        c->start += take + (nl ? 1 : 0);
        if (nl) {
            if (c->line.len && c->line.buf[c->line.len - 1] == '\r')
                str_truncate(&c->line, c->line.len - 1);
            return 0;
        }
    }
}

int
smtp_reply_line(struct slice line, int *code_r, bool *last_r, struct slice *text_r)
{
    const char *s = line.ptr;
    if (line.len < 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9' || (line.len > 3 && s[3] != ' ' && s[3] != '-'))
        return -1;
    *code_r = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    *last_r = line.len == 3 || s[3] == ' ';
    *text_r = line.len > 4 ? slice_from(line, 4) : SLICE_NULL;
    return 0;
}

/* Read one (multi-line) reply. Returns its code (100..599), or -1 (err).
 * EHLO keywords are noted when ehlo is true. */
static int
read_reply(struct smtp_conn *c, bool ehlo, struct str *err)
{
    for (int i = 0; i < REPLY_LINES_MAX; i++) {
        if (read_line(c, err) < 0)
            return -1;
        int code;
        bool last;
        struct slice text;
        if (smtp_reply_line(str_slice(&c->line), &code, &last, &text) < 0) {
            str_appendf(err, "SMTP server: bad reply line: %.100s", str_cstr(&c->line));
            return -1;
        }
        struct slice kw = slice_trim(text);
        if (ehlo && slice_case_eq_cstr(kw, "PIPELINING"))
            c->pipelining = true;
        if (ehlo && slice_starts_with_case(kw, "XVERP"))
            c->xverp = true;
        if (last)
            return code;
    }
    str_appendf(err, "SMTP server: reply of more than %d lines", REPLY_LINES_MAX);
    return -1;
}

static int
send_str(struct smtp_conn *c, const struct str *s, struct str *err)
{
    if (fdio_write_all(c->fd, s->buf, s->len) < 0) {
        str_appendf(err, "SMTP write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

struct smtp_conn *
smtp_open(const char *host, unsigned port, const char *helo, bool lmtp, struct str *err)
{
    int fd = connect_to(host, port, err);
    if (fd < 0)
        return NULL;
    struct smtp_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->lmtp = lmtp;
    str_init(&c->line, LINE_MAX_BYTES);
    struct str cmd;
    str_init(&cmd, 0);
    str_appendf(&cmd, "%s %s\r\n", lmtp ? "LHLO" : "EHLO", helo);
    int code = read_reply(c, false, err);
    if (code == 220 && send_str(c, &cmd, err) == 0)
        code = read_reply(c, true, err);
    else if (code > 0) {
        str_appendf(err, "SMTP greeting %d: %s", code, str_cstr(&c->line));
        code = -1;
    }
    if (code > 0 && code != 250)
        str_appendf(err, "SMTP EHLO refused: %s", str_cstr(&c->line));
    str_deinit(&cmd);
    if (code != 250) {
        close(c->fd);
        str_deinit(&c->line);
        free(c);
        return NULL;
    }
    return c;
}

bool
smtp_has_xverp(const struct smtp_conn *c)
{
    return c->xverp;
}

void
smtp_encode_data(struct slice msg, struct str *out)
{
    size_t i = 0;
    while (i < msg.len) {
        const char *nl = memchr(msg.ptr + i, '\n', msg.len - i);
        size_t end = nl ? (size_t)(nl - msg.ptr) : msg.len;
        size_t stop = end > i && msg.ptr[end - 1] == '\r' ? end - 1 : end;
        if (stop > i && msg.ptr[i] == '.')
            str_appendc(out, '.');
        str_append(out, msg.ptr + i, stop - i);
        str_append(out, "\r\n", 2);
        i = nl ? end + 1 : msg.len;
    }
    str_append(out, ".\r\n", 3);
}

/* Read the replies to MAIL and the RCPTs (already sent). Returns how many
 * recipients were accepted, or -1 (err) when MAIL failed or the
 * connection did. */
static long
read_envelope_replies(struct smtp_conn *c, size_t n, int *status, struct str *err)
{
    int code = read_reply(c, false, err);
    if (code < 0)
        return -1;
    bool mail_ok = code / 100 == 2;
    if (!mail_ok)
        str_appendf(err, "SMTP MAIL refused: %s", str_cstr(&c->line));
    long ok = 0;
    for (size_t i = 0; i < n; i++) {
        code = read_reply(c, false, err);
        if (code < 0)
            return -1;
        status[i] = mail_ok ? code / 100 : 4;
        ok += status[i] == 2;
    }
    return mail_ok ? ok : -1;
}

static void
envelope_cmds(const char *from, const char *params, char *const *rcpt, size_t n, struct str *cmd)
{
    str_appendf(cmd, "MAIL FROM:<%s>%s%s\r\n", from, params ? " " : "", params ? params : "");
    for (size_t i = 0; i < n; i++)
        str_appendf(cmd, "RCPT TO:<%s>\r\n", rcpt[i]);
}

/* Every accepted recipient gets digit d (the message was not taken). */
static void
mark_accepted(int *status, size_t n, int d)
{
    for (size_t i = 0; i < n; i++)
        if (status[i] == 2)
            status[i] = d;
}

static int
read_lmtp_replies(struct smtp_conn *c, int *status, size_t n, struct str *err)
{
    for (size_t i = 0; i < n; i++) {
        if (status[i] != 2)
            continue;
        int code = read_reply(c, false, err);
        if (code < 0) {
            mark_accepted(status + i, n - i, 4);
            return -1;
        }
        status[i] = code / 100;
    }
    return 0;
}

static int
send_data(struct smtp_conn *c, struct slice data, int *status, size_t n, struct str *err)
{
    struct str cmd;
    str_init(&cmd, 0);
    str_append_cstr(&cmd, "DATA\r\n");
    int rc = send_str(c, &cmd, err);
    str_deinit(&cmd);
    int code = rc == 0 ? read_reply(c, false, err) : -1;
    if (code < 0)
        return -1;
    if (code != 354) {
        mark_accepted(status, n, code / 100 == 5 ? 5 : 4);
        return 0;
    }
    if (fdio_write_all(c->fd, data.ptr, data.len) < 0) {
        str_appendf(err, "SMTP write: %s", strerror(errno));
        return -1;
    }
    if (c->lmtp) /* LMTP: one reply per accepted recipient, in order */
        return read_lmtp_replies(c, status, n, err);
    code = read_reply(c, false, err);
    if (code < 0)
        return -1;
    if (code / 100 != 2) {
        str_appendf(err, "SMTP message refused: %s", str_cstr(&c->line));
        mark_accepted(status, n, code / 100 == 5 ? 5 : 4);
    }
    return 0;
}

int
smtp_transaction(struct smtp_conn *c, const char *from, const char *params,
                 char *const *rcpt, size_t n, struct slice data, int *status,
                 struct str *err)
{
    struct str cmd;
    str_init(&cmd, 0);
    long ok;
    if (c->pipelining) {
        envelope_cmds(from, params, rcpt, n, &cmd);
        ok = send_str(c, &cmd, err) < 0 ? -1 : read_envelope_replies(c, n, status, err);
    } else {
        /* One command, one reply. */
        envelope_cmds(from, params, rcpt, 0, &cmd);
        ok = send_str(c, &cmd, err) < 0 ? -1 : read_envelope_replies(c, 0, status, err);
        for (size_t i = 0; ok >= 0 && i < n; i++) {
            str_clear(&cmd);
            str_appendf(&cmd, "RCPT TO:<%s>\r\n", rcpt[i]);
            int code = send_str(c, &cmd, err) < 0 ? -1 : read_reply(c, false, err);
            if (code < 0)
                ok = -1;
            else
                ok += (status[i] = code / 100) == 2;
        }
    }
    str_deinit(&cmd);
    if (ok < 0)
        return -1;
    if (ok == 0) { /* nobody accepted: reset instead of DATA */
        str_init(&cmd, 0);
        str_append_cstr(&cmd, "RSET\r\n");
        int rc = send_str(c, &cmd, err) < 0 || read_reply(c, false, err) < 0 ? -1 : 0;
        str_deinit(&cmd);
        return rc;
    }
    return send_data(c, data, status, n, err);
}

void
smtp_close(struct smtp_conn **cp)
{
    struct smtp_conn *c = *cp;
    if (c == NULL)
        return;
    (void)fdio_write_all(c->fd, "QUIT\r\n", 6);
    close(c->fd);
    str_deinit(&c->line);
    free(c);
    *cp = NULL;
}
