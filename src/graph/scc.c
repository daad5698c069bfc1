/*
 * scc.c: strongly connected components of the reference graph.
 *
 * R. E. Tarjan, "Depth-first search and linear graph algorithms", SIAM J.
 * Comput. 1(2):146-160, 1972.  doi:10.1137/0201010
 *
 * Iterative: the DFS path is an explicit stack of (node, next edge) frames,
 * since heap graphs have chains millions of nodes long.  Every node gets a
 * component id; components are numbered in the order Tarjan's algorithm
 * completes them (a component is finished before any that reaches it).
 * Scratch: 12 bytes per node plus the DFS path; comp[] is the output.
 */
#include "scc.h"

#include "../util/pool.h"
#include "../util/vec.h"

#include <string.h>

#define UNSEEN UINT32_MAX
#define DONE (UINT32_MAX - 1u) /* in a finished component: never lowers a lowlink */

typedef struct frame {
    uint32_t node;
    uint32_t edge; /* next edge to look at */
} frame;

/* v is finished and the root of a component: the nodes above it on the
 * stack (stack[0..sp)), v included, are component `id`.  Returns the new
 * stack height. */
static inline uint64_t pop_component(uint32_t *stack, uint64_t sp, uint32_t *comp,
                                     uint32_t *index, uint32_t v, uint32_t id)
{
    uint32_t w;
    do {
        w = stack[--sp];
        comp[w] = id;
        index[w] = DONE;
    } while (w != v);
    return sp;
}

/* The DFS loop stays whole in this function: it is the loop of every
 * edge, and split into functions its state no longer stays in registers
 * across the predicate's call (docs/performance.md). */
int ms__scc(const ms__graph *g, ms__edge_pred keep, void *payload, ms__pool *pool,
            uint32_t *comp, uint32_t *count, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t *index = NULL, *low = NULL, *stack = NULL, next_index = 0, ncomp = 0;
    frame *path = NULL;
    uint64_t sp = 0, path_cap = 1024, path_len = 0;
    int rc = MS_OK;

    MS_TRY(ms__pool_alloc(pool, &index, N, 4, false, "cycles", err));
    MS_TRY(ms__pool_alloc(pool, &low, N, 4, false, "cycles", err));
    MS_TRY(ms__pool_alloc(pool, &stack, N, 4, false, "cycles", err));
    MS_TRY(ms__alloc_array(&path, path_cap, sizeof *path, "cycles", err));
    /* Once a node's component is finished its index becomes DONE, so the
     * inner loop reads one array per edge: no "on the stack" test needed. */
    for (uint32_t n = 0; n < N; n++)
        index[n] = UNSEEN;

    for (uint32_t s = 0; s < N; s++) {
        if (index[s] != UNSEEN)
            continue;
        index[s] = low[s] = next_index++;
        stack[sp++] = s;
        path[path_len++] = (frame){s, g->first_edge[s]};
        while (path_len) {
            frame *f = &path[path_len - 1];
            uint32_t v = f->node, end = g->first_edge[v + 1];
            bool descended = false;
            for (; f->edge < end; f->edge++) {
                uint64_t e = f->edge;
                uint32_t w;
                if (e + 8 < end)
                    __builtin_prefetch(&index[ms__edge_to(g, e + 8)]);
                w = ms__edge_to(g, e);
                /* A finished target changes nothing: skip the predicate. */
                if (index[w] == DONE || !keep(g, payload, v, e))
                    continue;
                if (index[w] == UNSEEN && g->first_edge[w] == g->first_edge[w + 1]) {
                    /* A node without edges (strings, numbers: half of a
                     * heap) is its own component at once: what descending
                     * into it would do, without the push and pop. */
                    index[w] = DONE;
                    comp[w] = ncomp++;
                    next_index++;
                    continue;
                }
                if (index[w] == UNSEEN) {
                    f->edge++;
                    index[w] = low[w] = next_index++;
                    stack[sp++] = w;
                    if (path_len == path_cap)
                        MS_TRY(ms__grow(&path, &path_cap, path_len + 1, 1024, sizeof *path,
                                        "cycles", err));
                    path[path_len++] = (frame){w, g->first_edge[w]};
                    descended = true;
                    break;
                }
                if (index[w] < low[v]) /* w is on the stack */
                    low[v] = index[w];
            }
            if (descended)
                continue;
            if (low[v] == index[v])
                sp = pop_component(stack, sp, comp, index, v, ncomp++);
            path_len--;
            if (path_len) {
                uint32_t u = path[path_len - 1].node;
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    *count = ncomp;
done:
    ms__pool_release(pool, index, N, 4);
    ms__pool_release(pool, low, N, 4);
    ms__pool_release(pool, stack, N, 4);
    free(path);
    return rc;
}
