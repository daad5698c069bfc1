#!/usr/bin/env bash
# run.sh: the installed memsnap, used as another program would use it.
#
# Installs the build tree into a fresh prefix (cmake --install --prefix),
# then checks what is there: every file that should be, the SONAME, the
# symbols libmemsnap.so exports (exactly the functions the public headers
# mark MS_EXPORT: no ms__ internals), and the man page (one section per
# command of tools/memsnap.c).  It builds tests/install/use_memsnap.c
# against the prefix three ways: `pkg-config --cflags --libs memsnap`
# (libmemsnap.so), `pkg-config --static` (libmemsnap.a and its private
# dependencies) and a CMake project of its own with find_package(memsnap)
# (memsnap::memsnap and memsnap::memsnap_static).  Each build runs on a real
# V8 snapshot (the `snapshots` fixture's) and on a pair growth.js writes
# with a known leak, and must print what the installed CLI says of the same
# files (summary --json, top --json, compare --json).  The example program
# of docs/library.md is built and run too.
#
# ctest runs it (label install) with, in the environment:
#   MEMSNAP_BUILD      the build tree           MEMSNAP_SOURCE   the source tree
#   MEMSNAP_WORK       scratch directory        MEMSNAP_SNAPSHOTS the fixture's snapshots
#   MEMSNAP_CC         the C compiler           MEMSNAP_CFLAGS   sanitizer flags of the build
#   MEMSNAP_LIBDIR, MEMSNAP_INCLUDEDIR, MEMSNAP_BINDIR, MEMSNAP_MANDIR: GNUInstallDirs'
#   MEMSNAP_MAN        1 when the man page is built (help2man was found)
#   MEMSNAP_CAPTURE    1 when the capture library is built
# Exits 1 at the first check that fails, saying what was expected and found.
set -euo pipefail

for v in MEMSNAP_BUILD MEMSNAP_SOURCE MEMSNAP_WORK MEMSNAP_SNAPSHOTS MEMSNAP_CC \
         MEMSNAP_LIBDIR MEMSNAP_INCLUDEDIR MEMSNAP_BINDIR MEMSNAP_MANDIR; do
  if [ -z "${!v:-}" ]; then
    echo "install test: $v is not set (run through ctest)" >&2
    exit 2
  fi
done
cflags=${MEMSNAP_CFLAGS:-}
src=$MEMSNAP_SOURCE
here=$src/tests/install
work=$MEMSNAP_WORK
prefix=$work/prefix
libdir=$prefix/$MEMSNAP_LIBDIR

fail() {
  echo "install test: FAILED: $*" >&2
  exit 1
}
step() {
  echo "install test: $*"
}

rm -rf "$work"
mkdir -p "$work"

# ---- install -----------------------------------------------------------------
step "cmake --install $MEMSNAP_BUILD --prefix $prefix"
cmake --install "$MEMSNAP_BUILD" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install failed: $(cat "$work/install.log")"
(cd "$prefix" && find . -mindepth 1 \( -type f -o -type l \) | sed 's|^\./||' | sort) >"$work/files"
sed 's/^/  /' "$work/files"

expected=(
  "$MEMSNAP_BINDIR/memsnap"
  "$MEMSNAP_LIBDIR/libmemsnap.a"
  "$MEMSNAP_LIBDIR/libmemsnap.so"
  "$MEMSNAP_LIBDIR/libmemsnap.so.0"
  "$MEMSNAP_LIBDIR/libmemsnap.so.0.1.0"
  "$MEMSNAP_LIBDIR/pkgconfig/memsnap.pc"
  "$MEMSNAP_LIBDIR/cmake/memsnap/memsnapConfig.cmake"
  "$MEMSNAP_LIBDIR/cmake/memsnap/memsnapConfigVersion.cmake"
  "$MEMSNAP_LIBDIR/cmake/memsnap/memsnapTargets.cmake"
)
for h in "$src"/include/memsnap.h "$src"/include/memsnap/*.h; do
  expected+=("$MEMSNAP_INCLUDEDIR/${h#"$src"/include/}")
done
if [ "${MEMSNAP_CAPTURE:-0}" = 1 ]; then
  expected+=("$MEMSNAP_LIBDIR/libmemsnap_capture.so")
fi
if [ "${MEMSNAP_MAN:-0}" = 1 ]; then
  expected+=("$MEMSNAP_MANDIR/man1/memsnap.1")
fi
for f in "${expected[@]}"; do
  grep -qxF "$f" "$work/files" || fail "$f was not installed (installed: $(tr '\n' ' ' <"$work/files"))"
done
[ -L "$libdir/libmemsnap.so" ] && [ -L "$libdir/libmemsnap.so.0" ] ||
  fail "libmemsnap.so and libmemsnap.so.0 should be symbolic links to libmemsnap.so.0.1.0"

# ---- the shared library: SONAME and exported symbols -------------------------
soname=$(readelf -d "$libdir/libmemsnap.so.0.1.0" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = libmemsnap.so.0 ] || fail "SONAME of libmemsnap.so.0.1.0 is '$soname', expected libmemsnap.so.0"

# Exported: every defined dynamic symbol.  Expected: the functions the
# installed headers declare MS_EXPORT, but capture.h's, which are
# libmemsnap_capture's.
nm -D --defined-only "$libdir/libmemsnap.so.0.1.0" | awk '{print $NF}' | sort -u >"$work/exported"
(cd "$prefix/$MEMSNAP_INCLUDEDIR" && cat memsnap.h $(ls memsnap/*.h | grep -v '^memsnap/capture\.h$')) |
  grep -oE 'MS_EXPORT [^;(]*[^a-zA-Z0-9_]ms_[a-z0-9_]+\(' | grep -oE 'ms_[a-z0-9_]+\($' | tr -d '(' |
  sort -u >"$work/declared"
internal=$(grep -E '^ms__' "$work/exported" || true)
[ -z "$internal" ] || fail "libmemsnap.so exports internal ms__ functions: $(echo $internal)"
other=$(grep -vE '^ms_' "$work/exported" || true)
[ -z "$other" ] || fail "libmemsnap.so exports names outside ms_: $(echo $other)"
missing=$(comm -23 "$work/declared" "$work/exported")
[ -z "$missing" ] || fail "declared MS_EXPORT but not exported by libmemsnap.so: $(echo $missing)"
extra=$(comm -13 "$work/declared" "$work/exported")
[ -z "$extra" ] || fail "exported by libmemsnap.so but declared in no public header: $(echo $extra)"
step "nm -D: libmemsnap.so exports $(wc -l <"$work/exported") symbols, all ms_ functions of the public headers, no ms__"

# ---- the man page: every command has its section -----------------------------
commands=$(sed -n 's/^ *{"\([a-z][a-z0-9-]*\)", cmd_.*/\1/p' "$src/tools/memsnap.c")
[ -n "$commands" ] || fail "no commands found in tools/memsnap.c"
if [ "${MEMSNAP_MAN:-0}" = 1 ]; then
  page=$prefix/$MEMSNAP_MANDIR/man1/memsnap.1
  if command -v man >/dev/null 2>&1; then
    how="man -l"
    MANWIDTH=100 man -l "$page" >"$work/man.txt" 2>"$work/man.err" || fail "man -l $page: $(cat "$work/man.err")"
  elif command -v groff >/dev/null 2>&1; then
    how="groff -man -Tutf8"
    groff -man -Tutf8 -P-cbou "$page" >"$work/man.txt" 2>"$work/man.err" || fail "groff $page: $(cat "$work/man.err")"
  else
    how="the roff source"
    cp "$page" "$work/man.txt"
  fi
  [ ! -s "$work/man.err" ] || fail "$how $page warns: $(cat "$work/man.err")"
  grep -q 'SYNOPSIS' "$work/man.txt" || fail "the man page ($how) has no SYNOPSIS"
  for c in $commands; do
    if [ "$how" = "the roff source" ]; then
      grep -qi "^\.SH \"*memsnap $c\"*\$" "$work/man.txt" || fail "the man page has no section for '$c'"
    else
      grep -q "^MEMSNAP ${c^^}\$" "$work/man.txt" || fail "the man page ($how) has no section MEMSNAP ${c^^}"
      grep -q "usage: memsnap $c " "$work/man.txt" || fail "the man page ($how) lacks 'usage: memsnap $c'"
    fi
  done
  step "man page ($how): a section for each of $(echo $commands)"
else
  step "man page: not built here (no help2man when the build was configured, or the fuzz build): not checked"
fi

# ---- inputs, and what the installed CLI says of them -------------------------
snapshot=$MEMSNAP_SNAPSHOTS/leaky-things.heapsnapshot
[ -f "$snapshot" ] || fail "missing $snapshot (written by the snapshots fixture, make-snapshots)"
leaked=750
freed=400
mkdir -p "$work/growth"
node "$src/tests/fixtures/diff/growth.js" "$work/growth" --leak "$leaked" --temps "$freed" ||
  fail "node growth.js did not write its snapshots"
before=$work/growth/before.heapsnapshot
after=$work/growth/after.heapsnapshot

cli=$prefix/$MEMSNAP_BINDIR/memsnap
"$cli" summary --json -n 0 "$snapshot" >"$work/summary.json" || fail "installed memsnap summary failed"
"$cli" top --json -n 5 "$snapshot" >"$work/top.json" || fail "installed memsnap top failed"
"$cli" compare --json -n 0 "$before" "$after" >"$work/compare.json" || fail "installed memsnap compare failed"
version=$("$cli" --version | sed -n 's/^memsnap //p')
node - "$work" "$version" >"$work/expected" <<'EOF' || fail "reading the CLI's JSON"
const fs = require('fs');
const [work, version] = process.argv.slice(2);
const read = (name) => JSON.parse(fs.readFileSync(`${work}/${name}.json`, 'utf8'));
const summary = read('summary'), top = read('top'), compare = read('compare');
const row = (name) => {
  const rows = compare.classes.filter((r) => r.name === name);
  if (rows.length !== 1) throw new Error(`compare --json: ${rows.length} rows named ${name}`);
  return rows[0];
};
const lines = [
  `version ${version}`,
  `object_count ${summary.object_count}`,
  `shallow_size ${summary.shallow_size}`,
  `class_count ${summary.class_count}`,
  `total_size ${top.total_size}`,
  ...top.objects.map((o) => `top ${o.id} ${o.retained_size}`),
  `leaky_added ${row('Leaky').added_count}`,
  `temp_removed ${row('Temp').removed_count}`,
];
console.log(lines.join('\n'));
EOF

# Runs a build of use_memsnap ($1: its name in messages, then the command)
# and compares what it prints with the CLI's numbers.
check_run() {
  local name=$1
  shift
  "$@" "$snapshot" "$before" "$after" "$leaked" "$freed" >"$work/$name.out" 2>"$work/$name.err" ||
    fail "$name exited $?: $(cat "$work/$name.err")"
  diff -u "$work/expected" "$work/$name.out" >"$work/$name.diff" ||
    fail "$name disagrees with the installed CLI (- CLI, + $name):
$(cat "$work/$name.diff")"
  step "$name: $(tr '\n' ' ' <"$work/$name.out")"
}
needed() {
  readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\].*/\1/p'
}

export PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
[ "$(pkg-config --modversion memsnap)" = "$version" ] ||
  fail "pkg-config --modversion memsnap is '$(pkg-config --modversion memsnap)', expected $version"

# ---- pkg-config, shared --------------------------------------------------------
pc=$(pkg-config --cflags --libs memsnap) || fail "pkg-config --cflags --libs memsnap"
step "cc \$(pkg-config --cflags --libs memsnap) = $pc"
# shellcheck disable=SC2086  # the flags are words
"$MEMSNAP_CC" $cflags -Wall -Wextra -Werror -o "$work/use_pkgconfig" "$here/use_memsnap.c" $pc ||
  fail "use_memsnap.c does not build with pkg-config --cflags --libs memsnap"
needed "$work/use_pkgconfig" | grep -qx libmemsnap.so.0 ||
  fail "use_pkgconfig does not load libmemsnap.so.0 (needs: $(needed "$work/use_pkgconfig" | tr '\n' ' '))"
check_run use_pkgconfig env LD_LIBRARY_PATH="$libdir" "$work/use_pkgconfig"

# ---- the example of docs/library.md, as printed there ---------------------------
awk '/^```c$/ { inside = 1; next } /^```$/ { if (inside) exit } inside' \
  "$src/docs/library.md" >"$work/heapcheck.c"
[ -s "$work/heapcheck.c" ] || fail "no \`\`\`c example in docs/library.md"
# shellcheck disable=SC2086
"$MEMSNAP_CC" $cflags -std=c99 -pedantic -Wall -Wextra -Werror -o "$work/heapcheck" \
  "$work/heapcheck.c" $pc || fail "the example of docs/library.md does not build"
LD_LIBRARY_PATH=$libdir "$work/heapcheck" "$snapshot" "$before" "$after" >"$work/heapcheck.out" \
  2>&1 || fail "the example of docs/library.md exited $?: $(cat "$work/heapcheck.out")"
grep -qE "^Leaky +\+$leaked objects \($leaked new\)" "$work/heapcheck.out" ||
  fail "the example of docs/library.md does not print 'Leaky +$leaked objects ($leaked new)':
$(cat "$work/heapcheck.out")"
step "docs/library.md's example: $(grep -E '^Leaky ' "$work/heapcheck.out")"

# ---- pkg-config --static ---------------------------------------------------------
# --static adds Requires.private and Libs.private; with both libmemsnap.so
# and libmemsnap.a in the directory the linker would still take the .so, so
# the archive is named (-l:libmemsnap.a), and the program must not need
# libmemsnap.so at all.
pc=$(pkg-config --static --cflags --libs memsnap) || fail "pkg-config --static --cflags --libs memsnap"
step "cc \$(pkg-config --static --cflags --libs memsnap) = $pc"
pc_static=$(printf '%s\n' "$pc" | sed 's/\(^\| \)-lmemsnap\( \|$\)/\1-l:libmemsnap.a\2/')
# shellcheck disable=SC2086
"$MEMSNAP_CC" $cflags -Wall -Wextra -Werror -o "$work/use_pkgconfig_static" "$here/use_memsnap.c" \
  $pc_static || fail "use_memsnap.c does not link libmemsnap.a with pkg-config --static's flags"
if needed "$work/use_pkgconfig_static" | grep -q '^libmemsnap'; then
  fail "use_pkgconfig_static still needs libmemsnap.so"
fi
check_run use_pkgconfig_static "$work/use_pkgconfig_static"

# ---- CMake: find_package(memsnap) ----------------------------------------------
step "CMake: find_package(memsnap CONFIG REQUIRED) with CMAKE_PREFIX_PATH=$prefix"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$MEMSNAP_CC" -DCMAKE_C_FLAGS="$cflags" >"$work/consumer.log" 2>&1 ||
  fail "configuring tests/install/consumer: $(cat "$work/consumer.log")"
grep -qF "memsnap $version from $libdir/cmake/memsnap" "$work/consumer.log" ||
  fail "tests/install/consumer did not find memsnap $version in $libdir/cmake/memsnap: $(cat "$work/consumer.log")"
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 ||
  fail "building tests/install/consumer: $(cat "$work/consumer.log")"
needed "$work/consumer/use_memsnap" | grep -qx libmemsnap.so.0 ||
  fail "memsnap::memsnap did not link libmemsnap.so.0"
if needed "$work/consumer/use_memsnap_static" | grep -q '^libmemsnap'; then
  fail "memsnap::memsnap_static linked libmemsnap.so"
fi
# No LD_LIBRARY_PATH: CMake gives the program the prefix's lib directory as
# its run path in the build tree.
check_run cmake_memsnap "$work/consumer/use_memsnap"
check_run cmake_memsnap_static "$work/consumer/use_memsnap_static"

step "passed"
