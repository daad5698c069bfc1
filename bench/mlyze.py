#!/usr/bin/env python3
"""bench/mlyze.py: speed and memory of memsnap on .mlyze files, and the
Python recorder's own cost.

Writes, in a scratch directory:
  - events-memlyze:  1,000,000 events as Memlyze's tracer writes them
                     (tracemalloc diffs: address 0, one delta per diff of 100
                     events, empty metadata, 5,000 sites, a FREE in ten);
  - events-paired:   1,000,000 ALLOC/FREE events of a malloc-style trace
                     (real addresses, 60 % ALLOC and 40 % FREE, up to
                     200,000 live blocks, 2,000 sites with stacks in the
                     metadata), so FREEs pair with their ALLOCs;
  - events-allocs:   the worst case for memory: 1,000,000 ALLOCs at distinct
                     addresses and no FREE (every block stays in the
                     address map);
  - heap-1m:         a heap snapshot of a Python program holding about
                     1,000,000 objects, written by tools/python/memsnap_record.py
                     (the recorder's time is measured here too, with and
                     without tracemalloc);
then runs `memsnap info` on each RUNS times under /usr/bin/time (median
wall seconds, peak RSS) and prints a Markdown table.

    python3 bench/mlyze.py [--runs 3] [--objects 1000000] [--keep DIR]

The memsnap binary is $MEMSNAP or build/release/tools/memsnap.  Absolute
times on a shared machine are noise: read them as orders of magnitude.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MEMSNAP = os.environ.get("MEMSNAP", os.path.join(ROOT, "build", "release", "tools", "memsnap"))

sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
from memsnap_record import _varint as v  # noqa: E402  (the recorder's LEB128 varint)


def header(meta):
    m = json.dumps(meta, separators=(",", ":")).encode()
    return b"MTRC" + struct.pack("<IQI", 1, int(time.time() * 1e6), len(m)) + bytes(236) + m


def alloc(delta, addr, size, stack):
    return b"\x00" + v(delta) + struct.pack("<Q", addr) + v(size) + v(stack) + b"\x80\xfb"


def free(delta, addr):
    return b"\x01" + v(delta) + struct.pack("<Q", addr)


def events_memlyze(path, n):
    rnd = random.Random(1)
    out = [header({"stack_traces": {}, "files": {}, "functions": {}})]
    for b in range(n // 100):
        delta = rnd.randint(50000, 2000000)  # one delta for the whole diff
        for k in range(100):
            if k % 10 == 9:
                out.append(free(delta, 0))
            else:
                out.append(alloc(delta, 0, rnd.randint(16, 20000), rnd.randrange(5000)))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def events_paired(path, n):
    rnd = random.Random(2)
    files = {str(i): "/srv/app/module%d.py" % i for i in range(50)}
    stacks = {str(s): [{"file_id": s % 50, "line": 1 + s // 50, "func_id": 0}] for s in range(2000)}
    meta = {"stack_traces": stacks, "files": files, "functions": {"0": ""},
            "memsnap": {"extension": 1}}
    out = [header(meta)]
    live = []
    nxt = 0x100000
    for i in range(n):
        if live and (rnd.random() < 0.4 or len(live) >= 200000):
            k = rnd.randrange(len(live))
            live[k], live[-1] = live[-1], live[k]
            out.append(free(rnd.randint(0, 30), live.pop()))
        else:
            nxt += 16 * rnd.randint(1, 64)
            live.append(nxt)
            out.append(alloc(rnd.randint(0, 30), nxt, rnd.randint(16, 4096), rnd.randrange(2000)))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def events_allocs(path, n):
    rnd = random.Random(3)
    out = [header({"memsnap": {"extension": 1}})]
    for i in range(n):
        out.append(alloc(1, 0x100000 + 64 * i, rnd.randint(16, 4096), rnd.randrange(2000)))
    with open(path, "wb") as f:
        f.write(b"".join(out))


HEAP_PROGRAM = r'''
import json, sys, time
import memsnap_record

class Record:
    def __init__(self, i):
        self.i = i
        self.name = "record-%d" % i
        self.tags = [i, i + 1]

# about 1,000,000 objects with the interpreter's own: per Record the
# instance, its __dict__ (CPython 3.11 and 3.12 make one when the recorder
# reads it), its name, its tags list and ints
n = int(sys.argv[1])
DATA = {}
for i in range(n):
    DATA["k%d" % i] = Record(i)
t = time.process_time()
memsnap_record.snapshot(sys.argv[2])
stats = dict(memsnap_record.last_stats, cpu=time.process_time() - t)
print(json.dumps(stats))
'''


def timed(argv):
    """Runs argv under /usr/bin/time: (wall s, CPU s, peak RSS MB, stdout, stderr)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit("bench: %s failed: %s" % (" ".join(argv), r.stderr))
        s, u, k, kb = tf.read().split()
    return float(s), float(u) + float(k), int(kb) / 1024.0, r.stdout, r.stderr


def measure(path, runs):
    walls, cpus, rss, loads = [], [], [], []
    for _ in range(runs):
        w, c, m, out, _ = timed([MEMSNAP, "info", "--json", path])
        walls.append(w)
        cpus.append(c)
        rss.append(m)
        loads.append(json.loads(out)["load_seconds"])
    info = json.loads(out)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "load": statistics.median(loads), "rss": statistics.median(rss),
            "nodes": info["node_count"], "edges": info["edge_count"],
            "bytes": os.path.getsize(path)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--objects", type=int, default=200000,
                    help="Records in the Python program (each is about 5 objects)")
    ap.add_argument("--keep", help="write the files here and keep them")
    a = ap.parse_args()
    if not os.path.exists(MEMSNAP):
        sys.exit("bench: no memsnap binary at %s (build first, or set MEMSNAP)" % MEMSNAP)
    work = a.keep or tempfile.mkdtemp(prefix="memsnap-mlyze-")
    os.makedirs(work, exist_ok=True)
    rows = []
    try:
        for name, make in (("events-memlyze", events_memlyze), ("events-paired", events_paired),
                           ("events-allocs", events_allocs)):
            path = os.path.join(work, name + ".mlyze")
            t = time.time()
            make(path, a.events)
            print("bench: wrote %s in %.1f s" % (path, time.time() - t), file=sys.stderr)
            rows.append((name, measure(path, a.runs), None))
        # The Python heap: the recorder's cost untraced (API snapshot() in a
        # plain run) and traced (the same call under python3 -m memsnap_record).
        prog = os.path.join(work, "heap_program.py")
        with open(prog, "w") as f:
            f.write(HEAP_PROGRAM)
        shutil.copy(os.path.join(ROOT, "tools", "python", "memsnap_record.py"), work)
        heap = os.path.join(work, "heap-1m.mlyze")
        r = subprocess.run([sys.executable, prog, str(a.objects), heap], cwd=work,
                           stdout=subprocess.PIPE, text=True, check=True)
        plain = json.loads(r.stdout.strip().splitlines()[-1])
        traced_path = os.path.join(work, "heap-1m-traced.mlyze")
        r = subprocess.run([sys.executable, "-m", "memsnap_record", "-o",
                            os.path.join(work, "final.mlyze"), "--interval", "0", "-v",
                            prog, str(a.objects), traced_path],
                           cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           check=True)
        traced = json.loads(r.stdout.strip().splitlines()[-1])
        final_line = [x for x in r.stderr.splitlines() if "heap snapshot" in x]
        rows.append(("heap-1m", measure(heap, a.runs), (plain, traced, final_line)))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    print("| input | file | nodes | edges | load (s) | `info` wall / CPU (s) | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, m, _ in rows:
        print("| %s | %.1f MB | %s | %s | %.3f | %.3f / %.3f | %.1f |" % (
            name, m["bytes"] / 1e6, "{:,}".format(m["nodes"]), "{:,}".format(m["edges"]),
            m["load"], m["wall"], m["cpu"], m["rss"]))
    plain, traced, final_line = rows[-1][2]
    print()
    print("Python %s, recorder (heap snapshot of %s objects, %s references):" % (
        sys.version.split()[0], "{:,}".format(plain["objects"]), "{:,}".format(plain["references"])))
    for what, s in (("without tracemalloc", plain), ("under tracemalloc, mid-run", traced)):
        print("- %s: %.2f s (%.2f s CPU: %s), %.2f s of CPU per million objects; file %.1f MB" % (
            what, s["seconds"], s["cpu"],
            ", ".join("%s %.2f" % kv for kv in s["cpu_seconds"].items()),
            s["cpu"] / s["objects"] * 1e6, s["bytes"] / 1e6))
    for line in final_line:
        print("- at exit under tracemalloc (python3 -m memsnap_record): " + line.split(": ", 1)[1])


if __name__ == "__main__":
    main()
