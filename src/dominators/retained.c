/*
 * retained.c: retained sizes, the dominator tree, and what they answer:
 * the largest objects, and which of a set of objects no other one of the
 * set dominates (what a set retains, each byte once).
 */
#include "dominators.h"

#include "../util/bitset.h"
#include "../util/vec.h"

#include <string.h>

#define PREFETCH_AHEAD 8

void ms__retained_sizes(const ms__graph *g, const uint64_t *shallow, const uint32_t *idom,
                        const uint32_t *order, uint64_t *retained)
{
    const uint32_t N = g->node_count;
    for (uint32_t n = 0; n < N; n++)
        retained[n] = shallow ? shallow[n] : ms__node_self(g, n);
    /* Every node's dominator precedes it in DFS order (DevTools: "propagate
     * up the retained sizes for each traversed node excluding the root"). */
    for (uint32_t i = N; i > 1; i--) {
        uint32_t n = order[i - 1];
        /* order is known ahead, the nodes are scattered: fetch early. */
        if (i > 2 * PREFETCH_AHEAD + 1) {
            uint32_t m = order[i - 1 - 2 * PREFETCH_AHEAD];
            __builtin_prefetch(&idom[m]);
            __builtin_prefetch(&retained[m]);
        }
        if (i > PREFETCH_AHEAD + 1)
            __builtin_prefetch(&retained[idom[order[i - 1 - PREFETCH_AHEAD]]], 1);
        retained[idom[n]] += retained[n];
    }
}

int ms__dominator_children(const ms__graph *g, const uint32_t *idom, uint32_t **first_out,
                           uint32_t **child_out, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t *first = NULL, *child = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&first, (uint64_t)N + 1, 4, "dominator tree", err));
    MS_TRY(ms__alloc_array(&child, N, 4, "dominator tree", err));
    for (uint32_t n = 0; n < N; n++)
        if (n != g->root)
            first[idom[n] + 1]++;
    for (uint32_t n = 0; n < N; n++)
        first[n + 1] += first[n];
    for (uint32_t n = 0; n < N; n++)
        if (n != g->root)
            child[first[idom[n]]++] = n;
    for (uint32_t n = N; n > 0; n--)
        first[n] = first[n - 1];
    first[0] = 0;
    *first_out = first;
    *child_out = child;
    first = child = NULL;
done:
    free(first);
    free(child);
    return rc;
}

/* Min-heap on (retained, -node) for the top k. */
static bool less(const uint64_t *ret, uint32_t a, uint32_t b)
{
    return ret[a] < ret[b] || (ret[a] == ret[b] && a > b);
}

static void sift_down(uint32_t *h, size_t n, size_t i, const uint64_t *ret)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        uint32_t t;
        if (l < n && less(ret, h[l], h[m]))
            m = l;
        if (l + 1 < n && less(ret, h[l + 1], h[m]))
            m = l + 1;
        if (m == i)
            return;
        t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

size_t ms__top_retained(const ms__graph *g, const uint64_t *ret, size_t k, bool include_synthetic,
                        uint32_t *out)
{
    size_t n = 0;
    if (k == 0)
        return 0;
    /* out[] is the heap: the smallest of the best k so far on top. */
    for (uint32_t v = 0; v < g->node_count; v++) {
        if (!include_synthetic && g->node_type[v] == MS_NT_SYNTHETIC)
            continue;
        if (n < k) {
            size_t i = n++;
            out[i] = v;
            while (i > 0 && less(ret, out[i], out[(i - 1) / 2])) {
                uint32_t t = out[i];
                out[i] = out[(i - 1) / 2];
                out[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
        } else if (less(ret, out[0], v)) {
            out[0] = v;
            sift_down(out, n, 0, ret);
        }
    }
    /* Heap sort: largest first. */
    for (size_t m = n; m > 1; m--) {
        uint32_t t = out[0];
        out[0] = out[m - 1];
        out[m - 1] = t;
        sift_down(out, m - 1, 0, ret);
    }
    return n;
}

#define EXIT_BIT 0x80000000u /* stack entry: leaving this member's subtree */

int ms__dominated_tops(const ms__graph *g, const uint32_t *dom_first, const uint32_t *dom_child,
                       const uint64_t *retained, const uint64_t *member, const uint32_t *key,
                       uint32_t nkeys, uint64_t *top, uint64_t *top_any, uint64_t *retained_any,
                       ms_error *err)
{
    uint32_t *active = NULL, *stack = NULL, any = 0;
    uint64_t sp = 0, cap = 1024;
    int rc = MS_OK;

    if (retained_any)
        *retained_any = 0;
    MS_TRY(ms__alloc_array_zero(&active, key && nkeys ? nkeys : 1, 4, "dominated members", err));
    MS_TRY(ms__alloc_array(&stack, cap, 4, "dominated members", err));
    /* Per key, the members on the path from the root to the current node:
     * a member is a top when none is above it. */
    stack[sp++] = g->root;
    while (sp) {
        uint32_t entry = stack[--sp], v = entry & ~EXIT_BIT, kids, k;
        if (entry & EXIT_BIT) {
            active[key ? key[v] : 0]--;
            any--;
            continue;
        }
        kids = dom_first[v + 1] - dom_first[v];
        MS_TRY(ms__grow(&stack, &cap, sp + kids + 1, 1024, 4, "dominated members", err));
        if (ms__bit(member, v)) {
            k = key ? key[v] : 0; /* members only: a random access */
            if (active[k] == 0)
                ms__bit_set(top, v);
            if (any == 0) {
                if (top_any)
                    ms__bit_set(top_any, v);
                if (retained_any)
                    *retained_any += retained[v];
            }
            active[k]++;
            any++;
            stack[sp++] = v | EXIT_BIT;
        }
        memcpy(stack + sp, dom_child + dom_first[v], (size_t)kids * 4);
        sp += kids;
    }
done:
    free(active);
    free(stack);
    return rc;
}
