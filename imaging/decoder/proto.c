#include "decoder/proto.h"

bool dec_reply_valid(const dec_reply_t *r, int nouts)
{
    if (!meta_valid(&r->meta) || r->magic != DEC_MAGIC || r->errlen > DEC_MAX_ERR || r->nouts < 0 ||
        r->nouts > THUMB_MAX_SIZES || (r->status == TASK_MADE && r->nouts != nouts) ||
        (r->status != TASK_MADE && r->nouts != 0))
        return false;
    for (int i = 0; i < r->nouts; i++)
        if (r->len[i] == 0 || r->len[i] > DEC_MAX_OUT)
            return false;
    return true;
}
