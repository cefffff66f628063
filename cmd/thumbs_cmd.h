/* thumbs_cmd: `thumbgen SRC DST [options]`, the thumbnailer's command line. */
#ifndef CMD_THUMBS_CMD_H
#define CMD_THUMBS_CMD_H

#include <stdio.h>

/* Prints the thumbnail usage to f. */
void thumbs_usage(FILE *f);

/* Runs a thumbnail batch; libvips must be initialised. Returns the exit status: 0 all made or up to
 * date, 1 some inputs failed, 2 usage or setup error, 130 interrupted. */
int thumbs_main(int argc, char **argv);

#endif
