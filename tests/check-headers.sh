#!/usr/bin/env bash
# Checks that the public headers stay clean for every program that includes
# them: each of include/memsnap.h and include/memsnap/*.h compiles on its
# own (finding the others by relative includes, as installed), as C99 or as
# C++11, pedantic, with warnings as errors; and the option and error
# initializer macros compile where a program uses them.
#
#   tests/check-headers.sh c|c++ COMPILER [INCLUDE_DIR]
#
# ctest runs it once per language (label lint).  Prints each failure with
# the compiler's message and exits 1 if there is any; exits 77 (skipped)
# when COMPILER is not installed.
set -euo pipefail

lang=$1
cc=$2
inc=${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../include" && pwd)}

case $lang in
  c) flags=(-x c -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wundef) ;;
  c++) flags=(-x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Wshadow -Wundef) ;;
  *) echo "usage: check-headers.sh c|c++ COMPILER [INCLUDE_DIR]" >&2; exit 2 ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "check-headers: $cc not found: the $lang check is skipped"
  exit 77
fi

bad=0
for h in "$inc/memsnap.h" "$inc"/memsnap/*.h; do
  if ! out=$("$cc" "${flags[@]}" -fsyntax-only "$h" 2>&1); then
    echo "check-headers: ${h#"$inc"/} does not compile alone as $lang (${flags[*]}):" >&2
    echo "$out" >&2
    bad=1
  fi
done

# What a program writes: <memsnap.h>, advanced.h, and every *_INIT macro.
program='#include <memsnap.h>
#include <memsnap/advanced.h>

int main(void)
{
    ms_error err = MS_ERROR_INIT;
    ms_open_options open = MS_OPEN_OPTIONS_INIT;
    ms_summary_options summary = MS_SUMMARY_OPTIONS_INIT;
    ms_compare_options compare = MS_COMPARE_OPTIONS_INIT;
    ms_capture_options capture = MS_CAPTURE_OPTIONS_INIT;
    (void)open;
    (void)summary;
    (void)compare;
    (void)capture;
    return err.code == MS_OK ? 0 : 1;
}'
if ! out=$(printf '%s\n' "$program" | "$cc" "${flags[@]}" -fsyntax-only -I "$inc" - 2>&1); then
  echo "check-headers: a program using the *_INIT macros does not compile as $lang (${flags[*]}):" >&2
  echo "$out" >&2
  bad=1
fi

if [ "$bad" -eq 0 ]; then
  echo "check-headers: $(ls "$inc/memsnap.h" "$inc"/memsnap/*.h | wc -l) headers compile alone as $lang (${flags[*]})"
fi
exit "$bad"
