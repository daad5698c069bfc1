/*
 * distances.c: BFS distance of every node from the GC roots.
 *
 * V8 graphs follow Chrome DevTools exactly (HeapSnapshot.ts
 * calculateDistances with JSHeapSnapshot's filter):
 *   - a first BFS starts from the root's children that are user roots (the
 *     global objects, "(Document DOM trees)") at distance 1;
 *   - then the root gets 100 000 000 (baseSystemDistance; 0 when there are no
 *     user roots) and a second BFS from it reaches what only system roots
 *     hold, at 100 000 000 + hops;
 *   - weak edges are never followed; neither are a NativeContext's
 *     "sloppy_function_map" edge, nor the descriptor links of
 *     "(map descriptors)" arrays (index % 3 == 1 beyond 1, crbug.com/413608);
 *   - of the two edges that hold a WeakMap value (key -> value and table ->
 *     value, same name after the leading number), the first one the BFS
 *     meets is skipped, so the value's distance is max(key, table) + 1
 *     (crbug.com/1290800);
 *   - unreached nodes keep -5 (noDistance).
 * Other graphs: one BFS from the root (distance 0) over non-weak edges.
 * The queue is an array of node indices; no recursion.
 */
#include "v8rules.h"

#include "../util/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* JavaScript's parseInt(s, 10) as a double; NaN when there is no digit. */
static double js_parse_int(const char *s, size_t len)
{
    size_t i = 0, start;
    bool neg = false;
    char buf[400];
    double v;
    /* Leading white space (ASCII and the Unicode spaces JS trims). */
    for (;;) {
        unsigned char c = (unsigned char)s[i];
        if (i < len && (c == ' ' || (c >= 9 && c <= 13))) {
            i++;
        } else if (i + 1 < len && c == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            i += 2;
        } else if (i + 2 < len && c == 0xEF && (unsigned char)s[i + 1] == 0xBB &&
                   (unsigned char)s[i + 2] == 0xBF) {
            i += 3;
        } else if (i + 2 < len && c == 0xE1 && (unsigned char)s[i + 1] == 0x9A &&
                   (unsigned char)s[i + 2] == 0x80) {
            i += 3;
        } else if (i + 2 < len && c == 0xE2 &&
                   (((unsigned char)s[i + 1] == 0x80 &&
                     (((unsigned char)s[i + 2] >= 0x80 && (unsigned char)s[i + 2] <= 0x8A) ||
                      (unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9 ||
                      (unsigned char)s[i + 2] == 0xAF)) ||
                    ((unsigned char)s[i + 1] == 0x81 && (unsigned char)s[i + 2] == 0x9F))) {
            i += 3;
        } else if (i + 2 < len && c == 0xE3 && (unsigned char)s[i + 1] == 0x80 &&
                   (unsigned char)s[i + 2] == 0x80) {
            i += 3;
        } else {
            break;
        }
    }
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == start)
        return NAN;
    if (i - start >= sizeof buf)
        return neg ? -INFINITY : INFINITY; /* beyond any double's range anyway */
    memcpy(buf, s + start, i - start);
    buf[i - start] = 0;
    v = strtod(buf, NULL); /* correctly rounded, as JS is */
    return neg ? -v : v;
}

typedef struct bfs {
    const ms__graph *g;
    const ms__v8_edges *x;
    int32_t *dist;
    uint32_t *queue;
    uint64_t len;
    uint64_t *pending; /* bit per ephemeron part: its first edge was skipped */
    uint64_t *spent;   /* bit per node: visiting it again cannot change anything */
    ms__bfs_names names;
} bfs;

static uint32_t find_sid(const ms__graph *g, const char *text)
{
    size_t tl = strlen(text);
    for (uint32_t i = 0; i < g->strings.count; i++) {
        size_t l;
        const char *s = ms__strtab_get(&g->strings, i, &l);
        if (l == tl && memcmp(s, text, tl) == 0)
            return i;
    }
    return UINT32_MAX;
}

void ms__bfs_names_init(const ms__graph *g, ms__bfs_names *names)
{
    names->sloppy_sid = find_sid(g, "sloppy_function_map");
    names->native_context_sid = find_sid(g, "system / NativeContext");
    names->descriptors_sid = find_sid(g, "(map descriptors)");
}

int ms__v8_static_follow(const ms__graph *g, const ms__bfs_names *names, uint32_t n, uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    uint32_t name = g->edge_name[e];
    if (g->node_type[n] == MS_NT_HIDDEN && !ms__edge_type_is_indexed(t) &&
        name == names->sloppy_sid && g->node_name[n] == names->native_context_sid)
        return 0;
    if (g->node_type[n] == MS_NT_ARRAY && g->node_name[n] == names->descriptors_sid) {
        double index;
        if (ms__edge_type_is_indexed(t)) {
            index = (double)name;
        } else {
            size_t len;
            const char *s = ms__strtab_get(&g->strings, name, &len);
            index = js_parse_int(s, len);
        }
        return index < 2 || fmod(index, 3.0) != 1.0 ? 2 : 0;
    }
    return 1;
}

/* JSHeapSnapshot.calculateDistances' filter for edge e out of node n. */
static bool v8_follow(bfs *b, uint32_t n, uint64_t e)
{
    const ms__graph *g = b->g;
    unsigned t = ms__edge_type(g, e);
    uint32_t name = g->edge_name[e];
    int s = ms__v8_static_follow(g, &b->names, n, e);
    if (s != 1)
        return s == 2; /* the descriptor rule decides alone, as in DevTools */
    if (t == MS_ET_INTERNAL && b->x->part && b->x->part[name]) {
        uint32_t part = b->x->part[name] - 1;
        uint64_t bit = 1ull << (part & 63);
        if (b->pending[part >> 6] & bit) {
            b->pending[part >> 6] &= ~bit; /* the second edge of the pair */
        } else {
            b->pending[part >> 6] |= bit;
            return false;
        }
    }
    return true;
}

/* The BFS.  A node is in the queue once, except the root's user roots,
 * which are queued once per root edge to them, as DevTools queues them, and
 * visited that many times: a later visit can follow a WeakMap edge the pair
 * rule skipped in an earlier one, so the repeats are kept.  But a visit that
 * skipped no edge by that rule has given every child it can reach a
 * distance, and distances are never taken back, so any later visit of that
 * node would do nothing: it is marked spent and its repeats are skipped.
 * Without that, a root with E edges to one user root cost E times that
 * node's degree (a 34 MB file with 5.6 M such edges ran for hours). */
#define BFS_AHEAD 8

static void run_bfs(bfs *b, uint64_t head, bool v8)
{
    const ms__graph *g = b->g;
    int32_t *dist = b->dist;
    while (head < b->len) {
        uint32_t n = b->queue[head++];
        int32_t d = dist[n] + 1;
        bool skipped_pair = false;
        /* The queue says which nodes come next: fetch their edge offsets
         * far ahead, their edges and fields nearer (random accesses). */
        if (head + 2 * BFS_AHEAD < b->len)
            __builtin_prefetch(&g->first_edge[b->queue[head + 2 * BFS_AHEAD]]);
        if (head + BFS_AHEAD < b->len) {
            uint32_t m = b->queue[head + BFS_AHEAD];
            uint64_t f = g->first_edge[m];
            __builtin_prefetch(&g->edge_word[f]);
            if (v8) {
                __builtin_prefetch(&g->edge_name[f]);
                __builtin_prefetch(&g->node_type[m]);
                __builtin_prefetch(&g->node_name[m]);
            }
        }
        if (b->spent[n >> 6] >> (n & 63) & 1)
            continue;
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            uint32_t c;
            if (e + BFS_AHEAD < g->edge_count)
                __builtin_prefetch(&dist[ms__edge_to(g, e + BFS_AHEAD)]);
            if (ms__edge_type(g, e) == MS_ET_WEAK)
                continue;
            c = ms__edge_to(g, e);
            if (dist[c] != MS_DISTANCE_NONE)
                continue;
            if (v8 && !v8_follow(b, n, e)) {
                /* the static rules say no on every visit; only the pair rule
                 * may say yes next time */
                skipped_pair |= ms__v8_static_follow(g, &b->names, n, e) == 1;
                continue;
            }
            dist[c] = d;
            b->queue[b->len++] = c;
        }
        if (!skipped_pair)
            b->spent[n >> 6] |= 1ull << (n & 63);
    }
}

int ms__distances(const ms__graph *g, const ms__v8_edges *x, ms__pool *pool, int32_t *out,
                  ms_error *err)
{
    const uint32_t N = g->node_count, r = g->root;
    uint64_t root_degree = g->first_edge[r + 1] - g->first_edge[r];
    bfs b;
    int rc = MS_OK;

    memset(&b, 0, sizeof b);
    b.g = g;
    b.x = x;
    b.dist = out;
    for (uint32_t n = 0; n < N; n++)
        out[n] = MS_DISTANCE_NONE;
    /* The root may list a user root twice: room for the repeats. */
    MS_TRY(ms__pool_alloc(pool, &b.queue, (uint64_t)N + root_degree + 1, 4, false, "distance queue",
                          err));
    MS_TRY(ms__alloc_array_zero(&b.spent, ((uint64_t)N + 63) / 64, 8, "distance visits", err));
    if (x) {
        ms__bfs_names_init(g, &b.names);
        if (x->part)
            MS_TRY(ms__alloc_array_zero(&b.pending, ((uint64_t)x->parts.count + 63) / 64, 8,
                                        "distance pairs", err));
        for (uint64_t e = g->first_edge[r]; e < g->first_edge[r + 1]; e++) {
            uint32_t c = ms__edge_to(g, e);
            if (ms__v8_is_user_root(g, c)) {
                out[c] = 1;
                b.queue[b.len++] = c;
            }
        }
        run_bfs(&b, 0, true);
        out[r] = b.len > 0 ? MS_DISTANCE_SYSTEM : 0;
    } else {
        out[r] = 0;
    }
    {
        uint64_t head = b.len;
        b.queue[b.len++] = r;
        run_bfs(&b, head, x != NULL);
    }
done:
    ms__pool_release(pool, b.queue, (uint64_t)N + root_degree + 1, 4);
    free(b.pending);
    free(b.spent);
    return rc;
}
