/*
 * scc.h: strongly connected components (Tarjan 1972), see scc.c.
 */
#ifndef MS_SCC_H
#define MS_SCC_H

#include "../snapshot/graph.h"

struct ms__pool;

/* Whether edge e (out of node `from`) takes part.  ms__scc asks at most
 * once per edge, skipping only edges into components already finished
 * (they cannot join one), so it may also take notes in payload about the
 * edges that can (self references are always asked about). */
typedef bool (*ms__edge_pred)(const ms__graph *g, void *payload, uint32_t from, uint64_t e);

/* comp[N] gets each node's component id (0 .. *count - 1), over the edges
 * `keep` accepts; components are numbered in completion order (reverse
 * topological: a component comes before every component that reaches it).
 * Scratch from pool (may be NULL).  Errors: MS_ENOMEM. */
int ms__scc(const ms__graph *g, ms__edge_pred keep, void *payload, struct ms__pool *pool,
            uint32_t *comp, uint32_t *count, ms_error *err);

#endif /* MS_SCC_H */
