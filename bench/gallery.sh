#!/usr/bin/env bash
# bench/gallery.sh THUMBGEN [ROUNDS]: what --html costs (issue 26's targets).
#   - 10,000 sources in 100 folders (small JPEGs made here with libvips): a first run with and
#     without --html (the difference is the pages and states written from scratch), then a rerun
#     that changes nothing with and without --html, ROUNDS each (default 11), interleaved, medians;
#   - HTML and state bytes per thumbnail;
#   - a top page of 1,000 thumbnails opened in Debian's Chromium from file:// (check.js --bench):
#     time to first paint and to every image loaded (each scrolled into view: they load lazily).
# Needs libvips-tools, chromium, and npm ci --prefix cmd/tests/gallery.
set -euo pipefail
tg=$(realpath "${1:?usage: bench/gallery.sh THUMBGEN [ROUNDS]}")
rounds=${2:-11}
here=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d /tmp/tg-gallery-bench-XXXXXX)
trap 'rm -rf "$t"' EXIT

vips black "$t/z.v" 160 120 --bands 3
vips gaussnoise "$t/n.v" 160 120 --sigma 40 --mean 128
vips add "$t/z.v" "$t/n.v" "$t/a.v"
vips cast "$t/a.v" "$t/seed.jpg[Q=70]" uchar
for d in $(seq -w 0 99); do
  mkdir -p "$t/src/album $d"
  for i in $(seq -w 0 99); do cp "$t/seed.jpg" "$t/src/album $d/IMG_20260$d$i.jpg"; done
done
mkdir -p "$t/top"
for i in $(seq -w 0 999); do cp "$t/seed.jpg" "$t/top/IMG_2026_$i.jpg"; done

secs() { # COMMAND...: wall seconds
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "first run, 10,000 sources in 100 folders (-j 2):"
plain=$(secs "$tg" "$t/src" "$t/plain" -j 2 --quiet)
html=$(secs "$tg" "$t/src" "$t/html" -j 2 --quiet --html)
echo "  without --html ${plain} s, with --html ${html} s"
pages=$(find "$t/html" -name index.html | wc -l)
hb=$(find "$t/html" -name index.html -printf '%s\n' | paste -sd+ | bc)
sb=$(find "$t/html" -name .thumbgen-gallery -printf '%s\n' | paste -sd+ | bc)
echo "  $pages pages: $hb bytes of HTML ($((hb / 10000)) per thumbnail), $sb of state ($((sb / 10000)) per thumbnail)"

snap() { find "$t/html" \( -name index.html -o -name .thumbgen-gallery \) -printf '%i %T@ %p\n' | sort; }
snap >"$t/before"
echo "rerun that changes nothing, $rounds rounds interleaved, median:"
a=() b=()
for r in $(seq "$rounds"); do
  a+=("$(secs "$tg" "$t/src" "$t/plain" -j 2 --quiet)")
  b+=("$(secs "$tg" "$t/src" "$t/html" -j 2 --quiet --html)")
done
ma=$(printf '%s\n' "${a[@]}" | median)
mb=$(printf '%s\n' "${b[@]}" | median)
echo "  without --html $ma s, with --html $mb s: $(echo "scale=3; $mb / $ma" | bc)x"
echo "  pages and states the reruns rewrote: $(snap | diff "$t/before" - | grep -c '^>' || true)"

echo "top page of 1,000 thumbnails in Chromium (file://):"
"$tg" "$t/top" "$t/toph" -j 2 --quiet --html
for r in 1 2 3; do
  node "$here/cmd/tests/gallery/check.js" "$t/toph" --bench
done
