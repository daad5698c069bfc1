/*
 * why.c: "why is this object alive?" - the retention path, the dominator
 * chain, other paths through other retainers, and memlab-style grouping of a
 * class's instances by the shape of their retention paths.
 */
#include "paths.h"

#include "../graph/classes.h"
#include "../snapshot/snapshot.h"
#include "../util/sort.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

ms_node ms_edge_source(const ms_snapshot *snap, uint64_t e)
{
    return ms__edge_source(snap->g, e);
}

/* ms_retention_path, with an index of edge sources (or NULL). */
static size_t retention_path(const ms_snapshot *snap, const ms__edge_sources *src, ms_node n,
                             ms_hop *out, size_t cap)
{
    const ms__graph *g = snap->g;
    size_t len = 1, i;
    uint32_t v;
#define SOURCE(e) (src ? ms__edge_sources_get(src, (e)) : ms__edge_source(g, (e)))
    if (!snap->parent_edge || n >= g->node_count)
        return 0;
    if (n != g->root && snap->parent_edge[n] == NONE)
        return 0;
    for (v = n; v != g->root; v = SOURCE(snap->parent_edge[v]))
        len++;
    /* Fill from the end: the object last, each parent before its child. */
    i = len - 1;
    if (i < cap)
        out[i] = (ms_hop){n, UINT64_MAX};
    for (v = n; v != g->root;) {
        uint32_t e = snap->parent_edge[v];
        v = SOURCE(e);
        i--;
        if (i < cap)
            out[i] = (ms_hop){v, e};
    }
#undef SOURCE
    return len;
}

size_t ms_retention_path(const ms_snapshot *snap, ms_node n, ms_hop *out, size_t cap)
{
    return retention_path(snap, NULL, n, out, cap);
}

/* One part of the retainer scan: the edges into n among [lo, hi). */
typedef struct scan_part {
    const uint32_t *w;
    uint64_t lo, hi;
    uint32_t n;
    uint64_t *list, found, cap;
    int rc;
} scan_part;

static void *scan_edges(void *arg)
{
    scan_part *p = arg;
    p->found = 0;
    p->cap = 16;
    p->list = malloc(p->cap * sizeof *p->list);
    if (!p->list) {
        p->rc = MS_ENOMEM;
        return NULL;
    }
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
            if (p->found == p->cap) {
                uint64_t *nl = realloc(p->list, p->cap * 2 * sizeof *nl);
                if (!nl) {
                    p->rc = MS_ENOMEM;
                    return NULL;
                }
                p->list = nl;
                p->cap *= 2;
            }
            p->list[p->found++] = e;
        }
    }
    p->rc = MS_OK;
    return NULL;
}

/* Past this many edges the scan runs on two threads: one core alone does
 * not saturate the memory bus (measured: 58 M edges, 234 MB, 60 ms on one
 * thread on the benchmark VM). */
#define PARALLEL_SCAN_EDGES (16u << 20)

int ms_node_retainers(const ms_snapshot *snap, ms_node n, uint64_t **out, size_t *count,
                      ms_error *err)
{
    const ms__graph *g = snap->g;
    scan_part part[2];
    pthread_t helper;
    bool threaded = false;
    uint64_t *list;
    *out = NULL;
    *count = 0;
    if (snap->rev_first) {
        uint32_t a = snap->rev_first[n], b = snap->rev_first[n + 1];
        if (ms__alloc_array(&list, b - a ? b - a : 1, 8, "retainers", err) < 0)
            return MS_ENOMEM;
        for (uint32_t i = a; i < b; i++)
            list[i - a] = snap->rev_edge[i];
        *out = list;
        *count = b - a;
        return MS_OK;
    }
    part[0] = (scan_part){g->edge_word, 0, g->edge_count, n, NULL, 0, 0, MS_OK};
    part[1] = part[0];
    if (g->edge_count >= PARALLEL_SCAN_EDGES) {
        part[0].hi = part[1].lo = g->edge_count / 2;
        threaded = pthread_create(&helper, NULL, scan_edges, &part[1]) == 0;
        if (!threaded)
            part[0].hi = g->edge_count; /* no thread: scan it all here */
    }
    scan_edges(&part[0]);
    if (threaded)
        pthread_join(helper, NULL);
    if (part[0].rc < 0 || (threaded && part[1].rc < 0)) {
        free(part[0].list);
        if (threaded)
            free(part[1].list);
        return ms__oom(err, "retainers");
    }
    list = part[0].list;
    if (threaded && part[1].found) {
        uint64_t *nl = realloc(list, (part[0].found + part[1].found) * sizeof *nl);
        if (!nl) {
            free(list);
            free(part[1].list);
            return ms__oom(err, "retainers");
        }
        list = nl;
        memcpy(list + part[0].found, part[1].list, part[1].found * sizeof *list);
    }
    *count = (size_t)(part[0].found + (threaded ? part[1].found : 0));
    if (threaded)
        free(part[1].list);
    *out = list;
    return MS_OK;
}

/* ---- ms_why ---------------------------------------------------------- */

typedef struct why_impl {
    ms_why pub;
    ms_hop *hops;     /* every path's hops, back to back */
    ms_path *others;
    ms_node *dominators;
} why_impl;

typedef struct candidate {
    uint64_t edge;
    uint32_t from;
    int32_t dist;
    unsigned rank;
} candidate;

static int candidate_cmp(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->edge < y->edge ? -1 : x->edge > y->edge;
}

int ms_why_compute(ms_snapshot *snap, ms_node n, size_t k, ms_why **out, ms_error *err)
{
    const ms__graph *g;
    why_impl *w = NULL;
    uint64_t *ret = NULL;
    size_t nret = 0, ncand = 0, hops_total = 0, main_len;
    candidate *cand = NULL;
    int rc = MS_OK;

    *out = NULL;
    if (!snap || n >= snap->g->node_count)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "node %u is not in the snapshot", n);
    g = snap->g;
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED, err));
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = ms__oom(err, "why");
        goto done;
    }
    w->pub.node = n;

    MS_TRY(ms_node_retainers(snap, n, &ret, &nret, err));
    w->pub.retainer_count = nret;
    for (size_t i = 0; i < nret; i++)
        w->pub.weak_retainer_count += ms__edge_type(g, ret[i]) == MS_ET_WEAK;

    if (n == g->root) {
        w->pub.status = MS_WHY_ROOT;
    } else if (snap->parent_edge[n] == NONE) {
        w->pub.status = nret == 0                              ? MS_WHY_UNREFERENCED
                        : w->pub.weak_retainer_count == nret ? MS_WHY_WEAK_ONLY
                                                               : MS_WHY_GARBAGE;
    } else {
        w->pub.status = MS_WHY_RETAINED;
    }

    /* Other paths: one per other strong retainer, shortest first. */
    MS_TRY(ms__alloc_array(&cand, nret ? nret : 1, sizeof *cand, "why", err));
    if (w->pub.status == MS_WHY_RETAINED) {
        uint32_t main_from = ms__edge_source(g, snap->parent_edge[n]);
        for (size_t i = 0; i < nret; i++) {
            uint32_t from = ms__edge_source(g, ret[i]);
            unsigned t = ms__edge_type(g, ret[i]);
            if (t == MS_ET_WEAK || from == main_from || from == n || snap->distance[from] < 0 ||
                (from != g->root && snap->parent_edge[from] == NONE))
                continue;
            cand[ncand++] = (candidate){ret[i], from, snap->distance[from], ms__edge_rank(t)};
        }
        qsort(cand, ncand, sizeof *cand, candidate_cmp);
        /* one path per retainer: drop later edges from the same node */
        {
            size_t kept = 0;
            for (size_t i = 0; i < ncand && kept < k; i++) {
                bool dup = false;
                for (size_t j = 0; j < kept && !dup; j++)
                    dup = cand[j].from == cand[i].from;
                if (!dup)
                    cand[kept++] = cand[i];
            }
            ncand = kept;
        }
    } else {
        ncand = 0;
    }

    /* Room for every path's hops. */
    main_len = w->pub.status == MS_WHY_RETAINED || w->pub.status == MS_WHY_ROOT
                   ? ms_retention_path(snap, n, NULL, 0)
                   : 0;
    hops_total = main_len;
    for (size_t i = 0; i < ncand; i++)
        hops_total += ms_retention_path(snap, cand[i].from, NULL, 0) + 1;
    MS_TRY(ms__alloc_array(&w->hops, hops_total ? hops_total : 1, sizeof *w->hops, "why", err));
    MS_TRY(ms__alloc_array(&w->others, ncand ? ncand : 1, sizeof *w->others, "why", err));
    ms_retention_path(snap, n, w->hops, main_len);
    w->pub.path = (ms_path){main_len, w->hops};
    {
        size_t at = main_len;
        for (size_t i = 0; i < ncand; i++) {
            size_t len = ms_retention_path(snap, cand[i].from, w->hops + at, hops_total - at);
            w->hops[at + len - 1].edge = cand[i].edge;
            w->hops[at + len] = (ms_hop){n, UINT64_MAX};
            w->others[i] = (ms_path){len + 1, w->hops + at};
            at += len + 1;
        }
    }
    w->pub.others = w->others;
    w->pub.other_count = ncand;

    /* Dominator chain, nearest first, without the root. */
    if (w->pub.status == MS_WHY_RETAINED) {
        size_t len = 0;
        for (uint32_t d = snap->idom[n]; d != g->root; d = snap->idom[d])
            len++;
        MS_TRY(ms__alloc_array(&w->dominators, len ? len : 1, sizeof *w->dominators, "why", err));
        len = 0;
        for (uint32_t d = snap->idom[n]; d != g->root; d = snap->idom[d])
            w->dominators[len++] = d;
        w->pub.dominators = w->dominators;
        w->pub.dominator_count = len;
    }
    *out = &w->pub;
    w = NULL;
done:
    free(ret);
    free(cand);
    if (w)
        ms_why_free(&w->pub);
    return rc;
}

void ms_why_free(ms_why *why)
{
    why_impl *w = (why_impl *)why;
    if (!w)
        return;
    free(w->hops);
    free(w->others);
    free(w->dominators);
    free(w);
}

/* ---- ms_why_class: instances grouped by path signature ----------------- */

struct ms_why_class {
    uint64_t instances;
    uint64_t retained_total; /* members not dominated by another member */
    size_t count;
    ms_path_group *groups;
    ms_hop *hops;
};

static uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

/* Whether an edge name is a number ("1419": V8 names the slots of a Map's
 * table and of an elements store this way). */
static bool numeric_name(const ms__graph *g, uint32_t sid)
{
    size_t len;
    const char *s = ms__strtab_get(&g->strings, sid, &len);
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Objects with more out-edges than this are collections (a dictionary-mode
 * JS object, a Python dict used as a cache): their property names are keys,
 * data rather than structure.  Ordinary objects stay well below it (Node's
 * global object has about 250 properties, a browser's Window about 1000). */
#define KEYED_OUT_DEGREE 2048u

/* Whether a hop's edge name is an index or a key, so that it is left out of
 * the signature: indexed edge types (element, hidden), numeric names, and
 * any edge out of a collection (KEYED_OUT_DEGREE). */
static bool anonymous_hop(const ms__graph *g, uint32_t from, uint64_t e)
{
    return ms__edge_type_is_indexed(ms__edge_type(g, e)) || numeric_name(g, g->edge_name[e]) ||
           g->first_edge[from + 1] - g->first_edge[from] > KEYED_OUT_DEGREE;
}

/* A hop's token: the class it leaves, the edge type, and the edge name;
 * indices and keys (anonymous_hop) are all alike, so the instances held by
 * one array, Map or dictionary share a signature. */
static uint64_t hop_token(const ms__graph *g, const ms__classes *cl, uint32_t from, uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    uint64_t name = anonymous_hop(g, from, e) ? UINT64_MAX : g->edge_name[e];
    return mix64(mix64(mix64(0x51ED270B, cl->of[from]), t), name);
}

size_t ms_path_signature(const ms_snapshot *snap, const ms_path *path, char *buf, size_t cap)
{
    const ms__graph *g = snap->g;
    const ms__classes *cl = snap->classes;
    size_t len = 0;
    uint64_t prev = 0;
    if (cap)
        buf[0] = 0;
#define PUT(s, n)                                                                                  \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        if (len < cap) {                                                                           \
            size_t k_ = len + n_ < cap ? n_ : cap - 1 - len;                                       \
            memcpy(buf + len, (s), k_);                                                            \
            buf[len + k_] = 0;                                                                     \
        }                                                                                          \
        len += n_;                                                                                 \
    } while (0)
    for (size_t i = 0; i < path->length; i++) {
        uint32_t n = path->hops[i].node;
        uint64_t e = path->hops[i].edge;
        size_t l;
        const char *name;
        if (cl) {
            name = ms__class_name(cl, cl->of[n]);
            l = strlen(name);
        } else {
            name = ms__node_name(g, n, &l);
        }
        if (e == UINT64_MAX) {
            PUT(name, l);
            break;
        }
        {
            uint64_t tok = cl ? ((uint32_t)hop_token(g, cl, n, e) | 1u) : 0;
            size_t el;
            const char *en;
            if (cl && tok == prev)
                continue; /* a repeat of the hop before (a list) */
            prev = tok;
            PUT(name, l);
            PUT(" --", 3);
            if (anonymous_hop(g, n, e)) {
                PUT("[]", 2);
            } else {
                en = ms__strtab_get(&g->strings, g->edge_name[e], &el);
                PUT(en, el);
            }
            PUT("--> ", 4);
        }
    }
#undef PUT
    return len;
}

static int group_cmp(uint32_t a, uint32_t b, const void *ctx)
{
    const ms_path_group *x = (const ms_path_group *)ctx + a, *y = (const ms_path_group *)ctx + b;
    if (x->retained_size != y->retained_size)
        return x->retained_size > y->retained_size ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->example < y->example ? -1 : x->example > y->example;
}

/* The token of the hop into x along the path tree (0 for the root). */
static uint32_t hop_into(const ms__edge_sources *src, const ms__classes *cl,
                         const uint32_t *parent_edge, uint32_t x)
{
    const ms__graph *g = src->g;
    uint32_t e = parent_edge[x];
    return x == g->root ? 0 : (uint32_t)hop_token(g, cl, ms__edge_sources_get(src, e), e) | 1u;
}

/* Adds key s to the open-addressing table of group indices (slots, nslots a
 * power of two) and returns its slot; the table doubles past half full. */
static int group_slot(uint32_t **slots, uint64_t *nslots, const uint64_t *group_sig,
                      size_t groups, uint64_t s, uint64_t *slot, ms_error *err)
{
    uint64_t h;
    if ((groups + 1) * 2 > *nslots) {
        uint64_t n = *nslots ? *nslots * 2 : 64;
        uint32_t *t = NULL;
        if (ms__alloc_array(&t, n, 4, "why", err) < 0)
            return MS_ENOMEM;
        for (uint64_t i = 0; i < n; i++)
            t[i] = NONE;
        for (size_t gi = 0; gi < groups; gi++) {
            for (h = mix64(group_sig[gi], 7) & (n - 1); t[h] != NONE; h = (h + 1) & (n - 1))
                ;
            t[h] = (uint32_t)gi;
        }
        free(*slots);
        *slots = t;
        *nslots = n;
    }
    for (h = mix64(s, 7) & (*nslots - 1); (*slots)[h] != NONE && group_sig[(*slots)[h]] != s;
         h = (h + 1) & (*nslots - 1))
        ;
    *slot = h;
    return MS_OK;
}

/* Groups the members (a bitset over the nodes; `instances` of them) by
 * path signature into *out.  A group's retained size counts the members not
 * dominated by another member of the same dedup key (per_class: the node's
 * class; otherwise all members share one key), so no byte counts twice
 * within a key; retained_total counts members no other member dominates.
 * Computes what it needs in stages (retained sizes, the dominator tree,
 * classes, then paths); lean runs the distances next to the dominators'
 * DFS and the classes next to the retained sizes (two threads), and frees
 * the immediate dominators and the tree once used. */
int ms__group_members(ms_snapshot *snap, const uint64_t *member, uint64_t instances,
                      bool per_class, bool lean, uint32_t *group_of, ms_why_class **out,
                      ms_error *err)
{
    const uint64_t *shallow = NULL;
    uint32_t *order = NULL, *inv = NULL;
    ms_path_group *sorted = NULL;
    const ms__graph *g = snap->g;
    const ms__classes *cl;
    ms_why_class *w = NULL;
    uint64_t *sig = NULL, *top = NULL, *top_any = NULL;
    uint32_t *stack = NULL, *active = NULL;
    uint32_t *slots = NULL;      /* open addressing: group index, NONE = empty */
    uint64_t *group_sig = NULL;  /* each group's key */
    uint64_t nslots = 0, hops_total = 0, cap_groups = 0;
    ms__edge_sources src = {g, NULL}; /* for the walks up the path tree */
    int rc = MS_OK;
    const uint32_t N = g->node_count;

    *out = NULL;
    /* The dominators first: their scratch is the peak.  Lean: the distances
     * run next to their DFS and the classes next to the retained sizes
     * (MS__ANALYSIS_LEAN), and the immediate dominators go once the tree is
     * built. */
    MS_TRY(ms_snapshot_compute(snap,
                               MS_ANALYSIS_RETAINED |
                                   (lean ? MS_ANALYSIS_DISTANCES | MS_ANALYSIS_CLASSES |
                                               MS__ANALYSIS_LEAN
                                         : 0u),
                               err));
    if (lean)
        ms__pool_drain(&snap->pool); /* the dominators' and shallow sizes' scratch */
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_DOMINATOR_TREE, err));
    if (lean)
        ms__snapshot_forget(snap, MS__FORGET_IDOM);
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_CLASSES, err));
    cl = snap->classes;
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = ms__oom(err, "why");
        goto done;
    }
    w->instances = instances;
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));

    /* Members not dominated by another member of their key (top) or by
     * any member (top_any): one walk down the dominator tree counting
     * members per key on the current path. */
    MS_TRY(ms__alloc_array_zero(&top, ((uint64_t)N + 63) / 64, 8, "why", err));
    MS_TRY(ms__alloc_array_zero(&top_any, ((uint64_t)N + 63) / 64, 8, "why", err));
    MS_TRY(ms__alloc_array_zero(&active, per_class && cl->count ? cl->count : 1, 4, "why", err));
    {
        uint64_t sp = 0, cap = 1024;
        uint32_t any = 0;
        MS_TRY(ms__alloc_array(&stack, cap, 4, "why", err));
        stack[sp++] = g->root;
        while (sp) {
            uint32_t entry = stack[--sp], v = entry & ~0x80000000u, kids, key;
            bool is_member = member[v >> 6] >> (v & 63) & 1;
            if (entry & 0x80000000u) {
                active[per_class ? cl->of[v] : 0]--;
                any--;
                continue;
            }
            kids = snap->dom_first[v + 1] - snap->dom_first[v];
            if (sp + kids + 1 > cap) {
                while (sp + kids + 1 > cap)
                    cap *= 2;
                MS_TRY(ms__realloc_array(&stack, cap, 4, "why", err));
            }
            if (is_member) {
                key = per_class ? cl->of[v] : 0; /* members only: a random access */
                if (active[key] == 0)
                    top[v >> 6] |= 1ull << (v & 63);
                if (any == 0) {
                    top_any[v >> 6] |= 1ull << (v & 63);
                    w->retained_total += snap->retained[v];
                }
                active[key]++;
                any++;
                stack[sp++] = v | 0x80000000u;
            }
            memcpy(stack + sp, snap->dom_child + snap->dom_first[v], (size_t)kids * 4);
            sp += kids;
        }
        free(stack);
        stack = NULL;
    }
    if (lean)
        ms__snapshot_forget(snap, MS__FORGET_DOMINATORS);
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_PATHS, err));
    if (lean)
        ms__pool_drain(&snap->pool); /* the BFS queues are done with */
    /* Path signatures, memoised along the path tree: sig(n) extends its
     * parent's by the hop into n, unless that hop repeats the parent's
     * last one (a linked list is one signature at any depth). */
    MS_TRY(ms__alloc_array(&sig, N, 8, "path signatures", err));
    {
        uint64_t *done_bits = NULL, cap = 1024;
        rc = ms__alloc_array_zero(&done_bits, ((uint64_t)N + 63) / 64, 8, "path signatures", err);
        if (rc == MS_OK)
            rc = ms__alloc_array(&stack, cap, 4, "path signatures", err);
        if (rc == MS_OK)
            rc = ms__edge_sources_init(g, &src, err);
        if (rc < 0) {
            free(done_bits);
            goto done;
        }
        sig[g->root] = 0x2545F4914F6CDD1Dull;
        done_bits[g->root >> 6] |= 1ull << (g->root & 63);
        for (uint32_t n = 0; n < N; n++) {
            uint64_t sp = 0;
            uint32_t v = n;
            if (!(member[n >> 6] >> (n & 63) & 1) || snap->parent_edge[n] == NONE)
                continue;
            while (!(done_bits[v >> 6] >> (v & 63) & 1)) {
                if (sp == cap) {
                    cap *= 2;
                    if (ms__realloc_array(&stack, cap, 4, "path signatures", err) < 0) {
                        free(done_bits);
                        rc = MS_ENOMEM;
                        goto done;
                    }
                }
                stack[sp++] = v;
                v = ms__edge_sources_get(&src, snap->parent_edge[v]);
            }
            /* Down again: each node's parent is the one handled before it
             * (first, the node the walk stopped at). */
            {
                uint32_t p = v, ptok = hop_into(&src, cl, snap->parent_edge, v);
                while (sp) {
                    uint32_t x = stack[--sp], e = snap->parent_edge[x];
                    uint32_t tok = (uint32_t)hop_token(g, cl, p, e) | 1u;
                    sig[x] = tok == ptok ? sig[p] : mix64(sig[p], tok);
                    done_bits[x >> 6] |= 1ull << (x & 63);
                    p = x;
                    ptok = tok;
                }
            }
        }
        free(done_bits);
    }
    /* Group by signature (plus the instance's own class).  The table holds
     * group indices (there are few groups), the keys live with the groups. */
    for (uint32_t n = 0; n < N; n++) {
        uint64_t s, h;
        ms_path_group *grp;
        if (!(member[n >> 6] >> (n & 63) & 1))
            continue;
        s = snap->parent_edge[n] == NONE ? mix64(0x0DDBA11u, cl->of[n]) : mix64(sig[n], cl->of[n]);
        MS_TRY(group_slot(&slots, &nslots, group_sig, w->count, s, &h, err));
        if (slots[h] == NONE) {
            if (w->count == cap_groups) {
                cap_groups = cap_groups ? cap_groups * 2 : 16;
                MS_TRY(ms__realloc_array(&w->groups, cap_groups, sizeof *w->groups, "why", err));
                MS_TRY(ms__realloc_array(&group_sig, cap_groups, sizeof *group_sig, "why", err));
            }
            slots[h] = (uint32_t)w->count;
            group_sig[w->count] = s;
            w->groups[w->count++] = (ms_path_group){0, 0, 0, n, {0, NULL}};
        }
        grp = &w->groups[slots[h]];
        if (group_of)
            group_of[n] = slots[h];
        grp->count++;
        grp->shallow_size += ms__shallow_of(g, shallow, n);
        if (top[n >> 6] >> (n & 63) & 1)
            grp->retained_size += snap->retained[n];
        if (snap->retained[n] > snap->retained[grp->example])
            grp->example = n;
    }
    /* Largest first; group_of follows the new order. */
    MS_TRY(ms__alloc_array(&order, w->count + 1, 4, "why", err));
    MS_TRY(ms__alloc_array(&inv, w->count + 1, 4, "why", err));
    MS_TRY(ms__alloc_array(&sorted, w->count + 1, sizeof *sorted, "why", err));
    for (size_t i = 0; i < w->count; i++)
        order[i] = (uint32_t)i;
    MS_TRY(ms__sort_u32(order, w->count, group_cmp, w->groups, err));
    for (size_t i = 0; i < w->count; i++) {
        sorted[i] = w->groups[order[i]];
        inv[order[i]] = (uint32_t)i;
    }
    free(w->groups);
    w->groups = sorted;
    sorted = NULL;
    for (uint32_t n = 0; group_of && n < N; n++)
        if (member[n >> 6] >> (n & 63) & 1)
            group_of[n] = inv[group_of[n]];

    /* Each group's example path (the grouping's arrays go first). */
    free(sig);
    free(top);
    free(top_any);
    free(slots);
    sig = top = top_any = NULL;
    slots = NULL;
    for (size_t i = 0; i < w->count; i++)
        hops_total += retention_path(snap, &src, w->groups[i].example, NULL, 0);
    MS_TRY(ms__alloc_array(&w->hops, hops_total ? hops_total : 1, sizeof *w->hops, "why", err));
    {
        size_t at = 0;
        for (size_t i = 0; i < w->count; i++) {
            size_t len = retention_path(snap, &src, w->groups[i].example, w->hops + at,
                                        hops_total - at);
            w->groups[i].path = (ms_path){len, len ? w->hops + at : NULL};
            at += len;
        }
    }
    *out = w;
    w = NULL;
done:
    ms__edge_sources_free(&src);
    free(sig);
    free(top);
    free(stack);

    free(slots);
    free(group_sig);
    free(top_any);
    free(active);
    free(order);
    free(inv);
    free(sorted);
    ms_why_class_free(w);
    return rc;
}


int ms_why_class_compute(ms_snapshot *snap, const char *name, ms_why_class **out, ms_error *err)
{
    const ms__graph *g;
    const ms__classes *cl;
    uint64_t *member = NULL, instances = 0;
    bool *has_class = NULL;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES |
                                         MS_ANALYSIS_DOMINATOR_TREE,
                               err));
    g = snap->g;
    cl = snap->classes;

    /* The classes called `name` (by name or by key). */
    MS_TRY(ms__alloc_array_zero(&has_class, cl->count ? cl->count : 1, 1, "why", err));
    {
        bool any = false;
        for (uint32_t c = 0; c < cl->count; c++) {
            has_class[c] = strcmp(ms__class_name(cl, c), name) == 0 ||
                           strcmp(ms__class_key(cl, c), name) == 0;
            any |= has_class[c];
        }
        if (!any) {
            rc = ms__fail(err, MS_ENOTFOUND, UINT64_MAX, "%s: no class named \"%s\"", snap->name,
                          name);
            goto done;
        }
    }
    MS_TRY(ms__alloc_array_zero(&member, ((uint64_t)g->node_count + 63) / 64, 8, "why", err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        if (has_class[cl->of[n]] && g->node_type[n] != MS_NT_SYNTHETIC) {
            member[n >> 6] |= 1ull << (n & 63);
            instances++;
        }
    }
    if (instances == 0) {
        rc = ms__fail(err, MS_ENOTFOUND, UINT64_MAX, "%s: no object of class \"%s\"", snap->name,
                      name);
        goto done;
    }
    /* Same-named classes (several locations) count as one for retained
     * sizes: an instance inside another is not counted twice. */
    rc = ms__group_members(snap, member, instances, false, false, NULL, out, err);
done:
    free(member);
    free(has_class);
    return rc;
}

int ms_why_nodes_compute(ms_snapshot *snap, const ms_node *nodes, size_t count, ms_why_class **out,
                         ms_error *err)
{
    uint64_t *member = NULL, instances = 0;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES |
                                         MS_ANALYSIS_DOMINATOR_TREE,
                               err));
    MS_TRY(ms__alloc_array_zero(&member, ((uint64_t)snap->g->node_count + 63) / 64, 8, "why", err));
    for (size_t i = 0; i < count; i++) {
        ms_node n = nodes[i];
        if (n >= snap->g->node_count) {
            rc = ms__fail(err, MS_EINVAL, UINT64_MAX, "node index %u out of range", n);
            goto done;
        }
        if (!(member[n >> 6] >> (n & 63) & 1)) {
            member[n >> 6] |= 1ull << (n & 63);
            instances++;
        }
    }
    rc = ms__group_members(snap, member, instances, true, false, NULL, out, err);
done:
    free(member);
    return rc;
}

uint64_t ms_why_class_instances(const ms_why_class *w) { return w->instances; }
uint64_t ms_why_class_retained(const ms_why_class *w) { return w->retained_total; }
size_t ms_why_class_group_count(const ms_why_class *w) { return w->count; }
const ms_path_group *ms_why_class_group(const ms_why_class *w, size_t i) { return &w->groups[i]; }

void ms_why_class_free(ms_why_class *w)
{
    if (!w)
        return;
    free(w->groups);
    free(w->hops);
    free(w);
}
