/*
 * classtab.h: the class table - every node's class, as the Summary groups
 * objects - and the builder that formats' naming rules fill it with.
 *
 * A class has a name (shown to users) and a key: ",Name", or
 * "script,line,column,Name" for objects split by their constructor's
 * source location (DevTools' classKeyInternal).  Names come from a base:
 * a graph string (the node name), a name the rules make up ("(system)",
 * "<div>"), an interface name ("{a, b}") or a renamed detached node; the
 * base's origin tells apart classes DevTools keeps apart although their
 * text is the same (DevTools keys classes by string index).  Classes are
 * numbered in the order of their first node.
 *
 * Who names what: src/graph/classes.c groups by node name (every format's
 * default) or by allocation site; the V8 module (src/v8/classes.c) applies
 * DevTools' rules.  Both fill the table through the builder below.
 *
 * Memory: of[] is 4 bytes per node; classes and their text are a few per
 * distinct name.
 */
#ifndef MS_CLASSTAB_H
#define MS_CLASSTAB_H

#include "graph.h"

#include "../util/map.h"

struct ms__pool;

typedef struct ms__class {
    uint64_t name_off, key_off; /* into ms__classes.text, NUL-terminated */
    uint32_t name_len, key_len;
    uint32_t first;             /* first node of this class, in node order */
    uint8_t origin;             /* MS__ORIGIN_*: with the key, tells apart classes
                                   DevTools keeps apart */
} ms__class;

/* Where a class name comes from: V8's strings (RAW), names the rules make
 * up themselves (ADDED: calculateObjectNames), interface names
 * (INTERFACE), and the "Detached X" names propagateDOMState gives detached
 * native nodes (DETACHED). */
enum { MS__ORIGIN_RAW, MS__ORIGIN_ADDED, MS__ORIGIN_INTERFACE, MS__ORIGIN_DETACHED };

typedef struct ms__classes {
    uint32_t *of;    /* u32[N]: class id of each node */
    uint32_t count;
    ms__class *cls;
    char *text;
    uint64_t text_len, text_cap;
    /* The naming data the rules applied (V8: interface definitions), for
     * naming another snapshot alike (ms__rules.classes' defs); freed by
     * defs_free.  NULL when the rules keep none. */
    void *defs;
    void (*defs_free)(void *defs);
} ms__classes;

/* Frees the table, its text and its naming data (defs_free); accepts
 * NULL. */
void ms__classes_free(ms__classes *c);

/* The name and the key of class id (< count), NUL-terminated, borrowed
 * from c. */
static inline const char *ms__class_name(const ms__classes *c, uint32_t id)
{
    return c->text + c->cls[id].name_off;
}
static inline const char *ms__class_key(const ms__classes *c, uint32_t id)
{
    return c->text + c->cls[id].key_off;
}

/* ---- Building a class table ------------------------------------------- */

/* A builder: bases (names) cached per graph string and per made-up text,
 * classes per base and per (base, source position).  Zeroed by _init. */
typedef struct ms__classtab {
    const ms__graph *g;
    ms__classes *c;
    struct ms__pool *pool;
    ms__strtab added;         /* made-up names */
    uint8_t *base_origin;     /* per base */
    uint64_t *base_off;       /* per base: its name in c->text */
    uint32_t *base_len;
    uint32_t *base_class;     /* per base: its class without location, or UINT32_MAX */
    uint32_t nbases, bases_cap;
    uint32_t classes_cap;     /* of c->cls */
    uint32_t *raw;            /* graph string id -> RAW base (UINT32_MAX: none yet) */
    uint32_t *detached;       /* graph string id -> DETACHED base; allocated on first use */
    uint32_t *added_base;     /* made-up name id -> base */
    uint32_t added_cap;
    ms__map64 located;        /* base << 32 | position index -> class */
    ms__sbuf tmp;
    bool plain_keys;          /* keys are the names (groupings other than DevTools' classes,
                                 such as allocation sites); set after _init */
} ms__classtab;

/* Starts a table for g's nodes: of[] from pool (may be NULL).
 * Errors: MS_ENOMEM. */
int ms__classtab_init(ms__classtab *b, const ms__graph *g, struct ms__pool *pool, ms_error *err);

/* The base named by graph string sid, with origin RAW or DETACHED (one per
 * string and origin).  Errors: MS_ENOMEM. */
int ms__classtab_string(ms__classtab *b, uint8_t origin, uint32_t sid, uint32_t *base,
                        ms_error *err);
/* The source position a class key holds ("script,line,column,Name", 0-based,
 * as the table writes DevTools' keys): true with *out filled; false for keys
 * without one (",Name", an allocation site). */
bool ms__class_key_position(const char *key, ms__position *out);

/* The base of a made-up name (ADDED, one per text).  Errors: MS_ENOMEM. */
int ms__classtab_added(ms__classtab *b, const char *text, size_t len, uint32_t *base,
                       ms_error *err);
/* A new base named `text`, with any origin, not cached: for callers that
 * keep their own index (per interface, per node type).  Errors: MS_ENOMEM. */
int ms__classtab_new_base(ms__classtab *b, uint8_t origin, const char *text, size_t len,
                          uint32_t *base, ms_error *err);

/* Puts node n (nodes in increasing order) in the class of `base`, split by
 * its source position when `position` is not UINT32_MAX (an index into
 * g->positions).  Errors: MS_ENOMEM, MS_ELIMIT (2^32 - 1 classes). */
int ms__classtab_assign(ms__classtab *b, uint32_t n, uint32_t base, uint32_t position,
                        ms_error *err);

/* The finished table (*out owned by the caller, ms__classes_free) with the
 * rules' naming data (may be NULL; the table takes it over); frees the
 * builder. */
void ms__classtab_finish(ms__classtab *b, void *defs, void (*defs_free)(void *),
                         ms__classes **out);

/* Frees a builder whose table was not finished (and the table). */
void ms__classtab_free(ms__classtab *b);

/* The position index of node n's source location, or UINT32_MAX; *cursor
 * (start at 0) walks g->locations alongside increasing n. */
static inline uint32_t ms__node_position(const ms__graph *g, uint32_t n, uint32_t *cursor)
{
    while (*cursor < g->location_count && g->locations[*cursor].node < n)
        (*cursor)++;
    if (*cursor < g->location_count && g->locations[*cursor].node == n)
        return g->locations[*cursor].position;
    return UINT32_MAX;
}

#endif /* MS_CLASSTAB_H */
