/*
 * cli_cause.h: a group of new or leaked objects (compare, leaks) as its
 * cause, for the text, Markdown and JSON reports (docs/compare.md "Groups
 * by cause").
 */
#ifndef MEMSNAP_CLI_CAUSE_H
#define MEMSNAP_CLI_CAUSE_H

#include "cli_paths.h"

/* The cause of a group of compare or leaks (ms_path_group):
 *   reference: the reference it was taken by, as code writes it:
 *     "bus._events.shutdown[…]", "sessionCache.get(…)", "Poller.timers[3]",
 *     "Timeout._onTimeout": from the scope variable, the program's object or
 *     the root category that holds it (at most 6 hops back, a list counting
 *     as one) to the group's first new object (entry_hop), through a Map's
 *     or Set's entry; indices and keys as "…" when the group took it more
 *     than once; a runtime object that took it (a Timeout) by its link into
 *     the program's code; empty when the path is too short to have one;
 *   holder: the object the reference starts at (MS_NODE_NONE for a root
 *     category);
 *   code: the program's code that holds the group (cli_cause_code);
 *   name, file, line, column: where the reference's variable or first
 *     property is declared, read from the script file when it is on this
 *     machine (cli_find_declaration; file NULL when not found, borrowed
 *     from snap);
 *   code_text: "via function onChange, server.js:52:20" (a function of the
 *     program's), else "sessionCache declared at server.js:12:7", else the
 *     scope or object ("module scope, server.js"). */
typedef struct cli_cause {
    char reference[256];
    size_t reference_len;
    ms_node holder, code;
    char name[96];
    const char *file;
    unsigned line, column;
    char code_text[256];
    size_t code_len;
} cli_cause;
void cli_cause_get(ms_snapshot *snap, const ms_path_group *g, cli_cause *c);
/* {reference, entry_hop, entries, code, declaration: {name, location},
 * text} */
cJSON *cli_cause_json(ms_snapshot *snap, const ms_path_group *g, const cli_cause *c);
/* The program's code that holds the group: the first function of the
 * program's on the example's path from the first new object on (a
 * listener, a callback), else before it back to holder, else holder. */
ms_node cli_cause_code(ms_snapshot *snap, const ms_path_group *g, ms_node holder);
/* A group as its cause, two lines: "INDENT#number  N Class (file:line)
 * held by REFERENCE (CODE)", "cutting it frees SIZE (N objects); for
 * example @id:". */
void cli_print_cause(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                     const char *indent);

#endif
