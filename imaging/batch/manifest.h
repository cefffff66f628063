/* manifest: the --manifest file, JSON Lines: one object a line for each settled source, each
 * output --prune removed and each --watch pass. The reporter (report.h) calls these under its
 * mutex; a NULL file writes nothing.
 *
 * Error convention: manifest_open returns the file, or NULL with errno; manifest_close returns -1
 * when any write failed; the writes cannot fail (an error is remembered by the file). */
#ifndef IMAGING_MANIFEST_H
#define IMAGING_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/task.h"
#include "core/utf8.h" /* utf8_valid: how json_str judges a name */

/* Creates the manifest at path, written a line at a time (so it can be followed live, and says
 * how far an interrupted run got). */
FILE *manifest_open(const char *path);

/* {"src":SRC,"status":STATUS, each output's "dst", "width", "height", "bytes" (null unless made;
 * several outputs also as "outputs":[...]; dst null when skipped), "error":ERR, a clip's "kind"
 * and "duration", every pair a family put in t->meta.more (core/task.h), a clash loser's
 * "reason":"name clash" and "owner"}. t may be NULL (a failure that is no task's). */
void manifest_task(FILE *f, const char *src, const task_t *t, const char *status, const char *err);

/* {"src":null,"status":"removed" (dry_run: "would_remove"),"dst":ADDR} */
void manifest_removed(FILE *f, const char *addr, bool dry_run);

/* {"src":null,"status":"failed","dst":DST,"error":ERR}: a failure of DST's, no source's (the
 * prune guard, a removal that failed), so that no script retries DST as a source. */
void manifest_dst_failure(FILE *f, const char *dst, const char *err);

/* {"src":null,"status":"pages","written":N,"removed":M}: what --html did to the pages */
void manifest_pages(FILE *f, unsigned written, unsigned removed);

/* {"src":null,"status":"watching","folders":N} */
void manifest_watching(FILE *f, uint64_t folders);

/* Closes f (NULL is fine); -1 when writing it failed at any point. */
int manifest_close(FILE *f);

/* Writes s as a JSON string (NULL: null): quote, backslash and control characters escaped, valid
 * UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF) as it is, and each
 * byte of anything else (file names may hold any bytes) as U+FFFD, so the line stays valid JSON.
 * The manifest's names (src, dst, owner) that are not valid UTF-8 also get NAME_bytes, their
 * exact bytes in base64. */
void json_str(FILE *f, const char *s);

#endif
