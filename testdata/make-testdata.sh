#!/usr/bin/env bash
# Regenerates the synthetic files of testdata/ with the libvips CLI (Debian 12: libvips-tools).
# The photos in photos/orientation/ are copied from ../shared/corpus/exif-orientation (MIT, see
# photos/orientation/LICENSE): the same 1800x1200 landscape stored with EXIF orientations 0-8, and
# two portraits. Everything else is made here, from one of those photos or from scratch:
#   formats/alpha.png      RGBA: the photo at 300x200 with a transparent left half
#   formats/deep16.png     16-bit RGB
#   formats/grey.jpg       one-band greyscale JPEG
#   formats/cmyk.jpg       CMYK JPEG (libvips' built-in CMYK profile)
#   formats/anim.gif       3-frame animated GIF (first frame red, then green, then blue)
#   formats/animated.webp      the same frames as an animated WebP
#   formats/scan.tif       LZW TIFF
#   formats/photo.webp     lossy WebP
#   nested/a b/ü deep/été photo 1.jpg   a name with spaces and non-ASCII in nested folders
#                          (Portrait_6 at 600 px, orientation applied)
#   bad/truncated.jpg      the first 20000 bytes of a photo
#   bad/empty.jpg          zero bytes
#   bad/notes.jpg          a text file named .jpg
#   bad/readme.txt         a text file: not an image, skipped silently
set -euo pipefail
cd "$(dirname "$0")"
corpus=${CORPUS:-../../shared/corpus/exif-orientation}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

mkdir -p photos/orientation formats "nested/a b/ü deep" bad
for n in 0 1 2 3 4 5 6 7 8; do cp "$corpus/Landscape_$n.jpg" photos/orientation/; done
cp "$corpus/Portrait_6.jpg" "$corpus/LICENSE" photos/orientation/

src=photos/orientation/Landscape_1.jpg
vips thumbnail "$src" "$t/small.v" 300
vips bandjoin_const "$t/small.v" "$t/rgba.v" 255
vips black "$t/mask.v" 150 200
vips embed "$t/mask.v" "$t/mask2.v" 0 0 300 200 --extend white
vips extract_band "$t/rgba.v" "$t/rgb.v" 0 --n 3
vips cast "$t/mask2.v" "$t/mask3.v" uchar
vips bandjoin "$t/rgb.v $t/mask3.v" formats/alpha.png
vips colourspace "$t/small.v" formats/deep16.png rgb16
vips colourspace "$t/small.v" "formats/grey.jpg[Q=85]" b-w
vips icc_export "$t/small.v" "formats/cmyk.jpg[Q=85,strip]" --output-profile cmyk
vips black "$t/f.v" 120 80 --bands 3
vips linear "$t/f.v" "$t/r.v" "1 1 1" "255 0 0" --uchar
vips linear "$t/f.v" "$t/g.v" "1 1 1" "0 255 0" --uchar
vips linear "$t/f.v" "$t/b.v" "1 1 1" "0 0 255" --uchar
vips join "$t/r.v" "$t/g.v" "$t/rg.v" vertical
vips join "$t/rg.v" "$t/b.v" "$t/frames.v" vertical
vips gifsave "$t/frames.v" formats/anim.gif --page-height 80
vips webpsave "$t/frames.v" formats/animated.webp --page-height 80
vips tiffsave "$t/small.v" formats/scan.tif --compression lzw
vips webpsave "$t/small.v" formats/photo.webp --Q 80
vips thumbnail "$corpus/Portrait_6.jpg" "nested/a b/ü deep/été photo 1.jpg[Q=85]" 600

head -c 20000 "$src" > bad/truncated.jpg
: > bad/empty.jpg
printf 'this is not a picture\n' > bad/notes.jpg
printf 'testdata: see make-testdata.sh\n' > bad/readme.txt
