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
} ms__class;

typedef struct ms__classes {
    uint32_t *of;    /* u32[N]: class id of each node */
    uint32_t count;
    ms__class *cls;
    char *text;
    uint64_t text_len, text_cap;
} ms__classes;

/* Computes the class of every node (V8 rules when `v8`).  *out is owned by
 * the caller (ms__classes_free).  Scratch comes from pool (may be NULL).
 * Errors: MS_ENOMEM, MS_ELIMIT. */
struct ms__pool;
int ms__classes_compute(const ms__graph *g, bool v8, struct ms__pool *pool, ms__classes **out,
                        ms_error *err);
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
typedef struct ms__interfaces {
    uint32_t count;
    ms__sbuf names;       /* names, each NUL-terminated */
    uint64_t *name_off;   /* count */
} ms__interfaces;

/* iface[n] gets the interface index of each plain object, UINT32_MAX for
 * every other node and for plain objects matching none.  *defs must be
 * zeroed; free with ms__interfaces_free.  Errors: MS_ENOMEM. */
int ms__v8_interfaces(const ms__graph *g, uint32_t *iface, ms__interfaces *defs, ms_error *err);
void ms__interfaces_free(ms__interfaces *defs);

#endif /* MS_CLASSES_H */
