#include "store/store.h"

typedef store_t *store_open_fn(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);
store_open_fn store_folder_open, store_freedesktop_open;

/* The chooser: the backends with a form of DST of their own, each of which recognises it (NULL
 * with err "" for any other form), one line each. */
store_open_fn store_s3_open, store_null_open;
static store_open_fn *const by_form[] = {store_s3_open, store_null_open};

store_t *store_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    if (cfg->freedesktop)
        return store_freedesktop_open(dst, cfg, err, errsz);
    for (size_t i = 0; i < sizeof by_form / sizeof by_form[0]; i++) {
        err[0] = '\0';
        store_t *s = by_form[i](dst, cfg, err, errsz);
        if (s != NULL || err[0] != '\0')
            return s;
    }
    return store_folder_open(dst, cfg, err, errsz);
}

void store_close(store_t *s)
{
    if (s != NULL)
        s->ops->close(s);
}
