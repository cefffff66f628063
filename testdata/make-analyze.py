#!/usr/bin/python3
"""Writes an Analyze 7.5 image into the folder given: NAME.hdr, the 348-byte header, and NAME.img,
its 8-bit pixels (a 64x48 ramp). libvips reads such a pair only by name, from both files.
Usage: make-analyze.py DIR [NAME]"""
import os
import struct
import sys

folder = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else "scan"
w, h = 64, 48
hdr = bytearray(348)
struct.pack_into(">i", hdr, 0, 348)  # sizeof_hdr, big-endian as libvips reads it
struct.pack_into(">8h", hdr, 40, 3, w, h, 1, 1, 0, 0, 0)  # dim: 3 dimensions, w x h x 1
struct.pack_into(">2h", hdr, 70, 2, 8)  # datatype DT_UNSIGNED_CHAR, bitpix 8
struct.pack_into(">8f", hdr, 76, 0, 1, 1, 1, 0, 0, 0, 0)  # pixdim
with open(os.path.join(folder, name + ".hdr"), "wb") as f:
    f.write(hdr)
with open(os.path.join(folder, name + ".img"), "wb") as f:
    f.write(bytes((x * 4) % 256 for _ in range(h) for x in range(w)))
