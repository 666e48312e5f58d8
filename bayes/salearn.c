/*
 * salearn: train the Bayes database of filterd, with the flags sa-learn
 * users know.
 *
 * SYNOPSIS
 *   salearn --spam|--ham|--nonspam|--forget [--mbox|--maildir] [options] [FILE|DIR]...
 *   salearn --dump [magic|data|all] | --backup | --restore FILE | --clear |
 *           --force-expire  [options]
 *   options: -c FILE, -o key=value, --dbpath PATH, -q, --progress
 *
 * With no FILE, one message (or an mbox with --mbox) is read from standard
 * input. A folder is read whole, sub-folders included (so a maildir's cur/
 * and new/ are). The settings are filterd's (filterd.conf(5)): bayes_db and
 * the bayes_* tokenizer settings, so learning and scoring agree.
 *
 * EXIT STATUS: 0 done; 64 usage; 66 an input could not be read (the others
 * were learned); 74 the database failed (nothing of the failed batch kept);
 * 78 a bad configuration.
 * Untrusted input: the messages (parsed by mail/, tokenized by bayes/).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bayes/salearn.h"
#include "bayes/store.h"
#include "filterd/check_bayes.h"
#include "filterd/message.h"
#include "filterd/settings.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/mem.h"

#define BATCH 10000 /* messages learned in one transaction (one sync each) */

enum mode { M_NONE, M_LEARN, M_DUMP, M_BACKUP, M_RESTORE, M_CLEAR, M_EXPIRE };

struct run {
    enum mode mode;
    enum bayes_seen cls; /* learning: spam, ham, or NONE to forget */
    bool mbox, quiet, progress;
    const char *dump, *restore;
    struct check_bayes_config cfg;
    struct mail_limits limits;
    struct bayes_store *store;
    unsigned long examined, learned, in_batch;
    int status;
    time_t last_progress;
    int argc;
    char **argv;
};

static void
usage(FILE *f)
{
    fputs("usage: salearn --spam|--ham|--forget [--mbox|--maildir] [options] [FILE|DIR]...\n"
          "       salearn --dump [magic|data|all] | --backup | --restore FILE | --clear |\n"
          "               --force-expire [options]\n"
          "options: -c FILE  -o key=value  --dbpath PATH  -q  --progress\n",
          f);
}

static int
flush_batch(struct run *r, bool reopen)
{
    struct str err;
    str_init(&err, 4096);
    int rc = bayes_store_commit(r->store, &err);
    if (rc == 0 && reopen)
        rc = bayes_store_begin(r->store, &err);
    if (rc < 0)
        fprintf(stderr, "salearn: %s\n", str_cstr(&err));
    str_deinit(&err);
    r->in_batch = 0;
    return rc;
}

static void
progress(struct run *r, bool last)
{
    if (!r->progress)
        return;
    time_t now = time(NULL);
    if (!last && now == r->last_progress)
        return;
    r->last_progress = now;
    fprintf(stderr, "\rsalearn: %lu examined, %lu learned%s", r->examined, r->learned,
            last ? "\n" : "");
}

/* Learn one parsed message. Returns 0, or -1 when the database failed. */
static int
learn_message(struct run *r, struct message *m)
{
    struct bayes_tokens t;
    bayes_tokens_init(&t, m->arena);
    check_bayes_tokenize(m, &r->cfg.tok, &t);
    uint64_t *sorted = bayes_tokens_sorted(&t);
    struct str err;
    str_init(&err, 4096);
    int res = bayes_learn(r->store, sorted, t.n, r->cls, (uint32_t)time(NULL), &err);
    if (res < 0)
        fprintf(stderr, "salearn: %s: %s\n", m->name, str_cstr(&err));
    str_deinit(&err);
    if (res < 0)
        return -1;
    r->examined++;
    r->learned += res == BAYES_LEARNED;
    progress(r, false);
    if (++r->in_batch >= BATCH)
        return flush_batch(r, true);
    return 0;
}

static int
learn_memory(struct run *r, const char *p, size_t n, const char *name)
{
    struct message *m = message_from_memory(p, n, &r->limits);
    m->name = name;
    int rc = learn_message(r, m);
    message_free(&m);
    return rc;
}

/* An mbox: messages start at "From " lines (at the start or after a
 * newline). */
static int
learn_mbox(struct run *r, struct slice box, const char *name)
{
    size_t start = 0;
    for (size_t i = 0; i <= box.len; i++) {
        bool cut = i == box.len ||
                   (i > start && box.ptr[i - 1] == '\n' && box.len - i >= 5 &&
                    memcmp(box.ptr + i, "From ", 5) == 0);
        if (!cut)
            continue;
        if (i > start && learn_memory(r, box.ptr + start, i - start, name) < 0)
            return -1;
        start = i;
    }
    return 0;
}

static int
learn_fd(struct run *r, int fd, const char *name)
{
    struct str s;
    str_init(&s, (size_t)r->limits.message_max * (r->mbox ? 64 : 1));
    int rc = 0;
    if (fdio_read_to_str(fd, &s) < 0 && errno != EFBIG) {
        fprintf(stderr, "salearn: %s: %s\n", name, strerror(errno));
        r->status = EX_NOINPUT;
    } else if (r->mbox) {
        rc = learn_mbox(r, str_slice(&s), name);
    } else if (s.len) {
        rc = learn_memory(r, s.buf, s.len, name);
    }
    str_deinit(&s);
    return rc;
}

static int learn_path(struct run *r, const char *path);

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
learn_dir(struct run *r, const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "salearn: %s: %s\n", path, strerror(errno));
        r->status = EX_NOINPUT;
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue; /* ., .., and maildir's hidden files */
        if (n == cap)
            names = xreallocarray(names, cap = cap ? cap * 2 : 64, sizeof(*names));
        struct str p;
        str_init(&p, 0);
        str_appendf(&p, "%s/%s", path, e->d_name);
        names[n++] = str_steal(&p, NULL);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = learn_path(r, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int
learn_path(struct run *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "salearn: %s: %s\n", path, strerror(errno));
        r->status = EX_NOINPUT;
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return learn_dir(r, path);
    if (!r->mbox) {
        struct str err;
        str_init(&err, 1024);
        struct message *m = message_load(path, &r->limits, &err);
        int rc = 0;
        if (m == NULL) {
            fprintf(stderr, "salearn: %s: %s\n", path, str_cstr(&err));
            r->status = EX_NOINPUT;
        } else {
            rc = learn_message(r, m);
            message_free(&m);
        }
        str_deinit(&err);
        return rc;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "salearn: %s: %s\n", path, strerror(errno));
        r->status = EX_NOINPUT;
        return 0;
    }
    int rc = learn_fd(r, fileno(f), path);
    fclose(f);
    return rc;
}

static int
learn_all(struct run *r, int argc, char **argv)
{
    struct str err;
    str_init(&err, 4096);
    if (bayes_store_begin(r->store, &err) < 0) {
        fprintf(stderr, "salearn: %s\n", str_cstr(&err));
        str_deinit(&err);
        return EX_IOERR;
    }
    str_deinit(&err);
    int rc = 0;
    if (argc == 0)
        rc = learn_fd(r, STDIN_FILENO, "-");
    for (int i = 0; i < argc && rc == 0; i++)
        rc = learn_path(r, argv[i]);
    if (rc < 0) {
        bayes_store_abort(r->store);
        return EX_IOERR;
    }
    if (flush_batch(r, false) < 0)
        return EX_IOERR;
    progress(r, true);
    if (!r->quiet)
        printf("Learned tokens from %lu message(s) (%lu message(s) examined)\n", r->learned,
               r->examined);
    return r->status;
}

/* The database commands. */
static int
db_command(struct run *r)
{
    struct str err;
    str_init(&err, 4096);
    int rc = 0;
    switch (r->mode) {
    case M_DUMP:
        rc = salearn_dump(r->store, r->dump, &r->cfg.params, stdout, &err);
        break;
    case M_BACKUP:
        rc = salearn_backup(r->store, stdout, &err);
        break;
    case M_RESTORE: {
        FILE *f = strcmp(r->restore, "-") == 0 ? stdin : fopen(r->restore, "r");
        if (f == NULL) {
            fprintf(stderr, "salearn: %s: %s\n", r->restore, strerror(errno));
            str_deinit(&err);
            return EX_NOINPUT;
        }
        rc = salearn_restore(r->store, f, r->restore, &err);
        if (f != stdin)
            fclose(f);
        break;
    }
    case M_CLEAR:
        rc = salearn_clear(r->store, &err);
        break;
    default:
        rc = salearn_expire(r->store, r->cfg.expire_age, stdout, &err);
        break;
    }
    if (rc < 0)
        fprintf(stderr, "salearn: %s\n", str_cstr(&err));
    str_deinit(&err);
    return rc < 0 ? EX_IOERR : 0;
}

/* Read the configuration; returns 0 or EX_CONFIG. */
static int
configure(struct run *r, const char *conf, char **over, size_t nover, const char *dbpath)
{
    struct config *c = settings_new();
    int bad = 0;
    /* filterd's file when there is one, so both use the same database. */
    const char *file = conf ? conf : FILTERD_CONFIG_DEFAULT;
    if ((conf || access(file, F_OK) == 0) && config_load_file(c, file) < 0)
        bad = 1;
    for (size_t i = 0; i < nover; i++)
        bad |= config_set_override(c, over[i]) < 0;
    struct str o;
    str_init(&o, 0);
    str_appendf(&o, "bayes_db=%s", dbpath ? dbpath : "");
    if (dbpath)
        bad |= config_set_override(c, str_cstr(&o)) < 0;
    str_deinit(&o);
    struct str err;
    str_init(&err, 0);
    if (!bad && (settings_validate(c, &err) < 0 || check_bayes_config(c, &r->cfg, &err) < 0))
        bad = 1;
    config_print_errors(c, stderr);
    if (err.len)
        fprintf(stderr, "salearn: %s", str_cstr(&err));
    str_deinit(&err);
    if (!bad) {
        r->limits = settings_limits(c);
        r->cfg.db = xstrdup(r->cfg.db); /* outlives c */
    }
    config_free(&c);
    return bad ? EX_CONFIG : 0;
}

static void
set_mode(struct run *r, enum mode m)
{
    if (r->mode != M_NONE && r->mode != m) {
        fputs("salearn: give one of --spam, --ham, --forget, --dump, --backup, --restore, "
              "--clear, --force-expire\n",
              stderr);
        exit(EX_USAGE);
    }
    r->mode = m;
}

/* --spam, --ham, --forget: one of them, once (the same one twice is fine). */
static void
learn_mode(struct run *r, enum bayes_seen cls)
{
    if (r->mode == M_LEARN && r->cls != cls)
        set_mode(r, M_DUMP); /* two learning modes: refused there */
    set_mode(r, M_LEARN);
    r->cls = cls;
}

static const struct option longopts[] = {
    {"spam", no_argument, NULL, 's'},        {"ham", no_argument, NULL, 'H'},
    {"nonspam", no_argument, NULL, 'H'},     {"forget", no_argument, NULL, 'f'},
    {"mbox", no_argument, NULL, 'm'},        {"maildir", no_argument, NULL, 'M'},
    {"dbpath", required_argument, NULL, 'd'}, {"dump", optional_argument, NULL, 'D'},
    {"backup", no_argument, NULL, 'b'},      {"restore", required_argument, NULL, 'r'},
    {"clear", no_argument, NULL, 'C'},       {"force-expire", no_argument, NULL, 'E'},
    {"expire", no_argument, NULL, 'E'},      {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, 'p'},    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
parse_option(struct run *r, int ch, const char **conf, char ***over, size_t *nover,
             const char **dbpath)
{
    switch (ch) {
    case 's': learn_mode(r, BAYES_SEEN_SPAM); break;
    case 'H': learn_mode(r, BAYES_SEEN_HAM); break;
    case 'f': learn_mode(r, BAYES_SEEN_NONE); break;
    case 'm': r->mbox = true; break;
    case 'M': r->mbox = false; break;
    case 'd': *dbpath = optarg; break;
    case 'D':
        set_mode(r, M_DUMP);
        r->dump = optarg ? optarg : "all";
        if (!optarg && optind < r->argc && r->argv[optind][0] != '-')
            r->dump = r->argv[optind++]; /* "--dump magic", as sa-learn takes it */
        break;
    case 'b': set_mode(r, M_BACKUP); break;
    case 'r': set_mode(r, M_RESTORE), r->restore = optarg; break;
    case 'C': set_mode(r, M_CLEAR); break;
    case 'E': set_mode(r, M_EXPIRE); break;
    case 'q': r->quiet = true; break;
    case 'p': r->progress = true; break;
    case 'c': *conf = optarg; break;
    case 'o':
        *over = xreallocarray(*over, *nover + 1, sizeof(**over));
        (*over)[(*nover)++] = optarg;
        break;
    case 'h': usage(stdout), exit(0);
    default: usage(stderr), exit(EX_USAGE);
    }
}

int
main(int argc, char **argv)
{
    struct run r = {.mode = M_NONE, .argc = argc, .argv = argv};
    const char *conf = NULL, *dbpath = NULL;
    char **over = NULL;
    size_t nover = 0;
    int ch;
    log_open("salearn", false);
    r.progress = isatty(STDERR_FILENO);
    while ((ch = getopt_long(argc, argv, "c:o:qh", longopts, NULL)) != -1)
        parse_option(&r, ch, &conf, &over, &nover, &dbpath);
    if (r.quiet)
        r.progress = false;
    if (r.mode == M_NONE || (r.mode != M_LEARN && optind < argc)) {
        usage(stderr);
        return EX_USAGE;
    }
    int rc = configure(&r, conf, over, nover, dbpath);
    free(over);
    if (rc)
        return rc;
    bool writes = r.mode != M_DUMP && r.mode != M_BACKUP;
    struct str err;
    str_init(&err, 4096);
    int o = bayes_store_open(r.cfg.db, writes ? BAYES_STORE_WRITE | BAYES_STORE_CREATE : 0,
                             &r.store, &err);
    if (o != 0) {
        fprintf(stderr, "salearn: %s\n",
                o < 0 ? str_cstr(&err) : "no database yet: nothing learned");
        str_deinit(&err);
        free((char *)r.cfg.db);
        return o < 0 ? EX_IOERR : EX_NOINPUT;
    }
    str_deinit(&err);
    rc = r.mode == M_LEARN ? learn_all(&r, argc - optind, argv + optind) : db_command(&r);
    bayes_store_close(&r.store);
    free((char *)r.cfg.db);
    return rc;
}
