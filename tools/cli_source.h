/*
 * cli_source.h: where a name is declared in the program's source, read
 * from the script file itself when it is on this machine (heap snapshots
 * hold no source text).
 */
#ifndef MEMSNAP_CLI_SOURCE_H
#define MEMSNAP_CLI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

/* Where `name` (an identifier) is declared in the script `file` (a path or
 * a file:// URL; other URLs are not read): the first line declaring it
 * with const, let, var, class, function, static or def, or as a C
 * declaration at file scope (`static struct conn *name;`), else the first
 * line assigning it (`globalThis.name = ...`, `NAME = {}`).  *line and
 * *column 1-based (the name's first byte).  Reads files up to 16 MiB; the
 * last file read stays cached.  Returns false when the file cannot be read
 * or holds no such line (nothing is printed). */
bool cli_find_declaration(const char *file, const char *name, unsigned *line, unsigned *column);

#endif
