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
#include "compare.h"

#include "../paths/paths.h"
#include "../util/bitset.h"
#include "../util/sort.h"

#include <stdio.h>
#include <string.h>

#define NONE UINT32_MAX

static bool same_node(const ms__graph *a, uint32_t x, const ms__graph *b, uint32_t y)
{
    size_t la, lb;
    const char *na, *nb;
    if (strcmp(a->node_type_names[a->node_type[x]], b->node_type_names[b->node_type[y]]) != 0)
        return false;
    na = ms__node_name(a, x, &la);
    nb = ms__node_name(b, y, &lb);
    /* A DOM node detached between the two snapshots is the same object:
     * the browser (and DevTools' propagateDOMState) renamed it "Detached
     * <name>". */
    if (la >= 9 && memcmp(na, "Detached ", 9) == 0)
        na += 9, la -= 9;
    if (lb >= 9 && memcmp(nb, "Detached ", 9) == 0)
        nb += 9, lb -= 9;
    return la == lb && memcmp(na, nb, la) == 0;
}

void ms__id_overlap(const ms__heap *a, const ms__heap *b, uint64_t *shared, uint64_t *mismatched)
{
    const ms__graph *ga = a->g, *gb = b->g;
    const uint32_t *ia = a->by_id, *ib = b->by_id;
    uint32_t i = 0, j = 0;
    *shared = *mismatched = 0;
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
}

bool ms__process_differs(const ms__graph *a, const ms__graph *b, char *why, size_t n)
{
    const ms__process *p = &a->process, *q = &b->process;
    unsigned long long pid = (unsigned long long)p->pid;
    if (p->pid != q->pid)
        snprintf(why, n, "pid %llu and pid %llu", pid, (unsigned long long)q->pid);
    else if (p->program != q->program)
        snprintf(why, n, "both pid %llu, of different executables", pid);
    else if (p->build_id && q->build_id && p->build_id != q->build_id)
        snprintf(why, n, "both pid %llu, of different builds of the executable", pid);
    else if (p->start_ticks && q->start_ticks &&
             (p->start_ticks != q->start_ticks || p->boot != q->boot))
        snprintf(why, n, "both pid %llu, started at different times", pid);
    else
        return false;
    return true;
}

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

/* Rows: one per (origin, key) of either snapshot; row_of_b and row_of_a
 * (per class) get each class's row, *rows (zeroed, nrows of them) the rows
 * named after the snapshot that has them (AFTER first, as DevTools names a
 * diff row). */
static int make_rows(ms_compare *c, const ms__classes *bcl, const ms__classes *acl,
                     uint32_t *row_of_b, uint32_t *row_of_a, ms_compare_row **rows,
                     uint32_t *nrows, ms_error *err)
{
    int rc = MS_OK;
    for (uint32_t k = 0; k < acl->count; k++)
        MS_TRY(row_for(c, acl, k, &row_of_a[k], err));
    for (uint32_t k = 0; k < bcl->count; k++)
        MS_TRY(row_for(c, bcl, k, &row_of_b[k], err));
    *nrows = c->text.count;
    MS_TRY(ms__alloc_array_zero(rows, *nrows + 1, sizeof **rows, "compare", err));
    for (uint32_t k = 0; k < bcl->count; k++) {
        ms_compare_row *r = &(*rows)[row_of_b[k]];
        r->key = ms__class_key(bcl, k);
        r->name = ms__class_name(bcl, k);
    }
    for (uint32_t k = 0; k < acl->count; k++) {
        ms_compare_row *r = &(*rows)[row_of_a[k]];
        r->key = ms__class_key(acl, k);
        r->name = ms__class_name(acl, k);
    }
done:
    return rc;
}

/* Counts and sizes per class, as each summary counts them (objects with a
 * non-zero shallow size), into the side's fields of the rows. */
static void count_side(const ms__heap *h, const ms__classes *cl, const uint32_t *row_of,
                       ms_compare_row *rows, bool after, uint64_t *total)
{
    for (uint32_t n = 0; n < h->g->node_count; n++) {
        uint64_t s = ms__shallow_of(h, n);
        ms_compare_row *r = &rows[row_of[cl->of[n]]];
        *total += s;
        if (!s)
            continue;
        if (after) {
            r->after_count++;
            r->after_size += s;
        } else {
            r->before_count++;
            r->before_size += s;
        }
    }
}

/* By id, or per class only (with a note saying why)? */
static void decide_match(ms_compare *c, const ms__compare_inputs *in, const ms_compare_options *o)
{
    if (o->match == MS_MATCH_BY_ID) {
        c->by_id = 1;
    } else if (o->match == MS_MATCH_BY_CLASS) {
        c->by_id = 0;
    } else if (in->before_sites || in->after_sites) {
        /* An event trace's nodes are its allocation sites, not objects:
         * there is nothing to match by id. */
        snprintf(c->note, sizeof c->note,
                 "event traces without a heap snapshot: compared per allocation site");
    } else if (in->before->format != in->after->format) {
        snprintf(c->note, sizeof c->note, "the snapshots are of different formats (%s, %s)",
                 ms_format_name(in->before->format), ms_format_name(in->after->format));
    } else if (in->before->g->process.known && in->after->g->process.known) {
        /* The files say which process: the ids cannot, where they are
         * addresses that other objects of the same process reuse. */
        char why[128];
        if (ms__process_differs(in->before->g, in->after->g, why, sizeof why))
            snprintf(c->note, sizeof c->note,
                     "the snapshots come from different processes (%s)", why);
        else
            c->by_id = 1;
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
}

/* DevTools' per-class id merge, done once over the whole id orders: an id
 * only in BEFORE is deleted, one only in AFTER is new (and marked in
 * member unless synthetic), equal ids in one row are the same object. */
static int match_ids(ms_compare *c, const ms__compare_inputs *in, const uint32_t *row_of_b,
                     const uint32_t *row_of_a, ms_compare_row *rows, ms_error *err)
{
    const ms__heap *bh = in->before, *ah = in->after;
    const ms__graph *gb = bh->g, *ga = ah->g;
    const uint32_t *ib = bh->by_id, *ia = ah->by_id;
    uint32_t i = 0, j = 0;
    if (ms__bitset_alloc(&c->member, ga->node_count, "compare", err) < 0)
        return MS_ENOMEM;
    while (i < gb->node_count || j < ga->node_count) {
        uint32_t nb = i < gb->node_count ? ib[i] : NONE, na = j < ga->node_count ? ia[j] : NONE;
        uint64_t xb = nb != NONE ? ms__node_id(gb, nb) : UINT64_MAX;
        uint64_t xa = na != NONE ? ms__node_id(ga, na) : UINT64_MAX;
        bool take_b = nb != NONE && (na == NONE || xb <= xa);
        bool take_a = na != NONE && (nb == NONE || xa <= xb);
        uint64_t sb = take_b ? ms__shallow_of(bh, nb) : 0;
        uint64_t sa = take_a ? ms__shallow_of(ah, na) : 0;
        uint32_t rb = take_b ? row_of_b[in->bcl->of[nb]] : NONE;
        uint32_t ra = take_a ? row_of_a[in->acl->of[na]] : NONE;
        if (!(sb && sa && rb == ra)) { /* not the same object in the same class */
            if (sb) {
                rows[rb].removed_count++;
                rows[rb].removed_size += sb;
            }
            if (sa) {
                rows[ra].added_count++;
                rows[ra].added_size += sa;
                if (ga->node_type[na] != MS_NT_SYNTHETIC) {
                    ms__bit_set(c->member, na);
                    c->instances++;
                }
            }
        }
        i += take_b;
        j += take_a;
    }
    return MS_OK;
}

/* Deltas, totals, ignored rows, and the new objects not ignored. */
static void totals(ms_compare *c, const ms__compare_inputs *in, const uint32_t *row_of_a,
                   ms_compare_row *rows, uint32_t nrows, const ms_compare_options *o)
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
        x->changed = c->by_id ? (x->added_count || x->removed_count)
                              : (x->count_delta || x->size_delta);
    }
    if (!c->by_id)
        return;
    /* The new objects: counted here, grouped by path later. */
    for (uint32_t n = 0; n < in->after->g->node_count; n++) {
        if (!ms__bit(c->member, n) || rows[row_of_a[in->acl->of[n]]].ignored)
            continue;
        c->totals.new_count++;
        c->totals.new_size += ms__shallow_of(in->after, n);
    }
}

/* The rows largest growth first, with their own copies of the names
 * (BEFORE's classes may be gone), and AFTER's classes' rows. */
static int sort_rows(ms_compare *c, const ms__classes *acl, const uint32_t *row_of_a,
                     const ms_compare_row *rows, uint32_t nrows, ms_error *err)
{
    uint32_t *order = NULL, *inv = NULL;
    uint64_t *off = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&order, nrows + 1, 4, "compare", err));
    MS_TRY(ms__alloc_array(&inv, nrows + 1, 4, "compare", err));
    for (uint32_t r = 0; r < nrows; r++)
        order[r] = r;
    MS_TRY(ms__sort_u32(order, nrows, by_growth, rows, err));
    MS_TRY(ms__alloc_array(&c->rows, nrows + 1, sizeof *c->rows, "compare", err));
    for (uint32_t i = 0; i < nrows; i++) {
        c->rows[i] = rows[order[i]];
        inv[order[i]] = i;
    }
    c->count = nrows;
    MS_TRY(ms__alloc_array(&off, 2 * (uint64_t)nrows + 1, 8, "compare", err));
    for (uint32_t i = 0; i < nrows; i++) {
        off[2 * i] = c->names.len;
        MS_TRY(ms__sbuf_append(&c->names, c->rows[i].key, strlen(c->rows[i].key) + 1, err));
        off[2 * i + 1] = c->names.len;
        MS_TRY(ms__sbuf_append(&c->names, c->rows[i].name, strlen(c->rows[i].name) + 1, err));
    }
    for (uint32_t i = 0; i < nrows; i++) {
        c->rows[i].key = c->names.data + off[2 * i];
        c->rows[i].name = c->names.data + off[2 * i + 1];
    }
    MS_TRY(ms__alloc_array(&c->row_of_aclass, acl->count + 1, 4, "compare", err));
    for (uint32_t k = 0; k < acl->count; k++)
        c->row_of_aclass[k] = inv[row_of_a[k]];
done:
    free(order);
    free(inv);
    free(off);
    return rc;
}

int ms__compare_rows(const ms__compare_inputs *in, const ms_compare_options *o, ms_compare **out,
                     ms_error *err)
{
    const ms__classes *bcl = in->bcl, *acl = in->acl;
    uint32_t *row_of_b = NULL, *row_of_a = NULL, nrows = 0;
    ms_compare_row *rows = NULL;
    ms_compare *c;
    int rc = MS_OK;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return ms__oom(err, "compare");
    c->ag = in->after->g;
    c->acl = acl;
    c->ashallow = in->after->shallow;
    MS_TRY(ms__strtab_init(&c->text, err));
    MS_TRY(ms__alloc_array(&row_of_b, bcl->count + 1, 4, "compare", err));
    MS_TRY(ms__alloc_array(&row_of_a, acl->count + 1, 4, "compare", err));
    MS_TRY(make_rows(c, bcl, acl, row_of_b, row_of_a, &rows, &nrows, err));
    c->totals.before_nodes = in->before->g->node_count;
    c->totals.after_nodes = in->after->g->node_count;
    count_side(in->before, bcl, row_of_b, rows, false, &c->totals.before_size);
    count_side(in->after, acl, row_of_a, rows, true, &c->totals.after_size);
    ms__id_overlap(in->before, in->after, &c->totals.shared_ids, &c->totals.mismatched_ids);
    decide_match(c, in, o);
    if (c->by_id)
        MS_TRY(match_ids(c, in, row_of_b, row_of_a, rows, err));
    totals(c, in, row_of_a, rows, nrows, o);
    MS_TRY(sort_rows(c, acl, row_of_a, rows, nrows, err));
    *out = c;
    c = NULL;
done:
    free(row_of_b);
    free(row_of_a);
    free(rows);
    ms_compare_free(c);
    return rc;
}

void ms__compare_set_groups(ms_compare *c, const ms__heap *after, ms_path_groups *groups)
{
    c->groups = groups;
    c->acl = after->classes;
    c->ashallow = after->shallow;
    c->totals.new_count = c->totals.new_size = 0;
    c->totals.new_retained = ms_path_groups_retained(groups);
    for (size_t i = 0; i < ms_path_groups_count(groups); i++) {
        const ms_path_group *grp = ms_path_groups_get(groups, i);
        c->totals.new_count += grp->count;
        c->totals.new_size += grp->shallow_size;
    }
    for (uint32_t k = 0; k < c->acl->count; k++)
        if (c->row_of_aclass[k] != NONE)
            c->rows[c->row_of_aclass[k]].added_retained +=
                ms__path_groups_class_retained(groups, k);
}

int ms__keep_input(ms_snapshot_info *infos, char **names, unsigned which,
                   const ms_snapshot_info *info, ms_error *err)
{
    char *name = ms__strdup(info->name);
    if (!name)
        return ms__oom(err, "compare");
    free(names[which]);
    names[which] = name;
    infos[which] = *info;
    infos[which].name = name;
    return MS_OK;
}

int ms_compare_by_id(const ms_compare *c) { return c->by_id; }
const char *ms_compare_note(const ms_compare *c) { return c->note[0] ? c->note : NULL; }
const ms_compare_totals *ms_compare_totals_get(const ms_compare *c) { return &c->totals; }
size_t ms_compare_row_count(const ms_compare *c) { return c->count; }
const ms_compare_row *ms_compare_row_get(const ms_compare *c, size_t i) { return &c->rows[i]; }
const ms_path_groups *ms_compare_groups(const ms_compare *c) { return c->groups; }

size_t ms_compare_node_row(const ms_compare *c, ms_node n)
{
    uint32_t r;
    if (n >= c->ag->node_count || !(c->ashallow ? c->ashallow[n] : ms__node_self(c->ag, n)))
        return SIZE_MAX;
    r = c->row_of_aclass[c->acl->of[n]];
    return r == NONE ? SIZE_MAX : r;
}

const ms_snapshot_info *ms_compare_input(const ms_compare *c, unsigned which)
{
    return which < 2 ? &c->input[which] : NULL;
}

const ms_trace_diff *ms_compare_trace_diff(const ms_compare *c) { return c->trace; }
double ms_compare_seconds(const ms_compare *c) { return c->seconds; }

void ms_compare_free(ms_compare *c)
{
    if (!c)
        return;
    ms_trace_diff_free(c->trace);
    for (unsigned i = 0; i < 2; i++)
        free(c->input_name[i]);
    ms__strtab_free(&c->text);
    ms__sbuf_free(&c->names);
    free(c->rows);
    free(c->row_of_aclass);
    ms_path_groups_free(c->groups);
    free(c->member);
    if (c->release)
        c->release(c->owner);
    free(c);
}
