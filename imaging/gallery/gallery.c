/* The gallery's tree of folders and its events; state.c reads and writes each folder's state,
 * page.c its page, write.c writes what changed (gallery.h says what the gallery does,
 * docs/DESIGN.md why so). */
#include "gallery/gallery.h"

#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/naming.h"
#include "gallery/model.h"
#include "gallery/tree.h"

static void free_nothing(void *p)
{
    (void)p; /* the folders are freed from the list */
}

static int folder_cmp(const void *a, const void *b)
{
    return strcmp(((const g_folder_t *)a)->rel, ((const g_folder_t *)b)->rel);
}

char *g_addr_of(const gallery_t *g, const char *rel, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s%s%s", g->cfg.dst, rel, rel[0] ? "/" : "", name) < 0 ? NULL : p;
}

g_folder_t *g_folder_at(gallery_t *g, const char *rel, size_t n)
{
    if (g->last != NULL && g->last->rellen == n && memcmp(g->last->rel, rel, n) == 0)
        return g->last;
    char *key = strndup(rel, n);
    g_folder_t probe = {.rel = key}, *f = NULL;
    void **slot = key ? tfind(&probe, &g->folders, folder_cmp) : NULL;
    if (slot != NULL) {
        free(key);
        return g->last = *slot;
    }
    if (key != NULL && grow(&g->list, g->n, &g->cap, sizeof *g->list) &&
        (f = calloc(1, sizeof *f)) != NULL)
        f->rel = key, f->rellen = n;
    if (f == NULL || tsearch(f, &g->folders, folder_cmp) == NULL) {
        free(key);
        free(f);
        g->failed = true;
        return NULL;
    }
    f->depth = n == 0 ? 0 : 1;
    for (size_t i = 0; i < n; i++)
        f->depth += key[i] == '/';
    g->list[g->n++] = f;
    char *path = g_addr_of(g, key, GALLERY_STATE), *buf = NULL, err[300];
    size_t len = 0;
    int rc = path ? g->store->ops->get(g->store, g->local, path, &buf, &len, err, sizeof err) : -1;
    if (rc == 0) {
        f->stored = true;
        state_parse(f, buf, &g->site);
        if (f->nproblems > 0)
            atomic_store_explicit(&g->problems, true, memory_order_relaxed);
    } else if (rc < 0) {
        f->dirty = true; /* unreadable: written anew */
    }
    free(buf);
    free(path);
    return g->last = f;
}

/* The folder of the source at rel (relative to SRC), and its name in it. */
static g_folder_t *folder_of(gallery_t *g, const char *rel, const char **name)
{
    const char *slash = strrchr(rel, '/');
    *name = slash ? slash + 1 : rel;
    return g_folder_at(g, rel, slash ? (size_t)(slash - rel) : 0);
}

static g_thumb_t *find_thumb(g_folder_t *f, const char *key)
{
    g_thumb_t probe = {.key = (char *)key};
    void **slot = tfind(&probe, &f->thumbs, g_thumb_cmp);
    return slot ? *slot : NULL;
}

bool gallery_knows(gallery_t *g, const task_t *t)
{
    if (t->nouts < 1 || t->outs[0].dst == NULL)
        return false;
    pthread_mutex_lock(&g->mu);
    const char *name;
    g_folder_t *f = folder_of(g, t->rel, &name);
    const char *files[THUMB_MAX_SIZES];
    for (int i = 0; i < t->nouts; i++)
        files[i] = g_base_name(t->outs[i].dst);
    bool known = false;
    unsigned paint = g_painted(&g->site); /* a thumbnail without it is made again, once */
    if (f != NULL && f->lines != NULL) {
        known = state_knows(f, name, files, t->nouts, paint);
    } else if (f != NULL) {
        g_thumb_t *th = find_thumb(f, files[0]);
        known = th != NULL && strcmp(th->src, name) == 0 && th->nouts == t->nouts &&
                !(paint == PLACEHOLDER_THUMBHASH && th->thumbhash[0] == '\0') &&
                !(paint == PLACEHOLDER_BLURHASH && th->blurhash[0] == '\0');
        for (int i = 0; known && i < t->nouts; i++)
            known = strcmp(th->outs[i].file, files[i]) == 0;
    }
    pthread_mutex_unlock(&g->mu);
    return known;
}

static bool same_thumb(const g_thumb_t *a, const g_thumb_t *b)
{
    char da[32], db[32];
    snprintf(da, sizeof da, "%.3f", a->duration); /* as the state keeps it */
    snprintf(db, sizeof db, "%.3f", b->duration);
    bool same = strcmp(a->src, b->src) == 0 && strcmp(a->kind, b->kind) == 0 &&
                strcmp(da, db) == 0 && a->frames == b->frames && a->nouts == b->nouts &&
                strcmp(a->thumbhash, b->thumbhash) == 0 && strcmp(a->blurhash, b->blurhash) == 0;
    for (int i = 0; same && i < a->nouts; i++)
        same = strcmp(a->outs[i].file, b->outs[i].file) == 0 && a->outs[i].w == b->outs[i].w &&
               a->outs[i].h == b->outs[i].h;
    return same;
}

g_folder_t *g_thumbs_of(gallery_t *g, g_folder_t *f)
{
    if (f != NULL && f->lines != NULL)
        state_thumbs(f, &g->site);
    return f;
}

static void made(gallery_t *g, g_folder_t *f, const task_t *t, const char *name)
{
    g_thumbs_of(g, f);
    g_thumb_t *th = calloc(1, sizeof *th);
    bool ok = th != NULL && (th->src = strdup(name)) != NULL;
    for (int i = 0; ok && i < t->nouts; i++) {
        th->outs[i] = (g_out_t){.file = strdup(g_base_name(t->outs[i].dst)),
                                .w = t->outs[i].width,
                                .h = t->outs[i].height};
        ok = th->outs[i].file != NULL;
        th->nouts += ok;
    }
    if (!ok) {
        g_thumb_free(th);
        g->failed = true;
        return;
    }
    th->key = th->outs[0].file;
    snprintf(th->kind, sizeof th->kind, "%s", t->meta.kind);
    th->duration = t->meta.duration;
    th->frames = t->outs[0].frames;
    memcpy(th->thumbhash, t->meta.thumbhash, sizeof th->thumbhash);
    memcpy(th->blurhash, t->meta.blurhash, sizeof th->blurhash);
    th->thumbhash[sizeof th->thumbhash - 1] = th->blurhash[sizeof th->blurhash - 1] = '\0';
    const g_thumb_t *old = find_thumb(f, th->key);
    if (old != NULL && same_thumb(old, th)) {
        g_thumb_free(th);
        return;
    }
    size_t n = f->nthumbs;
    g_put(&f->thumbs, &f->nthumbs, th, g_thumb_cmp, g_thumb_free);
    g->failed |= old == NULL && f->nthumbs == n; /* (lost: out of memory) */
    f->dirty = true;
}

static void drop_problem(g_folder_t *f, const char *name)
{
    g_problem_t probe = {.src = (char *)name};
    if (g_del(&f->problems, &f->nproblems, &probe, g_problem_cmp, g_problem_free))
        f->dirty = true;
}

/* Sets name's problem to text; a failure known from its record (same_failure) keeps the words its
 * page already gives (the decoder's, from when it was tried). */
static void set_problem(gallery_t *g, g_folder_t *f, const char *name, const char *text, bool clash,
                        bool same_failure)
{
    g_problem_t probe = {.src = (char *)name};
    void **slot = tfind(&probe, &f->problems, g_problem_cmp);
    g_problem_t *old = slot ? *slot : NULL;
    if (old != NULL && old->clash == clash && (same_failure || strcmp(old->text, text) == 0)) {
        old->seen = g->pass;
        return;
    }
    g_problem_t *p = calloc(1, sizeof *p);
    if (p == NULL || (p->src = strdup(name)) == NULL || (p->text = strdup(text)) == NULL) {
        g_problem_free(p);
        g->failed = true;
        return;
    }
    p->clash = clash;
    p->seen = g->pass;
    atomic_store_explicit(&g->problems, true, memory_order_relaxed);
    g_put(&f->problems, &f->nproblems, p, g_problem_cmp, g_problem_free);
    f->dirty = true;
}

void gallery_task(gallery_t *g, const task_t *t)
{
    /* A rerun's common case: up to date, and no problem recorded anywhere to drop (its folder was
     * loaded by gallery_knows, in the lister thread that settles it): nothing to do. */
    if (t->status == TASK_UP_TO_DATE && !atomic_load_explicit(&g->problems, memory_order_relaxed))
        return;
    pthread_mutex_lock(&g->mu);
    const char *name;
    g_folder_t *f = folder_of(g, t->rel, &name);
    if (f != NULL && t->status == TASK_MADE) {
        made(g, f, t, name);
        drop_problem(f, name);
    } else if (f != NULL && t->status == TASK_UP_TO_DATE && f->nproblems > 0) {
        drop_problem(f, name); /* (a rerun's common case, nothing to drop, costs no search) */
    } else if (f != NULL && t->status == TASK_FAILED) {
        /* A failure its record vouches for keeps the words the page had; a page that had none
         * (the record made by a run without --html) says so plainly, naming no hidden file. */
        const char *why = t->failed_before ? "failed before and has not changed since (--force "
                                             "tries again)"
                          : t->error       ? t->error
                                           : "failed";
        set_problem(g, f, name, why, false, t->failed_before);
    } else if (f != NULL && t->status == TASK_SKIPPED && t->owner != NULL) {
        set_problem(g, f, name, t->owner, true, false);
    } /* other skips (not an image, --no-video, gone) show nothing */
    pthread_mutex_unlock(&g->mu);
}

void gallery_gone(gallery_t *g, const char *rel)
{
    if (!atomic_load_explicit(&g->problems, memory_order_relaxed))
        return; /* no failure or clash recorded anywhere */
    pthread_mutex_lock(&g->mu);
    const char *name;
    g_folder_t *f = folder_of(g, rel, &name);
    if (f != NULL)
        drop_problem(f, name);
    pthread_mutex_unlock(&g->mu);
}

void gallery_pass_start(gallery_t *g)
{
    pthread_mutex_lock(&g->mu);
    if (g->began_passes) /* (the first is pass 1, as a run without passes is) */
        g->pass++;
    g->began_passes = true;
    pthread_mutex_unlock(&g->mu);
}

typedef struct {
    const char *file;
    g_thumb_t *hit;
} file_search_t;

static void search_file(const void *node, VISIT which, void *ctx)
{
    file_search_t *s = ctx;
    const g_thumb_t *t = *(g_thumb_t *const *)node;
    if (which != postorder && which != leaf)
        return;
    for (int i = 0; s->hit == NULL && i < t->nouts; i++)
        if (strcmp(t->outs[i].file, s->file) == 0)
            s->hit = (g_thumb_t *)t;
}

void gallery_removed(gallery_t *g, const char *addr)
{
    size_t dn = strlen(g->cfg.dst);
    if (strncmp(addr, g->cfg.dst, dn) != 0 || addr[dn] != '/')
        return;
    const char *rel = addr + dn + 1;
    if (g->site.per_size) /* DST/LABEL/rel */
        rel = strchr(rel, '/') ? strchr(rel, '/') + 1 : rel;
    const char *slash = strrchr(rel, '/'), *file = slash ? slash + 1 : rel;
    pthread_mutex_lock(&g->mu);
    g_folder_t *f = g_thumbs_of(g, g_folder_at(g, rel, slash ? (size_t)(slash - rel) : 0));
    g_thumb_t *t = f ? find_thumb(f, file) : NULL;
    if (f != NULL && t == NULL) { /* another size's name (--name with %z) */
        file_search_t s = {.file = file};
        twalk_r(f->thumbs, search_file, &s);
        t = s.hit;
    }
    if (t != NULL && g_del(&f->thumbs, &f->nthumbs, t, g_thumb_cmp, g_thumb_free))
        f->dirty = true;
    pthread_mutex_unlock(&g->mu);
}

/* The path from folder `from` to `to` (both existing, resolved), malloc'd: "../photos", "src",
 * "..", "."; NULL when either cannot be resolved. */
static char *relative(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(from, a) == NULL || realpath(to, b) == NULL)
        return NULL;
    size_t i = 0, cut = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '/')
            cut = i;
        i++;
    }
    if ((a[i] == '\0' && (b[i] == '/' || b[i] == '\0')) || (b[i] == '\0' && a[i] == '/'))
        cut = i; /* one is the other, or inside it */
    int ups = 0;
    for (const char *p = a + cut; *p; p++)
        ups += *p == '/' && p[1] != '\0' && p[1] != '/';
    const char *down = b + cut + (b[cut] == '/');
    char *r = malloc((size_t)ups * 3 + strlen(down) + 2);
    if (r == NULL)
        return NULL;
    r[0] = '\0';
    for (int k = 0; k < ups; k++)
        strcat(r, "../");
    strcat(r, down);
    size_t n = strlen(r);
    if (n > 0 && r[n - 1] == '/')
        r[n - 1] = '\0';
    if (r[0] == '\0')
        strcpy(r, ".");
    return r;
}

gallery_t *gallery_open(const gallery_cfg_t *cfg, char *err, size_t errsz)
{
    store_t *s = cfg->store;
    if (s->ops->get == NULL || s->ops->remove == NULL) {
        snprintf(err, errsz, "--html needs a folder or an S3 DST (this one cannot hold pages)");
        return NULL;
    }
    gallery_t *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    g->cfg = *cfg;
    g->store = s;
    g->pass = 1;
    pthread_mutex_init(&g->mu, NULL);
    const thumb_opts_t *o = cfg->opts;
    g->site.opts = o;
    g->site.per_size = o->nsizes > 1 && !name_template_has_size(o->name);
    g->site.title = strdup(g_base_name(cfg->dst)[0] ? g_base_name(cfg->dst) : cfg->dst);
    char labels[THUMB_MAX_SIZES * 32] = "";
    for (int i = 0; i < o->nsizes; i++)
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%s", i ? "," : "",
                 o->sizes[i].label);
    bool ok = asprintf(&g->site.signature, "%s|%s|%s", labels, format_ext(o->format),
                       o->name[0] ? o->name : "%s") >= 0;
    if (!ok)
        g->site.signature = NULL;
    if (cfg->src_dir != NULL)
        g->site.src_rel = relative(cfg->dst, cfg->src_dir); /* (NULL: no links to originals) */
    if (s->ops->thread_init != NULL && ((g->local = s->ops->thread_init(s)) == NULL ||
                                        (g->writing = s->ops->thread_init(s)) == NULL))
        ok = false;
    if (!ok || g->site.title == NULL) {
        snprintf(err, errsz, "out of memory");
        gallery_close(g);
        return NULL;
    }
    return g;
}

void gallery_close(gallery_t *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++) {
        g_folder_t *f = g->list[i];
        tdestroy(f->thumbs, g_thumb_free);
        free(f->lines);
        free(f->raw);
        tdestroy(f->problems, g_problem_free);
        tdestroy(f->subs, g_sub_free);
        free(f->rel);
        free(f);
    }
    tdestroy(g->folders, free_nothing);
    if (g->local != NULL && g->store->ops->thread_exit != NULL)
        g->store->ops->thread_exit(g->store, g->local);
    if (g->writing != NULL && g->store->ops->thread_exit != NULL)
        g->store->ops->thread_exit(g->store, g->writing);
    free(g->list);
    free(g->site.title);
    free(g->site.src_rel);
    free(g->site.signature);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
