/* s3server: the tests' S3 server (s3rver, cmd/tests/s3/server.js, which verifies SigV4
 * signatures) started on 127.0.0.1 with buckets "photos" and "thumbs", the environment set for
 * thumbgen and awscli to reach it, and its request log read back so that tests count what a run
 * asked for. Include after cmocka.h; the test's target defines S3SERVER_DIR. */
#ifndef CMD_TESTS_S3SERVER_H
#define CMD_TESTS_S3SERVER_H

#include <sys/types.h>

#define S3SERVER_SECRET "S3RVER" /* the only key pair s3rver accepts */

typedef struct s3server {
    char root[64];            /* /tmp/tg-s3-XXXXXX: the test's own folder */
    char data[128], log[128]; /* the server's objects, its request log */
    char endpoint[64];        /* http://127.0.0.1:PORT */
    pid_t pid;
    int out;
    int in; /* the server's stdin: it stops when this closes, so it never outlives the test */
} s3server_t;

/* Makes s->root, sets the credentials and region, starts the server and sets AWS_ENDPOINT_URL.
 * Returns 0, or -1 (with a message) when the server is not installed or the folder cannot be made.
 */
int s3server_setup(s3server_t *s);

/* Starts the server on s->data (again, after s3server_stop), failing the test if it cannot. */
void s3server_start(s3server_t *s);

/* Stops the server with sig (SIGTERM: cleanly; SIGKILL: as if it died). */
void s3server_stop(s3server_t *s, int sig);

/* Stops the server if it runs and removes s->root. Returns 0 or -1. */
int s3server_teardown(s3server_t *s);

/* For a test file whose tests share one server: cmocka group set-up (s3server_setup of srv, *state
 * = &srv) and tear-down (s3server_teardown). */
extern s3server_t srv;
int s3server_group_setup(void **state);
int s3server_group_teardown(void **state);

/* Requests the server has seen whose log line starts with prefix ("PUT ", "GET /photos/"). */
int s3server_requests(const s3server_t *s, const char *prefix);

/* Runs awscli with the server's endpoint and args; fails the test unless it succeeds. */
void s3server_aws(const s3server_t *s, const char *args);

/* The outputs that identity records under s3://thumbs/PREFIX/ stand beside (docs/DESIGN.md,
 * "Identity and order"), one per record, sorted, tab-separated, in a static buffer. */
const char *s3server_idents(const s3server_t *s, const char *prefix);

#endif
