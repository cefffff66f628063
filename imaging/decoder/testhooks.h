/* testhooks: fault injection for the test build (thumbgen-testhooks), never linked into thumbgen.
 * A source whose bytes begin "TGFAULT <what>" makes its decoder misbehave on purpose or try one
 * thing its sandbox must refuse, so tests see real processes fail and real syscalls denied:
 *   crash    abort()                     segv     die of SIGSEGV (past any handler)
 *   hang     never answer                alloc    allocate until the memory limit stops it
 *   socket   socket(AF_INET)             connect  connect() to 127.0.0.1:9
 *   exec     execve("/bin/true")         ptrace   PTRACE_ATTACH to the parent
 *   write    open a file for writing     fork     fork()
 *   hold P   block until the test opens the FIFO at path P for writing, then go on as usual
 * The probes fail the file with "sandbox probe: <what>: <outcome>", the outcome being strerror
 * of the refusal or "ALLOWED". */
#ifndef IMAGING_DECODER_TESTHOOKS_H
#define IMAGING_DECODER_TESTHOOKS_H

#include <stdint.h>

/* The decoder_hook_fn (serve.h) that does the above; batch/testhooks.c installs it. */
char *decoder_fault_hook(int src, uint64_t max_memory_mib);

#endif
