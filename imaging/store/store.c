#include "store/store.h"

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
