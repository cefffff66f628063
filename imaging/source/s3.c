/* The S3 source: lists SRC's prefix with ListObjectsV2 (no delimiter: every key below it, in byte
 * order, a page at a time) and hands keys on as pages arrive. Keys with a hidden component, folder
 * markers ("x/") and, when DST is under SRC in the same bucket, DST's keys are passed over.
 *
 * Claims without holding the listing: a file's rivals for its output name are "STEM" and
 * "STEM.ext" in its folder, and in byte order every one of them comes before any key that does
 * not start with STEM, or whose next byte after STEM sorts after '.'. So a key waits in a small
 * window only until such a key arrives, then its group is settled and emitted: memory stays flat
 * however many keys the prefix holds.
 *
 * SRC naming one object (s3://BUCKET/KEY, no trailing slash, nothing below KEY/) is that object
 * alone, as a local SRC may be one file: its output is named by its last component.
 *
 * With --files-from, the list names keys relative to SRC's prefix, as paths are to a folder; each
 * entry costs one listing, of the keys that start with its stem: its size and date, and its rivals
 * for its output name, which settle its claim as the full listing would.
 *
 * Its openers GET each task's object into an anonymous memory file (memfd) that the decoder reads
 * like any file, each with a client (a connection) of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/naming.h"
#include "source/entries.h"
#include "source/source.h"

typedef struct {
    source_t base;
    s3_conf_t conf; /* its own, from the environment */
    char *bucket, *prefix;
    char *skip; /* DST's prefix when it lies under SRC in this bucket, else NULL */
    s3_client_t *lister_client;
    /* the window of keys whose rivals may still come; each file's name is its relative path */
    source_sink_t *k;
    src_file_t *win;
    size_t n, cap;
    bool go;
    bool listed;     /* a key was found below the prefix */
    bool may_be_one; /* SRC did not end with a slash: it may name one object */
    entries_t list;  /* --files-from (fd -1: none) */
} s3_src_t;

/* Bytes of rel up to the end of its stem: its folder, then its last component without the last
 * extension (as output_path replaces it). */
static size_t stem_len(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    const char *name = slash ? slash + 1 : rel;
    const char *dot = strrchr(name, '.');
    return (size_t)((dot && dot != name ? dot : name + strlen(name)) - rel);
}

/* True when no key from `next` on (NULL: the end) can be a rival of window entry i. */
static bool complete(const s3_src_t *s, size_t i, const char *next)
{
    if (next == NULL)
        return true;
    const char *rel = s->win[i].path + s->win[i].rel_off;
    size_t n = stem_len(rel);
    return strncmp(next, rel, n) != 0 || (unsigned char)next[n] > '.';
}

/* Settles and emits the window's complete entries, keeping the others in order. */
static void release(s3_src_t *s, const char *next)
{
    size_t done = 0;
    while (done < s->n && complete(s, done, next))
        done++;
    if (done == 0)
        return;
    claims_settle(s->win, done);
    if (s->go)
        s->go = s->k->emit(s->k, s->win, done);
    for (size_t i = 0; i < done; i++)
        src_file_free(&s->win[i]);
    memmove(s->win, s->win + done, (s->n - done) * sizeof *s->win);
    s->n -= done;
}

static bool hidden(const char *rel)
{
    if (rel[0] == '.')
        return true;
    for (const char *p = strchr(rel, '/'); p != NULL; p = strchr(p + 1, '/'))
        if (p[1] == '.')
            return true;
    return false;
}

/* Adds the object o, named by key from rel_off on, to the window. */
static void add(s3_src_t *s, const s3_obj_t *o, size_t rel_off, size_t name_off)
{
    char *path = NULL;
    if (!grow(&s->win, s->n, &s->cap, sizeof *s->win) ||
        asprintf(&path, "s3://%s/%s", s->bucket, o->key) < 0) {
        s->k->failure(s->k, o->key, "", "out of memory");
        return;
    }
    size_t at = strlen(path) - strlen(o->key); /* where the key starts */
    src_file_init(&s->win[s->n++], s->k->opts, path, at + rel_off, at + name_off, &o->mtime,
                  o->size);
}

static bool on_key(void *ctx, const s3_obj_t *o)
{
    s3_src_t *s = ctx;
    s->listed = true;
    size_t off = strlen(s->prefix);
    const char *rel = o->key + off;
    size_t len = strlen(rel);
    if (len == 0 || rel[len - 1] == '/' || hidden(rel) ||
        (s->skip && strncmp(o->key, s->skip, strlen(s->skip)) == 0))
        return s->go;
    release(s, rel);
    add(s, o, off, off);
    return s->go;
}

/* The one object SRC names (the prefix without its slash), if it is one. */
static bool on_one(void *ctx, const s3_obj_t *o)
{
    s3_src_t *s = ctx;
    size_t n = strlen(s->prefix) - 1;
    if (strncmp(o->key, s->prefix, n) == 0 && o->key[n] == '\0') {
        const char *slash = memrchr(o->key, '/', n);
        size_t name = slash ? (size_t)(slash - o->key) + 1 : 0;
        add(s, o, name, name);
    }
    return false;
}

/* The listed entry rel: its object and its rivals, the keys "STEM" and "STEM.ext" of its
 * folder, which in byte order come before any key whose byte after STEM sorts after '.'. */
typedef struct {
    s3_src_t *s;
    size_t stem_end; /* bytes of the key up to the end of the entry's stem */
} group_t;

static bool on_rival(void *ctx, const s3_obj_t *o)
{
    group_t *g = ctx;
    s3_src_t *s = g->s;
    const char *rest = o->key + g->stem_end;
    if ((unsigned char)rest[0] > '.')
        return false;
    if ((rest[0] == '\0' || rest[0] == '.') && strchr(rest, '/') == NULL && !hidden(o->key)) {
        size_t off = strlen(s->prefix);
        const char *slash = memrchr(o->key + off, '/', g->stem_end - off);
        add(s, o, off, slash ? (size_t)(slash - o->key) + 1 : off);
    }
    return true;
}

/* Handles one --files-from entry (relative to the prefix). False once the run is cancelled. */
static bool one_entry(s3_src_t *s, char *rel)
{
    source_sink_t *k = s->k;
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    size_t len = strlen(rel);
    if (len == 0 || rel[len - 1] == '/')
        return true; /* a folder marker, as a folder is passed over */
    char *key = NULL;
    if (asprintf(&key, "%s%s", s->prefix, rel) < 0) {
        k->failure(k, rel, NULL, "out of memory");
        return true;
    }
    char where[1200];
    snprintf(where, sizeof where, "s3://%s/%s", s->bucket, key);
    if (!rel_path_safe(rel)) {
        k->failure(k, where, NULL,
                   "not a path inside SRC (--files-from takes keys relative to its prefix)");
        free(key);
        return true;
    }
    group_t g = {s, strlen(s->prefix) + stem_len(rel)};
    char *stem = strndup(key, g.stem_end);
    s3_err_t e = {.kind = S3E_OTHER, .msg = "out of memory"};
    int rc = stem ? s3_list(s->lister_client, s->bucket, stem, false, 0, on_rival, &g, &e) : -1;
    free(stem);
    if (rc != 0 && e.kind == S3E_CANCELLED) {
        free(key);
        return false;
    }
    if (rc != 0) {
        char msg[320];
        snprintf(msg, sizeof msg, "cannot list: %s", e.msg);
        k->failure(k, where, NULL, msg);
    }
    claims_settle(s->win, s->n);
    size_t i = 0, at = strlen("s3://") + strlen(s->bucket) + 1;
    while (i < s->n && strcmp(s->win[i].path + at, key) != 0)
        i++;
    bool go = true;
    if (i < s->n)
        go = k->emit(k, &s->win[i], 1);
    else if (rc == 0)
        k->failure(k, where, NULL, "no such key");
    for (size_t j = 0; j < s->n; j++)
        src_file_free(&s->win[j]);
    s->n = 0;
    free(key);
    return go;
}

static void list_entries(s3_src_t *s)
{
    bool cancelled = false;
    int err = 0;
    char *entry;
    while ((entry = entries_next(&s->list, s->k->done, &cancelled, &err)) != NULL)
        if (!one_entry(s, entry))
            break;
    if (err != 0)
        s->k->failure(s->k, "--files-from", NULL, strerror(err));
}

static void s3_list_src(source_t *base, source_sink_t *k)
{
    s3_src_t *s = (s3_src_t *)base;
    s->k = k;
    s->go = true;
    if (s->list.fd >= 0) {
        list_entries(s);
        return;
    }
    s3_err_t e;
    if (s3_list(s->lister_client, s->bucket, s->prefix, false, 0, on_key, s, &e) != 0 &&
        e.kind != S3E_CANCELLED) {
        char where[512], msg[320];
        snprintf(where, sizeof where, "s3://%s/%s", s->bucket, s->prefix);
        snprintf(msg, sizeof msg, "cannot list: %s", e.msg);
        k->failure(k, where, "", msg);
    } else if (!s->listed && s->may_be_one) {
        char *key = strndup(s->prefix, strlen(s->prefix) - 1);
        if (key == NULL ||
            (s3_list(s->lister_client, s->bucket, key, false, 1, on_one, s, &e) != 0 &&
             e.kind != S3E_CANCELLED)) {
            char where[512], msg[320];
            snprintf(where, sizeof where, "s3://%s/%s", s->bucket, key ? key : s->prefix);
            snprintf(msg, sizeof msg, "cannot list: %s", key ? e.msg : "out of memory");
            k->failure(k, where, "", msg);
        }
        free(key);
    }
    release(s, NULL);
}

static void *s3_src_thread_init(source_t *base)
{
    return s3_client_new(&((s3_src_t *)base)->conf);
}

static int s3_src_open(source_t *base, void *local, task_t *t, char *err, size_t errsz)
{
    s3_src_t *s = (s3_src_t *)base;
    t->unreadable = true; /* unless the download succeeds */
    int fd = memfd_create("thumbgen-source", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsz, "cannot download: cannot hold it in memory: %s", strerror(errno));
        return -1;
    }
    const char *key = t->src + 5 + strlen(s->bucket) + 1;
    s3_err_t e;
    int rc = s3_get(local, s->bucket, key, fd, &e);
    if (rc != 0 && e.kind == S3E_NOT_FOUND) { /* every key was listed before its task was made */
        snprintf(err, errsz, "gone before its turn (deleted since it was listed)");
        t->reason = "gone";
    } else if (rc != 0) {
        snprintf(err, errsz, "cannot download: %s", e.kind == S3E_CANCELLED ? "cancelled" : e.msg);
    } else if (lseek(fd, 0, SEEK_SET) !=
               0) { /* as a fresh open is: FFmpeg reads from where it is */
        snprintf(err, errsz, "cannot download: %s", strerror(errno));
    } else {
        t->unreadable = false;
        return fd;
    }
    close(fd);
    return -1;
}

static void s3_src_thread_exit(source_t *base, void *local)
{
    (void)base;
    s3_client_free(local);
}

static void s3_src_close(source_t *base)
{
    s3_src_t *s = (s3_src_t *)base;
    for (size_t i = 0; i < s->n; i++)
        src_file_free(&s->win[i]);
    free(s->win);
    s3_client_free(s->lister_client);
    free(s->bucket);
    free(s->prefix);
    free(s->skip);
    s3_conf_free(&s->conf);
    entries_close(&s->list);
    free(s);
}

static void s3_src_stats(source_t *base, uint64_t made, char *buf, size_t size)
{
    s3_conf_stats(&((s3_src_t *)base)->conf, made, buf, size);
}

source_t *source_s3_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    static const source_ops_t ops = {.list = s3_list_src,
                                     .thread_init = s3_src_thread_init,
                                     .open = s3_src_open,
                                     .thread_exit = s3_src_thread_exit,
                                     .stats = s3_src_stats,
                                     .close = s3_src_close};
    if (cfg->watch) {
        snprintf(err, errsz,
                 "--watch needs a local SRC: S3 tells of changes only through bucket "
                 "notifications, which a deployment sets up (run thumbgen on a schedule, or "
                 "with --files-from from such a notification, instead)");
        return NULL;
    }
    s3_src_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->list.fd = -1;
    if (cfg->files_from != NULL && entries_open(&s->list, cfg->files_from, cfg->list_sep) != 0) {
        snprintf(err, errsz, "%s: %s", cfg->files_from, strerror(errno));
        s3_src_close(&s->base);
        return NULL;
    }
    s->base = (source_t){.ops = &ops, .openers = cfg->openers ? cfg->openers : 1};
    s->lister_client = s3_open_place(&s->conf, cfg->retries, cfg->done, cfg->src, &s->bucket,
                                     &s->prefix, err, errsz);
    if (s->lister_client == NULL) {
        s3_src_close(&s->base);
        return NULL;
    }
    size_t n = strlen(cfg->src);
    s->may_be_one = s->prefix[0] != '\0' && cfg->src[n - 1] != '/';
    char *db = NULL, *dp = NULL;
    if (s3_parse_url(cfg->dst, &db, &dp) && strcmp(db, s->bucket) == 0 &&
        strncmp(dp, s->prefix, strlen(s->prefix)) == 0) {
        s->skip = dp;
        dp = NULL;
    }
    free(db);
    free(dp);
    return &s->base;
}
