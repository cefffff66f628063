/* proto: what a resize worker and its decoder process say to each other over their socket. Both
 * ends are the same executable (the decoder is thumbgen itself, started by exec in a hidden mode),
 * so the structs travel as they are. The parent never trusts the child's answer: every length and
 * count in a reply is checked before it is used.
 *
 *   parent -> child  dec_config_t, once, right after the start
 *   child -> parent  dec_hello_t, once the sandbox is on (says which)
 *   parent -> child  dec_request_t with the source's open descriptor, per image, then urilen
 *                    bytes of the source's URI (a thumbnail cache's PNGs carry it)
 *   child -> parent  dec_reply_t, then errlen bytes of message, then len[i] bytes of each output
 * A DEC_REQ_FAIL_ENTRY request has no descriptor: its one output is the failure record a store
 * asked for (t->fail.dst). The reply's task_meta_t travels whole: a new field needs nothing here.
 */
#ifndef IMAGING_DECODER_PROTO_H
#define IMAGING_DECODER_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "core/task.h"

#define DEC_MAGIC 0x54474431u        /* "TGD1" */
#define DEC_ARG "--internal-decoder" /* argv[1] of a decoder process */
#define DEC_EXIT_OOM 86              /* a decoder's exit status when an allocation failed */
#define DEC_STATUS_OOM 100           /* a reply status: an allocation failed, the decoder lives */
#define DEC_STATUS_NO_CODEC 101      /* a reply status: the family's module did not load */
#define DEC_MAX_ERR 4096             /* longest message in a reply */
#define DEC_MAX_OUT (512u << 20)     /* largest encoded thumbnail accepted from a decoder */
#define DEC_MAX_URI 16384            /* longest URI in a request (PATH_MAX bytes, escaped) */

enum { DEC_REQ_THUMB, DEC_REQ_FAIL_ENTRY };

typedef struct dec_config {
    uint32_t magic;
    thumb_opts_t opts;
    uint64_t max_memory_mib; /* address-space limit of the decoder; 0: none */
} dec_config_t;

typedef struct dec_hello {
    uint32_t magic;
    char sandbox[200]; /* what confines the decoder, in words, NUL-terminated */
    char vips[32];     /* the libvips version it runs, NUL-terminated (for --version) */
} dec_hello_t;

typedef struct dec_request {
    uint32_t magic;
    int32_t kind;   /* DEC_REQ_THUMB or DEC_REQ_FAIL_ENTRY */
    char name[256]; /* the source's file name (for its extension and messages), NUL-terminated */
    int64_t mtime_s, mtime_ns; /* the source's, as listed */
    uint64_t size;             /* the source's bytes, as listed */
    uint32_t urilen;           /* bytes of URI that follow, at most DEC_MAX_URI; 0: none */
} dec_request_t;

typedef struct dec_reply {
    uint32_t magic;
    int32_t status; /* a task_status_t, DEC_STATUS_OOM or DEC_STATUS_NO_CODEC */
    uint32_t errlen;
    int32_t nouts;
    int32_t width[THUMB_MAX_SIZES], height[THUMB_MAX_SIZES]; /* of one frame */
    int32_t frames[THUMB_MAX_SIZES];                         /* an animation's; 0: a still */
    uint64_t len[THUMB_MAX_SIZES];
    task_meta_t meta; /* what the family learnt of the source, whole (core/task.h) */
} dec_reply_t;

/* True when a reply's header can be trusted as far as reading its payload: the magic, a message
 * of at most DEC_MAX_ERR bytes, exactly `nouts` outputs when it says made (none otherwise), each
 * of 1 to DEC_MAX_OUT bytes, and metadata whose strings end and whose numbers are finite. What
 * the status means is the reader's to check. */
bool dec_reply_valid(const dec_reply_t *r, int nouts);

#endif
