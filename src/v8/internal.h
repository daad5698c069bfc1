/*
 * internal.h: what the V8 module's files share (v8.h is what others use).
 * Each function cites the HeapSnapshot.ts function it follows.
 */
#ifndef MS_V8_INTERNAL_H
#define MS_V8_INTERNAL_H

#include "v8.h"

/* ---- names.c --------------------------------------------------------- */

/* The string ids of v->names, in one pass over g's strings. */
void ms__v8_find_names(const ms__graph *g, ms__v8_names *names);

/* DevTools' user roots among the root's children: non-synthetic nodes and
 * the synthetic "(Document DOM trees)" (JSHeapSnapshot.isUserRoot). */
bool ms__v8_is_user_root(const ms__graph *g, uint32_t n);

/* The name DevTools shows for n (JSHeapSnapshotNode.name), appended to
 * *out: concatenated strings joined (consStringName), plain objects as
 * "{a, b, ..., z}" (plainObjectName); returns 1 when written, 0 for other
 * nodes (their node name).  The rules' label hook.  Errors: MS_ENOMEM. */
int ms__v8_label(const ms__rules *r, const ms__graph *g, uint32_t n, ms__sbuf *out,
                 ms_error *err);

/* DevTools' formatPropertyName: names containing , ' " { or } are written as
 * a JSON string literal (JSON.stringify), others as they are.  Appends to
 * buf; *units gets the UTF-16 length of what was appended.
 * Errors: MS_ENOMEM. */
int ms__v8_format_property_name(const char *name, size_t len, ms__sbuf *buf, size_t *units,
                                ms_error *err);

/* ---- edges.c: which edges retain (computeIsEssentialEdge) ------------- */

/* Whether `s` is a WeakMap ephemeron edge name (tryParseWeakMapEdgeName):
 *   "<n> / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)"
 * *part_off gets where the part after "<n>" starts (the two edges of one
 * pair share it), *table_id the table's id t (*table_ok false when t does not
 * fit 64 bits). */
bool ms__v8_weakmap_edge_name(const char *s, size_t len, size_t *part_off, uint64_t *table_id,
                              bool *table_ok);

/* The rules' check_edge: edges out of WeakMap tables; false for the
 * table's edge to an ephemeron value (the key's edge retains it). */
bool ms__v8_check_edge(const ms__rules *r, const ms__graph *g, uint32_t from, uint64_t e);

/* ---- distance.c: the distance filter (calculateDistances) ------------ */

/* The rules' user_root hook (ms__v8_is_user_root). */
bool ms__v8_user_root(const ms__rules *r, const ms__graph *g, uint32_t n);

/* The rules' follow hook: a NativeContext's sloppy_function_map edge is
 * never followed, nor a "(map descriptors)" array's descriptor links. */
int ms__v8_follow(const ms__rules *r, const ms__graph *g, uint32_t n, uint64_t e);

/* ---- shallow.c ------------------------------------------------------- */

/* Shallow sizes as DevTools shows them (calculateShallowSizes): out[N] gets
 * bytes per node.  The rules' shallow_sizes hook.  Errors: MS_ENOMEM. */
int ms__v8_shallow_sizes(const ms__rules *r, const ms__graph *g, struct ms__pool *pool,
                         uint64_t *out, ms_error *err);

/* ---- interfaces.c: names of plain objects ---------------------------- */

/* Interfaces inferred for plain objects (type "object" named "Object"):
 * DevTools' inferInterfaceDefinitions + applyInterfaceDefinitions.  The
 * popular property sets (at least 2 objects and 1 in 1000 plain objects)
 * become names "{a, b, c}"; each plain object takes the definition with the
 * most properties that it has all of (ties: the more popular one). */
typedef struct ms__interfaces {
    uint32_t count;
    ms__sbuf names;        /* names, each NUL-terminated */
    uint64_t *name_off;    /* [count] */
    /* Definition d's property names (raw, as V8 spelled them; they may hold
     * NUL) are props[prop_off[k]] (prop_len[k] bytes) for k in
     * [prop_first[d], prop_first[d + 1]). Text, so that one snapshot's
     * definitions can be applied to another (DevTools' Comparison). */
    ms__sbuf props;
    uint64_t *prop_first;  /* [count + 1] */
    uint64_t *prop_off;
    uint32_t *prop_len;
} ms__interfaces;

/* Step 1 and 2 (inferInterfaceDefinitions): *defs (overwritten) gets the
 * definitions, most popular first; free with ms__interfaces_free.
 * Errors: MS_ENOMEM. */
int ms__v8_infer_interfaces(const ms__graph *g, const ms__v8_names *names, ms__interfaces *defs,
                            ms_error *err);

/* Step 3 (applyInterfaceDefinitions): iface[n] (u32[N]) gets the index in
 * defs of the interface of each plain object, UINT32_MAX for every other
 * node and for plain objects matching none.  defs may come from another
 * snapshot.  Errors: MS_ENOMEM. */
int ms__v8_apply_interfaces(const ms__graph *g, const ms__v8_names *names,
                            const ms__interfaces *defs, uint32_t *iface, ms_error *err);

/* A deep copy of src into *dst (overwritten; freed and zeroed on failure).
 * Errors: MS_ENOMEM. */
int ms__interfaces_copy(ms__interfaces *dst, const ms__interfaces *src, ms_error *err);
/* Frees the definitions and zeroes defs; accepts a zeroed defs. */
void ms__interfaces_free(ms__interfaces *defs);

/* ---- classes.c ------------------------------------------------------- */

/* The rules' classes hook: DevTools' class names (calculateObjectNames,
 * the interface override of applyInterfaceDefinitions, classKeyInternal).
 * defs: another snapshot's interfaces (an ms__interfaces), or NULL to infer
 * the graph's own.  *out is owned by the caller (ms__classes_free) and
 * keeps the definitions applied (its defs); scratch from pool (may be
 * NULL).  Errors: MS_ENOMEM, MS_ELIMIT. */
int ms__v8_classes(const ms__rules *r, const ms__graph *g, const void *defs,
                   struct ms__pool *pool, ms__classes **out, ms_error *err);

/* The rules' class_reads_edges hook: plain objects, named by their
 * property names. */
bool ms__v8_class_reads_edges(const ms__rules *r, const ms__graph *g, uint32_t n);

/* ---- sources.c: script names and closure scopes ---------------------- */

/* Installs the rules' sources_make, location, origin and scope hooks. */
void ms__v8_sources_init(ms__rules *r);

#endif /* MS_V8_INTERNAL_H */
