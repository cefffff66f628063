#!/usr/bin/env bash
# bench/placeholder.sh [ROUNDS] [KINDS]: what --placeholder KINDS (default thumbhash) costs on
# bench/run.sh's photo-256 row (its 40 photo-like JPEGs of 12 and 24 MP, from BENCH_CACHE, made by
# bench/run.sh -> 256 px box JPEG Q80, thumbgen at its defaults): the same runs with and without
# the option, interleaved after a warm-up, ROUNDS each (default 7); prints the median wall and CPU
# (user + sys) seconds of each and their ratios. THUMBGEN: the build to measure (default
# build/thumbgen).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-7}
kinds=${2:-thumbhash}
cache=${BENCH_CACHE:-$root/.bench-cache}
tg=${THUMBGEN:-$root/build/thumbgen}
photos=$cache/corpus
[ -d "$photos" ] || { echo "bench: no $photos: run bench/run.sh --quick once to make it" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # run ARGS... -> "wall cpu"
  rm -rf "$work/out"
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$tg" "$photos" "$work/out" -s 256 -f jpeg --quiet "$@"
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$work/time"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

run >/dev/null; run --placeholder "$kinds" >/dev/null # warm-up: page cache, decoders' libraries
: >"$work/off"; : >"$work/on"
for _ in $(seq "$rounds"); do
  run >>"$work/off"
  run --placeholder "$kinds" >>"$work/on"
done
off_wall=$(cut -d' ' -f1 "$work/off" | median); on_wall=$(cut -d' ' -f1 "$work/on" | median)
off_cpu=$(cut -d' ' -f2 "$work/off" | median); on_cpu=$(cut -d' ' -f2 "$work/on" | median)
echo "photo-256, $(ls "$photos" | wc -l) JPEGs -> 256 px JPEG; medians of $rounds, interleaved"
printf '%-36s %8s %8s\n' "" "wall s" "cpu s"
printf '%-36s %8s %8s\n' "thumbgen" "$off_wall" "$off_cpu"
printf '%-36s %8s %8s\n' "--placeholder $kinds" "$on_wall" "$on_cpu"
awk -v a="$off_wall" -v b="$on_wall" -v c="$off_cpu" -v d="$on_cpu" \
  'BEGIN {printf "%-36s %8.3f %8.3f\n", "ratio", b / a, d / c}'
