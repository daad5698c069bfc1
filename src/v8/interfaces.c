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

int ms__v8_infer_interfaces(const ms__graph *g, const ms__v8_names *known, ms__interfaces *defs,
                            ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t object_sid = known->object, proto_sid = known->proto;
    ms__strtab names;
    ms__sbuf name = {0}, formatted = {0};
    cand *cands = NULL;
    uint64_t cand_cap = 0, nprops_total = 0;
    vec32 props = {0}, order = {0};
    uint32_t nchosen = 0;
    uint64_t total = 0;
    double min_count;
    int rc = MS_OK;

    memset(&names, 0, sizeof names);
    memset(defs, 0, sizeof *defs);
    if (object_sid == NONE)
        return MS_OK;
    MS_TRY(ms__strtab_init(&names, err));

    /* Step 1: candidate names from each plain object's first properties. */
    for (uint32_t n = 0; n < N; n++) {
        size_t units = 1;
        uint64_t start = props.n;
        uint32_t id;
        bool added;
        if (!is_plain(g, n, object_sid))
            continue;
        total++;
        name.len = 0;
        MS_TRY(ms__sbuf_append(&name, "{", 1, err));
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            size_t flen, fu;
            const char *f;
            if (ms__edge_type(g, e) != MS_ET_PROPERTY || g->edge_name[e] == proto_sid)
                continue;
            f = ms__strtab_get(&g->strings, g->edge_name[e], &flen);
            formatted.len = 0;
            MS_TRY(ms__v8_format_property_name(f, flen, &formatted, &fu, err));
            if (units > 1 && units + fu > MAX_NAME_UNITS)
                break; /* the name is getting too long */
            if (units != 1) {
                MS_TRY(ms__sbuf_append(&name, ", ", 2, err));
                units += 2;
            }
            MS_TRY(ms__sbuf_append(&name, formatted.data, formatted.len, err));
            units += fu;
            MS_TRY(vec_push(&props, g->edge_name[e], err));
        }
        if (props.n == start)
            continue;
        MS_TRY(ms__sbuf_append(&name, "}", 1, err));
        MS_TRY(ms__strtab_intern(&names, name.data, name.len, &id, &added, err));
        if (added) {
            MS_TRY(ms__grow(&cands, &cand_cap, id + 1ull, 256, sizeof *cands, "interfaces", err));
            cands[id] = (cand){0, start, (uint32_t)(props.n - start)};
        } else {
            props.n = start; /* keep the first object's property list */
        }
        cands[id].count++;
    }

    /* Step 2: the popular ones, most used first. */
    for (uint32_t i = 0; i < names.count; i++)
        MS_TRY(vec_push(&order, i, err));
    MS_TRY(ms__sort_u32(order.v, order.n, by_count_desc, cands, err));
    min_count = (double)total / MIN_PROPORTION;
    if (min_count < MIN_OBJECTS)
        min_count = MIN_OBJECTS;
    while (nchosen < order.n && (double)cands[order.v[nchosen]].count >= min_count)
        nchosen++;
    if (nchosen == 0)
        goto done;

    for (uint32_t d = 0; d < nchosen; d++)
        nprops_total += cands[order.v[d]].nprops;
    MS_TRY(ms__alloc_array(&defs->name_off, nchosen, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_first, nchosen + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_off, nprops_total + 1, 8, "interfaces", err));
    MS_TRY(ms__alloc_array(&defs->prop_len, nprops_total + 1, 4, "interfaces", err));
    for (uint32_t d = 0, k = 0; d < nchosen; d++) {
        size_t l;
        const cand *c = &cands[order.v[d]];
        const char *s = ms__strtab_get(&names, order.v[d], &l);
        defs->name_off[d] = defs->names.len;
        MS_TRY(ms__sbuf_append(&defs->names, s, l + 1, err));
        defs->prop_first[d] = k;
        for (uint32_t j = 0; j < c->nprops; j++, k++) {
            const char *p = ms__strtab_get(&g->strings, props.v[c->props + j], &l);
            defs->prop_off[k] = defs->props.len;
            defs->prop_len[k] = (uint32_t)l;
            MS_TRY(ms__sbuf_append(&defs->props, p, l, err));
        }
        defs->prop_first[d + 1] = k;
    }
    defs->count = nchosen;
done:
    ms__strtab_free(&names);
    ms__sbuf_free(&name);
    ms__sbuf_free(&formatted);
    free(cands);
    free(props.v);
    free(order.v);
    if (rc < 0)
        ms__interfaces_free(defs);
    return rc;
}

int ms__v8_apply_interfaces(const ms__graph *g, const ms__v8_names *names,
                            const ms__interfaces *defs, uint32_t *iface,
                            ms_error *err)
{
    const uint32_t N = g->node_count;
    uint32_t object_sid = names->object;
    ms__strtab keys;
    uint32_t *key_of = NULL, *rank = NULL, *sorted = NULL, *def_rank = NULL;
    vec32 list = {0}, objprops = {0};
    trie t = {0};
    uint32_t root = 0;
    uint64_t nprops = defs->count ? defs->prop_first[defs->count] : 0;
    int rc = MS_OK;

    memset(&keys, 0, sizeof keys);
    for (uint32_t n = 0; n < N; n++)
        iface[n] = NONE;
    if (object_sid == NONE || defs->count == 0)
        return MS_OK;
    MS_TRY(ms__strtab_init(&keys, err));

    /* Step 3a: every property name a plain object or a definition uses, by
     * text (the definitions may come from another snapshot), ranked in
     * UTF-16 order so later comparisons are integer comparisons. */
    MS_TRY(ms__alloc_array(&key_of, g->strings.count ? g->strings.count : 1, 4, "interfaces", err));
    for (uint32_t i = 0; i < g->strings.count; i++)
        key_of[i] = NONE;
    for (uint32_t n = 0; n < N; n++) {
        if (!is_plain(g, n, object_sid))
            continue;
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
            uint32_t sid = g->edge_name[e];
            bool added;
            size_t l;
            const char *text;
            if (ms__edge_type(g, e) != MS_ET_PROPERTY || key_of[sid] != NONE)
                continue;
            text = ms__strtab_get(&g->strings, sid, &l);
            MS_TRY(ms__strtab_intern(&keys, text, l, &key_of[sid], &added, err));
        }
    }
    MS_TRY(ms__alloc_array(&def_rank, nprops + 1, 4, "interfaces", err));
    for (uint64_t k = 0; k < nprops; k++) {
        bool added;
        MS_TRY(ms__strtab_intern(&keys, defs->props.data + defs->prop_off[k], defs->prop_len[k],
                                 &def_rank[k], &added, err));
    }
    MS_TRY(ms__alloc_array(&sorted, keys.count + 1, 4, "interfaces", err));
    MS_TRY(ms__alloc_array(&rank, keys.count + 1, 4, "interfaces", err));
    for (uint32_t i = 0; i < keys.count; i++)
        sorted[i] = i;
    MS_TRY(ms__sort_u32(sorted, keys.count, by_utf16, &keys, err));
    for (uint32_t i = 0; i < keys.count; i++)
        rank[sorted[i]] = i;
    for (uint64_t k = 0; k < nprops; k++)
        def_rank[k] = rank[def_rank[k]];

    /* Step 3b: the trie; a definition only marks a node not yet marked, so
     * earlier (more popular) definitions win duplicates. */
    MS_TRY(ms__map64_init(&t.children, 64, err));
    MS_TRY(trie_new_node(&t, &root, err));
    for (uint32_t d = 0; d < defs->count; d++) {
        uint32_t cur = root;
        objprops.n = 0;
        for (uint64_t k = defs->prop_first[d]; k < defs->prop_first[d + 1]; k++)
            MS_TRY(vec_push(&objprops, def_rank[k], err));
        qsort(objprops.v, objprops.n, 4, by_value);
        for (uint64_t k = 0; k < objprops.n; k++) {
            uint32_t next = trie_child(&t, cur, objprops.v[k]);
            if (next == NONE)
                MS_TRY(trie_add_child(&t, cur, objprops.v[k], &next, err));
            cur = next;
        }
        if (t.node[cur].match == NONE) {
            t.node[cur].match = d;
            t.node[cur].match_n = (uint32_t)objprops.n;
        }
    }

    /* Step 3c: match every plain object. */
    for (uint32_t n = 0; n < N; n++) {
        uint32_t best = NONE, best_n = 0;
        if (!is_plain(g, n, object_sid))
            continue;
        objprops.n = 0;
        for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++)
            if (ms__edge_type(g, e) == MS_ET_PROPERTY)
                MS_TRY(vec_push(&objprops, rank[key_of[g->edge_name[e]]], err));
        if (objprops.n > 1)
            qsort(objprops.v, objprops.n, 4, by_value);
        list.n = 0;
        MS_TRY(vec_push(&list, root, err));
        t.node[root].pos = 0;
        better(&best, &best_n, t.node[root].match, t.node[root].match_n);
        for (uint64_t k = 0; k < objprops.n && list.n; k++) {
            uint32_t p = objprops.v[k];
            uint64_t m = list.n, w = 0;
            for (uint64_t i = 0; i < m; i++) {
                uint32_t s = list.v[i], c;
                if (t.node[s].pos != i)
                    continue; /* deleted earlier in this round */
                if (t.node[s].greatest == NONE || p >= t.node[s].greatest)
                    t.node[s].pos = NONE;
                c = trie_child(&t, s, p);
                if (c != NONE) {
                    if (t.node[c].pos == NONE) {
                        t.node[c].pos = (uint32_t)list.n;
                        MS_TRY(vec_push(&list, c, err));
                    }
                    better(&best, &best_n, t.node[c].match, t.node[c].match_n);
                }
            }
            /* Compact to the live states, keeping their order. */
            for (uint64_t i = 0; i < list.n; i++) {
                uint32_t s = list.v[i];
                if (t.node[s].pos == i) {
                    t.node[s].pos = (uint32_t)w;
                    list.v[w++] = s;
                }
            }
            list.n = w;
        }
        for (uint64_t i = 0; i < list.n; i++)
            t.node[list.v[i]].pos = NONE;
        iface[n] = best;
    }
done:
    ms__strtab_free(&keys);
    free(key_of);
    free(rank);
    free(sorted);
    free(def_rank);
    free(list.v);
    free(objprops.v);
    trie_free(&t);
    return rc;
}
