#!/usr/bin/env bash
# bench/boehm.sh [BUILD_DIR] [SIZES...]
# What a Boehm GC capture costs (docs/performance.md, "Boehm GC captures"):
# for each heap size, REPS captures of bench_capture's heap (1.5 pointers
# per object, four allocation sites), then memsnap importing the last one.
# Wall times on a shared machine include waiting for a CPU; the capture's
# stopped-world work is also reported as CPU time.  Prints a Markdown table.
#   bench/boehm.sh build/release 250000 1000000 4000000
set -euo pipefail
build=${1:-build/release}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(250000 1000000)
reps=${REPS:-7}
bench=$build/bench/boehm/bench_capture
memsnap=$build/tools/memsnap
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
[ -x "$bench" ] || { echo "build $bench first (cmake --build $build)" >&2; exit 1; }

echo "| objects | plain GC stopped (ms) | capture stopped (ms) | capture's stopped work, wall / CPU (ms) | in-pause GC_base, not done (ms) | lock-held re-check (ms) | write (ms) | file (B/object) | transient (B/object) | import + symbolize, wall / CPU (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  "$bench" "$n" "$reps" "$work/bench-$n.gcsnap" --resolve > "$work/bench-$n.jsonl"
  imp=()
  for i in 1 2 3; do
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$memsnap" info "$work/bench-$n.gcsnap" > /dev/null
    imp+=("$(cat "$work/time")")
  done
  printf '%s\n' "${imp[@]}" > "$work/import-$n.txt"
  python3 - "$work/bench-$n.jsonl" "$work/import-$n.txt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]   # the first is a warm-up
imp = [list(map(float, l.split())) for l in open(sys.argv[2])]
def mm(key):
    v = [r[key] for r in rows]
    return "%.0f / %.0f" % (min(v), statistics.median(v))
n = rows[0]["objects"]
wall = min(i[0] for i in imp)
cpu = min(i[1] + i[2] for i in imp)
print("| %s | %s | %s | %.0f / %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.2f / %.2f |" % (
    f"{n:,}", mm("plain_stopped_ms"), mm("capture_stopped_ms"),
    min(r["pause_ms"] for r in rows), min(r["pause_cpu_ms"] for r in rows),
    min(r["resolve_ms"] for r in rows), min(r["locked_ms"] for r in rows),
    min(r["write_ms"] for r in rows),
    rows[-1]["file_bytes"] / n, max(r["transient_bytes"] for r in rows) / n, wall, cpu))
PY
done
echo
echo "(min / median over $((reps - 1)) captures after a warm-up; $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg))"
