/*
 * heapsnapshot.c: V8 .heapsnapshot importer.
 *
 * The file is one JSON object.  V8 writes its members in this order:
 *   "snapshot"   {"meta": {field layout}, "node_count": N, "edge_count": E, ...}
 *   "nodes"      N x node_fields integers   (type, name, id, self_size, edge_count, ...)
 *   "edges"      E x edge_fields integers   (type, name_or_index, to_node), grouped by
 *                source node in node order
 *   "trace_function_infos", "trace_tree", "samples", "locations"
 *   "strings"    the string table; names above are indices into it
 * Typical sizes: 1.2 GB, 9 M nodes, 58 M edges, a few MB of strings.
 *
 * Everything is streamed through json.c; only "snapshot" (a few KB) is
 * handed to cJSON.  Field offsets come from "meta", never from constants
 * (DevTools does the same: HeapSnapshot.ts initialize()).  Members may come
 * in any order: a member that needs one not yet read ("nodes" before
 * "snapshot", "edges" or "locations" before "nodes") is skipped and read
 * again once the top-level object is done.  Names are string ids checked
 * against the string count at the end, since "strings" comes last.
 *
 * Every count in the file is treated as hostile: header counts must agree
 * with the arrays and cannot ask for more memory than the file could
 * describe (each number takes at least 2 bytes).
 */
#include "import.h"
#include "json.h"
#include "uints_pipe.h"
#include "../snapshot/builder.h"
#include "../util/vec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The "snapshot" member; real ones are about 1 KB.  cJSON spends about 64
 * bytes per value, so a header of n bytes can take 32 n bytes of memory:
 * the cap keeps that a constant (at most about 40 MB), not a multiple of
 * the file size. */
#define HEADER_MAX (1u << 20)
/* Nodes and edges reserved up front from the header counts when the input
 * size is unknown (compressed): beyond these the arrays grow as data
 * arrives, so a small compressed file claiming 2^28 nodes costs nothing. */
#define RESERVE_UNKNOWN_NODES (1u << 20)
#define RESERVE_UNKNOWN_EDGES (1u << 22)
#define KEY_MAX 4096
#define STRING_MAX (1u << 30)
#define BATCH_ROWS 2048

/* Exact division by a runtime constant through the multiplicative inverse:
 * x is a multiple of d iff (x >> k) * inv(m) <= UINT64_MAX / m, where
 * d = m * 2^k with m odd (Granlund & Montgomery, PLDI 1994, section 9).
 * Avoids one hardware division per edge. */
typedef struct exact_div {
    unsigned shift;
    uint64_t inv, limit, low_mask;
} exact_div;

static void exact_div_init(exact_div *x, uint64_t d)
{
    uint64_t m, inv;
    x->shift = (unsigned)__builtin_ctzll(d);
    m = d >> x->shift;
    inv = m; /* Newton's iteration: each step doubles the correct low bits */
    for (int i = 0; i < 5; i++)
        inv *= 2 - m * inv;
    x->inv = inv;
    x->limit = UINT64_MAX / m;
    x->low_mask = (1ull << x->shift) - 1;
}

static inline bool exact_div_do(const exact_div *x, uint64_t v, uint64_t *q)
{
    if (v & x->low_mask)
        return false;
    *q = (v >> x->shift) * x->inv;
    return *q <= x->limit;
}

enum { NF_TYPE, NF_NAME, NF_ID, NF_SELF, NF_EDGES, NF_DETACH, NF_KNOWN };
enum { EF_TYPE, EF_NAME, EF_TO, EF_KNOWN };
enum { LF_NODE, LF_SCRIPT, LF_LINE, LF_COLUMN, LF_KNOWN };
_Static_assert(NF_TYPE == 0 && EF_TYPE == 0, "row_layout reads the type column as column 0");

typedef struct v8 {
    ms__reader *r;
    ms__progress *progress;
    ms__builder b;
    ms_error *err;
    ms__sbuf str;
    uint64_t *batch;
    /* columns of one batch of nodes */
    uint8_t col_type[BATCH_ROWS];
    uint32_t col_name[BATCH_ROWS];
    uint64_t col_id[BATCH_ROWS], col_self[BATCH_ROWS], col_degree[BATCH_ROWS];
    uint32_t detached_row[BATCH_ROWS];
    uint8_t detached_state[BATCH_ROWS];

    /* layout from meta */
    bool have_meta;
    unsigned node_fields, edge_fields, location_fields;
    int nf[NF_KNOWN], ef[EF_KNOWN], lf[LF_KNOWN];
    uint8_t node_type_map[MS_TYPE_LIMIT];
    unsigned node_type_count;
    uint8_t edge_type_map[MS_TYPE_LIMIT];
    unsigned edge_type_count;
    bool have_counts, have_root_index;
    uint64_t hdr_nodes, hdr_edges, root_index;
    uint64_t header_off; /* where "snapshot" starts, for errors found later */
    exact_div node_div;

    /* members seen, and offsets of deferred ones (UINT64_MAX: none) */
    bool seen_snapshot, seen_nodes, seen_edges, seen_strings, seen_locations;
    bool done_nodes, done_edges, done_locations;
    uint64_t defer_nodes, defer_edges, defer_locations;
    uint64_t edges_declared;

    /* string ids used before "strings" was read: the largest, and where */
    uint64_t max_node_name, max_node_name_at, max_edge_name, max_edge_name_at;
    bool any_node_name, any_edge_name;
    uint64_t string_count;
    uint32_t *remap; /* input string index -> interned id; NULL = identity */
    uint64_t remap_cap;
} v8;

/* Errors name the input and the byte offset (ms__input_fail). */
#define fail(ctx, code, off, ...) ms__input_fail((ctx)->err, (code), (ctx)->r->name, (off), __VA_ARGS__)

static int probe(const uint8_t *p, size_t n)
{
    static const char *const keys[] = {"snapshot", "nodes", "edges", "strings", "locations",
                                       "samples", "trace_function_infos", "trace_tree"};
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
        i++;
    if (i == n || p[i] != '{')
        return 0;
    i++;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
        i++;
    if (i == n || p[i] != '"')
        return 0;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        size_t l = strlen(keys[k]);
        if (n - i > l + 1 && memcmp(p + i + 1, keys[k], l) == 0 && p[i + 1 + l] == '"')
            return 100;
    }
    return 10; /* some JSON object: try it, errors will say what is missing */
}

/* ---- "snapshot": the header, through cJSON ------------------------------ */

static int field_index(v8 *s, uint64_t off, const cJSON *fields, const char *name, bool required,
                       const char *what, int *out)
{
    int i = 0, found = -1;
    const cJSON *f;
    cJSON_ArrayForEach(f, fields) {
        if (!cJSON_IsString(f))
            return fail(s, MS_EFORMAT, off, "snapshot.meta.%s[%d] is not a string", what, i);
        if (strcmp(f->valuestring, name) == 0) {
            if (found >= 0)
                return fail(s, MS_EFORMAT, off, "snapshot.meta.%s lists \"%s\" twice", what, name);
            found = i;
        }
        i++;
    }
    if (found < 0 && required)
        return fail(s, MS_EFORMAT, off, "snapshot.meta.%s has no \"%s\" field", what, name);
    *out = found;
    return MS_OK;
}

static int count_value(v8 *s, uint64_t off, const cJSON *v, const char *name, uint64_t *out)
{
    double d;
    if (!cJSON_IsNumber(v))
        return fail(s, MS_EFORMAT, off, "snapshot.%s is not a number", name);
    d = v->valuedouble;
    if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0)
        return fail(s, MS_EFORMAT, off, "snapshot.%s is not a non-negative integer (%g)", name, d);
    *out = (uint64_t)d;
    return MS_OK;
}

/* Maps the type names of meta.<types>[index] onto builder type codes. */
static int type_table(v8 *s, uint64_t off, const cJSON *types, int index, bool nodes)
{
    const char *what = nodes ? "node_types" : "edge_types";
    const cJSON *list = cJSON_GetArrayItem(types, index), *t;
    unsigned count = 0;
    if (!cJSON_IsArray(list))
        return fail(s, MS_EFORMAT, off, "snapshot.meta.%s[%d] is not a list of type names", what,
                    index);
    cJSON_ArrayForEach(t, list) {
        unsigned code;
        int rc;
        if (!cJSON_IsString(t))
            return fail(s, MS_EFORMAT, off, "snapshot.meta.%s[%d] has a non-string type name",
                        what, index);
        if (count >= MS_TYPE_LIMIT)
            return fail(s, MS_ELIMIT, off, "snapshot.meta.%s lists more than %d types", what,
                        MS_TYPE_LIMIT);
        rc = nodes ? ms__builder_node_type(&s->b, t->valuestring, &code, s->err)
                   : ms__builder_edge_type(&s->b, t->valuestring, &code, s->err);
        if (rc < 0)
            return rc;
        if (nodes)
            s->node_type_map[count++] = (uint8_t)code;
        else
            s->edge_type_map[count++] = (uint8_t)code;
    }
    if (nodes)
        s->node_type_count = count;
    else
        s->edge_type_count = count;
    return MS_OK;
}

/* meta.node_fields and meta.node_types (nodes), or the edge ones: the row
 * width, the columns of the `known` fields named names[] (all required but
 * names[optional]; -1 for none) and the type table (column 0 names the
 * type: NF_TYPE and EF_TYPE). */
static int row_layout(v8 *s, uint64_t off, const cJSON *meta, bool nodes,
                      const char *const *names, int known, int optional, unsigned *width,
                      int *col)
{
    const char *fields = nodes ? "node_fields" : "edge_fields";
    const char *types = nodes ? "node_types" : "edge_types";
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, fields), *t;
    int rc;
    if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0)
        return fail(s, MS_EFORMAT, off, "snapshot.meta.%s is missing or empty", fields);
    *width = (unsigned)cJSON_GetArraySize(f);
    for (int k = 0; k < known; k++)
        if ((rc = field_index(s, off, f, names[k], k != optional, fields, &col[k])) < 0)
            return rc;
    t = cJSON_GetObjectItemCaseSensitive(meta, types);
    if (!cJSON_IsArray(t))
        return fail(s, MS_EFORMAT, off, "snapshot.meta.%s is missing", types);
    return type_table(s, off, t, col[0], nodes);
}

/* meta.location_fields: optional; when present, every known field is. */
static int location_layout(v8 *s, uint64_t off, const cJSON *meta)
{
    static const char *const lfn[LF_KNOWN] = {"object_index", "script_id", "line", "column"};
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, "location_fields");
    int rc;
    s->location_fields = 0;
    if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0)
        return MS_OK;
    s->location_fields = (unsigned)cJSON_GetArraySize(f);
    for (int k = 0; k < LF_KNOWN; k++)
        if ((rc = field_index(s, off, f, lfn[k], true, "location_fields", &s->lf[k])) < 0)
            return rc;
    return MS_OK;
}

/* snapshot.node_count and edge_count (both or neither; within memsnap's
 * limits) and root_index, all optional. */
static int header_counts(v8 *s, uint64_t off, const cJSON *root)
{
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "node_count");
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(root, "edge_count");
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(root, "root_index");
    int rc;
    if (nodes || edges) {
        if (!nodes || !edges)
            return fail(s, MS_EFORMAT, off, "snapshot has only one of node_count and edge_count");
        if ((rc = count_value(s, off, nodes, "node_count", &s->hdr_nodes)) < 0 ||
            (rc = count_value(s, off, edges, "edge_count", &s->hdr_edges)) < 0)
            return rc;
        s->have_counts = true;
        if (s->hdr_nodes > MS_NODE_LIMIT || s->hdr_edges > MS_EDGE_LIMIT)
            return fail(s, MS_ELIMIT, off,
                        "snapshot.node_count %llu / edge_count %llu is more than memsnap's limit of %u nodes and %u edges",
                        (unsigned long long)s->hdr_nodes, (unsigned long long)s->hdr_edges,
                        MS_NODE_LIMIT, MS_EDGE_LIMIT);
    }
    if (index) {
        if ((rc = count_value(s, off, index, "root_index", &s->root_index)) < 0)
            return rc;
        s->have_root_index = true;
    }
    return MS_OK;
}

static int read_header(v8 *s)
{
    static const char *const nfn[NF_KNOWN] = {"type", "name", "id", "self_size", "edge_count",
                                              "detachedness"};
    static const char *const efn[EF_KNOWN] = {"type", "name_or_index", "to_node"};
    uint64_t off;
    cJSON *root = NULL;
    const cJSON *meta;
    int rc = MS_OK;

    if ((rc = ms__json_peek(s->r, s->err)) < 0)
        return rc;
    rc = MS_OK;
    off = s->header_off = ms__reader_offset(s->r);
    MS_TRY(ms__json_capture_value(s->r, &s->str, HEADER_MAX, s->err));
    root = cJSON_ParseWithLength(s->str.data, s->str.len);
    if (!root) {
        size_t at = (size_t)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - s->str.data : 0);
        rc = fail(s, MS_EFORMAT, off + at, "invalid JSON in the snapshot header");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        rc = fail(s, MS_EFORMAT, off, "\"snapshot\" is not an object");
        goto done;
    }
    meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    if (!cJSON_IsObject(meta)) {
        rc = fail(s, MS_EFORMAT, off, "snapshot.meta is missing");
        goto done;
    }
    MS_TRY(row_layout(s, off, meta, true, nfn, NF_KNOWN, NF_DETACH, &s->node_fields, s->nf));
    MS_TRY(row_layout(s, off, meta, false, efn, EF_KNOWN, -1, &s->edge_fields, s->ef));
    MS_TRY(location_layout(s, off, meta));
    MS_TRY(header_counts(s, off, root));
    exact_div_init(&s->node_div, s->node_fields);
    s->have_meta = true;
done:
    cJSON_Delete(root);
    return rc;
}

/* ---- the integer arrays, batch by batch ------------------------------- */

/* An integer array read batch by batch, parsed here or by the pipe's
 * thread; either way the current batch is an ms__uints_batch (`cur`): parts
 * of `max` values (the last may be shorter), each with its own offset. */
typedef struct batch_src {
    v8 *s;
    ms__json_uints arr;
    ms__uints_pipe pipe;
    bool piped, held;
    size_t max;                 /* values per part */
    unsigned fields;            /* values per row */
    const char *what;           /* "nodes" or "edges" */
    const ms__uints_batch *cur; /* the pipe's slot, or `own` */
    ms__uints_batch own;        /* a batch read on this thread */
} batch_src;

static int src_begin(batch_src *b, v8 *s, unsigned fields, const char *what)
{
    int rc;
    memset(b, 0, sizeof *b);
    b->s = s;
    b->what = what;
    b->fields = fields;
    b->max = (size_t)fields * BATCH_ROWS;
    b->cur = &b->own;
    if ((rc = ms__json_uints_begin(s->r, &b->arr, what, s->err)) < 0)
        return rc;
    b->own.closed = b->arr.closed;
    if (s->progress && s->progress->threads > 1 && !b->arr.closed &&
        ms__uints_pipe_start(&b->pipe, s->r, &b->arr, b->max, what, NULL) == MS_OK)
        b->piped = true;
    return MS_OK;
}

static int src_next(batch_src *b)
{
    v8 *s = b->s;
    ms__uints_batch *o = &b->own;
    int rc;
    if (b->held) {
        ms__uints_pipe_release(&b->pipe);
        b->held = false;
    }
    if (b->piped) {
        if ((rc = ms__uints_pipe_next(&b->pipe, &b->cur, s->err)) < 0)
            return rc;
        b->held = true;
        return MS_OK;
    }
    o->parts = 1;
    o->at[0] = ms__reader_offset(s->r);
    if ((rc = ms__json_uints_next(s->r, &b->arr, s->batch, b->max, &o->n, b->what, s->err)) < 0)
        return rc;
    o->v = s->batch;
    o->after = ms__reader_offset(s->r);
    o->count = b->arr.count;
    o->progress = ms__reader_progress(s->r);
    o->closed = b->arr.closed;
    return MS_OK;
}

/* Part `part` of the current batch: values [*i0, *end), the first at byte
 * *at.  Fails unless they are whole rows (only the array's last part can
 * be short). */
static int src_part(const batch_src *b, unsigned part, size_t *i0, size_t *end, uint64_t *at)
{
    *i0 = part * b->max;
    *end = b->cur->n - *i0 < b->max ? b->cur->n : *i0 + b->max;
    *at = b->cur->at[part];
    if ((*end - *i0) % b->fields)
        return fail(b->s, MS_EFORMAT, b->cur->after - 1,
                    "the %s array has %llu values, not a multiple of the %u %.*s fields", b->what,
                    (unsigned long long)b->cur->count, b->fields, (int)strlen(b->what) - 1,
                    b->what);
    return MS_OK;
}

static void src_end(batch_src *b)
{
    if (b->piped)
        ms__uints_pipe_end(&b->pipe);
    b->piped = b->held = false;
}

/* ---- "nodes" ------------------------------------------------------------ */

/* Values the rest of the input can still hold, each at least 2 bytes ("0,").
 * 0 when the size is unknown (compressed input). */
static uint64_t values_left(const v8 *s)
{
    const ms__reader *r = s->r;
    if (!r->src_size || ms__reader_compressed(r))
        return 0;
    return (r->src_size - ms__reader_offset(r)) / 2;
}

static int check_header_count(v8 *s, uint64_t off, uint64_t count, unsigned fields, const char *what)
{
    uint64_t cells, room = values_left(s);
    if (ms__mul_overflow(count, fields, &cells) || (room && cells > room))
        return fail(s, MS_ETRUNC, off,
                    "snapshot.%s_count %llu x %u fields cannot fit in the %llu bytes left in the file "
                    "(truncated file or wrong header)",
                    what, (unsigned long long)count, fields,
                    (unsigned long long)(s->r->src_size - off));
    return MS_OK;
}

/* Reads the "nodes" or "edges" array (`fields` values a row) batch by
 * batch, handing each part's rows to rows_fn: its values, its row count,
 * the byte offset of its first value, and the number of rows before it.
 * *rows gets the total. */
static int read_rows(v8 *s, unsigned fields, const char *what, const char *progress,
                     int (*rows_fn)(v8 *, const uint64_t *, size_t, uint64_t, uint64_t),
                     uint64_t *rows)
{
    batch_src src;
    int rc;
    *rows = 0;
    if ((rc = src_begin(&src, s, fields, what)) < 0)
        return rc;
    while (!src.cur->closed) {
        if ((rc = src_next(&src)) < 0)
            goto done;
        for (unsigned part = 0; part < src.cur->parts; part++) {
            size_t i0, end;
            uint64_t at;
            if ((rc = src_part(&src, part, &i0, &end, &at)) < 0 ||
                (rc = rows_fn(s, src.cur->v + i0, (end - i0) / fields, at, *rows)) < 0)
                goto done;
            *rows += (end - i0) / fields;
        }
        if ((rc = ms__progress_report_at(s->progress, s->r, src.cur->after, src.cur->progress,
                                         progress, s->err)) < 0)
            goto done;
    }
done:
    src_end(&src);
    return rc;
}

/* The reservation for the header's counts, within what the rest of the
 * file can hold (capped when its size is unknown). */
static int reserve_from_header(v8 *s, uint64_t off)
{
    uint64_t edge_room = values_left(s) / 3, nodes = s->hdr_nodes, edges = s->hdr_edges;
    int rc = check_header_count(s, off, s->hdr_nodes, s->node_fields, "node");
    if (rc < 0)
        return rc;
    if (edge_room && edges > edge_room)
        edges = edge_room;
    if (!values_left(s)) {
        /* Size unknown: the counts cannot be checked against it yet. */
        nodes = nodes < RESERVE_UNKNOWN_NODES ? nodes : RESERVE_UNKNOWN_NODES;
        edges = edges < RESERVE_UNKNOWN_EDGES ? edges : RESERVE_UNKNOWN_EDGES;
    }
    return ms__builder_reserve(&s->b, nodes, edges, s->err) < 0 ? MS_ENOMEM : MS_OK;
}

/* n rows of "nodes" (node `first` onwards), checked and added to the
 * builder with their detachedness. */
static int node_rows(v8 *s, const uint64_t *v, size_t n, uint64_t at, uint64_t first)
{
    const unsigned F = s->node_fields;
    size_t ndetached = 0;
    ms__node_batch nb = {s->col_type, s->col_name, s->col_id, s->col_self, s->col_degree};
    int rc;
    if (s->have_counts && first + n > s->hdr_nodes)
        return fail(s, MS_EFORMAT, at,
                    "the nodes array has more than snapshot.node_count = %llu nodes",
                    (unsigned long long)s->hdr_nodes);
    for (size_t k = 0; k < n; k++) {
        const uint64_t *row = v + k * F;
        uint64_t type = row[s->nf[NF_TYPE]], name = row[s->nf[NF_NAME]];
        uint64_t degree = row[s->nf[NF_EDGES]];
        if (MS_UNLIKELY(type >= s->node_type_count))
            return fail(s, MS_EFORMAT, at, "node %llu has type %llu but meta lists %u node types",
                        (unsigned long long)(first + k), (unsigned long long)type,
                        s->node_type_count);
        if (MS_UNLIKELY(name > UINT32_MAX))
            return fail(s, MS_EFORMAT, at, "node %llu name index %llu is out of range",
                        (unsigned long long)(first + k), (unsigned long long)name);
        if (name > s->max_node_name || !s->any_node_name) {
            s->max_node_name = name;
            s->max_node_name_at = at;
            s->any_node_name = true;
        }
        if (MS_UNLIKELY(ms__add_overflow(s->edges_declared, degree, &s->edges_declared) ||
                        (s->have_counts && s->edges_declared > s->hdr_edges)))
            return fail(s, MS_EFORMAT, at,
                        "the nodes' edge_count values add up to more than snapshot.edge_count = %llu",
                        (unsigned long long)s->hdr_edges);
        s->col_type[k] = s->node_type_map[type];
        s->col_name[k] = (uint32_t)name;
        s->col_id[k] = row[s->nf[NF_ID]];
        s->col_self[k] = row[s->nf[NF_SELF]];
        s->col_degree[k] = degree;
        if (s->nf[NF_DETACH] >= 0 && row[s->nf[NF_DETACH]]) {
            uint64_t d = row[s->nf[NF_DETACH]];
            if (d > 2)
                return fail(s, MS_EFORMAT, at,
                            "node %llu has detachedness %llu (0, 1 or 2 expected)",
                            (unsigned long long)(first + k), (unsigned long long)d);
            s->detached_row[ndetached] = (uint32_t)k;
            s->detached_state[ndetached++] = (uint8_t)d;
        }
    }
    if ((rc = ms__builder_nodes(&s->b, n, &nb, s->err)) < 0)
        return rc;
    for (size_t i = 0; i < ndetached; i++)
        if ((rc = ms__builder_detachedness(&s->b, (uint32_t)(first + s->detached_row[i]),
                                           s->detached_state[i], s->err)) < 0)
            return rc;
    return MS_OK;
}

static int read_nodes(v8 *s)
{
    ms__reader *r = s->r;
    uint64_t rows;
    int rc;
    if (s->have_counts && (rc = reserve_from_header(s, ms__reader_offset(r))) < 0)
        return rc;
    if ((rc = read_rows(s, s->node_fields, "nodes", "reading nodes", node_rows, &rows)) < 0)
        return rc;
    if (s->have_counts && rows != s->hdr_nodes)
        return fail(s, MS_EFORMAT, ms__reader_offset(r) - 1,
                    "the nodes array has %llu nodes but snapshot.node_count is %llu",
                    (unsigned long long)rows, (unsigned long long)s->hdr_nodes);
    if (rows == 0)
        return fail(s, MS_EFORMAT, ms__reader_offset(r) - 1, "the nodes array is empty");
    if (s->have_counts && s->edges_declared != s->hdr_edges)
        return fail(s, MS_EFORMAT, ms__reader_offset(r) - 1,
                    "the nodes' edge_count values add up to %llu but snapshot.edge_count is %llu",
                    (unsigned long long)s->edges_declared, (unsigned long long)s->hdr_edges);
    s->done_nodes = true;
    return MS_OK;
}

/* ---- "edges" ------------------------------------------------------------ */

/* n rows of "edges" (edge `first` onwards), checked and appended. */
static int edge_rows(v8 *s, const uint64_t *v, size_t n, uint64_t at, uint64_t first)
{
    const unsigned F = s->edge_fields;
    const uint64_t N = ms__builder_node_count(&s->b);
    uint32_t to[BATCH_ROWS], name[BATCH_ROWS];
    uint8_t type[BATCH_ROWS];
    if (first + n > s->edges_declared)
        return fail(s, MS_EFORMAT, at, "the edges array has more edges than the nodes declare (%llu)",
                    (unsigned long long)s->edges_declared);
    for (size_t k = 0; k < n; k++) {
        const uint64_t *row = v + k * F;
        uint64_t t = row[s->ef[EF_TYPE]], nm = row[s->ef[EF_NAME]], target = row[s->ef[EF_TO]];
        uint64_t ordinal;
        unsigned code;
        if (MS_UNLIKELY(t >= s->edge_type_count))
            return fail(s, MS_EFORMAT, at, "edge %llu has type %llu but meta lists %u edge types",
                        (unsigned long long)(first + k), (unsigned long long)t,
                        s->edge_type_count);
        code = s->edge_type_map[t];
        if (MS_UNLIKELY(!exact_div_do(&s->node_div, target, &ordinal) || ordinal >= N))
            return fail(s, MS_EFORMAT, at,
                        "edge %llu to_node %llu is not the index of a node (a multiple of %u below %llu)",
                        (unsigned long long)(first + k), (unsigned long long)target,
                        s->node_fields, (unsigned long long)(N * s->node_fields));
        if (MS_UNLIKELY(nm > UINT32_MAX))
            return fail(s, MS_ELIMIT, at, "edge %llu name_or_index %llu is larger than 2^32-1",
                        (unsigned long long)(first + k), (unsigned long long)nm);
        if (!ms__edge_type_is_indexed(code) && (!s->any_edge_name || nm > s->max_edge_name)) {
            s->max_edge_name = nm;
            s->max_edge_name_at = at;
            s->any_edge_name = true;
        }
        to[k] = (uint32_t)ordinal;
        name[k] = (uint32_t)nm;
        type[k] = (uint8_t)code;
    }
    return ms__builder_append_edges(&s->b, to, type, name, n, s->err);
}

static int read_edges(v8 *s)
{
    uint64_t rows;
    int rc = read_rows(s, s->edge_fields, "edges", "reading edges", edge_rows, &rows);
    if (rc < 0)
        return rc;
    if (rows != s->edges_declared)
        return fail(s, MS_EFORMAT, ms__reader_offset(s->r) - 1,
                    "the edges array has %llu edges but the nodes declare %llu",
                    (unsigned long long)rows, (unsigned long long)s->edges_declared);
    s->done_edges = true;
    return MS_OK;
}

/* ---- "locations" -------------------------------------------------------- */

static int read_locations(v8 *s)
{
    ms__reader *r = s->r;
    ms__json_uints arr;
    const unsigned F = s->location_fields;
    const uint64_t N = ms__builder_node_count(&s->b);
    int rc;

    if ((rc = ms__json_uints_begin(r, &arr, "locations", s->err)) < 0)
        return rc;
    if (F == 0) {
        /* No layout: only an empty array makes sense. */
        size_t n;
        if ((rc = ms__json_uints_next(r, &arr, s->batch, 1, &n, "locations", s->err)) < 0)
            return rc;
        if (n)
            return fail(s, MS_EFORMAT, ms__reader_offset(r),
                        "locations are present but snapshot.meta has no location_fields");
        return MS_OK;
    }
    while (!arr.closed) {
        size_t n;
        uint64_t at = ms__reader_offset(r);
        if ((rc = ms__json_uints_next(r, &arr, s->batch, (size_t)F * BATCH_ROWS, &n, "locations",
                                      s->err)) < 0)
            return rc;
        if (n % F)
            return fail(s, MS_EFORMAT, ms__reader_offset(r) - 1,
                        "the locations array has %llu values, not a multiple of %u",
                        (unsigned long long)arr.count, F);
        for (size_t i = 0; i < n; i += F) {
            const uint64_t *row = s->batch + i;
            uint64_t node, sc = row[s->lf[LF_SCRIPT]], li = row[s->lf[LF_LINE]],
                           co = row[s->lf[LF_COLUMN]];
            if (!exact_div_do(&s->node_div, row[s->lf[LF_NODE]], &node) || node >= N)
                return fail(s, MS_EFORMAT, at,
                            "location object_index %llu is not the index of a node",
                            (unsigned long long)row[s->lf[LF_NODE]]);
            if (sc > UINT32_MAX || li > UINT32_MAX || co > UINT32_MAX)
                return fail(s, MS_EFORMAT, at, "location value larger than 2^32-1");
            if ((rc = ms__builder_location(&s->b, (uint32_t)node, (uint32_t)sc, (uint32_t)li,
                                           (uint32_t)co, s->err)) < 0)
                return rc;
        }
    }
    s->done_locations = true;
    return MS_OK;
}

/* ---- "strings" ---------------------------------------------------------- */

static int read_strings(v8 *s)
{
    ms__reader *r = s->r;
    uint64_t index = 0;
    int rc, c;

    if ((rc = ms__json_expect(r, '[', "to open the strings array", s->err)) < 0)
        return rc;
    c = ms__json_peek(r, s->err);
    if (c < 0)
        return c;
    if (c == ']') {
        r->p++;
        s->string_count = 0;
        return MS_OK;
    }
    for (;;) {
        uint32_t id;
        bool added;
        if ((rc = ms__json_string(r, &s->str, STRING_MAX, s->err)) < 0)
            return rc;
        if (index >= UINT32_MAX - 1u)
            return fail(s, MS_ELIMIT, ms__reader_offset(r), "more than %u strings", UINT32_MAX - 2u);
        if ((rc = ms__builder_string(&s->b, s->str.data, s->str.len, &id, &added, s->err)) < 0)
            return rc;
        if ((id != index || s->remap)) {
            /* A duplicate string: input indices and interned ids part ways. */
            if (!s->remap) {
                s->remap_cap = 1024 + index * 2;
                if (ms__alloc_array(&s->remap, s->remap_cap, 4, "string map", s->err) < 0)
                    return MS_ENOMEM;
                for (uint64_t i = 0; i < index; i++)
                    s->remap[i] = (uint32_t)i;
            } else if (index == s->remap_cap &&
                       ms__grow(&s->remap, &s->remap_cap, index + 1, 1024, 4, "string map",
                                s->err) < 0) {
                return MS_ENOMEM;
            }
            s->remap[index] = id;
        }
        index++;
        if ((rc = ms__progress_report(s->progress, r, "reading strings", s->err)) < 0)
            return rc;
        c = ms__json_peek(r, s->err);
        if (c < 0)
            return c;
        if (c == ',') {
            r->p++;
            continue;
        }
        if (c == ']') {
            r->p++;
            break;
        }
        return ms__json_expect(r, ']', "or ',' in the strings array", s->err);
    }
    s->string_count = index;
    return MS_OK;
}

/* ---- the top-level object ----------------------------------------------- */

static int defer(v8 *s, uint64_t *where)
{
    *where = ms__reader_offset(s->r);
    return ms__json_skip_value(s->r, s->err);
}

/* The header, and one batch buffer for nodes, edges and locations. */
static int read_snapshot(v8 *s)
{
    unsigned w;
    int rc = read_header(s);
    if (rc < 0)
        return rc;
    w = s->node_fields > s->edge_fields ? s->node_fields : s->edge_fields;
    if (s->location_fields > w)
        w = s->location_fields;
    return ms__alloc_array(&s->batch, (uint64_t)w * BATCH_ROWS, 8, "parse batch", s->err);
}

/* A top-level member, each at most once: read now, or deferred when it
 * needs one not read yet; trace_function_infos, trace_tree, samples and
 * anything newer are skipped. */
static int member(v8 *s, const char *key, uint64_t key_off)
{
    enum { M_SNAPSHOT, M_NODES, M_EDGES, M_LOCATIONS, M_STRINGS, M_KNOWN };
    static const char *const names[M_KNOWN] = {"snapshot", "nodes", "edges", "locations",
                                               "strings"};
    bool *seen[M_KNOWN] = {&s->seen_snapshot, &s->seen_nodes, &s->seen_edges,
                           &s->seen_locations, &s->seen_strings};
    unsigned k = 0;
    while (k < M_KNOWN && strcmp(key, names[k]) != 0)
        k++;
    if (k == M_KNOWN)
        return ms__json_skip_value(s->r, s->err);
    if (*seen[k])
        return fail(s, MS_EFORMAT, key_off, "a second \"%s\" member", key);
    *seen[k] = true;
    switch (k) {
    case M_SNAPSHOT: return read_snapshot(s);
    case M_NODES: return s->have_meta ? read_nodes(s) : defer(s, &s->defer_nodes);
    case M_EDGES: return s->done_nodes ? read_edges(s) : defer(s, &s->defer_edges);
    case M_LOCATIONS: return s->done_nodes ? read_locations(s) : defer(s, &s->defer_locations);
    default: return read_strings(s);
    }
}

static int read_deferred(v8 *s, uint64_t where, int (*fn)(v8 *))
{
    int rc;
    if (where == UINT64_MAX)
        return MS_OK;
    if ((rc = ms__reader_seek(s->r, where, s->err)) < 0)
        return rc;
    return fn(s);
}

static int check_names(v8 *s)
{
    if (s->any_node_name && s->max_node_name >= s->string_count)
        return fail(s, MS_EFORMAT, s->max_node_name_at,
                    "node name index %llu is out of range: the strings array has %llu entries",
                    (unsigned long long)s->max_node_name, (unsigned long long)s->string_count);
    if (s->any_edge_name && s->max_edge_name >= s->string_count)
        return fail(s, MS_EFORMAT, s->max_edge_name_at,
                    "edge name index %llu is out of range: the strings array has %llu entries",
                    (unsigned long long)s->max_edge_name, (unsigned long long)s->string_count);
    return MS_OK;
}

/* The top-level object: each member read (or deferred) as it comes, then
 * nothing but whitespace. */
static int read_members(v8 *s)
{
    ms__reader *r = s->r;
    ms__sbuf key = {0};
    int rc = MS_OK, c;

    MS_TRY(ms__json_expect(r, '{', "at the start of a heap snapshot", s->err));
    MS_TRY(c = ms__json_peek(r, s->err));
    if (c == '}')
        r->p++;
    while (c != '}') {
        uint64_t key_off;
        MS_TRY(ms__json_peek(r, s->err));
        key_off = ms__reader_offset(r);
        MS_TRY(ms__json_string(r, &key, KEY_MAX, s->err));
        MS_TRY(ms__json_expect(r, ':', "after a member name", s->err));
        MS_TRY(member(s, key.data, key_off));
        MS_TRY(c = ms__json_peek(r, s->err));
        if (c == ',')
            r->p++;
        else
            MS_TRY(ms__json_expect(r, '}', "or ',' after a top-level member", s->err));
    }
    MS_TRY(c = ms__json_peek(r, s->err));
    if (c != MS_JSON_EOF)
        rc = fail(s, MS_EFORMAT, ms__reader_offset(r),
                  "unexpected data after the end of the snapshot");
done:
    ms__sbuf_free(&key);
    return rc;
}

/* After the top-level object: the members that were missing or deferred,
 * the string ids against the string count, the root, and the graph. */
static int finish(v8 *s, ms__graph **out)
{
    int rc = MS_OK;
    if (!s->seen_snapshot)
        return fail(s, MS_EFORMAT, UINT64_MAX,
                    "no \"snapshot\" header (is this a V8 heap snapshot?)");
    if (!s->seen_nodes || !s->seen_edges || !s->seen_strings)
        return fail(s, MS_EFORMAT, UINT64_MAX, "the \"%s\" member is missing",
                    !s->seen_nodes ? "nodes" : !s->seen_edges ? "edges" : "strings");
    MS_TRY(read_deferred(s, s->defer_nodes, read_nodes));
    MS_TRY(read_deferred(s, s->defer_edges, read_edges));
    MS_TRY(read_deferred(s, s->defer_locations, read_locations));
    MS_TRY(check_names(s));
    if (s->remap)
        ms__builder_remap_strings(&s->b, s->remap, (uint32_t)s->string_count);
    if (s->have_root_index) {
        uint64_t root;
        if (!exact_div_do(&s->node_div, s->root_index, &root) ||
            root >= ms__builder_node_count(&s->b))
            return fail(s, MS_EFORMAT, s->header_off,
                        "snapshot.root_index %llu is not the index of a node",
                        (unsigned long long)s->root_index);
        ms__builder_set_root(&s->b, (uint32_t)root);
    }
    MS_TRY(ms__builder_finish(&s->b, out, s->err));
done:
    return rc;
}

static int run(ms__reader *r, ms__progress *progress, ms__graph **out, ms_error *err)
{
    v8 s = {.r = r,
            .progress = progress,
            .err = err,
            .defer_nodes = UINT64_MAX,
            .defer_edges = UINT64_MAX,
            .defer_locations = UINT64_MAX};
    int rc = MS_OK;

    MS_TRY(ms__builder_init(&s.b, MS__BUILD_SEQUENTIAL, err));
    MS_TRY(read_members(&s));
    MS_TRY(finish(&s, out));
done:
    ms__builder_discard(&s.b);
    ms__sbuf_free(&s.str);
    free(s.batch);
    free(s.remap);
    return rc;
}

const ms__importer ms__importer_heapsnapshot = {
    MS_FORMAT_HEAPSNAPSHOT,
    "heapsnapshot",
    probe,
    run,
};
