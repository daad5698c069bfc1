/*
 * distances.c: BFS distance of every node from the GC roots, as Chrome
 * DevTools computes it (HeapSnapshot.ts calculateDistances), under the
 * format's rules (snapshot/rules.h):
 *   - with user roots (V8: the global objects, "(Document DOM trees)"), a
 *     first BFS starts from the root's children that are user roots, at
 *     distance 1; then the root gets MS_DISTANCE_SYSTEM_BASE
 *     (baseSystemDistance; 0 when there are no user roots) and a second BFS
 *     from it reaches what only system roots hold, at
 *     MS_DISTANCE_SYSTEM_BASE + hops.  Without them, one BFS from the root,
 *     at 0;
 *   - edges of the rules' never_types (weak ones) are never followed, nor
 *     those the rules' follow hook refuses;
 *   - of the two edges of a pair (V8: the key's and the table's edge to a
 *     WeakMap value), the first one the BFS meets is skipped, so the
 *     value's distance is max(key, table) + 1 (crbug.com/1290800);
 *   - unreached nodes keep MS_DISTANCE_UNREACHABLE (noDistance).
 * The queue is an array of node indices; no recursion.
 */
#include "distances.h"

#include "../util/bitset.h"
#include "../util/pool.h"

#include <stdlib.h>
#include <string.h>

typedef struct bfs {
    const ms__graph *g;
    const ms__rules *r;
    int32_t *dist;
    uint32_t *queue;
    uint64_t len;
    uint64_t *pending; /* bit per pair: its first edge was skipped */
    uint64_t *spent;   /* bit per node: visiting it again cannot change anything */
} bfs;

/* The pair rule for edge e of type t: false when it is the first edge of
 * its pair the BFS meets (the second one is then followed). */
static bool pair_follow(bfs *b, unsigned t, uint64_t e)
{
    uint32_t name = b->g->edge_name[e];
    if (t == MS_ET_INTERNAL && b->r->pair && b->r->pair[name]) {
        uint32_t part = b->r->pair[name] - 1;
        if (ms__bit(b->pending, part)) {
            ms__bit_clear(b->pending, part); /* the second edge of the pair */
        } else {
            ms__bit_set(b->pending, part);
            return false;
        }
    }
    return true;
}

/* The BFS.  A node is in the queue once, except the root's user roots,
 * which are queued once per root edge to them, as DevTools queues them, and
 * visited that many times: a later visit can follow a paired edge the pair
 * rule skipped in an earlier one, so the repeats are kept.  But a visit that
 * skipped no edge by that rule has given every child it can reach a
 * distance, and distances are never taken back, so any later visit of that
 * node would do nothing: it is marked spent and its repeats are skipped
 * (a root with millions of edges to one user root would otherwise cost
 * millions of times that node's degree). */
#define BFS_AHEAD 8

static void run_bfs(bfs *b, uint64_t head)
{
    const ms__graph *g = b->g;
    const ms__rules *r = b->r;
    const uint32_t never = r->never_types;
    const bool names = r->pair || r->follow_name_count;
    int32_t *dist = b->dist;
    while (head < b->len) {
        uint32_t n = b->queue[head++];
        int32_t d = dist[n] + 1;
        bool skipped_pair = false, filtered;
        /* The queue says which nodes come next: fetch their edge offsets
         * far ahead, their edges and fields nearer (random accesses). */
        if (head + 2 * BFS_AHEAD < b->len)
            __builtin_prefetch(&g->first_edge[b->queue[head + 2 * BFS_AHEAD]]);
        if (head + BFS_AHEAD < b->len) {
            uint32_t m = b->queue[head + BFS_AHEAD];
            uint64_t f = g->first_edge[m];
            __builtin_prefetch(&g->edge_word[f]);
            if (names) {
                __builtin_prefetch(&g->edge_name[f]);
                __builtin_prefetch(&g->node_type[m]);
                __builtin_prefetch(&g->node_name[m]);
            }
        }
        if (ms__bit(b->spent, n))
            continue;
        filtered = ms__rules_filters(g, r, n);
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            unsigned t = ms__edge_type(g, e);
            uint32_t c;
            int follow;
            if (e + BFS_AHEAD < g->edge_count)
                __builtin_prefetch(&dist[ms__edge_to(g, e + BFS_AHEAD)]);
            if (never >> t & 1)
                continue;
            c = ms__edge_to(g, e);
            if (dist[c] != MS_DISTANCE_UNREACHABLE)
                continue;
            /* The follow hook decides alone where it has a rule (DevTools'
             * descriptor rule); otherwise the pair rule may say no, this
             * visit only. */
            follow = filtered ? r->follow(r, g, n, e) : 1;
            if (follow == 0)
                continue;
            if (follow == 1 && !pair_follow(b, t, e)) {
                skipped_pair = true;
                continue;
            }
            dist[c] = d;
            b->queue[b->len++] = c;
        }
        if (!skipped_pair)
            ms__bit_set(b->spent, n);
    }
}

int ms__distances(const ms__graph *g, const ms__rules *r, ms__pool *pool, int32_t *out,
                  ms_error *err)
{
    const uint32_t N = g->node_count, root = g->root;
    uint64_t root_degree = g->first_edge[root + 1] - g->first_edge[root];
    bfs b;
    int rc = MS_OK;

    memset(&b, 0, sizeof b);
    b.g = g;
    b.r = r;
    b.dist = out;
    for (uint32_t n = 0; n < N; n++)
        out[n] = MS_DISTANCE_UNREACHABLE;
    /* The root may list a user root twice: room for the repeats. */
    MS_TRY(ms__pool_alloc(pool, &b.queue, (uint64_t)N + root_degree + 1, 4, false, "distance queue",
                          err));
    MS_TRY(ms__bitset_alloc(&b.spent, N, "distance visits", err));
    if (r->pair)
        MS_TRY(ms__bitset_alloc(&b.pending, r->pair_count, "distance pairs", err));
    /* The root gets its distance after the user roots' BFS (which may reach
     * it), as in DevTools. */
    if (r->user_root) {
        for (uint64_t e = g->first_edge[root]; e < g->first_edge[root + 1]; e++) {
            uint32_t c = ms__edge_to(g, e);
            if (r->user_root(r, g, c)) {
                out[c] = 1;
                b.queue[b.len++] = c;
            }
        }
        run_bfs(&b, 0);
        out[root] = b.len > 0 ? MS_DISTANCE_SYSTEM_BASE : 0;
    } else {
        out[root] = 0;
    }
    {
        uint64_t head = b.len;
        b.queue[b.len++] = root;
        run_bfs(&b, head);
    }
done:
    ms__pool_release(pool, b.queue, (uint64_t)N + root_degree + 1, 4);
    free(b.pending);
    free(b.spent);
    return rc;
}
