/* Compiled by the arrows tests as pipeline/ is: pipeline/ is generic and must not see imaging/. */
#include "pipeline/chan.h"
#include "imaging/batch.h"

int arrow_probe(void);
int arrow_probe(void)
{
    return BATCH_DEFAULT_TIMEOUT;
}
