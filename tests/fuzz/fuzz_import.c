/*
 * fuzz_import.c: the libFuzzer target for one importer, and for the analyses
 * on whatever graph it accepts.
 *
 * One source for every format: it is compiled once per importer with
 * -DFUZZ_FORMAT=MS_FORMAT_xxx (tests/fuzz/CMakeLists.txt,
 * memsnap_fuzz_target()).  Each input is imported with that format forced
 * (inputs of odd length go through MS_FORMAT_AUTO instead, so format
 * detection is fuzzed too), from memory, or, for lengths 2 mod 4, from a
 * file (a memfd), so the file reader's window, refills and seeks are fuzzed
 * too (the fuzz build makes that window 256 bytes).  Then:
 *
 *  - a rejected input must explain itself: a negative status equal to
 *    err.code and a one-line message "fuzz-input: offset N: what" whose N
 *    is err.offset (docs/robustness.md, the message format);
 *  - an accepted input must give a graph that passes ms__graph_check, and,
 *    when it has at most FUZZ_MAX_NODES nodes (so one run stays in the
 *    milliseconds), every analysis runs on it and its results are checked
 *    against invariants that hold for any graph: the dominator tree spans
 *    every node and agrees with the paper's bucket version, retained sizes
 *    add up, retention paths are real paths, summaries add up to the total.
 *
 * Native files (-DFUZZ_MSNAP, the msnap target): seven inputs in eight get
 * the hash in their footer made right before they are opened, so that
 * mutations reach the checks behind it (the eighth fuzzes the hash check);
 * an accepted file's stored analyses are queried as they are (top, why,
 * paths, summary: whatever the file says, nothing may crash or loop; from a
 * file they are read on demand, and completing the file may then refuse
 * it, which must explain itself as a refused open does), then
 * dropped and computed afresh for the invariants above, which a file could
 * otherwise break on purpose with analyses that are consistent but not the
 * graph's.
 *
 * A broken invariant prints what broke and aborts, which libFuzzer reports
 * as a crash and the replay driver (replay.c, built with any compiler) as a
 * failed test.  Nothing here recurses over the graph.
 */
#define _GNU_SOURCE /* memfd_create */
#include "memsnap.h"

#include "api/snapshot.h"
#include "dominators/dominators.h"
#ifdef FUZZ_MSNAP
#include "api/native.h"
#include "import/msnap.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef FUZZ_FORMAT
#error "compile with -DFUZZ_FORMAT=MS_FORMAT_xxx (see tests/fuzz/CMakeLists.txt)"
#endif

#define FUZZ_NAME "fuzz-input"
/* Analyses run on graphs up to this size.  The node cap keeps the O(N x
 * depth) dominator chain walk cheap; edges are only walked linearly, so
 * regression inputs with many edges (compressed, a few hundred bytes) get
 * the analyses too. */
#define FUZZ_MAX_NODES 4096u
#define FUZZ_MAX_EDGES (1u << 20)
#define FUZZ_PATH_NODES 256u /* nodes whose retention path is walked */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void broken(const char *fmt, ...)
{
    va_list ap;
    fputs("fuzz_import: invariant broken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            broken(__VA_ARGS__);                                                                   \
    } while (0)

/* The message of a failed import: "NAME: offset N: text", one line,
 * N == err->offset.  Out of memory is not expected on inputs this small
 * (memory is bounded by the input size; docs/robustness.md). */
static void check_failure(int rc, const ms_error *err, const char *name)
{
    const char *m = err->message, *p;
    char *end;
    unsigned long long off;
    size_t nl = strlen(name);
    CHECK(rc < 0, "status %d", rc);
    CHECK(err->code == rc, "status %d but err.code %d (%s)", rc, (int)err->code, m);
    CHECK(rc != MS_ENOMEM, "out of memory on a %s input: %s", "small", m);
    CHECK(m[0] != 0, "empty message for status %d", rc);
    for (p = m; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character in message: %s", m);
    CHECK(strncmp(m, name, nl) == 0 && strncmp(m + nl, ": offset ", 9) == 0,
          "message not in the form \"FILE: offset N: ...\": %s", m);
    p = m + nl + 9;
    CHECK(*p >= '0' && *p <= '9', "no offset number: %s", m);
    off = strtoull(p, &end, 10);
    CHECK(end[0] == ':' && end[1] == ' ' && end[2] != 0, "no text after the offset: %s", m);
    CHECK(off == err->offset, "message offset %llu but err.offset %llu: %s", off,
          (unsigned long long)err->offset, m);
}

static void check_ok(int rc, const ms_error *err, const char *what)
{
    CHECK(rc == MS_OK, "%s failed (%s): %s", what, ms_status_name(rc), err->message);
}

/* Dominators: the root dominates itself, every other node's chain of
 * immediate dominators reaches the root within N steps, and the answer equals
 * the paper's bucket version (a second implementation of step 3). */
static void check_dominators(ms_snapshot *s)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count, root = g->root;
    const ms__dominators_options buckets = {0, true};
    uint32_t *idom = NULL, *order = NULL;
    ms_error err = MS_ERROR_INIT;

    CHECK(ms_node_dominator(s, root) == root, "root %u dominated by %u", root,
          ms_node_dominator(s, root));
    for (uint32_t n = 0; n < N; n++) {
        uint32_t d = n, steps = 0;
        while (d != root) {
            uint32_t up = ms_node_dominator(s, d);
            CHECK(up < N, "node %u: dominator %u out of range", d, up);
            CHECK(up != d, "node %u dominates itself", d);
            CHECK(++steps <= N, "node %u: dominator chain does not reach the root", n);
            d = up;
        }
    }
    check_ok(ms__snapshot_edge_rules(s, &err), &err, "edge rules");
    check_ok(ms__dominators(g, &s->rules, NULL, &buckets, &idom, &order, &err), &err,
             "bucket dominators");
    for (uint32_t n = 0; n < N; n++)
        CHECK(idom[n] == ms_node_dominator(s, n), "node %u: semi-NCA says %u, buckets say %u", n,
              ms_node_dominator(s, n), idom[n]);
    free(idom);
    free(order);
}

/* Retained sizes: at least the shallow size, at most the dominator's, and
 * the root's is everything (every node hangs in the dominator tree).
 * Shallow sizes only move between nodes, so they add up to the file's total
 * (the builder refuses totals past 2^64 - 1). */
static void check_retained(ms_snapshot *s)
{
    const uint32_t N = ms_snapshot_node_count(s), root = ms_snapshot_root(s);
    uint64_t shallow = 0;
    for (uint32_t n = 0; n < N; n++) {
        uint64_t r = ms_node_retained_size(s, n), sh = ms_node_shallow_size(s, n);
        CHECK(r >= sh, "node %u retains %llu < its shallow size %llu", n, (unsigned long long)r,
              (unsigned long long)sh);
        if (n != root)
            CHECK(ms_node_retained_size(s, ms_node_dominator(s, n)) >= r,
                  "node %u retains more than its dominator", n);
        shallow += sh;
    }
    CHECK(shallow == ms_snapshot_total_self_size(s), "shallow sizes add up to %llu, not %llu",
          (unsigned long long)shallow, (unsigned long long)ms_snapshot_total_self_size(s));
    CHECK(ms_node_retained_size(s, root) == shallow, "root retains %llu of %llu",
          (unsigned long long)ms_node_retained_size(s, root), (unsigned long long)shallow);
}

/* The dominator tree's children lists are the inverse of idom. */
static void check_dominator_tree(ms_snapshot *s)
{
    const uint32_t N = ms_snapshot_node_count(s);
    uint64_t total = 0;
    for (uint32_t n = 0; n < N; n++) {
        const ms_node *c;
        uint32_t k = ms_node_dominated(s, n, &c);
        for (uint32_t i = 0; i < k; i++) {
            CHECK(c[i] < N && c[i] != n && ms_node_dominator(s, c[i]) == n,
                  "dominator tree: %u listed under %u", c[i], n);
            CHECK(i == 0 || c[i - 1] < c[i], "dominator tree: children of %u not in node order", n);
        }
        total += k;
    }
    CHECK(total == N - 1u, "dominator tree has %llu edges for %u nodes", (unsigned long long)total, N);
}

/* Retention paths start at the root, end at the node, and each hop's edge
 * goes from that hop to the next. */
/* The names of a path's hops: locations, scopes, origins, Map keys. */
static void check_names(ms_snapshot *s, const ms_hop *hops, size_t len)
{
    const uint32_t N = ms_snapshot_node_count(s);
    ms_path p = {len, hops};
    char buf[32];
    for (size_t h = 0; h < len; h++) {
        ms_location loc;
        ms_node key;
        ms_origin o = ms_node_origin(s, hops[h].node);
        size_t sl = ms_node_scope(s, hops[h].node, buf, sizeof buf);
        CHECK(o == MS_ORIGIN_UNKNOWN || o == MS_ORIGIN_USER || o == MS_ORIGIN_RUNTIME, "origin");
        CHECK(strlen(buf) < sizeof buf && strlen(buf) <= sl, "scope of node %u", hops[h].node);
        if (ms_node_location(s, hops[h].node, &loc) && loc.file)
            (void)strlen(loc.file);
        if (ms_path_entry(s, &p, h, &key) == MS_ENTRY_MAP)
            CHECK(key == MS_NODE_NONE || key < N, "map key %u", key);
    }
}

/* ms_retention_edges: the last edge of the path, or with `named` an edge
 * into the node from a node one hop nearer. */
static void check_reach(ms_snapshot *s)
{
    enum { K = 16 };
    const uint32_t N = ms_snapshot_node_count(s);
    ms_node nodes[K];
    uint64_t plain[K], named[K];
    ms_hop hops[2];
    ms_error err = MS_ERROR_INIT;
    size_t k = N < K ? N : K;
    for (size_t i = 0; i < k; i++)
        nodes[i] = (ms_node)((uint64_t)i * N / k);
    check_ok(ms_retention_edges(s, nodes, k, 0, plain, &err), &err, "retention edges");
    check_ok(ms_retention_edges(s, nodes, k, 1, named, &err), &err, "named retention edges");
    for (size_t i = 0; i < k; i++) {
        size_t len = ms_retention_path(s, nodes[i], hops, 0);
        ms_edge_info e;
        /* named reads distances alone: a node the distances reach only
         * through a weak edge from the root has no retention path but may
         * have a named edge */
        CHECK((len < 2) == (plain[i] == UINT64_MAX) && (len < 2 || named[i] != UINT64_MAX),
              "retention edges of node %u", nodes[i]);
        if (named[i] != UINT64_MAX) {
            ms_node from = ms_edge_source(s, named[i]);
            ms_edge_get(s, named[i], &e);
            CHECK(e.to == nodes[i] &&
                      (ms_node_distance(s, from) + 1 == ms_node_distance(s, nodes[i]) ||
                       from == ms_snapshot_root(s)),
                  "node %u: named retention edge", nodes[i]);
        }
        if (len < 2)
            continue;
        {
            ms_hop *all = malloc(sizeof *all * len);
            CHECK(all != NULL, "out of memory");
            ms_retention_path(s, nodes[i], all, len);
            CHECK(all[len - 2].edge == plain[i], "node %u: retention edge is not the path's",
                  nodes[i]);
            free(all);
        }
    }
}

static void check_paths(ms_snapshot *s)
{
    const uint32_t N = ms_snapshot_node_count(s), root = ms_snapshot_root(s);
    ms_hop *hops = malloc(sizeof *hops * N);
    CHECK(hops != NULL, "out of memory");
    for (uint32_t i = 0; i < N && i < FUZZ_PATH_NODES; i++) {
        uint32_t n = N <= FUZZ_PATH_NODES ? i : (uint32_t)((uint64_t)i * N / FUZZ_PATH_NODES);
        size_t len = ms_retention_path(s, n, hops, N);
        int32_t dist = ms_node_distance(s, n);
        CHECK(len <= N, "path to %u has %zu hops for %u nodes", n, len, N);
        CHECK(dist == MS_DISTANCE_UNREACHABLE || dist >= 0, "node %u distance %d", n, (int)dist);
        if (n == root)
            CHECK(len == 1, "path to the root has %zu hops", len);
        if (len == 0)
            continue;
        CHECK(hops[0].node == root && hops[len - 1].node == n && hops[len - 1].edge == UINT64_MAX,
              "path to %u runs from %u to %u", n, hops[0].node, hops[len - 1].node);
        for (size_t h = 0; h + 1 < len; h++) {
            ms_edge_info e;
            CHECK(hops[h].edge < ms_snapshot_edge_count(s), "path to %u: edge out of range", n);
            CHECK(ms_edge_source(s, hops[h].edge) == hops[h].node, "path to %u: hop %zu edge source",
                  n, h);
            ms_edge_get(s, hops[h].edge, &e);
            CHECK(e.to == hops[h + 1].node, "path to %u: hop %zu edge goes elsewhere", n, h);
        }
        check_names(s, hops, len);
    }
    check_reach(s);
    free(hops);
}

/* Summary rows add up: every shallow byte is in exactly one row. */
static void check_summary(ms_snapshot *s, ms_summary_group group)
{
    ms_summary_options o = MS_SUMMARY_OPTIONS_INIT;
    ms_summary *sum = NULL;
    ms_error err = MS_ERROR_INIT;
    uint64_t shallow = 0, total = 0;
    o.group = group;
    check_ok(ms_summary_compute(s, &o, &sum, &err), &err, "summary");
    for (size_t i = 0; i < ms_summary_row_count(sum); i++) {
        const ms_class_row *r = ms_summary_row_get(sum, i);
        CHECK(r->key && r->name && r->first < ms_snapshot_node_count(s), "summary row %zu", i);
        CHECK(i == 0 || ms_summary_row_get(sum, i - 1)->retained_size >= r->retained_size,
              "summary not sorted by retained size at row %zu", i);
        shallow += r->shallow_size;
    }
    for (uint32_t n = 0; n < ms_snapshot_node_count(s); n++)
        total += ms_node_shallow_size(s, n);
    CHECK(shallow == total, "summary rows hold %llu of %llu shallow bytes",
          (unsigned long long)shallow, (unsigned long long)total);
    ms_summary_free(sum);
}

static void check_why(ms_snapshot *s)
{
    const uint32_t N = ms_snapshot_node_count(s);
    const ms_node picks[] = {ms_snapshot_root(s), 0, N / 2, N - 1};
    ms_error err = MS_ERROR_INIT;
    ms_node top[8];
    size_t count = 0;

    for (size_t i = 0; i < sizeof picks / sizeof *picks; i++) {
        ms_why *w = NULL;
        ms_node n = picks[i];
        uint64_t *ret = NULL;
        size_t nret = 0;
        check_ok(ms_why_compute(s, n, 3, &w, &err), &err, "why");
        CHECK(w->node == n, "why: node");
        if (w->status == MS_WHY_RETAINED)
            CHECK(w->path.length >= 1 && w->path.hops[w->path.length - 1].node == n,
                  "why %u: retained without a path to it", n);
        for (size_t k = 0; k < w->dominator_count; k++)
            CHECK(w->dominators[k] < N, "why %u: dominator out of range", n);
        check_ok(ms_node_retainers(s, n, &ret, &nret, &err), &err, "retainers");
        CHECK(nret == w->retainer_count, "why %u: %zu retainers, ms_node_retainers %zu", n,
              w->retainer_count, nret);
        for (size_t k = 0; k < nret; k++) {
            ms_edge_info e;
            ms_edge_get(s, ret[k], &e);
            CHECK(e.to == n, "retainer edge of %u points elsewhere", n);
        }
        free(ret);
        ms_why_free(w);
    }
    {
        ms_path_groups *wc = NULL;
        int rc = ms_path_groups_by_class(s, ms_node_class(s, N - 1), &wc, &err);
        CHECK(rc == MS_OK || rc == MS_ENOTFOUND, "why --class: %s", err.message);
        for (size_t i = 0; rc == MS_OK && i < ms_path_groups_count(wc); i++)
            CHECK(ms_path_groups_get(wc, i)->example < N, "why --class: example out of range");
        ms_path_groups_free(wc);
    }
    check_ok(ms_top(s, 8, 1, top, &count, &err), &err, "top");
    for (size_t i = 1; i < count; i++)
        CHECK(ms_node_retained_size(s, top[i - 1]) >= ms_node_retained_size(s, top[i]),
              "top not sorted");
}

static void check_cycles(ms_snapshot *s, ms_cycle_edges mode)
{
    ms_cycles *c = NULL;
    ms_error err = MS_ERROR_INIT;
    check_ok(ms_cycles_compute(s, mode, &c, &err), &err, "cycles");
    for (size_t i = 0; i < ms_cycles_count(c); i++) {
        const ms_cycle *cy = ms_cycles_get(c, i);
        CHECK(cy->size >= 1 && cy->entry < ms_snapshot_node_count(s), "cycle %zu", i);
        for (uint32_t k = 0; k < cy->size; k++)
            CHECK(cy->members[k] < ms_snapshot_node_count(s) && (k == 0 || cy->members[k - 1] < cy->members[k]),
                  "cycle %zu members", i);
    }
    ms_cycles_free(c);
}

/* The cycles grouped by shape: every cycle in exactly one group of its
 * size, the program's groups first, sizes that add up, shapes whose
 * edges name their group's classes. */
static void check_cycle_groups(ms_snapshot *s, ms_cycle_edges mode)
{
    ms_cycle_options o = MS_CYCLE_OPTIONS_INIT;
    ms_cycle_groups *cg = NULL;
    ms_error err = MS_ERROR_INIT;
    const ms_cycle_totals *t;
    uint64_t cycles = 0, user = 0;
    o.edges = mode;
    check_ok(ms_cycle_groups_compute(s, &o, &cg, &err), &err, "cycle groups");
    t = ms_cycle_groups_totals(cg);
    for (size_t i = 0; i < ms_cycle_groups_count(cg); i++) {
        const ms_cycle_group *g = ms_cycle_groups_get(cg, i);
        uint64_t shallow = 0, members = 0;
        CHECK(g->count >= 1 && g->unreachable <= g->count, "cycle group %zu counts", i);
        CHECK(i == 0 || g->user <= ms_cycle_groups_get(cg, i - 1)->user,
              "cycle group %zu: the program's first", i);
        for (size_t k = 0; k < g->count; k++) {
            const ms_cycle *cy = ms_cycle_groups_cycle(cg, i, k);
            CHECK(cy->size == g->size, "cycle group %zu: a cycle of another size", i);
            shallow += cy->shallow_size;
        }
        CHECK(shallow == g->shallow_size, "cycle group %zu: shallow sizes", i);
        for (size_t k = 0; k < g->class_count; k++)
            members += g->classes[k].count;
        CHECK(members == g->size, "cycle group %zu: classes count the members", i);
        for (size_t k = 0; k < g->edge_count; k++)
            CHECK(g->edges[k].from < g->class_count && g->edges[k].to < g->class_count &&
                      g->edges[k].count >= 1,
                  "cycle group %zu: edge %zu", i, k);
        cycles += g->count;
        user += g->user ? g->count : 0;
    }
    CHECK(cycles == t->cycles && user == t->user_cycles && cycles - user == t->runtime_cycles,
          "cycle groups: %llu cycles grouped of %llu", (unsigned long long)cycles,
          (unsigned long long)t->cycles);
    CHECK(t->groups == ms_cycle_groups_count(cg), "cycle groups: the count");
    ms_cycle_groups_free(cg);
}

/* An event trace (.mlyze) also carries its timeline: the series, sites and
 * marks must agree with the totals. */
static void check_trace(ms_snapshot *s)
{
    const ms_trace_info *in = ms_snapshot_trace(s);
    uint32_t ns;

    if (!in)
        return;
    CHECK(in->peak_bytes >= 0 && in->peak_bytes >= in->final_bytes, "trace peak below the end");
    ns = ms_trace_sample_count(s);
    CHECK(ns == in->sample_count, "trace sample count");
    for (uint32_t i = 0; i < ns; i++) {
        const ms_trace_sample *sm = ms_trace_sample_get(s, i), *prev = ms_trace_sample_get(s, i ? i - 1 : 0);
        CHECK(sm->min_bytes <= sm->live_bytes && sm->live_bytes <= sm->max_bytes,
              "trace sample %u outside its own range", i);
        CHECK(sm->max_bytes <= in->peak_bytes, "trace sample %u above the peak", i);
        CHECK(i == 0 || sm->time_us > prev->time_us, "trace samples out of order at %u", i);
        CHECK(sm->time_us <= in->end_time_us, "trace sample %u after the end", i);
    }
    for (uint32_t i = 0; i < in->site_count; i++) {
        ms_trace_site t;
        ms_trace_site_get(s, i, &t);
        CHECK(t.site != NULL, "trace site %u has no name", i);
        CHECK(t.live_bytes == (int64_t)(t.alloc_bytes - t.freed_bytes), "trace site %u bytes", i);
        CHECK(in->has_heap ? t.node == MS_NODE_NONE : t.node < ms_snapshot_node_count(s),
              "trace site %u node", i);
    }
    for (uint32_t i = 0; i < in->mark_count; i++) {
        ms_trace_mark m;
        ms_trace_mark_get(s, i, &m);
        CHECK(m.time_us <= in->end_time_us, "trace mark %u after the end", i);
        CHECK((m.kind == MS_MARK_MARKER) == (m.name != NULL), "trace mark %u name", i);
    }
}

#ifdef FUZZ_MSNAP
/* A native file's stored analyses, as read: every query must end. */
static void query_stored(ms_snapshot *s)
{
    const uint32_t N = ms_snapshot_node_count(s);
    ms_error err = MS_ERROR_INIT;
    ms_node top[16];
    size_t count = 0;
    ms_hop hops[64];
    ms_summary *sum = NULL;
    (void)ms_top(s, 16, 0, top, &count, &err);
    (void)ms_top(s, 16, 1, top, &count, &err);
    for (uint32_t n = 0; n < N && n < 32; n++) {
        ms_why *w = NULL;
        err = (ms_error)MS_ERROR_INIT;
        if (ms_why_compute(s, n, 3, &w, &err) == MS_OK)
            ms_why_free(w);
        (void)ms_retention_path(s, n, hops, 64);
        (void)ms_node_class(s, n);
        (void)ms_node_distance(s, n);
        (void)ms_node_retained_size(s, n);
    }
    err = (ms_error)MS_ERROR_INIT;
    if (ms_summary_compute(s, NULL, &sum, &err) == MS_OK)
        ms_summary_free(sum);
}

/* A copy of the input whose footer's hash is right (*copy, freed by the
 * caller), or data itself: when the input is too short or one in eight. */
static const uint8_t *fix_hash(const uint8_t *data, size_t size, uint8_t **copy)
{
    uint64_t h;
    *copy = NULL;
    if (size < MS__MSNAP_HEADER + MS__MSNAP_FOOTER || size % 8 == 7)
        return data;
    if (!(*copy = malloc(size)))
        return data;
    memcpy(*copy, data, size);
    h = ms__msnap_hash(*copy, size - 16);
    for (int i = 0; i < 8; i++)
        (*copy)[size - 16 + (size_t)i] = (uint8_t)(h >> (8 * i));
    return *copy;
}
#endif

static void check_graph(ms_snapshot *s, const char *name)
{
    ms_error err = MS_ERROR_INIT;
    const uint32_t N = ms_snapshot_node_count(s);
    uint64_t edges = 0;
    char label[64];

#ifdef FUZZ_MSNAP
    /* Opened from a file, a native file is read on demand: first what top
     * and why ask of it that way, then the rest of it, which may be found
     * damaged only now: refused then, in the one message format. */
    if (s->g->lazy) {
        int rc;
        query_stored(s);
        if ((rc = ms__snapshot_whole(s, &err)) < 0) {
            check_failure(rc, &err, name);
            return;
        }
        CHECK(ms_snapshot_status(s, &err) == MS_OK, "whole but failed: %s", err.message);
    }
#else
    (void)name;
#endif
    check_ok(ms__graph_check(s->g, &err), &err, "graph check");
    for (uint32_t n = 0; n < N; n++) {
        uint64_t first, k = ms_node_edges(s, n, &first);
        CHECK(first == edges, "node %u edges start at %llu", n, (unsigned long long)first);
        edges += k;
    }
    CHECK(edges == ms_snapshot_edge_count(s), "edge count");
    check_trace(s);
    for (uint32_t n = 0; n < N && n < 64; n++) {
        ms_node f = ms_snapshot_find_id(s, ms_node_id(s, n));
        CHECK(f < N && ms_node_id(s, f) == ms_node_id(s, n), "find_id of node %u", n);
    }
    if (N > FUZZ_MAX_NODES || ms_snapshot_edge_count(s) > FUZZ_MAX_EDGES)
        return;

#ifdef FUZZ_MSNAP
    query_stored(s);
    ms__snapshot_forget(s, MS__FORGET_ID_ORDER | MS__FORGET_SHALLOW | MS__FORGET_CLASSES |
                               MS__FORGET_EDGE_ANALYSES);
#endif
    check_ok(ms_snapshot_compute(s, 0x7f, &err), &err, "compute");
    check_dominators(s);
    check_retained(s);
    check_dominator_tree(s);
    check_paths(s);
    check_summary(s, MS_GROUP_CLASS);
    check_summary(s, MS_GROUP_SITE);
    check_why(s);
    check_cycles(s, MS_CYCLE_EDGES_STRONG);
    check_cycles(s, MS_CYCLE_EDGES_ALL);
    check_cycle_groups(s, MS_CYCLE_EDGES_STRONG);
    check_cycle_groups(s, MS_CYCLE_EDGES_ALL);
    for (uint32_t n = 0; n < N; n++) {
        size_t len = ms_node_label(s, n, label, sizeof label);
        CHECK(strlen(label) < sizeof label && strlen(label) <= len, "label of node %u", n);
        (void)ms_node_class_key(s, n);
        (void)ms_node_site(s, n, NULL);
    }
    /* The same in raw sizes: retained sizes are computed again. */
    ms_snapshot_set_sizes(s, MS_SIZES_RAW);
    check_ok(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED, &err), &err, "raw retained sizes");
    check_retained(s);
}

/* Opens the input as the file /proc/self/fd/N of a memfd holding it; *fd
 * gets the memfd (-1 and *name untouched when memfds are not available). */
static int open_as_file(const uint8_t *data, size_t size, const ms_open_options *o,
                        ms_snapshot **s, ms_error *err, char *name, size_t cap, int *fd)
{
    size_t done = 0;
    *fd = memfd_create(FUZZ_NAME, MFD_CLOEXEC);
    if (*fd < 0)
        return MS_EIO;
    while (done < size) {
        ssize_t n = write(*fd, data + done, size - done);
        CHECK(n > 0, "writing the memfd failed");
        done += (size_t)n;
    }
    snprintf(name, cap, "/proc/self/fd/%d", *fd);
    return ms_snapshot_open(s, name, o, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_open_options o = MS_OPEN_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    char name[64] = FUZZ_NAME;
    int rc = MS_EIO, fd = -1;
#ifdef FUZZ_MSNAP
    uint8_t *copy;
    data = fix_hash(data, size, &copy);
#endif

    o.format = size % 2 ? MS_FORMAT_AUTO : FUZZ_FORMAT;
    if (size % 4 == 2)
        rc = open_as_file(data, size, &o, &s, &err, name, sizeof name, &fd);
    if (fd < 0)
        rc = ms_snapshot_open_memory(&s, data, size, FUZZ_NAME, &o, &err);
    else
        close(fd);
    if (rc != MS_OK) {
        CHECK(s == NULL, "snapshot returned on failure");
        check_failure(rc, &err, name);
    } else {
        CHECK(s != NULL && err.code == MS_OK, "success without a snapshot");
        check_graph(s, name);
        ms_snapshot_free(s);
    }
#ifdef FUZZ_MSNAP
    free(copy);
#endif
    return 0;
}
