/*
 * classes.h: the class of every node, as the Summary groups objects: by
 * the format's rules (snapshot/rules.h: V8's are DevTools'), by node name
 * for formats without a rule, or by allocation site.  The table itself is
 * snapshot/classtab.h.
 */
#ifndef MS_GRAPH_CLASSES_H
#define MS_GRAPH_CLASSES_H

#include "../snapshot/classtab.h"
#include "../snapshot/rules.h"

struct ms__pool;

/* Computes the class of every node: the rules' classes hook, or the node
 * name (key ",Name") without one.  defs: another snapshot's naming data
 * (its ms__classes.defs), as DevTools' Comparison names the base
 * snapshot's plain objects with the current one's definitions; NULL: the
 * graph's own.  *out owned by the caller (ms__classes_free).  Scratch from
 * pool (may be NULL).  Errors: MS_ENOMEM, MS_ELIMIT. */
int ms__classes_compute(const ms__graph *g, const ms__rules *r, const void *defs,
                        struct ms__pool *pool, ms__classes **out, ms_error *err);

/* Groups nodes by allocation site instead (name and key: the site;
 * "(unknown site)" for nodes without one).  Errors: MS_ENOMEM. */
int ms__classes_by_site(const ms__graph *g, struct ms__pool *pool, ms__classes **out,
                        ms_error *err);

#endif /* MS_GRAPH_CLASSES_H */
