/* testhooks: linked into thumbgen-testhooks alone (never into thumbgen), this turns that
 * program's test hooks on before main, in the main process and in its decoders alike: the
 * decoders' fault injection (decoder/testhooks.h), a watched folder's fake queue overflow
 * (source.h's source_watch_test_hooks), and, when THUMBGEN_TEST_THREAD_FAULT names a stage
 * ("opener", "worker" or "writer"), a set-up failure of that stage's threads (setup.h). */
#include <stdlib.h>

#include "batch/setup.h"
#include "decoder/serve.h"
#include "decoder/testhooks.h"

__attribute__((constructor)) static void testhooks_on(void)
{
    decoder_test_hook = decoder_fault_hook;
    source_watch_test_hooks = true;
    batch_test_thread_fault = getenv("THUMBGEN_TEST_THREAD_FAULT");
}
