#!/usr/bin/env bash
# Makes files that Debian 12's libvips 8.14 cannot survive on its own, into the folder given as
# $1 (created if missing). Nothing here is committed: the tests run this script into a temporary
# folder, so no walk of testdata/ ever meets these files by accident.
#
#   turbulence.svg  250 bytes of SVG whose feTurbulence filter asks for 10^9 octaves per pixel:
#                   librsvg renders it for days (vipsthumbnail sits at 100% CPU, and one Ctrl-C
#                   ends it only because it is a single process). thumbgen's decoder for it is
#                   killed at --timeout, or at once on Ctrl-C, and the batch carries on.
#   huge.avif       a small AVIF made here whose 'ispe' box is rewritten to claim 70000x70000
#                   pixels: libheif refuses it past its security limit, and libvips passes that
#                   on as a bare "(6.1000)" after the text, which thumbgen keeps in words.
# Needs the libvips CLI (libvips-tools) and a libheif with an AV1 encoder (Debian's has aom).
set -euo pipefail
out=${1:?usage: make-hostile.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

cat > "$out/turbulence.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><filter id="f"><feTurbulence baseFrequency="0.01" numOctaves="1000000000"/></filter><rect width="2000" height="2000" filter="url(#f)"/></svg>
SVG

vips thumbnail "$here/formats/photo.webp" "$out/huge.avif[compression=av1,Q=50]" 64
off=$(grep -obUa ispe "$out/huge.avif" | head -1 | cut -d: -f1)
[ -n "$off" ] || { echo "make-hostile.sh: no ispe box in the AVIF" >&2; exit 1; }
# ispe: 4 bytes version/flags, then width and height, big-endian: 70000 = 0x00011170.
printf '\x00\x01\x11\x70\x00\x01\x11\x70' |
    dd of="$out/huge.avif" bs=1 seek=$((off + 8)) conv=notrunc status=none
