#!/usr/bin/env bash
# Benchmark harness: thumbgen against the tools people use, on one deterministic corpus.
#
#   bench/run.sh [ROUNDS]        (default 5 rounds, interleaved; builds build/thumbgen if missing)
#
# Corpus: 40 photo-like JPEGs at quality 90, 20 of 12 MP and 20 of 24 MP, made with libvips from
# testdata's landscape (upscaled, shifted, re-toned, with seeded noise for photo-like entropy) and
# cached in .bench-cache/. Every tool makes 256-px-box JPEG thumbnails at quality 80 with 2 images
# in flight:
#   thumbgen          -j 2
#   vips x1           vipsthumbnail, one process for all files
#   vips xN           vipsthumbnail, one process per core (xargs -P nproc)
#   mogrify           ImageMagick mogrify -thumbnail with the jpeg:size hint, 2 processes
#   sharp             Node sharp (from the npm registry, cached), sharp.cache(false), 2 in flight
#   floor             djpeg -scale 1/8 (the DCT scale libvips picks here) to /dev/null, nproc
#                     processes: decoding alone, the floor no thumbnailer can beat
#   tg-base           with THUMBGEN_BASE=/path/to/another/thumbgen: that build, -j 2, in the same
#                     rounds (to measure a change, e.g. the decoder processes, against the build
#                     before it)
# Then thumbgen -j 8 once more, with the memory of its whole process tree (thumbgen and its
# decoder processes) sampled every 20 ms: the peak of the summed RSS (a library page shared by
# several processes counts once per process) and of the summed PSS (each page counted once).
# Prints per tool: median wall, images/s, median CPU (user+sys), median peak RSS (largest
# process), and wall as a ratio to thumbgen's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=${1:-5}
cache=${BENCH_CACHE:-$root/.bench-cache}
corpus=$cache/corpus
tg=${THUMBGEN:-$root/build/thumbgen}
ncpu=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "bench: $1 not found (apt-get install $2)" >&2; exit 2; }; }
need vips libvips-tools
need vipsthumbnail libvips-tools
need djpeg libjpeg-turbo-progs
need /usr/bin/time time
if [ ! -x "$tg" ]; then
  echo "bench: building thumbgen..." >&2
  cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j"$ncpu" --target thumbgen >/dev/null
fi

make_corpus() {
  mkdir -p "$corpus.tmp"
  # A real photo where this checkout has ../shared/corpus (never copied into the project), else
  # testdata's synthetic picture; either way the same corpus on every run of one machine.
  local src=$root/../shared/corpus/exif-orientation/Landscape_1.jpg
  [ -f "$src" ] || src=$root/testdata/photos/orientation/Landscape_1.jpg
  local sw; sw=$(vipsheader -f width "$src")
  for i in $(seq 0 39); do
    local w h
    if [ "$i" -lt 20 ]; then w=4240; h=2832; else w=6000; h=4000; fi
    local s; s=$(awk -v w=$w -v sw="$sw" 'BEGIN{print w/(sw-100)}')
    vips resize "$src" "$work/big.v" "$s" --kernel lanczos3
    vips extract_area "$work/big.v" "$work/crop.v" $((i % 7 * 10)) $((i % 5 * 10)) "$w" "$h" 2>/dev/null \
      || vips copy "$work/big.v" "$work/crop.v"
    vips gaussnoise "$work/noise.v" "$w" "$h" --sigma 6 --seed "$i"
    vips linear "$work/crop.v" "$work/tone.v" "$(awk -v i=$i 'BEGIN{print 0.85+(i%10)*0.03}')" "$((i % 9))"
    vips add "$work/tone.v" "$work/noise.v" "$work/sum.v"
    vips cast "$work/sum.v" "$corpus.tmp/photo$(printf %02d "$i").jpg[Q=90]" uchar
  done
  mv "$corpus.tmp" "$corpus"
}
[ -d "$corpus" ] || { echo "bench: making the corpus in $corpus (once)..." >&2; make_corpus; }
nfiles=$(ls "$corpus"/*.jpg | wc -l)

have_magick=0; command -v mogrify >/dev/null && have_magick=1
have_sharp=0
if command -v npm >/dev/null; then
  if [ ! -d "$cache/node/node_modules/sharp" ]; then
    mkdir -p "$cache/node"
    (cd "$cache/node" && npm init -y >/dev/null && npm install --silent sharp >/dev/null 2>&1) || true
  fi
  [ -d "$cache/node/node_modules/sharp" ] && have_sharp=1
fi
cat > "$work/sharp.js" <<'JS'
const sharp = require('sharp');
const fs = require('fs'), path = require('path');
sharp.cache(false);
const [src, dst] = process.argv.slice(2);
const files = fs.readdirSync(src).filter(f => f.endsWith('.jpg'));
let next = 0;
async function lane() {
  while (next < files.length) {
    const f = files[next++];
    await sharp(path.join(src, f)).rotate()
      .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 }).toFile(path.join(dst, f));
  }
}
Promise.all([lane(), lane()]).catch(e => { console.error(e); process.exit(1); });
JS

per=$(( (nfiles + ncpu - 1) / ncpu ))
run_tool() { # name -> runs once into $work/out, prints "wall cpu rss_kib"
  rm -rf "$work/out"; mkdir -p "$work/out"
  local t=(/usr/bin/time -f "%e %U %S %M" -o "$work/time")
  case $1 in
    thumbgen) "${t[@]}" "$tg" "$corpus" "$work/out" -j 2 --quiet ;;
    tg-base) "${t[@]}" "$THUMBGEN_BASE" "$corpus" "$work/out" -j 2 --quiet ;;
    vips-x1) "${t[@]}" vipsthumbnail -s 256 -o "$work/out/%s.jpg[Q=80,strip]" "$corpus"/*.jpg ;;
    vips-xN) "${t[@]}" sh -c "ls '$corpus'/*.jpg | xargs -P $ncpu -n $per vipsthumbnail -s 256 -o '$work/out/%s.jpg[Q=80,strip]'" ;;
    mogrify) "${t[@]}" sh -c "ls '$corpus'/*.jpg | xargs -P 2 -n $(( (nfiles + 1) / 2 )) mogrify -path '$work/out' -define jpeg:size=512x512 -thumbnail 256x256 -quality 80 -strip" ;;
    sharp) "${t[@]}" env NODE_PATH="$cache/node/node_modules" node "$work/sharp.js" "$corpus" "$work/out" ;;
    floor) "${t[@]}" sh -c "ls '$corpus'/*.jpg | xargs -P $ncpu -n 1 djpeg -scale 1/8 -outfile /dev/null" ;;
  esac
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time"
}

tools="thumbgen vips-x1 vips-xN floor"
[ -n "${THUMBGEN_BASE:-}" ] && tools="thumbgen tg-base vips-x1 vips-xN floor"
[ $have_magick = 1 ] && tools="$tools mogrify"
[ $have_sharp = 1 ] && tools="$tools sharp"
for tool in $tools; do run_tool "$tool" >/dev/null; done # warm the page cache
for r in $(seq 1 "$rounds"); do
  for tool in $tools; do echo "$tool $(run_tool "$tool")" >> "$work/results"; done
done

median() { sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
tgwall=$(awk '$1=="thumbgen"{print $2}' "$work/results" | median)
echo "corpus: $nfiles JPEGs ($corpus), $rounds rounds interleaved, $ncpu CPUs, medians"
printf "%-10s %8s %9s %8s %9s %10s\n" tool "wall s" "images/s" "CPU s" "RSS MiB" "vs thumbgen"
for tool in $tools; do
  w=$(awk -v t=$tool '$1==t{print $2}' "$work/results" | median)
  c=$(awk -v t=$tool '$1==t{print $3}' "$work/results" | median)
  m=$(awk -v t=$tool '$1==t{print $4}' "$work/results" | median)
  awk -v t=$tool -v w=$w -v c=$c -v m=$m -v n=$nfiles -v b=$tgwall \
    'BEGIN{printf "%-10s %8.2f %9.1f %8.2f %9.1f %9.2fx\n", t, w, n/w, c, m/1024, w/b}'
done
[ $have_magick = 1 ] || echo "(mogrify not installed: apt-get install imagemagick)"
[ $have_sharp = 1 ] || echo "(sharp could not be installed from the npm registry)"

# The process tree's memory at -j 8: summed RSS and PSS of thumbgen and its children, sampled.
tree_sample() { # pid... -> "rss_kib pss_kib" summed
  for p in "$@"; do awk '/^Rss:/{r=$2} /^Pss:/{q=$2} END{print r+0, q+0}' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{r+=$1; q+=$2} END{print r+0, q+0}'
}
rm -rf "$work/out"; mkdir -p "$work/out"
"$tg" "$corpus" "$work/out" -j 8 --quiet & pid=$!
peak_rss=0; peak_pss=0
while kill -0 "$pid" 2>/dev/null; do
  read -r r q < <(tree_sample "$pid" $(pgrep -P "$pid"))
  [ "$r" -gt "$peak_rss" ] && peak_rss=$r
  [ "$q" -gt "$peak_pss" ] && peak_pss=$q
  sleep 0.02
done
wait "$pid" || true
awk -v r=$peak_rss -v q=$peak_pss 'BEGIN{printf "thumbgen -j 8, whole process tree: peak summed RSS %.1f MiB, peak summed PSS %.1f MiB\n", r/1024, q/1024}'
