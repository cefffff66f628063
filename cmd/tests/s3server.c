#include "s3server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

void s3server_start(s3server_t *s)
{
    char *argv[] = {"/usr/bin/env",
                    "node",
                    "--openssl-legacy-provider",
                    S3SERVER_DIR "/server.js",
                    s->data,
                    s->log,
                    "photos",
                    "thumbs",
                    NULL};
    s->pid = proc_start_fed(argv, &s->in, &s->out);
    assert_true(s->pid > 0);
    char port[32];
    assert_true(proc_read_line(s->out, port, sizeof port) > 0);
    FMT(s->endpoint, "http://127.0.0.1:%s", port);
    setenv("AWS_ENDPOINT_URL", s->endpoint, 1);
}

void s3server_stop(s3server_t *s, int sig)
{
    kill(s->pid, sig);
    close(s->in);
    proc_result_t r;
    proc_finish(s->pid, s->out, &r);
    proc_result_free(&r);
    s->pid = 0;
}

int s3server_setup(s3server_t *s)
{
    struct stat st;
    if (stat(S3SERVER_DIR "/node_modules/@20minutes/s3rver", &st) != 0) {
        fprintf(stderr, "S3 tests need the test server: npm ci --prefix %s\n", S3SERVER_DIR);
        return -1;
    }
    strcpy(s->root, "/tmp/tg-s3-XXXXXX");
    if (mkdtemp(s->root) == NULL)
        return -1;
    snprintf(s->data, sizeof s->data, "%s/s3data", s->root);
    snprintf(s->log, sizeof s->log, "%s/requests.log", s->root);
    setenv("AWS_ACCESS_KEY_ID", S3SERVER_SECRET, 1);
    setenv("AWS_SECRET_ACCESS_KEY", S3SERVER_SECRET, 1);
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    unsetenv("AWS_REGION");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_SESSION_TOKEN");
    s3server_start(s);
    return 0;
}

int s3server_teardown(s3server_t *s)
{
    if (s->pid > 0)
        s3server_stop(s, SIGTERM);
    if (s->root[0] == '\0')
        return 0;
    char cmd[sizeof s->root + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->root);
    return system(cmd) == 0 ? 0 : -1;
}

s3server_t srv;

int s3server_group_setup(void **state)
{
    *state = &srv;
    return s3server_setup(&srv);
}

int s3server_group_teardown(void **state)
{
    (void)state;
    return s3server_teardown(&srv);
}

int s3server_requests(const s3server_t *s, const char *prefix)
{
    FILE *l = fopen(s->log, "r");
    int n = 0;
    char line[2048];
    while (l != NULL && fgets(line, sizeof line, l) != NULL)
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    if (l != NULL)
        fclose(l);
    return n;
}

void s3server_aws(const s3server_t *s, const char *args)
{
    shf("aws --endpoint-url '%s' %s", s->endpoint, args);
}

const char *s3server_idents(const s3server_t *s, const char *prefix)
{
    return shf_line(
        "aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix '%s/' "
        "--query 'Contents[].Key' --output text | tr '\\t' '\\n' | sed -n "
        "'s|.*/[.]thumbgen-id[.][0-9a-f]\\{16\\}[.]||p' | LC_ALL=C sort | paste -sd '\\t'",
        s->endpoint, prefix);
}
