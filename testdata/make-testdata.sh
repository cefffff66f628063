#!/usr/bin/env bash
# Regenerates every file of testdata/ with libvips (Debian 12: libvips-tools, and libvips-dev
# with a C compiler for orient.c); nothing here is taken from elsewhere. The picture is made here:
# 1200x800, four coloured quadrants (red, green / blue, yellow) with photo-like grain and a black
# "F" at the top left, so that any mirroring or rotation shows at a glance.
#   photos/orientation/Landscape_N.jpg   that picture stored as a camera held another way
#                          would store it: pixels transformed by the inverse of EXIF orientation
#                          N and tagged N (0: no EXIF at all); every one shows the same upright
#                          picture once the orientation is applied (orient.c checks it)
#   photos/orientation/Portrait_6.jpg    the portrait version (800x1200) with orientation 6
#   formats/alpha.png      RGBA: the picture at 300x200 with a transparent left half
#   formats/deep16.png     16-bit RGB
#   formats/grey.jpg       one-band greyscale JPEG
#   formats/cmyk.jpg       CMYK JPEG (libvips' built-in CMYK profile)
#   formats/anim.gif       3-frame animated GIF (first frame red, then green, then blue)
#   formats/animated.webp      the same frames as an animated WebP
#   formats/scan.tif       LZW TIFF
#   formats/photo.webp     lossy WebP
#   nested/a b/ü deep/été photo 1.jpg   a name with spaces and non-ASCII in nested folders
#                          (the portrait at 600 px, orientation applied)
#   bad/truncated.jpg      the first 20000 bytes of a photo
#   bad/empty.jpg          zero bytes
#   bad/notes.jpg          a text file named .jpg
#   bad/readme.txt         a text file: not an image, skipped silently
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cc -O1 -o "$t/orient" orient.c $(pkg-config --cflags --libs vips)

# The picture, upright, landscape then portrait.
picture() { # W H OUT
  local w=$1 h=$2 hw=$(($1 / 2)) hh=$(($2 / 2)) i=0
  vips black "$t/z.v" $hw $hh --bands 3
  for rgb in "210 50 40" "60 170 70" "50 80 200" "230 210 60"; do
    vips linear "$t/z.v" "$t/q$i.v" "1 1 1" "$rgb" --uchar
    i=$((i + 1))
  done
  vips join "$t/q0.v" "$t/q1.v" "$t/top.v" horizontal
  vips join "$t/q2.v" "$t/q3.v" "$t/bot.v" horizontal
  vips join "$t/top.v" "$t/bot.v" "$t/quad.v" vertical
  vips gaussnoise "$t/n.v" $w $h --sigma 6 --mean 0
  vips add "$t/quad.v" "$t/n.v" "$t/noisy.v"
  vips cast "$t/noisy.v" "$t/pic.v" uchar
  vips text "$t/F.v" F --dpi 2400
  vips embed "$t/F.v" "$t/Fw.v" $((w / 12)) $((h / 20)) $w $h
  vips relational_const "$t/Fw.v" "$t/mask.v" more 128
  vips black "$t/blk.v" $w $h --bands 3
  vips ifthenelse "$t/mask.v" "$t/blk.v" "$t/pic.v" "$3"
}
picture 1200 800 "$t/landscape.v"
picture 800 1200 "$t/portrait.v"

rm -rf photos/orientation
mkdir -p photos/orientation formats "nested/a b/ü deep" bad
for n in 0 1 2 3 4 5 6 7 8; do
  "$t/orient" "$t/landscape.v" photos/orientation/Landscape_$n.jpg $n
done
"$t/orient" "$t/portrait.v" photos/orientation/Portrait_6.jpg 6

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
vips thumbnail photos/orientation/Portrait_6.jpg "nested/a b/ü deep/été photo 1.jpg[Q=85]" 600

head -c 20000 "$src" > bad/truncated.jpg
: > bad/empty.jpg
printf 'this is not a picture\n' > bad/notes.jpg
printf 'testdata: see make-testdata.sh\n' > bad/readme.txt
