/* proc: test helper that runs the thumbgen binary and captures what it prints. */
#ifndef CMD_TESTS_PROC_H
#define CMD_TESTS_PROC_H

#include <sys/types.h>

typedef struct proc_result {
    int status;     /* exit status, or 128 + signal number */
    char *out;      /* everything written to stdout, NUL-terminated, malloc'd */
    char *err;      /* everything written to stderr */
    long maxrss_kb; /* the child's peak resident set size */
} proc_result_t;

/* Runs argv (argv[0] a path) to completion with stdin from /dev/null. Returns 0 or -1. */
int proc_run(char *const argv[], proc_result_t *r);

/* Starts argv with stdout on a pipe whose read end is returned in *out_fd; stderr to a temp file.
 * proc_finish waits for it and fills r (r->out holds what was left unread on the pipe). */
pid_t proc_start(char *const argv[], int *out_fd);
int proc_finish(pid_t pid, int out_fd, proc_result_t *r);

/* proc_start with stdin on a pipe whose write end is returned in *in_fd (close it to send EOF). */
pid_t proc_start_fed(char *const argv[], int *in_fd, int *out_fd);

/* Reads one line (without the newline) from fd into buf; returns its length or -1 at EOF. */
int proc_read_line(int fd, char *buf, int size);

void proc_result_free(proc_result_t *r);

/* Number of lines in s. */
int count_lines(const char *s);

#endif
