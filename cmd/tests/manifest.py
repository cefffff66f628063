#!/usr/bin/env python3
"""Reads a thumbgen manifest (JSON Lines) with Python's own JSON parser, for tests that must not
trust thumbgen's words about itself. Fails (status 1) on any line that is not one JSON object.

  manifest.py rows FILE PREFIX
      one line per source, sorted: its src without PREFIX (which every src must start with), then
      status, width, height and reason, tab-separated ("-" for null or absent); lines without a
      src (removed, watching) are left out.

  manifest.py get FILE SUFFIX FIELD
      FIELD of the one line whose src ends with SUFFIX, as JSON ("absent" when the line has no
      such field); fails unless exactly one line matches.
"""
import json
import sys


def objects(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            o = json.loads(line)
            if not isinstance(o, dict):
                sys.exit(f"{path}:{n}: not an object")
            yield o


def show(v):
    return "-" if v is None else str(v)


def rows(path, prefix):
    out = []
    for o in objects(path):
        src = o.get("src")
        if src is None:
            continue
        if not src.startswith(prefix):
            sys.exit(f"{path}: {src!r} does not start with {prefix!r}")
        out.append("\t".join([src[len(prefix):]] + [show(o.get(k)) for k in
                                                       ("status", "width", "height", "reason")]))
    print("\n".join(sorted(out)))


def get(path, suffix, field):
    found = [o for o in objects(path) if (o.get("src") or "").endswith(suffix)]
    if len(found) != 1:
        sys.exit(f"{path}: {len(found)} lines whose src ends with {suffix!r}")
    print(json.dumps(found[0][field]) if field in found[0] else "absent")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "rows":
        rows(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "get":
        get(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
