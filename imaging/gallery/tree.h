/* tree: the gallery's tree of folders, shared by gallery.c (the tree, its events, open and close)
 * and write.c (gallery_write). Private to the gallery room; every function here is called with
 * g->mu held. */
#ifndef IMAGING_GALLERY_TREE_H
#define IMAGING_GALLERY_TREE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "gallery/gallery.h"
#include "gallery/model.h"

struct gallery {
    gallery_cfg_t cfg;
    store_t *store;
    void *local;   /* the store's per-thread state for the gallery's reads (g->mu held) */
    void *writing; /* and for gallery_write's puts (without g->mu: its calls never overlap) */
    g_site_t site;
    pthread_mutex_t mu;
    void *folders; /* tsearch tree of g_folder_t, by rel */
    g_folder_t **list;
    size_t n, cap;
    g_folder_t *last; /* the folder asked for last: a listing asks for one many times in a row */
    bool failed;      /* out of memory: nothing may be written */
    /* A loaded state or an event has recorded a failure or clash somewhere (never unset): else
     * an up-to-date thumbnail has nothing to change (gallery_task). */
    atomic_bool problems;
    /* The pass over SRC being listed or settled (1: the first, or a run's only listing; under
     * --watch each gallery_pass_start begins the next): each failure and clash records the
     * pass that last settled it, so that gallery_write drops those a whole pass did not. */
    unsigned pass;
    bool began_passes; /* gallery_pass_start was called */
    bool checked;      /* a gallery_write has looked for each stored folder's page (and --force has
                        * rewritten them all): later writes of a --watch write only what changed */
};

/* The folder rel (n bytes), its state loaded from the store the first time it is asked for
 * (NULL when out of memory: the gallery is marked failed). */
g_folder_t *g_folder_at(gallery_t *g, const char *rel, size_t n);

/* f's thumbnails as records (state.c keeps a loaded state's as text until then). */
g_folder_t *g_thumbs_of(gallery_t *g, g_folder_t *f);

/* DST/rel/NAME (rel "" for DST itself), malloc'd. */
char *g_addr_of(const gallery_t *g, const char *rel, const char *name);

#endif
