/*
 * edges.c: which V8 edges retain, as Chrome DevTools decides it.
 *
 * Reference: HeapSnapshot.ts computeIsEssentialEdge, markPageOwnedNodes,
 * tryParseWeakMapEdgeName.  Four rules beyond "weak edges never retain":
 *
 *  1. WeakMap values are held by two internal edges, one from the key and
 *     one from the table, both named
 *       "<n> / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)".
 *     Removing either key or table frees the value, so DevTools keeps only
 *     the key's edge for dominators: an edge with such a name whose source
 *     id is t is not essential.
 *  2. Self edges change nothing.
 *  3. `shortcut` edges retain only from the root (where they mark the user
 *     global objects); elsewhere they are shortcuts for other paths (a bound
 *     function's shortcut to its target).
 *  4. Objects reachable from the user globals and "(Document DOM trees)" are
 *     "page-owned"; an edge from a non-page-owned node into a page-owned one
 *     does not retain, so objects the debugger also holds keep their page
 *     dominators.
 */
#include "internal.h"

#include "../util/bitset.h"
#include "../util/sort.h"
#include "../util/vec.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* JavaScript's `.` does not match line terminators. */
static bool has_line_terminator(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r')
            return true;
        /* U+2028 and U+2029: E2 80 A8 / E2 80 A9 */
        if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
            return true;
    }
    return false;
}

/* Finds "<needle>" ending exactly at s + end. */
static bool ends_with_at(const char *s, size_t end, const char *needle)
{
    size_t n = strlen(needle);
    return end >= n && memcmp(s + end - n, needle, n) == 0;
}

bool ms__v8_weakmap_edge_name(const char *s, size_t len, size_t *part_off, uint64_t *table_id,
                              bool *table_ok)
{
    /* ^\d+( \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$ */
    static const char key_open[] = " / part of key (";
    static const char tail[] = ") pair in WeakMap (table @";
    size_t i = 0, end, d3, mid_end, d2;
    if (len < 40 || !is_digit(s[0]) || has_line_terminator(s, len))
        return false;
    while (i < len && is_digit(s[i]))
        i++;
    if (len - i < sizeof key_open - 1 || memcmp(s + i, key_open, sizeof key_open - 1) != 0)
        return false;
    *part_off = i;
    /* The end: "... @d2) pair in WeakMap (table @d3)". */
    if (s[len - 1] != ')')
        return false;
    end = len - 1;
    d3 = end;
    while (d3 > 0 && is_digit(s[d3 - 1]))
        d3--;
    if (d3 == end || !ends_with_at(s, d3, tail))
        return false;
    *table_ok = end - d3 <= 19;
    *table_id = 0;
    for (size_t k = d3; k < end && *table_ok; k++) {
        uint64_t v = *table_id * 10 + (uint64_t)(s[k] - '0');
        if (v / 10 != *table_id)
            *table_ok = false;
        *table_id = v;
    }
    mid_end = d3 - (sizeof tail - 1); /* A + " @d1) -> value (" + B + " @d2" ends here */
    d2 = mid_end;
    while (d2 > 0 && is_digit(s[d2 - 1]))
        d2--;
    if (d2 == mid_end || !ends_with_at(s, d2, " @"))
        return false;
    /* Somewhere between the key's "(" and B: " @\d+) -> value (". */
    {
        static const char arrow[] = ") -> value (";
        size_t lo = i + sizeof key_open - 1, hi = d2 - 2;
        for (size_t k = lo; k + sizeof arrow - 1 <= hi; k++) {
            size_t d1;
            if (memcmp(s + k, arrow, sizeof arrow - 1) != 0)
                continue;
            d1 = k;
            while (d1 > lo && is_digit(s[d1 - 1]))
                d1--;
            if (d1 < k && d1 >= lo + 2 && s[d1 - 1] == '@' && s[d1 - 2] == ' ')
                return true;
        }
    }
    return false;
}

void ms__v8_edges_free(ms__v8_edges *x)
{
    free(x->part);
    free(x->eph_sid);
    free(x->eph_table);
    free(x->page);
    free(x->tables);
    ms__strtab_free(&x->parts);
    memset(x, 0, sizeof *x);
}

/* Rule 1's names: every string that is an ephemeron name.  DevTools parses
 * the names of internal edges only, and part[] is only read for internal
 * edges, so testing every string gives the same answers without a pass
 * over the edges (a few hundred thousand strings against tens of millions
 * of edges); most strings fail at the first character. */
static int find_ephemeron_names(const ms__graph *g, ms__v8_edges *x, ms_error *err)
{
    const uint32_t S = g->strings.count;
    int rc = MS_OK;
    for (uint32_t sid = 0; sid < S; sid++) {
        size_t len, part;
        uint64_t table;
        bool table_ok;
        const char *s = ms__strtab_get(&g->strings, sid, &len);
        uint32_t pid;
        if (len < 40 || !is_digit(s[0]) || !ms__v8_weakmap_edge_name(s, len, &part, &table, &table_ok))
            continue;
        if (!x->part) {
            MS_TRY(ms__alloc_array_zero(&x->part, S, 4, "edge rules", err));
            MS_TRY(ms__strtab_init(&x->parts, err));
        }
        if (x->eph_count == x->eph_cap) {
            uint32_t cap = x->eph_cap;
            MS_TRY(ms__grow32(&x->eph_sid, &cap, x->eph_count + 1ull, 16, 4, "edge rules", err));
            MS_TRY(ms__realloc_array(&x->eph_table, cap, 8, "edge rules", err));
            x->eph_cap = cap;
        }
        MS_TRY(ms__strtab_intern(&x->parts, s + part, len - part, &pid, NULL, err));
        x->part[sid] = pid + 1;
        /* Ascending, as sid is.  A table id no node can have when it does
         * not fit 64 bits. */
        x->eph_sid[x->eph_count] = sid;
        x->eph_table[x->eph_count++] = table_ok ? table : UINT64_MAX;
        x->table_ok_all &= table_ok;
    }
done:
    return rc;
}

/* Rule 4: markPageOwnedNodes.  Seeds are the root's shortcut targets and its
 * element edges to "(Document DOM trees)"; the flag spreads over non-weak
 * edges.  Only the set matters, not the order: a FIFO queue lets the loop
 * fetch the edges of the nodes it will visit next ahead of time. */
#define PAGE_AHEAD 8

static int mark_page_owned(const ms__graph *g, ms__v8_edges *x, ms_error *err)
{
    const uint32_t N = g->node_count, r = g->root;
    uint32_t *queue = NULL;
    uint64_t head = 0, len = 0;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&x->page, N, "page-owned flags", err));
    MS_TRY(ms__alloc_array(&queue, N, 4, "page-owned flags", err));
    for (uint64_t e = g->first_edge[r]; e < g->first_edge[r + 1]; e++) {
        unsigned t = ms__edge_type(g, e);
        uint32_t to = ms__edge_to(g, e);
        if (t == MS_ET_ELEMENT) {
            size_t len_name;
            const char *name = ms__node_name(g, to, &len_name);
            if (g->node_type[to] != MS_NT_SYNTHETIC || len_name != 20 ||
                memcmp(name, "(Document DOM trees)", 20) != 0)
                continue;
        } else if (t != MS_ET_SHORTCUT) {
            continue;
        }
        /* DevTools pushes seeds without checking the flag (a seed listed
         * twice is visited twice, to no effect); checking it keeps each
         * node in the queue once, so N entries are enough. */
        if (ms__bit(x->page, to))
            continue;
        ms__bit_set(x->page, to);
        queue[len++] = to;
    }
    while (head < len) {
        uint32_t n = queue[head++];
        /* As in the distance BFS, and written out like there: from a
         * shared inline helper the compiler leaves these prefetches out. */
        if (head + 2 * PAGE_AHEAD < len)
            __builtin_prefetch(&g->first_edge[queue[head + 2 * PAGE_AHEAD]]);
        if (head + PAGE_AHEAD < len)
            __builtin_prefetch(&g->edge_word[g->first_edge[queue[head + PAGE_AHEAD]]]);
        for (uint64_t f = g->first_edge[n]; f < g->first_edge[n + 1]; f++) {
            uint32_t c = ms__edge_to(g, f);
            if (ms__bit(x->page, c) || ms__edge_type(g, f) == MS_ET_WEAK)
                continue;
            ms__bit_set(x->page, c);
            queue[len++] = c;
        }
    }
done:
    free(queue);
    return rc;
}

static int cmp_u64(const void *a, const void *b, const void *ctx)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    (void)ctx;
    return x < y ? -1 : x > y;
}

/* The nodes rule 1 can apply to: those whose id is a table id in some
 * ephemeron name.  Few distinct tables: a sorted list and a search per node. */
static int mark_tables(const ms__graph *g, ms__v8_edges *x, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint64_t *ids = NULL, count = 0, unique = 0;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&x->tables, N, "edge rules", err));
    MS_TRY(ms__alloc_array(&ids, x->eph_count ? x->eph_count : 1, 8, "edge rules", err));
    for (uint32_t i = 0; i < x->eph_count; i++)
        ids[count++] = x->eph_table[i];
    MS_TRY(ms__sort(ids, count, sizeof *ids, cmp_u64, NULL, err));
    for (uint64_t i = 0; i < count; i++)
        if (unique == 0 || ids[unique - 1] != ids[i])
            ids[unique++] = ids[i];
    for (uint32_t n = 0; n < N; n++) {
        uint64_t id = ms__node_id(g, n), lo = 0, hi = unique;
        if (unique == 0 || id < ids[0] || id > ids[unique - 1])
            continue;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (ids[mid] < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < unique && ids[lo] == id)
            ms__bit_set(x->tables, n);
    }
done:
    free(ids);
    return rc;
}

int ms__v8_edges_make(const ms__v8 *v, const ms__graph *g, ms__v8_edges *x, ms_error *err)
{
    int rc = MS_OK;
    (void)v;
    memset(x, 0, sizeof *x);
    x->table_ok_all = true;
    MS_TRY(find_ephemeron_names(g, x, err));
    if (x->part)
        MS_TRY(mark_tables(g, x, err));
    MS_TRY(mark_page_owned(g, x, err));
done:
    if (rc < 0)
        ms__v8_edges_free(x);
    return rc;
}

void ms__v8_edges_install(ms__v8 *v, ms__rules *r, ms__v8_edges *x)
{
    ms__v8_edges_forget(v, r);
    v->edges = *x;
    memset(x, 0, sizeof *x);
    v->has_edges = true;
    r->owned = v->edges.page;
    r->check = v->edges.tables;
    r->pair = v->edges.part;
    r->pair_count = v->edges.parts.count;
    r->edges_ready = true;
}

void ms__v8_edges_forget(ms__v8 *v, ms__rules *r)
{
    if (v->has_edges)
        ms__v8_edges_free(&v->edges);
    v->has_edges = false;
    r->owned = r->check = NULL;
    r->pair = NULL;
    r->pair_count = 0;
    r->edges_ready = false;
}

/* The table id in ephemeron name sid (x->part[sid] != 0). */
static uint64_t ephemeron_table(const ms__v8_edges *x, uint32_t sid)
{
    uint32_t lo = 0, hi = x->eph_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x->eph_sid[mid] < sid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return x->eph_table[lo];
}

bool ms__v8_check_edge(const ms__rules *r, const ms__graph *g, uint32_t from, uint64_t e)
{
    const ms__v8_edges *x = &((const ms__v8 *)r->impl)->edges;
    /* Rule 1: an ephemeron edge out of its own table does not retain. */
    return !(ms__edge_type(g, e) == MS_ET_INTERNAL && x->part[g->edge_name[e]] &&
             ephemeron_table(x, g->edge_name[e]) == ms__node_id(g, from));
}
