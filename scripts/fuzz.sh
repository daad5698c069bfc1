#!/usr/bin/env bash
# Fuzzes every importer for a while (docs/robustness.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 s, every target
#
# Builds the libFuzzer targets with clang in build/fuzz (MEMSNAP_FUZZ=ON),
# then runs each target, one after the other, as a single process (-jobs=1)
# for SECONDS on a copy of its seed corpus and regressions in a temporary
# directory, so the repository is never modified.  A crash, hang (10 s per
# input) or memory blow-up (2 GB) fails the run; the input that did it is
# copied to build/fuzz/artifacts/TARGET/ for tests/fuzz/regressions/TARGET/.
# MEMSNAP_FUZZ_KEEP=DIR keeps each grown corpus in DIR/TARGET instead.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
src=$PWD

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang is needed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
CC=clang cmake -S . -B build/fuzz -DMEMSNAP_FUZZ=ON -DMEMSNAP_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j "$(nproc)" >/dev/null

failed=0
passed=0
while IFS=$'\t' read -r name bin corpus regressions dict; do
  [ -n "$name" ] || continue
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/memsnap-fuzz-$name.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$corpus"/* "$work/corpus/"
  if [ -d "$regressions" ]; then cp "$regressions"/* "$work/corpus/" 2>/dev/null || true; fi
  args=(-jobs=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
  echo "fuzz: $name for $seconds s ($(ls "$work/corpus" | wc -l) seed inputs)"
  status=0
  (cd "$work" && "$bin" "${args[@]}" corpus >/dev/null 2>&1) || status=$?
  log="$work/fuzz-0.log"
  grep -E '^stat::|DONE|INITED' "$log" | sed "s/^/fuzz: $name: /" || true
  if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    failed=$((failed + 1))
    mkdir -p "build/fuzz/artifacts/$name"
    cp "$work"/artifacts/* "build/fuzz/artifacts/$name/" 2>/dev/null || true
    echo "fuzz: $name FAILED (exit $status); last lines of the log:" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -40 >&2
    echo "fuzz: inputs in $src/build/fuzz/artifacts/$name/ (minimize with" \
         "$bin -minimize_crash=1 -runs=10000 FILE, then add to tests/fuzz/regressions/$name/)" >&2
  else
    passed=$((passed + 1))
  fi
  if [ -n "${MEMSNAP_FUZZ_KEEP:-}" ]; then
    mkdir -p "$MEMSNAP_FUZZ_KEEP/$name"
    cp "$work"/corpus/* "$MEMSNAP_FUZZ_KEEP/$name/"
  fi
  rm -rf "$work"
done < build/fuzz/fuzz-targets.tsv

echo "fuzz: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
