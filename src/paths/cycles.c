/*
 * cycles.c: reference cycles - the strongly connected components with more
 * than one object, or an object referring to itself (scc.c finds them).
 *
 * Which edges count decides what a cycle is.  In a V8 heap almost every
 * object reaches almost every other through engine plumbing (hidden classes,
 * prototypes, function contexts), so with every strong edge most of the heap
 * is one component and the question "which of my objects form cycles?" has
 * no answer.  The default for V8 therefore follows the references a program
 * writes: properties, array elements and closure variables, plus the
 * engine's data stores (internal edges into and out of arrays: an object's
 * elements and properties, a Map's or Set's table and its slots).  Python
 * heaps (.mlyze) alike: the recorder writes a program's references as
 * property and element edges and the runtime's links (__class__,
 * __globals__, a function's code) as internal ones, which tie most of a
 * heap into one component.  Boehm captures: every strong edge (a C heap's
 * words are all the program's).
 */
#include "paths.h"

#include "../graph/scc.h"
#include "../util/bitset.h"
#include "../util/pool.h"
#include "../util/sort.h"

#include <string.h>

#define NONE UINT32_MAX

struct ms_cycles {
    size_t count;
    ms_cycle *cycles;
    ms_node *members;
};

typedef struct pred_ctx {
    bool program_refs; /* the format tells program references from plumbing */
    ms_cycle_edges edges;
    uint64_t *self_loop; /* bit per node: keeps an edge to itself */
} pred_ctx;

bool ms__cycle_edge(const ms__graph *g, bool program_refs, ms_cycle_edges edges, uint32_t from,
                    uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    if (t == MS_ET_WEAK)
        return false;
    if (!program_refs || edges == MS_CYCLE_EDGES_ALL)
        return true;
    if (t == MS_ET_PROPERTY || t == MS_ET_ELEMENT || t == MS_ET_CONTEXT)
        return true;
    /* an internal edge into or out of an array: a data store's slot */
    return t == MS_ET_INTERNAL &&
           (g->node_type[ms__edge_to(g, e)] == MS_NT_ARRAY || g->node_type[from] == MS_NT_ARRAY);
}

/* The SCC predicate; notes self references on the way (each edge is asked
 * about once). */
static bool keep_edge(const ms__graph *g, void *payload, uint32_t from, uint64_t e)
{
    pred_ctx *p = payload;
    if (!ms__cycle_edge(g, p->program_refs, p->edges, from, e))
        return false;
    if (ms__edge_to(g, e) == from)
        ms__bit_set(p->self_loop, from);
    return true;
}

static int cycle_cmp(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const ms_cycle *x = a, *y = b;
    if (x->shallow_size != y->shallow_size)
        return x->shallow_size > y->shallow_size ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->members[0] < y->members[0] ? -1 : x->members[0] > y->members[0];
}

/* The non-trivial components (two members or more, or a self reference):
 * slot[k] (u32[ncomp]) gets component k's cycle number, or NONE; size[k]
 * its member count.  *cycles and *total: how many cycles, and members in
 * all.  Errors: MS_ENOMEM. */
static int number_cycles(const ms__graph *g, const uint32_t *comp, uint32_t ncomp,
                         const uint64_t *self_loop, uint32_t *size, uint32_t *slot,
                         size_t *cycles, uint64_t *total, ms_error *err)
{
    bool *comp_self = NULL;
    *cycles = 0;
    *total = 0;
    if (ms__alloc_array_zero(&comp_self, ncomp ? ncomp : 1, 1, "cycles", err) < 0)
        return MS_ENOMEM;
    for (uint32_t n = 0; n < g->node_count; n++) {
        size[comp[n]]++;
        if (ms__bit(self_loop, n))
            comp_self[comp[n]] = true;
    }
    for (uint32_t k = 0; k < ncomp; k++) {
        if (size[k] > 1 || comp_self[k]) {
            slot[k] = (uint32_t)(*cycles)++;
            *total += size[k];
        } else {
            slot[k] = NONE;
        }
    }
    free(comp_self);
    return MS_OK;
}

/* Fills the cycles: members grouped by cycle (counting sort), in node
 * order, their shallow sizes, what the cycle retains (members not
 * dominated from inside it), and the member closest to the roots. */
static void fill_cycles(const ms__heap *h, const uint32_t *comp, uint32_t ncomp,
                        const uint32_t *size, const uint32_t *slot, ms_cycles *c)
{
    const ms__graph *g = h->g;
    uint64_t at = 0;
    for (uint32_t k = 0; k < ncomp; k++) {
        ms_cycle *cy;
        if (slot[k] == NONE)
            continue;
        cy = &c->cycles[slot[k]];
        memset(cy, 0, sizeof *cy);
        cy->members = c->members + at;
        cy->entry = NONE;
        at += size[k];
    }
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint32_t s = slot[comp[n]];
        ms_cycle *cy;
        if (s == NONE)
            continue;
        cy = &c->cycles[s];
        ((ms_node *)cy->members)[cy->size++] = n;
        cy->shallow_size += ms__shallow_of(h, n);
        if (n == g->root || slot[comp[h->idom[n]]] != s)
            cy->retained_size += h->retained[n];
        if (h->distance[n] >= 0 &&
            (cy->entry == NONE || h->distance[cy->entry] < 0 ||
             h->distance[n] < h->distance[cy->entry]))
            cy->entry = n;
    }
    for (size_t i = 0; i < c->count; i++)
        if (c->cycles[i].entry == NONE)
            c->cycles[i].entry = c->cycles[i].members[0];
}

int ms__cycles(const ms__heap *h, ms_cycle_edges edges, ms__pool *pool, ms_cycles **out,
               ms_error *err)
{
    const ms__graph *g = h->g;
    const uint32_t N = g->node_count;
    ms_cycles *c = NULL;
    uint32_t *comp = NULL, *size = NULL, *slot = NULL, ncomp = 0;
    uint64_t *self_loop = NULL, total = 0;
    pred_ctx pc;
    int rc = MS_OK;

    *out = NULL;
    pc.program_refs = h->rules->program_refs;
    pc.edges = edges;
    MS_TRY(ms__bitset_alloc(&self_loop, N, "cycles", err));
    pc.self_loop = self_loop;
    c = calloc(1, sizeof *c);
    if (!c) {
        rc = ms__oom(err, "cycles");
        goto done;
    }
    MS_TRY(ms__pool_alloc(pool, &comp, N, 4, false, "cycles", err));
    MS_TRY(ms__scc(g, keep_edge, &pc, pool, comp, &ncomp, err));
    MS_TRY(ms__alloc_array_zero(&size, ncomp, 4, "cycles", err));
    MS_TRY(ms__alloc_array(&slot, ncomp, 4, "cycles", err));
    MS_TRY(number_cycles(g, comp, ncomp, self_loop, size, slot, &c->count, &total, err));
    MS_TRY(ms__alloc_array(&c->cycles, c->count ? c->count : 1, sizeof *c->cycles, "cycles", err));
    MS_TRY(ms__alloc_array(&c->members, total ? total : 1, sizeof *c->members, "cycles", err));
    fill_cycles(h, comp, ncomp, size, slot, c);
    MS_TRY(ms__sort(c->cycles, c->count, sizeof *c->cycles, cycle_cmp, NULL, err));
    *out = c;
    c = NULL;
done:
    ms__pool_release(pool, comp, N, 4);
    free(size);
    free(slot);
    free(self_loop);
    ms_cycles_free(c);
    return rc;
}

size_t ms_cycles_count(const ms_cycles *c) { return c->count; }
const ms_cycle *ms_cycles_get(const ms_cycles *c, size_t i) { return &c->cycles[i]; }

void ms_cycles_free(ms_cycles *c)
{
    if (!c)
        return;
    free(c->cycles);
    free(c->members);
    free(c);
}
