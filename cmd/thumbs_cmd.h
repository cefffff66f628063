/* thumbs_cmd: runs `thumbgen SRC DST [options]` and `thumbgen --freedesktop SRC [options]` (the
 * command line itself is thumbs_args.h's). */
#ifndef CMD_THUMBS_CMD_H
#define CMD_THUMBS_CMD_H

/* Prints the version, libvips', and what confines the decoders (asked of a real decoder, so it
 * says what is in force on this kernel). Returns the exit status. */
int thumbs_version(void);

/* Runs a thumbnail batch (this process never starts libvips: its decoders do). Returns the exit
 * status: 0 all made or up to date, 1 some inputs failed, 2 usage or setup error, 130 interrupted.
 */
int thumbs_main(int argc, char **argv);

#endif
