#!/usr/bin/env bash
# Installs what memsnap needs, builds it, writes a real heap snapshot of a
# small leaking Node.js program (examples/leaky-app.js) and shows what
# memsnap finds in it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
mkdir -p build/demo
node examples/leaky-app.js build/demo/leaky-app.heapsnapshot 5000
build/release/tools/memsnap info build/demo/leaky-app.heapsnapshot
echo
build/release/tools/memsnap summary -n 15 build/demo/leaky-app.heapsnapshot
