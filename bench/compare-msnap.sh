#!/usr/bin/env bash
# Checks that every command prints the same on a snapshot and on the .msnap
# `memsnap convert` makes of it: the runs of bench/compare-outputs.sh (every
# command, every output format, the same inputs), once with the snapshots
# and once with their .msnap files, compared byte for byte after the .msnap
# file names are written back as the snapshots' (the one difference
# allowed).  `info`'s load time is left out, as there.
#
#   bench/compare-msnap.sh MEMSNAP [INPUT_DIR]
#
# INPUT_DIR is compare-outputs.sh's (made by `bench/compare-outputs.sh
# --make-inputs INPUT_DIR` when missing).  BIG=1 adds the bench's medium
# and large snapshots.  Prints one line per difference; exits 1 when there
# is any.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 1 ]]; then
  echo "usage: $0 MEMSNAP [INPUT_DIR]" >&2
  exit 2
fi
bin=$(realpath "$1")
inputs=$(realpath -m "${2:-$script_dir/.cache/outputs}")
[[ -d $inputs ]] || "$script_dir/compare-outputs.sh" --make-inputs "$inputs"
bench_snaps=${MEMSNAP_BENCH_DIR:-$script_dir/.cache}/snapshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differences=0 runs=0
declare -A native

# msnap_of FILE: the .msnap made of FILE (converted once).
msnap_of() {
  local s=$1
  if [[ -z ${native[$s]:-} ]]; then
    local m
    m=$work/native/$(echo "$s" | md5sum | cut -c1-12)-$(basename "$s").msnap
    mkdir -p "$work/native"
    if ! "$bin" convert "$s" -o "$m" >/dev/null 2>"$work/convert.err"; then
      m=$s # not convertible (a cut or missing file): the same file both times
    fi
    native[$s]=$m
  fi
  echo "${native[$s]}"
}

# run NAME ARGS...: runs ARGS, then ARGS with each snapshot replaced by its
# .msnap, and compares.
run() {
  local name=$1
  shift
  runs=$((runs + 1))
  local a=() subst=() arg m
  for arg in "$@"; do
    if [[ -f $arg && $arg != "$work/ignore" ]]; then
      m=$(msnap_of "$arg")
      a+=("$m")
      [[ $m == "$arg" ]] || subst+=(-e "s|$m|$arg|g")
    else
      a+=("$arg")
    fi
  done
  local o_out=$work/old.out o_err=$work/old.err n_out=$work/new.out n_err=$work/new.err o_rc=0 n_rc=0
  "$bin" "$@" >"$o_out" 2>"$o_err" || o_rc=$?
  "$bin" "${a[@]}" >"$n_out" 2>"$n_err" || n_rc=$?
  if [[ ${#subst[@]} -gt 0 ]]; then
    sed -i "${subst[@]}" "$n_out" "$n_err"
  fi
  if [[ $1 == info ]]; then
    sed -i -e '/^load time:/d' -e '/"load_seconds":/d' "$o_out" "$n_out"
  fi
  if [[ $o_rc != "$n_rc" ]]; then
    echo "DIFF $name: exit $o_rc -> $n_rc ($(head -c 200 "$n_err"))"
    differences=$((differences + 1))
  elif ! cmp -s "$o_out" "$n_out"; then
    echo "DIFF $name: stdout ($(diff "$o_out" "$n_out" | head -3 | tr '\n' ' '))"
    differences=$((differences + 1))
  elif ! cmp -s "$o_err" "$n_err"; then
    echo "DIFF $name: stderr ($(diff "$o_err" "$n_err" | head -3 | tr '\n' ' '))"
    differences=$((differences + 1))
  fi
}

top_ids() {
  "$bin" top --json -n "$2" "$1" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const o of JSON.parse(s).objects) console.log(o.id);
    });'
}
first_classes() {
  "$bin" summary --json -n "$2" "$1" | node -e '
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
  run "$tag top default" top "$s"
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
  local ids id
  ids=$(top_ids "$s" 6 | tr '\n' ' ')
  # shellcheck disable=SC2086
  run "$tag why ids" why $s $ids
  # shellcheck disable=SC2086
  run "$tag why ids json" why --json --paths 5 $s $ids
  for id in $ids; do
    run "$tag why $id" why "$s" "@$id"
    run "$tag why $id json" why --json "$s" "@$id"
  done
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
  run "$tag top" top "$t"
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

echo "compare-msnap: $runs runs, $differences differences"
[[ $differences -eq 0 ]]
