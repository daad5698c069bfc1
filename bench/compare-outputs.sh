#!/usr/bin/env bash
# Checks that two memsnap binaries print the same thing: every command, in
# every output format, on real inputs.  For changes meant to keep behaviour
# (moves, refactors, speed-ups): build the previous commit and the new one,
# then
#
#   bench/compare-outputs.sh OLD_MEMSNAP NEW_MEMSNAP [INPUT_DIR]
#
# Inputs (made once into INPUT_DIR, default bench/.cache/outputs, by
# `bench/compare-outputs.sh --make-inputs [INPUT_DIR]`): the test programs'
# V8 snapshots (tests/fixtures/programs), growth.js's pair and three
# snapshots of one process, a pair from two processes, Memlyze traces
# (tests/fixtures/mlyze), Python heaps from tools/python/memsnap_record.py,
# and the bench snapshots when bench/make-snapshots.sh has made them
# (small, pair-before, pair-after; medium and large with BIG=1).
# Boehm captures are compared when INPUT_DIR/captures (or CAPTURES) holds
# some (copy them from a test run: build/*/tests/work/capture).
#
# What is compared: stdout, stderr and the exit status of each run, byte
# for byte, except `info`'s load time (--timings is not run).  Prints one
# line per difference and exits 1 when there is any.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)

make_inputs() {
  local dir=$1
  mkdir -p "$dir"
  for p in retention leaky-things weakmaps-closures; do
    [[ -f $dir/$p.heapsnapshot ]] ||
      node --expose-gc "$repo/tests/fixtures/programs/$p.js" "$dir/$p.heapsnapshot" >/dev/null
  done
  [[ -f $dir/leak/after.heapsnapshot ]] || {
    mkdir -p "$dir/leak"
    node "$repo/tests/fixtures/diff/growth.js" "$dir/leak" --leak 750 --temps 400 >/dev/null
  }
  [[ -f $dir/other/after.heapsnapshot ]] || {
    mkdir -p "$dir/other"
    node "$repo/tests/fixtures/diff/growth.js" "$dir/other" --leak 20 --temps 40 >/dev/null
  }
  [[ -f $dir/three/final.heapsnapshot ]] || {
    mkdir -p "$dir/three"
    node "$repo/tests/fixtures/diff/growth.js" "$dir/three" --leak 750 --temps 400 --three >/dev/null
  }
  mkdir -p "$dir/mlyze"
  cp -n "$repo"/tests/fixtures/mlyze/*.mlyze "$dir/mlyze/"
  local recorder=$repo/tools/python/memsnap_record.py
  if [[ ! -f $dir/python/after.mlyze ]]; then
    mkdir -p "$dir/python"
    cat >"$dir/python/prog.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import memsnap_record

class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 50

class Queue:
    def __init__(self):
        self.jobs = {}

q = Queue()
memsnap_record.snapshot(sys.argv[2] + "/before.mlyze")
for i in range(300):
    q.jobs["job-%d" % i] = Job(i)
memsnap_record.snapshot(sys.argv[2] + "/after.mlyze")
EOF
    python3 "$dir/python/prog.py" "$(dirname "$recorder")" "$dir/python"
  fi
}

if [[ ${1:-} == --make-inputs ]]; then
  make_inputs "${2:-$script_dir/.cache/outputs}"
  exit 0
fi

if [[ $# -lt 2 ]]; then
  echo "usage: $0 OLD_MEMSNAP NEW_MEMSNAP [INPUT_DIR]" >&2
  echo "       $0 --make-inputs [INPUT_DIR]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
inputs=$(realpath "${3:-$script_dir/.cache/outputs}")
[[ -d $inputs ]] || make_inputs "$inputs"
bench_snaps=${MEMSNAP_BENCH_DIR:-$script_dir/.cache}/snapshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differences=0 runs=0

# run NAME ARGS...: runs both binaries with ARGS, compares.
run() {
  local name=$1
  shift
  runs=$((runs + 1))
  local o_out=$work/old.out o_err=$work/old.err n_out=$work/new.out n_err=$work/new.err o_rc=0 n_rc=0
  "$old" "$@" >"$o_out" 2>"$o_err" || o_rc=$?
  "$new" "$@" >"$n_out" 2>"$n_err" || n_rc=$?
  if [[ $1 == info ]]; then
    sed -i -e '/^load time:/d' -e '/"load_seconds":/d' "$o_out" "$n_out"
  fi
  if [[ $o_rc != "$n_rc" ]]; then
    echo "DIFF $name: exit $o_rc -> $n_rc"
    differences=$((differences + 1))
  elif ! cmp -s "$o_out" "$n_out"; then
    echo "DIFF $name: stdout ($(diff "$o_out" "$n_out" | head -3 | tr '\n' ' '))"
    differences=$((differences + 1))
  elif ! cmp -s "$o_err" "$n_err"; then
    echo "DIFF $name: stderr ($(diff "$o_err" "$n_err" | head -3 | tr '\n' ' '))"
    differences=$((differences + 1))
  fi
}

# First ids of the old binary's answer to top (for why).
top_ids() {
  "$old" top --json -n "$2" "$1" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const o of JSON.parse(s).objects) console.log(o.id);
    });'
}
first_classes() {
  "$old" summary --json -n "$2" "$1" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const r of JSON.parse(s).classes) console.log(r.name);
    });'
}

one_snapshot() {
  local s=$1 tag
  tag=$(basename "$s")
  run "$tag info" info "$s"
  run "$tag info json" info --json "$s"
  run "$tag summary" summary "$s"
  run "$tag summary json" summary --json -n 0 "$s"
  run "$tag summary shallow raw" summary --sort shallow --raw-sizes -n 40 "$s"
  run "$tag summary count" summary --sort count -n 40 "$s"
  run "$tag summary site" summary --by site --json "$s"
  run "$tag top" top -n 40 "$s"
  run "$tag top json all" top --json --all -n 40 "$s"
  run "$tag top raw" top --raw-sizes -n 20 "$s"
  run "$tag dominators" dominators "$s"
  run "$tag dominators json" dominators --json --depth 6 --min-size 0.1% "$s"
  run "$tag dominators small" dominators --depth 3 --max-children 4 --min-size 4K "$s"
  run "$tag cycles" cycles "$s"
  run "$tag cycles json" cycles --json -n 0 "$s"
  run "$tag cycles all" cycles --all-edges --min-size 1K "$s"
  if [[ ${2:-} != big ]]; then
    run "$tag nodes" nodes "$s"
    run "$tag nodes raw" nodes --raw-sizes "$s"
  fi
  local ids
  ids=$(top_ids "$s" 6 | tr '\n' ' ')
  # shellcheck disable=SC2086
  run "$tag why ids" why $s $ids
  # shellcheck disable=SC2086
  run "$tag why ids json" why --json --paths 5 $s $ids
  run "$tag why missing" why "$s" @999999999999
  while IFS= read -r c; do
    run "$tag why class $c" why --class "$c" "$s"
    run "$tag why class json $c" why --class "$c" --json -n 0 "$s"
  done < <(first_classes "$s" 4)
}

pair() {
  local b=$1 a=$2 tag
  tag="$(basename "$(dirname "$b")")/$(basename "$b") $(basename "$a")"
  printf 'class Temp\npath *--temps-->*\n' >"$work/ignore"
  run "$tag compare" compare "$b" "$a"
  run "$tag compare json" compare --json "$b" "$a"
  run "$tag compare json all" compare --json -n 0 --groups 50 "$b" "$a"
  run "$tag compare markdown" compare --markdown --fail-on 'total>+1%' --fail-on 'class:Leaky>+0' "$b" "$a"
  run "$tag compare no paths" compare --no-paths --json "$b" "$a"
  run "$tag compare raw own" compare --raw-sizes --interfaces own "$b" "$a"
  run "$tag compare by class" compare --match class "$b" "$a"
  run "$tag compare by site" compare --by site --json "$b" "$a"
  run "$tag compare ignore" compare --ignore "$work/ignore" --json "$b" "$a"
  run "$tag compare ignore md" compare --ignore "$work/ignore" --markdown "$b" "$a"
  run "$tag compare budgets" compare --fail-on 'new>10' --fail-on 'new-retained>+1%' \
    --fail-on 'objects>=+0' --json "$b" "$a"
}

leaks() {
  local tag
  tag="$(basename "$(dirname "$1")") leaks"
  run "$tag" leaks "$1" "$2" "$3"
  run "$tag json" leaks --json -n 0 "$1" "$2" "$3"
  run "$tag markdown" leaks --markdown --fail-on 'leaks>0' "$1" "$2" "$3"
  run "$tag ignore" leaks --ignore "$work/ignore" --raw-sizes "$1" "$2" "$3"
}

for s in "$inputs"/*.heapsnapshot "$inputs"/leak/*.heapsnapshot "$inputs"/three/*.heapsnapshot; do
  one_snapshot "$s"
done
pair "$inputs/leak/before.heapsnapshot" "$inputs/leak/after.heapsnapshot"
pair "$inputs/other/before.heapsnapshot" "$inputs/leak/after.heapsnapshot"
leaks "$inputs/three/baseline.heapsnapshot" "$inputs/three/target.heapsnapshot" \
  "$inputs/three/final.heapsnapshot"
run "leaks other process" leaks "$inputs/three/baseline.heapsnapshot" \
  "$inputs/other/after.heapsnapshot" "$inputs/three/final.heapsnapshot"

for t in "$inputs"/mlyze/*.mlyze; do
  tag=$(basename "$t")
  run "$tag info" info "$t"
  run "$tag summary" summary "$t"
  run "$tag summary json" summary --json "$t"
  run "$tag summary count" summary --sort count "$t"
  run "$tag timeline" timeline "$t"
  run "$tag timeline json" timeline --json "$t"
  run "$tag timeline rows" timeline --rows 8 "$t"
done
mly=("$inputs"/mlyze/*.mlyze)
run "mlyze compare" compare "${mly[0]}" "${mly[1]}"
run "mlyze compare json" compare --json -n 0 "${mly[0]}" "${mly[1]}"
run "mlyze compare markdown" compare --markdown "${mly[0]}" "${mly[1]}"

for p in "$inputs"/python/*.mlyze; do
  one_snapshot "$p"
  run "$(basename "$p") timeline" timeline "$p"
done
pair "$inputs/python/before.mlyze" "$inputs/python/after.mlyze"

captures=${CAPTURES:-$inputs/captures}
if [[ -d $captures ]]; then
  for c in "$captures"/*; do
    [[ -f $c ]] && one_snapshot "$c"
  done
fi

if [[ -f $bench_snaps/small.heapsnapshot ]]; then
  one_snapshot "$bench_snaps/small.heapsnapshot"
fi
if [[ -f $bench_snaps/pair-after.heapsnapshot ]]; then
  pair "$bench_snaps/pair-before.heapsnapshot" "$bench_snaps/pair-after.heapsnapshot"
fi
if [[ -n ${BIG:-} ]]; then
  for s in medium large; do
    [[ -f $bench_snaps/$s.heapsnapshot ]] && one_snapshot "$bench_snaps/$s.heapsnapshot" big
  done
fi

# Errors: a cut file, a file that is no snapshot, a missing file.
head -c 100000 "$inputs/retention.heapsnapshot" >"$work/cut.heapsnapshot"
echo 'not a snapshot' >"$work/junk"
run "cut summary" summary "$work/cut.heapsnapshot"
run "junk info" info "$work/junk"
run "missing top" top "$work/missing"
run "cut compare" compare "$inputs/leak/before.heapsnapshot" "$work/cut.heapsnapshot"

echo "compare-outputs: $runs runs, $differences differences"
[[ $differences -eq 0 ]]
