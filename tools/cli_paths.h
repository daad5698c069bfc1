/*
 * cli_paths.h: objects, class rows, path groups and retention paths as text
 * and JSON (cli_paths.c).  The JSON functions return new items owned by the
 * caller (or by the object they are added to).
 */
#ifndef MEMSNAP_CLI_PATHS_H
#define MEMSNAP_CLI_PATHS_H

#include "cli.h"

/* "@123" for node n, "0x7f..." for addresses (static buffers, four in
 * rotation). */
const char *cli_id(const ms_snapshot *snap, ms_node n);
/* DevTools' display of a distance: "-" beyond the user roots' reach. */
const char *cli_distance_text(int32_t d, char buf[16]);

/* Once after a report that printed a location as "script N": what that
 * is.  Resets. */
void cli_unnamed_script_note(FILE *f);

/* The part of a script name or source path people read: the file name
 * ("server.js"), with its folder for index files ("api/index.js"); Node's
 * "node:..." modules whole.  Borrowed from file; *len its length. */
const char *cli_short_file(const char *file, size_t *len);
/* Where n's code is, as people read it: "server.js:33:15" (1-based),
 * "server.js" for a scope, "script 82:33:15" when no closure names the
 * script; into buf[cap] (NUL-terminated); returns its length, 0 when
 * unknown. */
size_t cli_location_text(const ms_snapshot *snap, ms_node n, char *buf, size_t cap);

/* Where a class's constructor is, from its key ("script,line,column,Name",
 * 0-based) as people read it: "server.js:43:14" (1-based; the script's
 * name from snap, which may be NULL: "script 82:43:14"); into buf[cap];
 * returns its length, 0 for classes without a location. */
size_t cli_class_where(const ms_snapshot *snap, const char *key, char *buf, size_t cap);
/* A class name (at most max characters), then "  server.js:43:14" when
 * it has a location. */
void cli_print_class(FILE *f, const ms_snapshot *snap, const char *name, const char *key,
                     size_t max);

/* The same in Markdown: "`Poller` `server.js:43:14`". */
void cli_md_class(FILE *f, const ms_snapshot *snap, const char *name, const char *key);

/* "Class @id  name (file:line:col)" (the name only when it says more than the class),
 * as a hop of a path: the root's class shown as "(root)". */
void cli_print_object(FILE *f, ms_snapshot *snap, ms_node n);
/* The same in a row of top or dominators: the class as recorded, and
 * longer names (up to 50 characters). */
void cli_print_row_object(FILE *f, ms_snapshot *snap, ms_node n);
/* How people reach an object whose retention path ends with edge e (from
 * ms_retention_edges; holder_e the edge into e's source, or UINT64_MAX):
 * "sessionCache (server.js)" (a module's variable), "ctx (handle(),
 * server.js)" (a function's), "global.cache", "EventEmitter._events",
 * "registry[3]", "__main__.__dict__" (a holder a root category names);
 * into buf[cap]; returns its length, 0 when e is none or not a property,
 * element or variable (internal links, the GC roots' categories). */
size_t cli_reach_name(ms_snapshot *snap, uint64_t e, uint64_t holder_e, char *buf, size_t cap);
/* The last edge of each node's retention path (*reach) and, when a root
 * category holds the source of that edge by a name (Python's (modules)
 * --zipfile--> module), that edge (*holder_reach; else UINT64_MAX), for
 * cli_reach_name: count each, malloc'd, the caller frees both, also on
 * failure.  CLI_OK, or the exit code after printing why. */
int cli_reach_edges(ms_snapshot *snap, const ms_node *nodes, size_t count, uint64_t **reach,
                    uint64_t **holder_reach);
/* Adds {from_id, edge, name} as "reached_by" to o (nothing when e is
 * UINT64_MAX): the last hop of the object's path, named by cli_reach_name. */
void cli_add_reached_by(cJSON *o, ms_snapshot *snap, uint64_t e, uint64_t holder_e);
/* cli_print_row_object, then "  <- sessionCache (server.js)" when the
 * object has a reach name (cli_reach_name). */
void cli_print_reached_object(FILE *f, ms_snapshot *snap, ms_node n, uint64_t e,
                              uint64_t holder_e);

/* "--name (type)-->", elements "--[3] (element)-->" */
void cli_print_edge(FILE *f, const ms_snapshot *snap, uint64_t e);
/* One hop per line: retained size, object, edge to the next hop, map
 * entries by their key (docs/paths.md "Reading a path"): the runtime's
 * hops before the program's first one fold into one line, runs of one
 * step into one line, and paths still over 40 lines show their first and
 * last 20; with cli_set_full_paths(true), every hop. */
void cli_print_path(FILE *f, ms_snapshot *snap, const ms_path *p, const char *indent);
/* --full: paths print every hop. */
void cli_set_full_paths(bool full);

/* A group of objects held alike, as text: "INDENT#number  N NOUNs
 * retaining SIZE; for example @id:", then the example's path indented two
 * spaces more (or why there is none). */
void cli_print_group(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                     const char *noun, const char *indent);

/* The length snprintf's result k leaves in a buffer of cap bytes. */
size_t cli_written(int k, size_t cap);
/* "server.js:33:15" (1-based; the file part only when line is 0), a script
 * no closure names as "script N" (and the note after the report), into
 * buf[cap]; returns its length. */
size_t cli_where_text(const char *file, uint32_t script_id, uint32_t line, uint32_t column,
                      char *buf, size_t cap);
/* {file, script_id, line, column}: file the whole name or URL, null when
 * no closure names the script; line and column 1-based, 0 unknown. */
cJSON *cli_location_json(const char *file, uint32_t script_id, uint32_t line, uint32_t column);
/* Whether hops a and b of p take the same step: objects of one class
 * leaving by edges of one type and name (any index): a linked list. */
bool cli_same_step(const ms_snapshot *snap, const ms_path *p, size_t a, size_t b);

/* {id, type, class, name, scope, location, origin, shallow_size,
 * retained_size, distance} (scope and location when known) */
cJSON *cli_object_json(ms_snapshot *snap, ms_node n);
/* "user", "runtime" or "unknown". */
const char *cli_origin_name(ms_origin o);
/* Adds a node's "scope" (a closure scope's name), "location" ({file,
 * script_id, line, column}) when known, and "origin" ("user", "runtime",
 * "unknown") to o. */
void cli_add_node_details(cJSON *o, ms_snapshot *snap, ms_node n);
/* Adds "location" ({file, script_id, line, column}) to o when the class
 * key holds one ("script,line,column,Name", 0-based). */
void cli_add_class_location(cJSON *o, const ms_snapshot *snap, const char *key);
/* A node's label (ms_node_label) as a JSON string, cut to cap - 1 bytes
 * (cap at most 256). */
cJSON *cli_label_json(ms_snapshot *snap, ms_node n, size_t cap);
/* Adds a node's "shallow_size", "retained_size" and "distance" to o. */
void cli_add_node_sizes(cJSON *o, ms_snapshot *snap, ms_node n);
/* {key, name, location, count, shallow_size, retained_size, distance} of a
 * class (or allocation site) row of a summary; location when the class
 * has one (script names from snap, which may be NULL). */
cJSON *cli_class_json(const ms_snapshot *snap, const ms_class_row *r);
/* {type, name} or {type, index} */
cJSON *cli_edge_json(const ms_snapshot *snap, uint64_t e);
/* {length, elided, folded, hops: [object + edge]}: paths over 10000 hops
 * keep the first and last 5000 (elided); a run of one step (a linked
 * list) is its first hop with "run": the hops after it that repeat its
 * step and are left out (folded), unless --full. */
cJSON *cli_path_json(ms_snapshot *snap, const ms_path *p);
/* {file, format, node_count, edge_count} of an input */
cJSON *cli_input_json(const ms_snapshot_info *info);
/* The same of an open snapshot, opened as `file`. */
cJSON *cli_snapshot_json(ms_snapshot *snap, const char *file);

/* Whether text is an id ("@123", "123" decimal, "0x7f00..." hex); *id gets it. */
bool cli_parse_id_text(const char *text, uint64_t *id);
/* Parses "@123", "123" or "0x7f00..." into a node: 0 found, 1 no such id,
 * -1 not an id. */
int cli_parse_id(ms_snapshot *snap, const char *text, ms_node *out);

#endif /* MEMSNAP_CLI_PATHS_H */
