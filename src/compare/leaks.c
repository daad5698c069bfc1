/*
 * leaks.c: memlab's leak model over three snapshots of one process.
 *
 * Reference: memlab's documentation ("how memlab works"): the leaked
 * objects are (target \ baseline) ∩ final by object id: allocated while the
 * user did the action under test and still alive after undoing it.  memlab
 * then filters them with browser-specific rules (detached DOM, React
 * fibers); memsnap keeps every object that a strong path reaches in FINAL
 * and leaves choosing to the user's ignore lists, then clusters them by
 * retention path as memlab clusters its traces.
 */
#include "compare.h"

#include "../dominators/dominators.h"
#include "../paths/paths.h"
#include "../util/bitset.h"
#include "../util/vec.h"
#include "../util/sort.h"

#include <string.h>

int ms__same_process(const ms__heap *a, const char *an, const ms__heap *b, const char *bn,
                     ms_error *err)
{
    uint64_t shared, mismatched;
    char why[128];
    if (a->g->process.known && b->g->process.known) {
        if (!ms__process_differs(a->g, b->g, why, sizeof why))
            return MS_OK;
        return ms__fail(err, MS_EFORMAT, UINT64_MAX,
                        "%s and %s come from different processes (%s); leaks needs three "
                        "snapshots of one process",
                        an, bn, why);
    }
    ms__id_overlap(a, b, &shared, &mismatched);
    if (!ms__other_process(shared, mismatched))
        return MS_OK;
    if (shared == 0)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX,
                        "%s and %s share no object id: they come from different processes, "
                        "and leaks needs three snapshots of one process",
                        an, bn);
    return ms__fail(err, MS_EFORMAT, UINT64_MAX,
                    "%s and %s come from different processes (%llu of the %llu ids they share "
                    "name different objects); leaks needs three snapshots of one process",
                    an, bn, (unsigned long long)mismatched, (unsigned long long)shared);
}

static int by_retained(uint32_t a, uint32_t b, const void *ctx)
{
    const ms_class_row *x = (const ms_class_row *)ctx + a, *y = (const ms_class_row *)ctx + b;
    if (x->retained_size != y->retained_size)
        return x->retained_size > y->retained_size ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Whether id is in the id-sorted node list idx of g, moving *at forward
 * (ids are asked in increasing order). */
static bool has_id(const ms__graph *g, const uint32_t *idx, uint32_t *at, uint64_t id)
{
    while (*at < g->node_count && ms__node_id(g, idx[*at]) < id)
        (*at)++;
    return *at < g->node_count && ms__node_id(g, idx[*at]) == id;
}

int ms__leak_members(const ms__heap *baseline, const ms__heap *target, const ms__heap *final,
                     uint64_t **member, uint64_t *instances, ms_error *err)
{
    const ms__graph *gf = final->g;
    uint32_t ib_at = 0, it_at = 0;
    *instances = 0;
    if (ms__bitset_alloc(member, gf->node_count, "leaks", err) < 0)
        return MS_ENOMEM;
    /* FINAL's objects, in id order, whose id TARGET has and BASELINE has
     * not. */
    for (uint32_t i = 0; i < gf->node_count; i++) {
        uint32_t n = final->by_id[i];
        uint64_t id = ms__node_id(gf, n);
        if (gf->node_type[n] == MS_NT_SYNTHETIC || !ms__shallow_of(final, n) ||
            final->distance[n] == MS_DISTANCE_UNREACHABLE)
            continue;
        if (has_id(target->g, target->by_id, &it_at, id) &&
            !has_id(baseline->g, baseline->by_id, &ib_at, id)) {
            ms__bit_set(*member, n);
            (*instances)++;
        }
    }
    return MS_OK;
}

/* Who holds each node, walking the dominator tree from the root: the
 * nearest dominator (the node itself first) whose origin is known decides,
 * synthetic nodes and plain data pass the decision of their dominator on,
 * and the GC roots count as the program's.  held[n] (N bytes) gets 1 for
 * the program, 0 for the engine and runtime.  Explicit stack: dominator
 * chains can be millions long.  Errors: MS_ENOMEM. */
static int program_held(const ms__heap *h, uint8_t *held, ms_error *err)
{
    const ms__graph *g = h->g;
    const ms__rules *r = h->rules;
    uint32_t *stack = NULL;
    uint64_t sp = 0, cap = 1024;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&stack, cap, 4, "leaks", err));
    held[g->root] = 1;
    stack[sp++] = g->root;
    while (sp) {
        uint32_t v = stack[--sp];
        for (uint32_t k = h->dom_first[v]; k < h->dom_first[v + 1]; k++) {
            uint32_t c = h->dom_child[k];
            int o = g->node_type[c] == MS_NT_SYNTHETIC ? MS__ORIGIN_UNKNOWN
                                                       : ms__rules_origin(r, g, c);
            held[c] = o == MS__ORIGIN_USER ? 1 : o == MS__ORIGIN_RUNTIME ? 0 : held[v];
            if (sp == cap)
                MS_TRY(ms__grow(&stack, &cap, sp + 1, 1024, 4, "leaks", err));
            stack[sp++] = c;
        }
    }
done:
    free(stack);
    return rc;
}

int ms__leaks_program(const ms__heap *final, const uint64_t *member, uint64_t *count,
                      uint64_t *retained, uint64_t **held_out, ms_error *err)
{
    const uint32_t N = final->g->node_count;
    uint8_t *held = NULL;
    uint64_t *counted = NULL, *top = NULL;
    int rc = MS_OK;
    *count = *retained = 0;
    if (held_out)
        *held_out = NULL;
    MS_TRY(ms__alloc_array_zero(&held, N ? N : 1, 1, "leaks", err));
    MS_TRY(ms__bitset_alloc(&counted, N, "leaks", err));
    MS_TRY(ms__bitset_alloc(&top, N, "leaks", err));
    MS_TRY(program_held(final, held, err));
    for (uint32_t n = 0; n < N; n++)
        if (ms__bit(member, n) && held[n]) {
            ms__bit_set(counted, n);
            (*count)++;
        }
    MS_TRY(ms__dominated_tops(final->g, final->dom_first, final->dom_child, final->retained,
                              counted, NULL, 1, top, NULL, retained, err));
    if (held_out) {
        *held_out = counted;
        counted = NULL;
    }
done:
    free(held);
    free(counted);
    free(top);
    return rc;
}

int ms__leaks_finish(const ms__heap *final, const uint64_t *member, const uint64_t *held,
                     ms_path_groups *groups, ms_leaks **out, ms_error *err)
{
    const ms__graph *gf = final->g;
    const ms__classes *cl = final->classes;
    ms_class_row *rows = NULL;
    uint64_t *program = NULL; /* per class */
    uint32_t *order = NULL;
    ms_leaks *l;
    int rc = MS_OK;

    *out = NULL;
    l = calloc(1, sizeof *l);
    if (!l) {
        ms_path_groups_free(groups);
        return ms__oom(err, "leaks");
    }
    l->groups = groups;
    l->totals.retained_size = ms_path_groups_retained(groups);
    MS_TRY(ms__alloc_array_zero(&rows, cl->count + 1, sizeof *rows, "leaks", err));
    MS_TRY(ms__alloc_array_zero(&program, cl->count + 1, 8, "leaks", err));
    for (uint32_t c = 0; c < cl->count; c++) {
        rows[c].key = ms__class_key(cl, c);
        rows[c].name = ms__class_name(cl, c);
        rows[c].distance = INT32_MAX;
        rows[c].first = MS_NODE_NONE;
    }
    for (uint32_t n = 0; n < gf->node_count; n++) {
        ms_class_row *r;
        if (!ms__bit(member, n))
            continue;
        r = &rows[cl->of[n]];
        r->count++;
        program[cl->of[n]] += !held || ms__bit(held, n);
        r->shallow_size += ms__shallow_of(final, n);
        if (final->distance[n] < r->distance)
            r->distance = final->distance[n];
        if (r->first == MS_NODE_NONE)
            r->first = n;
        l->totals.count++;
        l->totals.shallow_size += ms__shallow_of(final, n);
    }
    for (uint32_t c = 0; c < cl->count; c++)
        rows[c].retained_size = ms__path_groups_class_retained(groups, c);
    MS_TRY(ms__alloc_array(&order, cl->count + 1, 4, "leaks", err));
    for (uint32_t c = 0; c < cl->count; c++)
        if (rows[c].count)
            order[l->nrows++] = c;
    MS_TRY(ms__sort_u32(order, l->nrows, by_retained, rows, err));
    MS_TRY(ms__alloc_array(&l->rows, l->nrows + 1, sizeof *l->rows, "leaks", err));
    MS_TRY(ms__alloc_array(&l->row_program, l->nrows + 1, 8, "leaks", err));
    for (size_t i = 0; i < l->nrows; i++) {
        l->rows[i] = rows[order[i]];
        l->row_program[i] = program[order[i]];
    }
    *out = l;
    l = NULL;
done:
    free(rows);
    free(program);
    free(order);
    ms_leaks_free(l);
    return rc;
}

const ms_leaks_totals *ms_leaks_totals_get(const ms_leaks *l) { return &l->totals; }
size_t ms_leaks_class_count(const ms_leaks *l) { return l->nrows; }
const ms_class_row *ms_leaks_class_get(const ms_leaks *l, size_t i) { return &l->rows[i]; }
uint64_t ms_leaks_class_program_count(const ms_leaks *l, size_t i) { return l->row_program[i]; }
const ms_path_groups *ms_leaks_groups(const ms_leaks *l) { return l->groups; }
double ms_leaks_seconds(const ms_leaks *l) { return l->seconds; }

const ms_snapshot_info *ms_leaks_input(const ms_leaks *l, unsigned which)
{
    return which < 3 ? &l->input[which] : NULL;
}

void ms_leaks_free(ms_leaks *l)
{
    if (!l)
        return;
    free(l->rows);
    free(l->row_program);
    ms_path_groups_free(l->groups);
    for (unsigned i = 0; i < 3; i++)
        free(l->input_name[i]);
    if (l->release)
        l->release(l->owner);
    free(l);
}
