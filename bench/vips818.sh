#!/usr/bin/env bash
# Builds thumbgen against the libvips sharp ships (8.18, with its Highway SIMD resamplers) instead
# of Debian 12's 8.14, for benchmarks only: issue 25 asks how the paths compare on a newer libvips.
#   bench/vips818.sh            -> build-vips818/thumbgen (prints its path)
#   THUMBGEN_BASE=build-vips818/thumbgen bash bench/run.sh   (both builds in the same rounds)
# sharp's prebuilt library (npm @img/sharp-libvips-linux-x64, pinned below, with the headers of
# @img/sharp-libvips-dev) is one shared object holding libvips and GLib; only its vips/ and GLib
# headers are used, so every other library (libheif, libjpeg, FFmpeg, LibRaw) stays Debian's.
# Downloads from the npm registry into BENCH_CACHE (default .bench-cache), once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${BENCH_CACHE:-$root/.bench-cache}/vips818
ver=1.3.4 # sharp 0.35.5's libvips 8.18.7
mkdir -p "$cache"
if [ ! -d "$cache/node_modules/@img/sharp-libvips-dev" ]; then
  (cd "$cache" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund "@img/sharp-libvips-dev@$ver" "@img/sharp-libvips-linux-x64@$ver" >/dev/null)
fi
img=$cache/node_modules/@img
lib=$img/sharp-libvips-linux-x64/lib
so=$(cd "$lib" && ls libvips-cpp.so.* | head -1)
inc=$cache/include
mkdir -p "$inc" "$cache/pkgconfig"
for d in vips glib-2.0; do ln -sfn "$img/sharp-libvips-dev/include/$d" "$inc/$d"; done
cflags="-I$inc -I$inc/glib-2.0 -I$lib/glib-2.0/include"
mkdir -p "$cache/lib" && ln -sfn "$lib/$so" "$cache/lib/libvips-cpp.so"
libs="-L$cache/lib -lvips-cpp -Wl,-rpath,$lib"
# sharp's object exports the GLib libvips uses, not all of it: GLib's checksums (the cache's MD5
# names, S3's signatures) still come from Debian's, loaded after it so that every symbol both
# define resolves to sharp's copy (GLib allocates with malloc in both: memory crosses safely).
for pc in vips gobject-2.0; do
  printf 'Name: %s\nDescription: sharp'"'"'s libvips %s\nVersion: 8.18\nCflags: %s\nLibs: %s\n' \
    "$pc" "$ver" "$cflags" "$libs" > "$cache/pkgconfig/$pc.pc"
done
printf 'Name: glib-2.0\nDescription: sharp'"'"'s, then Debian'"'"'s\nVersion: 2.86\nCflags: %s\nLibs: %s -lglib-2.0\n' \
  "$cflags" "$libs" > "$cache/pkgconfig/glib-2.0.pc"
rm -f "$root/build-vips818/CMakeCache.txt" # pkg-config answers are cached there
PKG_CONFIG_PATH=$cache/pkgconfig cmake -S "$root" -B "$root/build-vips818" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_EXE_LINKER_FLAGS="-L$cache/lib -Wl,--no-as-needed -lvips-cpp -Wl,-rpath,$lib" >/dev/null
cmake --build "$root/build-vips818" -j"$(nproc)" --target thumbgen >/dev/null
first=$(ldd "$root/build-vips818/thumbgen" | grep -n -E 'libvips-cpp|libglib-2.0' | head -1)
case $first in *libvips-cpp*) ;; *) echo "Debian's GLib loads before sharp's libvips: $first" >&2; exit 1 ;; esac
"$root/build-vips818/thumbgen" --version >&2
echo "$root/build-vips818/thumbgen"
