#!/usr/bin/env bash
# Issue 28's user day, repeated: N (default 100) double saves (an editor's temp file renamed over the
# photo twice, a large picture then a small one), N copies whose times are set right after writing
# (touch -d), and N files deleted right after they arrive, all under --watch --prune -j 2. Then
# every output is checked:
#   folder DST (default): the double-saved name shows the second picture (its size), the touched
#     one's mtime seconds are its source's, the deleted ones left nothing;
#   --freedesktop: into a fresh XDG_CACHE_HOME; GLib (thumbnail::is-valid) and GNOME's own factory
#     (cmd/tests/freedesktop/gnome_check.py) accept every double-saved and touched file's entry,
#     the double-saved entry is the second picture's (128x128, not 128x96), and no entry is left
#     for a deleted file.
#   bench/stress_watch.sh [--freedesktop] PATH/TO/thumbgen [N]
# Not a test: it waits for the watcher to go quiet (5 s without a manifest line), so it belongs
# with the benchmarks. Needs libvips-tools (and for --freedesktop python3-gi and
# gir1.2-gnomedesktop-3.0, as the test suite does).
set -u
cache=0; [ "${1:-}" = --freedesktop ] && { cache=1; shift; }
TG=$1; N=${2:-100}
here=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d); mkdir -p $w/src $w/out
vips black $w/A.v 4000 3000 --bands 3; vips linear $w/A.v $w/A.jpg 1 200 --uchar
vips black $w/B.v 600 600 --bands 3; vips linear $w/B.v $w/B.jpg 1 30 --uchar
if [ $cache = 1 ]; then
  export XDG_CACHE_HOME=$w/cache
  $TG --freedesktop $w/src -s normal --watch --prune -j 2 --quiet --manifest $w/m.jsonl 2>$w/err & pid=$!
else
  $TG $w/src $w/out --watch --prune -j 2 --quiet --manifest $w/m.jsonl 2>$w/err & pid=$!
fi
until grep -q watching $w/m.jsonl 2>/dev/null; do sleep 0.1; done
for i in $(seq 1 $N); do
  cp $w/A.jpg $w/src/.t1; mv $w/src/.t1 $w/src/p$i.jpg; cp $w/B.jpg $w/src/.t2; mv $w/src/.t2 $w/src/p$i.jpg
  cp $w/B.jpg $w/src/x$i.jpg; touch -d 2020-05-05 $w/src/x$i.jpg
  cp $w/A.jpg $w/src/d$i.jpg; rm $w/src/d$i.jpg
done
# settle: the manifest stops growing for 5 s
last=-1; while :; do n=$(wc -l < $w/m.jsonl); [ "$n" = "$last" ] && break; last=$n; sleep 5; done
kill -INT $pid; wait $pid; echo "thumbgen exit $?"
bad=0
if [ $cache = 1 ]; then
  chk=$here/cmd/tests/freedesktop/gnome_check.py
  kept=() gone=()
  for i in $(seq 1 $N); do kept+=($w/src/p$i.jpg $w/src/x$i.jpg); gone+=($w/src/d$i.jpg); done
  # gnome_check.py ends with "MODE: K files, M not accepted"
  notok() {
    local out; out=$(/usr/bin/python3 $chk "$@"); echo "$out" >&2
    sed -n 's/.*, \([0-9]*\) not accepted$/\1/p' <<<"$out"
  }
  n1=$(notok thumb normal "${kept[@]}"); n2=$(notok gio - "${kept[@]}"); n3=$(notok gone normal "${gone[@]}")
  bad=$((n1 + n2 + n3))
  for i in $(seq 1 $N); do
    uri=$(/usr/bin/python3 -c 'import sys; from gi.repository import Gio; print(Gio.File.new_for_path(sys.argv[1]).get_uri())' $w/src/p$i.jpg)
    png=$w/cache/thumbnails/normal/$(printf %s "$uri" | md5sum | cut -d' ' -f1).png
    [ "$(vipsheader -f height $png 2>/dev/null)" = 128 ] || { echo "p$i stale/missing"; bad=$((bad+1)); }
  done
  checks=$((6 * N))
else
  for i in $(seq 1 $N); do
    [ "$(vipsheader -f width $w/out/p$i.jpg 2>/dev/null)x$(vipsheader -f height $w/out/p$i.jpg 2>/dev/null)" = 256x256 ] || { echo "p$i stale/missing"; bad=$((bad+1)); }
    [ "$(stat -c %Y $w/out/x$i.jpg 2>/dev/null)" = "$(stat -c %Y $w/src/x$i.jpg)" ] || { echo "x$i outdated"; bad=$((bad+1)); }
    [ -e $w/out/d$i.jpg ] && { echo "d$i left behind"; bad=$((bad+1)); }
  done
  checks=$((3 * N))
fi
echo "bad=$bad of $checks checks; stderr lines: $(wc -l < $w/err)"; head -3 $w/err
rm -rf $w
