/* serve: the decoder process's side. thumbgen re-executes itself with argv[1] == DEC_ARG; main
 * hands over to decoder_serve, which never returns to it. The decoder reads its configuration,
 * starts libvips (the only process that does), applies the memory limit and the sandbox, says
 * hello, then answers one request at a time: thumbnail the descriptor it was handed, reply with
 * the encoded bytes or the reason. It leaves when its socket closes or it is killed.
 *
 * Error convention: decoder_serve returns the process's exit status; failures of one image travel
 * in its reply, in words. */
#ifndef IMAGING_DECODER_SERVE_H
#define IMAGING_DECODER_SERVE_H

#include <stdint.h>

/* A test build's fault injection: given the source descriptor and the memory limit in force (0:
 * none), returns NULL to thumbnail it as usual, or the outcome of a test request as a malloc'd
 * failure message. */
typedef char *(*decoder_hook_fn)(int src, uint64_t max_memory_mib);

/* The decoder's hook: NULL in thumbgen; thumbgen-testhooks sets it before main
 * (batch/testhooks.c). */
extern decoder_hook_fn decoder_test_hook;

/* Runs the decoder on descriptor CHILD_FD; returns the process's exit status. */
int decoder_serve(const char *argv0);

#endif
