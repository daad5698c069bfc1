# Writes the memsnap(1) man page from the built CLI's own help (cmake -P;
# tools/CMakeLists.txt runs it at build time):
#
#   cmake -DMEMSNAP=bin -DHELP2MAN=help2man -DINCLUDE=commands.h2m -DOUTPUT=memsnap.1
#         -P MemsnapManPage.cmake
#
# help2man makes the NAME, SYNOPSIS and DESCRIPTION from `memsnap --help`
# and `--version`; INCLUDE, written here, adds one section per command
# from `memsnap COMMAND -h`, the commands being those --help lists (the
# table in tools/memsnap.c).  So the page says what the binary says.
cmake_minimum_required(VERSION 3.16)

foreach(var MEMSNAP HELP2MAN INCLUDE OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "MemsnapManPage.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run_memsnap out)
  execute_process(COMMAND "${MEMSNAP}" ${ARGN}
    OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " args "${ARGN}")
    message(FATAL_ERROR "memsnap ${args} failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Text for roff: backslashes, hyphens (so options stay ASCII minus signs
# that can be copied), and a leading . or ' that would read as a request.
function(roff_escape out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  if(text MATCHES "^[.']")
    set(text "\\&${text}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# One command's -h as roff: the usage lines as written, the description
# filled into paragraphs, each option ("  -x, --long ARG  what it does",
# continued on lines indented further) a tagged paragraph with the option
# names in bold; other indented lines (a format line) are kept as written.
# Lines are taken one by one with string(FIND), not as a CMake list, which
# would split at the semicolons and brackets the help text contains.
function(help_to_roff out help)
  set(rest "${help}")
  set(state "usage")
  set(roff ".nf\n")
  while(NOT rest STREQUAL "")
    string(FIND "${rest}" "\n" nl)
    if(nl EQUAL -1)
      set(line "${rest}")
      set(rest "")
    else()
      string(SUBSTRING "${rest}" 0 ${nl} line)
      math(EXPR next "${nl} + 1")
      string(SUBSTRING "${rest}" ${next} -1 rest)
    endif()

    if(state STREQUAL "usage")
      if(line STREQUAL "")
        string(APPEND roff ".fi\n")
        set(state "gap")
      else()
        roff_escape(line "${line}")
        string(APPEND roff "${line}\n")
      endif()
    elseif(line STREQUAL "")
      set(state "gap")
    elseif(line MATCHES "^  -")
      # An option: its names and argument, then two or more spaces.
      string(REGEX MATCH "^  ([^ ]+( [^ ]+)*)(  +(.*))?$" m "${line}")
      set(tag "${CMAKE_MATCH_1}")
      set(desc "${CMAKE_MATCH_4}")
      roff_escape(tag "${tag}")
      string(REGEX REPLACE "(^|[ ,])((\\\\-)+[a-zA-Z0-9][a-zA-Z0-9\\\\-]*)" "\\1\\\\fB\\2\\\\fR"
        tag "${tag}")
      # .br: the description on the next line even after a short tag.
      string(APPEND roff ".TP\n${tag}\n.br\n")
      if(NOT desc STREQUAL "")
        roff_escape(desc "${desc}")
        string(APPEND roff "${desc}\n")
      endif()
      set(state "option")
    elseif(state STREQUAL "option" AND line MATCHES "^   ")
      string(STRIP "${line}" line)
      roff_escape(line "${line}")
      string(APPEND roff "${line}\n")
    elseif(line MATCHES "^ ")
      roff_escape(line "${line}")
      string(APPEND roff ".nf\n${line}\n.fi\n")
      set(state "text")
    else()
      if(NOT state STREQUAL "text")
        string(APPEND roff ".PP\n")
      endif()
      roff_escape(line "${line}")
      string(APPEND roff "${line}\n")
      set(state "text")
    endif()
  endwhile()
  if(state STREQUAL "usage")
    string(APPEND roff ".fi\n")
  endif()
  set(${out} "${roff}" PARENT_SCOPE)
endfunction()

# The commands: the lines of --help between "commands:" and the next blank
# line, "  NAME   what it does".
run_memsnap(help --help)
string(FIND "${help}" "\ncommands:\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "memsnap --help lists no commands")
endif()
string(SUBSTRING "${help}" ${at} -1 block)
string(SUBSTRING "${block}" 11 -1 block)
string(FIND "${block}" "\n\n" end)
string(SUBSTRING "${block}" 0 ${end} block)
string(REGEX MATCHALL "(^|\n)  [a-z][a-z0-9-]*" commands "${block}")
string(REGEX REPLACE "(^|\n)  " "" commands "${commands}")
if(NOT commands)
  message(FATAL_ERROR "memsnap --help lists no commands")
endif()

# help2man takes a SYNOPSIS from a line "Usage: ..." only; memsnap's
# --help says "usage: ...", so the synopsis is written here from that line.
if(NOT help MATCHES "^usage: ([^ \n]+)([^\n]*)")
  message(FATAL_ERROR "memsnap --help does not start with its usage line")
endif()
roff_escape(usage "${CMAKE_MATCH_2}")
set(include "[SYNOPSIS]\n\\fB${CMAKE_MATCH_1}\\fR${usage}\n\n")

# Left-aligned rather than justified and without hyphenation, as the help
# text is: file and schema names stay whole.
foreach(cmd IN LISTS commands)
  run_memsnap(cmd_help ${cmd} -h)
  help_to_roff(roff "${cmd_help}")
  string(APPEND include "[memsnap ${cmd}]\n.ad l\n.nh\n${roff}\n")
endforeach()
string(APPEND include "[SEE ALSO]
The documentation in the memsnap sources: docs/cli.md (commands, output,
exit status), docs/ci.md (memory budgets in CI), docs/library.md (the
libmemsnap C library, <memsnap.h>), docs/capture.md (Boehm GC captures).
")
file(WRITE "${INCLUDE}" "${include}")

execute_process(COMMAND "${HELP2MAN}" --no-info --section=1
    "--name=heap snapshot analyzer: what is in a V8, Python or Boehm GC heap"
    "--include=${INCLUDE}" "--output=${OUTPUT}" "${MEMSNAP}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc}): ${err}")
endif()
