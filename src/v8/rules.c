/*
 * rules.c: DevTools' rules for a V8 graph as an ms__rules (see v8.h).
 */
#include "internal.h"

#include <string.h>

void ms__v8_init(ms__v8 *v, const ms__graph *g, ms__rules *r)
{
    memset(v, 0, sizeof *v);
    ms__v8_find_names(g, &v->names);
    ms__rules_init(r);
    r->impl = v;
    /* isEssentialEdge: weak edges never retain; shortcut edges only out of
     * the root (where they mark the user global objects; elsewhere they
     * are shortcuts for other paths, such as a bound function's target).
     * Page-owned nodes and WeakMap tables: the edge data (edges.c). */
    r->root_only_types = 1u << MS_ET_SHORTCUT;
    r->check_edge = ms__v8_check_edge;
    r->edges_needed = true;
    r->user_root = ms__v8_user_root;
    r->follow = ms__v8_follow;
    if (v->names.native_context != UINT32_MAX)
        r->follow_names[r->follow_name_count++] = v->names.native_context;
    if (v->names.map_descriptors != UINT32_MAX)
        r->follow_names[r->follow_name_count++] = v->names.map_descriptors;
    r->program_refs = true;
    r->shallow_sizes = ms__v8_shallow_sizes;
    r->classes = ms__v8_classes;
    r->class_reads_edges = ms__v8_class_reads_edges;
    r->class_edge_types = 1u << MS_ET_PROPERTY;
    r->label = ms__v8_label;
    ms__v8_sources_init(r);
}
