#!/usr/bin/env bash
# Checks the library's layering (docs/conventions.md): each folder of src/
# includes only itself and folders below it, and no file of src/ outside
# src/util keeps mutable state in static variables (two threads may work
# on two snapshots at once).  src/capture is the exception to the second
# rule: it hooks one process's collector, whose state is per process.
#
#   tests/check-layers.sh [SRC_DIR]     (default: the src/ next to this script)
#
# Prints each violation as FILE:LINE: what, and exits 1 if there is any.
set -euo pipefail

src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../src" && pwd)}
cd "$src"

# Bottom first.  capture shares its format header with import, below it.
layers=(util capture snapshot import v8 graph dominators paths compare api)
rank() {
  local i
  for i in "${!layers[@]}"; do
    if [[ ${layers[$i]} == "$1" ]]; then
      echo "$i"
      return
    fi
  done
  echo -1
}

bad=0
while IFS= read -r -d '' file; do
  folder=${file%%/*}
  r=$(rank "$folder")
  if [[ $r -lt 0 ]]; then
    echo "$file: folder '$folder' is not in the layer list of tests/check-layers.sh"
    bad=1
    continue
  fi
  # Quoted includes, resolved against the file's folder.
  while IFS=: read -r line inc; do
    target=$(realpath -m --relative-to=. "$(dirname "$file")/$inc")
    tfolder=${target%%/*}
    [[ $tfolder == "$folder" ]] && continue
    tr=$(rank "$tfolder")
    if [[ $tr -lt 0 || $tr -ge $r ]]; then
      echo "$file:$line: $folder includes $target, which is not below it"
      bad=1
    fi
  done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
  # Static variables that are not const (file scope or in a function).
  if [[ $folder != util && $folder != capture ]]; then
    while IFS=: read -r line text; do
      echo "$file:$line: mutable static state: $text"
      bad=1
    done < <(grep -nE '^[[:space:]]*static[[:space:]]' "$file" |
      grep -vE 'static[[:space:]]+(const|inline)[[:space:]]' |
      grep -vE '^[0-9]+:[[:space:]]*static[[:space:]][^=;]*\(' || true)
  fi
done < <(find . -name '*.[ch]' -printf '%P\0' | sort -z)

if [[ $bad -ne 0 ]]; then
  echo "check-layers: the layering is broken (docs/conventions.md)" >&2
  exit 1
fi
echo "check-layers: ok (${layers[*]})"
