/*
 * heap.h: a graph with what has been computed on it, as the layers above
 * read it: a view, filled by the snapshot handle (src/api) from its cache
 * of analyses, borrowed by the analyses that need earlier ones (summary,
 * paths, why, grouping, comparison).  Every array is indexed by node (N)
 * unless said otherwise, and NULL until computed.  A view is valid until
 * the handle computes or frees analyses again: take a new one after.
 */
#ifndef MS_HEAP_H
#define MS_HEAP_H

#include "../snapshot/classtab.h"
#include "../snapshot/rules.h"

typedef struct ms__heap {
    const ms__graph *g;
    const ms__rules *rules;
    const char *name;            /* for messages */
    ms_format format;
    const uint64_t *shallow;     /* bytes; NULL: the recorded self sizes */
    const ms__classes *classes;  /* classes (snapshot/classtab.h) */
    const ms__classes *sites;    /* allocation sites as classes */
    const uint32_t *by_id;       /* node indices sorted by object id */
    const int32_t *distance;     /* BFS distances (graph/distances.h) */
    const uint32_t *idom;        /* immediate dominators */
    const uint64_t *retained;    /* bytes */
    const uint32_t *dom_first;   /* [N+1] dominator tree: children of n are */
    const uint32_t *dom_child;   /* dom_child[dom_first[n] .. dom_first[n+1]) */
    const uint32_t *parent_edge; /* last edge of each node's retention path, UINT32_MAX */
    const uint32_t *rev_first;   /* [N+2] retainer index: edges into n are */
    const uint32_t *rev_edge;    /* rev_edge[rev_first[n] .. rev_first[n+1]) */
} ms__heap;

/* Node n's shallow size in the view's sizes. */
static inline uint64_t ms__shallow_of(const ms__heap *h, uint32_t n)
{
    return h->shallow ? h->shallow[n] : ms__node_self(h->g, n);
}

#endif /* MS_HEAP_H */
