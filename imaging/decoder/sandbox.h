/* sandbox: confines the calling process (a decoder) for the rest of its life. Irreversible.
 *
 *   - no_new_privs: nothing it execs could gain privileges;
 *   - seccomp (libseccomp): creating sockets, connecting, binding and listening; execve; ptrace and
 *     reading or writing other processes' memory; fork and non-thread clones; io_uring; opening
 *     files for writing or creating, and every call that creates, removes, renames or re-modes a
 *     file; mounting, namespaces, bpf, keyrings and module loading all fail with EPERM (clone3 and
 *     openat2, whose flags seccomp cannot see, with ENOSYS, so libc falls back to the checked
 *     calls). Syscalls of other architectures kill the process.
 *   - Landlock, where the kernel has it: no file may be written, created, removed, truncated or
 *     executed anywhere (ABI 1-3); no TCP bind or connect (ABI 4); no signals to processes
 *     outside the sandbox and no abstract UNIX sockets (ABI 6). Reading stays allowed: libvips
 *     reopens the source through /proc/self/fd and loads its codec plugins lazily.
 *
 * Error convention: returns 0 or an errno value. */
#ifndef IMAGING_DECODER_SANDBOX_H
#define IMAGING_DECODER_SANDBOX_H

#include <stddef.h>

/* Applies the sandbox; writes what is active, in words, into desc. no_new_privs and seccomp are
 * required (their failure is returned); Landlock is added when the kernel offers it. */
int sandbox_apply(char *desc, size_t desc_size);

#endif
