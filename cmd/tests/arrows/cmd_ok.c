/* Compiled by the arrows tests (CMakeLists.txt) as cmd/ is: what cmd/ may include. */
#include "imaging/batch.h"
#include "pipeline/chan.h"

int arrow_probe(void);
int arrow_probe(void)
{
    return BATCH_DEFAULT_TIMEOUT;
}
