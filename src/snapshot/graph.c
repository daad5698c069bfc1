/*
 * graph.c: invariants, memory accounting and release of the compact graph.
 */
#include "graph.h"

#include "trace.h"

#include <string.h>

static const char *const builtin_node_types[MS_NT_BUILTIN_COUNT] = {
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
    "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape",
    "wasm object"};

static const char *const builtin_edge_types[MS_ET_BUILTIN_COUNT] = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak", "invisible"};

void ms__graph_builtin_types(ms__graph *g)
{
    for (unsigned i = 0; i < MS_NT_BUILTIN_COUNT; i++)
        g->node_type_names[i] = builtin_node_types[i];
    for (unsigned i = 0; i < MS_ET_BUILTIN_COUNT; i++)
        g->edge_type_names[i] = builtin_edge_types[i];
    g->node_type_count = MS_NT_BUILTIN_COUNT;
    g->edge_type_count = MS_ET_BUILTIN_COUNT;
}

const ms__position *ms__graph_position(const ms__graph *g, uint32_t n)
{
    uint32_t lo = 0, hi = g->location_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->locations[mid].node < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->location_count && g->locations[lo].node == n
               ? &g->positions[g->locations[lo].position]
               : NULL;
}

int ms__graph_class_origin(const ms__graph *g, const char *name)
{
    uint32_t lo = 0, hi = g->class_origin_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ms__strtab_get(&g->strings, g->class_origins[mid].name, NULL), name);
        if (c == 0)
            return (int)g->class_origins[mid].origin;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return MS__ORIGIN_UNKNOWN;
}

int ms__graph_check(const ms__graph *g, ms_error *err)
{
    uint32_t n;
    uint64_t e;
    if (g->node_count == 0 || g->node_count > MS_NODE_LIMIT || g->edge_count > MS_EDGE_LIMIT ||
        g->root >= g->node_count)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: root %u out of range (%u nodes)",
                        g->root, g->node_count);
    if (g->first_edge[0] != 0 || g->first_edge[g->node_count] != g->edge_count)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: edge offsets do not span the edges");
    for (n = 0; n < g->node_count; n++) {
        if (g->first_edge[n] > g->first_edge[n + 1])
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: edge offsets of node %u decrease", n);
        if (g->node_type[n] >= g->node_type_count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: node %u has unknown type %u", n,
                            g->node_type[n]);
        if (g->node_name[n] >= g->strings.count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: node %u name %u out of range", n,
                            g->node_name[n]);
        if (g->node_site && g->node_site[n] != MS_SITE_NONE && g->node_site[n] >= g->strings.count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: node %u site %u out of range", n,
                            g->node_site[n]);
        if (g->detachedness && g->detachedness[n] > 2)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: node %u detachedness %u", n,
                            g->detachedness[n]);
        if (g->node_origin && g->node_origin[n] > MS__ORIGIN_RUNTIME)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: node %u origin %u", n,
                            g->node_origin[n]);
    }
    for (e = 0; e < g->edge_count; e++) {
        unsigned t = ms__edge_type(g, e);
        if (ms__edge_to(g, e) >= g->node_count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: edge %llu target %u out of range",
                            (unsigned long long)e, ms__edge_to(g, e));
        if (t >= g->edge_type_count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: edge %llu has unknown type %u",
                            (unsigned long long)e, t);
        if (!ms__edge_type_is_indexed(t) && g->edge_name[e] >= g->strings.count)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: edge %llu name %u out of range",
                            (unsigned long long)e, g->edge_name[e]);
    }
    for (uint32_t i = 0; i < g->location_count; i++) {
        if (g->locations[i].node >= g->node_count || g->locations[i].position >= g->position_count ||
            (i > 0 && g->locations[i].node <= g->locations[i - 1].node))
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: location %u out of order", i);
    }
    for (uint32_t i = 0; i < g->class_origin_count; i++) {
        const ms__class_origin *c = &g->class_origins[i];
        if (c->name >= g->strings.count || c->origin > MS__ORIGIN_RUNTIME ||
            (i > 0 && strcmp(ms__strtab_get(&g->strings, g->class_origins[i - 1].name, NULL),
                             ms__strtab_get(&g->strings, c->name, NULL)) >= 0))
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "graph: class origin %u out of order", i);
    }
    return MS_OK;
}

uint64_t ms__graph_memory(const ms__graph *g)
{
    uint64_t n = g->node_count, e = g->edge_count;
    uint64_t b = n * (1 + 4 + 4 + 4) + (n + 1) * 4 + e * (4 + 4);
    if (g->node_id_hi)
        b += n * 4;
    if (g->self_hi)
        b += n * 4;
    if (g->detachedness)
        b += n;
    if (g->node_site)
        b += n * 4;
    if (g->node_origin)
        b += n;
    b += (uint64_t)g->class_origin_count * sizeof *g->class_origins;
    b += (uint64_t)g->location_count * sizeof *g->locations;
    b += (uint64_t)g->position_count * sizeof *g->positions;
    if (g->trace)
        b += ms__trace_memory(g->trace);
    return b + ms__strtab_memory(&g->strings);
}

void ms__graph_free(ms__graph *g)
{
    if (!g)
        return;
    /* First: it releases the arrays still read on demand (their pointers
     * become NULL). */
    if (g->native && g->native_free)
        g->native_free(g->native);
    free(g->node_type);
    free(g->node_name);
    free(g->node_id_lo);
    free(g->node_id_hi);
    free(g->self_lo);
    free(g->self_hi);
    free(g->first_edge);
    free(g->detachedness);
    free(g->node_site);
    free(g->node_origin);
    free(g->class_origins);
    free(g->edge_word);
    free(g->edge_name);
    free(g->locations);
    free(g->positions);
    ms__strtab_free(&g->strings);
    ms__trace_free(g->trace);
    for (unsigned i = MS_NT_BUILTIN_COUNT; i < g->node_type_count; i++)
        free((char *)g->node_type_names[i]);
    for (unsigned i = MS_ET_BUILTIN_COUNT; i < g->edge_type_count; i++)
        free((char *)g->edge_type_names[i]);
    free(g);
}
