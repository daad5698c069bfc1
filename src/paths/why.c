/*
 * why.c: "why is this object alive?" - the retention path, the dominator
 * chain, and other paths through other retainers.
 */
#include "paths.h"

#include "../util/sort.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

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
} candidate;

typedef struct candidate_order {
    const ms__heap *h;
    ms__sbuf *bufs;
} candidate_order;

/* DevTools' Retainers view order: nearer first, then ms__retainer_cmp. */
static int candidate_cmp(const void *a, const void *b, const void *ctx)
{
    const candidate *x = a, *y = b;
    const candidate_order *o = ctx;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return ms__retainer_cmp(o->h->g, o->h->rules, x->from, x->edge, y->from, y->edge, o->bufs);
}

/* Whether n is alive, from its retainers: the root, retained by a strong
 * path, or not (only weak retainers, only garbage, none). */
static ms_why_status status_of(const ms__heap *h, uint32_t n, size_t nret, size_t nweak)
{
    if (n == h->g->root)
        return MS_WHY_ROOT;
    ms__touch_at(h->g, h->parent_edge, n);
    if (h->parent_edge[n] != NONE)
        return MS_WHY_RETAINED;
    return nret == 0 ? MS_WHY_UNREFERENCED : nweak == nret ? MS_WHY_WEAK_ONLY : MS_WHY_GARBAGE;
}

/* The other strong retainers of n (not the one on its path), in DevTools'
 * order (shortest path first), one per retaining node, at most k: into
 * cand, *ncand of them.  Errors: MS_ENOMEM. */
static int other_retainers(const ms__heap *h, uint32_t n, const uint64_t *ret, size_t nret,
                           size_t k, candidate *cand, size_t *ncand, ms_error *err)
{
    const ms__graph *g = h->g;
    uint32_t main_from = ms__edge_source(g, h->parent_edge[n]);
    size_t found = 0, kept = 0;
    ms__sbuf bufs[2] = {{0}, {0}};
    candidate_order order = {h, bufs};
    int rc;
    for (size_t i = 0; i < nret; i++) {
        uint32_t from = ms__edge_source(g, ret[i]);
        unsigned t = ms__edge_type(g, ret[i]);
        if (t == MS_ET_WEAK || from == main_from || from == n || h->distance[from] < 0 ||
            (from != g->root && h->parent_edge[from] == NONE))
            continue;
        cand[found++] = (candidate){ret[i], from, h->distance[from]};
    }
    rc = ms__sort(cand, found, sizeof *cand, candidate_cmp, &order, err);
    ms__sbuf_free(&bufs[0]);
    ms__sbuf_free(&bufs[1]);
    if (rc < 0)
        return rc;
    /* one path per retainer: drop later edges from the same node */
    for (size_t i = 0; i < found && kept < k; i++) {
        bool dup = false;
        for (size_t j = 0; j < kept && !dup; j++)
            dup = cand[j].from == cand[i].from;
        if (!dup)
            cand[kept++] = cand[i];
    }
    *ncand = kept;
    return MS_OK;
}

/* The paths: n's own, then one through each other retainer (its path, the
 * retainer's edge, n), hops back to back in w->hops. */
static int fill_paths(const ms__heap *h, uint32_t n, const candidate *cand, size_t ncand,
                      why_impl *w, ms_error *err)
{
    bool alive = w->pub.status == MS_WHY_RETAINED || w->pub.status == MS_WHY_ROOT;
    size_t main_len = alive ? ms__retention_path(h, NULL, n, NULL, 0) : 0;
    size_t hops_total = main_len, at = main_len;
    int rc = MS_OK;
    for (size_t i = 0; i < ncand; i++)
        hops_total += ms__retention_path(h, NULL, cand[i].from, NULL, 0) + 1;
    MS_TRY(ms__alloc_array(&w->hops, hops_total ? hops_total : 1, sizeof *w->hops, "why", err));
    MS_TRY(ms__alloc_array(&w->others, ncand ? ncand : 1, sizeof *w->others, "why", err));
    ms__retention_path(h, NULL, n, w->hops, main_len);
    w->pub.path = (ms_path){main_len, w->hops};
    for (size_t i = 0; i < ncand; i++) {
        size_t len = ms__retention_path(h, NULL, cand[i].from, w->hops + at, hops_total - at);
        w->hops[at + len - 1].edge = cand[i].edge;
        w->hops[at + len] = (ms_hop){n, UINT64_MAX};
        w->others[i] = (ms_path){len + 1, w->hops + at};
        at += len + 1;
    }
    w->pub.others = w->others;
    w->pub.other_count = ncand;
done:
    return rc;
}

/* The dominator chain of n, nearest first, without the root.  (A chain
 * longer than the graph has nodes is a cycle, which only a damaged native
 * file read on demand can hold: it is cut there.) */
static int fill_dominators(const ms__heap *h, uint32_t n, why_impl *w, ms_error *err)
{
    const ms__graph *g = h->g;
    const uint32_t root = g->root;
    size_t len = 0;
    ms__touch_at(g, h->idom, n);
    for (uint32_t d = h->idom[n]; d != root && len < g->node_count; d = h->idom[d]) {
        len++;
        ms__touch_at(g, h->idom, d);
    }
    if (ms__alloc_array(&w->dominators, len ? len : 1, sizeof *w->dominators, "why", err) < 0)
        return MS_ENOMEM;
    len = 0;
    for (uint32_t d = h->idom[n]; d != root && len < g->node_count; d = h->idom[d])
        w->dominators[len++] = d;
    w->pub.dominators = w->dominators;
    w->pub.dominator_count = len;
    return MS_OK;
}

int ms__why(const ms__heap *h, uint32_t n, size_t k, ms_why **out, ms_error *err)
{
    why_impl *w = NULL;
    uint64_t *ret = NULL;
    size_t nret = 0, ncand = 0;
    candidate *cand = NULL;
    int rc = MS_OK;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = ms__oom(err, "why");
        goto done;
    }
    w->pub.node = n;
    MS_TRY(ms__retainers(h, n, &ret, &nret, err));
    w->pub.retainer_count = nret;
    for (size_t i = 0; i < nret; i++)
        w->pub.weak_retainer_count += ms__edge_type(h->g, ret[i]) == MS_ET_WEAK;
    w->pub.status = status_of(h, n, nret, w->pub.weak_retainer_count);
    MS_TRY(ms__alloc_array(&cand, nret ? nret : 1, sizeof *cand, "why", err));
    if (w->pub.status == MS_WHY_RETAINED)
        MS_TRY(other_retainers(h, n, ret, nret, k, cand, &ncand, err));
    MS_TRY(fill_paths(h, n, cand, ncand, w, err));
    if (w->pub.status == MS_WHY_RETAINED)
        MS_TRY(fill_dominators(h, n, w, err));
    *out = &w->pub;
    w = NULL;
done:
    free(ret);
    free(cand);
    if (w)
        ms_why_free(&w->pub);
    return rc;
}

int ms__why_known(const ms__heap *h, uint32_t n, size_t nret, size_t nweak,
                  const uint64_t *other, size_t nother, ms_why **out, ms_error *err)
{
    why_impl *w = NULL;
    candidate *cand = NULL;
    int rc = MS_OK;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = ms__oom(err, "why");
        goto done;
    }
    w->pub.node = n;
    w->pub.retainer_count = nret;
    w->pub.weak_retainer_count = nweak;
    w->pub.status = status_of(h, n, nret, nweak);
    MS_TRY(ms__alloc_array(&cand, nother ? nother : 1, sizeof *cand, "why", err));
    for (size_t i = 0; w->pub.status == MS_WHY_RETAINED && i < nother; i++) {
        uint32_t from = ms__edge_source(h->g, other[i]);
        ms__touch_at(h->g, h->distance, from);
        cand[i] = (candidate){other[i], from, h->distance[from]};
    }
    MS_TRY(fill_paths(h, n, cand, w->pub.status == MS_WHY_RETAINED ? nother : 0, w, err));
    if (w->pub.status == MS_WHY_RETAINED)
        MS_TRY(fill_dominators(h, n, w, err));
    *out = &w->pub;
    w = NULL;
done:
    free(cand);
    if (w)
        ms_why_free(&w->pub);
    return rc;
}

int ms__why_candidates(const ms__heap *h, uint32_t n, const uint64_t *ret, size_t nret, size_t k,
                       uint64_t *out, size_t *count, ms_error *err)
{
    candidate *cand = NULL;
    size_t ncand = 0;
    int rc = MS_OK;
    *count = 0;
    MS_TRY(ms__alloc_array(&cand, nret ? nret : 1, sizeof *cand, "why", err));
    MS_TRY(other_retainers(h, n, ret, nret, k, cand, &ncand, err));
    for (size_t i = 0; i < ncand; i++)
        out[i] = cand[i].edge;
    *count = ncand;
done:
    free(cand);
    return rc;
}

int ms__why_order(const ms__heap *h, uint32_t a_from, uint64_t a_edge, uint32_t b_from,
                  uint64_t b_edge, ms__sbuf bufs[2])
{
    candidate x = {a_edge, a_from, h->distance[a_from]}, y = {b_edge, b_from, h->distance[b_from]};
    candidate_order order = {h, bufs};
    return candidate_cmp(&x, &y, &order);
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

