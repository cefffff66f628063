#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/naming.h"

store_t *store_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    if (cfg->freedesktop)
        return store_freedesktop_open(dst, cfg, err, errsz);
    return s3_is_url(dst) ? store_s3_open(dst, cfg, err, errsz)
                          : store_folder_open(dst, cfg, err, errsz);
}

void store_close(store_t *s)
{
    if (s != NULL)
        s->ops->close(s);
}

int store_name_mirror(const char *dst, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    for (int i = 0; i < o->nsizes; i++) {
        t->outs[i].dst = output_path(dst, o->nsizes > 1 ? o->sizes[i].label : NULL, t->rel,
                                     format_ext(o->format));
        if (t->outs[i].dst == NULL) {
            snprintf(err, errsz, "%s", strerror(errno));
            return -1;
        }
    }
    return 0;
}
