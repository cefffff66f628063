#!/usr/bin/env bash
# Issue 28's user day, repeated: N (default 100) double saves (an editor's temp file renamed over the
# photo twice, a large picture then a small one), N copies whose times are set right after writing
# (touch -d), and N files deleted right after they arrive, all under --watch --prune -j 2 into a
# folder DST. Then every output is checked: the double-saved name shows the second picture (its
# size), the touched one's mtime seconds are its source's, the deleted ones left nothing.
#   bench/stress_watch.sh PATH/TO/thumbgen [N]
# Not a test: it waits for the watcher to go quiet (5 s without a manifest line), so it belongs
# with the benchmarks. Needs libvips-tools.
set -u
TG=$1; N=${2:-100}
w=$(mktemp -d); mkdir -p $w/src $w/out
vips black $w/A.v 4000 3000 --bands 3; vips linear $w/A.v $w/A.jpg 1 200 --uchar
vips black $w/B.v 600 600 --bands 3; vips linear $w/B.v $w/B.jpg 1 30 --uchar
$TG $w/src $w/out --watch --prune -j 2 --quiet --manifest $w/m.jsonl 2>$w/err & pid=$!
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
for i in $(seq 1 $N); do
  [ "$(vipsheader -f width $w/out/p$i.jpg 2>/dev/null)x$(vipsheader -f height $w/out/p$i.jpg 2>/dev/null)" = 256x256 ] || { echo "p$i stale/missing"; bad=$((bad+1)); }
  [ "$(stat -c %Y $w/out/x$i.jpg 2>/dev/null)" = "$(stat -c %Y $w/src/x$i.jpg)" ] || { echo "x$i outdated"; bad=$((bad+1)); }
  [ -e $w/out/d$i.jpg ] && { echo "d$i left behind"; bad=$((bad+1)); }
done
echo "bad=$bad of $((3*N)) checks; stderr lines: $(wc -l < $w/err)"; head -3 $w/err
rm -rf $w
