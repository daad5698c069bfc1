/*
 * why.c: "why is this object alive?" - the retention path, the dominator
 * chain, and other paths through other retainers.
 */
#include "paths.h"

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

int ms__why(const ms__heap *h, uint32_t n, size_t k, ms_why **out, ms_error *err)
{
    const ms__graph *g = h->g;
    why_impl *w = NULL;
    uint64_t *ret = NULL;
    size_t nret = 0, ncand = 0, hops_total = 0, main_len;
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
        w->pub.weak_retainer_count += ms__edge_type(g, ret[i]) == MS_ET_WEAK;

    if (n == g->root) {
        w->pub.status = MS_WHY_ROOT;
    } else if (h->parent_edge[n] == NONE) {
        w->pub.status = nret == 0                              ? MS_WHY_UNREFERENCED
                        : w->pub.weak_retainer_count == nret ? MS_WHY_WEAK_ONLY
                                                               : MS_WHY_GARBAGE;
    } else {
        w->pub.status = MS_WHY_RETAINED;
    }

    /* Other paths: one per other strong retainer, shortest first. */
    MS_TRY(ms__alloc_array(&cand, nret ? nret : 1, sizeof *cand, "why", err));
    if (w->pub.status == MS_WHY_RETAINED) {
        uint32_t main_from = ms__edge_source(g, h->parent_edge[n]);
        for (size_t i = 0; i < nret; i++) {
            uint32_t from = ms__edge_source(g, ret[i]);
            unsigned t = ms__edge_type(g, ret[i]);
            if (t == MS_ET_WEAK || from == main_from || from == n || h->distance[from] < 0 ||
                (from != g->root && h->parent_edge[from] == NONE))
                continue;
            cand[ncand++] = (candidate){ret[i], from, h->distance[from], ms__edge_rank(t)};
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
                   ? ms__retention_path(h, NULL, n, NULL, 0)
                   : 0;
    hops_total = main_len;
    for (size_t i = 0; i < ncand; i++)
        hops_total += ms__retention_path(h, NULL, cand[i].from, NULL, 0) + 1;
    MS_TRY(ms__alloc_array(&w->hops, hops_total ? hops_total : 1, sizeof *w->hops, "why", err));
    MS_TRY(ms__alloc_array(&w->others, ncand ? ncand : 1, sizeof *w->others, "why", err));
    ms__retention_path(h, NULL, n, w->hops, main_len);
    w->pub.path = (ms_path){main_len, w->hops};
    {
        size_t at = main_len;
        for (size_t i = 0; i < ncand; i++) {
            size_t len = ms__retention_path(h, NULL, cand[i].from, w->hops + at, hops_total - at);
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
        for (uint32_t d = h->idom[n]; d != g->root; d = h->idom[d])
            len++;
        MS_TRY(ms__alloc_array(&w->dominators, len ? len : 1, sizeof *w->dominators, "why", err));
        len = 0;
        for (uint32_t d = h->idom[n]; d != g->root; d = h->idom[d])
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

