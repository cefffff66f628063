/* heiforient: the orientation a HEIF, HEIC or AVIF file wants beyond what libheif applies.
 * libheif turns the pixels by the primary image's irot/imir transform, and libvips' heifload
 * drops the EXIF orientation, as the HEIF standard says the transform is what counts. That is
 * right when a file has one, and wrong for files that carry their orientation only in EXIF (some
 * Apple files, Fujifilm's HIF): they came out on their side. So: a transform, and only it, when
 * the file has one; else the EXIF orientation; never both.
 *
 * Runs in the decoder. libheif 1.15 (Debian 12) says nothing of a handle's transforms, so the
 * primary item's property associations (meta: pitm, iprp/ipco, ipma) are read here, bounds
 * checked; the EXIF block comes through libheif. Error convention: heif_exif_orientation answers
 * (1, "nothing to add", when it cannot tell). */
#ifndef IMAGING_DECODER_HEIFORIENT_H
#define IMAGING_DECODER_HEIFORIENT_H

/* The EXIF orientation (1-8) to apply to the HEIF file open on fd once libheif has decoded it: 1
 * when its primary image has an irot or imir transform (libheif applies it), when its EXIF says
 * no orientation, or when the file cannot be read. */
int heif_exif_orientation(int fd);

#endif
