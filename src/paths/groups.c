/*
 * groups.c: objects grouped by the shape of their retention paths, as
 * memlab clusters its leak traces: the signature of a path is the classes
 * and edge names along it, with indices, numeric names, a collection's
 * keys and repeats of the same hop (a linked list) collapsed, and the
 * runtime's hops before the program's first one folded into one
 * (ms_path_signature; docs/paths.md).  Signatures are memoised along the
 * path tree: a node's extends its parent's by one hop.
 */
#include "paths.h"

#include "../dominators/dominators.h"
#include "../util/bitset.h"
#include "../util/map.h"
#include "../util/sort.h"
#include "../util/vec.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct ms_path_groups {
    uint64_t instances;
    uint64_t retained_total; /* members not dominated by another member */
    size_t count;
    ms_path_group *groups;
    ms_hop *hops;
    uint64_t *class_retained; /* per class (CLASS, CAUSE), else NULL */
    uint32_t classes;
};

/* Whether an edge name is a number ("1419": V8 names the slots of a Map's
 * table and of an elements store this way). */
static bool numeric_name(const ms__graph *g, uint32_t sid)
{
    size_t len;
    const char *s = ms__strtab_get(&g->strings, sid, &len);
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Objects with more out-edges than this are collections (a dictionary-mode
 * JS object, a Python dict used as a cache): their property names are keys,
 * data rather than structure.  Ordinary objects stay well below it (Node's
 * global object has about 250 properties, a browser's Window about 1000). */
#define KEYED_OUT_DEGREE 2048u

bool ms__edge_alike(const ms__graph *g, uint32_t from, uint64_t e)
{
    return ms__edge_type_is_indexed(ms__edge_type(g, e)) || numeric_name(g, g->edge_name[e]) ||
           g->first_edge[from + 1] - g->first_edge[from] > KEYED_OUT_DEGREE;
}

/* The name part of a hop's token: the string id, or for a name with
 * digits in it the hash of the name with each run of digits as one '#'
 * (keys of a cache, "user-120" and "job-153", are data: a dictionary's
 * entries are alike at any size); bit 63 keeps the two kinds apart. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Character i of name s as signatures read it: a run of digits is one '#'
 * (its first digit), -1 for the rest of the run. */
static int name_char(const char *s, size_t i)
{
    if (!is_digit(s[i]))
        return (unsigned char)s[i];
    return i > 0 && is_digit(s[i - 1]) ? -1 : '#';
}

static uint64_t name_token(const ms__graph *g, uint32_t sid)
{
    size_t len;
    const char *s = ms__strtab_get(&g->strings, sid, &len);
    uint64_t h = 0x9E3779B97F4A7C15ull;
    bool digits = false;
    for (size_t i = 0; i < len; i++) {
        int c = name_char(s, i);
        digits |= is_digit(s[i]);
        if (c >= 0)
            h = ms__mix64(h, (uint64_t)c);
    }
    return digits ? h | 1ull << 63 : sid;
}

/* A hop's token: the class it leaves, the edge type, and the edge name;
 * indices and keys (ms__edge_alike) are all alike, so the instances held by
 * one array, Map or dictionary share a signature, and so are names that
 * differ only in their numbers (name_token). */
static uint64_t hop_token(const ms__graph *g, const ms__classes *cl, uint32_t from, uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    uint64_t name = ms__edge_alike(g, from, e) ? UINT64_MAX : name_token(g, g->edge_name[e]);
    return ms__mix64(ms__mix64(ms__mix64(0x51ED270B, cl->of[from]), t), name);
}

/* Writes a name as name_token reads it (name_char) with put. */
#define PUT_NAME(put, s, n)                                                                        \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                      \
            int c_ = name_char((s), i_);                                                           \
            char ch_ = (char)c_;                                                                   \
            if (c_ >= 0)                                                                           \
                put(&ch_, 1);                                                                      \
        }                                                                                          \
    } while (0)

/* Where a hop stands on its path, for the fold: no runtime object met
 * yet, inside the runtime's hops (folded: the ones before the program's
 * first object, and the edge into them), or past the program's first one. */
enum { AT_START = 0, AT_RUNTIME = 1, AT_USER = 2 };

/* The state at a node reached from a node in state `at`. */
static int next_state(const ms__heap *h, int at, uint32_t n)
{
    int o;
    if (at == AT_USER)
        return AT_USER;
    o = ms__rules_origin(h->rules, h->g, n);
    if (o == MS__ORIGIN_USER)
        return AT_USER;
    return at == AT_RUNTIME || o == MS__ORIGIN_RUNTIME ? AT_RUNTIME : AT_START;
}

#define FOLD_TOKEN 0x7F4A7C15u

size_t ms__path_signature(const ms__heap *h, const ms_path *path, char *buf, size_t cap)
{
    const ms__graph *g = h->g;
    const ms__classes *cl = h->classes;
    size_t len = 0;
    uint64_t prev = 0;
    int at = AT_START;
    if (cap)
        buf[0] = 0;
#define PUT(s, n)                                                                                  \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        if (len < cap) {                                                                           \
            size_t k_ = len + n_ < cap ? n_ : cap - 1 - len;                                       \
            memcpy(buf + len, (s), k_);                                                            \
            buf[len + k_] = 0;                                                                     \
        }                                                                                          \
        len += n_;                                                                                 \
    } while (0)
    for (size_t i = 0; i < path->length; i++) {
        uint32_t n = path->hops[i].node;
        uint64_t e = path->hops[i].edge;
        size_t l;
        const char *name;
        if (cl) {
            name = ms__class_name(cl, cl->of[n]);
            l = strlen(name);
        } else {
            name = ms__node_name(g, n, &l);
        }
        if (e == UINT64_MAX) {
            PUT(name, l);
            break;
        }
        if (i + 1 < path->length) {
            int next = next_state(h, at, path->hops[i + 1].node);
            if (next == AT_RUNTIME) {
                if (at != AT_RUNTIME)
                    PUT("(runtime) ", 10);
                at = next;
                prev = 0;
                continue;
            }
            at = next;
        }
        {
            uint64_t tok = cl ? ((uint32_t)hop_token(g, cl, n, e) | 1u) : 0;
            size_t el;
            const char *en;
            if (cl && tok == prev)
                continue; /* a repeat of the hop before (a list) */
            prev = tok;
            PUT(name, l);
            PUT(" --", 3);
            if (ms__edge_alike(g, n, e)) {
                PUT("[]", 2);
            } else {
                en = ms__strtab_get(&g->strings, g->edge_name[e], &el);
                PUT_NAME(PUT, en, el);
            }
            PUT("--> ", 4);
        }
    }
#undef PUT
    return len;
}

static int group_cmp(uint32_t a, uint32_t b, const void *ctx)
{
    const ms_path_group *x = (const ms_path_group *)ctx + a, *y = (const ms_path_group *)ctx + b;
    if (x->retained_size != y->retained_size)
        return x->retained_size > y->retained_size ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->example < y->example ? -1 : x->example > y->example;
}

/* The token of the hop into x along the path tree (0 for the root). */
static uint32_t hop_into(const ms__edge_sources *src, const ms__classes *cl,
                         const uint32_t *parent_edge, uint32_t x)
{
    const ms__graph *g = src->g;
    uint32_t e = parent_edge[x];
    return x == g->root ? 0 : (uint32_t)hop_token(g, cl, ms__edge_sources_get(src, e), e) | 1u;
}

int ms__group_begin(const ms__heap *h, const uint64_t *member, uint64_t instances,
                    ms__group_by by, ms__grouping *gr, ms_error *err)
{
    const ms__classes *cl = h->classes;
    bool per_class = by != MS__GROUP_SET;
    int rc;
    memset(gr, 0, sizeof *gr);
    gr->member = member;
    gr->instances = instances;
    gr->by = by;
    if ((rc = ms__bitset_alloc(&gr->top, h->g->node_count, "why", err)) < 0 ||
        (by == MS__GROUP_CAUSE &&
         (rc = ms__bitset_alloc(&gr->top_any, h->g->node_count, "why", err)) < 0)) {
        ms__group_abort(gr);
        return rc;
    }
    rc = ms__dominated_tops(h->g, h->dom_first, h->dom_child, h->retained, member,
                            per_class ? cl->of : NULL, per_class ? cl->count : 1, gr->top,
                            gr->top_any, &gr->retained_total, err);
    if (rc < 0)
        ms__group_abort(gr);
    return rc;
}

void ms__group_abort(ms__grouping *gr)
{
    free(gr->top);
    free(gr->top_any);
    gr->top = gr->top_any = NULL;
}

/* Path signatures of the members, memoised along the path tree: sig(n)
 * extends its parent's by the hop into n, unless that hop repeats the
 * parent's last one (a linked list is one signature at any depth) or is
 * folded with the runtime's hops (next_state; ms__path_signature writes
 * the same as text).  at[n] (2 bits per node, in one byte here) keeps
 * each node's state for its children.  entry (u32[N], may be NULL) gets,
 * for the nodes on the members' paths, the first member on the path
 * (NONE before one). */
static int member_signatures(const ms__heap *h, const ms__edge_sources *src,
                             const uint64_t *member, uint64_t *sig, uint32_t *entry,
                             ms_error *err)
{
    const ms__graph *g = h->g;
    const ms__classes *cl = h->classes;
    const uint32_t N = g->node_count, *parent = h->parent_edge;
    uint64_t *done_bits = NULL, cap = 1024;
    uint32_t *stack = NULL;
    uint8_t *at = NULL;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&done_bits, N, "path signatures", err));
    MS_TRY(ms__alloc_array(&stack, cap, 4, "path signatures", err));
    MS_TRY(ms__alloc_array(&at, N ? N : 1, 1, "path signatures", err));
    sig[g->root] = 0x2545F4914F6CDD1Dull;
    at[g->root] = AT_START;
    if (entry)
        entry[g->root] = ms__bit(member, g->root) ? g->root : NONE;
    ms__bit_set(done_bits, g->root);
    for (uint32_t n = 0; n < N; n++) {
        uint64_t sp = 0;
        uint32_t v = n;
        if (!ms__bit(member, n) || parent[n] == NONE)
            continue;
        while (!ms__bit(done_bits, v)) {
            MS_TRY(ms__grow(&stack, &cap, sp + 1, 1024, 4, "path signatures", err));
            stack[sp++] = v;
            v = ms__edge_sources_get(src, parent[v]);
        }
        /* Down again: each node's parent is the one handled before it
         * (first, the node the walk stopped at). */
        {
            uint32_t p = v, ptok = at[v] == AT_USER ? hop_into(src, cl, parent, v) : 0;
            while (sp) {
                uint32_t x = stack[--sp], e = parent[x];
                uint32_t tok = (uint32_t)hop_token(g, cl, p, e) | 1u;
                int next = next_state(h, at[p], x);
                if (next == AT_RUNTIME) {
                    sig[x] = at[p] == AT_RUNTIME ? sig[p] : ms__mix64(sig[p], FOLD_TOKEN);
                    tok = 0;
                } else {
                    sig[x] = tok == ptok ? sig[p] : ms__mix64(sig[p], tok);
                }
                at[x] = (uint8_t)next;
                if (entry)
                    entry[x] = entry[p] != NONE ? entry[p] : ms__bit(member, x) ? x : NONE;
                ms__bit_set(done_bits, x);
                p = x;
                ptok = tok;
            }
        }
    }
done:
    free(done_bits);
    free(stack);
    free(at);
    return rc;
}

/* A class's members within one group (CAUSE): what names the group. */
typedef struct class_share {
    uint32_t group, cls;
    uint64_t count, shallow, retained; /* retained: summed, nested ones again */
    int32_t distance;      /* the nearest one's */
    uint32_t best;         /* the one retaining most */
} class_share;

/* How well class c (of member n) names the group it is in, lower first:
 * the program's classes, then its functions (a listener, a callback: they
 * hold what the program made), then plain data, then the runtime's
 * classes (a scope's Context is "system / Context"). */
static int naming_rank(const ms__heap *h, uint32_t c, uint32_t n)
{
    const ms__rules *r = h->rules;
    int o;
    if (!ms__rules_has_origins(r) || !r->class_origin)
        return 2;
    o = r->class_origin(r, h->g, ms__class_key(h->classes, c), ms__class_name(h->classes, c));
    if (o == MS__ORIGIN_USER)
        return 0;
    if (o == MS__ORIGIN_RUNTIME)
        return 3;
    return h->g->node_type[n] == MS_NT_CLOSURE && ms__rules_origin(r, h->g, n) == MS__ORIGIN_USER
               ? 1
               : 2;
}

/* Whether share a names its group better than b: rank, then the class
 * nearest the roots (the object the reference holds before what it holds
 * in turn), then the one retaining most (of two objects a closure scope
 * holds, the one with the data), then the most objects. */
static bool names_better(const ms__heap *h, const class_share *a, int ra, const class_share *b,
                         int rb)
{
    (void)h;
    if (ra != rb)
        return ra < rb;
    if (a->distance != b->distance)
        return a->distance < b->distance;
    if (a->retained != b->retained)
        return a->retained > b->retained;
    if (a->count != b->count)
        return a->count > b->count;
    return a->cls < b->cls;
}

/* CAUSE: each group's example is the object of the class that names it
 * best (names_better) retaining most; class_count its class's members. */
static int name_groups(const ms__heap *h, const ms__grouping *gr, ms_path_groups *w,
                       const uint32_t *group_of, ms_error *err)
{
    const ms__graph *g = h->g;
    const ms__classes *cl = h->classes;
    ms__map64 slots;
    class_share *sh = NULL;
    uint32_t *choice = NULL;
    int *rank = NULL;
    uint64_t nsh = 0, cap = 0;
    int rc = MS_OK;
    MS_TRY(ms__map64_init(&slots, 0, err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint32_t si;
        bool added;
        class_share *x;
        if (!ms__bit(gr->member, n))
            continue;
        MS_TRY(ms__map64_put(&slots, (uint64_t)group_of[n] << 32 | cl->of[n], (uint32_t)nsh,
                             &si, &added, err));
        if (added) {
            MS_TRY(ms__grow(&sh, &cap, nsh + 1, 16, sizeof *sh, "why", err));
            sh[nsh++] = (class_share){group_of[n], cl->of[n], 0, 0, 0, INT32_MAX, n};
        }
        x = &sh[si];
        x->count++;
        x->shallow += ms__shallow_of(h, n);
        x->retained += h->retained[n];
        if (h->distance[n] < x->distance)
            x->distance = h->distance[n];
        if (h->retained[n] > h->retained[x->best])
            x->best = n;
    }
    MS_TRY(ms__alloc_array(&choice, w->count + 1, 4, "why", err));
    MS_TRY(ms__alloc_array(&rank, nsh + 1, sizeof *rank, "why", err));
    for (size_t i = 0; i < w->count; i++)
        choice[i] = NONE;
    for (uint64_t i = 0; i < nsh; i++) {
        uint32_t *c = &choice[sh[i].group];
        rank[i] = naming_rank(h, sh[i].cls, sh[i].best);
        if (*c == NONE || names_better(h, &sh[i], rank[i], &sh[*c], rank[*c]))
            *c = (uint32_t)i;
    }
    for (size_t i = 0; i < w->count; i++) {
        w->groups[i].example = sh[choice[i]].best;
        w->groups[i].class_count = sh[choice[i]].count;
    }
done:
    ms__map64_free(&slots);
    free(sh);
    free(choice);
    free(rank);
    return rc;
}

/* The members into groups, in node order: by signature and their own
 * class, or (CAUSE, entry given) by their entry's signature and class.
 * group_of[n] (u32[N]; may be NULL without entry) gets each member's group
 * (in order of first member).  The map holds group indices (there are few groups). */
static int make_groups(const ms__heap *h, const ms__grouping *gr, const uint64_t *sig,
                       const uint32_t *entry, ms_path_groups *w, uint32_t *group_of,
                       ms_error *err)
{
    const ms__graph *g = h->g;
    const ms__classes *cl = h->classes;
    const uint64_t *top_any = gr->top_any ? gr->top_any : gr->top;
    ms__map64 slots;
    uint64_t cap = 0;
    int rc = MS_OK;
    MS_TRY(ms__map64_init(&slots, 0, err));
    if (gr->by != MS__GROUP_SET) {
        w->classes = cl->count;
        MS_TRY(ms__alloc_array_zero(&w->class_retained, cl->count + 1, 8, "why", err));
    }
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint64_t s;
        uint32_t gi;
        bool added;
        ms_path_group *grp;
        if (!ms__bit(gr->member, n))
            continue;
        if (h->parent_edge[n] == NONE)
            s = ms__mix64(0x0DDBA11u, cl->of[n]);
        else if (entry)
            s = ms__mix64(ms__mix64(sig[entry[n]], cl->of[entry[n]]), 0xCA05Eu);
        else
            s = ms__mix64(sig[n], cl->of[n]);
        MS_TRY(ms__map64_put(&slots, s, (uint32_t)w->count, &gi, &added, err));
        if (added) {
            MS_TRY(ms__grow(&w->groups, &cap, w->count + 1, 16, sizeof *w->groups, "why", err));
            w->groups[w->count++] = (ms_path_group){0, 0, 0, n, {0, NULL}, 0, 0, 0};
        }
        grp = &w->groups[gi];
        if (group_of)
            group_of[n] = gi;
        grp->count++;
        grp->shallow_size += ms__shallow_of(h, n);
        grp->entries += !entry || h->parent_edge[n] == NONE || entry[n] == n;
        if (ms__bit(top_any, n))
            grp->retained_size += h->retained[n];
        if (w->class_retained && ms__bit(gr->top, n))
            w->class_retained[cl->of[n]] += h->retained[n];
        if (h->retained[n] > h->retained[grp->example])
            grp->example = n;
    }
    for (size_t i = 0; i < w->count; i++)
        w->groups[i].class_count = w->groups[i].count;
    if (entry)
        MS_TRY(name_groups(h, gr, w, group_of, err));
done:
    ms__map64_free(&slots);
    return rc;
}

/* Largest groups first; group_of (may be NULL) follows the new order. */
static int sort_groups(const ms__heap *h, const uint64_t *member, ms_path_groups *w,
                       uint32_t *group_of, ms_error *err)
{
    uint32_t *order = NULL, *inv = NULL;
    ms_path_group *sorted = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&order, w->count + 1, 4, "why", err));
    MS_TRY(ms__alloc_array(&inv, w->count + 1, 4, "why", err));
    MS_TRY(ms__alloc_array(&sorted, w->count + 1, sizeof *sorted, "why", err));
    for (size_t i = 0; i < w->count; i++)
        order[i] = (uint32_t)i;
    MS_TRY(ms__sort_u32(order, w->count, group_cmp, w->groups, err));
    for (size_t i = 0; i < w->count; i++) {
        sorted[i] = w->groups[order[i]];
        inv[order[i]] = (uint32_t)i;
    }
    free(w->groups);
    w->groups = sorted;
    sorted = NULL;
    for (uint32_t n = 0; group_of && n < h->g->node_count; n++)
        if (ms__bit(member, n))
            group_of[n] = inv[group_of[n]];
done:
    free(order);
    free(inv);
    free(sorted);
    return rc;
}

/* Each group's example path, the hops back to back in w->hops, and the
 * first member on it. */
static int example_paths(const ms__heap *h, const ms__edge_sources *src, const uint64_t *member,
                         ms_path_groups *w, ms_error *err)
{
    uint64_t hops_total = 0;
    size_t at = 0;
    for (size_t i = 0; i < w->count; i++)
        hops_total += ms__retention_path(h, src, w->groups[i].example, NULL, 0);
    if (ms__alloc_array(&w->hops, hops_total ? hops_total : 1, sizeof *w->hops, "why", err) < 0)
        return MS_ENOMEM;
    for (size_t i = 0; i < w->count; i++) {
        size_t len =
            ms__retention_path(h, src, w->groups[i].example, w->hops + at, hops_total - at);
        w->groups[i].path = (ms_path){len, len ? w->hops + at : NULL};
        for (size_t k = 0; k < len; k++)
            if (ms__bit(member, w->hops[at + k].node)) {
                w->groups[i].entry_hop = k;
                break;
            }
        at += len;
    }
    return MS_OK;
}

int ms__group_end(const ms__heap *h, ms__grouping *gr, uint32_t *group_of, ms_path_groups **out,
                  ms_error *err)
{
    const ms__graph *g = h->g;
    ms__edge_sources src = {g, NULL}; /* for the walks up the path tree */
    ms_path_groups *w = NULL;
    uint64_t *sig = NULL;
    uint32_t *entry = NULL, *own_group_of = NULL;
    int rc = MS_OK;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = ms__oom(err, "why");
        goto done;
    }
    w->instances = gr->instances;
    w->retained_total = gr->retained_total;
    if (gr->by == MS__GROUP_CAUSE) {
        MS_TRY(ms__alloc_array(&entry, g->node_count ? g->node_count : 1, 4, "why", err));
        if (!group_of) /* name_groups reads it */
            MS_TRY(ms__alloc_array(&own_group_of, g->node_count ? g->node_count : 1, 4, "why",
                                   err));
    }
    MS_TRY(ms__alloc_array(&sig, g->node_count, 8, "path signatures", err));
    MS_TRY(ms__edge_sources_init(g, &src, err));
    MS_TRY(member_signatures(h, &src, gr->member, sig, entry, err));
    MS_TRY(make_groups(h, gr, sig, entry, w, group_of ? group_of : own_group_of, err));
    MS_TRY(sort_groups(h, gr->member, w, group_of, err));
    /* The grouping's arrays go before the example paths are made. */
    free(sig);
    free(entry);
    free(own_group_of);
    sig = NULL;
    entry = own_group_of = NULL;
    ms__group_abort(gr);
    MS_TRY(example_paths(h, &src, gr->member, w, err));
    *out = w;
    w = NULL;
done:
    ms__edge_sources_free(&src);
    free(sig);
    free(entry);
    free(own_group_of);
    ms__group_abort(gr);
    ms_path_groups_free(w);
    return rc;
}

uint64_t ms_path_groups_instances(const ms_path_groups *w) { return w->instances; }
uint64_t ms_path_groups_retained(const ms_path_groups *w) { return w->retained_total; }
size_t ms_path_groups_count(const ms_path_groups *w) { return w->count; }
const ms_path_group *ms_path_groups_get(const ms_path_groups *w, size_t i) { return &w->groups[i]; }

void ms_path_groups_free(ms_path_groups *w)
{
    if (!w)
        return;
    free(w->groups);
    free(w->hops);
    free(w->class_retained);
    free(w);
}

uint64_t ms__path_groups_class_retained(const ms_path_groups *w, uint32_t c)
{
    return w->class_retained && c < w->classes ? w->class_retained[c] : 0;
}
