/* End-to-end tests of S3 sources and stores against a real S3-compatible server that verifies
 * SigV4 signatures (s3rver, cmd/tests/s3/server.js, started here on 127.0.0.1), read back with an
 * independent client (awscli). The server logs every request, so the tests count what a run asked
 * for (a rerun with nothing to do must PUT nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"

#define BIN THUMBGEN_BIN
#define SECRET S3SERVER_SECRET
#define NESTED "nested/a b/\xc3\xbc deep/\xc3\xa9t\xc3\xa9 photo 1.jpg"

typedef struct {
    s3server_t s; /* the root folder, the server and its log */
    char src[128];
} fixture_t;

static fixture_t fx;

static int group_setup(void **state)
{
    fixture_t *f = &fx;
    if (s3server_setup(&f->s) != 0)
        return -1;
    if (snprintf(f->src, sizeof f->src, "%s/src", f->s.root) >= (int)sizeof f->src)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -r '%s/formats' '%s/nested' '%s'", f->src,
             TESTDATA, TESTDATA, f->src);
    if (system(cmd) != 0)
        return -1;
    *state = f;
    return 0;
}

/* Also after a group_setup that failed part-way (cmocka still calls it, with *state unset). */
static int group_teardown(void **state)
{
    (void)state;
    return s3server_teardown(&fx.s);
}

/* How many sources SRC holds (every one an image that thumbnails). */
static int nsrc(const fixture_t *f)
{
    tg_tree_t t;
    tree_list(f->src, &t);
    int n = t.ngood;
    assert_int_equal(t.nbad + t.nother, 0);
    tree_free(&t);
    return n;
}

static int requests(const fixture_t *f, const char *prefix)
{
    return s3server_requests(&f->s, prefix);
}

static void aws(const fixture_t *f, const char *args)
{
    s3server_aws(&f->s, args);
}

/* What awscli's head-object says of bucket/key under query (JMESPath), one line, static. */
static const char *head_object(const fixture_t *f, const char *bucket, const char *key,
                               const char *query)
{
    return shf_line("aws --endpoint-url '%s' s3api head-object --bucket %s --key '%s' --query '%s' "
                    "--output text",
                    f->s.endpoint, bucket, key, query);
}

/* The Content-Type awscli reads back for bucket/key. */
static void assert_content_type(const fixture_t *f, const char *bucket, const char *key,
                                const char *want)
{
    assert_string_equal(head_object(f, bucket, key, "ContentType"), want);
}

/* Downloads s3://bucket/prefix with awscli into a fresh folder; returns how many images decode. */
static int read_back(const fixture_t *f, const char *url, const char *name)
{
    char dir[256], args[512];
    FMT(dir, "%s/%s", f->s.root, name);
    FMT(args, "s3 cp --quiet --recursive --exclude '*.thumbgen-id.*' '%s' '%s'", url, dir);
    aws(f, args);
    return count_outputs(dir, NULL);
}

/* local -> S3: every thumbnail is PUT with its type, decodes when read back by awscli, and a rerun
 * PUTs nothing. */
static void local_to_s3(void **state)
{
    fixture_t *f = *state;
    proc_result_t r = tg_run(BIN, f->src, "s3://thumbs/l2s", "-j", "2", "--stats", NULL);
    assert_non_null(strstr(r.err, "S3 requests:"));
    assert_null(strstr(r.err, SECRET));
    expect_run(r, 0, nsrc(f), 0, 0, 0);
    assert_int_equal(read_back(f, "s3://thumbs/l2s", "l2s"), nsrc(f));
    assert_content_type(f, "thumbs", "l2s/" NESTED, "image/jpeg");
    /* Each thumbnail records its source (docs/DESIGN.md, "Identity and order"). */
    const char *meta =
        head_object(f, "thumbs", "l2s/formats/grey.jpg", "Metadata.\"thumbgen-src\"");
    if (strncmp(meta, "size=", 5) != 0 || strstr(meta, " mtime=") == NULL ||
        strstr(meta, " src=formats/grey.") == NULL)
        fail_msg("x-amz-meta-thumbgen-src: %s", meta);

    /* and one identity record per source beside its thumbnail, the only hidden objects */
    const char *keys = "s3api list-objects-v2 --bucket thumbs --prefix l2s/ --query "
                       "'Contents[].Key' --output text | tr '\\t' '\\n'";
    assert_string_equal(shf_line("aws --endpoint-url '%s' %s | grep '/[.]' | grep -vc "
                                 "'/[.]thumbgen-id[.][0-9a-f]\\{16\\}[.][^/]*$' || true",
                                 f->s.endpoint, keys),
                        "0");
    assert_int_equal(atoi(shf_line("aws --endpoint-url '%s' %s | grep -c '/[.]thumbgen-id[.]'",
                                   f->s.endpoint, keys)),
                     nsrc(f));

    int puts = requests(f, "PUT ");
    expect_run(tg_run(BIN, f->src, "s3://thumbs/l2s", "-j", "2", NULL), 0, 0, nsrc(f), 0, 0);
    assert_int_equal(requests(f, "PUT "), puts);

    tg_expect(0, BIN, f->src, "s3://thumbs/webp/", "-f", "webp", "--quiet", NULL);
    assert_content_type(f, "thumbs", "webp/formats/grey.webp", "image/webp");
}

/* S3 -> S3 and S3 -> local, names with spaces and non-ASCII characters; reruns fetch and PUT
 * nothing. */
static void from_s3(void **state)
{
    fixture_t *f = *state;
    char args[512], dst[256];
    FMT(args, "s3 cp --quiet --recursive '%s' s3://photos/in", f->src);
    aws(f, args);
    expect_run(tg_run(BIN, "s3://photos/in", "s3://thumbs/s2s", "-j", "2", NULL), 0, nsrc(f), 0, 0,
               0);
    assert_int_equal(read_back(f, "s3://thumbs/s2s", "s2s"), nsrc(f));
    assert_content_type(f, "thumbs", "s2s/" NESTED, "image/jpeg");

    int puts = requests(f, "PUT "), gets = requests(f, "GET /photos/in/");
    expect_run(tg_run(BIN, "s3://photos/in", "s3://thumbs/s2s", NULL), 0, 0, nsrc(f), 0, 0);
    assert_int_equal(requests(f, "PUT "), puts);
    assert_int_equal(requests(f, "GET /photos/in/"), gets);

    FMT(dst, "%s/s2l", f->s.root);
    tg_expect(0, BIN, "s3://photos/in", dst, NULL);
    assert_int_equal(count_outputs(dst, NULL), 9);
    char nested[512];
    FMT(nested, "%s/%s", dst, NESTED);
    g_object_unref(load(nested));
    expect_run(tg_run(BIN, "s3://photos/in", dst, NULL), 0, 0, nsrc(f), 0, 0);
}

/* Wrong secret, missing bucket, refused endpoint: status 2 before any work, a plain message, and
 * the secret nowhere in the output. */
static void setup_errors(void **state)
{
    fixture_t *f = *state;
    const char *wrong = "wr0ng-s3cret-Zq9";
    setenv("AWS_SECRET_ACCESS_KEY", wrong, 1);
    proc_result_t r = tg_run(BIN, f->src, "s3://thumbs/bad", NULL);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "thumbgen: s3://thumbs/bad: S3 refused the request: "
                                  "SignatureDoesNotMatch"));
    assert_null(strstr(r.err, wrong));
    assert_null(strstr(r.out, wrong));
    proc_result_free(&r);

    expect_says(tg_run(BIN, "s3://no-such-bucket/x", f->s.root, NULL), 2,
                "s3://no-such-bucket/x: no such bucket: no-such-bucket");

    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    r = tg_run(BIN, f->src, "s3://thumbs/x", "--retries", "1", NULL);
    setenv("AWS_ENDPOINT_URL", f->s.endpoint, 1);
    assert_non_null(strstr(r.err, "(after 1 retry)"));
    expect_says(r, 2, "cannot reach http://127.0.0.1:1: ");

    unsetenv("AWS_ACCESS_KEY_ID");
    r = tg_run(BIN, f->src, "s3://thumbs/x", NULL);
    setenv("AWS_ACCESS_KEY_ID", SECRET, 1);
    expect_says(r, 2, "no S3 credentials");

    r = tg_run(BIN, f->src, "s3://tb/x", NULL); /* says why it is no bucket's name */
    expect_says(r, 2,
                "s3://tb/x: not a valid s3://BUCKET[/PREFIX]: a bucket's name "
                "is 3 to 63");
}

/* FNV-1a 64 of s modulo n: the documented --shard hash, computed independently here. */
static unsigned shard_of_rel(const char *s, unsigned n)
{
    unsigned long long h = 14695981039346656037ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (unsigned)(h % n);
}

/* A listing longer than one page (1,000 keys): keys from every page reach the pipeline, and the
 * shard taken from it is exactly the keys the hash gives. The 1,010 objects are written straight
 * into the server's data folder in its own layout (PUTting them one by one would be slow). */
static void many_pages(void **state)
{
    fixture_t *f = *state;
    char dir[256], dst[256], path[512];
    FMT(dir, "%s/photos/many", f->s.data);
    shf("mkdir -p '%s' && vips black '%s/seed.jpg' 8 8", dir, f->s.root);
    FMT(path, "%s/seed.jpg", f->s.root);
    char *seed = slurp(path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    int expect = 0;
    for (int i = 0; i < 1010; i++) {
        char name[32];
        FMT(name, "k%04d.jpg", i);
        expect += shard_of_rel(name, 7) == 3;
        FMT(path, "%s/%s._S3rver_object", dir, name);
        FILE *o = fopen(path, "w");
        assert_non_null(o);
        fwrite(seed, 1, (size_t)st.st_size, o);
        fclose(o);
        FMT(path, "%s/%s._S3rver_object.md5", dir, name);
        o = fopen(path, "w");
        fputs("00000000000000000000000000000000", o);
        fclose(o);
        FMT(path, "%s/%s._S3rver_metadata.json", dir, name);
        o = fopen(path, "w");
        fputs("{\"content-type\": \"image/jpeg\"}", o);
        fclose(o);
    }
    FMT(dst, "%s/many", f->s.root);
    int pages = requests(f, "GET /photos?continuation-token=");
    tg_expect(0, BIN, "s3://photos/many", dst, "--shard", "3/7", NULL);
    assert_true(requests(f, "GET /photos?continuation-token=") > pages);
    assert_int_equal(count_outputs(dst, NULL), expect);
    for (int i = 0; i < 1010; i++) {
        char name[32];
        FMT(name, "k%04d.jpg", i);
        FMT(path, "%s/%s", dst, name);
        assert_int_equal(stat(path, &st) == 0, shard_of_rel(name, 7) == 3);
    }
}

/* The server dies after the first three uploads: the rest fail one by one after their retries,
 * the run ends (no crash, no hang), and a rerun against the restarted server makes only the
 * rest. thumbgen reads its list from a pipe, so the test decides exactly when the server dies. */
static void server_dies_mid_run(void **state)
{
    fixture_t *f = *state;
    static const char *names[] = {"formats/alpha.png", "formats/anim.gif",   "formats/cmyk.jpg",
                                  "formats/grey.jpg",  "formats/photo.webp", "formats/scan.tif"};
    char fifo[256];
    FMT(fifo, "%s/manifest.fifo", f->s.root);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *argv[] = {BIN,
                    f->src,
                    "s3://thumbs/dies",
                    "--files-from",
                    "-",
                    "--manifest",
                    fifo,
                    "--retries",
                    "2",
                    "-j",
                    "1",
                    "--quiet",
                    NULL};
    int in, out;
    pid_t pid = proc_start_fed(argv, &in, &out);
    assert_true(pid > 0);
    FILE *manifest = fopen(fifo, "r");
    assert_non_null(manifest);
    char line[4096];
    for (int i = 0; i < 3; i++) {
        dprintf(in, "%s\n", names[i]);
        assert_non_null(fgets(line, sizeof line, manifest));
        assert_non_null(strstr(line, "\"status\":\"made\""));
    }
    s3server_stop(&f->s, SIGKILL);
    for (int i = 3; i < 6; i++)
        dprintf(in, "%s\n", names[i]);
    close(in);
    int failed = 0;
    while (fgets(line, sizeof line, manifest) != NULL)
        failed += strstr(line, "\"status\":\"failed\"") != NULL;
    fclose(manifest);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    assert_int_equal(r.status, 1);
    assert_int_equal(failed, 3);
    assert_non_null(
        strstr(r.err, "formats/grey.jpg: cannot write s3://thumbs/dies/formats/grey.jpg:"));
    assert_non_null(strstr(r.err, "(after 2 retries)"));
    proc_result_free(&r);

    s3server_start(&f->s);
    int puts = requests(f, "PUT ");
    expect_run(tg_run(BIN, f->src, "s3://thumbs/dies", NULL), 0, nsrc(f) - 3, 3, 0, 0);
    assert_int_equal(requests(f, "PUT "), puts + 2 * (nsrc(f) - 3)); /* and identity records */
}

/* --prune on an S3 DST: the orphans go in DeleteObjects requests of at most 1000 keys (1003
 * orphans: two requests, counted in the server's log), foreign objects and the live thumbnail
 * stay. */
static void prune_s3(void **state)
{
    fixture_t *f = *state;
    char src[256];
    FMT(src, "%s/prsrc", f->s.root);
    shf("mkdir -p '%s/sub' && cp '%s/formats/grey.jpg' '%s/a.png' && cp '%s/formats/grey.jpg' "
        "'%s/b.png' && cp '%s/formats/grey.jpg' '%s/sub/c.png' && mkdir -p '%s/orphans' && "
        "for i in $(seq -w 0 1000); do : > '%s/orphans/o'$i.jpg; done && echo hi > '%s/notes.txt'",
        src, TESTDATA, src, TESTDATA, src, TESTDATA, src, f->s.root, f->s.root, f->s.root);
    tg_expect(0, BIN, src, "s3://thumbs/pr", "-j", "2", "--quiet", NULL);
    char args[1024];
    FMT(args, "s3 cp --quiet --recursive '%s/orphans' s3://thumbs/pr/orphans", f->s.root);
    aws(f, args);
    FMT(args, "s3 cp --quiet '%s/notes.txt' s3://thumbs/pr/notes.txt", f->s.root);
    aws(f, args);
    shf("rm '%s/b.png' '%s/sub/c.png'", src, src);

    int before = requests(f, "POST /thumbs?delete");
    char manifest[256];
    FMT(manifest, "%s/prune.jsonl", f->s.root);
    proc_result_t r = tg_run(BIN, src, "s3://thumbs/pr", "--prune", "--prune-max", "100%",
                             "--manifest", manifest, "-j", "2", "--stats", NULL);
    /* and one more for the identity records of b.png and c.png, which go unseen */
    assert_non_null(strstr(r.err, "3 DeleteObjects"));
    expect_says(r, 0, "0 made, 1 up to date, 0 skipped, 0 failed, 1003 removed");
    assert_int_equal(requests(f, "POST /thumbs?delete") - before, 3);
    shf("grep -c '\"status\":\"removed\",\"dst\":\"s3://thumbs/pr/' '%s' | grep -qx 1003",
        manifest);
    const char *id =
        strstr(shf_line("aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs "
                        "--prefix pr/ --query 'Contents[].Key' --output text",
                        f->s.endpoint),
               "pr/.thumbgen-id."); /* a.jpg's identity record, and nothing else */
    assert_non_null(id);
    assert_string_equal(id + 16 + 17, "a.jpg\tpr/a.jpg\tpr/notes.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(local_to_s3),  cmocka_unit_test(from_s3),
        cmocka_unit_test(setup_errors), cmocka_unit_test(many_pages),
        cmocka_unit_test(prune_s3),     cmocka_unit_test(server_dies_mid_run),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
