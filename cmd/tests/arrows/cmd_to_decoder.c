/* Compiled by the arrows tests as cmd/ is: cmd/ talks to imaging/ through batch.h only, so
 * reaching into a room of imaging/ must not compile. */
#include "imaging/batch.h"
#include "decoder/worker.h"

int arrow_probe(void);
int arrow_probe(void)
{
    return DEC_DEFAULT_TIMEOUT;
}
