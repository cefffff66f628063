'use strict';
// The tests' S3 server: s3rver (which verifies SigV4 signatures) on 127.0.0.1, a free port.
// Usage: node --openssl-legacy-provider server.js DATA_DIR REQUEST_LOG BUCKET...
// Prints the port on stdout once listening; appends "METHOD PATH?QUERY STATUS" to REQUEST_LOG
// for every request, so tests can count what a run asked for. Stops on SIGTERM, and when its stdin
// closes: the test that started it holds the other end, so the server never outlives it, however
// the test ended (killed, crashed, a failed assertion skipping its teardown).
// (--openssl-legacy-provider: s3rver's continuation tokens use DES, which OpenSSL 3 keeps there.)
const fs = require('fs');
const S3rver = require('@20minutes/s3rver');

const [dir, log, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
server.middleware.unshift(async (ctx, next) => {
  try {
    await next();
  } finally {
    fs.appendFileSync(log, `${ctx.method} ${ctx.originalUrl} ${ctx.status}\n`);
  }
});
server.run().then(({ port }) => process.stdout.write(`${port}\n`));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
process.stdin.on('end', () => process.exit(0)); // no one left to answer: connections need no goodbye
process.stdin.resume();
