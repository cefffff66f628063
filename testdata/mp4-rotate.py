#!/usr/bin/python3
"""Sets the display matrix of every video track of an MP4/MOV file in place, as phones store a
portrait clip: landscape pixels plus a matrix that says to turn them. (Debian 12's ffmpeg 5.1
writes no matrix from -metadata rotate=, so the tkhd box is edited here.)
Usage: mp4-rotate.py FILE DEGREES     (90, 180 or 270, clockwise)"""
import struct
import sys

path, degrees = sys.argv[1], int(sys.argv[2])
one, minus = 0x00010000, 0xFFFF0000  # 16.16 fixed point: 1 and -1
a, b, c, d = {90: (0, one, minus, 0), 180: (minus, 0, 0, minus), 270: (0, minus, one, 0)}[degrees]
matrix = struct.pack(">9I", a, b, 0, c, d, 0, 0, 0, 0x40000000)
data = bytearray(open(path, "rb").read())


def boxes(start, end):
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        head = 8
        if size == 1:
            size, head = struct.unpack_from(">Q", data, start + 8)[0], 16
        elif size == 0:
            size = end - start
        yield kind, start, head, size
        start += size


edited = 0
for kind, start, head, size in boxes(0, len(data)):
    if kind != b"moov":
        continue
    for tkind, tstart, thead, tsize in boxes(start + head, start + size):
        if tkind != b"trak":
            continue
        for bkind, bstart, bhead, bsize in boxes(tstart + thead, tstart + tsize):
            if bkind == b"tkhd":
                version = data[bstart + bhead]
                times = 20 if version == 0 else 32
                at = bstart + bhead + 4 + times + 8 + 8
                width, height = struct.unpack_from(">II", data, at + 36)
                if width and height:  # a video track (audio tracks have no size)
                    data[at:at + 36] = matrix
                    edited += 1
if not edited:
    sys.exit("mp4-rotate: no video track found")
open(path, "wb").write(data)
