/*
 * v8.h: Chrome DevTools' reading of V8 heap snapshots, as one module.
 *
 * DevTools does more than read a .heapsnapshot: JSHeapSnapshot overrides
 * the generic HeapSnapshot's rules - which edges retain, where distances
 * start and which edges they follow, shallow sizes, DOM state, class and
 * object names (front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts).
 * memsnap reproduces each rule so its numbers equal DevTools'; the module
 * gives them to the analyses as an ms__rules (snapshot/rules.h), and every
 * rule cites the DevTools function it follows.  Other formats do not use
 * them.
 *
 * Lifetime: ms__v8_init once per graph (after ms__v8_propagate_dom_state,
 * which adds strings); the edge data (page-owned flags, WeakMap ephemeron
 * names: 2 bits per node plus a few bytes per ephemeron name) is made when
 * an analysis that reads edges first needs it, possibly on a second thread
 * (ms__v8_edges_make writes only its own struct), and installed into the
 * rules by the caller.
 */
#ifndef MS_V8_H
#define MS_V8_H

#include "../snapshot/classtab.h"
#include "../snapshot/rules.h"
#include "../util/map.h"

/* The string ids DevTools' rules look for, UINT32_MAX when the snapshot
 * has none: found in one pass over the strings. */
typedef struct ms__v8_names {
    uint32_t object;              /* "Object": plain objects */
    uint32_t proto;               /* "__proto__" */
    uint32_t first, second;       /* a concatenated string's parts */
    uint32_t sloppy_function_map; /* a NativeContext edge distances skip */
    uint32_t native_context;      /* "system / NativeContext" */
    uint32_t map_descriptors;     /* "(map descriptors)" arrays */
    uint32_t context;             /* "system / Context": closure scopes */
    uint32_t shared;              /* a closure's SharedFunctionInfo edge */
    uint32_t script_or_debug_info, script; /* a SharedFunctionInfo's Script edge (new, old V8) */
    uint32_t context_edge;        /* "context": a closure's scope */
    uint32_t scope_info;          /* "scope_info": a scope's variable names */
    uint32_t previous;            /* "previous": a scope's enclosing scope */
    uint32_t map, set, table;     /* "Map", "Set" and their backing store's edge "table" */
    uint32_t name;                /* "name": a Script's name edge (newer V8) */
    uint32_t script_context_table;/* a NativeContext's table of script scopes (browsers) */
    uint32_t context_cell;        /* "system / ContextCell": a cell holding a variable's
                                     value (newer V8) */
} ms__v8_names;

/* Script names and closure scopes, read from the graph itself (sources.c):
 * a closure's location gives its script id, its shared -> script edge the
 * Script node, whose name is the script's name or URL. */
typedef struct ms__v8_sources {
    ms__map64 script_name;   /* script id -> string id of its name */
    ms__map64 scope_script;  /* closure scope (Context node) -> script id of a closure in it */
    ms__map64 scope_function;/* mix(scope, closure name) -> 1 for each closure in a scope */
    uint64_t *located;       /* bit per node: it has a location (skips the search for the
                                many that have none) */
    /* Bit per string id (below names_count): the name of a closure scope
     * ("system / Context", or newer V8's "system / Context / scope @N"),
     * of a NativeContext ("system / NativeContext", a browser's
     * "system / NativeContext / URL"). */
    uint64_t *context_names, *native_context_names;
    uint32_t names_count;
} ms__v8_sources;

/* Which V8 edges retain, beyond edge types (edges.c): WeakMap ephemerons
 * and page-owned nodes. */
typedef struct ms__v8_edges {
    uint32_t *part;    /* per string id: ephemeron part id + 1, 0 = not an ephemeron name;
                          NULL when the snapshot has none */
    /* The ephemeron names' string ids (ascending) and their WeakMap tables'
     * node ids: a list, as a snapshot has few such names and it is read
     * only for edges out of tables. */
    uint32_t *eph_sid;
    uint64_t *eph_table;
    uint32_t eph_count, eph_cap;
    ms__strtab parts;  /* the distinct parts, for pairing the two edges of a value */
    uint64_t *page;    /* bit per node: page-owned (markPageOwnedNodes) */
    uint64_t *tables;  /* bit per node: its id is some ephemeron name's table id;
                          NULL when part is */
    bool table_ok_all;
} ms__v8_edges;

typedef struct ms__v8 {
    ms__v8_names names;
    ms__v8_edges edges; /* installed by ms__v8_edges_install */
    bool has_edges;
    ms__v8_sources sources; /* made by the rules' sources_make */
} ms__v8;

/* DevTools' DOM state propagation (propagateDOMState): attached state flows
 * from native nodes with a known state to the native nodes they reach, then
 * detached state to those not attached; detached nodes are renamed
 * "Detached <name>".  Updates g->detachedness and g->node_name in place (and
 * adds strings).  No-op when the input had no detachedness.
 * Errors: MS_ENOMEM.  See domstate.c. */
int ms__v8_propagate_dom_state(ms__graph *g, ms_error *err);

/* Fills *r with DevTools' rules for graph g and *v with what they read
 * (the names; r->impl = v, which must stay in place as long as r is
 * used).  The edge data is not made yet (r->edges_needed).  Cannot fail. */
void ms__v8_init(ms__v8 *v, const ms__graph *g, ms__rules *r);

/* Makes the edge data of graph g into *out (zeroed first; free with
 * ms__v8_edges_free): reads only g and v's names, so it may run next to
 * other readers.  Errors: MS_ENOMEM. */
int ms__v8_edges_make(const ms__v8 *v, const ms__graph *g, ms__v8_edges *out, ms_error *err);
/* Frees edge data from ms__v8_edges_make and zeroes x; accepts a zeroed x. */
void ms__v8_edges_free(ms__v8_edges *x);

/* Moves *x (made by ms__v8_edges_make) into v and points r's edge data at
 * it (r->edges_ready). */
void ms__v8_edges_install(ms__v8 *v, ms__rules *r, ms__v8_edges *x);

/* Frees the installed edge data (r->edges_ready false again). */
void ms__v8_edges_forget(ms__v8 *v, ms__rules *r);

/* The part of the sources made from the strings alone (which names are
 * closure scopes' and NativeContexts'), for sources read from a native
 * file beside the rest (src/api/native.c).  Errors: MS_ENOMEM. */
int ms__v8_sources_from_strings(ms__v8 *v, const ms__graph *g, ms_error *err);

/* Frees what the rules' sources_make built (r->sources_ready false again). */
void ms__v8_sources_free(ms__v8 *v, ms__rules *r);

/* Whether a V8 script name is the program's: named, and not Node's own
 * ("node:...", "internal/..."), V8's or an extension's. */
bool ms__v8_user_script(const char *name, size_t len);

#endif /* MS_V8_H */
