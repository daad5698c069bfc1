#!/usr/bin/env bash
# Installs what the tests need, builds memsnap twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole test
# suite (ctest) in both builds, checks that a Release (-O3) build compiles,
# runs the two-thread test under ThreadSanitizer, then fuzzes each importer
# for a minute
# (scripts/fuzz.sh; MEMSNAP_FUZZ_SECONDS sets how long, 0 skips it).
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/release -j "$jobs"
(cd build/release && ctest --output-on-failure -j "$jobs")

cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DMEMSNAP_SANITIZE=ON
cmake --build build/sanitize -j "$jobs"
(cd build/sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")

# -Werror at -O3 sees other warnings than at -O2 (maybe-uninitialized,
# format-truncation): a Release build must compile too.
cmake -S . -B build/o3 -DCMAKE_BUILD_TYPE=Release
cmake --build build/o3 -j "$jobs"

# The analyses run on two threads: the test that compares them with one
# thread, under ThreadSanitizer.
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DMEMSNAP_TSAN=ON
cmake --build build/tsan -j "$jobs" --target test_threads
TSAN_OPTIONS=halt_on_error=1 ./build/tsan/tests/test_threads

fuzz_seconds=${MEMSNAP_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  ./scripts/fuzz.sh "$fuzz_seconds"
fi
