/*
 * builder.c: assembling a graph (see builder.h).
 */
#include "builder.h"

#include "../util/sort.h"
#include "../util/vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ms__builder_init(ms__builder *b, ms__build_mode mode, ms_error *err)
{
    ms__graph *g;
    memset(b, 0, sizeof *b);
    b->mode = mode;
    g = calloc(1, sizeof *g);
    if (!g)
        return ms__oom(err, "graph");
    b->g = g;
    ms__graph_builtin_types(g);
    if (ms__strtab_init(&g->strings, err) < 0 ||
        ms__alloc_array(&g->first_edge, 1, sizeof *g->first_edge, "edge offsets", err) < 0) {
        ms__builder_discard(b);
        return MS_ENOMEM;
    }
    g->first_edge[0] = 0;
    return MS_OK;
}

void ms__builder_discard(ms__builder *b)
{
    ms__graph_free(b->g);
    free(b->edge_from);
    ms__map64_free(&b->positions);
    memset(b, 0, sizeof *b);
}

/* The next capacity of the node or edge arrays, which grow together (so
 * not through ms__grow): doubled, from `min`, at least `need`, at most
 * `limit` (the most the graph can hold). */
static uint64_t next_cap(uint64_t cap, uint64_t need, uint64_t min, uint64_t limit)
{
    cap = cap < min ? min : cap * 2;
    if (cap < need)
        cap = need;
    return cap < limit ? cap : limit;
}

static int grow_nodes(ms__builder *b, uint64_t cap, ms_error *err)
{
    ms__graph *g = b->g;
    if (cap <= b->node_cap)
        return MS_OK;
    if (ms__realloc_array(&g->node_type, cap, 1, "node types", err) < 0 ||
        ms__realloc_array(&g->node_name, cap, 4, "node names", err) < 0 ||
        ms__realloc_array(&g->node_id_lo, cap, 4, "node ids", err) < 0 ||
        ms__realloc_array(&g->self_lo, cap, 4, "self sizes", err) < 0 ||
        ms__realloc_array(&g->first_edge, cap + 1, 4, "edge offsets", err) < 0 ||
        (g->node_id_hi && ms__realloc_array(&g->node_id_hi, cap, 4, "node ids", err) < 0) ||
        (g->self_hi && ms__realloc_array(&g->self_hi, cap, 4, "self sizes", err) < 0) ||
        (g->detachedness && ms__realloc_array(&g->detachedness, cap, 1, "detachedness", err) < 0) ||
        (g->node_site && ms__realloc_array(&g->node_site, cap, 4, "allocation sites", err) < 0) ||
        (g->node_origin && ms__realloc_array(&g->node_origin, cap, 1, "origins", err) < 0))
        return MS_ENOMEM;
    b->node_cap = cap;
    return MS_OK;
}

static int grow_edges(ms__builder *b, uint64_t cap, ms_error *err)
{
    ms__graph *g = b->g;
    if (cap <= b->edge_cap)
        return MS_OK;
    if (ms__realloc_array(&g->edge_word, cap, 4, "edge targets", err) < 0 ||
        ms__realloc_array(&g->edge_name, cap, 4, "edge names", err) < 0 ||
        (b->mode == MS__BUILD_ANY_ORDER &&
         ms__realloc_array(&b->edge_from, cap, 4, "edge sources", err) < 0))
        return MS_ENOMEM;
    b->edge_cap = cap;
    return MS_OK;
}

int ms__builder_reserve(ms__builder *b, uint64_t nodes, uint64_t edges, ms_error *err)
{
    if (nodes > MS_NODE_LIMIT)
        nodes = MS_NODE_LIMIT;
    if (edges > MS_EDGE_LIMIT)
        edges = MS_EDGE_LIMIT;
    if (grow_nodes(b, nodes, err) < 0 || grow_edges(b, edges, err) < 0)
        return MS_ENOMEM;
    return MS_OK;
}

int ms__builder_string(ms__builder *b, const char *s, size_t len, uint32_t *id, bool *added,
                       ms_error *err)
{
    return ms__strtab_intern(&b->g->strings, s, len, id, added, err);
}

int ms__builder_stringf(ms__builder *b, uint32_t *id, ms_error *err, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    return ms__builder_string(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, id,
                              NULL, err);
}

static int register_type(const char **names, unsigned *count, unsigned limit, const char *name,
                         unsigned *code, const char *what, ms_error *err)
{
    for (unsigned i = 0; i < *count; i++) {
        if (strcmp(names[i], name) == 0) {
            *code = i;
            return MS_OK;
        }
    }
    if (*count >= limit)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "more than %u %s types", limit, what);
    names[*count] = ms__strdup(name);
    if (!names[*count])
        return ms__oom(err, "type name");
    *code = (*count)++;
    return MS_OK;
}

int ms__builder_node_type(ms__builder *b, const char *name, unsigned *code, ms_error *err)
{
    return register_type(b->g->node_type_names, &b->g->node_type_count, MS_TYPE_LIMIT, name, code,
                         "node", err);
}

int ms__builder_edge_type(ms__builder *b, const char *name, unsigned *code, ms_error *err)
{
    return register_type(b->g->edge_type_names, &b->g->edge_type_count, MS_EDGE_TYPE_LIMIT, name,
                         code, "edge", err);
}

/* Creates a high-half array on the first value >= 2^32: zero for the nodes
 * before n. */
static int ensure_hi(ms__builder *b, uint32_t **hi, uint32_t n, const char *what, ms_error *err)
{
    if (*hi)
        return MS_OK;
    if (ms__alloc_array(hi, b->node_cap, 4, what, err) < 0)
        return MS_ENOMEM;
    memset(*hi, 0, (size_t)n * 4);
    return MS_OK;
}

int ms__builder_nodes(ms__builder *b, size_t count, const ms__node_batch *nb, ms_error *err)
{
    ms__graph *g = b->g;
    uint32_t n = g->node_count;
    uint64_t need = (uint64_t)n + count, total = 0, big = 0;
    bool overflow = false;

    if (need > MS_NODE_LIMIT)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                        "more than %u nodes (memsnap's limit; graph.h)", MS_NODE_LIMIT);
    if (need > b->node_cap &&
        grow_nodes(b, next_cap(b->node_cap, need, 1024, MS_NODE_LIMIT), err) < 0)
        return MS_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        g->node_type[n + i] = nb->type[i];
        g->node_name[n + i] = nb->name[i];
        g->node_id_lo[n + i] = (uint32_t)nb->id[i];
        g->self_lo[n + i] = (uint32_t)nb->self_size[i];
        big |= (nb->id[i] | nb->self_size[i]) >> 32;
        total += nb->self_size[i];
        overflow |= total < nb->self_size[i];
    }
    /* Retained sizes and summaries add self sizes up in 64 bits: a total
     * that does not fit (hostile sizes near 2^64) would wrap and make
     * every sum wrong, so it is refused here, once for all of them. */
    if (overflow || ms__add_overflow(g->total_self_size, total, &total))
        return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                        "the self sizes add up to more than 2^64-1 bytes");
    if (big || g->node_id_hi || g->self_hi) {
        /* Rare: values past 32 bits get their high-half arrays. */
        for (size_t i = 0; i < count; i++) {
            if ((nb->id[i] >> 32 || g->node_id_hi) &&
                ensure_hi(b, &g->node_id_hi, n + (uint32_t)i, "node ids", err) < 0)
                return MS_ENOMEM;
            if (g->node_id_hi)
                g->node_id_hi[n + i] = (uint32_t)(nb->id[i] >> 32);
            if ((nb->self_size[i] >> 32 || g->self_hi) &&
                ensure_hi(b, &g->self_hi, n + (uint32_t)i, "self sizes", err) < 0)
                return MS_ENOMEM;
            if (g->self_hi)
                g->self_hi[n + i] = (uint32_t)(nb->self_size[i] >> 32);
        }
    }
    if (g->detachedness)
        memset(g->detachedness + n, 0, count);
    if (g->node_site)
        memset(g->node_site + n, 0xFF, count * 4); /* MS_SITE_NONE */
    if (g->node_origin)
        memset(g->node_origin + n, MS__ORIGIN_UNKNOWN, count);
    if (b->mode == MS__BUILD_SEQUENTIAL) {
        uint64_t declared = b->edges_declared;
        for (size_t i = 0; i < count; i++) {
            declared += nb->degree[i];
            if (declared > MS_EDGE_LIMIT || nb->degree[i] > MS_EDGE_LIMIT)
                return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                                "more than %u edges (memsnap's limit; graph.h)", MS_EDGE_LIMIT);
            g->first_edge[n + i + 1] = (uint32_t)declared;
        }
        b->edges_declared = declared;
    }
    g->total_self_size = total;
    g->node_count = (uint32_t)need;
    return MS_OK;
}

int ms__builder_node(ms__builder *b, unsigned type, uint32_t name, uint64_t id,
                     uint64_t self_size, uint64_t degree, ms_error *err)
{
    uint8_t t = (uint8_t)type;
    ms__node_batch nb = {&t, &name, &id, &self_size, &degree};
    return ms__builder_nodes(b, 1, &nb, err);
}

int ms__builder_append_edges(ms__builder *b, const uint32_t *to, const uint8_t *type,
                             const uint32_t *name, size_t n, ms_error *err)
{
    ms__graph *g = b->g;
    uint64_t need = g->edge_count + n;
    if (need > b->edges_declared)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX,
                        "more edges than the nodes' edge counts declare (%llu)",
                        (unsigned long long)b->edges_declared);
    if (need > b->edge_cap &&
        grow_edges(b, next_cap(b->edge_cap, need, 4096, b->edges_declared), err) < 0)
        return MS_ENOMEM;
    {
        uint32_t *w = g->edge_word + g->edge_count, any_to = 0, any_type = 0;
        for (size_t i = 0; i < n; i++) {
            any_to |= to[i];
            any_type |= type[i];
            w[i] = to[i] | (uint32_t)type[i] << 28;
        }
        /* An OR is at least the largest value: one check for the batch. */
        if (any_to > MS_EDGE_TO_MASK || any_type >= MS_EDGE_TYPE_LIMIT)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "edge target or type out of range");
    }
    if (n) /* an empty batch may come without arrays */
        memcpy(g->edge_name + g->edge_count, name, n * 4);
    g->edge_count = need;
    return MS_OK;
}

int ms__builder_edge(ms__builder *b, uint32_t from, uint32_t to, unsigned type, uint32_t name,
                     ms_error *err)
{
    ms__graph *g = b->g;
    uint64_t e = g->edge_count;
    if (e >= MS_EDGE_LIMIT)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "more than %u edges (memsnap's limit; graph.h)",
                        MS_EDGE_LIMIT);
    if (e >= b->edge_cap &&
        grow_edges(b, next_cap(b->edge_cap, e + 1, 4096, MS_EDGE_LIMIT), err) < 0)
        return MS_ENOMEM;
    if (to > MS_EDGE_TO_MASK || type >= MS_EDGE_TYPE_LIMIT)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX, "edge target or type out of range");
    b->edge_from[e] = from;
    g->edge_word[e] = to | (uint32_t)type << 28;
    g->edge_name[e] = name;
    g->edge_count = e + 1;
    return MS_OK;
}

void ms__builder_set_process(ms__builder *b, const ms__process *p)
{
    b->g->process = *p;
}

void ms__builder_set_root(ms__builder *b, uint32_t root)
{
    b->g->root = root;
}

int ms__builder_detachedness(ms__builder *b, uint32_t n, unsigned state, ms_error *err)
{
    ms__graph *g = b->g;
    if (!g->detachedness) {
        if (state == 0)
            return MS_OK;
        if (ms__alloc_array_zero(&g->detachedness, b->node_cap ? b->node_cap : 1, 1,
                                 "detachedness", err) < 0)
            return MS_ENOMEM;
    }
    g->detachedness[n] = (uint8_t)state;
    return MS_OK;
}

int ms__builder_origin(ms__builder *b, uint32_t n, unsigned origin, ms_error *err)
{
    ms__graph *g = b->g;
    if (!g->node_origin) {
        if (origin == MS__ORIGIN_UNKNOWN)
            return MS_OK;
        if (ms__alloc_array_zero(&g->node_origin, b->node_cap ? b->node_cap : 1, 1, "origins",
                                 err) < 0)
            return MS_ENOMEM;
    }
    g->node_origin[n] = (uint8_t)origin;
    return MS_OK;
}

int ms__builder_class_origin(ms__builder *b, uint32_t name, unsigned origin, ms_error *err)
{
    ms__graph *g = b->g;
    int rc;
    if (g->class_origin_count == UINT32_MAX - 1)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "more than %u class origins", UINT32_MAX - 1);
    if ((rc = ms__grow32(&g->class_origins, &b->class_origin_cap, g->class_origin_count + 1ull, 64,
                         sizeof *g->class_origins, "class origins", err)) < 0)
        return rc;
    g->class_origins[g->class_origin_count++] = (ms__class_origin){name, origin};
    return MS_OK;
}

/* The map key of a source position: a hash of the three fields, hashed
 * again with `attempt` for each position already holding that key (a
 * collision), so that a lookup follows the same keys as the insert. */
static uint64_t position_key(uint32_t script, uint32_t line, uint32_t column, uint64_t attempt)
{
    return ms__mix64(ms__mix64((uint64_t)script << 32 | line, column), attempt);
}

/* Interns a source position; *out gets its index. */
static int intern_position(ms__builder *b, uint32_t script, uint32_t line, uint32_t column,
                           uint32_t *out, ms_error *err)
{
    ms__graph *g = b->g;
    int rc;
    if (!b->positions.vals && (rc = ms__map64_init(&b->positions, 256, err)) < 0)
        return rc;
    /* Room for one more first: a put that adds the key fills the slot. */
    if (g->position_count == b->position_cap &&
        (rc = ms__grow32(&g->positions, &b->position_cap, g->position_count + 1ull, 64,
                         sizeof *g->positions, "source positions", err)) < 0)
        return rc;
    for (uint64_t attempt = 0;; attempt++) {
        const ms__position *q;
        uint32_t p;
        bool added;
        if ((rc = ms__map64_put(&b->positions, position_key(script, line, column, attempt),
                                g->position_count, &p, &added, err)) < 0)
            return rc;
        if (added) {
            g->positions[p] = (ms__position){script, line, column};
            g->position_count++;
            *out = p;
            return MS_OK;
        }
        q = &g->positions[p];
        if (q->script_id == script && q->line == line && q->column == column) {
            *out = p;
            return MS_OK;
        }
    }
}

int ms__builder_site(ms__builder *b, uint32_t n, uint32_t site, ms_error *err)
{
    ms__graph *g = b->g;
    if (!g->node_site) {
        uint64_t cap = b->node_cap ? b->node_cap : 1;
        if (ms__alloc_array(&g->node_site, cap, 4, "allocation sites", err) < 0)
            return MS_ENOMEM;
        memset(g->node_site, 0xFF, (size_t)cap * 4);
    }
    g->node_site[n] = site;
    return MS_OK;
}

int ms__builder_location(ms__builder *b, uint32_t n, uint32_t script_id, uint32_t line,
                         uint32_t column, ms_error *err)
{
    ms__graph *g = b->g;
    uint32_t pos = 0;
    int rc;
    if ((rc = intern_position(b, script_id, line, column, &pos, err)) < 0)
        return rc;
    if (g->location_count == b->location_cap &&
        (rc = ms__grow32(&g->locations, &b->location_cap, g->location_count + 1ull, 256,
                         sizeof *g->locations, "locations", err)) < 0)
        return rc;
    g->locations[g->location_count++] = (ms__location){n, pos};
    return MS_OK;
}

void ms__builder_remap_strings(ms__builder *b, const uint32_t *map, uint32_t count)
{
    ms__graph *g = b->g;
    for (uint32_t n = 0; n < g->node_count; n++)
        if (g->node_name[n] < count)
            g->node_name[n] = map[g->node_name[n]];
    for (uint32_t n = 0; g->node_site && n < g->node_count; n++)
        if (g->node_site[n] < count)
            g->node_site[n] = map[g->node_site[n]];
    for (uint32_t i = 0; i < g->class_origin_count; i++)
        if (g->class_origins[i].name < count)
            g->class_origins[i].name = map[g->class_origins[i].name];
    for (uint64_t e = 0; e < g->edge_count; e++)
        if (!ms__edge_type_is_indexed(ms__edge_type(g, e)) && g->edge_name[e] < count)
            g->edge_name[e] = map[g->edge_name[e]];
}

/* Stable counting sort of the edges by source (ANY_ORDER mode). */
static int group_edges_by_source(ms__builder *b, ms_error *err)
{
    ms__graph *g = b->g;
    uint64_t E = g->edge_count;
    uint32_t N = g->node_count, *pos = NULL, *word = NULL, *name = NULL;
    int rc = MS_OK;

    for (uint64_t e = 0; e < E; e++)
        if (b->edge_from[e] >= N)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX, "edge %llu source %u out of range",
                            (unsigned long long)e, b->edge_from[e]);
    memset(g->first_edge, 0, ((size_t)N + 1) * 4);
    for (uint64_t e = 0; e < E; e++)
        g->first_edge[b->edge_from[e] + 1]++;
    for (uint32_t n = 0; n < N; n++)
        g->first_edge[n + 1] += g->first_edge[n];
    MS_TRY(ms__alloc_array(&pos, N ? N : 1, 4, "edge sort", err));
    MS_TRY(ms__alloc_array(&word, E, 4, "edge targets", err));
    MS_TRY(ms__alloc_array(&name, E, 4, "edge names", err));
    memcpy(pos, g->first_edge, (size_t)N * 4);
    for (uint64_t e = 0; e < E; e++) {
        uint32_t p = pos[b->edge_from[e]]++;
        word[p] = g->edge_word[e];
        name[p] = g->edge_name[e];
    }
    free(g->edge_word);
    free(g->edge_name);
    g->edge_word = word;
    g->edge_name = name;
    word = NULL, name = NULL;
    b->edge_cap = E;
done:
    free(pos);
    free(word);
    free(name);
    return rc;
}

/* Sorts the locations by node (stably: in the order they came), then
 * keeps the last one of each node.  A radix sort of node << 32 | position
 * by the high half, packed in the locations' own array (8 bytes each, the
 * same size; memcpy gives the storage the packed type), so that only the
 * sort's scratch is added to the peak: the finished graph is the peak of a
 * load, and a large snapshot has millions of locations. */
_Static_assert(sizeof(ms__location) == sizeof(uint64_t), "a location packs into 8 bytes");

static int sort_locations(ms__graph *g, ms_error *err)
{
    uint32_t n = g->location_count, w = 0;
    ms__location *a = g->locations;
    uint64_t *packed = (uint64_t *)(void *)a;
    bool sorted = true;
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = a[i - 1].node < a[i].node;
    if (sorted)
        return MS_OK;
    for (uint32_t i = 0; i < n; i++) {
        ms__location l;
        uint64_t v;
        memcpy(&l, &a[i], sizeof l);
        v = (uint64_t)l.node << 32 | l.position;
        memcpy(&packed[i], &v, sizeof v);
    }
    if (ms__radix_sort_u64(packed, n, 4, err) < 0)
        return MS_ENOMEM; /* the graph is dropped with its locations */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v;
        ms__location l;
        memcpy(&v, &packed[i], sizeof v);
        if (i + 1 < n && packed[i + 1] >> 32 == v >> 32)
            continue; /* a later one replaces it */
        l = (ms__location){(uint32_t)(v >> 32), (uint32_t)v};
        memcpy(&a[w++], &l, sizeof l);
    }
    g->location_count = w;
    return MS_OK;
}

/* Class origins by their names' text, then as told (the sort is stable). */
static int class_origin_order(const void *a, const void *b, const void *ctx)
{
    const ms__graph *g = ctx;
    const ms__class_origin *x = a, *y = b;
    if (x->name == y->name)
        return 0;
    return strcmp(ms__strtab_get(&g->strings, x->name, NULL),
                  ms__strtab_get(&g->strings, y->name, NULL));
}

/* Sorts the class origins by name and keeps one per name: a name told
 * with two origins is unknown.  Names out of range are left for
 * ms__graph_check to report. */
static int sort_class_origins(ms__graph *g, ms_error *err)
{
    uint32_t n = g->class_origin_count, w = 0;
    for (uint32_t i = 0; i < n; i++)
        if (g->class_origins[i].name >= g->strings.count)
            return MS_OK;
    if (ms__sort(g->class_origins, n, sizeof *g->class_origins, class_origin_order, g, err) < 0)
        return MS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        ms__class_origin c = g->class_origins[i];
        if (w > 0 && g->class_origins[w - 1].name == c.name) {
            if (g->class_origins[w - 1].origin != c.origin)
                g->class_origins[w - 1].origin = MS__ORIGIN_UNKNOWN;
            continue;
        }
        g->class_origins[w++] = c;
    }
    g->class_origin_count = w;
    return MS_OK;
}

int ms__builder_finish(ms__builder *b, ms__graph **out, ms_error *err)
{
    ms__graph *g = b->g;
    *out = NULL;
    if (g->node_count == 0)
        return ms__fail(err, MS_EFORMAT, UINT64_MAX, "the snapshot has no nodes");
    if (b->mode == MS__BUILD_SEQUENTIAL) {
        if (g->edge_count != b->edges_declared)
            return ms__fail(err, MS_EFORMAT, UINT64_MAX,
                            "the nodes declare %llu edges but %llu were given",
                            (unsigned long long)b->edges_declared,
                            (unsigned long long)g->edge_count);
    } else if (group_edges_by_source(b, err) < 0) {
        return err ? err->code : MS_EFORMAT;
    }
    if (sort_locations(g, err) < 0 || sort_class_origins(g, err) < 0)
        return MS_ENOMEM;
    if (ms__graph_check(g, err) < 0)
        return MS_EFORMAT;
    /* Unused capacity is left allocated: it was never touched, so it costs
     * address space, not memory, and shrinking could copy large arrays. */
    ms__strtab_drop_index(&g->strings);
    free(b->edge_from);
    b->edge_from = NULL;
    ms__map64_free(&b->positions);
    *out = g;
    b->g = NULL;
    return MS_OK;
}
