/* primes_cmd: `thumbgen primes`, the reference workload of the pipeline library. */
#ifndef CMD_PRIMES_CMD_H
#define CMD_PRIMES_CMD_H

/* Runs `thumbgen primes` with argv[0] == "primes". Returns the process exit status:
 * as the thumbnailer's: 0 done, 2 usage or setup error (including a pipeline that could not be
 * built), 130 interrupted. */
int primes_main(int argc, char **argv);

#endif
