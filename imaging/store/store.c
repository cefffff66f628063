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
    /* Several sizes go to a folder each, unless the name template tells them apart. */
    bool per_size = o->nsizes > 1 && !name_template_has_size(o->name);
    for (int i = 0; i < o->nsizes; i++) {
        t->outs[i].dst = output_path_named(dst, per_size ? o->sizes[i].label : NULL, t->rel,
                                           o->name[0] ? o->name : NULL, o->sizes[i].label,
                                           format_ext(o->format));
        if (t->outs[i].dst == NULL) {
            snprintf(err, errsz, "%s", strerror(errno));
            return -1;
        }
    }
    return 0;
}
