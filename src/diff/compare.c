/*
 * compare.c: two snapshots side by side, as Chrome DevTools' Comparison
 * view, plus where the new objects are held.
 *
 * Reference: HeapSnapshot.ts aggregatesForDiff, calculateSnapshotDiff and
 * calculateDiffForClass (and HeapSnapshotDataGrids.ts, which names the base
 * snapshot's plain objects with the current snapshot's interface
 * definitions).  DevTools merges, per class key, the id-sorted lists of the
 * objects with a non-zero self size: an id only in the base is deleted, one
 * only in the current snapshot is new, equal ids are the same object.
 * memsnap merges the two snapshots' whole id orders once instead, which is
 * the same when an id names one node: an id whose class differs between
 * the two counts as deleted from one class and new in the other, as it does
 * there.  (A file repeating an id pairs the copies in node order.)
 *
 * Classes are matched by key and by where their name comes from (the origin
 * in classes.h): DevTools keys classes by string index, so e.g. regexp nodes
 * and the object RegExp.prototype are two classes with the key ",RegExp",
 * and they stay two rows here.
 */
#include "diff.h"

#include "../graph/classes.h"
#include "../paths/paths.h"
#include "../util/sort.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#define NONE UINT32_MAX

struct ms_compare {
    int by_id;
    char note[256];
    ms_compare_totals totals;
    ms_compare_row *rows;
    size_t count;
    ms__strtab text;            /* row identities: origin byte + key */
    ms__sbuf names;             /* each row's key and name, NUL-terminated */
    const ms__classes *acl;     /* AFTER's classes (borrowed from after) */
    uint32_t *row_of_aclass;    /* AFTER class -> row, NONE when not listed */
    const uint64_t *ashallow;   /* AFTER's shallow sizes (borrowed), NULL: raw */
    ms_snapshot *after;
    ms_why_class *groups;
    uint64_t *member;           /* by id: bit per AFTER node, new and not synthetic */
    uint64_t instances;         /* bits set in member */
};

/* ---- shared with leaks.c ---------------------------------------------- */

static bool same_node(const ms__graph *a, uint32_t x, const ms__graph *b, uint32_t y)
{
    size_t la, lb;
    const char *na, *nb;
    if (strcmp(a->node_type_names[a->node_type[x]], b->node_type_names[b->node_type[y]]) != 0)
        return false;
    na = ms__node_name(a, x, &la);
    nb = ms__node_name(b, y, &lb);
    return la == lb && memcmp(na, nb, la) == 0;
}

int ms__id_overlap(ms_snapshot *a, ms_snapshot *b, uint64_t *shared, uint64_t *mismatched,
                   ms_error *err)
{
    const uint32_t *ia, *ib;
    const ms__graph *ga = a->g, *gb = b->g;
    uint32_t i = 0, j = 0;
    int rc = MS_OK;
    *shared = *mismatched = 0;
    MS_TRY(ms__snapshot_by_id(a, &ia, err));
    MS_TRY(ms__snapshot_by_id(b, &ib, err));
    while (i < ga->node_count && j < gb->node_count) {
        uint64_t x = ms__node_id(ga, ia[i]), y = ms__node_id(gb, ib[j]);
        if (x < y) {
            i++;
        } else if (y < x) {
            j++;
        } else {
            (*shared)++;
            if (!same_node(ga, ia[i], gb, ib[j]))
                (*mismatched)++;
            i++;
            j++;
        }
    }
done:
    return rc;
}

bool ms__class_ignored(const ms_snapshot *snap, uint32_t c, const ms_compare_options *o)
{
    const ms__classes *cl = snap->classes;
    for (size_t i = 0; i < o->ignore_class_count; i++)
        if (strcmp(ms__class_name(cl, c), o->ignore_classes[i]) == 0 ||
            strcmp(ms__class_key(cl, c), o->ignore_classes[i]) == 0)
            return true;
    return false;
}

int ms__group_new(ms_snapshot *snap, uint64_t *member, uint64_t *instances,
                  const ms_compare_options *o, ms_why_class **out, ms_error *err)
{
    const uint32_t N = snap->g->node_count;
    ms_why_class *w = NULL;
    uint32_t *group_of = NULL;
    bool *drop_class = NULL, *drop_group = NULL, any = false;
    char *buf = NULL;
    int rc = MS_OK;

    *out = NULL;
    /* Classes for the ignore list (after the dominators, whose scratch is
     * the peak); the rest in stages (ms__group_members). */
    if (o->ignore_class_count) {
        const ms__classes *cl;
        MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_RETAINED, err));
        MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_CLASSES, err));
        cl = snap->classes;
        MS_TRY(ms__alloc_array(&drop_class, cl->count + 1, 1, "compare", err));
        for (uint32_t c = 0; c < cl->count; c++)
            drop_class[c] = ms__class_ignored(snap, c, o);
        for (uint32_t n = 0; n < N; n++) {
            if ((member[n >> 6] >> (n & 63) & 1) && drop_class[cl->of[n]]) {
                member[n >> 6] &= ~(1ull << (n & 63));
                (*instances)--;
            }
        }
    }
    if (o->ignore_path_count)
        MS_TRY(ms__alloc_array(&group_of, N ? N : 1, 4, "compare", err));
    /* A second grouping (ignored paths) needs the dominator tree again. */
    MS_TRY(ms__group_members(snap, member, *instances, true, !o->ignore_path_count, group_of, &w,
                             err));
    if (!o->ignore_path_count)
        goto finish;

    /* Drop the groups whose path matches a pattern, then group again so
     * that the retained totals leave them out exactly. */
    {
        size_t groups = ms_why_class_group_count(w), cap = 4096;
        MS_TRY(ms__alloc_array_zero(&drop_group, groups + 1, 1, "compare", err));
        MS_TRY(ms__alloc_array(&buf, cap, 1, "compare", err));
        for (size_t i = 0; i < groups; i++) {
            const ms_path_group *grp = ms_why_class_group(w, i);
            size_t len = ms_path_signature(snap, &grp->path, buf, cap);
            if (len >= cap) {
                free(buf);
                buf = NULL;
                cap = len + 1;
                MS_TRY(ms__alloc_array(&buf, cap, 1, "compare", err));
                ms_path_signature(snap, &grp->path, buf, cap);
            }
            for (size_t p = 0; p < o->ignore_path_count && !drop_group[i]; p++)
                drop_group[i] = fnmatch(o->ignore_paths[p], buf, 0) == 0;
            any |= drop_group[i];
        }
    }
    if (any) {
        for (uint32_t n = 0; n < N; n++) {
            if ((member[n >> 6] >> (n & 63) & 1) && drop_group[group_of[n]]) {
                member[n >> 6] &= ~(1ull << (n & 63));
                (*instances)--;
            }
        }
        ms_why_class_free(w);
        w = NULL;
        MS_TRY(ms__group_members(snap, member, *instances, true, true, NULL, &w, err));
    }
finish:
    *out = w;
    w = NULL;
done:
    ms_why_class_free(w);
    free(group_of);
    free(drop_class);
    free(drop_group);
    free(buf);
    return rc;
}

/* ---- the comparison ---------------------------------------------------- */

/* Row per (origin, key): interned as one string, origin byte first. */
static int row_for(ms_compare *c, const ms__classes *cl, uint32_t k, uint32_t *row, ms_error *err)
{
    char stack_buf[256], *tmp = stack_buf;
    uint32_t len = cl->cls[k].key_len;
    bool added;
    int rc;
    if (len + 1 > sizeof stack_buf) {
        tmp = malloc(len + 1);
        if (!tmp)
            return ms__oom(err, "compare");
    }
    tmp[0] = (char)('0' + cl->cls[k].origin);
    memcpy(tmp + 1, ms__class_key(cl, k), len);
    rc = ms__strtab_intern(&c->text, tmp, len + 1, row, &added, err);
    if (tmp != stack_buf)
        free(tmp);
    return rc;
}

static int by_growth(uint32_t a, uint32_t b, const void *ctx)
{
    const ms_compare_row *x = (const ms_compare_row *)ctx + a, *y = (const ms_compare_row *)ctx + b;
    int k;
    if (x->changed != y->changed)
        return x->changed ? -1 : 1;
    if (x->size_delta != y->size_delta)
        return x->size_delta > y->size_delta ? -1 : 1;
    if (x->count_delta != y->count_delta)
        return x->count_delta > y->count_delta ? -1 : 1;
    k = strcmp(x->key, y->key);
    return k ? k : strcmp(x->name, y->name);
}

static int classes_of(ms_snapshot *s, ms_summary_group group, const ms__classes **out,
                      ms_error *err)
{
    int rc = MS_OK;
    if (group == MS_GROUP_SITE) {
        if (!s->sites)
            MS_TRY(ms__classes_by_site(s->g, &s->pool, &s->sites, err));
        *out = s->sites;
    } else {
        MS_TRY(ms_snapshot_compute(s, MS_ANALYSIS_CLASSES, err));
        *out = s->classes;
    }
done:
    return rc;
}

int ms_compare_compute(ms_snapshot *before, ms_snapshot *after, const ms_compare_options *opts,
                       ms_compare **out, ms_error *err)
{
    static const ms_compare_options defaults = MS_COMPARE_OPTIONS_INIT;
    const ms_compare_options *o = opts ? opts : &defaults;
    const ms__graph *gb = before->g, *ga = after->g;
    const ms__classes *bcl = NULL, *acl = NULL;
    ms__classes *own_bcl = NULL;
    const uint64_t *bsh = NULL, *ash = NULL;
    uint32_t *row_of_b = NULL, *row_of_a = NULL, *order = NULL, *inv = NULL;
    uint64_t *member = NULL, instances = 0;
    ms_compare *c = NULL;
    ms_compare_row *rows = NULL;
    ms__edges_job edges;
    uint32_t nrows;
    int rc = MS_OK;

    *out = NULL;
    memset(&edges, 0, sizeof edges);
    if (o->version != MS_COMPARE_OPTIONS_VERSION)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "compare options version %u, expected %u",
                        o->version, MS_COMPARE_OPTIONS_VERSION);
    c = calloc(1, sizeof *c);
    if (!c)
        return ms__oom(err, "compare");
    c->after = after;
    MS_TRY(ms__strtab_init(&c->text, err));

    /* One array at a time, each step's scratch given back before the next
     * (memsnap compare holds AFTER's graph and what is left of BEFORE's):
     * the id orders (16 bytes per node of sort scratch), the shallow sizes,
     * then the classes, AFTER's first (BEFORE's may be named by them).
     * Meanwhile a second thread makes AFTER's edge rules, which its paths
     * need first (a BFS: 4 bytes per node of scratch, under the classes'
     * peak; a few MB kept). */
    if (o->paths && o->group == MS_GROUP_CLASS && o->match != MS_MATCH_BY_CLASS)
        ms__snapshot_edges_start(after, &edges);
    {
        const uint32_t *unused;
        MS_TRY(ms__snapshot_by_id(before, &unused, err));
        MS_TRY(ms__snapshot_by_id(after, &unused, err));
    }
    MS_TRY(ms__snapshot_shallow(before, &bsh, err));
    MS_TRY(ms__snapshot_shallow(after, &ash, err));
    c->ashallow = ash;
    MS_TRY(ms__snapshot_edges_join(after, &edges, MS_OK, err));
    ms__pool_drain(&before->pool);
    ms__pool_drain(&after->pool);

    /* Classes: AFTER's own; BEFORE's with AFTER's interface names (the
     * Memory panel) when both are V8 snapshots. */
    if (o->group == MS_GROUP_SITE) {
        MS_TRY(classes_of(after, MS_GROUP_SITE, &acl, err));
        MS_TRY(classes_of(before, MS_GROUP_SITE, &bcl, err));
    } else {
        MS_TRY(classes_of(after, MS_GROUP_CLASS, &acl, err));
        ms__pool_drain(&after->pool);
        if (o->interfaces == MS_INTERFACES_AFTER && ms__snapshot_is_v8(before) &&
            ms__snapshot_is_v8(after) && acl->ifaces) {
            MS_TRY(ms__classes_compute_with(gb, true, acl->ifaces, &before->pool, &own_bcl, err));
            bcl = own_bcl;
        } else {
            MS_TRY(classes_of(before, MS_GROUP_CLASS, &bcl, err));
        }
    }
    c->acl = acl;
    ms__pool_drain(&before->pool);

    /* Rows: one per (origin, key) of either snapshot. */
    MS_TRY(ms__alloc_array(&row_of_b, bcl->count + 1, 4, "compare", err));
    MS_TRY(ms__alloc_array(&row_of_a, acl->count + 1, 4, "compare", err));
    for (uint32_t k = 0; k < acl->count; k++)
        MS_TRY(row_for(c, acl, k, &row_of_a[k], err));
    for (uint32_t k = 0; k < bcl->count; k++)
        MS_TRY(row_for(c, bcl, k, &row_of_b[k], err));
    nrows = c->text.count;
    MS_TRY(ms__alloc_array_zero(&rows, nrows + 1, sizeof *rows, "compare", err));
    /* Names and keys point into the class tables of the snapshot that has
     * the row (AFTER first, as DevTools names a diff row). */
    for (uint32_t k = 0; k < bcl->count; k++) {
        ms_compare_row *r = &rows[row_of_b[k]];
        r->key = ms__class_key(bcl, k);
        r->name = ms__class_name(bcl, k);
    }
    for (uint32_t k = 0; k < acl->count; k++) {
        ms_compare_row *r = &rows[row_of_a[k]];
        r->key = ms__class_key(acl, k);
        r->name = ms__class_name(acl, k);
    }

    /* Per class, as each summary counts. */
    c->totals.before_nodes = gb->node_count;
    c->totals.after_nodes = ga->node_count;
    for (uint32_t n = 0; n < gb->node_count; n++) {
        uint64_t s = ms__shallow_of(gb, bsh, n);
        c->totals.before_size += s;
        if (s) {
            rows[row_of_b[bcl->of[n]]].before_count++;
            rows[row_of_b[bcl->of[n]]].before_size += s;
        }
    }
    for (uint32_t n = 0; n < ga->node_count; n++) {
        uint64_t s = ms__shallow_of(ga, ash, n);
        c->totals.after_size += s;
        if (s) {
            rows[row_of_a[acl->of[n]]].after_count++;
            rows[row_of_a[acl->of[n]]].after_size += s;
        }
    }

    /* By id or per class? */
    MS_TRY(ms__id_overlap(before, after, &c->totals.shared_ids, &c->totals.mismatched_ids, err));
    if (o->match == MS_MATCH_BY_ID) {
        c->by_id = 1;
    } else if (o->match == MS_MATCH_BY_CLASS) {
        c->by_id = 0;
    } else if (ms_snapshot_is_site_trace(before) || ms_snapshot_is_site_trace(after)) {
        /* An event trace's nodes are its allocation sites, not objects:
         * there is nothing to match by id. */
        snprintf(c->note, sizeof c->note,
                 "event traces without a heap snapshot: compared per allocation site");
    } else if (before->format != after->format) {
        snprintf(c->note, sizeof c->note, "the snapshots are of different formats (%s, %s)",
                 ms_format_name(before->format), ms_format_name(after->format));
    } else if (ms__other_process(c->totals.shared_ids, c->totals.mismatched_ids)) {
        if (c->totals.shared_ids == 0)
            snprintf(c->note, sizeof c->note,
                     "the snapshots share no object id: they come from different processes");
        else
            snprintf(c->note, sizeof c->note,
                     "%llu of the %llu object ids both snapshots hold name different objects: "
                     "they come from different processes",
                     (unsigned long long)c->totals.mismatched_ids,
                     (unsigned long long)c->totals.shared_ids);
    } else {
        c->by_id = 1;
    }

    if (c->by_id) {
        const uint32_t *ib, *ia;
        uint32_t i = 0, j = 0;
        MS_TRY(ms__snapshot_by_id(before, &ib, err));
        MS_TRY(ms__snapshot_by_id(after, &ia, err));
        MS_TRY(ms__alloc_array_zero(&member, ((uint64_t)ga->node_count + 63) / 64, 8, "compare", err));
        while (i < gb->node_count || j < ga->node_count) {
            uint32_t nb = i < gb->node_count ? ib[i] : NONE, na = j < ga->node_count ? ia[j] : NONE;
            uint64_t xb = nb != NONE ? ms__node_id(gb, nb) : UINT64_MAX;
            uint64_t xa = na != NONE ? ms__node_id(ga, na) : UINT64_MAX;
            bool take_b = nb != NONE && (na == NONE || xb <= xa);
            bool take_a = na != NONE && (nb == NONE || xa <= xb);
            uint64_t sb = take_b ? ms__shallow_of(gb, bsh, nb) : 0;
            uint64_t sa = take_a ? ms__shallow_of(ga, ash, na) : 0;
            uint32_t rb = take_b ? row_of_b[bcl->of[nb]] : NONE;
            uint32_t ra = take_a ? row_of_a[acl->of[na]] : NONE;
            if (sb && sa && rb == ra) {
                /* the same object, in the same class */
            } else {
                if (sb) {
                    rows[rb].removed_count++;
                    rows[rb].removed_size += sb;
                }
                if (sa) {
                    rows[ra].added_count++;
                    rows[ra].added_size += sa;
                    if (ga->node_type[na] != MS_NT_SYNTHETIC) {
                        member[na >> 6] |= 1ull << (na & 63);
                        instances++;
                    }
                }
            }
            i += take_b;
            j += take_a;
        }
    }

    /* Deltas, totals. */
    {
        for (uint32_t r = 0; r < nrows; r++) {
            ms_compare_row *x = &rows[r];
            if (c->by_id) {
                x->count_delta = (int64_t)x->added_count - (int64_t)x->removed_count;
                x->size_delta = (int64_t)x->added_size - (int64_t)x->removed_size;
                c->totals.added_count += x->added_count;
                c->totals.added_size += x->added_size;
                c->totals.removed_count += x->removed_count;
                c->totals.removed_size += x->removed_size;
            } else {
                x->count_delta = (int64_t)x->after_count - (int64_t)x->before_count;
                x->size_delta = (int64_t)x->after_size - (int64_t)x->before_size;
            }
            for (size_t p = 0; p < o->ignore_class_count && !x->ignored; p++)
                x->ignored = strcmp(x->name, o->ignore_classes[p]) == 0 ||
                             strcmp(x->key, o->ignore_classes[p]) == 0;
        }
    }

    /* The new objects: counted here, grouped by path below. */
    if (c->by_id) {
        for (uint32_t n = 0; n < ga->node_count; n++) {
            if (!(member[n >> 6] >> (n & 63) & 1) || rows[row_of_a[acl->of[n]]].ignored)
                continue;
            c->totals.new_count++;
            c->totals.new_size += ms__shallow_of(ga, ash, n);
        }
        c->member = member;
        c->instances = instances;
        member = NULL;
    }

    /* The rows that changed, largest growth first. */
    MS_TRY(ms__alloc_array(&order, nrows + 1, 4, "compare", err));
    MS_TRY(ms__alloc_array(&inv, nrows + 1, 4, "compare", err));
    {
        uint32_t kept = 0;
        for (uint32_t r = 0; r < nrows; r++) {
            ms_compare_row *x = &rows[r];
            x->changed = c->by_id ? (x->added_count || x->removed_count)
                                  : (x->count_delta || x->size_delta);
            inv[r] = NONE;
            order[kept++] = r;
        }
        MS_TRY(ms__sort_u32(order, kept, by_growth, rows, err));
        MS_TRY(ms__alloc_array(&c->rows, kept + 1, sizeof *c->rows, "compare", err));
        for (uint32_t i = 0; i < kept; i++) {
            c->rows[i] = rows[order[i]];
            inv[order[i]] = i;
        }
        c->count = kept;
        /* Own copies of the texts: BEFORE's classes may be gone. */
        {
            uint64_t *off = NULL;
            MS_TRY(ms__alloc_array(&off, 2 * (uint64_t)kept + 1, 8, "compare", err));
            for (uint32_t i = 0; i < kept && rc == MS_OK; i++) {
                off[2 * i] = c->names.len;
                rc = ms__sbuf_append(&c->names, c->rows[i].key, strlen(c->rows[i].key) + 1, err);
                off[2 * i + 1] = c->names.len;
                if (rc == MS_OK)
                    rc = ms__sbuf_append(&c->names, c->rows[i].name, strlen(c->rows[i].name) + 1,
                                         err);
            }
            for (uint32_t i = 0; i < kept && rc == MS_OK; i++) {
                c->rows[i].key = c->names.data + off[2 * i];
                c->rows[i].name = c->names.data + off[2 * i + 1];
            }
            free(off);
            if (rc < 0)
                goto done;
        }
    }
    MS_TRY(ms__alloc_array(&c->row_of_aclass, acl->count + 1, 4, "compare", err));
    for (uint32_t k = 0; k < acl->count; k++)
        c->row_of_aclass[k] = inv[row_of_a[k]];
    if (c->by_id && o->paths && o->paths != MS_COMPARE_PATHS_LATER && o->group == MS_GROUP_CLASS)
        MS_TRY(ms_compare_add_paths(c, o, err));
    *out = c;
    c = NULL;
done:
    rc = ms__snapshot_edges_join(after, &edges, rc, err);
    if (own_bcl)
        ms__classes_free(own_bcl);
    free(row_of_b);
    free(row_of_a);
    free(order);
    free(inv);
    free(member);
    free(rows);
    ms_compare_free(c);
    return rc;
}

int ms_compare_add_paths(ms_compare *c, const ms_compare_options *opts, ms_error *err)
{
    static const ms_compare_options defaults = MS_COMPARE_OPTIONS_INIT;
    const ms_compare_options *o = opts ? opts : &defaults;
    ms_snapshot *after = c->after;
    const uint64_t *ash;
    int rc = MS_OK;

    if (o->version != MS_COMPARE_OPTIONS_VERSION)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "compare options version %u, expected %u",
                        o->version, MS_COMPARE_OPTIONS_VERSION);
    if (!c->by_id || !c->member || c->groups || o->group != MS_GROUP_CLASS)
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "compare: paths need objects matched by id, rows per class, and no paths "
                        "yet");
    /* The dominator scratch is the peak: the id order is done with, and
     * the classes and shallow sizes are cheaper to compute again after
     * than to hold meanwhile (12 bytes per node; those bytes go to the
     * distances, which run next to the dominators' DFS instead of after). */
    if (!after->idom && !after->retained) {
        ms__snapshot_forget(after, MS__FORGET_ID_ORDER | MS__FORGET_SHALLOW | MS__FORGET_CLASSES);
        ms__pool_drain(&after->pool);
        ms__release_free_memory();
        c->acl = NULL;
        c->ashallow = NULL;
    }
    MS_TRY(ms__group_new(after, c->member, &c->instances, o, &c->groups, err));
    MS_TRY(ms__snapshot_shallow(after, &ash, err));
    c->acl = after->classes;
    c->ashallow = ash;
    c->totals.new_count = c->totals.new_size = 0;
    c->totals.new_retained = ms_why_class_retained(c->groups);
    for (size_t i = 0; i < ms_why_class_group_count(c->groups); i++) {
        const ms_path_group *grp = ms_why_class_group(c->groups, i);
        uint32_t r = c->row_of_aclass[c->acl->of[grp->example]];
        c->totals.new_count += grp->count;
        c->totals.new_size += grp->shallow_size;
        if (r != NONE)
            c->rows[r].added_retained += grp->retained_size;
    }
done:
    return rc;
}

int ms_compare_by_id(const ms_compare *c) { return c->by_id; }
const char *ms_compare_note(const ms_compare *c) { return c->note[0] ? c->note : NULL; }
const ms_compare_totals *ms_compare_totals_get(const ms_compare *c) { return &c->totals; }
size_t ms_compare_row_count(const ms_compare *c) { return c->count; }
const ms_compare_row *ms_compare_row_get(const ms_compare *c, size_t i) { return &c->rows[i]; }
const ms_why_class *ms_compare_groups(const ms_compare *c) { return c->groups; }

size_t ms_compare_node_row(const ms_compare *c, ms_node n)
{
    uint32_t r;
    if (n >= c->after->g->node_count || !ms__shallow_of(c->after->g, c->ashallow, n))
        return SIZE_MAX;
    r = c->row_of_aclass[c->acl->of[n]];
    return r == NONE ? SIZE_MAX : r;
}

void ms_compare_free(ms_compare *c)
{
    if (!c)
        return;
    ms__strtab_free(&c->text);
    ms__sbuf_free(&c->names);
    free(c->rows);
    free(c->row_of_aclass);
    ms_why_class_free(c->groups);
    free(c->member);
    free(c);
}
