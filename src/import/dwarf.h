/*
 * dwarf.h: names for addresses in a module file: the function, inlined
 * functions and file:line of a code address (DWARF, through libdwarf), or
 * the symbol of a code or data address (the ELF symbol table, through
 * libelf), offline, from the module's path and GNU build id.
 *
 * Addresses are module-relative: the runtime address minus the module's
 * load base (dl_iterate_phdr's dlpi_addr), which is what the module's DWARF
 * and symbol table use, for PIE and non-PIE files alike.  Callers pass
 * return address - 1 for call sites (the call instruction, not the one
 * after it).
 *
 * Debug information is looked for in /usr/lib/debug/.build-id/xx/yyy.debug
 * first (Debian's -dbgsym packages), then in the file itself.
 */
#ifndef MS_DWARF_H
#define MS_DWARF_H

#include "../util/util.h"

typedef struct ms__sym_query {
    uint64_t pc;   /* in: module-relative address */
    bool data;     /* in: a data address (symbol table only) */
    char *text;    /* out: malloc'd description; NULL when nothing is known */
} ms__sym_query;

/* Describes q[0..n) in the module file at `path`.  When build_id_len > 0
 * the file (or its separate debug file) must carry that build id; when it
 * does not, or the file cannot be read, nothing is described and *note (may
 * be NULL) gets a static reason ("not found", "build id differs", ...).
 * Texts: "fn at file.c:12", "fn at file.c:12 (inlined in outer)",
 * "sym+0x1a" (symbol table only), "sym" for data.  Files are shown by
 * their base name.  Errors: MS_ENOMEM only; unreadable or odd files are not
 * errors (captures name modules of another machine, too). */
int ms__symbolize(const char *path, const uint8_t *build_id, size_t build_id_len,
                  ms__sym_query *q, size_t n, const char **note, ms_error *err);

/* Whether memsnap was built with libdwarf. */
bool ms__symbolize_has_dwarf(void);

#endif /* MS_DWARF_H */
