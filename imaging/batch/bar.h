/* bar: the progress bar on a terminal, and the thread that keeps it moving. Drawn from the
 * reporter's counts (report.h), always under the reporter's mutex: a bar, percent, done/total,
 * images/s and ETA once the total is known, from a counting walk ahead of the lister or once the
 * listing is complete (done/found+ before either); with --watch, after the first pass, a status
 * line instead. The ticker thread redraws it five times a second, so it keeps moving (time, rate)
 * while one large image decodes; it is a display timer, nothing waits on it.
 *
 * Error convention: nothing here fails (a ticker that cannot start leaves the bar drawn only as
 * things happen). */
#ifndef IMAGING_BAR_H
#define IMAGING_BAR_H

#include "batch/report.h"

/* Starts the ticker on r (r->progress set, r->mu ready). */
void bar_start(reporter_t *r);

/* Stops and joins the ticker, if it runs; the caller does not hold r->mu. */
void bar_stop(reporter_t *r);

/* Draws the bar or the status line (nothing unless r->progress); the caller holds r->mu. */
void bar_draw(reporter_t *r);

/* Erases what is drawn, so a message starts on a clean line; the caller holds r->mu. */
void bar_clear(reporter_t *r);

#endif
