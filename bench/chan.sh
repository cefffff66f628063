#!/usr/bin/env bash
# Channel benchmark: thumbgen's chan (pipeline/bench/chan_bench) against Go's channels
# (bench/chan_go.go, built with the machine's Go when there is one: apt-get install golang-go), in
# the same rounds, interleaved. Prints the median M items/s per configuration and the ratio.
#
#   bench/chan.sh [ROUNDS] [ITEMS]     (defaults 5 rounds, 4000000 items per configuration)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=${1:-5}
items=${2:-4000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$root" -B "$root/build" >/dev/null
cmake --build "$root/build" --target chan_bench >/dev/null
tools="c"
if command -v go >/dev/null; then
  (cd "$work" && cp "$here/chan_go.go" . && GOCACHE="$work/gocache" go build -o chan_go chan_go.go)
  tools="c go"
fi
for r in $(seq 1 "$rounds"); do
  for t in $tools; do
    case $t in
      c) "$root/build/chan_bench" "$items" ;;
      go) "$work/chan_go" "$items" ;;
    esac | awk -v t=$t 'NR>1{print t, $1, $2, $3}' >> "$work/results"
  done
done
median() { sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "$rounds rounds interleaved, $(nproc) CPUs, medians, M items/s"
printf "%-10s %-6s %10s %10s %10s\n" capacity "P x C" thumbgen Go "tg / Go"
awk '{print $2, $3}' "$work/results" | awk '!seen[$0]++' | while read -r cap pc; do
  c=$(awk -v k="$cap" -v p="$pc" '$1=="c" && $2==k && $3==p {print $4}' "$work/results" | median)
  g=$(awk -v k="$cap" -v p="$pc" '$1=="go" && $2==k && $3==p {print $4}' "$work/results" | median)
  awk -v k="$cap" -v p="$pc" -v c="$c" -v g="${g:-0}" \
    'BEGIN{ if (g > 0) printf "%-10s %-6s %10.2f %10.2f %9.2fx\n", k, p, c, g, c/g;
            else printf "%-10s %-6s %10.2f %10s %10s\n", k, p, c, "-", "-" }'
done
