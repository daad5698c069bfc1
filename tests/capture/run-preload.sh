#!/bin/sh
# run-preload.sh PROGRAM CHECKER CAPTURE_LIB WORKDIR
# Runs an unmodified Boehm GC program with the capture library preloaded:
# it must write a capture on SIGUSR2 (capture.gcsnap.1) and at exit
# (capture.gcsnap), each matching what the program built by then.  Then
# runs it again (other/): a second process of the same program, for the
# tests that must tell two processes apart (capture-why).
set -eu
prog=$1 check=$2 lib=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir"
MEMSNAP_CAPTURE="$dir/capture.gcsnap" LD_PRELOAD="$lib" "$prog" "$dir/expect.txt"
test -f "$dir/capture.gcsnap.1" || { echo "FAIL: no capture on SIGUSR2"; exit 1; }
test -f "$dir/capture.gcsnap" || { echo "FAIL: no capture at exit"; exit 1; }
"$check" "$dir/capture.gcsnap.1" "$dir/expect.txt.1"
"$check" "$dir/capture.gcsnap" "$dir/expect.txt"
mkdir -p "$dir/other"
MEMSNAP_CAPTURE="$dir/other/capture.gcsnap" LD_PRELOAD="$lib" "$prog" "$dir/other/expect.txt"
"$check" "$dir/other/capture.gcsnap" "$dir/other/expect.txt"
