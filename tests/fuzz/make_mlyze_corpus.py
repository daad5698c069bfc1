#!/usr/bin/env python3
"""Writes the seed corpus of the Memlyze fuzz target (corpus/mlyze/): the
real Memlyze files, and small files with every record kind of
docs/formats/mlyze.md.  Needs the zstd command for the ZSTD_BLOCK seed.

    python3 tests/fuzz/make_mlyze_corpus.py
"""
import json
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "mlyze")
FIXTURES = os.path.join(HERE, "..", "fixtures", "mlyze")

sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "python"))
from memsnap_record import _varint as v  # noqa: E402  (the recorder's LEB128 varint)


def header(meta):
    m = json.dumps(meta).encode()
    return b"MTRC" + struct.pack("<IQI", 1, 1700000000000000, len(m)) + bytes(236) + m


def alloc(d, addr, size, stack):
    return bytes([0]) + v(d) + struct.pack("<Q", addr) + v(size) + v(stack) + b"\x80\xfb"


def free(d, addr):
    return bytes([1]) + v(d) + struct.pack("<Q", addr)


def gc(d, objects, nbytes):
    return bytes([2]) + v(d) + v(objects) + v(nbytes)


def marker(d, name):
    return bytes([3]) + v(d) + v(name)


def ext(t, d, payload):
    return bytes([t]) + v(d) + v(len(payload)) + payload


def heap():
    strings = [b"builtins.module", b"builtins.dict", b"__main__.Leaky", b"__dict__", b"CACHE",
               b"k0", b"k1", b"modules", b"__main__", b"external", b"next"]
    s = struct.pack("<I", len(strings)) + b"".join(struct.pack("<I", len(x)) for x in strings) \
        + b"".join(strings)
    ids, cls, sizes, sites = [16, 32, 48, 64], [0, 1, 2, 2], [72, 232, 48, 48], [0, 1, 2, 0]
    objs = struct.pack("<I", 4) + struct.pack("<4Q", *ids) + struct.pack("<4I", *cls) \
        + struct.pack("<4Q", *sizes) + struct.pack("<4I", *sites)
    frm, to, name, kind = [0, 1, 1, 2, 3], [1, 2, 3, 3, 2], [3, 5, 6, 10, 0], [1, 1, 1, 1, 3]
    refs = struct.pack("<I", 5) + struct.pack("<5I", *frm) + struct.pack("<5I", *to) \
        + struct.pack("<5I", *name) + bytes(kind)
    roots = struct.pack("<I", 2) + struct.pack("<2I", 7, 9) + struct.pack("<2I", 8, 0xFFFFFFFF) \
        + struct.pack("<2I", 0, 3)
    return (ext(0x48, 1, struct.pack("<II", 1, 0)) + ext(0x49, 0, s) + ext(0x4A, 0, objs)
            + ext(0x4B, 0, refs) + ext(0x4C, 0, roots)
            + ext(0x4D, 0, struct.pack("<4Q", 4, 5, 2, len(strings))))


META = {"stack_traces": {"0": [{"file_id": 0, "line": 3, "func_id": 1}],
                         "1": [{"file_id": 1, "line": 9, "func_id": 0}]},
        "files": {"0": "app.py", "1": "lib.py"}, "functions": {"0": "", "1": "load"}}


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in sorted(os.listdir(FIXTURES)):
        if f.endswith(".mlyze"):
            shutil.copy(os.path.join(FIXTURES, f), os.path.join(OUT, "memlyze-" + f))
    events = (alloc(5, 0x10, 100, 0) + alloc(5, 0x20, 50, 1) + free(1, 0x10) + free(0, 0)
              + gc(2, 7, 64) + marker(1, 1) + marker(0, 9) + alloc(3, 0, 8, 42))
    seeds = {
        "v1-metadata": header(META) + events,
        "v1-empty-metadata": header({"stack_traces": {}, "files": {}, "functions": {}}) + events,
        "ext-site-free": header(dict(META, memsnap={"extension": 1})) + events
        + ext(0x41, 4, v(0) + v(30)) + ext(0x65, 0, b"ancillary"),
        "ext-heap": header(dict(META, memsnap={"extension": 1})) + alloc(1, 0, 10, 0) + heap()
        + alloc(1, 0, 5, 1),
    }
    content = alloc(1, 0, 10, 0) + heap()
    z = subprocess.run(["zstd", "-q", "-c"], input=content, stdout=subprocess.PIPE, check=True).stdout
    seeds["ext-zstd-block"] = header(dict(META, memsnap={"extension": 1})) \
        + ext(0x40, 0, struct.pack("<I", len(content)) + z) + gc(1, 1, 1)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name + ".mlyze"), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(os.listdir(OUT)), OUT))


if __name__ == "__main__":
    main()
