#!/bin/sh
# run-guile.sh MEMSNAP CAPTURE_LIB WORKDIR SCRIPT
# Captures guile-3.0 (Debian's, linked with Debian's libgc) running
# guile-list.scm through LD_PRELOAD, and checks what memsnap makes of it:
# the import succeeds, the 20000-element list is found (a retention path of
# at least 2000 hops: the list's shortest path is cut short when a stack
# slot or register at capture time still points into it, which is how the
# collector sees it too, and where it points depends on the interpreter's
# timing - under a loaded machine paths of 9,198 and 9,254 hops were seen),
# its vectors are grouped under their allocation site,
# and sites resolve to libguile's functions through its symbol table.
# Skips (exit 77) when guile-3.0 is not installed.
set -eu
memsnap=$1 lib=$2 dir=$3 script=$4
if ! command -v guile-3.0 >/dev/null 2>&1; then
  echo "SKIP: guile-3.0 is not installed (apt-get install guile-3.0)"
  exit 77
fi
rm -rf "$dir"
mkdir -p "$dir"
cap="$dir/guile.gcsnap"
out=$(MEMSNAP_CAPTURE="$cap" LD_PRELOAD="$lib" guile-3.0 --no-auto-compile "$script" "$cap.1")
test "$out" = 20000 || { echo "FAIL: guile printed '$out'"; exit 1; }
test -f "$cap.1" || { echo "FAIL: no capture on SIGUSR2"; exit 1; }
test -f "$cap" || { echo "FAIL: no capture at exit"; exit 1; }

for f in "$cap.1" "$cap"; do
  "$memsnap" info --json "$f" > "$dir/info.json"
  "$memsnap" summary --json "$f" > "$dir/summary.json"
  "$memsnap" summary --by site --json "$f" > "$dir/sites.json"
  "$memsnap" nodes "$f" > "$dir/nodes.tsv"
  "$memsnap" top -n 5 "$f" > "$dir/top.txt"
  python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
info = json.load(open(d + "/info.json"))
summary = json.load(open(d + "/summary.json"))
sites = json.load(open(d + "/sites.json"))
fails = []
if info["format"] != "boehm":
    fails.append("format %s" % info["format"])
if info["node_count"] < 60000:
    fails.append("only %d nodes" % info["node_count"])
vec = [c for c in summary["classes"] if "scm_c_make_vector" in c["name"]]
if not vec or max(c["count"] for c in vec) < 20000:
    fails.append("no class of >= 20000 vectors from scm_c_make_vector: %s" % vec)
pairs = [c for c in summary["classes"] if c["name"] == "(size class 16)"]
if not pairs or pairs[0]["count"] < 20000:
    fails.append("fewer than 20000 pairs (size class 16): %s" % pairs)
named = [s["name"] for s in sites["classes"] if s["name"].startswith("scm_")]
if len(named) < 5:
    fails.append("sites not resolved to libguile functions: %s" % named[:10])
depth, groups = 0, []
for line in open(d + "/nodes.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "index":
        continue
    if f[2] == "synthetic":
        groups.append(f[8])
    depth = max(depth, int(f[7]))
if depth < 2000:
    fails.append("deepest retention path has %d hops; the list alone has 20000" % depth)
if not any(g.startswith("(data of libguile") for g in groups):
    fails.append("no root group for libguile's data: %s" % groups)
if fails:
    print("FAIL: " + "\n      ".join(fails))
    sys.exit(1)
print("ok: %d nodes, %d vectors, %d sites named scm_*, deepest path %d hops" %
      (info["node_count"], max(c["count"] for c in vec), len(named), depth))
PY
done
