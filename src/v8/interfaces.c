/*
 * interfaces.c: DevTools' names for plain JavaScript objects (see internal.h).
 *
 * Reference: HeapSnapshot.ts inferInterfaceDefinitions and
 * applyInterfaceDefinitions.  Step 1 names each plain object by its first
 * property names ("{a, b, c}", at most 120 UTF-16 units, __proto__ left
 * out) and counts the names.  Step 2 keeps the names used by at least
 * max(2, plain objects / 1000) objects, most used first.  Step 3 puts the
 * kept definitions in a trie keyed by their property names in sorted order
 * and walks every plain object's sorted property names through it, keeping
 * all reachable trie states; the best match has the most properties, then
 * the lower definition index.  The walk copies DevTools' state handling
 * (JS Set insertion order, states dropped once no larger key can follow)
 * so that even objects with repeated property names match alike.
 * Sorting follows JavaScript's UTF-16 order (utf.h).
 */
#include "internal.h"

#include "../util/map.h"
#include "../util/sort.h"
#include "../util/utf.h"
#include "../util/vec.h"

#include <string.h>

#define NONE UINT32_MAX
#define MAX_NAME_UNITS 120      /* MAX_INTERFACE_NAME_LENGTH */
#define MIN_OBJECTS 2           /* MIN_OBJECT_COUNT_PER_INTERFACE */
#define MIN_PROPORTION 1000.0   /* MIN_OBJECT_PROPORTION_PER_INTERFACE */

void ms__interfaces_free(ms__interfaces *defs)
{
    ms__sbuf_free(&defs->names);
    ms__sbuf_free(&defs->props);
    free(defs->name_off);
    free(defs->prop_first);
    free(defs->prop_off);
    free(defs->prop_len);
    memset(defs, 0, sizeof *defs);
}

int ms__interfaces_copy(ms__interfaces *dst, const ms__interfaces *src, ms_error *err)
{
    uint64_t np = src->count ? src->prop_first[src->count] : 0;
    int rc = MS_OK;
    memset(dst, 0, sizeof *dst);
    if (src->count == 0)
        return MS_OK;
    MS_TRY(ms__sbuf_append(&dst->names, src->names.data, src->names.len, err));
    MS_TRY(ms__sbuf_append(&dst->props, src->props.data, src->props.len, err));
    MS_TRY(ms__alloc_array(&dst->name_off, src->count, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&dst->prop_first, src->count + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&dst->prop_off, np + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&dst->prop_len, np + 1, 4, "interfaces", err));
    memcpy(dst->name_off, src->name_off, src->count * 8);
    memcpy(dst->prop_first, src->prop_first, (src->count + 1) * 8);
    memcpy(dst->prop_off, src->prop_off, np * 8);
    memcpy(dst->prop_len, src->prop_len, np * 4);
    dst->count = src->count;
done:
    if (rc < 0)
        ms__interfaces_free(dst);
    return rc;
}

typedef struct cand {
    uint32_t count;
    uint64_t props; /* offset into the props vector */
    uint32_t nprops;
} cand;

typedef struct vec32 {
    uint32_t *v;
    uint64_t n, cap;
} vec32;

static int vec_push(vec32 *a, uint32_t x, ms_error *err)
{
    if (a->n == a->cap && ms__grow(&a->v, &a->cap, a->n + 1, 256, 4, "interface data", err) < 0)
        return MS_ENOMEM;
    a->v[a->n++] = x;
    return MS_OK;
}

static int by_count_desc(uint32_t x, uint32_t y, const void *ctx)
{
    const cand *c = ctx;
    if (c[x].count != c[y].count)
        return c[x].count > c[y].count ? -1 : 1;
    return 0; /* stable: first seen first */
}

static int by_utf16(uint32_t a, uint32_t b, const void *ctx)
{
    size_t la, lb;
    const char *sa = ms__strtab_get(ctx, a, &la);
    const char *sb = ms__strtab_get(ctx, b, &lb);
    return ms__utf16_cmp(sa, la, sb, lb);
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The trie of step 3: a node per prefix of a definition's sorted
 * property ranks; 16 bytes a node, and a map entry per child. */
typedef struct tnode {
    uint32_t greatest; /* largest child rank, NONE if a leaf */
    uint32_t match;    /* definition index, NONE */
    uint32_t match_n;  /* its property count */
    uint32_t pos;      /* position in the state list, NONE if absent */
} tnode;

typedef struct trie {
    tnode *node;
    uint32_t count, cap;
    ms__map64 children; /* node << 32 | rank -> child node */
} trie;

static uint32_t trie_child(const trie *t, uint32_t node, uint32_t rank)
{
    return ms__map64_get(&t->children, (uint64_t)node << 32 | rank); /* MS_MAP_NONE is NONE */
}

static int trie_new_node(trie *t, uint32_t *out, ms_error *err)
{
    if (ms__grow32(&t->node, &t->cap, t->count + 1ull, 64, sizeof *t->node, "interface trie",
                   err) < 0)
        return err ? err->code : MS_ENOMEM;
    t->node[t->count] = (tnode){NONE, NONE, 0, NONE};
    *out = t->count++;
    return MS_OK;
}

static int trie_add_child(trie *t, uint32_t node, uint32_t rank, uint32_t *child, ms_error *err)
{
    int rc;
    if ((rc = trie_new_node(t, child, err)) < 0)
        return rc;
    if (ms__map64_put(&t->children, (uint64_t)node << 32 | rank, *child, child, NULL, err) < 0)
        return MS_ENOMEM;
    if (t->node[node].greatest == NONE || t->node[node].greatest < rank)
        t->node[node].greatest = rank;
    return MS_OK;
}

static void trie_free(trie *t)
{
    free(t->node);
    ms__map64_free(&t->children);
}

/* DevTools' selectBetterMatch(a = current, b = candidate). */
static void better(uint32_t *idx, uint32_t *n, uint32_t cidx, uint32_t cn)
{
    if (cidx == NONE)
        return;
    if (cn > *n || (cn == *n && cidx < *idx)) {
        *idx = cidx;
        *n = cn;
    }
}

static bool is_plain(const ms__graph *g, uint32_t n, uint32_t object_sid)
{
    return g->node_type[n] == MS_NT_OBJECT && g->node_name[n] == object_sid;
}

/* Steps 1 and 2's state: the candidate names, their property lists, the
 * plain objects counted. */
typedef struct infer {
    const ms__graph *g;
    uint32_t object_sid, proto_sid;
    ms__strtab names; /* candidate name -> candidate index */
    cand *cands;
    uint64_t cand_cap;
    vec32 props;      /* property name ids of the candidates, back to back */
    uint64_t total;   /* plain objects */
    ms__sbuf name, formatted;
} infer;

/* Step 1 for plain object n: its name "{a, b, c}" in in->name, from its
 * first property names (not __proto__) while the name stays within
 * MAX_NAME_UNITS UTF-16 units; their string ids are appended to in->props. */
static int object_name(infer *in, uint32_t n, ms_error *err)
{
    const ms__graph *g = in->g;
    size_t units = 1;
    int rc = MS_OK;
    in->name.len = 0;
    MS_TRY(ms__sbuf_append(&in->name, "{", 1, err));
    for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
        size_t flen, fu;
        const char *f;
        if (ms__edge_type(g, e) != MS_ET_PROPERTY || g->edge_name[e] == in->proto_sid)
            continue;
        f = ms__strtab_get(&g->strings, g->edge_name[e], &flen);
        in->formatted.len = 0;
        MS_TRY(ms__v8_format_property_name(f, flen, &in->formatted, &fu, err));
        if (units > 1 && units + fu > MAX_NAME_UNITS)
            break; /* the name is getting too long */
        if (units != 1) {
            MS_TRY(ms__sbuf_append(&in->name, ", ", 2, err));
            units += 2;
        }
        MS_TRY(ms__sbuf_append(&in->name, in->formatted.data, in->formatted.len, err));
        units += fu;
        MS_TRY(vec_push(&in->props, g->edge_name[e], err));
    }
    MS_TRY(ms__sbuf_append(&in->name, "}", 1, err));
done:
    return rc;
}

/* Step 1: every plain object's name counted; a new name keeps the first
 * object's property list. */
static int count_names(infer *in, ms_error *err)
{
    int rc = MS_OK;
    for (uint32_t n = 0; n < in->g->node_count; n++) {
        uint64_t start = in->props.n;
        uint32_t id;
        bool added;
        if (!is_plain(in->g, n, in->object_sid))
            continue;
        in->total++;
        MS_TRY(object_name(in, n, err));
        if (in->props.n == start)
            continue;
        MS_TRY(ms__strtab_intern(&in->names, in->name.data, in->name.len, &id, &added, err));
        if (added) {
            MS_TRY(ms__grow(&in->cands, &in->cand_cap, id + 1ull, 256, sizeof *in->cands,
                            "interfaces", err));
            in->cands[id] = (cand){0, start, (uint32_t)(in->props.n - start)};
        } else {
            in->props.n = start;
        }
        in->cands[id].count++;
    }
done:
    return rc;
}

/* The chosen definitions (order[0..nchosen)) into defs: their names and
 * property names as text, as another snapshot can use them. */
static int keep_definitions(const infer *in, const uint32_t *order, uint32_t nchosen,
                            ms__interfaces *defs, ms_error *err)
{
    uint64_t nprops = 0;
    int rc = MS_OK;
    for (uint32_t d = 0; d < nchosen; d++)
        nprops += in->cands[order[d]].nprops;
    MS_TRY(ms__alloc_array(&defs->name_off, nchosen, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_first, nchosen + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_off, nprops + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_len, nprops + 1, 4, "interfaces", err));
    for (uint32_t d = 0, k = 0; d < nchosen; d++) {
        size_t l;
        const cand *c = &in->cands[order[d]];
        const char *s = ms__strtab_get(&in->names, order[d], &l);
        defs->name_off[d] = defs->names.len;
        MS_TRY(ms__sbuf_append(&defs->names, s, l + 1, err));
        defs->prop_first[d] = k;
        for (uint32_t j = 0; j < c->nprops; j++, k++) {
            const char *p = ms__strtab_get(&in->g->strings, in->props.v[c->props + j], &l);
            defs->prop_off[k] = defs->props.len;
            defs->prop_len[k] = (uint32_t)l;
            MS_TRY(ms__sbuf_append(&defs->props, p, l, err));
        }
        defs->prop_first[d + 1] = k;
    }
    defs->count = nchosen;
done:
    return rc;
}

int ms__v8_infer_interfaces(const ms__graph *g, const ms__v8_names *known, ms__interfaces *defs,
                            ms_error *err)
{
    infer in = {0};
    vec32 order = {0};
    uint32_t nchosen = 0;
    double min_count;
    int rc = MS_OK;

    memset(defs, 0, sizeof *defs);
    if (known->object == NONE)
        return MS_OK;
    in.g = g;
    in.object_sid = known->object;
    in.proto_sid = known->proto;
    MS_TRY(ms__strtab_init(&in.names, err));
    MS_TRY(count_names(&in, err));
    /* Step 2: the popular ones, most used first. */
    for (uint32_t i = 0; i < in.names.count; i++)
        MS_TRY(vec_push(&order, i, err));
    MS_TRY(ms__sort_u32(order.v, order.n, by_count_desc, in.cands, err));
    min_count = (double)in.total / MIN_PROPORTION;
    if (min_count < MIN_OBJECTS)
        min_count = MIN_OBJECTS;
    while (nchosen < order.n && (double)in.cands[order.v[nchosen]].count >= min_count)
        nchosen++;
    if (nchosen)
        MS_TRY(keep_definitions(&in, order.v, nchosen, defs, err));
done:
    ms__strtab_free(&in.names);
    ms__sbuf_free(&in.name);
    ms__sbuf_free(&in.formatted);
    free(in.cands);
    free(in.props.v);
    free(order.v);
    if (rc < 0)
        ms__interfaces_free(defs);
    return rc;
}

/* Step 3's state: property names ranked in UTF-16 order, the trie, and
 * two lists reused per object. */
typedef struct apply {
    const ms__graph *g;
    ms__strtab keys;   /* property name text -> key */
    uint32_t *key_of;  /* graph string id -> key, NONE if unused */
    uint32_t *rank;    /* key -> rank in UTF-16 order */
    uint32_t *def_rank; /* definition property k -> rank */
    trie t;
    uint32_t root;
    vec32 props, list; /* an object's sorted ranks; the live trie states */
} apply;

/* Step 3a: every property name a plain object or a definition uses, by
 * text (the definitions may come from another snapshot), ranked in UTF-16
 * order so that later comparisons are integer comparisons. */
static int rank_names(apply *a, uint32_t object_sid, const ms__interfaces *defs, ms_error *err)
{
    const ms__graph *g = a->g;
    const uint32_t S = g->strings.count;
    uint64_t nprops = defs->prop_first[defs->count];
    uint32_t *sorted = NULL;
    bool added;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&a->key_of, S ? S : 1, 4, "interfaces", err));
    for (uint32_t i = 0; i < S; i++)
        a->key_of[i] = NONE;
    for (uint32_t n = 0; n < g->node_count; n++) {
        if (!is_plain(g, n, object_sid))
            continue;
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            uint32_t sid = g->edge_name[e];
            size_t l;
            const char *text;
            if (ms__edge_type(g, e) != MS_ET_PROPERTY || a->key_of[sid] != NONE)
                continue;
            text = ms__strtab_get(&g->strings, sid, &l);
            MS_TRY(ms__strtab_intern(&a->keys, text, l, &a->key_of[sid], &added, err));
        }
    }
    MS_TRY(ms__alloc_array(&a->def_rank, nprops + 1, 4, "interfaces", err));
    for (uint64_t k = 0; k < nprops; k++)
        MS_TRY(ms__strtab_intern(&a->keys, defs->props.data + defs->prop_off[k],
                                 defs->prop_len[k], &a->def_rank[k], &added, err));
    MS_TRY(ms__alloc_array(&sorted, a->keys.count + 1, 4, "interfaces", err));
    MS_TRY(ms__alloc_array(&a->rank, a->keys.count + 1, 4, "interfaces", err));
    for (uint32_t i = 0; i < a->keys.count; i++)
        sorted[i] = i;
    MS_TRY(ms__sort_u32(sorted, a->keys.count, by_utf16, &a->keys, err));
    for (uint32_t i = 0; i < a->keys.count; i++)
        a->rank[sorted[i]] = i;
    for (uint64_t k = 0; k < nprops; k++)
        a->def_rank[k] = a->rank[a->def_rank[k]];
done:
    free(sorted);
    return rc;
}

/* Step 3b: the trie of the definitions' sorted ranks; a definition only
 * marks a node not yet marked, so earlier (more popular) definitions win
 * duplicates. */
static int build_trie(apply *a, const ms__interfaces *defs, ms_error *err)
{
    trie *t = &a->t;
    int rc = MS_OK;
    MS_TRY(ms__map64_init(&t->children, 64, err));
    MS_TRY(trie_new_node(t, &a->root, err));
    for (uint32_t d = 0; d < defs->count; d++) {
        uint32_t cur = a->root;
        a->props.n = 0;
        for (uint64_t k = defs->prop_first[d]; k < defs->prop_first[d + 1]; k++)
            MS_TRY(vec_push(&a->props, a->def_rank[k], err));
        qsort(a->props.v, a->props.n, 4, by_value);
        for (uint64_t k = 0; k < a->props.n; k++) {
            uint32_t next = trie_child(t, cur, a->props.v[k]);
            if (next == NONE)
                MS_TRY(trie_add_child(t, cur, a->props.v[k], &next, err));
            cur = next;
        }
        if (t->node[cur].match == NONE) {
            t->node[cur].match = d;
            t->node[cur].match_n = (uint32_t)a->props.n;
        }
    }
done:
    return rc;
}

/* Step 3c for plain object n: its sorted property ranks walked through the
 * trie, keeping every reachable state as DevTools does (JS Set insertion
 * order; a state is dropped once no larger rank can follow it).  *best
 * gets the best match (selectBetterMatch), NONE if none. */
static int match_object(apply *a, uint32_t n, uint32_t *best, ms_error *err)
{
    const ms__graph *g = a->g;
    tnode *node;
    uint32_t best_n = 0;
    int rc = MS_OK;
    *best = NONE;
    a->props.n = 0;
    for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++)
        if (ms__edge_type(g, e) == MS_ET_PROPERTY)
            MS_TRY(vec_push(&a->props, a->rank[a->key_of[g->edge_name[e]]], err));
    if (a->props.n > 1)
        qsort(a->props.v, a->props.n, 4, by_value);
    node = a->t.node; /* the trie is complete: no more reallocation */
    a->list.n = 0;
    MS_TRY(vec_push(&a->list, a->root, err));
    node[a->root].pos = 0;
    better(best, &best_n, node[a->root].match, node[a->root].match_n);
    for (uint64_t k = 0; k < a->props.n && a->list.n; k++) {
        uint32_t p = a->props.v[k];
        uint64_t m = a->list.n, w = 0;
        for (uint64_t i = 0; i < m; i++) {
            uint32_t s = a->list.v[i], c;
            if (node[s].pos != i)
                continue; /* deleted earlier in this round */
            if (node[s].greatest == NONE || p >= node[s].greatest)
                node[s].pos = NONE;
            c = trie_child(&a->t, s, p);
            if (c == NONE)
                continue;
            if (node[c].pos == NONE) {
                node[c].pos = (uint32_t)a->list.n;
                MS_TRY(vec_push(&a->list, c, err));
            }
            better(best, &best_n, node[c].match, node[c].match_n);
        }
        /* Compact to the live states, keeping their order. */
        for (uint64_t i = 0; i < a->list.n; i++) {
            uint32_t s = a->list.v[i];
            if (node[s].pos == i) {
                node[s].pos = (uint32_t)w;
                a->list.v[w++] = s;
            }
        }
        a->list.n = w;
    }
done:
    for (uint64_t i = 0; i < a->list.n; i++)
        a->t.node[a->list.v[i]].pos = NONE;
    return rc;
}

int ms__v8_apply_interfaces(const ms__graph *g, const ms__v8_names *names,
                            const ms__interfaces *defs, uint32_t *iface, ms_error *err)
{
    apply a = {0};
    int rc = MS_OK;

    for (uint32_t n = 0; n < g->node_count; n++)
        iface[n] = NONE;
    if (names->object == NONE || defs->count == 0)
        return MS_OK;
    a.g = g;
    MS_TRY(ms__strtab_init(&a.keys, err));
    MS_TRY(rank_names(&a, names->object, defs, err));
    MS_TRY(build_trie(&a, defs, err));
    for (uint32_t n = 0; n < g->node_count; n++)
        if (is_plain(g, n, names->object))
            MS_TRY(match_object(&a, n, &iface[n], err));
done:
    ms__strtab_free(&a.keys);
    free(a.key_of);
    free(a.rank);
    free(a.def_rank);
    free(a.props.v);
    free(a.list.v);
    trie_free(&a.t);
    return rc;
}
