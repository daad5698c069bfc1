#!/bin/sh
# run-known-heap.sh PROGRAM CHECKER WORKDIR [ARGS...]
# Runs a known_heap program (it captures itself and writes what it built),
# then checks the capture against that.
set -eu
prog=$1 check=$2 dir=$3
shift 3
rm -rf "$dir"
mkdir -p "$dir"
"$prog" "$dir/capture.gcsnap" "$dir/expect.txt" "$@"
"$check" "$dir/capture.gcsnap" "$dir/expect.txt" "$@"
