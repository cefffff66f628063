#!/usr/bin/env python3
"""Reads a thumbgen manifest (JSON Lines) with Python's own JSON parser, for tests that must not
trust thumbgen's words about itself. Fails (status 1) on any line that is not one JSON object.

  manifest.py rows FILE PREFIX
      one line per source, sorted: its src without PREFIX (which every src must start with), then
      status, width, height and reason, tab-separated ("-" for null or absent); lines without a
      src (removed, watching) are left out.

  manifest.py get FILE COND... FIELD
      FIELD of the one line that meets every COND, as JSON ("absent" when the line has no such
      field); fails unless exactly one line does. COND is KEY=JSON (the field equals the value)
      or KEY$=TEXT (the field is a string that ends with TEXT).

  manifest.py bytes FILE COND... FIELD
      the same line's FIELD, a base64 string, decoded: its bytes, as they are, on stdout.
"""
import base64
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


def meets(o, cond):
    if "$=" in cond:
        key, text = cond.split("$=", 1)
        return isinstance(o.get(key), str) and o[key].endswith(text)
    key, value = cond.split("=", 1)
    return key in o and o[key] == json.loads(value)


def the_line(path, conds):
    found = [o for o in objects(path) if all(meets(o, c) for c in conds)]
    if len(found) != 1:
        sys.exit(f"{path}: {len(found)} lines meet {conds}")
    return found[0]


def get(path, conds, field):
    o = the_line(path, conds)
    print(json.dumps(o[field]) if field in o else "absent")


def raw(path, conds, field):
    sys.stdout.buffer.write(base64.b64decode(the_line(path, conds)[field], validate=True))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "rows":
        rows(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "get":
        get(sys.argv[2], sys.argv[3:-1], sys.argv[-1])
    elif len(sys.argv) >= 4 and sys.argv[1] == "bytes":
        raw(sys.argv[2], sys.argv[3:-1], sys.argv[-1])
    else:
        sys.exit(__doc__)
