/*
 * v8rules.h: Chrome DevTools' interpretation of V8 heap graphs.
 *
 * DevTools does more than read a .heapsnapshot: it renames detached DOM
 * nodes, moves sizes between nodes and names classes by its own rules.
 * memsnap reproduces each rule so its numbers equal DevTools'; every rule
 * cites the DevTools function it follows (front_end/entrypoints/
 * heap_snapshot_worker/HeapSnapshot.ts).  Other importers do not use these.
 */
#ifndef MS_V8RULES_H
#define MS_V8RULES_H

#include "../snapshot/graph.h"

/* DevTools' user roots among the root's children: non-synthetic nodes and
 * the synthetic "(Document DOM trees)" (JSHeapSnapshot.isUserRoot). */
bool ms__v8_is_user_root(const ms__graph *g, uint32_t n);

/* Shallow sizes as DevTools shows them (calculateShallowSizes): out[N] gets
 * bytes per node.  Errors: MS_ENOMEM.  See shallow.c. */
int ms__v8_shallow_sizes(const ms__graph *g, uint64_t *out, ms_error *err);

/* DevTools' DOM state propagation (propagateDOMState): attached state flows
 * from native nodes with a known state to the native nodes they reach, then
 * detached state to those not attached; detached nodes are renamed
 * "Detached <name>".  Updates g->detachedness and g->node_name in place (and
 * adds strings).  No-op when the input had no detachedness.
 * Errors: MS_ENOMEM.  See domstate.c. */
int ms__v8_propagate_dom_state(ms__graph *g, ms_error *err);

#endif /* MS_V8RULES_H */
