#include "store/store.h"

#include <stdio.h>
#include <string.h>

typedef store_t *store_open_fn(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);
typedef char *store_place_fn(const char *dst, const char *src, char *err, size_t errsz);
store_open_fn store_folder_open;

/* The chooser: the backends with a form of DST of their own, one line each. Each recognises its
 * form (NULL with err "" for any other); `place` (NULL: DST itself) for a form naming a place. */
store_open_fn store_s3_open, store_null_open, store_freedesktop_open;
store_place_fn store_freedesktop_place;
static const struct {
    store_open_fn *open;
    store_place_fn *place;
} by_form[] = {{store_s3_open, NULL},
               {store_null_open, NULL},
               {store_freedesktop_open, store_freedesktop_place}};
#define N_FORMS (sizeof by_form / sizeof by_form[0])

char *store_place(const char *dst, const char *src, char *err, size_t errsz)
{
    for (size_t i = 0; i < N_FORMS; i++) {
        err[0] = '\0';
        char *place = by_form[i].place ? by_form[i].place(dst, src, err, errsz) : NULL;
        if (place != NULL || err[0] != '\0')
            return place;
    }
    char *place = strdup(dst);
    if (place == NULL)
        snprintf(err, errsz, "out of memory");
    return place;
}

store_t *store_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    for (size_t i = 0; i < N_FORMS; i++) {
        err[0] = '\0';
        store_t *s = by_form[i].open(dst, cfg, err, errsz);
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
