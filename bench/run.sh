#!/usr/bin/env bash
# Benchmark matrix: thumbgen against the thumbnailers people use, on the workloads they give them.
#
#   bench/run.sh [--quick] [ROUNDS]     (default 3 rounds; --quick: 1 round on a quarter of each
#                                        corpus, for development; builds build/thumbgen if missing)
#
# Corpora are made once, deterministically, and cached in .bench-cache/ (BENCH_CACHE). The photos
# are made with libvips from a real photo where this checkout has ../shared/corpus (never copied
# into the project), else from testdata's synthetic picture: upscaled, shifted, re-toned, with
# seeded noise for photo-like entropy. Workloads, in the order they run:
#   1. the matrix, every tool on every workload (Tools below), wall time and peak RSS:
#      photo-256    40 photo-like JPEGs, 20 of 12 MP and 20 of 24 MP, Q90  -> 256 px box JPEG Q80
#      photo-1024   the same                                               -> 1024 px box JPEG Q80
#      photo-webp   the same                                               -> 256 px box WebP Q80
#      small-256    400 photo-like JPEGs of 0.5 MP                         -> 256 px box JPEG Q80
#      png-256      40 PNGs of 3.8 MP                                      -> 256 px box JPEG Q80
#      two-sizes    the photos -> 256 and 1024 from one decode (thumbgen only; its ratio is to
#                   thumbgen's own photo-1024 time: the cost of the second size)
#   2. memory: thumbgen -j 8 on the photos once, the RSS and PSS of its whole process tree
#      (thumbgen and its decoders) sampled every 20 ms and summed; the peaks are printed.
#   3. the pipeline library alone: `thumbgen primes -n 10 --seed 1` at -j 1 and -j 2.
#   4. camera RAW (needs libtiff-dev for build/make-dng, and libraw-bin): 40 synthetic 24 MP DNGs
#      (testdata/make-dng.c: a 16-bit Bayer mosaic of each 24 MP photo, as shot and turned 90
#      degrees, with a full-size JPEG preview) -> 256 px:
#      raw-auto      thumbgen at its defaults (--raw auto: the preview, thumbnailed by libvips)
#      raw-preview   thumbgen on the same previews as plain JPEGs (target: raw-auto <= 1.2x this)
#      extract+vips  simple_dcraw -e to extract every preview, then vipsthumbnail on them, one
#                    process per CPU each (target: raw-auto faster)
#      raw-develop   thumbgen --raw develop (half-size demosaic: 256 px fits in half the sensor)
#      dcraw_emu -h  LibRaw's own half-size develop to PPM, one process per CPU (target:
#                    raw-develop <= 1.5x this; it does not resize or encode)
#   5. video (needs ffmpeg and ffmpegthumbnailer): 40 one-minute 1080p H.264 clips (4 made by
#      ffmpeg from its test patterns, each copied 10 times) -> 256 px JPEG, thumbgen against
#      ffmpegthumbnailer -s 256 one process per CPU (target: thumbgen <= 0.5x); then 4 clips of
#      5 s of 4K 10-bit HEVC: seconds per clip, and the peak RSS of thumbgen's largest process.
#   6. animations (needs ffmpeg): 40 animated GIFs of 100 frames, 480x270 (4 made by ffmpeg, each
#      copied 10 times) -> 128 px animated WebP: thumbgen --animated against vipsthumbnail
#      ([n=-1]) one process per CPU and sharp (animated: true) x2 and x4 (target: thumbgen <= 0.9x
#      the best).
#
# Tools of the matrix, each at its best setting on this machine, all applying EXIF orientation and
# stripping metadata:
#   thumbgen      its defaults (-j = online CPUs, one sandboxed decoder process per worker)
#   sharp x2/x4   sharp 0.35.5 (Node, from the npm registry, cached; bundles its own libvips),
#                 sharp.cache(false), 2 or 4 images in flight in one process
#   vips xN       vipsthumbnail (Debian's libvips), one process per CPU (xargs -P)
#   tg-base       with THUMBGEN_BASE=/path/to/another/thumbgen: that build, in the same rounds
# Rounds are interleaved (every tool on every workload, then again), after one warm-up pass, and
# each round starts with the next tool (rotated); the RAW, video and animation workloads likewise,
# each on its own. Printed: median wall time per tool
# and workload, the best peer's, and thumbgen's ratio to it (below 1: thumbgen is faster); the
# median peak RSS of each run's largest process; then each later workload's medians and targets.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
rounds=${1:-3}
[ $quick = 1 ] && rounds=1
cache=${BENCH_CACHE:-$root/.bench-cache}
tg=${THUMBGEN:-$root/build/thumbgen}
ncpu=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "bench: $1 not found (apt-get install $2)" >&2; exit 2; }; }
need vips libvips-tools
need vipsthumbnail libvips-tools
need /usr/bin/time time
if [ ! -x "$tg" ]; then
  echo "bench: building thumbgen..." >&2
  cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j"$ncpu" --target thumbgen >/dev/null
fi

# ---- corpora
photos=$cache/corpus small=$cache/small png=$cache/png
make_photos() {
  mkdir -p "$photos.tmp"
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
    vips cast "$work/sum.v" "$photos.tmp/photo$(printf %02d "$i").jpg[Q=90]" uchar
  done
  mv "$photos.tmp" "$photos"
}
make_small() { # 400 of 0.5 MP: each photo shrunk to 880 px wide, 10 crops of it, seeded noise
  mkdir -p "$small.tmp"
  for p in $(seq 0 39); do
    vips resize "$photos/photo$(printf %02d "$p").jpg" "$work/s.v" "$(vipsheader -f width "$photos/photo$(printf %02d "$p").jpg" | awk '{print 880/$1}')"
    for k in $(seq 0 9); do
      local i=$((p * 10 + k))
      vips extract_area "$work/s.v" "$work/c.v" "$k" $((k % 3)) 866 576
      vips gaussnoise "$work/n.v" 866 576 --sigma 4 --seed "$i"
      vips add "$work/c.v" "$work/n.v" "$work/a.v"
      vips cast "$work/a.v" "$small.tmp/small$(printf %03d "$i").jpg[Q=90]" uchar
    done
  done
  mv "$small.tmp" "$small"
}
make_png() { # 40 of 3.8 MP: each photo at 2400 px wide, libvips' default PNG compression
  mkdir -p "$png.tmp"
  for p in $(seq 0 39); do
    local f=$photos/photo$(printf %02d "$p").jpg
    vips resize "$f" "$png.tmp/png$(printf %02d "$p").png" "$(vipsheader -f width "$f" | awk '{print 2400/$1}')"
  done
  mv "$png.tmp" "$png"
}
[ -d "$photos" ] || { echo "bench: making the photo corpus in $photos (once)..." >&2; make_photos; }
[ -d "$small" ] || { echo "bench: making the small-photo corpus in $small (once)..." >&2; make_small; }
[ -d "$png" ] || { echo "bench: making the PNG corpus in $png (once)..." >&2; make_png; }
# quarter SRC NAME: a folder holding every 4th file of SRC, hard-linked (thumbgen skips symbolic
# links), for --quick.
quarter() {
  mkdir -p "$work/q/$2"
  ls "$1" | awk 'NR%4==1' | while read -r f; do ln "$1/$f" "$work/q/$2/$f"; done
  echo "$work/q/$2"
}
if [ $quick = 1 ]; then
  photos=$(quarter "$photos" photos) small=$(quarter "$small" small) png=$(quarter "$png" png)
fi

# ---- sharp, pinned, cached
have_sharp=0
if command -v npm >/dev/null; then
  if [ ! -d "$cache/node/node_modules/sharp" ] ||
     ! grep -q '"version": "0.35.5"' "$cache/node/node_modules/sharp/package.json"; then
    mkdir -p "$cache/node"
    (cd "$cache/node" && { [ -f package.json ] || npm init -y >/dev/null; } &&
      npm install --silent --save-exact sharp@0.35.5 >/dev/null 2>&1) || true
  fi
  [ -d "$cache/node/node_modules/sharp" ] && have_sharp=1
fi
cat > "$work/sharp.js" <<'JS'
// node sharp.js SRC DST SIZE FORMAT IN_FLIGHT
const sharp = require('sharp');
const fs = require('fs'), path = require('path');
sharp.cache(false);
const [src, dst, size, format, lanes, animated] = process.argv.slice(2);
const files = fs.readdirSync(src).filter(f => /\.(jpg|png|gif)$/.test(f));
let next = 0;
async function lane() {
  while (next < files.length) {
    const f = files[next++];
    const out = path.join(dst, f.replace(/\.[a-z]+$/, format === 'webp' ? '.webp' : '.jpg'));
    const img = sharp(path.join(src, f), { animated: animated === 'animated' }).rotate()
      .resize(+size, +size, { fit: 'inside', withoutEnlargement: true });
    await (format === 'webp' ? img.webp({ quality: 80 }) : img.jpeg({ quality: 80 })).toFile(out);
  }
}
Promise.all(Array.from({ length: +lanes }, lane)).catch(e => { console.error(e); process.exit(1); });
JS

# ---- one run: workload tool -> "wall cpu rss_kib" ("- - -" when the tool fails)
wl_src() { case $1 in photo-*|two-sizes) echo "$photos" ;; small-*) echo "$small" ;; png-*) echo "$png" ;; esac; }
wl_size() { case $1 in photo-1024) echo 1024 ;; two-sizes) echo 256,1024 ;; *) echo 256 ;; esac; }
wl_fmt() { case $1 in photo-webp) echo webp ;; *) echo jpeg ;; esac; }
run_one() {
  local wl=$1 tool=$2 src size fmt ext
  src=$(wl_src "$wl"); size=$(wl_size "$wl"); fmt=$(wl_fmt "$wl")
  ext=$([ "$fmt" = webp ] && echo webp || echo jpg)
  rm -rf "$work/out"; mkdir -p "$work/out"
  local t=(/usr/bin/time -f "%e %U %S %M" -o "$work/time")
  local per=$(( ($(ls "$src" | wc -l) + ncpu - 1) / ncpu ))
  local ok=0
  case $tool in
    thumbgen) "${t[@]}" "$tg" "$src" "$work/out" -s "$size" -f "$fmt" --quiet && ok=1 ;;
    tg-base) "${t[@]}" "$THUMBGEN_BASE" "$src" "$work/out" -s "$size" -f "$fmt" --quiet && ok=1 ;;
    sharp-x2|sharp-x4)
      "${t[@]}" env NODE_PATH="$cache/node/node_modules" node "$work/sharp.js" "$src" "$work/out" \
        "$size" "$fmt" "${tool#sharp-x}" && ok=1 ;;
    vips-xN)
      "${t[@]}" sh -c "ls '$src'/* | xargs -P $ncpu -n $per vipsthumbnail -s $size -o '$work/out/%s.$ext[Q=80,strip]'" && ok=1 ;;
  esac
  if [ $ok = 1 ]; then awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time"; else echo "- - -"; fi
}

workloads="photo-256 photo-1024 photo-webp small-256 png-256 two-sizes"
peers="vips-xN"
[ $have_sharp = 1 ] && peers="sharp-x2 sharp-x4 $peers"
tools="thumbgen"
[ -n "${THUMBGEN_BASE:-}" ] && tools="$tools tg-base"
tools="$tools $peers"
tools_for() { if [ "$1" = two-sizes ]; then echo "thumbgen"; [ -n "${THUMBGEN_BASE:-}" ] && echo tg-base; else echo "$tools"; fi; }

# rotated R TOOL...: the tools, starting from the (R-1)th: each round starts with another tool, so
# no tool is always the first after another workload (on a VM that slot measured ~7% slower, a
# bias that would otherwise sit in every median of one tool).
rotated() { local r=$1; shift; local a=("$@") i; for ((i = 0; i < $#; i++)); do echo "${a[$(((i + r - 1) % $#))]}"; done; }
echo "bench: warming up..." >&2
for wl in $workloads; do for tool in $(tools_for "$wl"); do run_one "$wl" "$tool" >/dev/null; done; done
for r in $(seq 1 "$rounds"); do
  echo "bench: round $r of $rounds..." >&2
  for wl in $workloads; do
    for tool in $(rotated "$r" $(tools_for "$wl")); do echo "$wl $tool $(run_one "$wl" "$tool")" >> "$work/results"; done
  done
done

median() { grep -v -- '^-$' | sort -n | awk '{v[NR]=$1} END{if (NR==0) print "-"; else print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
stat_of() { awk -v w="$1" -v t="$2" -v k="$3" '$1==w && $2==t {print $k}' "$work/results" | median; }
# measure NAME FN TOOL...: a warm-up pass, then $rounds interleaved rounds of "FN TOOL", each line
# "TOOL output" appended to $work/NAME. med NAME TOOL [COLUMN]: the median of a column (2).
measure() {
  local name=$1 fn=$2; shift 2
  for tool; do "$fn" "$tool" >/dev/null; done
  for r in $(seq 1 "$rounds"); do
    echo "bench: $name round $r of $rounds..." >&2
    for tool in $(rotated "$r" "$@"); do echo "$tool $("$fn" "$tool")" >> "$work/$name"; done
  done
}
med() { awk -v t="$2" -v k="${3:-2}" '$1==t{print $k}' "$work/$1" | median; }
count() { ls "$(wl_src "$1")" | wc -l; }

echo "$rounds round(s) interleaved, $ncpu CPUs, medians; $(vips --version), sharp $([ $have_sharp = 1 ] && echo 0.35.5 || echo 'not installed')"
echo
echo "wall time, s"
printf "%-11s %6s" workload images; for tool in $tools; do printf " %9s" "$tool"; done; printf " %10s %8s\n" "best peer" "tg/best"
for wl in $workloads; do
  printf "%-11s %6s" "$wl" "$(count "$wl")"
  best=- bestname=-
  for tool in $tools; do
    if [ "$wl" = two-sizes ] && ! tools_for "$wl" | grep -qx "$tool"; then printf " %9s" ""; continue; fi
    w=$(stat_of "$wl" "$tool" 3); printf " %9s" "$w"
    if [ "$wl" != two-sizes ] && [ "$w" != - ] && [[ " $peers " == *" $tool "* ]] &&
       { [ "$best" = - ] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a<b)}'; }; then best=$w bestname=$tool; fi
  done
  tgw=$(stat_of "$wl" thumbgen 3)
  if [ "$wl" = two-sizes ]; then best=$(stat_of photo-1024 thumbgen 3) bestname="tg 1024"; fi
  if [ "$best" != - ] && [ "$tgw" != - ]; then
    awk -v b="$best" -v n="$bestname" -v t="$tgw" 'BEGIN{printf " %10s %7.2fx\n", b " " n, t/b}'
  else printf " %10s %8s\n" - -; fi
done
echo
echo "peak RSS of the largest process, MiB (thumbgen: the main process or one decoder)"
printf "%-11s %6s" workload images; for tool in $tools; do printf " %9s" "$tool"; done; echo
for wl in $workloads; do
  printf "%-11s %6s" "$wl" "$(count "$wl")"
  for tool in $(tools_for "$wl" | tr '\n' ' '); do
    m=$(stat_of "$wl" "$tool" 5); [ "$m" = - ] && printf " %9s" - || awk -v m="$m" 'BEGIN{printf " %9.1f", m/1024}'
  done
  echo
done
[ $have_sharp = 1 ] || echo "(sharp could not be installed from the npm registry)"

# ---- memory (workload 2): summed RSS and PSS of thumbgen and its children at -j 8
tree_sample() { # pid... -> "rss_kib pss_kib" summed
  for p in "$@"; do awk '/^Rss:/{r=$2} /^Pss:/{q=$2} END{print r+0, q+0}' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{r+=$1; q+=$2} END{print r+0, q+0}'
}
rm -rf "$work/out"; mkdir -p "$work/out"
"$tg" "$photos" "$work/out" -j 8 --quiet & pid=$!
peak_rss=0; peak_pss=0
while kill -0 "$pid" 2>/dev/null; do
  read -r r q < <(tree_sample "$pid" $(pgrep -P "$pid"))
  [ "$r" -gt "$peak_rss" ] && peak_rss=$r
  [ "$q" -gt "$peak_pss" ] && peak_pss=$q
  sleep 0.02
done
wait "$pid" || true
echo
awk -v r=$peak_rss -v q=$peak_pss 'BEGIN{printf "thumbgen -j 8 on the photos, whole process tree: peak summed RSS %.1f MiB, peak summed PSS %.1f MiB\n", r/1024, q/1024}'

# ---- the pipeline library's own workload (3)
for r in $(seq 1 "$rounds"); do
  for j in 1 2; do
    /usr/bin/time -f "%e" -o "$work/time" "$tg" primes -n 10 -j $j --seed 1 >/dev/null 2>&1
    echo "$j $(cat "$work/time")" >> "$work/primes"
  done
done
p1=$(awk '$1==1{print $2}' "$work/primes" | median) p2=$(awk '$1==2{print $2}' "$work/primes" | median)
awk -v a="$p1" -v b="$p2" 'BEGIN{printf "thumbgen primes -n 10 --seed 1: -j 1 %.2f s, -j 2 %.2f s (%.2fx)\n", a, b, a/b}'

# ---- camera RAW (workload 4 in the header)
raw=$cache/raw rawprev=$cache/raw-previews
make_dng=$root/build/make-dng
if [ ! -x "$make_dng" ] && pkg-config --exists libtiff-4; then
  cmake --build "$root/build" -j"$ncpu" --target make-dng >/dev/null
fi
if [ -x "$make_dng" ] && command -v simple_dcraw >/dev/null && command -v dcraw_emu >/dev/null; then
  if [ ! -d "$raw" ]; then
    echo "bench: making the RAW corpus in $raw (once)..." >&2
    mkdir -p "$raw.tmp" "$rawprev.tmp"
    for p in $(seq 20 39); do
      for o in 1 6; do
        "$make_dng" "$photos/photo$p.jpg" "$raw.tmp/raw${p}_$o.dng" --bits 16 --orientation $o --preview 1
      done
    done
    # The previews as plain JPEGs (what simple_dcraw -e extracts), for the raw-preview row.
    (cd "$raw.tmp" && for f in *.dng; do simple_dcraw -e "$f" >/dev/null; done)
    for f in "$raw.tmp"/*.thumb.jpg; do b=$(basename "$f" .dng.thumb.jpg); mv "$f" "$rawprev.tmp/$b.jpg"; done
    mv "$rawprev.tmp" "$rawprev"; mv "$raw.tmp" "$raw"
  fi
  rawsrc=$raw rawprevsrc=$rawprev
  [ $quick = 1 ] && rawsrc=$(quarter "$raw" raw) rawprevsrc=$(quarter "$rawprev" rawprev)
  nraw=$(ls "$rawsrc" | wc -l) per=$(( (nraw + ncpu - 1) / ncpu ))
  raw_one() { # tool -> wall seconds
    rm -rf "$work/out" "$work/ext"; mkdir -p "$work/out" "$work/ext"
    local t=(/usr/bin/time -f "%e" -o "$work/time")
    case $1 in
      raw-auto) "${t[@]}" "$tg" "$rawsrc" "$work/out" --quiet ;;
      raw-preview) "${t[@]}" "$tg" "$rawprevsrc" "$work/out" --quiet ;;
      extract+vips)
        "${t[@]}" sh -c "for f in '$rawsrc'/*.dng; do ln -s \"\$f\" '$work/ext/'; done &&
          ls '$work/ext'/*.dng | xargs -P $ncpu -n $per simple_dcraw -e >/dev/null &&
          ls '$work/ext'/*.thumb.jpg | xargs -P $ncpu -n $per vipsthumbnail -s 256 -o '$work/out/%s.jpg[Q=80,strip]'" ;;
      raw-develop) "${t[@]}" "$tg" "$rawsrc" "$work/out" --raw develop --quiet ;;
      dcraw_emu) "${t[@]}" sh -c "for f in '$rawsrc'/*.dng; do ln -s \"\$f\" '$work/ext/'; done &&
          ls '$work/ext'/*.dng | xargs -P $ncpu -n $per dcraw_emu -h -w >/dev/null" ;;
    esac >/dev/null 2>&1 && cat "$work/time" || echo -
  }
  rawtools="raw-auto raw-preview extract+vips raw-develop dcraw_emu"
  measure raw raw_one $rawtools
  echo
  echo "camera RAW, $nraw DNGs of 24 MP with a full-size preview -> 256 px JPEG; wall time, s (medians)"
  for tool in $rawtools; do printf "  %-13s %6s\n" "$tool" "$(med raw "$tool")"; done
  awk -v a="$(med raw raw-auto)" -v p="$(med raw raw-preview)" -v e="$(med raw extract+vips)" \
      -v d="$(med raw raw-develop)" -v c="$(med raw dcraw_emu)" 'BEGIN{
    printf "  raw-auto / raw-preview %.2fx (target <= 1.2), raw-auto / extract+vips %.2fx (target < 1)\n", a/p, a/e
    printf "  raw-develop / dcraw_emu -h %.2fx (target <= 1.5)\n", d/c }'
else
  echo
  echo "camera RAW: skipped (needs build/make-dng, i.e. libtiff-dev, and libraw-bin)"
fi

# ---- video (workload 5)
clips=$cache/clips clips4k=$cache/clips-4k
if command -v ffmpeg >/dev/null && command -v ffmpegthumbnailer >/dev/null; then
  if [ ! -d "$clips" ]; then
    echo "bench: making the clips in $clips (once)..." >&2
    mkdir -p "$clips.tmp"
    for k in 0 1 2 3; do
      src=$([ $((k % 2)) = 0 ] && echo testsrc2 || echo smptehdbars)
      ffmpeg -nostdin -v error -f lavfi -i "$src=s=1920x1080:r=30:d=60" -c:v libx264 -preset veryfast \
        -pix_fmt yuv420p "$clips.tmp/clip$k.mp4"
      for c in $(seq 1 9); do cp "$clips.tmp/clip$k.mp4" "$clips.tmp/clip${k}_$c.mp4"; done
    done
    mv "$clips.tmp" "$clips"
  fi
  if [ ! -d "$clips4k" ]; then
    mkdir -p "$clips4k.tmp"
    for k in 0 1 2 3; do
      ffmpeg -nostdin -v error -f lavfi -i "testsrc2=s=3840x2160:r=24:d=5" -c:v libx265 -preset ultrafast \
        -x265-params log-level=none -pix_fmt yuv420p10le "$clips4k.tmp/uhd$k.mkv"
    done
    mv "$clips4k.tmp" "$clips4k"
  fi
  clipsrc=$clips
  [ $quick = 1 ] && clipsrc=$(quarter "$clips" clips)
  nclip=$(ls "$clipsrc" | wc -l) per=$(( (nclip + ncpu - 1) / ncpu ))
  cat > "$work/ftn.sh" <<'SH'
for f; do ffmpegthumbnailer -s 256 -q 8 -i "$f" -o "$OUT/$(basename "$f" .mp4).jpg"; done
SH
  video_one() { # tool -> "wall rss_kib"
    rm -rf "$work/out"; mkdir -p "$work/out"
    local t=(/usr/bin/time -f "%e %M" -o "$work/time")
    case $1 in
      thumbgen) "${t[@]}" "$tg" "$clipsrc" "$work/out" --quiet ;;
      ffmpegthumbnailer) OUT=$work/out "${t[@]}" sh -c "ls '$clipsrc'/*.mp4 | xargs -P $ncpu -n $per sh '$work/ftn.sh'" ;;
      uhd) "${t[@]}" "$tg" "$clips4k" "$work/out" --quiet ;;
    esac >/dev/null 2>&1 && cat "$work/time" || echo "- -"
  }
  measure video video_one thumbgen ffmpegthumbnailer uhd
  echo
  echo "video, $nclip one-minute 1080p H.264 clips -> 256 px JPEG; wall time, s (medians)"
  printf "  %-18s %6s\n" thumbgen "$(med video thumbgen 2)" ffmpegthumbnailer "$(med video ffmpegthumbnailer 2)"
  awk -v a="$(med video thumbgen 2)" -v b="$(med video ffmpegthumbnailer 2)" \
    'BEGIN{printf "  thumbgen / ffmpegthumbnailer %.2fx (target <= 0.5)\n", a/b}'
  awk -v w="$(med video uhd 2)" -v m="$(med video uhd 3)" -v n="$(ls "$clips4k" | wc -l)" 'BEGIN{
    printf "  4K 10-bit HEVC: %.2f s per clip (%d clips, -j %d), largest process peak RSS %.1f MiB\n", w/n, n, '"$ncpu"', m/1024 }'
else
  echo
  echo "video: skipped (needs ffmpeg and ffmpegthumbnailer)"
fi

# ---- animations (workload 6)
gifs=$cache/gifs
if command -v ffmpeg >/dev/null; then
  if [ ! -d "$gifs" ]; then
    echo "bench: making the animated GIFs in $gifs (once)..." >&2
    mkdir -p "$gifs.tmp"
    for k in 0 1 2 3; do
      src=$(echo testsrc2 smptebars rgbtestsrc testsrc | cut -d' ' -f$((k + 1)))
      ffmpeg -nostdin -v error -f lavfi -i "$src=s=480x270:r=10:d=10" "$gifs.tmp/anim$k.gif"
      for c in $(seq 1 9); do cp "$gifs.tmp/anim$k.gif" "$gifs.tmp/anim${k}_$c.gif"; done
    done
    mv "$gifs.tmp" "$gifs"
  fi
  gifsrc=$gifs
  [ $quick = 1 ] && gifsrc=$(quarter "$gifs" gifs)
  ngif=$(ls "$gifsrc" | wc -l) per=$(( (ngif + ncpu - 1) / ncpu ))
  anim_one() { # tool -> wall seconds
    rm -rf "$work/out"; mkdir -p "$work/out"
    local t=(/usr/bin/time -f "%e" -o "$work/time")
    case $1 in
      thumbgen) "${t[@]}" "$tg" "$gifsrc" "$work/out" --animated -f webp -s 128 --quiet ;;
      vips-xN) "${t[@]}" sh -c "ls '$gifsrc'/*.gif | sed 's/\$/[n=-1]/' | xargs -P $ncpu -n $per vipsthumbnail -s 128 -o '$work/out/%s.webp[Q=80,strip]'" ;;
      sharp-x2|sharp-x4) "${t[@]}" env NODE_PATH="$cache/node/node_modules" node "$work/sharp.js" \
          "$gifsrc" "$work/out" 128 webp "${1#sharp-x}" animated ;;
    esac >/dev/null 2>&1 && cat "$work/time" || echo -
  }
  animtools="thumbgen vips-xN"
  [ $have_sharp = 1 ] && animtools="$animtools sharp-x2 sharp-x4"
  measure anim anim_one $animtools
  echo
  echo "animations, $ngif GIFs of 100 frames 480x270 -> 128 px animated WebP; wall time, s (medians)"
  best=-
  for tool in $animtools; do
    printf "  %-10s %6s\n" "$tool" "$(med anim "$tool")"
    if [ "$tool" != thumbgen ] && [ "$(med anim "$tool")" != - ] &&
       { [ "$best" = - ] || awk -v a="$(med anim "$tool")" -v b="$best" 'BEGIN{exit !(a<b)}'; }; then
      best=$(med anim "$tool"); fi
  done
  awk -v a="$(med anim thumbgen)" -v b="$best" 'BEGIN{printf "  thumbgen / best peer %.2fx (target <= 0.9)\n", a/b}'
fi

