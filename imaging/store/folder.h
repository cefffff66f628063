/* What the folder store's files share (folder.c writes, folder_prune.c scans and removes). */
#ifndef IMAGING_STORE_FOLDER_H
#define IMAGING_STORE_FOLDER_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

typedef struct {
    store_t base;
    bool fsync;
    bool keep_folders; /* store_cfg_t\'s */
    mode_t mode;       /* 0666 & ~umask, as an ordinary file gets (0600: private): at open */
    mode_t dir_mode;   /* for folders it creates: 0777, or 0700 (private), & ~umask by mkdir */
    int root;          /* DST, opened once (following DST itself if it is a symlink) */
    char *dst;         /* DST as output paths start (no trailing slash) */
    size_t prefix;     /* output paths start with DST and a slash: this many bytes */
    /* Serialises put: its one writer thread's, and under --watch --html the pages' thread's
     * (last_dir, last_fd and the temporary file's registry are one writer's). */
    pthread_mutex_t put_mu;
    char *last_dir; /* the folder (relative to DST) whose descriptor is cached */
    int last_fd;
    bool xattrs;       /* DST's filesystem keeps user xattrs: IDENT_XATTR records each source */
    bool ns_times;     /* and file times to the nanosecond: an output's mtime is its identity */
    int64_t time_step; /* the ns step of its file times: 1, 10^9 (exFAT), 2*10^9 (FAT) */
} folder_t;

/* The extended attribute that names an output's source (store_ident's text), and its longest. */
#define IDENT_XATTR "user.thumbgen.src"
#define IDENT_MAX (PATH_MAX + 80)

/* Opens folder rel ("" for root itself) beneath root, never through a symlink, creating missing
 * folders with dir_mode unless it is 0 (then only an existing one): a descriptor of its own (its
 * read offset shared with no other), or -1 with errno (beneath.c). */
int open_below(int root, const char *rel, mode_t dir_mode);

/* Creates dir and its missing parents (like mkdir -p) with mode (& ~umask), following symlinks:
 * for DST itself, which the user named. Returns 0 or an errno value. */
int make_dirs(const char *dir, mode_t mode);

/* The store's scan and remove (store_ops_t's). */
int folder_scan(store_t *base, const thumb_opts_t *o, const char *src, store_entry_fn fn, void *ctx,
                char *err, size_t errsz);
void folder_remove(store_t *base, char *const *addrs, size_t n, store_removed_fn fn, void *ctx);

/* The folder store on dst (the cache's store writes through one). */
store_t *store_folder_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);

#endif
