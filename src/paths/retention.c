/*
 * retention.c: the shortest retention path to every node, as a tree.
 *
 * A retention path is what keeps an object alive: root -> ... -> object
 * over edges that retain (not weak).  We keep, for every node, the last edge
 * of one shortest path, chosen so that
 *   - paths follow the distances of distances.c hop by hop (so the length
 *     of a path is the node's distance, as DevTools shows it), over the
 *     edges the distance BFS follows;
 *   - among equally short paths, the one whose edges a person can act on
 *     wins: the sum of ms__edge_rank over the path is smallest, properties,
 *     elements and closure variables (rank 0) before internal references (1)
 *     and hidden and shortcut ones (2).  DevTools' Retainers view orders
 *     retainers by distance alone; memlab's path finder (TraceFinder.ts)
 *     likewise prefers some edges over others among short paths; we make
 *     the preference explicit and global;
 *   - remaining ties go to the first candidate in (distance, node) order.
 * One pass over the nodes in increasing distance (a counting sort of the
 * distances) relaxes every edge once: O(N + E), no recursion.
 */
#include "paths.h"

#include "../util/pool.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

unsigned ms__edge_rank(unsigned type)
{
    switch (type) {
    case MS_ET_PROPERTY:
    case MS_ET_ELEMENT:
    case MS_ET_CONTEXT:
        return 0;
    case MS_ET_INTERNAL:
        return 1;
    default:
        return 2;
    }
}

uint32_t ms__edge_source(const ms__graph *g, uint64_t e)
{
    return ms__edge_source_in(g, 0, g->node_count ? g->node_count - 1 : 0, e);
}

int ms__edge_sources_init(const ms__graph *g, ms__edge_sources *s, ms_error *err)
{
    const uint32_t N = g->node_count;
    const uint64_t blocks = (g->edge_count >> 6) + 2;
    uint32_t n = 0;
    s->g = g;
    s->block = NULL;
    if (ms__alloc_array(&s->block, blocks, 4, "edge sources", err) < 0)
        return MS_ENOMEM;
    for (uint64_t k = 0; k < blocks; k++) {
        while (n + 1 < N && g->first_edge[n + 1] <= k << 6)
            n++;
        s->block[k] = n;
    }
    return MS_OK;
}

void ms__edge_sources_free(ms__edge_sources *s)
{
    free(s->block);
    s->block = NULL;
}

/* How far ahead the path tree's loops prefetch (nodes, edges). */
#define PATH_AHEAD 8

/* The reached nodes in increasing distance, the root first (a counting
 * sort of the distances; the system distances after the user ones): into
 * *order (from pool, *reached of them). */
static int order_by_distance(const ms__graph *g, const int32_t *dist, ms__pool *pool,
                             uint32_t **order, uint64_t *reached, ms_error *err)
{
    const uint32_t N = g->node_count, root = g->root;
    uint64_t user_max = 0, system_max = 0, keys;
    uint32_t *count = NULL;
    int rc = MS_OK;
    *reached = 0;
    for (uint32_t n = 0; n < N; n++) {
        int32_t d = dist[n];
        if (d < 0 || n == root)
            continue;
        if (d < MS_DISTANCE_SYSTEM_BASE) {
            if ((uint64_t)d > user_max)
                user_max = (uint64_t)d;
        } else if ((uint64_t)(d - MS_DISTANCE_SYSTEM_BASE) > system_max) {
            system_max = (uint64_t)(d - MS_DISTANCE_SYSTEM_BASE);
        }
    }
    keys = user_max + system_max + 3;
#define KEY(n) ((n) == root ? 0 : dist[n] < MS_DISTANCE_SYSTEM_BASE ? (uint64_t)dist[n] + 1 \
                                 : user_max + 2 + (uint64_t)(dist[n] - MS_DISTANCE_SYSTEM_BASE))
    MS_TRY(ms__alloc_array_zero(&count, keys + 1, 4, "retention paths", err));
    for (uint32_t n = 0; n < N; n++) {
        if (dist[n] < 0)
            continue;
        count[KEY(n) + 1]++;
        (*reached)++;
    }
    for (uint64_t k = 0; k < keys; k++)
        count[k + 1] += count[k];
    MS_TRY(ms__pool_alloc(pool, order, *reached ? *reached : 1, 4, false, "retention paths", err));
    for (uint32_t n = 0; n < N; n++)
        if (dist[n] >= 0)
            (*order)[count[KEY(n)]++] = n;
#undef KEY
done:
    free(count);
    return rc;
}

/* Relaxes every followed edge once, nodes in `order`: an edge landing one
 * hop further keeps the cheaper path (cost: the sum of ms__edge_rank).
 * One hot loop over all edges, kept whole for its prefetches. */
static void relax(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                  const uint32_t *order, uint64_t reached, uint32_t *cost, uint32_t *parent)
{
    const uint32_t root = g->root;
    for (uint64_t i = 0; i < reached; i++) {
        uint32_t v = order[i], cv = cost[v];
        int32_t want = dist[v] + 1;
        bool filtered;
        /* The order says which nodes come next (random places in the
         * arrays): their edge offsets far ahead, their edges and fields
         * nearer, as the distance BFS does. */
        if (i + 2 * PATH_AHEAD < reached)
            __builtin_prefetch(&g->first_edge[order[i + 2 * PATH_AHEAD]]);
        if (i + PATH_AHEAD < reached) {
            uint32_t m = order[i + PATH_AHEAD];
            __builtin_prefetch(&g->edge_word[g->first_edge[m]]);
            __builtin_prefetch(&cost[m]);
            __builtin_prefetch(&dist[m]);
        }
        if (cv == NONE)
            continue;
        filtered = ms__rules_filters(g, r, v);
        for (uint64_t e = g->first_edge[v]; e < g->first_edge[v + 1]; e++) {
            unsigned t = ms__edge_type(g, e);
            uint32_t w = ms__edge_to(g, e), c;
            int32_t dw;
            if (e + PATH_AHEAD < g->edge_count) {
                uint32_t ahead = ms__edge_to(g, e + PATH_AHEAD);
                __builtin_prefetch(&dist[ahead]);
                __builtin_prefetch(&cost[ahead]);
            }
            if (r->never_types >> t & 1)
                continue;
            dw = dist[w];
            /* the root's edges to user roots land at distance 1 */
            if (dw != want && !(v == root && dw == 1))
                continue;
            if (filtered && r->follow(r, g, v, e) == 0)
                continue;
            c = cv + ms__edge_rank(t);
            if (c < cost[w]) {
                cost[w] = c;
                parent[w] = (uint32_t)e;
            }
        }
    }
}

int ms__path_tree(const ms__graph *g, const ms__rules *r, const int32_t *dist, ms__pool *pool,
                  uint32_t *parent, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t *cost = NULL, *order = NULL;
    uint64_t reached = 0;
    int rc = MS_OK;
    MS_TRY(order_by_distance(g, dist, pool, &order, &reached, err));
    MS_TRY(ms__pool_alloc(pool, &cost, N, 4, false, "retention paths", err));
    for (uint32_t n = 0; n < N; n++) {
        cost[n] = NONE;
        parent[n] = NONE;
    }
    cost[g->root] = 0;
    relax(g, r, dist, order, reached, cost, parent);
done:
    ms__pool_release(pool, order, reached ? reached : 1, 4);
    ms__pool_release(pool, cost, N, 4);
    return rc;
}

size_t ms__retention_path(const ms__heap *h, const ms__edge_sources *src, uint32_t n, ms_hop *out,
                          size_t cap)
{
    const ms__graph *g = h->g;
    const uint32_t *parent = h->parent_edge;
    size_t len = 1, i;
    uint32_t v;
#define SOURCE(e) (src ? ms__edge_sources_get(src, (e)) : ms__edge_source(g, (e)))
    if (!parent || n >= g->node_count)
        return 0;
    if (n != g->root && parent[n] == NONE)
        return 0;
    for (v = n; v != g->root; v = SOURCE(parent[v]))
        len++;
    /* Fill from the end: the object last, each parent before its child. */
    i = len - 1;
    if (i < cap)
        out[i] = (ms_hop){n, UINT64_MAX};
    for (v = n; v != g->root;) {
        uint32_t e = parent[v];
        v = SOURCE(e);
        i--;
        if (i < cap)
            out[i] = (ms_hop){v, e};
    }
#undef SOURCE
    return len;
}
