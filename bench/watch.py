#!/usr/bin/env python3
"""--watch and --prune at scale (issue 20's targets), on a synthetic tree made here:

  bench/watch.py [THUMBGEN] [ROUNDS]      (default build/thumbgen, 5 rounds)

1. Watch set-up: SRC of 100,000 files in 1,000 folders whose thumbnails are all up to date
   (DST made by writing what each thumbnail records, not by decoding): time from start to the manifest's "watching" line
   (watches added, tree walked, every output checked) and the process's RSS then; medians.
2. Idle: CPU time (user + system) of thumbgen and its decoders over 60 s of no changes.
3. Latency: 100 photo-like 12 MP JPEGs copied into the watched SRC one at a time: time from the
   copy's close to the manifest line of its thumbnail (written after its rename), median and
   worst, against one decode's time (thumbgen -j 1 on the same 100 files, wall / 100).
4. Prune: DST of 100,000 outputs with 1,000 orphans (recreated before each round): thumbgen
   --prune against a plain rerun with nothing to do; medians and ratio.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tg = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "thumbgen")
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
work = tempfile.mkdtemp(prefix="tg-watch-bench-")
src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
FOLDERS, PER = 1000, 100


def ident_mtime_ns(st, rel):
    """The mtime thumbgen gives a thumbnail of the source st at rel (store_ident_time): the
    source's seconds, and FNV-1a 64 of its size, mtime and rel, modulo 10^9, as nanoseconds."""
    h = 14695981039346656037
    sec, nsec = divmod(st.st_mtime_ns, 10**9)
    for b in (st.st_size.to_bytes(8, "little") + sec.to_bytes(8, "little", signed=True) +
              nsec.to_bytes(8, "little", signed=True) + rel.encode()):
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return sec * 10**9 + h % 10**9


def make_tree():
    """SRC's empty files, and a DST whose outputs are up to date: each records its source as
    thumbgen does (mtime and user.thumbgen.src; docs/DESIGN.md, "Identity and order")."""
    for d in range(FOLDERS):
        os.makedirs(os.path.join(src, f"d{d:04}"))
        os.makedirs(os.path.join(dst, f"d{d:04}"))
        for f in range(PER):
            rel = f"d{d:04}/f{f:03}.jpg"
            s = os.path.join(src, rel)
            open(s, "w").close()
            st = os.stat(s)
            p = os.path.join(dst, rel)
            open(p, "w").close()
            os.utime(p, ns=(st.st_atime_ns, ident_mtime_ns(st, rel)))
            ident = (f"size=0 mtime={st.st_mtime_ns // 10**9}.{st.st_mtime_ns % 10**9:09d} "
                     f"src={rel}")
            os.setxattr(p, "user.thumbgen.src", ident.encode())


def cpu_seconds(pid):
    """User + system seconds of pid and its children (the decoders), from /proc."""
    total = 0.0
    pids = [pid] + [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except FileNotFoundError:
            pass
    return total


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_watch(extra=()):
    fifo = os.path.join(work, "manifest.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    t0 = time.monotonic()
    p = subprocess.Popen([tg, src, dst, "--watch", "--quiet", "--manifest", fifo, *extra],
                         stdout=subprocess.DEVNULL)
    m = open(fifo, "r")
    for line in m:
        if '"status":"watching"' in line:
            break
    return p, m, time.monotonic() - t0


def stop(p, m):
    p.send_signal(2)
    for _ in m:
        pass
    m.close()
    p.wait()


print(f"making {FOLDERS * PER} files in {FOLDERS} folders under {work} ...", flush=True)
make_tree()

setup, rss = [], []
for _ in range(rounds):
    p, m, secs = start_watch()
    setup.append(secs)
    rss.append(rss_mib(p.pid))
    stop(p, m)
print(f"watch set-up, 100,000 files up to date: median {statistics.median(setup):.2f} s "
      f"(all: {' '.join(f'{s:.2f}' for s in setup)}), RSS {statistics.median(rss):.1f} MiB")

# The photos for the latency row: 12 MP, photo-like (noise), made once with libvips.
photos = os.path.join(work, "photos")
os.makedirs(photos)
subprocess.run(["vips", "gaussnoise", os.path.join(photos, "n.v"), "4000", "3000",
                "--sigma", "40", "--mean", "128"], check=True)
subprocess.run(["vips", "colourspace", os.path.join(photos, "n.v"),
                os.path.join(photos, "base.jpg[Q=90]"), "srgb"], check=False)
if not os.path.exists(os.path.join(photos, "base.jpg")):
    subprocess.run(["vips", "copy", os.path.join(photos, "n.v"),
                    os.path.join(photos, "base.jpg[Q=90]")], check=True)
os.unlink(os.path.join(photos, "n.v"))
base = open(os.path.join(photos, "base.jpg"), "rb").read()
batch = os.path.join(work, "batch")
os.makedirs(batch)
for i in range(100):
    with open(os.path.join(batch, f"p{i:03}.jpg"), "wb") as f:
        f.write(base)
t0 = time.monotonic()
subprocess.run([tg, batch, os.path.join(work, "batch-out"), "-j", "1", "--quiet"], check=True)
decode = (time.monotonic() - t0) / 100

p, m, _ = start_watch()
before = cpu_seconds(p.pid)
time.sleep(60)
idle = cpu_seconds(p.pid) - before
print(f"idle over 60 s: {idle:.2f} s of CPU (thumbgen and its decoders)")
os.makedirs(os.path.join(src, "new"))
lat = []
for i in range(100):
    name = f"p{i:03}.jpg"
    with open(os.path.join(src, "new", name), "wb") as f:
        f.write(base)
    closed = time.monotonic()
    for line in m:
        if f"new/{name}" in line and '"made"' in line:
            lat.append(time.monotonic() - closed)
            break
before = cpu_seconds(p.pid)
time.sleep(60)
idle2 = cpu_seconds(p.pid) - before
stop(p, m)
print(f"close -> thumbnail, 100 photos of 12 MP: median {statistics.median(lat) * 1000:.0f} ms, "
      f"worst {max(lat) * 1000:.0f} ms; one decode (-j 1, wall/100) {decode * 1000:.0f} ms: "
      f"median {(statistics.median(lat) - decode) * 1000:+.0f} ms, "
      f"worst {(max(lat) - decode) * 1000:+.0f} ms over it")
print(f"idle over 60 s with its decoders started: {idle2:.2f} s of CPU")
shutil.rmtree(os.path.join(src, "new"))
shutil.rmtree(os.path.join(dst, "new"))

plain, prune = [], []
for r in range(rounds + 1):
    for d in range(10):  # 1,000 orphans: the outputs of ten folders' files that are gone
        for f in range(PER):
            q = os.path.join(dst, f"d{d:04}", f"gone{f:03}.jpg")
            open(q, "w").close()
    for args, out in (([], plain), (["--prune"], prune)):
        t0 = time.monotonic()
        res = subprocess.run([tg, src, dst, "--quiet", *args])
        if res.returncode != 0:
            sys.exit(f"thumbgen {' '.join(args)} exited {res.returncode}")
        if r > 0:  # the first round warms the caches
            out.append(time.monotonic() - t0)
left = sum(len([n for n in os.listdir(os.path.join(dst, f"d{d:04}")) if n.startswith("gone")])
           for d in range(10))
print(f"prune, 100,000 outputs and 1,000 orphans: median {statistics.median(prune):.2f} s against "
      f"a plain rerun's {statistics.median(plain):.2f} s: {statistics.median(prune) / statistics.median(plain):.2f}x "
      f"(orphans left: {left})")
shutil.rmtree(work)
