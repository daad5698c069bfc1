#!/usr/bin/env bash
# limits.sh: what memsnap says past each of its limits (docs/graph.md,
# "Limits"), on V8 snapshots written here: small files whose header or
# values claim too much, and with --big the files that hold too much
# (268,435,456 nodes without counts in the header: 2.7 GB; a string of
# 1 GiB + 1 byte: 1.1 GB).  Prints each case's exit status, peak RSS and
# the message.
#
# Usage: bench/limits.sh [--big] [DIR]     (DIR: scratch, default a mktemp dir)
# Env:   MEMSNAP  the binary (default build/release/tools/memsnap)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
memsnap=${MEMSNAP:-$script_dir/../build/release/tools/memsnap}
big=0
if [[ ${1:-} == --big ]]; then
  big=1
  shift
fi
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
[[ -x $memsnap ]] || { echo "limits.sh: no memsnap at $memsnap (build first, or set MEMSNAP)" >&2; exit 1; }

meta='"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],'
meta+='"node_types":[["hidden","array","string","object","code","closure","regexp","number","native",'
meta+='"synthetic","concatenated string","sliced string","symbol","bigint","object shape"],'
meta+='"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],'
meta+='"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],'
meta+='"location_fields":["object_index","script_id","line","column"]}'
# (root) -> Window -> Foo
nodes='[9,0,1,0,1,0,0,3,1,3,32,1,0,0,3,2,5,16,0,0,0]'
edges='[5,3,7,2,4,14]'
strings='["","Window","Foo","global","x"]'
snap() { # NODE_COUNT EDGE_COUNT NODES EDGES STRINGS [MORE]
  printf '{"snapshot":{%s,"node_count":%s,"edge_count":%s},"nodes":%s,"edges":%s%s,"strings":%s}' \
    "$meta" "$1" "$2" "$3" "$4" "${6:-}" "$5"
}

case_() { # NAME FILE: memsnap info FILE, its status, peak RSS and message
  local out status rss
  out=$( { /usr/bin/time -f 'rss_kib=%M' "$memsnap" info "$2" >/dev/null; } 2>&1) && status=0 || status=$?
  rss=$(sed -n 's/^rss_kib=//p' <<<"$out")
  printf '%s (%s bytes): exit %s, peak RSS %s MiB\n  %s\n' "$1" "$(stat -c %s "$2")" "$status" \
    "$((rss / 1024))" "$(grep -v '^rss_kib=' <<<"$out" | grep -v '^Command exited')"
}

snap 268435456 2 "$nodes" "$edges" "$strings" >"$dir/nodes-header.heapsnapshot"
case_ "node_count past the node limit" "$dir/nodes-header.heapsnapshot"
snap 3 4294967296 "$nodes" "$edges" "$strings" >"$dir/edges-header.heapsnapshot"
case_ "edge_count past the edge limit" "$dir/edges-header.heapsnapshot"
snap 3 2 "$nodes" '[5,3,7,2,4294967296,14]' "$strings" >"$dir/edge-name.heapsnapshot"
case_ "an edge name_or_index past 2^32-1" "$dir/edge-name.heapsnapshot"
snap 3 2 '[9,0,1,0,1,0,0,3,1,3,18446744073709551615,1,0,0,3,2,5,16,0,0,0]' "$edges" "$strings" \
  >"$dir/self-sizes.heapsnapshot"
case_ "self sizes adding up past 2^64-1" "$dir/self-sizes.heapsnapshot"
snap 3 2 "$nodes" "$edges" "$strings" ',"locations":[7,4294967296,1,1]' >"$dir/location.heapsnapshot"
case_ "a location's script id past 2^32-1" "$dir/location.heapsnapshot"

types=$(printf ',"t%d"' $(seq 1 250))
sed "s/\"object shape\"\]/\"object shape\"$types]/" "$dir/nodes-header.heapsnapshot" |
  sed 's/"node_count":268435456/"node_count":3/' >"$dir/node-types.heapsnapshot"
case_ "256 node types in the meta" "$dir/node-types.heapsnapshot"
sed 's/"weak"\]/"weak","e7","e8","e9","e10","e11","e12","e13","e14","e15","e16"]/' "$dir/nodes-header.heapsnapshot" |
  sed 's/"node_count":268435456/"node_count":3/' >"$dir/edge-types.heapsnapshot"
case_ "17 edge types in the meta" "$dir/edge-types.heapsnapshot"
{
  printf '{"snapshot":{%s,"node_count":3,"edge_count":2,"pad":"' "$meta"
  head -c 1048576 /dev/zero | tr '\0' 'p'
  printf '"},"nodes":%s,"edges":%s,"strings":%s}' "$nodes" "$edges" "$strings"
} >"$dir/header.heapsnapshot"
case_ "a header of more than 1 MiB" "$dir/header.heapsnapshot"

if ((big)); then
  # 268,435,456 nodes of 7 zero fields, no counts in the header (the only
  # way past the header's check): the builder refuses the 268,435,456th.
  f=$dir/nodes-held.heapsnapshot
  {
    printf '{"snapshot":{%s},"nodes":[' "$meta"
    (set +o pipefail; yes '0,0,0,0,0,0,0,' | head -n 268435455 | tr -d '\n')
    printf '0,0,0,0,0,0,0],"edges":[],"strings":[""]}'
  } >"$f"
  case_ "268,435,456 nodes (no node_count in the header)" "$f"
  rm -f "$f"
  # A string of 2^30 + 1 bytes.
  f=$dir/long-string.heapsnapshot
  {
    snap 3 2 "$nodes" "$edges" '["","Window","Foo","global","x","' | head -c -1
    head -c $((1073741824 + 1)) /dev/zero | tr '\0' 'a'
    printf '"]}'
  } >"$f"
  case_ "a string of 1 GiB + 1 byte" "$f"
  rm -f "$f"
fi
