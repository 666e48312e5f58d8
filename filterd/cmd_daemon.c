/*
 * cmd_daemon: the milter daemon's start-up, reload and stop, `lint` and
 * `compile`.
 *
 * Start-up, in this order: read the configuration (-c FILE, else
 * FILTERD_CONFIG_DEFAULT when it exists, else the built-in defaults; then
 * each -o); go to the background unless -f; the pid file; the listening
 * socket, opened as root and given to the daemon's user; the privilege
 * drop; the pipeline, built as that user (so that a reload, which runs as
 * that user too, reads the same files); the signal thread; then serve.
 *
 * Reload (SIGHUP, on lib/daemon's signal thread): read the configuration
 * again and build a new pipeline; when that fails, every error is logged
 * ("reload refused: FILE:LINE: text") and the running one stays. Settings
 * read only at start (milter_socket, milter_socket_mode, user, pid_file)
 * need a restart; a change to them is logged.
 *
 * Untrusted input: none here (configuration files are the admin's).
 */
#include "cmd_daemon.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "filterd/check_rules.h"
#include "filterd/milter.h"
#include "filterd/pipeline.h"
#include "filterd/settings.h"
#include "lib/daemon.h"
#include "lib/log.h"
#include "lib/mem.h"

#define MAX_OVERRIDES 64

struct opts {
    const char *conf; /* -c as given, or NULL */
    char *conf_abs;   /* the same made absolute (reloads after chdir) */
    bool foreground;
    char *overrides[MAX_OVERRIDES];
    size_t nover;
};

/* What was read at start and needs a restart to change. */
struct state {
    struct opts o;
    char *socket, *user, *pid_file, *socket_mode_text;
    mode_t socket_mode;
};

static const char *usage_cmd = "lint";

static void
usage(FILE *f, bool lint)
{
    if (lint)
        fprintf(f, "usage: filterd %s [-c FILE] [-o key=value]...\n", usage_cmd);
    else
        fputs("usage: filterd [-c FILE] [-f] [-o key=value]...\n", f);
}

/* Parse the options; returns 0, or an exit status (-h gives -1: exit 0). */
static int
parse_opts(int argc, char **argv, bool lint, struct opts *o)
{
    int ch;
    optind = 1;
    while ((ch = getopt(argc, argv, lint ? "c:o:h" : "c:fo:h")) != -1) {
        switch (ch) {
        case 'c':
            o->conf = optarg;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'o':
            if (o->nover == MAX_OVERRIDES) {
                fprintf(stderr, "filterd: too many -o options\n");
                return EX_USAGE;
            }
            o->overrides[o->nover++] = optarg;
            break;
        case 'h':
            usage(stdout, lint);
            return -1;
        default:
            usage(stderr, lint);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "filterd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr, lint);
        return EX_USAGE;
    }
    return 0;
}

/* path made absolute against the working folder (malloc'd), or NULL. */
static char *
absolute(const char *path)
{
    char cwd[4096];
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    struct str s;
    str_init(&s, 0);
    str_appendf(&s, "%s/%s", cwd, path);
    return str_steal(&s, NULL);
}

/* The configuration file to read, or NULL for the built-in defaults. */
static const char *
config_path(const struct opts *o)
{
    if (o->conf)
        return o->conf_abs ? o->conf_abs : o->conf;
    if (access(FILTERD_CONFIG_DEFAULT, F_OK) == 0 || errno != ENOENT)
        return FILTERD_CONFIG_DEFAULT;
    return NULL;
}

/* The command that compiles the rules' prefilter in the background
 * (check_rules.h): this program, "compile", the daemon's -c and -o. */
static void
set_compile_command(const struct opts *o)
{
    static char exe[PATH_MAX];
    static char *argv[5 + 2 * MAX_OVERRIDES];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return; /* no background compile: `filterd compile` still does it */
    exe[n] = '\0';
    size_t k = 0;
    argv[k++] = exe;
    argv[k++] = "compile";
    const char *path = config_path(o);
    if (path) {
        argv[k++] = "-c";
        argv[k++] = (char *)path;
    }
    for (size_t i = 0; i < o->nover; i++) {
        argv[k++] = "-o";
        argv[k++] = o->overrides[i];
    }
    argv[k] = NULL;
    check_rules_set_compile_command(argv);
}

/* The milter_socket_mode setting: an octal mode of at most 0777 that lets
 * the owner read and write. Returns 0 with *mode, or -1 with err. */
static int
socket_mode(const struct config *c, mode_t *mode, struct str *err)
{
    const char *s = config_get_str(c, "milter_socket_mode");
    char *end;
    errno = 0;
    unsigned long m = strtoul(s, &end, 8);
    if (errno || end == s || *end || *s == '-' || m > 0777 || (m & 0600) != 0600) {
        str_appendf(err,
                    "%s: bad value for milter_socket_mode: \"%s\" is not an octal mode "
                    "from 0600 to 0777\n",
                    config_source(c, "milter_socket_mode"), s);
        return -1;
    }
    *mode = (mode_t)m;
    return 0;
}

/* Read and check the configuration. Returns it, or NULL with one
 * "SOURCE:LINE: text" line per error appended to err. */
static struct config *
load_config(const struct opts *o, struct str *err)
{
    struct config *c = settings_new();
    const char *path = config_path(o);
    bool bad = false;
    errno = 0;
    if (path && config_load_file(c, path) < 0) {
        bad = true;
        if (config_error_count(c) == 0)
            str_appendf(err, "%s: %s\n", path, strerror(errno ? errno : EIO));
    }
    for (size_t i = 0; i < o->nover; i++)
        if (config_set_override(c, o->overrides[i]) < 0)
            bad = true;
    for (size_t i = 0; i < config_error_count(c); i++)
        str_appendf(err, "%s\n", config_error(c, i));
    mode_t mode;
    if (settings_validate(c, err) < 0)
        bad = true;
    if (socket_mode(c, &mode, err) < 0)
        bad = true;
    if (bad)
        config_free(&c);
    return c;
}

/* Log each line of text at level, with a prefix. */
static void
log_lines(enum log_level level, const char *prefix, const struct str *text)
{
    struct slice rest = str_slice(text);
    while (rest.len > 0) {
        long nl = slice_find_char(rest, '\n');
        size_t n = nl < 0 ? rest.len : (size_t)nl;
        if (n > 0)
            log_msg(level, NULL, "%s%.*s", prefix, (int)n, rest.ptr);
        rest = slice_from(rest, nl < 0 ? rest.len : n + 1);
    }
}

/* Warn about a start-only setting that the new configuration changes. */
static void
note_restart_only(const char *key, const char *was, const struct config *c)
{
    const char *now = config_get_str(c, key);
    if (strcmp(was, now) != 0)
        log_warn(NULL, "%s changed from \"%s\" to \"%s\": that takes a restart", key, was,
                 now);
}

static void
reload(void *arg)
{
    struct state *s = arg;
    struct str err;
    str_init(&err, 0);
    struct config *c = load_config(&s->o, &err);
    struct pipeline *p = c ? pipeline_new(c, &err) : NULL;
    if (p == NULL) {
        log_lines(LOG_LEVEL_ERROR, "reload refused: ", &err);
        log_error(NULL, "reload refused: the running configuration stays in use");
        config_free(&c);
        str_deinit(&err);
        return;
    }
    note_restart_only("milter_socket", s->socket, c);
    note_restart_only("user", s->user, c);
    note_restart_only("pid_file", s->pid_file, c);
    note_restart_only("milter_socket_mode", s->socket_mode_text, c);
    milter_set_pipeline(p, c);
    log_info(NULL, "configuration reloaded from %s",
             config_path(&s->o) ? config_path(&s->o) : "the built-in defaults");
    str_deinit(&err);
}

static void
stop(void *arg)
{
    milter_stop();
}

/* Become the daemon's user, when started as root. */
static int
drop_privileges(const struct state *s, struct str *err)
{
    struct daemon_user u;
    if (geteuid() != 0) {
        log_info(NULL, "not started as root: running as uid %ld (user \"%s\" not used)",
                 (long)geteuid(), s->user);
        return 0;
    }
    if (*s->user == '\0') {
        str_append_cstr(err, "user is empty: filterd does not run as root");
        return EX_CONFIG;
    }
    if (daemon_user_lookup(s->user, &u, err) < 0)
        return EX_CONFIG;
    if (u.uid == 0) {
        str_appendf(err, "user %s is root: filterd does not run as root", s->user);
        return EX_CONFIG;
    }
    if (milter_socket_owner(s->socket, u.uid, u.gid, s->socket_mode, err) < 0 ||
        daemon_drop_privileges(&u, NULL, err) < 0)
        return EX_TEMPFAIL;
    return 0;
}

/* Start and serve. *cp passes to the milter once the pipeline is built.
 * Returns the exit status; err says why start-up failed. */
static int
serve(struct state *s, struct daemon *d, struct config **cp, struct str *err)
{
    int r;
    if (daemon_detach(d, s->o.foreground, err) < 0 || daemon_signals_block(err) < 0)
        return EX_OSERR;
    if (*s->pid_file && daemon_pidfile_create(d, s->pid_file, err) < 0)
        return EX_TEMPFAIL;
    if (milter_open(s->socket, err) < 0)
        return EX_TEMPFAIL;
    if ((r = drop_privileges(s, err)) != 0)
        return r;
    struct pipeline *p = pipeline_new(*cp, err);
    if (p == NULL)
        return EX_CONFIG;
    milter_set_pipeline(p, *cp);
    *cp = NULL;
    struct daemon_handlers h = {.reload = reload, .stop = stop, .arg = s};
    if (daemon_signals_start(d, &h, err) < 0)
        return EX_OSERR;
    daemon_ready(d);
    log_info(NULL, "ready: listening on %s (pid %ld, uid %ld)", s->socket, (long)getpid(),
             (long)getuid());
    r = milter_run();
    log_info(NULL, "stopped");
    return r < 0 ? EX_TEMPFAIL : 0;
}

int
cmd_daemon(int argc, char **argv)
{
    struct state s;
    memset(&s, 0, sizeof(s));
    int r = parse_opts(argc, argv, false, &s.o);
    if (r)
        return r < 0 ? 0 : r;
    if (s.o.conf)
        s.o.conf_abs = absolute(s.o.conf);
    check_rules_set_compile(RULES_COMPILE_BACKGROUND);
    set_compile_command(&s.o);
    struct str err;
    str_init(&err, 0);
    struct config *c = load_config(&s.o, &err);
    if (c == NULL) {
        log_lines(LOG_LEVEL_ERROR, "", &err);
        str_deinit(&err);
        free(s.o.conf_abs);
        return EX_CONFIG;
    }
    s.socket = xstrdup(config_get_str(c, "milter_socket"));
    s.user = xstrdup(config_get_str(c, "user"));
    s.pid_file = xstrdup(config_get_str(c, "pid_file"));
    s.socket_mode_text = xstrdup(config_get_str(c, "milter_socket_mode"));
    (void)socket_mode(c, &s.socket_mode, &err); /* checked by load_config */
    struct daemon *d = daemon_new("filterd");
    r = serve(&s, d, &c, &err);
    if (err.len) {
        log_lines(LOG_LEVEL_ERROR, "", &err);
        daemon_fail(d, r ? r : EX_SOFTWARE);
    }
    daemon_free(&d);
    milter_shutdown();
    config_free(&c);
    str_deinit(&err);
    free(s.socket);
    free(s.user);
    free(s.pid_file);
    free(s.socket_mode_text);
    free(s.o.conf_abs);
    return r;
}

/* lint: build the pipeline; compile (rules_only): the rules check alone
 * (no virus database and the like to load); print the summary. */
static int
lint_or_compile(int argc, char **argv, bool rules_only)
{
    struct opts o;
    memset(&o, 0, sizeof(o));
    int r = parse_opts(argc, argv, true, &o);
    if (r)
        return r < 0 ? 0 : r;
    struct str err;
    str_init(&err, 0);
    struct config *c = load_config(&o, &err);
    struct pipeline *p = c && !rules_only ? pipeline_new(c, &err) : NULL;
    void *rules = c && rules_only ? check_rules_ops.state_new(c, &err) : NULL;
    if (c)
        for (size_t i = 0; i < config_warning_count(c); i++)
            fprintf(stderr, "%s\n", config_warning(c, i));
    fputs(str_cstr(&err), stderr);
    const char *path = config_path(&o);
    if (p || rules) {
        struct str sum;
        str_init(&sum, 0);
        if (p)
            pipeline_summary(p, &sum);
        else
            check_rules_ops.summary(rules, &sum);
        fputs(str_cstr(&sum), stdout);
        str_deinit(&sum);
        printf("%s: ok\n", path ? path : "built-in defaults");
    }
    r = p || rules ? 0 : EX_CONFIG;
    if (rules)
        check_rules_ops.state_free(rules);
    pipeline_free(&p);
    config_free(&c);
    str_deinit(&err);
    return r;
}

int
cmd_lint(int argc, char **argv)
{
    return lint_or_compile(argc, argv, false);
}

int
cmd_compile(int argc, char **argv)
{
    usage_cmd = "compile";
    check_rules_set_compile(RULES_COMPILE_NOW);
    return lint_or_compile(argc, argv, true);
}
