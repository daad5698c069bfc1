/*
 * strtab.h: the interned string table of a graph.
 *
 * Every distinct string is stored once.  Ids are dense (0 .. count-1) and
 * given in insertion order, so an importer whose input is already
 * deduplicated (V8's "strings" array) gets id == input index.
 *
 *   bytes    char[]      "<dummy>\0foo\0bar\0..."   every string NUL-terminated
 *   offsets  u64[count+1] start of string i in bytes; offsets[count] = bytes_len
 *   slots    u32[2^k]    open addressing, linear probing: id + 1, 0 = empty;
 *                        load factor <= 1/2
 *
 * Bytes per string: its length + 1, + 8 (offset), + about 16 (slots).
 * Strings may contain NUL bytes (from "\u0000"); use the returned length.
 */
#ifndef MS_STRTAB_H
#define MS_STRTAB_H

#include "../util/util.h"

typedef struct ms__strtab {
    char *bytes;
    uint64_t bytes_len, bytes_cap;
    uint64_t *offsets;
    uint32_t count, cap;
    uint32_t *slots;
    uint32_t slot_mask;
} ms__strtab;

/* An empty table (its index too), owned by the caller (ms__strtab_free).
 * Errors: MS_ENOMEM (t zeroed). */
int ms__strtab_init(ms__strtab *t, ms_error *err);
/* Releases everything. Accepts a zeroed table. */
void ms__strtab_free(ms__strtab *t);

/* Interns len bytes at s: *id gets the string's id, *added whether it is new
 * (may be NULL).  Invalidates pointers returned by ms__strtab_get().
 * Errors: MS_ENOMEM, MS_ELIMIT (more than 2^32 - 2 strings). */
int ms__strtab_intern(ms__strtab *t, const char *s, size_t len, uint32_t *id, bool *added,
                      ms_error *err);

/* Looks len bytes at s up without adding them: true with *id set, false
 * when absent or when the index was dropped. */
bool ms__strtab_find(const ms__strtab *t, const char *s, size_t len, uint32_t *id);

/* String `id` (< count), NUL-terminated; *len (may be NULL) gets its length. */
static inline const char *ms__strtab_get(const ms__strtab *t, uint32_t id, size_t *len)
{
    if (len)
        *len = (size_t)(t->offsets[id + 1] - t->offsets[id] - 1);
    return t->bytes + t->offsets[id];
}

/* Drops the hash slots (lookups are no longer possible, ids stay valid);
 * used once a graph is finished to give the memory back. */
void ms__strtab_drop_index(ms__strtab *t);
/* Rebuilds the slots dropped by ms__strtab_drop_index (nothing when they
 * are there).  Errors: MS_ENOMEM, MS_ELIMIT (an index of 2^32 slots). */
int ms__strtab_build_index(ms__strtab *t, ms_error *err);

/* The bytes the table holds, by capacity (bytes, offsets, index slots). */
uint64_t ms__strtab_memory(const ms__strtab *t);

/* The 64-bit hash of len bytes at p (also for other modules' tables of
 * byte strings). */
uint64_t ms__hash_bytes(const void *p, size_t len);

#endif /* MS_STRTAB_H */
