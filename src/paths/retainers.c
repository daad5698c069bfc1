/*
 * retainers.c: the edges pointing at a node: from the retainer index (a
 * reverse CSR, 4 bytes per node and per edge) when one was built, or by a
 * scan of every edge.
 */
#include "paths.h"

#include "../util/task.h"
#include "../util/vec.h"

#include <stdlib.h>
#include <string.h>

int ms__retainer_index(const ms__graph *g, uint32_t **first_out, uint32_t **edge_out, ms_error *err)
{
    const uint32_t N = g->node_count;
    const uint64_t E = g->edge_count;
    uint32_t *first = NULL, *edge = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&first, (uint64_t)N + 2, 4, "retainer index", err));
    MS_TRY(ms__alloc_array(&edge, E ? E : 1, 4, "retainer index", err));
    for (uint64_t e = 0; e < E; e++)
        first[ms__edge_to(g, e) + 2]++;
    for (uint32_t n = 0; n < N; n++)
        first[n + 2] += first[n + 1];
    for (uint64_t e = 0; e < E; e++)
        edge[first[ms__edge_to(g, e) + 1]++] = (uint32_t)e;
    *first_out = first;
    *edge_out = edge;
    first = edge = NULL;
done:
    free(first);
    free(edge);
    return rc;
}

/* One part of the retainer scan: the edges into n among [lo, hi). */
typedef struct scan_part {
    const uint32_t *w;
    uint64_t lo, hi;
    uint32_t n;
    uint64_t *list, found, cap; /* the edges found (owned by the caller) */
} scan_part;

/* Fills p->list (an ms__task function).  Errors: MS_ENOMEM. */
static int scan_edges(void *arg, ms_error *err)
{
    scan_part *p = arg;
    if (ms__grow(&p->list, &p->cap, 1, 16, sizeof *p->list, "retainers", err) < 0)
        return MS_ENOMEM;
    /* Memory-bound scan: a branch-free pass per block (vectorised by the
     * compiler) finds the blocks worth a second look. */
    for (uint64_t base = p->lo; base < p->hi; base += 4096) {
        uint64_t end = base + 4096 < p->hi ? base + 4096 : p->hi;
        uint32_t hit = 0;
        for (uint64_t e = base; e < end; e++)
            hit |= (p->w[e] & MS_EDGE_TO_MASK) == p->n;
        if (!hit)
            continue;
        for (uint64_t e = base; e < end; e++) {
            if ((p->w[e] & MS_EDGE_TO_MASK) != p->n)
                continue;
            if (p->found == p->cap && ms__grow(&p->list, &p->cap, p->found + 1, 16,
                                               sizeof *p->list, "retainers", err) < 0)
                return MS_ENOMEM;
            p->list[p->found++] = e;
        }
    }
    return MS_OK;
}

/* Past this many edges the scan runs on two threads: one core alone does
 * not saturate the memory bus (docs/performance.md). */
#define PARALLEL_SCAN_EDGES (16u << 20)

int ms__retainers(const ms__heap *h, uint32_t n, uint64_t **out, size_t *count, ms_error *err)
{
    const ms__graph *g = h->g;
    scan_part part[2];
    ms__task helper;
    uint64_t *list;
    int rc;
    *out = NULL;
    *count = 0;
    if (h->rev_first) {
        uint32_t a = h->rev_first[n], b = h->rev_first[n + 1];
        if (ms__alloc_array(&list, b - a ? b - a : 1, 8, "retainers", err) < 0)
            return MS_ENOMEM;
        for (uint32_t i = a; i < b; i++)
            list[i - a] = h->rev_edge[i];
        *out = list;
        *count = b - a;
        return MS_OK;
    }
    memset(&helper, 0, sizeof helper);
    part[0] = (scan_part){g->edge_word, 0, g->edge_count, n, NULL, 0, 0};
    part[1] = part[0];
    if (g->edge_count >= PARALLEL_SCAN_EDGES) {
        part[0].hi = part[1].lo = g->edge_count / 2;
        if (!ms__task_start(&helper, scan_edges, &part[1]))
            part[0].hi = g->edge_count; /* no thread: scan it all here */
    }
    rc = scan_edges(&part[0], err);
    rc = ms__task_join(&helper, rc, err, NULL);
    /* The second half's edges follow the first's. */
    if (rc == MS_OK && part[1].found &&
        (rc = ms__grow(&part[0].list, &part[0].cap, part[0].found + part[1].found, 16,
                       sizeof *part[0].list, "retainers", err)) == MS_OK) {
        memcpy(part[0].list + part[0].found, part[1].list, part[1].found * sizeof *part[0].list);
        part[0].found += part[1].found;
    }
    free(part[1].list);
    if (rc < 0) {
        free(part[0].list);
        return rc;
    }
    *out = part[0].list;
    *count = (size_t)part[0].found;
    return MS_OK;
}

