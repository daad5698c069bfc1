/*
 * memsnap.h: the public interface of the memsnap library, one header per
 * area (docs/library.md):
 *
 *   memsnap/common.h    version, statuses and errors, formats, progress
 *   memsnap/snapshot.h  opening a snapshot; its nodes and edges
 *   memsnap/analyses.h  sizes, distances, dominators, classes, summary, cycles
 *   memsnap/paths.h     retention paths, retainers, why, objects grouped by path
 *   memsnap/compare.h   comparisons, leaks, CI budgets, and the whole jobs
 *   memsnap/trace.h     .mlyze traces over time, growth per allocation site
 *   memsnap/capture.h   capturing a Boehm GC program (libmemsnap_capture)
 *
 * memsnap/advanced.h, included on request, holds the steps the whole jobs
 * are made of.  Link with `pkg-config --cflags --libs memsnap`.
 */
#ifndef MEMSNAP_H
#define MEMSNAP_H

#include "memsnap/common.h"
#include "memsnap/snapshot.h"
#include "memsnap/analyses.h"
#include "memsnap/paths.h"
#include "memsnap/compare.h"
#include "memsnap/trace.h"
#include "memsnap/capture.h"

#endif /* MEMSNAP_H */
