/*
 * retention.c: the shortest retention path to every node, as a tree.
 *
 * A retention path is what keeps an object alive: root -> ... -> object
 * over edges that retain (not weak).  We keep, for every node, the last edge
 * of one shortest path, chosen so that
 *   - paths follow the distances of distances.c hop by hop (so the length
 *     of a path is the node's distance, as DevTools shows it), over the
 *     edges the distance BFS follows;
 *   - among equally short paths, the one Chrome DevTools' Retainers view
 *     shows first, expanded from the object back to the roots: its
 *     retainers sorted by distance, then by the retaining object's name
 *     (JSHeapSnapshotNode.name(), a string comparison), then by edge
 *     index, the last edge first (HeapSnapshot.ts: the retainers grid's
 *     default sort, ComparatorConfig('!edgeDistance', true, 'name', true)
 *     in HeapSnapshotEdgesProvider.sort, over retainer slots that
 *     buildRetainers fills in descending edge order).
 * One pass over the nodes in increasing distance (a counting sort of the
 * distances) relaxes every edge once: O(N + E), no recursion; names are
 * compared only where two retainers tie on distance.
 */
#include "paths.h"

#include "../util/bitset.h"
#include "../util/map.h"
#include "../util/pool.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

uint32_t ms__edge_source(const ms__graph *g, uint64_t e)
{
    ms__touch_offsets(g);
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

/* The name DevTools sorts retainers by (the rules' label, else the node
 * name), into *buf; a failed label falls back on the node name. */
static const char *sort_name(const ms__graph *g, const ms__rules *r, uint32_t n, ms__sbuf *buf,
                             size_t *len)
{
    buf->len = 0;
    if (r->label && r->label(r, g, n, buf, NULL) > 0) {
        *len = buf->len;
        return buf->data;
    }
    return ms__node_name(g, n, len);
}

int ms__retainer_cmp(const ms__graph *g, const ms__rules *r, uint32_t v, uint64_t e, uint32_t u,
                     uint64_t f, ms__sbuf bufs[2])
{
    ms__touch(g, v);
    ms__touch(g, u);
    if (v != u && (r->label || g->node_name[v] != g->node_name[u])) {
        size_t lv, lu;
        const char *sv = sort_name(g, r, v, &bufs[0], &lv);
        const char *su = sort_name(g, r, u, &bufs[1], &lu);
        size_t common = lv < lu ? lv : lu;
        int c = common ? memcmp(sv, su, common) : 0; /* an empty label may have no buffer */
        if (c != 0 || lv != lu)
            return c != 0 ? c : lv < lu ? -1 : 1;
    }
    return e > f ? -1 : e < f;
}

/* Whether edge e from v to w is a hop of a shortest retention path: an
 * edge the distance BFS follows (filtered: v's edges ask r->follow) that
 * lands one hop further, the root's edges to user roots landing at 1.
 * The path tree and ms__parent_edges choose among these alike. */
static inline bool path_hop(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                            uint32_t v, uint64_t e, uint32_t w, bool filtered)
{
    if (r->never_types >> ms__edge_type(g, e) & 1)
        return false;
    if (dist[w] != dist[v] + 1 && !(v == g->root && dist[w] == 1))
        return false;
    return !filtered || r->follow(r, g, v, e) != 0;
}

/* Relaxes every followed edge once, nodes in `order`: an edge landing one
 * hop further becomes the node's parent edge when it comes first in
 * DevTools' order (ms__retainer_cmp); from[w] keeps the parent's source.
 * One hot loop over all edges, kept whole for its prefetches. */
static void relax(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                  const uint32_t *order, uint64_t reached, uint32_t *from, uint32_t *parent,
                  ms__sbuf bufs[2])
{
    const uint32_t root = g->root;
    for (uint64_t i = 0; i < reached; i++) {
        uint32_t v = order[i];
        bool filtered;
        /* The order says which nodes come next (random places in the
         * arrays): their edge offsets far ahead, their edges and fields
         * nearer, as the distance BFS does. */
        if (i + 2 * PATH_AHEAD < reached)
            __builtin_prefetch(&g->first_edge[order[i + 2 * PATH_AHEAD]]);
        if (i + PATH_AHEAD < reached) {
            uint32_t m = order[i + PATH_AHEAD];
            __builtin_prefetch(&g->edge_word[g->first_edge[m]]);
            __builtin_prefetch(&from[m]);
            __builtin_prefetch(&dist[m]);
        }
        if (v != root && from[v] == NONE)
            continue;
        filtered = ms__rules_filters(g, r, v);
        for (uint64_t e = g->first_edge[v]; e < g->first_edge[v + 1]; e++) {
            uint32_t w = ms__edge_to(g, e);
            if (e + PATH_AHEAD < g->edge_count) {
                uint32_t ahead = ms__edge_to(g, e + PATH_AHEAD);
                __builtin_prefetch(&dist[ahead]);
                __builtin_prefetch(&from[ahead]);
            }
            if (!path_hop(g, r, dist, v, e, w, filtered))
                continue;
            if (from[w] == NONE || ms__retainer_cmp(g, r, v, e, from[w], parent[w], bufs) < 0) {
                from[w] = v;
                parent[w] = (uint32_t)e;
            }
        }
    }
}

int ms__path_tree(const ms__graph *g, const ms__rules *r, const int32_t *dist, ms__pool *pool,
                  uint32_t *parent, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t *from = NULL, *order = NULL;
    uint64_t reached = 0;
    ms__sbuf bufs[2] = {{0}, {0}};
    int rc = MS_OK;
    MS_TRY(order_by_distance(g, dist, pool, &order, &reached, err));
    MS_TRY(ms__pool_alloc(pool, &from, N, 4, false, "retention paths", err));
    for (uint32_t n = 0; n < N; n++) {
        from[n] = NONE;
        parent[n] = NONE;
    }
    relax(g, r, dist, order, reached, from, parent, bufs);
done:
    ms__sbuf_free(&bufs[0]);
    ms__sbuf_free(&bufs[1]);
    ms__pool_release(pool, order, reached ? reached : 1, 4);
    ms__pool_release(pool, from, N, 4);
    return rc;
}

/* Whether edge e holds its target by a name the program wrote. */
static bool named_edge(const ms__graph *g, uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    return t == MS_ET_PROPERTY || t == MS_ET_ELEMENT || t == MS_ET_CONTEXT;
}

int ms__parent_edges(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                     const uint32_t *nodes, size_t count, bool named, uint64_t *out,
                     ms_error *err)
{
    const uint32_t N = g->node_count, root = g->root;
    uint64_t *want = NULL;
    uint32_t *from = NULL;
    ms__sbuf bufs[2] = {{0}, {0}};
    ms__map64 at;
    enum { LEVELS = 4096 };
    uint64_t levels[LEVELS / 64] = {0};
    bool far = false;
    int rc = MS_OK;
    memset(&at, 0, sizeof at);
    MS_TRY(ms__bitset_alloc(&want, N, "retention paths", err));
    MS_TRY(ms__map64_init(&at, count, err));
    MS_TRY(ms__alloc_array(&from, count ? count : 1, 4, "retention paths", err));
    for (size_t i = 0; i < count; i++) {
        uint32_t k;
        out[i] = UINT64_MAX;
        from[i] = NONE;
        if (nodes[i] >= N || nodes[i] == root || dist[nodes[i]] < 0)
            continue;
        ms__bit_set(want, nodes[i]);
        MS_TRY(ms__map64_put(&at, nodes[i], (uint32_t)i, &k, NULL, err));
    }
    /* The distances a retainer of a wanted node has (one less than the
     * node's; the root's for the user roots): the nodes at others are
     * skipped without reading their edges. */
    for (size_t i = 0; i < count; i++) {
        int32_t d;
        if (nodes[i] >= N || !ms__bit(want, nodes[i]))
            continue;
        d = dist[nodes[i]] - 1;
        if (d >= 0 && (uint32_t)d < LEVELS)
            levels[d / 64] |= 1ull << (d % 64);
        else
            far = true;
    }
    /* The relaxation of ms__path_tree, for the edges into the wanted
     * nodes only: the same parent edge, in one pass over the edges. */
    for (uint32_t v = 0; v < N; v++) {
        bool filtered;
        int32_t dv = dist[v];
        if (v != root && (dv < 0 || ((uint32_t)dv < LEVELS ? !(levels[dv / 64] >> (dv % 64) & 1)
                                                             : !far)))
            continue;
        filtered = ms__rules_filters(g, r, v);
        for (uint64_t e = g->first_edge[v]; e < g->first_edge[v + 1]; e++) {
            uint32_t w = ms__edge_to(g, e), i;
            if (!ms__bit(want, w) || !path_hop(g, r, dist, v, e, w, filtered))
                continue;
            i = ms__map64_get(&at, w);
            if (from[i] != NONE && named && named_edge(g, e) != named_edge(g, out[i])) {
                if (named_edge(g, e)) {
                    from[i] = v;
                    out[i] = e;
                }
                continue;
            }
            if (from[i] == NONE || ms__retainer_cmp(g, r, v, e, from[i], out[i], bufs) < 0) {
                from[i] = v;
                out[i] = e;
            }
        }
    }
    /* a node given twice: its answer is in its first slot */
    for (size_t i = 0; i < count; i++) {
        uint32_t k;
        if (nodes[i] < N && ms__bit(want, nodes[i]) &&
            (k = ms__map64_get(&at, nodes[i])) != (uint32_t)i)
            out[i] = out[k];
    }
done:
    ms__sbuf_free(&bufs[0]);
    ms__sbuf_free(&bufs[1]);
    ms__map64_free(&at);
    free(want);
    free(from);
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
    ms__touch_at(g, parent, n);
    if (n != g->root && parent[n] == NONE)
        return 0;
    /* (a path longer than the graph has nodes is a cycle: only a damaged
     * file read on demand, not yet checked whole, can hold one) */
    for (v = n; v != g->root && len <= g->node_count; v = SOURCE(parent[v])) {
        ms__touch_at(g, parent, v);
        if (parent[v] == NONE)
            return 0;
        len++;
    }
    if (len > g->node_count)
        return 0;
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
