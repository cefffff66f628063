/* report: what the user sees of a thumbnail run. Counts per status, a line on stderr for each
 * failure ("thumbgen: PATH: reason"), notices, the summary line; and, through the reporter, the
 * --manifest file (manifest.h) and the progress bar (bar.h), which is erased before each failure
 * line and at the end, so the terminal keeps only the messages and the summary. Called from the
 * lister (found, up to date, skipped) and the writers (made, failed); every call is serialised by
 * the reporter's mutex.
 *
 * Error convention: reporter_init and reporter_close return 0, or -1 with errno (the caller names
 * the manifest); the rest cannot fail (a manifest write error is remembered for reporter_close). */
#ifndef IMAGING_REPORT_H
#define IMAGING_REPORT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/task.h"
#include "gallery/gallery.h"

typedef struct reporter {
    pthread_mutex_t mu;
    uint64_t counts[TASK_NSTATUS]; /* by task_status_t (dry_run: TASK_MADE, would be made) */
    uint64_t removed;              /* --prune: outputs removed (with dry_run: that would be) */
    uint64_t fast[FAST_PATHS];     /* of those made, by each fast path (task_meta_t.fast) */
    char full[200];                /* why the store is full (reporter_full), "" while it is not */
    bool pruning, dry_run;
    bool watching;    /* --watch, once the first pass's listing has ended */
    bool status_line; /* ... and every source it found is settled: a status line, not the bar */
    uint64_t folders; /* watched */
    uint64_t present; /* files SRC holds now (reporter_present), for the status line */
    /* The last source settled while watching, for the status line: its path relative to SRC,
     * when (HH:MM:SS) and its status (NULL: none yet). */
    char last[PATH_MAX], last_when[16];
    const char *last_status;
    uint64_t found;      /* sources the lister has passed on or settled */
    uint64_t settled;    /* of them, those settled (reporter_task, reporter_would_make) */
    uint64_t pass_found; /* found when the first pass's listing ended */
    /* --watch: "watching" lines due once `settled` reaches watch_after (found when the last
     * pass's listing ended), so that each follows its pass's results. */
    unsigned watch_lines;
    uint64_t watch_after;
    bool passes, listing_pass; /* SRC is listed in passes (--watch); one is being listed */
    /* --watch: the time spent working (a pass, or sources found and not yet settled), for the
     * summary's rate: busy_ns so far, and busy_since (0: idle) the start of the work going on. */
    uint64_t busy_ns, busy_since;
    bool listing_done;
    uint64_t counted; /* the total a counting walk found ahead of the lister, once has_count */
    bool has_count;
    FILE *manifest;
    gallery_t *gallery; /* --html: told what the manifest is told of each source and removal */
    /* --watch --html: called (mu held) each time the work comes to rest after a change, with the
     * number of passes over SRC ended so far (all their sources are settled then), to have the
     * pages written (batch/pages.h); NULL: none. */
    void (*rest)(void *ctx, unsigned passes);
    void *rest_ctx;
    unsigned passes_ended; /* --watch: passes whose listing has ended (reporter_watching) */
    bool progress, quiet, drawn;
    uint64_t start_ns;
    /* The ticker (bar.h), while progress: it redraws until `stopping`. */
    pthread_t ticker;
    pthread_cond_t tick;
    bool ticking, stopping;
} reporter_t;

/* manifest_path may be NULL. progress: draw the bar (the caller checks isatty and --quiet), from
 * a progress thread that reporter_summary or reporter_close stops and joins. Returns 0, or -1
 * with errno if the manifest cannot be created (then nothing is left to close). */
int reporter_init(reporter_t *r, const char *manifest_path, bool progress, bool quiet);

/* The lister found one more source. */
void reporter_found(reporter_t *r);

/* The lister has finished: the total is known, so the bar can show an ETA. */
void reporter_listing_done(reporter_t *r);

/* A counting walk ahead of the lister found `total` sources: the bar shows a percentage and an
 * ETA from now on, long before the listing ends. Files that appear meanwhile raise the total as
 * the lister finds them (the bar shows "+" while found passes the count). */
void reporter_counted(reporter_t *r, uint64_t total);

/* Records a settled task: counts it, reports a failure on stderr (and a clash loser's skip, unless
 * quiet), writes its manifest line (a clash loser's with "reason":"name clash" and "owner", the
 * name of the file in its folder that owns its thumbnail's name; a clip's with "kind":"video"
 * and its "duration" in seconds). */
void reporter_task(reporter_t *r, const task_t *t);

/* --dry-run: t would be made. Prints "make SRC -> DST" on stdout, counts it, and writes its
 * manifest line with the status "would_make". */
void reporter_would_make(reporter_t *r, const task_t *t);

/* --prune removed the output at addr (dry_run: would remove it, and "remove ADDR" is printed on
 * stdout): counted, and a manifest line {"src":null,"status":"removed" (or "would_remove"),
 * "dst":addr}. */
void reporter_removed(reporter_t *r, const char *addr, bool dry_run);

/* --watch: a pass over SRC begins (the first, or a rescan): working, for the summary's rate. */
void reporter_pass_start(reporter_t *r);

/* --watch: a pass's listing (and pruning) is complete and `folders` folders are watched: the
 * manifest gets a line {"src":null,"status":"watching","folders":N} once every source found so
 * far is settled, after the pass's results (a script waiting for it has them all; a pass whose
 * sources never settle, ended by a signal, gets none). Once every source the first
 * pass found is settled, the bar gives way to a status line ("watching N folders (F files); M
 * made, R removed, X failed; last: TIME STATUS PATH", fitted to the terminal's width) redrawn
 * only when something happens (the progress thread ends: nothing wakes while nothing changes). */
void reporter_watching(reporter_t *r, uint64_t folders);

/* --watch: SRC holds n files now (found, less those gone), for the status line. */
void reporter_present(reporter_t *r, uint64_t n);

/* --html wrote `written` pages and removed `removed` (at least one of them): "thumbgen: DST:
 * gallery: ..." on stderr (unless quiet) and {"src":null,"status":"pages","written":N,
 * "removed":M} in the manifest. */
void reporter_pages(reporter_t *r, const char *dst, unsigned written, unsigned removed);

/* --watch: something the pages show changed outside any task (a failing source deleted): if
 * the work is at rest, the rest hook is called (as after a removal). */
void reporter_changed(reporter_t *r);

/* Prints "thumbgen: PATH: text" on stderr (unless quiet): a notice, not counted. */
void reporter_note(reporter_t *r, const char *path, const char *text);

/* Reports a failure that is not a task: stderr, manifest, count. Either of SRC's (src: e.g. an
 * unreadable folder), or of DST's or of one of its files (dst, src NULL: a refused or failed
 * prune), whose manifest line has "src": null and the address as "dst", so no script takes it for
 * a source. */
void reporter_failure(reporter_t *r, const char *src, const char *dst, const char *reason);

/* The store is full (why: "No space left on device", "Disk quota exceeded"): recorded the first
 * time, for reporter_full_notice. */
void reporter_full(reporter_t *r, const char *why);

/* When the store became full: prints once, even when quiet, "thumbgen: DST: the disk is full
 * (WHY): N sources not attempted; ..." on stderr. */
void reporter_full_notice(reporter_t *r, const char *dst);

/* Prints the summary line on stderr (unless quiet). After watching, its rate is over the time
 * spent working ("12.3 images/s over 2.41 s of work"), not the time spent waiting for changes. */
void reporter_summary(reporter_t *r, bool interrupted);

/* Closes the manifest; returns -1 if writing it failed at any point. */
int reporter_close(reporter_t *r);

#endif
