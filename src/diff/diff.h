/*
 * diff.h: what compare.c and leaks.c share: matching objects of two
 * snapshots by id, and grouping new objects by retention path with the
 * user's ignore lists.
 */
#ifndef MS_DIFF_H
#define MS_DIFF_H

#include "../snapshot/snapshot.h"

/* How two snapshots' ids overlap: *shared gets the ids both hold, and
 * *mismatched those of them naming nodes of a different type or name.  One
 * process keeps an object's id for its whole life, so there mismatches are
 * rare (a few in 10 000: V8 reuses an address's id when a new object lands
 * where a dead one was); in two processes the same ids name unrelated
 * objects.  Walks both id orders once.  Errors: MS_ENOMEM. */
int ms__id_overlap(ms_snapshot *a, ms_snapshot *b, uint64_t *shared, uint64_t *mismatched,
                   ms_error *err);

/* Whether the overlap says "two different processes": no shared id, or
 * more than 1 % of the shared ids naming different objects (measured: 0 to
 * 0.02 % within one Node.js process, 7 % to 85 % across two). */
static inline bool ms__other_process(uint64_t shared, uint64_t mismatched)
{
    return shared == 0 || mismatched * 100 > shared;
}

/* Groups the members (bitset over snap's nodes; *instances of them) by
 * retention path, after removing those whose class (name or key) is in the
 * options' ignore_classes and then those whose group's path signature
 * matches an ignore_paths pattern; *instances and member are updated.
 * Computes paths, retained sizes, classes and the dominator tree.
 * Errors: MS_ENOMEM. */
int ms__group_new(ms_snapshot *snap, uint64_t *member, uint64_t *instances,
                  const ms_compare_options *o, ms_why_class **out, ms_error *err);

/* Whether class c of snap's classes is in the ignore list. */
bool ms__class_ignored(const ms_snapshot *snap, uint32_t c, const ms_compare_options *o);

#endif /* MS_DIFF_H */
