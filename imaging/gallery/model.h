/* model: what the gallery knows of one DST folder (its state), shared by gallery.c (events, the
 * tree), write.c (the writing), state.c (the state file), page.c (the HTML) and paint.c (its
 * placeholders). Private to the gallery room.
 *
 * Error convention: state_parse cannot fail (what it cannot read is left out, and the folder
 * marked dirty so that it is written anew); state_format and page_html return a malloc'd text, or
 * NULL on ENOMEM. */
#ifndef IMAGING_GALLERY_MODEL_H
#define IMAGING_GALLERY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/options.h"
#include "core/task.h"

/* One output of a thumbnail: its file name in its folder, and its size (one frame's). */
typedef struct g_out {
    char *file;
    int w, h;
} g_out_t;

/* One thumbnail in DST (keyed by its first output's file name: one entry per name). */
typedef struct g_thumb {
    char *key; /* outs[0].file */
    char *src; /* the source's file name */
    char kind[16];
    double duration; /* a clip's, in seconds */
    int frames;      /* an animation's; 0 or 1: a still */
    /* Its placeholders (--placeholder), as the manifest has them; "": none. */
    char thumbhash[sizeof((task_meta_t *)0)->thumbhash];
    char blurhash[sizeof((task_meta_t *)0)->blurhash];
    int nouts;
    g_out_t outs[THUMB_MAX_SIZES];
} g_thumb_t;

/* A source of the folder that has no thumbnail to show: a failure (text: the reason) or a name
 * clash's loser (text: the owner's path relative to SRC). */
typedef struct g_problem {
    char *src;
    char *text;
    bool clash;
    unsigned seen; /* the pass over SRC that last settled it (tree.h); 0: only its state has */
} g_problem_t;

/* A subfolder, as the folder's page shows it: its thumbnails and problems, its own and its
 * subfolders', and its cover (a thumbnail's path relative to DST and size; NULL: none). */
typedef struct g_sub {
    char *name;
    uint64_t count, problems;
    char *cover;
    int cw, ch;
    char hash[sizeof((task_meta_t *)0)->thumbhash]; /* its cover's painted placeholder; "": none */
} g_sub_t;

/* A thumbnail's line of a loaded state, kept as text until something needs it as a record, with
 * what state_knows compares found as it is loaded (fields as escaped in the line). */
typedef struct g_line {
    const char *key, *src; /* its first output's file name, its source's name */
    unsigned keylen, srclen;
    unsigned tail;        /* the fields after key */
    unsigned char hashes; /* PLACEHOLDER_ flags: the hashes it holds */
    bool plain;           /* nothing escaped in key and src (most names): compared as bytes */
    char *line;
} g_line_t;

typedef struct g_folder {
    char *rel;     /* below DST's mirrored root ("" for the top), as SRC's folders are named */
    size_t rellen; /* (strlen(rel)) */
    int depth;     /* its components */
    void *thumbs, *problems, *subs; /* tsearch trees of the above, by key, src and name */
    size_t nthumbs, nproblems, nsubs;
    /* While lines is not NULL, the thumbnails are still the loaded state's text (raw), one line
     * each in the order of their keys, and thumbs is empty: a rerun that changes nothing only
     * looks them up (state_knows); whatever reads or changes them first calls state_thumbs. */
    char *raw;
    g_line_t *lines;
    size_t nlines;
    size_t hint; /* the line after the one state_knows found last: a listing asks in order */
    bool dirty;  /* its page and state differ from what the store holds */
    bool due;    /* to be written by the gallery_write in progress (its dirty, taken as it began:
                  * an event meanwhile dirties it again, for the next write) */
    bool stored; /* the store held a state for it */
} g_folder_t;

/* What every page of a run shares. */
typedef struct g_site {
    const thumb_opts_t *opts;
    bool per_size;   /* each size in a folder of its own: DST/LABEL/rel */
    char *title;     /* the top page's name: DST's last component */
    char *src_rel;   /* the path from DST to SRC's folder, for originals; NULL: no links */
    char *signature; /* the options the names and sizes depend on, as the state records them */
} g_site_t;

/* A thumbnail's output i's path relative to DST (malloc'd; NULL on ENOMEM). */
char *g_out_path(const g_site_t *site, const char *folder, const g_thumb_t *t, int i);

/* The index of t's smallest and largest outputs (by area). */
int g_smallest(const g_thumb_t *t);
int g_largest(const g_thumb_t *t);

/* The trees' orders, for tsearch. */
int g_thumb_cmp(const void *a, const void *b);
int g_problem_cmp(const void *a, const void *b);
int g_sub_cmp(const void *a, const void *b);

void g_thumb_free(void *p);
void g_problem_free(void *p);
void g_sub_free(void *p);

/* Adds item to tree (*n counted), replacing an equal one (freed with release). */
void g_put(void **tree, size_t *n, void *item, int (*cmp)(const void *, const void *),
           void (*release)(void *));

/* Removes the item equal to probe from tree (freeing it with release): true when it was there. */
bool g_del(void **tree, size_t *n, const void *probe, int (*cmp)(const void *, const void *),
           void (*release)(void *));

/* The tree's items in order, malloc'd (NULL when empty or out of memory: *ok false then). */
void **g_items(void *tree, size_t n, bool *ok);

/* path's last component (all of it without a '/'). */
const char *g_base_name(const char *path);

/* Fills f from a state file's text. Entries are kept only when the state was written for the
 * same signature; a different src_rel (SRC moved) keeps them but marks f dirty. */
void state_parse(g_folder_t *f, const char *text, const g_site_t *site);

/* Turns f's thumbnail lines into records (thumbs), once; a line it cannot read is left out, and
 * f marked dirty. */
void state_thumbs(g_folder_t *f, const g_site_t *site);

/* True when f records a thumbnail whose outputs are named files[0..n) (files[0] its key), made
 * from the source named src, with the placeholders of kinds (PLACEHOLDER_ flags). */
bool state_knows(g_folder_t *f, const char *src, const char *const *files, int n, unsigned kinds);

/* The state file's text for f. */
char *state_format(const g_folder_t *f, const g_site_t *site, size_t *len);

/* The kind of placeholder the pages paint (one PLACEHOLDER_ flag, ThumbHash first; 0: none). */
unsigned g_painted(const g_site_t *site);

/* t's placeholder of the kind the pages paint ("": none). */
const char *g_painted_hash(const g_site_t *site, const g_thumb_t *t);

/* The page of folder f. */
char *page_html(const g_folder_t *f, const g_site_t *site, size_t *len);

/* Whether hash can paint a placeholder of kind (a PLACEHOLDER_ flag; 0: none), and into css its
 * average colour as CSS ("": none, as for thumbnails that may be transparent). */
bool paint_css(unsigned kind, const char *hash, format_t format, char *css, size_t size);

/* Writes the page's script that paints the placeholders of kind (paint.c). */
void paint_script(FILE *o, unsigned kind);

#endif
