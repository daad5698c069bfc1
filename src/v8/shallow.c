/*
 * shallow.c: Chrome DevTools' shallow sizes for V8 graphs.
 *
 * DevTools does not show V8's self_size as is: the self size of `hidden` and
 * `array` nodes (and native "system / ExternalStringData") that are reached
 * from exactly one "owner" is moved into that owner, so a JS Array shows the
 * size of its elements store.  Owners are all other nodes; ownership flows
 * through non-weak edges and through owned nodes; a node reached from two
 * owners keeps its size.  Nothing moves into synthetic nodes or the root, and
 * nothing moves at all when the root has no user roots ("expose internals"
 * snapshots).  Reference: HeapSnapshot.ts, JSHeapSnapshot.calculateShallowSizes
 * (devtools-frontend, 2025).  The fixpoint (unvisited < one owner < several)
 * does not depend on the visiting order, so this walks owners in node order
 * with an explicit stack of owned nodes (no recursion).
 */
#include "internal.h"

#include "../util/pool.h"

#include <string.h>

#define UNVISITED UINT32_MAX
#define MULTIPLE (UINT32_MAX - 1u)

static bool has_user_roots(const ms__graph *g)
{
    for (uint64_t e = g->first_edge[g->root]; e < g->first_edge[g->root + 1]; e++)
        if (ms__v8_is_user_root(g, ms__edge_to(g, e)))
            return true;
    return false;
}

static bool is_owned_kind(const ms__graph *g, uint32_t n)
{
    size_t len;
    const char *name;
    uint8_t t = g->node_type[n];
    if (t == MS_NT_HIDDEN || t == MS_NT_ARRAY)
        return true;
    if (t != MS_NT_NATIVE)
        return false;
    name = ms__node_name(g, n, &len);
    return len == 27 && memcmp(name, "system / ExternalStringData", 27) == 0;
}

int ms__v8_shallow_sizes(const ms__rules *r, const ms__graph *g, ms__pool *pool, uint64_t *out,
                         ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t *owner = NULL, *stack = NULL;
    uint64_t sp = 0, owned = 0;
    int rc = MS_OK;

    (void)r;
    for (uint32_t n = 0; n < N; n++)
        out[n] = ms__node_self(g, n);
    if (!has_user_roots(g))
        return MS_OK;

    MS_TRY(ms__pool_alloc(pool, &owner, N, 4, false, "shallow size owners", err));
    for (uint32_t n = 0; n < N; n++) {
        bool kind = is_owned_kind(g, n);
        owner[n] = kind ? UNVISITED : n;
        owned += kind;
    }
    /* Each owned node enters the stack at most twice: when it gets its first
     * owner and when it becomes shared. */
    MS_TRY(ms__pool_alloc(pool, &stack, owned * 2 + 1, 4, false, "shallow size stack", err));

    for (uint32_t src = 0; src < N; src++) {
        if (owner[src] != src)
            continue;
        for (uint32_t cur = src;;) {
            uint32_t o = owner[cur];
            for (uint64_t e = g->first_edge[cur]; e < g->first_edge[cur + 1]; e++) {
                uint32_t t;
                if (e + 8 < g->edge_count)
                    __builtin_prefetch(&owner[ms__edge_to(g, e + 8)]);
                if (ms__edge_type(g, e) == MS_ET_WEAK)
                    continue;
                t = ms__edge_to(g, e);
                if (owner[t] == UNVISITED) {
                    owner[t] = o;
                    stack[sp++] = t;
                } else if (owner[t] != t && owner[t] != o && owner[t] != MULTIPLE) {
                    owner[t] = MULTIPLE;
                    stack[sp++] = t;
                }
            }
            if (sp == 0)
                break;
            cur = stack[--sp];
        }
    }

    for (uint32_t n = 0; n < N; n++) {
        uint32_t o = owner[n];
        if (o == UNVISITED || o == MULTIPLE || o == n)
            continue;
        if (g->node_type[o] == MS_NT_SYNTHETIC || o == g->root)
            continue;
        out[o] += out[n];
        out[n] = 0;
    }
done:
    ms__pool_release(pool, owner, N, 4);
    ms__pool_release(pool, stack, owned * 2 + 1, 4);
    return rc;
}
