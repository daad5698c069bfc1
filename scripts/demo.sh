#!/usr/bin/env bash
# Installs what memsnap needs, builds it, writes real heap snapshots of a
# small leaking Node.js program (examples/leaky-app.js: before, during and
# after 2000 requests) and shows the leak memsnap finds in them: the
# leaked classes, what holds them, and where in the program's code.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
mkdir -p build/demo
node examples/leaky-app.js build/demo 2000
build/release/tools/memsnap info build/demo/final.heapsnapshot
echo
build/release/tools/memsnap leaks -n 2 build/demo/baseline.heapsnapshot \
  build/demo/target.heapsnapshot build/demo/final.heapsnapshot
