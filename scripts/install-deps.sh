#!/usr/bin/env bash
# Installs the Debian packages memsnap needs to build and test.
# Idempotent: does nothing (and needs no network) when all are present.
# Node.js (>= 18) and npm are expected on the machine already: the tests
# write real heap snapshots with Node.js and run Chrome DevTools' heap
# snapshot code (npm package heap-snapshot-toolkit) as an oracle.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libzstd-dev zstd libcjson-dev libcmocka-dev   # zstd: the tests compress inputs with it
  libgc-dev libdwarf-dev libelf-dev   # Boehm GC captures and their symbolization
  python3                             # the Python heap recorder and its tests
  help2man                            # the memsnap(1) man page, made from the commands' help
  guile-3.0                           # a real Boehm GC program the capture tests run
  clang libclang-rt-14-dev            # the fuzz targets: clang, and its libFuzzer runtime
  chromium                            # browser heap snapshots (the detached DOM leak test)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: Node.js and npm are needed (to write snapshots and run the tests)" >&2
  exit 1
fi
