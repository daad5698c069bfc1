/*
 * classes.h: the class of every node, as the Summary groups objects.
 *
 * For V8 graphs the rules are Chrome DevTools' (HeapSnapshot.ts
 * calculateObjectNames, inferInterfaceDefinitions/applyInterfaceDefinitions,
 * classKeyInternal):
 *   hidden -> "(system)"; code -> "(compiled code)"; closure -> "Function";
 *   regexp -> "RegExp"; object and native -> the node name, with DOM names
 *   "<div id=x>" cut to "<div>"; plain "Object"s -> the most common property
 *   sets "{a, b, c}" (interfaces); any other type t -> "(t)".
 *   Objects (type "object") with a source location are further split by it:
 *   key "script,line,column,Name"; every other class has key ",Name".
 * Other graphs: the class is the node name, key ",Name".
 *
 * Classes are numbered in the order of their first node.  Two classes can
 * share a key: DevTools keys classes internally by string index, so e.g.
 * regexp nodes ("RegExp") and the object RegExp.prototype (named "RegExp")
 * are different classes with the same key.  memsnap keeps both rows;
 * DevTools' exported tables keep only the later one (docs/summary.md).
 */
#ifndef MS_CLASSES_H
#define MS_CLASSES_H

#include "../snapshot/graph.h"

typedef struct ms__class {
    uint64_t name_off, key_off; /* into ms__classes.text, NUL-terminated */
    uint32_t name_len, key_len;
    uint32_t first;             /* first node of this class, in node order */
    uint8_t origin;             /* where the name comes from (MS__ORIGIN_*): with the
                                   key, tells apart classes DevTools keeps apart */
} ms__class;

/* Where a class name comes from: DevTools keys classes by string index, and
 * the names it makes up itself are separate strings from V8's, even when
 * the text is the same: names from calculateObjectNames (ADDED), interface
 * names (INTERFACE), and the "Detached X" names propagateDOMState gives
 * detached native nodes (DETACHED). */
enum { MS__ORIGIN_RAW, MS__ORIGIN_ADDED, MS__ORIGIN_INTERFACE, MS__ORIGIN_DETACHED };

struct ms__interfaces_s;
typedef struct ms__classes {
    uint32_t *of;    /* u32[N]: class id of each node */
    uint32_t count;
    ms__class *cls;
    char *text;
    uint64_t text_len, text_cap;
    struct ms__interfaces_s *ifaces; /* V8: the interface definitions applied (own or
                                        another snapshot's copy); NULL otherwise */
} ms__classes;

/* Computes the class of every node (V8 rules when `v8`).  *out is owned by
 * the caller (ms__classes_free).  Scratch comes from pool (may be NULL).
 * Errors: MS_ENOMEM, MS_ELIMIT. */
struct ms__pool;
int ms__classes_compute(const ms__graph *g, bool v8, struct ms__pool *pool, ms__classes **out,
                        ms_error *err);
/* The same with the interface definitions `defs` (copied; from another
 * snapshot, as DevTools' Comparison names the base snapshot's plain objects
 * with the current one's definitions) instead of the graph's own. */
struct ms__interfaces_s;
int ms__classes_compute_with(const ms__graph *g, bool v8, const struct ms__interfaces_s *defs,
                             struct ms__pool *pool, ms__classes **out, ms_error *err);
void ms__classes_free(ms__classes *c);

/* Groups nodes by allocation site instead (name and key: the site;
 * "(unknown site)" for nodes without one).  Errors: MS_ENOMEM. */
int ms__classes_by_site(const ms__graph *g, struct ms__pool *pool, ms__classes **out,
                        ms_error *err);

static inline const char *ms__class_name(const ms__classes *c, uint32_t id)
{
    return c->text + c->cls[id].name_off;
}
static inline const char *ms__class_key(const ms__classes *c, uint32_t id)
{
    return c->text + c->cls[id].key_off;
}

/* DevTools' formatPropertyName: names containing , ' " { or } are written as
 * a JSON string literal (JSON.stringify), others as they are.  Appends to
 * buf; *units gets the UTF-16 length of what was appended.
 * Errors: MS_ENOMEM. */
int ms__v8_format_property_name(const char *name, size_t len, ms__sbuf *buf, size_t *units,
                                ms_error *err);

/* Interfaces inferred for plain objects (type "object" named "Object"):
 * DevTools' inferInterfaceDefinitions + applyInterfaceDefinitions.  The
 * popular property sets (at least 2 objects and 1 in 1000 plain objects)
 * become names "{a, b, c}"; each plain object takes the definition with the
 * most properties that it has all of (ties: the more popular one). */
typedef struct ms__interfaces_s {
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
int ms__v8_infer_interfaces(const ms__graph *g, ms__interfaces *defs, ms_error *err);

/* Step 3 (applyInterfaceDefinitions): iface[n] (u32[N]) gets the index in
 * defs of the interface of each plain object, UINT32_MAX for every other
 * node and for plain objects matching none.  defs may come from another
 * snapshot.  Errors: MS_ENOMEM. */
int ms__v8_apply_interfaces(const ms__graph *g, const ms__interfaces *defs, uint32_t *iface,
                            ms_error *err);

/* A deep copy of src into *dst (overwritten).  Errors: MS_ENOMEM. */
int ms__interfaces_copy(ms__interfaces *dst, const ms__interfaces *src, ms_error *err);

/* Both steps: the snapshot's own definitions into *defs, applied. */
int ms__v8_interfaces(const ms__graph *g, uint32_t *iface, ms__interfaces *defs, ms_error *err);
void ms__interfaces_free(ms__interfaces *defs);

#endif /* MS_CLASSES_H */
