/*
 * summary.h: objects grouped by class, DevTools' Summary view (summary.c).
 */
#ifndef MS_SUMMARY_H
#define MS_SUMMARY_H

#include "dominators.h"

#include "../graph/heap.h"

/* The rows of cl's classes (the heap's classes, or its sites): count,
 * shallow size and smallest distance of each class's objects with a
 * non-zero shallow size, and what they retain together (DevTools'
 * calculateClassesRetainedSize), sorted by `sort`.  Reads h's shallow
 * sizes, distances, retained sizes and dominator tree.  *out owned by the
 * caller (ms_summary_free); rows borrow from cl.  Errors: MS_ENOMEM. */
int ms__summary(const ms__heap *h, const ms__classes *cl, ms_summary_sort sort, ms_summary **out,
                ms_error *err);

#endif /* MS_SUMMARY_H */
