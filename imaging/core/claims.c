#include "core/claims.h"

#include <stdlib.h>
#include <string.h>

#include "core/filetype.h"
#include "core/hashset.h"
#include "core/naming.h"

/* How strong a file's claim to its output name is: an image or camera RAW (0), a clip (1), a name
 * without an extension, which may yet be an image (2); a file that is never an image, or has no
 * output name, claims nothing (3). Computed once per file, not per comparison: sorting a folder
 * asked it 15 times per file. */
static int claim_rank(const src_file_t *f)
{
    if (f->key == NULL || never_an_image(f->name))
        return 3;
    return has_image_extension(f->name) ? 0 : has_video_extension(f->name) ? 1 : 2;
}

void src_file_init(src_file_t *f, const thumb_opts_t *o, char *path, size_t rel_off,
                   size_t name_off, const struct timespec *mtime, uint64_t size)
{
    f->path = path;
    f->rel_off = rel_off;
    f->name = path + name_off;
    f->key = output_path_named(".", NULL, f->name, o->name[0] ? o->name : NULL, o->sizes[0].label,
                               format_ext(o->format));
    f->owner = NULL;
    f->mtime = *mtime;
    f->size = size;
    f->claim = claim_rank(f);
}

void src_file_free(src_file_t *f)
{
    free(f->key);
    free(f->path);
    f->key = f->path = NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const src_file_t *)a)->name, ((const src_file_t *)b)->name);
}

/* For one output name: the strongest claim first, then byte order. Files that claim nothing sort
 * last. */
static int by_claim(const void *a, const void *b)
{
    const src_file_t *x = a, *y = b;
    int rx = x->claim, ry = y->claim;
    if ((rx == 3) != (ry == 3))
        return (rx == 3) - (ry == 3);
    int k = rx == 3 ? 0 : strcmp(x->key, y->key);
    if (k != 0)
        return k;
    if (rx != ry)
        return rx - ry;
    return strcmp(x->name, y->name);
}

void claims_settle(src_file_t *files, size_t n)
{
    if (n < 2)
        return;
    qsort(files, n, sizeof *files, by_claim);
    for (size_t i = 1; i < n && files[i].claim != 3; i++)
        if (strcmp(files[i].key, files[i - 1].key) == 0)
            files[i].owner = files[i - 1].owner ? files[i - 1].owner : files[i - 1].name;
    qsort(files, n, sizeof *files, by_name);
}

uint32_t shard_of(const char *rel, uint32_t n)
{
    uint64_t h = fnv1a(FNV1A_START, rel, strlen(rel));
    return n > 1 ? (uint32_t)(h % n) : 0;
}

bool shard_takes(const char *rel, uint32_t k, uint32_t n)
{
    return n <= 1 || shard_of(rel, n) == k;
}
