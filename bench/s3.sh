#!/usr/bin/env bash
# Object-storage benchmark, on loopback against the tests' S3 server (s3rver, which checks
# signatures; install it once with: npm ci --prefix cmd/tests/s3).
#
#   bench/s3.sh [ROUNDS]     (default 5; run bench/run.sh once first: it makes the photo corpus)
#
# 1. local -> folder and local -> s3:// of bench/run.sh's corpus (-j 2), rounds interleaved:
#    median wall of each and the ratio, with the S3 requests per image.
# 2. A rerun with nothing to do over 1,000 objects: median wall, and what the server alone takes
#    to answer that one LIST (timed with curl).
# 3. Peak RSS of thumbgen while it lists 1,000 and 100,000 keys (s3:// SRC, --shard so that
#    almost nothing is fetched: the listing is what is measured). The keys are written straight
#    into the server's data folder, in its own layout, rather than PUT one by one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=${1:-5}
corpus=${BENCH_CACHE:-$root/.bench-cache}/corpus
tg=${THUMBGEN:-$root/build/thumbgen}
[ -d "$corpus" ] || { echo "bench: no corpus; run bench/run.sh first" >&2; exit 2; }
[ -d "$root/cmd/tests/s3/node_modules" ] || npm ci --prefix "$root/cmd/tests/s3" --no-audit --no-fund
work=$(mktemp -d)
mkfifo "$work/port"
node --openssl-legacy-provider "$root/cmd/tests/s3/server.js" "$work/data" "$work/log" bench \
  > "$work/port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
read -r port < "$work/port" # the server prints its port once it listens
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
wall() { /usr/bin/time -f %e -o "$work/t" "$@" >/dev/null 2>&1 || true; cat "$work/t"; }

for i in $(seq "$rounds"); do
  rm -rf "$work/out"
  wall "$tg" "$corpus" "$work/out" -j 2 --quiet >> "$work/folder"
  wall "$tg" "$corpus" "s3://bench/r$i" -j 2 --quiet >> "$work/s3"
done
f=$(median < "$work/folder"); s=$(median < "$work/s3")
echo "local -> folder  median $f s"
echo "local -> s3      median $s s   ratio $(echo "$s $f" | awk '{printf "%.2f", $1/$2}')"
"$tg" "$corpus" s3://bench/stats -j 2 --quiet --stats 2>&1 | grep 'S3 requests'

mkdir -p "$work/k1"
vips black "$work/k1/seed.jpg" 64 48
for i in $(seq -w 1 1000); do cp "$work/k1/seed.jpg" "$work/k1/img$i.jpg"; done
rm "$work/k1/seed.jpg"
"$tg" "$work/k1" s3://bench/k1 -j 2 --quiet
for i in $(seq "$rounds"); do wall "$tg" "$work/k1" s3://bench/k1 -j 2 --quiet >> "$work/rerun"; done
echo "rerun, 1000 up to date: median $(median < "$work/rerun") s"
for i in $(seq "$rounds"); do
  wall curl -s --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
    -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
    "$AWS_ENDPOINT_URL/bench?delimiter=%2F&list-type=2&prefix=k1%2F" >> "$work/list"
done
echo "  the server alone answering that LIST: median $(median < "$work/list") s"

for n in 1000 100000; do
  python3 - "$work/data/keys$n/p" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
for i in range(n):
    b = f"{d}/f{i:06d}.txt._S3rver_"
    open(b + "object", "w").write("x")
    open(b + "object.md5", "w").write("9dd4e461268c8034f5c8564e155c67a6")
    open(b + "metadata.json", "w").write('{"content-type": "text/plain"}')
PY
  /usr/bin/time -f "%M %e" -o "$work/t" "$tg" "s3://keys$n/p" "$work/o$n" --shard 7/1000000 \
    --quiet --stats 2> "$work/stats$n" || true
  read -r kb sec < "$work/t"
  echo "listing $n keys: peak RSS $((kb / 1024)) MiB in $sec s; $(grep -o '[0-9]* LIST' "$work/stats$n")"
done
