/*
 * distances.h: BFS distances from the GC roots (distances.c).
 */
#ifndef MS_DISTANCES_H
#define MS_DISTANCES_H

#include "../snapshot/rules.h"

struct ms__pool;

/* out[N] gets every node's distance under the rules r (distances.c):
 * hops from the user roots (which are at 1) or MS_DISTANCE_SYSTEM_BASE +
 * hops for what only system roots reach, or hops from the root (at 0) when
 * the rules name no user roots; MS_DISTANCE_UNREACHABLE for nodes no
 * followed edge reaches.  Reads r's pair table (its edge data).  Scratch
 * from pool (may be NULL): 4 bytes per node, and a bit per node and per
 * pair.  Errors: MS_ENOMEM. */
int ms__distances(const ms__graph *g, const ms__rules *r, struct ms__pool *pool, int32_t *out,
                  ms_error *err);

#endif /* MS_DISTANCES_H */
