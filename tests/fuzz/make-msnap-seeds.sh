#!/usr/bin/env bash
# Writes tests/fuzz/corpus/msnap/: native files converted from the other
# targets' seeds (V8 snapshots, Memlyze traces and Python heaps, Boehm
# captures) that memsnap accepts, up to 40 per format, each under 12 KB,
# named by their SHA-1 as libFuzzer names its inputs.
#
#   tests/fuzz/make-msnap-seeds.sh MEMSNAP
set -euo pipefail
cd "$(dirname "$0")"
memsnap=$(realpath "$1")
out=corpus/msnap
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for fmt in heapsnapshot mlyze boehm; do
  kept=0
  for f in $(ls -S -r corpus/$fmt); do
    [ "$kept" -lt 40 ] || break
    if "$memsnap" convert --level 19 "corpus/$fmt/$f" -o "$tmp/x.msnap" >/dev/null 2>&1 &&
       [ "$(stat -c %s "$tmp/x.msnap")" -lt 12288 ]; then
      sum=$(sha1sum "$tmp/x.msnap" | cut -d' ' -f1)
      if [ ! -f "$out/$sum" ]; then
        cp "$tmp/x.msnap" "$out/$sum"
        kept=$((kept + 1))
      fi
    fi
  done
  echo "$fmt: $kept seeds"
done
