/*
 * cycle_groups.c: reference cycles grouped by shape (ms_cycle_groups_compute).
 * A program that builds 200 parent/child pairs has 200 cycles of one
 * shape; listed one by one they hide everything else.
 *
 * A cycle's canonical form is a multiset of lines, each counted:
 *   (member, class)                          one per member;
 *   (edge type, source class, name, target class)  one per edge between
 *       two members that takes part in cycles (ms__cycle_edge), with
 *       indices and a collection's keys made alike (ms__edge_alike);
 * counted in a hash table with the whole line as its key, then sorted.  It
 * does not depend on the order of nodes or edges.  Two cycles are one shape
 * when their forms are equal and they are on the same side (the program's
 * or the runtime's).  The form is an invariant, not an isomorphism test:
 * two cycles wired differently out of the same classes and the same
 * counted edges are one shape (docs/paths.md says so).
 *
 * Groups are found by the form's 64-bit signature (a sum of per-line
 * hashes of class keys and edge names, so the same in snapshots of one
 * process) and then compared whole: a collision of signatures makes two
 * groups with one signature, never one group of two shapes.
 *
 * Memory: 4 bytes per node (each member's cycle, then its group) and two
 * bitsets of N bits, 4 bytes per cycle, 20 bytes per distinct line of each
 * group's form, and the counting table of the largest form met (28 bytes
 * per distinct line at most).
 */
#include "paths.h"

#include "../dominators/dominators.h"
#include "../util/bitset.h"
#include "../util/map.h"
#include "../util/pool.h"
#include "../util/sort.h"
#include "../util/vec.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define MEMBER 0xFFu   /* a line's type when it counts members (edge types are < 16) */
#define ALIKE UINT32_MAX /* the name of an index or a key (no string has this id) */

struct ms_cycle_groups {
    ms_cycles *cycles;            /* every cycle (owned) */
    size_t count;                 /* groups listed */
    ms_cycle_group *groups;
    uint32_t *order;              /* cycle indices, group by group */
    uint64_t *first;              /* [count + 1]: group i's cycles are order[first[i] ..) */
    ms_cycle_class *classes;      /* every group's, back to back */
    ms_cycle_shape_edge *edges;
    ms_cycle_totals totals;
};

/* One line of a canonical form (20 bytes). */
typedef struct line {
    uint32_t type;  /* MEMBER, or the edge type */
    uint32_t from;  /* the member's class; the edge's source class */
    uint32_t name;  /* the edge name's string id, or ALIKE; 0 for members */
    uint32_t to;    /* the edge's target class; 0 for members */
    uint32_t count; /* in the cycle */
} line;

/* The lines of one cycle, counted in an open-addressing table keyed by the
 * whole line.  A slot is in use when its stamp is the current generation,
 * so moving to the next cycle clears nothing. */
typedef struct counter {
    line *lines;
    uint64_t n, cap;
    uint32_t *slot;   /* index into lines */
    uint32_t *stamp;
    uint64_t mask;    /* slots - 1 */
    uint32_t gen;
} counter;

/* One shape while grouping. */
typedef struct shape {
    uint64_t sig;
    uint64_t form;     /* its lines: arena[form .. form + len) */
    uint32_t len;
    uint32_t next;     /* another shape of the same signature, or NONE */
    uint32_t example;  /* a cycle index */
    uint32_t size;
    bool user;
    bool listed;
    uint64_t count, shallow, retained, unreachable;
} shape;

typedef struct grouping {
    const ms__heap *h;
    ms_cycles *cyc;
    bool program_refs;
    ms_cycle_edges edges;
    uint32_t *of;          /* u32[N]: each member's cycle, later its shape; NONE */
    uint32_t *shape_of;    /* per cycle */
    shape *shapes;
    uint64_t nshapes, shapes_cap;
    line *arena;
    uint64_t arena_len, arena_cap;
    ms__map64 by_sig;      /* signature -> first shape with it */
    uint64_t *key_hash;    /* per class: its key's hash */
    counter cnt;
} grouping;

/* A line's slot hash (its four fields into 64 bits, then fmix64). */
static uint64_t line_hash(const line *l)
{
    uint64_t k = ((uint64_t)l->from << 32 | l->to) ^ (uint64_t)l->name * 0x9E3779B97F4A7C15ull;
    return ms__hash64(k ^ (uint64_t)l->type << 60);
}

static bool same_line(const line *a, const line *b)
{
    return a->type == b->type && a->from == b->from && a->name == b->name && a->to == b->to;
}

/* A table of 2^bits slots, all free.  Errors: MS_ENOMEM. */
static int counter_slots(counter *c, unsigned bits, ms_error *err)
{
    uint64_t slots = 1ull << bits;
    int rc = MS_OK;
    free(c->slot);
    free(c->stamp);
    c->slot = NULL;
    c->stamp = NULL;
    MS_TRY(ms__alloc_array(&c->slot, slots, 4, "cycle shapes", err));
    MS_TRY(ms__alloc_array_zero(&c->stamp, slots, 4, "cycle shapes", err));
    c->mask = slots - 1;
    c->gen = 1;
done:
    return rc;
}

/* Starts counting the next cycle. */
static void counter_clear(counter *c)
{
    c->n = 0;
    if (++c->gen == 0) { /* after 2^32 cycles: stamps would repeat */
        memset(c->stamp, 0, (size_t)(c->mask + 1) * 4);
        c->gen = 1;
    }
}

/* Puts line index i in its slot (a free one: i is not there yet). */
static void counter_place(counter *c, uint32_t i)
{
    uint64_t s = line_hash(&c->lines[i]) & c->mask;
    while (c->stamp[s] == c->gen)
        s = (s + 1) & c->mask;
    c->stamp[s] = c->gen;
    c->slot[s] = i;
}

/* Counts one line.  Errors: MS_ENOMEM. */
static int counter_add(counter *c, uint32_t type, uint32_t from, uint32_t name, uint32_t to,
                       ms_error *err)
{
    line l = {type, from, name, to, 1};
    uint64_t s = line_hash(&l) & c->mask;
    int rc = MS_OK;
    for (; c->stamp[s] == c->gen; s = (s + 1) & c->mask) {
        if (same_line(&c->lines[c->slot[s]], &l)) {
            c->lines[c->slot[s]].count++;
            return MS_OK;
        }
    }
    if ((c->n + 1) * 2 > c->mask + 1) { /* at most half full: grow, place the lines again */
        unsigned bits = 1;
        while ((1ull << bits) <= c->mask)
            bits++;
        MS_TRY(counter_slots(c, bits + 1, err));
        for (uint64_t i = 0; i < c->n; i++)
            counter_place(c, (uint32_t)i);
    }
    MS_TRY(ms__grow(&c->lines, &c->cap, c->n + 1, 64, sizeof *c->lines, "cycle shapes", err));
    c->lines[c->n] = l;
    counter_place(c, (uint32_t)c->n++);
done:
    return rc;
}

static int line_cmp(const void *a, const void *b, const void *ctx)
{
    const line *x = a, *y = b;
    (void)ctx;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->name != y->name)
        return x->name < y->name ? -1 : 1;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return 0;
}

/* The canonical form of cycle cy into gr->cnt, sorted.  Errors: MS_ENOMEM. */
static int cycle_form(grouping *gr, uint32_t ci, const ms_cycle *cy, ms_error *err)
{
    const ms__graph *g = gr->h->g;
    const uint32_t *cls = gr->h->classes->of;
    counter *c = &gr->cnt;
    int rc = MS_OK;
    counter_clear(c);
    for (uint32_t k = 0; k < cy->size; k++) {
        uint32_t n = cy->members[k];
        MS_TRY(counter_add(c, MEMBER, cls[n], 0, 0, err));
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            uint32_t to = ms__edge_to(g, e);
            if (gr->of[to] != ci || !ms__cycle_edge(g, gr->program_refs, gr->edges, n, e))
                continue;
            MS_TRY(counter_add(c, ms__edge_type(g, e), cls[n],
                                   ms__edge_alike(g, n, e) ? ALIKE : g->edge_name[e], cls[to],
                                   err));
        }
    }
    rc = ms__sort(c->lines, c->n, sizeof *c->lines, line_cmp, NULL, err);
done:
    return rc;
}

/* The signature of a form: a sum of its lines' hashes (any order gives the
 * same), each from the class keys and the edge name's text, so that it
 * does not depend on how the snapshot numbers classes and strings. */
static uint64_t form_signature(const grouping *gr, const line *l, uint64_t n, bool user)
{
    const ms__graph *g = gr->h->g;
    uint64_t sum = user ? 0x5EED05E2ull : 0x2B7E1516ull;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = ms__mix64(0x9A3E7C11ull, l[i].type);
        x = ms__mix64(x, gr->key_hash[l[i].from]);
        if (l[i].type != MEMBER) {
            uint64_t name = 0xA11CEull;
            if (l[i].name != ALIKE) {
                size_t len;
                const char *s = ms__strtab_get(&g->strings, l[i].name, &len);
                name = ms__hash_bytes(s, len);
            }
            x = ms__mix64(ms__mix64(x, name), gr->key_hash[l[i].to]);
        }
        sum += ms__hash64(ms__mix64(x, l[i].count));
    }
    return ms__hash64(sum);
}

/* Whether a cycle is the program's.  Formats without origins: always (a
 * Python or C heap is the program's).  V8: when a member is of the
 * program's code; when none is of the runtime's either (plain data), when
 * what holds it is: the nearest object on the entry's retention path that
 * is not plain data or a GC root category.  Plain data held only by the
 * global object is the runtime's: that is how the engine holds its
 * builtins (Error and its prototype); a program's own cycles hang from its
 * module's variables. */
static bool cycle_user(const ms__heap *h, const ms_cycle *cy)
{
    const ms__graph *g = h->g;
    const ms__rules *r = h->rules;
    bool runtime = false;
    uint32_t n;
    if (!ms__rules_has_origins(r))
        return true;
    for (uint32_t k = 0; k < cy->size; k++) {
        int o = ms__rules_origin(h->rules, h->g, cy->members[k]);
        if (o == MS__ORIGIN_USER)
            return true;
        runtime |= o == MS__ORIGIN_RUNTIME;
    }
    if (runtime || !h->parent_edge)
        return false;
    for (n = cy->entry; h->parent_edge[n] != NONE;) {
        int o;
        n = ms__edge_source(g, h->parent_edge[n]);
        if (g->node_type[n] == MS_NT_SYNTHETIC)
            continue;
        o = ms__rules_origin(h->rules, h->g, n);
        if (o != MS__ORIGIN_UNKNOWN)
            return o == MS__ORIGIN_USER;
    }
    return false;
}

/* Whether shape s's form is lines[n] (and on the same side). */
static bool same_form(const grouping *gr, const shape *s, const line *l, uint64_t n, bool user)
{
    if (s->user != user || s->len != n)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        const line *a = &gr->arena[s->form + i];
        if (!same_line(a, &l[i]) || a->count != l[i].count)
            return false;
    }
    return true;
}

/* Whether cycle a is a better example than cycle b: reached from the
 * roots, then retaining more, then larger, then first in the list. */
static bool better_example(const ms__heap *h, const ms_cycle *a, const ms_cycle *b)
{
    bool ra = h->distance[a->entry] >= 0, rb = h->distance[b->entry] >= 0;
    if (ra != rb)
        return ra;
    if (a->retained_size != b->retained_size)
        return a->retained_size > b->retained_size;
    return a->shallow_size > b->shallow_size;
}

/* The shape of cycle ci, found or added; its counts updated.
 * Errors: MS_ENOMEM, MS_ELIMIT. */
static int file_cycle(grouping *gr, uint32_t ci, ms_error *err)
{
    const ms_cycle *cy = ms_cycles_get(gr->cyc, ci);
    const counter *c = &gr->cnt;
    bool user, added;
    uint64_t sig;
    uint32_t si, head;
    shape *s;
    int rc = MS_OK;
    MS_TRY(cycle_form(gr, ci, cy, err));
    user = cycle_user(gr->h, cy);
    sig = form_signature(gr, c->lines, c->n, user);
    if (gr->nshapes >= NONE - 1 || c->n > UINT32_MAX) {
        rc = ms__fail(err, MS_ELIMIT, UINT64_MAX, "too many cycle shapes");
        goto done;
    }
    MS_TRY(ms__map64_put(&gr->by_sig, sig, (uint32_t)gr->nshapes, &head, &added, err));
    si = head;
    if (!added) {
        uint32_t last = head;
        while (si != NONE && !same_form(gr, &gr->shapes[si], c->lines, c->n, user))
            last = si, si = gr->shapes[si].next;
        if (si == NONE) /* another form with this signature: a collision */
            gr->shapes[last].next = si = (uint32_t)gr->nshapes;
    }
    if (si == gr->nshapes) {
        MS_TRY(ms__grow(&gr->shapes, &gr->shapes_cap, gr->nshapes + 1, 64, sizeof *gr->shapes,
                            "cycle shapes", err));
        MS_TRY(ms__grow(&gr->arena, &gr->arena_cap, gr->arena_len + c->n, 256,
                            sizeof *gr->arena, "cycle shapes", err));
        memcpy(gr->arena + gr->arena_len, c->lines, (size_t)c->n * sizeof *c->lines);
        gr->shapes[gr->nshapes++] = (shape){.sig = sig, .form = gr->arena_len,
                                            .len = (uint32_t)c->n, .next = NONE, .example = ci,
                                            .size = cy->size, .user = user};
        gr->arena_len += c->n;
    }
    s = &gr->shapes[si];
    gr->shape_of[ci] = si;
    s->count++;
    s->shallow += cy->shallow_size;
    if (gr->h->distance[cy->entry] < 0)
        s->unreachable++;
    if (better_example(gr->h, cy, ms_cycles_get(gr->cyc, s->example)))
        s->example = ci;
done:
    return rc;
}

/* Every cycle into its shape; gr->of[] marks each member's cycle first.
 * Errors: MS_ENOMEM, MS_ELIMIT. */
static int file_cycles(grouping *gr, ms_error *err)
{
    const ms__classes *cl = gr->h->classes;
    const size_t count = ms_cycles_count(gr->cyc);
    int rc = MS_OK;
    for (uint32_t n = 0; n < gr->h->g->node_count; n++)
        gr->of[n] = NONE;
    for (size_t i = 0; i < count; i++) {
        const ms_cycle *cy = ms_cycles_get(gr->cyc, i);
        for (uint32_t k = 0; k < cy->size; k++)
            gr->of[cy->members[k]] = (uint32_t)i;
    }
    MS_TRY(ms__alloc_array(&gr->key_hash, cl->count ? cl->count : 1, 8, "cycle shapes", err));
    for (uint32_t k = 0; k < cl->count; k++) {
        const char *key = ms__class_key(cl, k);
        gr->key_hash[k] = ms__hash_bytes(key, strlen(key));
    }
    MS_TRY(ms__alloc_array(&gr->shape_of, count ? count : 1, 4, "cycle shapes", err));
    MS_TRY(ms__map64_init(&gr->by_sig, 64, err));
    MS_TRY(counter_slots(&gr->cnt, 6, err));
    for (size_t i = 0; i < count; i++)
        MS_TRY(file_cycle(gr, (uint32_t)i, err));
done:
    return rc;
}

/* Which shapes are listed: those with a member of a wanted class
 * (class_wanted NULL: all). */
static void mark_listed(grouping *gr, const bool *class_wanted)
{
    for (uint64_t i = 0; i < gr->nshapes; i++) {
        shape *s = &gr->shapes[i];
        s->listed = !class_wanted;
        for (uint32_t k = 0; k < s->len && !s->listed; k++) {
            const line *l = &gr->arena[s->form + k];
            s->listed = l->type == MEMBER && class_wanted[l->from];
        }
    }
}

/* What each listed shape's cycles retain together: the members no other
 * member of the same shape dominates (one walk down the dominator tree).
 * gr->of[] becomes each member's shape.  Errors: MS_ENOMEM. */
static int shape_retained(grouping *gr, ms_error *err)
{
    const ms__heap *h = gr->h;
    const uint32_t N = h->g->node_count;
    uint64_t *member = NULL, *top = NULL;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&member, N, "cycle shapes", err));
    MS_TRY(ms__bitset_alloc(&top, N, "cycle shapes", err));
    for (uint32_t n = 0; n < N; n++) {
        if (gr->of[n] == NONE)
            continue;
        gr->of[n] = gr->shape_of[gr->of[n]];
        if (gr->shapes[gr->of[n]].listed)
            ms__bit_set(member, n);
    }
    MS_TRY(ms__dominated_tops(h->g, h->dom_first, h->dom_child, h->retained, member, gr->of,
                              (uint32_t)gr->nshapes, top, NULL, NULL, err));
    for (uint32_t n = 0; n < N; n++)
        if (ms__bit(top, n))
            gr->shapes[gr->of[n]].retained += h->retained[n];
done:
    free(member);
    free(top);
    return rc;
}

/* The program's shapes first, then the largest retained, shallow, count. */
static int shape_cmp(uint32_t a, uint32_t b, const void *ctx)
{
    const shape *x = (const shape *)ctx + a, *y = (const shape *)ctx + b;
    if (x->user != y->user)
        return x->user ? -1 : 1;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    if (x->shallow != y->shallow)
        return x->shallow > y->shallow ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->example < y->example ? -1 : x->example > y->example;
}

/* Orders class ids by count in the shape (pos[id] while sorting), then
 * name and key. */
typedef struct class_order {
    const ms__classes *cl;
    const uint32_t *pos;
} class_order;

static int class_cmp(uint32_t a, uint32_t b, const void *ctx)
{
    const class_order *o = ctx;
    int d;
    if (o->pos[a] != o->pos[b])
        return o->pos[a] > o->pos[b] ? -1 : 1;
    if ((d = strcmp(ms__class_name(o->cl, a), ms__class_name(o->cl, b))) != 0)
        return d;
    if ((d = strcmp(ms__class_key(o->cl, a), ms__class_key(o->cl, b))) != 0)
        return d;
    return a < b ? -1 : a > b;
}

static int edge_cmp(const void *a, const void *b, const void *ctx)
{
    const ms_cycle_shape_edge *x = a, *y = b;
    int d;
    (void)ctx;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if ((d = strcmp(x->name, y->name)) != 0)
        return d;
    if ((d = strcmp(x->type, y->type)) != 0)
        return d;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* A group's classes and shape edges from shape s, into o's arrays at *nc
 * and *ne.  pos (u32 per class, all NONE; left so) maps a class to its
 * index in the group; ids (u32, at least s's member lines) is scratch.
 * Errors: MS_ENOMEM. */
static int shape_out(const grouping *gr, const shape *s, ms_cycle_groups *o, ms_cycle_group *grp,
                     uint64_t *nc, uint64_t *ne, uint32_t *pos, uint32_t *ids, ms_error *err)
{
    const ms__heap *h = gr->h;
    const ms__graph *g = h->g;
    const line *l = gr->arena + s->form;
    const class_order order = {h->classes, pos};
    ms_cycle_class *cls = o->classes + *nc;
    ms_cycle_shape_edge *edg = o->edges + *ne;
    size_t c = 0, m = 0;
    int rc = MS_OK;
    for (uint32_t k = 0; k < s->len; k++) {
        if (l[k].type == MEMBER) {
            ids[c++] = l[k].from;
            pos[l[k].from] = l[k].count;
        }
    }
    MS_TRY(ms__sort_u32(ids, c, class_cmp, &order, err));
    for (size_t k = 0; k < c; k++) {
        cls[k] = (ms_cycle_class){ms__class_name(h->classes, ids[k]),
                                  ms__class_key(h->classes, ids[k]), pos[ids[k]]};
        pos[ids[k]] = (uint32_t)k;
    }
    for (uint32_t k = 0; k < s->len; k++) {
        const char *name = "[]";
        if (l[k].type == MEMBER)
            continue;
        if (l[k].name != ALIKE)
            name = ms__strtab_get(&g->strings, l[k].name, NULL);
        edg[m++] = (ms_cycle_shape_edge){pos[l[k].from], pos[l[k].to],
                                         g->edge_type_names[l[k].type], name, l[k].count};
    }
    for (size_t k = 0; k < c; k++)
        pos[ids[k]] = NONE;
    MS_TRY(ms__sort(edg, m, sizeof *edg, edge_cmp, NULL, err));
    grp->class_count = c;
    grp->classes = cls;
    grp->edge_count = m;
    grp->edges = edg;
    *nc += c;
    *ne += m;
done:
    return rc;
}

/* The listed shapes in order (sorted: order[listed]) as o's groups, their
 * classes and edges, and their cycles grouped.  Errors: MS_ENOMEM. */
static int make_output(const grouping *gr, const uint32_t *sorted, size_t listed,
                       ms_cycle_groups *o, ms_error *err)
{
    const ms__heap *h = gr->h;
    const size_t ncycles = ms_cycles_count(gr->cyc);
    uint64_t lines_c = 0, lines_e = 0, nc = 0, ne = 0, max_c = 1, at = 0;
    uint32_t *pos = NULL, *ids = NULL, *rank = NULL;
    int rc = MS_OK;
    for (size_t i = 0; i < listed; i++) {
        const shape *s = &gr->shapes[sorted[i]];
        uint64_t c = 0;
        for (uint32_t k = 0; k < s->len; k++)
            c += gr->arena[s->form + k].type == MEMBER;
        lines_c += c;
        lines_e += s->len - c;
        max_c = c > max_c ? c : max_c;
    }
    o->count = listed;
    MS_TRY(ms__alloc_array_zero(&o->groups, listed ? listed : 1, sizeof *o->groups, "cycles", err));
    MS_TRY(ms__alloc_array(&o->classes, lines_c ? lines_c : 1, sizeof *o->classes, "cycles", err));
    MS_TRY(ms__alloc_array(&o->edges, lines_e ? lines_e : 1, sizeof *o->edges, "cycles", err));
    MS_TRY(ms__alloc_array(&o->first, listed + 1, 8, "cycles", err));
    MS_TRY(ms__alloc_array(&o->order, ncycles ? ncycles : 1, 4, "cycles", err));
    MS_TRY(ms__alloc_array(&pos, h->classes->count ? h->classes->count : 1, 4, "cycles", err));
    MS_TRY(ms__alloc_array(&ids, max_c, 4, "cycles", err));
    MS_TRY(ms__alloc_array(&rank, gr->nshapes ? gr->nshapes : 1, 4, "cycles", err));
    memset(pos, 0xFF, (size_t)(h->classes->count ? h->classes->count : 1) * 4);
    memset(rank, 0xFF, (size_t)(gr->nshapes ? gr->nshapes : 1) * 4);
    for (size_t i = 0; i < listed; i++) {
        const shape *s = &gr->shapes[sorted[i]];
        ms_cycle_group *grp = &o->groups[i];
        grp->count = s->count;
        grp->size = s->size;
        grp->shallow_size = s->shallow;
        grp->retained_size = s->retained;
        grp->unreachable = s->unreachable;
        grp->user = s->user;
        grp->signature = s->sig;
        grp->example = ms_cycles_get(gr->cyc, s->example);
        MS_TRY(shape_out(gr, s, o, grp, &nc, &ne, pos, ids, err));
        rank[sorted[i]] = (uint32_t)i;
        o->first[i] = at;
        at += s->count;
    }
    o->first[listed] = at;
    /* The cycles by group, each group's in the cycles' order. */
    {
        uint64_t *next = o->first; /* walks each group's slots, then is set back */
        for (size_t ci = 0; ci < ncycles; ci++) {
            uint32_t r = rank[gr->shape_of[ci]];
            if (r != NONE)
                o->order[next[r]++] = (uint32_t)ci;
        }
        for (size_t i = listed; i > 0; i--)
            next[i] = next[i - 1];
        next[0] = 0;
    }
done:
    free(pos);
    free(ids);
    free(rank);
    return rc;
}

static void count_totals(const grouping *gr, ms_cycle_groups *o)
{
    ms_cycle_totals *t = &o->totals;
    t->cycles = ms_cycles_count(gr->cyc);
    t->groups = gr->nshapes;
    for (size_t i = 0; i < o->count; i++) {
        const ms_cycle_group *grp = &o->groups[i];
        if (grp->user) {
            t->user_cycles += grp->count;
            t->user_groups++;
        } else {
            t->runtime_cycles += grp->count;
            t->runtime_groups++;
        }
        t->unreachable += grp->unreachable;
    }
}

static void grouping_free(grouping *gr, ms__pool *pool)
{
    ms__pool_release(pool, gr->of, gr->h->g->node_count, 4);
    free(gr->shape_of);
    free(gr->shapes);
    free(gr->arena);
    free(gr->key_hash);
    free(gr->cnt.lines);
    free(gr->cnt.slot);
    free(gr->cnt.stamp);
    ms__map64_free(&gr->by_sig);
}

int ms__cycle_groups(const ms__heap *h, ms_cycle_edges edges, const bool *class_wanted,
                     ms__pool *pool, ms_cycle_groups **out, ms_error *err)
{
    grouping gr;
    ms_cycle_groups *o = NULL;
    uint32_t *sorted = NULL;
    size_t listed = 0;
    int rc = MS_OK;

    *out = NULL;
    memset(&gr, 0, sizeof gr);
    gr.h = h;
    gr.program_refs = h->rules->program_refs;
    gr.edges = edges;
    o = calloc(1, sizeof *o);
    if (!o) {
        rc = ms__oom(err, "cycles");
        goto done;
    }
    MS_TRY(ms__cycles(h, edges, pool, &o->cycles, err));
    gr.cyc = o->cycles;
    MS_TRY(ms__pool_alloc(pool, &gr.of, h->g->node_count, 4, false, "cycle shapes", err));
    MS_TRY(file_cycles(&gr, err));
    mark_listed(&gr, class_wanted);
    MS_TRY(shape_retained(&gr, err));
    MS_TRY(ms__alloc_array(&sorted, gr.nshapes ? gr.nshapes : 1, 4, "cycle shapes", err));
    for (uint64_t i = 0; i < gr.nshapes; i++)
        if (gr.shapes[i].listed)
            sorted[listed++] = (uint32_t)i;
    MS_TRY(ms__sort_u32(sorted, listed, shape_cmp, gr.shapes, err));
    MS_TRY(make_output(&gr, sorted, listed, o, err));
    count_totals(&gr, o);
    *out = o;
    o = NULL;
done:
    if (gr.h)
        grouping_free(&gr, pool);
    free(sorted);
    ms_cycle_groups_free(o);
    return rc;
}

size_t ms_cycle_groups_count(const ms_cycle_groups *g) { return g->count; }
const ms_cycle_group *ms_cycle_groups_get(const ms_cycle_groups *g, size_t i)
{
    return &g->groups[i];
}
const ms_cycle *ms_cycle_groups_cycle(const ms_cycle_groups *g, size_t i, size_t k)
{
    return ms_cycles_get(g->cycles, g->order[g->first[i] + k]);
}
const ms_cycle_totals *ms_cycle_groups_totals(const ms_cycle_groups *g) { return &g->totals; }

void ms_cycle_groups_free(ms_cycle_groups *g)
{
    if (!g)
        return;
    ms_cycles_free(g->cycles);
    free(g->groups);
    free(g->order);
    free(g->first);
    free(g->classes);
    free(g->edges);
    free(g);
}
