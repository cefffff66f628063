/* jscos: cos as JavaScript engines compute it (V8's Math.cos: fdlibm's), for the placeholder
 * encoders (thumbhash.h, blurhash.h), whose references are JavaScript: glibc's cos is nearer
 * correctly rounded and differs from it in the last bit for about 4% of a thumbnail's arguments,
 * which moves DCT terms that are zero in exact arithmetic (a symmetric image's) across a rounding
 * boundary of a hash. Runs in the decoder; cannot fail. */
#ifndef IMAGING_DECODER_JSCOS_H
#define IMAGING_DECODER_JSCOS_H

/* cos(x) as V8 computes it, for |x| below 2^19 * pi/2 (a hash's arguments are below 100 * pi). */
double js_cos(double x);

#endif
