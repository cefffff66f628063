#include "source/source.h"

source_t *source_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    if (s3_is_url(cfg->src))
        return source_s3_open(cfg, err, errsz);
    if (cfg->files_from != NULL)
        return source_files_open(cfg, err, errsz);
    if (cfg->watch)
        return source_watch_open(cfg, err, errsz);
    return source_folder_open(cfg, err, errsz);
}

void source_close(source_t *s)
{
    if (s != NULL)
        s->ops->close(s);
}
