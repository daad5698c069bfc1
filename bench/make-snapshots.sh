#!/usr/bin/env bash
# Make real V8 heap snapshots for benchmarking memsnap.
#
# Installs typescript@5.9.3 and a pinned @types/node into a cache directory,
# then runs bench/workloads/typescript-heap.js under Node.js to keep real
# type-checker state alive and write it out with v8.writeHeapSnapshot():
#   small   ~20 MB   lib.es5.d.ts parsed with ts.createSourceFile
#   medium  ~250 MB  one type-checked ts.Program
#   large   ~1.2 GB  five type-checked ts.Programs, each with its own options
#   pair    one process's before/after pair for `compare`: pair-before after
#           one type-checked program (~250 MB), pair-after after two (~450 MB)
#   sessions ~810 MB  bench/workloads/session-cache.js: 10.0 M nodes, 44.2 M
#           edges, the shape of the dominator target (not in the default set)
#
# Usage: bench/make-snapshots.sh [small|medium|large|pair|sessions]...   (default: the first four)
# Env:   MEMSNAP_BENCH_DIR  cache directory (default: bench/.cache)
# Output: $MEMSNAP_BENCH_DIR/snapshots/{small,medium,large}.heapsnapshot;
#         snapshots that already exist are kept, so reruns are cheap.
# Runs one node process at a time; the large one needs about 6 GB of RAM.
set -euo pipefail

readonly TYPESCRIPT_VERSION=5.9.3
readonly TYPES_NODE_VERSION=20.19.43

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly script_dir
bench_dir=${MEMSNAP_BENCH_DIR:-$script_dir/.cache}
readonly bench_dir
readonly workload=$script_dir/workloads/typescript-heap.js
readonly modules_dir=$bench_dir/node_modules
readonly snapshot_dir=$bench_dir/snapshots

die() {
  echo "make-snapshots.sh: $*" >&2
  exit 1
}

# Version of an installed package, or nothing if it is not installed.
installed_version() {
  local manifest=$modules_dir/$1/package.json
  [[ -f $manifest ]] || return 0
  node -p 'require(process.argv[1]).version' "$manifest"
}

install_deps() {
  local have_ts have_types_node
  have_ts=$(installed_version typescript)
  have_types_node=$(installed_version @types/node)
  if [[ $have_ts == "$TYPESCRIPT_VERSION" && $have_types_node == "$TYPES_NODE_VERSION" ]]; then
    return 0
  fi
  echo "installing typescript@$TYPESCRIPT_VERSION @types/node@$TYPES_NODE_VERSION into $bench_dir"
  mkdir -p "$bench_dir"
  # A package.json of its own keeps npm from walking up to another project.
  [[ -f $bench_dir/package.json ]] ||
    echo '{ "private": true, "description": "memsnap benchmark dependencies" }' >"$bench_dir/package.json"
  (cd "$bench_dir" &&
    npm install --no-audit --no-fund --save-exact \
      "typescript@$TYPESCRIPT_VERSION" "@types/node@$TYPES_NODE_VERSION")
}

# make_snapshot NAME PROGRAMS HEAP_MB [BEFORE_NAME]
make_snapshot() {
  local name=$1 programs=$2 heap_mb=$3 before_name=${4:-}
  local out=$snapshot_dir/$name.heapsnapshot
  local before=${before_name:+$snapshot_dir/$before_name.heapsnapshot}
  if [[ -f $out && ( -z $before || -f $before ) ]]; then
    echo "$name: $out exists, skipping"
    return 0
  fi
  # Write under a temporary name so an interrupted run leaves no file that a
  # rerun would mistake for a finished snapshot.
  local tmp=$out.tmp.$$ before_tmp=${before:+$before.tmp.$$}
  local result
  echo "$name: writing $out ($programs programs, --max-old-space-size=$heap_mb)"
  if ! result=$(node --max-old-space-size="$heap_mb" "$workload" "$programs" "$tmp" "$modules_dir" $before_tmp); then
    rm -f "$tmp" ${before_tmp:+"$before_tmp"}
    die "$name: workload failed"
  fi
  [[ -z $before ]] || mv "$before_tmp" "$before"
  mv "$tmp" "$out"
  local bytes build_seconds write_seconds
  bytes=$(stat -c %s "$out")
  build_seconds=$(sed -n 's/.*build_seconds=\([0-9.]*\).*/\1/p' <<<"$result")
  write_seconds=$(sed -n 's/.*write_seconds=\([0-9.]*\).*/\1/p' <<<"$result")
  awk -v n="$name" -v b="$bytes" -v bs="$build_seconds" -v ws="$write_seconds" 'BEGIN {
    printf "%s: %.1f MB (%d bytes), build %ss, writeHeapSnapshot %ss\n", n, b / 1e6, b, bs, ws
  }'
}

# make_sessions: the session-cache workload (no npm packages needed).
make_sessions() {
  local out=$snapshot_dir/sessions.heapsnapshot result
  if [[ -f $out ]]; then
    echo "sessions: $out exists, skipping"
    return 0
  fi
  local tmp=$out.tmp.$$
  echo "sessions: writing $out (1980000 sessions)"
  if ! result=$(node --max-old-space-size=12288 "$script_dir/workloads/session-cache.js" 1980000 "$tmp"); then
    rm -f "$tmp"
    die "sessions: workload failed"
  fi
  mv "$tmp" "$out"
  echo "sessions: $(stat -c %s "$out") bytes, $result"
}

main() {
  local sizes=("$@")
  ((${#sizes[@]})) || sizes=(small medium large pair)
  local size
  for size in "${sizes[@]}"; do
    case $size in
    small | medium | large | pair | sessions) ;;
    *) die "unknown size '$size' (expected small, medium, large, pair or sessions)" ;;
    esac
  done
  command -v node >/dev/null || die "node not found"
  command -v npm >/dev/null || die "npm not found"

  install_deps
  mkdir -p "$snapshot_dir"
  for size in "${sizes[@]}"; do
    case $size in
    small) make_snapshot small 0 1024 ;;
    medium) make_snapshot medium 1 4096 ;;
    large) make_snapshot large 5 12288 ;;
    pair) make_snapshot pair-after 2 8192 pair-before ;;
    sessions) make_sessions ;;
    *) die "unreachable: $size" ;;
    esac
  done
}

main "$@"
