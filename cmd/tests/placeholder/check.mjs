// The ThumbHash and BlurHash references (the `thumbhash` and `blurhash` npm packages, pinned in
// package-lock.json) for cmd/tests/test_cli_placeholder.c:
//   node check.mjs encode RAW W H          the base64 ThumbHash of RAW's W x H RGBA pixels
//   node check.mjs average B64             the average colour a ThumbHash decodes to: "R G B A"
//                                          (0..1)
//   node check.mjs blurhash RAW W H NX NY  the BlurHash of RAW's W x H RGBA pixels, NX x NY terms
import { readFileSync } from 'node:fs'
import { rgbaToThumbHash, thumbHashToAverageRGBA } from 'thumbhash'
import { encode } from 'blurhash'

const [cmd, ...args] = process.argv.slice(2)
if (cmd === 'encode') {
  const rgba = new Uint8Array(readFileSync(args[0]))
  const hash = rgbaToThumbHash(Number(args[1]), Number(args[2]), rgba)
  console.log(Buffer.from(hash).toString('base64'))
} else if (cmd === 'average') {
  const { r, g, b, a } = thumbHashToAverageRGBA(new Uint8Array(Buffer.from(args[0], 'base64')))
  console.log(`${r} ${g} ${b} ${a}`)
} else if (cmd === 'blurhash') {
  const rgba = new Uint8ClampedArray(readFileSync(args[0]))
  console.log(encode(rgba, ...args.slice(1, 5).map(Number)))
} else {
  console.error('usage: node check.mjs encode RAW W H | average B64 | blurhash RAW W H NX NY')
  process.exit(2)
}
