/*
 * test_compare.c: compare, leaks and grouping sets of objects, against
 * brute force on random snapshot pairs and triples.
 *
 * Brute force for compare is DevTools' calculateDiffForClass taken
 * literally: per class, the sorted id lists of the objects with a non-zero
 * size, merged.  Snapshots use the plain rules (non-V8 format, class = node
 * name), built with the builder API.
 */
#include "helpers.h"

#include "snapshot/builder.h"
#include "api/snapshot.h"
#include "util/sort.h"

#include <stdlib.h>

#define MAXN 48
#define NAMES 4

static const char *const names[NAMES] = {"Alpha", "Beta", "Gamma", "Delta"};

typedef struct ts {
    int n, m;
    uint64_t id[MAXN];
    int name[MAXN], size[MAXN];
    int from[MAXN * 4], to[MAXN * 4], weak[MAXN * 4];
} ts;

static ms_snapshot *make(const ts *t, const char *label)
{
    ms__builder b;
    ms__graph *g = NULL;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t sid[NAMES], root, edge;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    for (int i = 0; i < NAMES; i++)
        assert_int_equal(ms__builder_string(&b, names[i], strlen(names[i]), &sid[i], NULL, &err),
                         MS_OK);
    assert_int_equal(ms__builder_string(&b, "(root)", 6, &root, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "ref", 3, &edge, NULL, &err), MS_OK);
    for (int i = 0; i < t->n; i++)
        assert_int_equal(ms__builder_node(&b, i == 0 ? MS_NT_SYNTHETIC : MS_NT_OBJECT,
                                          i == 0 ? root : sid[t->name[i]], t->id[i],
                                          (uint64_t)t->size[i], 0, &err),
                         MS_OK);
    for (int e = 0; e < t->m; e++)
        assert_int_equal(ms__builder_edge(&b, (uint32_t)t->from[e], (uint32_t)t->to[e],
                                          t->weak[e] ? MS_ET_WEAK : MS_ET_PROPERTY, edge, &err),
                         MS_OK);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__builder_discard(&b);
    assert_int_equal(ms__snapshot_from_graph(g, MS_FORMAT_BOEHM, label, &s, &err), MS_OK);
    return s;
}

/* A random snapshot whose object ids come from [1, 40] without repeats;
 * the class of id k is names[k % NAMES] unless `shuffle` (then random). */
static void random_ts(ts *t, bool shuffle)
{
    bool used[64] = {false};
    memset(t, 0, sizeof *t);
    t->n = 2 + rand() % 30;
    t->id[0] = 1000; /* the root */
    for (int i = 1; i < t->n; i++) {
        uint64_t k;
        do
            k = 1 + (uint64_t)(rand() % 40);
        while (used[k]);
        used[k] = true;
        t->id[i] = k;
        t->name[i] = shuffle ? rand() % NAMES : (int)(k % NAMES);
        t->size[i] = rand() % 4 == 0 ? 0 : 1 + rand() % 50;
    }
    t->m = rand() % (t->n * 3);
    for (int e = 0; e < t->m; e++) {
        t->from[e] = rand() % 3 == 0 ? 0 : rand() % t->n;
        t->to[e] = 1 + rand() % (t->n - 1);
        t->weak[e] = rand() % 6 == 0;
    }
}

typedef struct expect_row {
    uint64_t added, removed, added_size, removed_size;
} expect_row;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* DevTools' calculateDiffForClass for class k. */
static expect_row brute_diff(const ts *a, const ts *b, int k)
{
    uint64_t ia[MAXN], ib[MAXN];
    int sa[64] = {0}, sb[64] = {0}, na = 0, nb = 0, i = 0, j = 0;
    expect_row r = {0, 0, 0, 0};
    for (int v = 1; v < a->n; v++)
        if (a->name[v] == k && a->size[v]) {
            ia[na++] = a->id[v];
            sa[a->id[v]] = a->size[v];
        }
    for (int v = 1; v < b->n; v++)
        if (b->name[v] == k && b->size[v]) {
            ib[nb++] = b->id[v];
            sb[b->id[v]] = b->size[v];
        }
    qsort(ia, (size_t)na, 8, cmp_u64);
    qsort(ib, (size_t)nb, 8, cmp_u64);
    while (i < na && j < nb) {
        if (ia[i] < ib[j]) {
            r.removed++;
            r.removed_size += (uint64_t)sa[ia[i++]];
        } else if (ia[i] > ib[j]) {
            r.added++;
            r.added_size += (uint64_t)sb[ib[j++]];
        } else {
            i++;
            j++;
        }
    }
    for (; i < na; i++) {
        r.removed++;
        r.removed_size += (uint64_t)sa[ia[i]];
    }
    for (; j < nb; j++) {
        r.added++;
        r.added_size += (uint64_t)sb[ib[j]];
    }
    return r;
}

static const ms_compare_row *find_row(const ms_compare *c, const char *name)
{
    for (size_t i = 0; i < ms_compare_row_count(c); i++)
        if (strcmp(ms_compare_row_get(c, i)->name, name) == 0)
            return ms_compare_row_get(c, i);
    return NULL;
}

/* Every class row of a by-id comparison of a and b against brute_diff;
 * returns the objects added over all classes, *removed those removed. */
static uint64_t check_rows_by_id(const ts *a, const ts *b, const ms_compare *c, uint64_t *removed)
{
    uint64_t added = 0;
    *removed = 0;
    for (int k = 0; k < NAMES; k++) {
        expect_row e = brute_diff(a, b, k);
        const ms_compare_row *r = find_row(c, names[k]);
        if (!r) {
            /* the class is in neither snapshot */
            assert_int_equal(e.added + e.removed, 0);
            continue;
        }
        assert_int_equal(r->added_count, e.added);
        assert_int_equal(r->removed_count, e.removed);
        assert_int_equal(r->added_size, e.added_size);
        assert_int_equal(r->removed_size, e.removed_size);
        assert_int_equal(r->count_delta, (int64_t)e.added - (int64_t)e.removed);
        assert_int_equal(r->size_delta, (int64_t)e.added_size - (int64_t)e.removed_size);
        assert_int_equal(r->changed, e.added || e.removed);
        added += e.added;
        *removed += e.removed;
    }
    return added;
}

static void test_compare__by_id_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 2000; seed++) {
        ts a, b;
        ms_snapshot *sa, *sb;
        ms_compare *c = NULL;
        ms_error err = MS_ERROR_INIT;
        ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
        uint64_t added = 0, removed = 0;
        srand(seed);
        random_ts(&a, false);
        random_ts(&b, seed % 3 == 0); /* some objects change class */
        sa = make(&a, "a");
        sb = make(&b, "b");
        o.match = MS_MATCH_BY_ID;
        o.paths = seed % 2 ? MS_COMPARE_PATHS_GROUP : MS_COMPARE_PATHS_NONE;
        assert_int_equal(ms_compare_compute(sa, sb, &o, &c, &err), MS_OK);
        assert_int_equal(ms_compare_by_id(c), 1);
        added = check_rows_by_id(&a, &b, c, &removed);
        assert_int_equal(ms_compare_totals_get(c)->added_count, added);
        assert_int_equal(ms_compare_totals_get(c)->removed_count, removed);
        /* rows that changed come first, largest size growth first */
        for (size_t i = 1; i < ms_compare_row_count(c); i++) {
            const ms_compare_row *p = ms_compare_row_get(c, i - 1), *q = ms_compare_row_get(c, i);
            assert_true(p->changed >= q->changed);
            if (p->changed == q->changed)
                assert_true(p->size_delta >= q->size_delta);
        }
        ms_compare_free(c);
        ms_snapshot_free(sa);
        ms_snapshot_free(sb);
    }
}

/* Per class only: counts and sizes of each snapshot. */
static void test_compare__by_class(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 300; seed++) {
        ts a, b;
        ms_snapshot *sa, *sb;
        ms_compare *c = NULL;
        ms_error err = MS_ERROR_INIT;
        ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
        srand(seed);
        random_ts(&a, true);
        random_ts(&b, true);
        sa = make(&a, "a");
        sb = make(&b, "b");
        o.match = MS_MATCH_BY_CLASS;
        assert_int_equal(ms_compare_compute(sa, sb, &o, &c, &err), MS_OK);
        assert_int_equal(ms_compare_by_id(c), 0);
        assert_null(ms_compare_groups(c));
        for (int k = 0; k < NAMES; k++) {
            uint64_t ca = 0, cb = 0, za = 0, zb = 0;
            const ms_compare_row *r = find_row(c, names[k]);
            for (int v = 1; v < a.n; v++)
                if (a.name[v] == k && a.size[v]) {
                    ca++;
                    za += (uint64_t)a.size[v];
                }
            for (int v = 1; v < b.n; v++)
                if (b.name[v] == k && b.size[v]) {
                    cb++;
                    zb += (uint64_t)b.size[v];
                }
            if (!r) {
                assert_int_equal(ca + cb, 0);
                continue;
            }
            assert_int_equal(r->before_count, ca);
            assert_int_equal(r->after_count, cb);
            assert_int_equal(r->before_size, za);
            assert_int_equal(r->after_size, zb);
            assert_int_equal(r->count_delta, (int64_t)cb - (int64_t)ca);
            assert_int_equal(r->size_delta, (int64_t)zb - (int64_t)za);
            assert_int_equal(r->added_count + r->removed_count, 0);
        }
        ms_compare_free(c);
        ms_snapshot_free(sa);
        ms_snapshot_free(sb);
    }
}

/* MS_MATCH_AUTO: one process (ids name the same objects) -> by id; ids
 * naming other objects -> per class, with a note. */
static void test_compare__detects_other_process(void **state)
{
    ts a, b;
    ms_snapshot *sa, *sb;
    ms_compare *c = NULL;
    ms_error err = MS_ERROR_INIT;
    (void)state;
    srand(7);
    random_ts(&a, false);
    b = a; /* same ids, same classes */
    b.size[1] += 5;
    sa = make(&a, "a");
    sb = make(&b, "b");
    assert_int_equal(ms_compare_compute(sa, sb, NULL, &c, &err), MS_OK);
    assert_int_equal(ms_compare_by_id(c), 1);
    assert_null(ms_compare_note(c));
    assert_int_equal(ms_compare_totals_get(c)->mismatched_ids, 0);
    assert_int_equal(ms_compare_totals_get(c)->shared_ids, (uint64_t)a.n);
    ms_compare_free(c);
    ms_snapshot_free(sb);
    /* Every other object under the same id is now of another class. */
    for (int v = 1; v < b.n; v += 2)
        b.name[v] = (b.name[v] + 1) % NAMES;
    sb = make(&b, "b");
    assert_int_equal(ms_compare_compute(sa, sb, NULL, &c, &err), MS_OK);
    assert_int_equal(ms_compare_by_id(c), 0);
    assert_non_null(ms_compare_note(c));
    assert_non_null(strstr(ms_compare_note(c), "different processes"));
    assert_int_equal(ms_compare_totals_get(c)->mismatched_ids, (uint64_t)(a.n - 1 + 1) / 2);
    ms_compare_free(c);
    ms_snapshot_free(sa);
    ms_snapshot_free(sb);
}

/* What the root reaches over strong edges, without node `skip`. */
static void reach_without(const ts *t, int skip, bool *seen)
{
    int st[MAXN], sp = 0;
    memset(seen, 0, sizeof(bool) * MAXN);
    if (skip == 0)
        return;
    seen[0] = true;
    st[sp++] = 0;
    while (sp) {
        int v = st[--sp];
        for (int e = 0; e < t->m; e++)
            if (t->from[e] == v && !t->weak[e] && t->to[e] != skip && !seen[t->to[e]]) {
                seen[t->to[e]] = true;
                st[sp++] = t->to[e];
            }
    }
}

/* Makes every node reachable: an edge from the root to each node the root
 * does not reach yet, in node order.  (For nodes only unreachable ones
 * retain, dominators follow DevTools' numbering conventions, which a
 * brute force by definition does not model; test_dominators covers them.) */
static void attach_unreachable(ts *t)
{
    bool seen[MAXN];
    reach_without(t, -1, seen);
    for (int u = 1; u < t->n; u++) {
        int st[MAXN], sp = 0;
        if (seen[u])
            continue;
        t->from[t->m] = 0;
        t->to[t->m] = u;
        t->weak[t->m++] = 0;
        seen[u] = true;
        st[sp++] = u;
        while (sp) {
            int v = st[--sp];
            for (int e = 0; e < t->m; e++)
                if (t->from[e] == v && !t->weak[e] && !seen[t->to[e]]) {
                    seen[t->to[e]] = true;
                    st[sp++] = t->to[e];
                }
        }
    }
}

/* The shallow sizes of the nodes some member of class cls (any class
 * when cls < 0) dominates, each once: a member m dominates x when m == x or
 * removing m cuts x off (without[m], reach_without). */
static uint64_t dominated_size(const ts *t, bool without[][MAXN], const bool *member, int cls)
{
    uint64_t sum = 0;
    for (int x = 1; x < t->n; x++) {
        bool dominated = false;
        for (int m = 1; m < t->n && !dominated; m++)
            dominated = member[m] && (cls < 0 || t->name[m] == cls) && (m == x || !without[m][x]);
        if (dominated)
            sum += (uint64_t)t->size[x];
    }
    return sum;
}

/* Grouping a set of nodes: retained_total = the shallow sizes of every
 * node that a member dominates (or is). */
static void test_compare__group_retained_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 1000; seed++) {
        ts t;
        ms_snapshot *s;
        ms_path_groups *w = NULL;
        ms_error err = MS_ERROR_INIT;
        bool without[MAXN][MAXN], member[MAXN] = {false};
        ms_node nodes[MAXN];
        size_t count = 0;
        uint64_t grouped = 0, shallow = 0;
        srand(seed);
        random_ts(&t, true);
        attach_unreachable(&t);
        s = make(&t, "t");
        for (int v = 0; v < t.n; v++)
            reach_without(&t, v, without[v]);
        for (int v = 1; v < t.n; v++)
            if (rand() % 3 == 0) {
                member[v] = true;
                nodes[count++] = (ms_node)v;
            }
        assert_int_equal(ms_path_groups_of_nodes(s, nodes, count, &w, &err), MS_OK);
        assert_int_equal(ms_path_groups_instances(w), count);
        assert_int_equal(ms_path_groups_retained(w), dominated_size(&t, without, member, -1));
        /* per class: the groups of class k retain what class-k members
         * dominate, each byte once */
        for (int k = 0; k < NAMES; k++) {
            uint64_t got = 0;
            for (size_t i = 0; i < ms_path_groups_count(w); i++) {
                const ms_path_group *g = ms_path_groups_get(w, i);
                if (t.name[g->example] == k)
                    got += g->retained_size;
            }
            assert_int_equal(got, dominated_size(&t, without, member, k));
        }
        for (size_t i = 0; i < ms_path_groups_count(w); i++) {
            const ms_path_group *g = ms_path_groups_get(w, i);
            grouped += g->count;
            shallow += g->shallow_size;
            assert_true(member[g->example]);
        }
        assert_int_equal(grouped, count);
        {
            uint64_t sz = 0;
            for (size_t i = 0; i < count; i++)
                sz += (uint64_t)t.size[nodes[i]];
            assert_int_equal(shallow, sz);
        }
        ms_path_groups_free(w);
        ms_snapshot_free(s);
    }
}

/* The key of a new object's cause, by definition: the signature of the
 * path to the first new object on its retention path (its entry) and the
 * entry's class; "" for an object no path reaches. */
static void cause_key(ms_snapshot *s, const bool *member, ms_node v, char *key, size_t cap,
                      int32_t *entry_distance)
{
    ms_hop hops[MAXN + 1];
    size_t len = ms_retention_path(s, v, hops, MAXN + 1), k = 0;
    ms_path p;
    key[0] = 0;
    *entry_distance = -1;
    if (!len)
        return;
    while (!member[hops[k].node])
        k++;
    p.length = k + 1;
    p.hops = hops;
    hops[k].edge = UINT64_MAX;
    ms_path_signature(s, &p, key, cap - 40);
    snprintf(key + strlen(key), 40, " | %s", ms_node_class(s, hops[k].node));
    *entry_distance = ms_node_distance(s, hops[k].node);
}

/* compare's groups by cause against their definition (docs/compare.md
 * "Groups by cause"): one group per cause key with every member of that
 * key, retained sizes each byte once (and per class as DevTools counts
 * them), each named after its class nearest the roots (no origins here)
 * with that class's count, the example's entry the first new object on its
 * path. */
static void check_causes(const ts *b, ms_snapshot *sb, const ms_compare *c, const bool *member,
                         bool without[][MAXN])
{
    const ms_path_groups *w = ms_compare_groups(c);
    char keys[MAXN][512];
    int32_t dist[MAXN];
    size_t distinct = 0;
    uint64_t retained = 0;
    for (int v = 1; v < b->n; v++)
        if (member[v])
            cause_key(sb, member, (ms_node)v, keys[v], sizeof keys[v], &dist[v]);
    for (int v = 1; v < b->n; v++) {
        bool first = member[v];
        for (int u = 1; u < v && first; u++)
            first = !(member[u] && strcmp(keys[u], keys[v]) == 0);
        distinct += first;
    }
    assert_int_equal(ms_path_groups_count(w), distinct);
    for (size_t i = 0; i < ms_path_groups_count(w); i++) {
        const ms_path_group *g = ms_path_groups_get(w, i);
        const char *key = keys[g->example], *cls = ms_node_class(sb, g->example);
        uint64_t count = 0, class_count = 0;
        int32_t nearest = INT32_MAX, class_nearest = INT32_MAX;
        assert_true(member[g->example]);
        retained += g->retained_size;
        for (int v = 1; v < b->n; v++)
            if (member[v] && strcmp(keys[v], key) == 0) {
                int32_t d = ms_node_distance(sb, (ms_node)v);
                bool same = strcmp(ms_node_class(sb, (ms_node)v), cls) == 0;
                count++;
                class_count += same;
                if (d < nearest)
                    nearest = d;
                if (same && d < class_nearest)
                    class_nearest = d;
            }
        assert_int_equal(g->count, count);
        assert_int_equal(g->class_count, class_count);
        /* named after the class nearest the roots */
        assert_int_equal(class_nearest, nearest);
        if (g->path.length) {
            assert_true(member[g->path.hops[g->entry_hop].node]);
            for (size_t k = 0; k < g->entry_hop; k++)
                assert_false(member[g->path.hops[k].node]);
        }
    }
    assert_int_equal(retained, dominated_size(b, without, member, -1));
    /* the class rows keep DevTools' per-class retained sizes */
    for (int k = 0; k < NAMES; k++) {
        const ms_compare_row *r = find_row(c, names[k]);
        if (r)
            assert_int_equal(r->added_retained, dominated_size(b, without, member, k));
    }
}

/* memsnap compare's low-memory order: BEFORE reduced to a comparison base
 * before AFTER is loaded, compared without paths, freed, then AFTER's new
 * objects grouped (ms_compare_add_paths).  Oracles: DevTools' per-class
 * merge for the rows, and by definition for what the new objects retain
 * (a node counts when removing some new object cuts it off). */
static void test_compare__base_then_paths_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 500; seed++) {
        ts a, b;
        ms_snapshot *sa, *sb;
        ms_compare *c = NULL;
        ms_error err = MS_ERROR_INIT;
        ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
        bool member[MAXN] = {false}, without[MAXN][MAXN];
        uint64_t edges, removed, want_count = 0, want_size = 0;
        srand(seed);
        random_ts(&a, true);
        random_ts(&b, true);
        attach_unreachable(&b);
        sa = make(&a, "a");
        sb = make(&b, "b");
        edges = ms_snapshot_edge_count(sa);
        assert_int_equal(ms_snapshot_keep_for_compare(sa, &err), MS_OK);
        /* what is left answers node questions, not graph analyses */
        assert_int_equal(ms_snapshot_edge_count(sa), edges);
        assert_int_equal(ms_snapshot_compute(sa, MS_ANALYSIS_DISTANCES, &err), MS_EINVAL);
        o.match = MS_MATCH_BY_ID;
        o.paths = MS_COMPARE_PATHS_NONE;
        assert_int_equal(ms_compare_compute(sa, sb, &o, &c, &err), MS_OK);
        ms_snapshot_free(sa);
        check_rows_by_id(&a, &b, c, &removed);
        assert_null(ms_compare_groups(c));
        o.paths = MS_COMPARE_PATHS_GROUP;
        assert_int_equal(ms_compare_add_paths(c, &o, &err), MS_OK);
        assert_non_null(ms_compare_groups(c));
        assert_int_equal(ms_compare_add_paths(c, &o, &err), MS_EINVAL); /* once */

        /* new: in AFTER with a size, and not the same id with a size and
         * the same class in BEFORE */
        for (int v = 1; v < b.n; v++) {
            bool same = false;
            if (!b.size[v])
                continue;
            for (int u = 1; u < a.n; u++)
                same |= a.id[u] == b.id[v] && a.size[u] && a.name[u] == b.name[v];
            if (!same) {
                member[v] = true;
                want_count++;
                want_size += (uint64_t)b.size[v];
            }
        }
        for (int v = 0; v < b.n; v++)
            reach_without(&b, v, without[v]);
        assert_int_equal(ms_compare_totals_get(c)->new_count, want_count);
        assert_int_equal(ms_compare_totals_get(c)->new_size, want_size);
        assert_int_equal(ms_compare_totals_get(c)->new_retained,
                         dominated_size(&b, without, member, -1));
        check_causes(&b, sb, c, member, without);
        ms_compare_free(c);
        ms_snapshot_free(sb);
    }
}

/* leaks: ids in TARGET, not in BASELINE, alive (strongly reachable, size
 * > 0) in FINAL. */
static void test_compare__leaks_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 1000; seed++) {
        ts base, target, fin;
        ms_snapshot *s0, *s1, *s2;
        ms_leaks *l = NULL;
        ms_error err = MS_ERROR_INIT;
        bool r0[MAXN];
        uint64_t count = 0, size = 0;
        srand(seed);
        random_ts(&base, false);
        random_ts(&target, false);
        random_ts(&fin, false);
        s0 = make(&base, "baseline");
        s1 = make(&target, "target");
        s2 = make(&fin, "final");
        reach_without(&fin, -1, r0);
        for (int v = 1; v < fin.n; v++) {
            bool in_t = false, in_b = false;
            for (int i = 1; i < target.n; i++)
                in_t |= target.id[i] == fin.id[v];
            for (int i = 1; i < base.n; i++)
                in_b |= base.id[i] == fin.id[v];
            if (in_t && !in_b && r0[v] && fin.size[v]) {
                count++;
                size += (uint64_t)fin.size[v];
            }
        }
        assert_int_equal(ms_leaks_compute(s0, s1, s2, NULL, &l, &err), MS_OK);
        assert_int_equal(ms_leaks_totals_get(l)->count, count);
        assert_int_equal(ms_leaks_totals_get(l)->shallow_size, size);
        {
            uint64_t c = 0;
            for (size_t i = 0; i < ms_leaks_class_count(l); i++)
                c += ms_leaks_class_get(l, i)->count;
            assert_int_equal(c, count);
        }
        ms_leaks_free(l);
        ms_snapshot_free(s0);
        ms_snapshot_free(s1);
        ms_snapshot_free(s2);
    }
}

/* Snapshots of two processes are refused by leaks. */
static void test_compare__leaks_refuses_other_process(void **state)
{
    ts a, b;
    ms_snapshot *sa, *sb, *sc;
    ms_leaks *l = NULL;
    ms_error err = MS_ERROR_INIT;
    (void)state;
    srand(11);
    random_ts(&a, false);
    b = a;
    for (int v = 1; v < b.n; v++)
        b.name[v] = (b.name[v] + 1) % NAMES;
    sa = make(&a, "one.snap");
    sb = make(&b, "other.snap");
    sc = make(&a, "final.snap");
    assert_int_equal(ms_leaks_compute(sa, sb, sc, NULL, &l, &err), MS_EFORMAT);
    assert_null(l);
    assert_non_null(strstr(err.message, "one.snap and other.snap"));
    ms_snapshot_free(sa);
    ms_snapshot_free(sb);
    ms_snapshot_free(sc);
}

/* Expects MS_EINVAL naming `type`'s version field. */
static void expect_version_error(int rc, const ms_error *err, const char *type)
{
    char want[96];
    snprintf(want, sizeof want, "%s.version is 99, expected 1", type);
    assert_int_equal(rc, MS_EINVAL);
    assert_string_equal(err->message, want);
}

/* An options struct of another version is refused by every entry point
 * that takes one, before any work: the whole jobs open no file (the paths
 * do not exist, and the error is not about them). */
static void test_compare__options_version(void **state)
{
    ms_open_options oo = MS_OPEN_OPTIONS_INIT;
    ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
    ms_compare_options co = MS_COMPARE_OPTIONS_INIT;
    const char *missing = "/nonexistent/memsnap-test.heapsnapshot";
    ms_snapshot *sa = NULL, *sb, *sc;
    ms_summary *sum = NULL;
    ms_compare *c = NULL;
    ms_leaks *l = NULL;
    ms_error err = MS_ERROR_INIT;
    ts a;
    (void)state;
    oo.version = so.version = co.version = 99;
    expect_version_error(ms_snapshot_open(&sa, missing, &oo, &err), &err, "ms_open_options");
    assert_null(sa);
    srand(13);
    random_ts(&a, false);
    sa = make(&a, "a");
    sb = make(&a, "b");
    sc = make(&a, "c");
    err = (ms_error)MS_ERROR_INIT;
    expect_version_error(ms_summary_compute(sa, &so, &sum, &err), &err, "ms_summary_options");
    assert_null(sum);
    err = (ms_error)MS_ERROR_INIT;
    expect_version_error(ms_compare_compute(sa, sb, &co, &c, &err), &err, "ms_compare_options");
    assert_null(c);
    err = (ms_error)MS_ERROR_INIT;
    expect_version_error(ms_leaks_compute(sa, sb, sc, &co, &l, &err), &err, "ms_compare_options");
    assert_null(l);
    err = (ms_error)MS_ERROR_INIT;
    expect_version_error(ms_compare_files(missing, missing, NULL, &co, &c, &err), &err,
                         "ms_compare_options");
    assert_null(c);
    err = (ms_error)MS_ERROR_INIT;
    expect_version_error(ms_leaks_files(missing, missing, missing, NULL, &co, &l, &err), &err,
                         "ms_compare_options");
    assert_null(l);
    ms_snapshot_free(sa);
    ms_snapshot_free(sb);
    ms_snapshot_free(sc);
}

/* Ignored classes leave the groups and totals; ignored paths too. */
static void test_compare__ignore(void **state)
{
    ts a, b;
    ms_snapshot *sa, *sb;
    ms_compare *c = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
    const char *ignore_classes[] = {"Beta"};
    const char *ignore_paths[] = {"*Gamma"};
    uint64_t all_new;
    (void)state;
    /* before: the root only; after: 1 Alpha, 1 Beta, 1 Gamma, each from the root */
    memset(&a, 0, sizeof a);
    a.n = 1;
    a.id[0] = 1000;
    memset(&b, 0, sizeof b);
    b.n = 4;
    b.id[0] = 1000;
    for (int v = 1; v < 4; v++) {
        b.id[v] = (uint64_t)v;
        b.name[v] = v - 1;
        b.size[v] = 10 * v;
        b.from[b.m] = 0;
        b.to[b.m++] = v;
    }
    sa = make(&a, "a");
    sb = make(&b, "b");
    o.match = MS_MATCH_BY_ID;
    assert_int_equal(ms_compare_compute(sa, sb, &o, &c, &err), MS_OK);
    all_new = ms_compare_totals_get(c)->new_retained;
    assert_int_equal(all_new, 60);
    assert_int_equal(ms_compare_totals_get(c)->new_count, 3);
    ms_compare_free(c);
    o.ignore_classes = ignore_classes;
    o.ignore_class_count = 1;
    o.ignore_paths = ignore_paths;
    o.ignore_path_count = 1;
    assert_int_equal(ms_compare_compute(sa, sb, &o, &c, &err), MS_OK);
    assert_int_equal(ms_compare_totals_get(c)->new_count, 1);
    assert_int_equal(ms_compare_totals_get(c)->new_retained, 10);
    assert_true(find_row(c, "Beta")->ignored);
    assert_false(find_row(c, "Alpha")->ignored);
    /* DevTools' numbers stay whole */
    assert_int_equal(ms_compare_totals_get(c)->added_count, 3);
    ms_compare_free(c);
    ms_snapshot_free(sa);
    ms_snapshot_free(sb);
}

/* The sorts the comparison relies on. */
static int by_value(uint32_t a, uint32_t b, const void *ctx)
{
    (void)ctx;
    return (a >> 8) < (b >> 8) ? -1 : (a >> 8) > (b >> 8);
}

static void test_compare__sorts(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 200; seed++) {
        uint64_t n = (uint64_t)(rand() % 5000), keys[5000], packed[5000];
        uint32_t vals[5000], a[5000];
        ms_error err = MS_ERROR_INIT;
        srand(seed);
        for (uint64_t i = 0; i < n; i++) {
            keys[i] = seed % 2 ? (uint64_t)rand() << 33 ^ (uint64_t)rand() : (uint64_t)(rand() % 50);
            vals[i] = (uint32_t)i;
            packed[i] = (keys[i] & 0xffffffffu) << 32 | i;
            a[i] = (uint32_t)rand();
        }
        assert_int_equal(ms__radix_sort_kv(keys, vals, n, &err), MS_OK);
        assert_int_equal(ms__radix_sort_u64(packed, n, 4, &err), MS_OK);
        assert_int_equal(ms__sort_u32(a, n, by_value, NULL, &err), MS_OK);
        for (uint64_t i = 1; i < n; i++) {
            assert_true(keys[i - 1] <= keys[i]);
            if (keys[i - 1] == keys[i])
                assert_true(vals[i - 1] < vals[i]); /* stable */
            assert_true(packed[i - 1] >> 32 <= packed[i] >> 32);
            if (packed[i - 1] >> 32 == packed[i] >> 32)
                assert_true((uint32_t)packed[i - 1] < (uint32_t)packed[i]);
            assert_true(a[i - 1] >> 8 <= a[i] >> 8);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare__by_id_vs_brute_force),
        cmocka_unit_test(test_compare__by_class),
        cmocka_unit_test(test_compare__detects_other_process),
        cmocka_unit_test(test_compare__group_retained_vs_brute_force),
        cmocka_unit_test(test_compare__base_then_paths_vs_brute_force),
        cmocka_unit_test(test_compare__leaks_vs_brute_force),
        cmocka_unit_test(test_compare__leaks_refuses_other_process),
        cmocka_unit_test(test_compare__options_version),
        cmocka_unit_test(test_compare__ignore),
        cmocka_unit_test(test_compare__sorts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
