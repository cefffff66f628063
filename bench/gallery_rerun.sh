#!/usr/bin/env bash
# bench/gallery_rerun.sh THUMBGEN [ROUNDS] [FOLDERS] [PER]: what --html adds to a rerun that changes
# nothing (issue 26's target: at most 1.05x the rerun without --html), counted in instructions
# (valgrind --tool=callgrind, thumbgen's own process: a rerun that changes nothing decodes
# nothing), which a loaded machine does not blur as it does wall time. FOLDERS folders (default
# 100) of PER sources each (default 100): tiny PNGs and JPEGs made here with libvips; one first
# run into a DST without --html and one into another with it, then ROUNDS (default 3) reruns of
# each, interleaved: the medians and their ratio. Needs libvips-tools and valgrind.
set -euo pipefail
tg=$(realpath "${1:?usage: bench/gallery_rerun.sh THUMBGEN [ROUNDS] [FOLDERS] [PER]}")
rounds=${2:-3}
folders=${3:-100}
per=${4:-100}
t=$(mktemp -d /tmp/tg-gallery-rerun-XXXXXX)
trap 'rm -rf "$t"' EXIT

vips gaussnoise "$t/n.v" 48 32 --sigma 40 --mean 128
vips cast "$t/n.v" "$t/seed.png" uchar
vips cast "$t/n.v" "$t/seed.jpg[Q=70]" uchar
for d in $(seq -w 1 "$folders"); do
  mkdir -p "$t/src/album $d"
  for i in $(seq -w 1 "$per"); do
    ext=$([ $((10#$i % 2)) = 0 ] && echo png || echo jpg)
    cp "$t/seed.$ext" "$t/src/album $d/IMG_$d$i.$ext"
  done
done
"$tg" "$t/src" "$t/plain" -j 2 --quiet
"$tg" "$t/src" "$t/html" -j 2 --quiet --html

count() { # DST [more]: the instructions a rerun runs
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$tg" "$t/src" "$@" -j 2 --quiet 2>&1 |
    awk '/Collected :/ {print $4}'
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
a=() b=()
for r in $(seq "$rounds"); do
  a+=("$(count "$t/plain")")
  b+=("$(count "$t/html" --html)")
done
ma=$(printf '%s\n' "${a[@]}" | median)
mb=$(printf '%s\n' "${b[@]}" | median)
echo "$((folders * per)) sources in $folders folders, a rerun that changes nothing, median of $rounds:"
echo "  without --html $ma instructions, with --html $mb: $(echo "scale=3; $mb / $ma" | bc)x"
