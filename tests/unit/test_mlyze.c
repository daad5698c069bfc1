/*
 * test_mlyze.c: the Memlyze importer on hand-built files: plain v1 as the
 * real writer produces it (quirks included), the memsnap extension (site
 * frees, zstd blocks, a heap snapshot), and every kind of bad input, cut at
 * every byte and with bytes flipped.  Expected values come from the events
 * the tests write, never from the importer's output.
 */
#include "bytes.h"

#include "snapshot/graph.h"
#include "api/snapshot.h"
#include "snapshot/trace.h"

#include <stdlib.h>
#include <zstd.h>

/* ---- building files ------------------------------------------------------ */

static void header(buf *b, const char *meta)
{
    static const uint8_t zeros[236];
    put(b, "MTRC", 4);
    uN(b, 1, 4);
    uN(b, 1700000000000000ull, 8);
    uN(b, strlen(meta), 4);
    put(b, zeros, sizeof zeros);
    put(b, meta, strlen(meta));
}

static void ev_alloc(buf *b, uint64_t delta, uint64_t addr, uint64_t size, uint64_t stack)
{
    u8(b, 0);
    var(b, delta);
    uN(b, addr, 8);
    var(b, size);
    var(b, stack);
    uN(b, 0xfb80, 2);
}

static void ev_free(buf *b, uint64_t delta, uint64_t addr)
{
    u8(b, 1);
    var(b, delta);
    uN(b, addr, 8);
}

static void ev_gc(buf *b, uint64_t delta, uint64_t objects, uint64_t bytes)
{
    u8(b, 2);
    var(b, delta);
    var(b, objects);
    var(b, bytes);
}

static void ev_marker(buf *b, uint64_t delta, uint64_t name)
{
    u8(b, 3);
    var(b, delta);
    var(b, name);
}

static void ext(buf *b, unsigned type, uint64_t delta, const buf *payload)
{
    u8(b, type);
    var(b, delta);
    var(b, payload->len);
    put(b, payload->p, payload->len);
}

/* ext(), then frees the payload. */
static void emit(buf *b, unsigned type, uint64_t delta, buf *payload)
{
    ext(b, type, delta, payload);
    free(payload->p);
}

/* A column of n values, 4 or 8 bytes each (the heap records' layout). */
static void col32(buf *p, const uint32_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        uN(p, v[i], 4);
}

static void col64(buf *p, const uint64_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        uN(p, v[i], 8);
}

static void site_free(buf *b, uint64_t delta, uint64_t stack, uint64_t size)
{
    buf p = {0};
    var(&p, stack);
    var(&p, size);
    emit(b, 0x41, delta, &p);
}

static void zstd_block(buf *b, uint64_t delta, const buf *content)
{
    buf p = {0};
    size_t bound = ZSTD_compressBound(content->len), z;
    uint8_t *tmp = malloc(bound);
    z = ZSTD_compress(tmp, bound, content->p, content->len, 3);
    assert_false(ZSTD_isError(z));
    uN(&p, content->len, 4);
    put(&p, tmp, z);
    free(tmp);
    emit(b, 0x40, delta, &p);
}

static const char *const META =
    "{\"stack_traces\": {\"0\": [{\"file_id\": 0, \"line\": 3, \"func_id\": 0},"
    "                         {\"file_id\": 1, \"line\": 12, \"func_id\": 1}],"
    "                  \"1\": [{\"file_id\": 1, \"line\": 20, \"func_id\": 2}],"
    "                  \"2\": [{\"file_id\": 7, \"line\": 5, \"func_id\": 0}],"
    "                  \"3\": []},"
    " \"files\": {\"0\": \"main.py\", \"1\": \"app.py\"},"
    " \"functions\": {\"0\": \"\", \"1\": \"load\", \"2\": \"checkpoint\"}}";

static ms_snapshot *open_buf(const buf *b)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    int rc = ms_snapshot_open_memory(&s, b->p, b->len, "t.mlyze", NULL, &err);
    if (rc != MS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(rc, MS_OK);
    assert_int_equal(ms_snapshot_format(s), MS_FORMAT_MLYZE);
    assert_int_equal(ms__graph_check(s->g, &err), MS_OK);
    return s;
}

static void expect_fail(const buf *b, int code, const char *needle)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    int rc = ms_snapshot_open_memory(&s, b->p, b->len, "t.mlyze", NULL, &err);
    if (rc != code || !strstr(err.message, "t.mlyze") || (needle && !strstr(err.message, needle)))
        print_error("rc=%d (%s) message: %s\n", rc, ms_status_name(rc), err.message);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_non_null(strstr(err.message, "t.mlyze: "));
    if (needle)
        assert_non_null(strstr(err.message, needle));
}

static const ms_trace_site *find_site(ms_snapshot *s, const char *name, ms_trace_site *out)
{
    const ms_trace_info *in = ms_snapshot_trace(s);
    for (uint32_t i = 0; i < in->site_count; i++) {
        ms_trace_site_get(s, i, out);
        if (strcmp(out->site, name) == 0)
            return out;
    }
    print_error("no site \"%s\"\n", name);
    fail();
    return NULL;
}

/* ---- plain v1 ------------------------------------------------------------ */

/* Metadata filled in: sites are the last frame's file:line and function;
 * missing files, empty stacks and dangling stack ids get placeholder names;
 * FREEs pair with ALLOCs by address. */
static void test_mlyze__v1_with_metadata(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    const ms_trace_info *in;
    ms_trace_site site;
    ms_trace_mark mark;
    uint64_t first;
    header(&b, META);
    ev_alloc(&b, 10, 0x1000, 100, 0);  /* app.py:12 in load */
    ev_alloc(&b, 5, 0x2000, 40, 1);    /* app.py:20 in checkpoint */
    ev_alloc(&b, 5, 0x3000, 7, 2);     /* file 7:5 */
    ev_free(&b, 1, 0x1000);            /* pairs: -100 at app.py:12 */
    ev_free(&b, 1, 0x9999);            /* unknown address: unsized */
    ev_free(&b, 1, 0);                 /* address 0: unsized */
    ev_alloc(&b, 3, 0x1000, 30, 3);    /* address reused; "stack 3" (empty list) */
    ev_alloc(&b, 0, 0, 2, 42);         /* dangling stack id */
    ev_gc(&b, 4, 12, 345);
    ev_marker(&b, 2, 2);               /* "checkpoint" */
    ev_marker(&b, 0, 9);               /* dangling: "marker 9" */
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_non_null(in);
    assert_int_equal(in->version, 1);
    assert_int_equal(in->extension, 0);
    assert_int_equal(in->has_heap, 0);
    assert_int_equal(in->start_time_us, 1700000000000000ull);
    assert_int_equal(in->stack_count, 4);
    assert_int_equal(in->records, 11);
    assert_int_equal(in->alloc_events, 5);
    assert_int_equal(in->free_events, 3);
    assert_int_equal(in->unsized_frees, 2);
    assert_int_equal(in->alloc_bytes, 179);
    assert_int_equal(in->freed_bytes, 100);
    assert_int_equal(in->final_bytes, 79);
    assert_int_equal(in->peak_bytes, 147);
    assert_int_equal(in->gc_events, 1);
    assert_int_equal(in->gc_objects, 12);
    assert_int_equal(in->gc_bytes, 345);
    assert_int_equal(in->marker_events, 2);
    /* batch rule (no extension key): an ALLOC/FREE with the delta of the
     * ALLOC/FREE before it shares its time: the second 5 and the 1s. */
    assert_int_equal(in->batch_timing, 1);
    assert_int_equal(in->peak_time_us, 15);
    assert_int_equal(in->end_time_us, 10 + 5 + 1 + 3 + 0 + 4 + 2 + 0);
    assert_int_equal(in->site_count, 5);
    find_site(s, "app.py:12 in load", &site);
    assert_int_equal(site.alloc_events, 1);
    assert_int_equal(site.free_events, 1);
    assert_int_equal(site.alloc_bytes, 100);
    assert_int_equal(site.freed_bytes, 100);
    assert_int_equal(site.live_bytes, 0);
    find_site(s, "app.py:20 in checkpoint", &site);
    assert_int_equal(site.live_bytes, 40);
    find_site(s, "file 7:5", &site);
    assert_int_equal(site.live_bytes, 7);
    find_site(s, "stack 3", &site);
    assert_int_equal(site.live_bytes, 30);
    find_site(s, "stack 42", &site);
    assert_int_equal(site.live_bytes, 2);
    /* the site graph: root -> one node per site, sized by live bytes */
    assert_int_equal(ms_snapshot_node_count(s), 6);
    assert_int_equal(ms_node_edges(s, 0, &first), 5);
    assert_int_equal(site.node, 5);
    assert_string_equal(ms_node_type(s, site.node), "site");
    assert_string_equal(ms_node_name(s, site.node, NULL), "stack 42");
    assert_string_equal(ms_node_site(s, site.node, NULL), "stack 42");
    assert_int_equal(ms_node_self_size(s, site.node), 2);
    assert_int_equal(ms_snapshot_total_self_size(s), 79);
    assert_int_equal(in->mark_count, 3);
    ms_trace_mark_get(s, 0, &mark);
    assert_int_equal(mark.kind, MS_MARK_GC);
    assert_int_equal(mark.objects, 12);
    assert_int_equal(mark.live_bytes, 79);
    ms_trace_mark_get(s, 1, &mark);
    assert_int_equal(mark.kind, MS_MARK_MARKER);
    assert_string_equal(mark.name, "checkpoint");
    ms_trace_mark_get(s, 2, &mark);
    assert_string_equal(mark.name, "marker 9");
    ms_snapshot_free(s);
    free(b.p);
}

/* What the real Memlyze writer produces: empty metadata, address 0, every
 * event of a diff with the same delta (the batch rule gives them one time),
 * FREEs without size. */
static void test_mlyze__memlyze_quirks(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    const ms_trace_info *in;
    const ms_trace_sample *sm;
    uint32_t ns;
    ms_trace_site site;
    header(&b, "{\"stack_traces\": {}, \"files\": {}, \"functions\": {}}");
    ev_gc(&b, 1000, 0, 0);
    ev_alloc(&b, 500, 0, 64, 0);
    ev_alloc(&b, 500, 0, 32, 1);
    ev_free(&b, 500, 0);
    ev_alloc(&b, 500, 0, 8, 2);
    ev_alloc(&b, 2000, 0, 16, 0); /* the next diff */
    ev_alloc(&b, 2000, 0, 1, 3);
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_int_equal(in->batch_timing, 1);
    assert_int_equal(in->end_time_us, 3500);
    assert_int_equal(in->alloc_bytes, 121);
    assert_int_equal(in->unsized_frees, 1);
    assert_int_equal(in->final_bytes, 121);
    assert_int_equal(in->peak_time_us, 3500);
    ns = ms_trace_sample_count(s);
    sm = ms_trace_sample_get(s, 0);
    assert_int_equal(ns, 2);
    assert_int_equal(sm[0].time_us, 1500);
    assert_int_equal(sm[0].live_bytes, 104);
    assert_int_equal(sm[0].events, 4);
    assert_int_equal(sm[1].time_us, 3500);
    assert_int_equal(sm[1].live_bytes, 121);
    assert_int_equal(sm[1].min_bytes, 120);
    find_site(s, "stack 0", &site);
    assert_int_equal(site.alloc_events, 2);
    assert_int_equal(site.live_bytes, 80);
    ms_snapshot_free(s);
    free(b.p);

    /* metadata of length 0 is read as empty */
    b = (buf){0};
    header(&b, "");
    ev_alloc(&b, 1, 0, 5, 7);
    s = open_buf(&b);
    assert_int_equal(ms_snapshot_trace(s)->final_bytes, 5);
    ms_snapshot_free(s);
    free(b.p);
}

/* With the extension key, every delta counts (the spec's rule), and
 * SITE_FREE takes bytes from a site. */
static void test_mlyze__extension_timing_and_site_free(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    const ms_trace_info *in;
    ms_trace_site site;
    header(&b, "{\"stack_traces\": {}, \"memsnap\": {\"extension\": 1, \"writer\": \"test\"}}");
    ev_alloc(&b, 500, 0, 64, 0);
    ev_alloc(&b, 500, 0, 32, 0);
    site_free(&b, 500, 0, 90);
    site_free(&b, 0, 5, 10); /* a site that only shrinks: -10 */
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_int_equal(in->extension, 1);
    assert_int_equal(in->batch_timing, 0);
    assert_int_equal(in->end_time_us, 1500);
    assert_int_equal(in->peak_bytes, 96);
    assert_int_equal(in->peak_time_us, 1000);
    assert_int_equal(in->free_events, 2);
    assert_int_equal(in->freed_bytes, 100);
    assert_int_equal(in->final_bytes, -4);
    find_site(s, "stack 0", &site);
    assert_int_equal(site.live_bytes, 6);
    assert_int_equal(site.free_events, 1);
    find_site(s, "stack 5", &site);
    assert_int_equal(site.live_bytes, -10);
    assert_int_equal(ms_node_self_size(s, site.node), 0);
    ms_snapshot_free(s);
    free(b.p);
}

/* ---- the heap extension -------------------------------------------------- */

static void strings_rec(buf *b, const char *const *s, uint32_t n)
{
    buf p = {0};
    uN(&p, n, 4);
    for (uint32_t i = 0; i < n; i++)
        uN(&p, strlen(s[i]), 4);
    for (uint32_t i = 0; i < n; i++)
        put(&p, s[i], strlen(s[i]));
    emit(b, 0x49, 0, &p);
}

static void objects_rec(buf *b, uint32_t n, const uint64_t *id, const uint32_t *cls,
                        const uint64_t *size, const uint32_t *site)
{
    buf p = {0};
    uN(&p, n, 4);
    col64(&p, id, n);
    col32(&p, cls, n);
    col64(&p, size, n);
    col32(&p, site, n);
    emit(b, 0x4A, 0, &p);
}

static void refs_rec(buf *b, uint32_t n, const uint32_t *from, const uint32_t *to,
                     const uint32_t *name, const uint8_t *kind)
{
    buf p = {0};
    uN(&p, n, 4);
    col32(&p, from, n);
    col32(&p, to, n);
    col32(&p, name, n);
    put(&p, kind, n);
    emit(b, 0x4B, 0, &p);
}

static void roots_rec(buf *b, uint32_t n, const uint32_t *kind, const uint32_t *name,
                      const uint32_t *obj)
{
    buf p = {0};
    uN(&p, n, 4);
    col32(&p, kind, n);
    col32(&p, name, n);
    col32(&p, obj, n);
    emit(b, 0x4C, 0, &p);
}

static void heap_begin(buf *b, uint64_t delta)
{
    buf p = {0};
    uN(&p, 1, 4);
    uN(&p, 0, 4);
    emit(b, 0x48, delta, &p);
}

static void heap_end(buf *b, uint64_t objects, uint64_t refs, uint64_t roots, uint64_t strings)
{
    buf p = {0};
    uN(&p, objects, 8);
    uN(&p, refs, 8);
    uN(&p, roots, 8);
    uN(&p, strings, 8);
    emit(b, 0x4D, 0, &p);
}

/* module --internal "__dict__"--> dict; dict --"CACHE"--> Leaky a and
 * dict --"a"--> Leaky b; a --"b"--> list --element 0--> b; b --weak "self"--> a.
 * Roots: the module (kind "modules", named "__main__") and b (kind
 * "external", no name).  Written in an order a reader must accept:
 * references before the objects they name, strings in two records. */
static void heap_body(buf *b)
{
    static const char *const s1[] = {"builtins.module", "builtins.dict", "__main__.Leaky"};
    static const char *const s2[] = {"builtins.list", "__dict__", "CACHE", "a", "b", "modules",
                                     "__main__", "external", "self"};
    uint64_t ids[5] = {0x7f0010, 0x7f0020, 0x7f0030, 0x7f0040, 0x7f0050};
    uint32_t cls[5] = {0, 1, 2, 2, 3};
    uint64_t size[5] = {72, 232, 48, 48, 56};
    uint32_t site[5] = {0, 1, 2, 3, 0}; /* stack 0, 1, 2 */
    uint32_t from[6] = {0, 1, 1, 2, 4, 3};
    uint32_t to[6] = {1, 2, 3, 4, 3, 2};
    uint32_t name[6] = {4, 5, 6, 7, 0, 11};
    uint8_t kind[6] = {2, 1, 1, 1, 0, 3};
    uint32_t rkind[2] = {8, 10}, rname[2] = {9, 0xFFFFFFFFu}, robj[2] = {0, 3};
    heap_begin(b, 7);
    strings_rec(b, s1, 3);
    strings_rec(b, s2, 9);
    refs_rec(b, 3, from, to, name, kind);
    objects_rec(b, 2, ids, cls, size, site);
    refs_rec(b, 3, from + 3, to + 3, name + 3, kind + 3);
    objects_rec(b, 3, ids + 2, cls + 2, size + 2, site + 2);
    roots_rec(b, 2, rkind, rname, robj);
    heap_end(b, 5, 6, 2, 12);
}

static ms_node node_of(ms_snapshot *s, uint64_t id)
{
    ms_node n = ms_snapshot_find_id(s, id);
    assert_int_not_equal(n, MS_NODE_NONE);
    return n;
}

/* The edge of `from` named `name` (or with index `index` when name is
 * NULL); its target. */
static ms_node edge(ms_snapshot *s, ms_node from, const char *type, const char *name,
                    uint32_t index)
{
    uint64_t first, n = ms_node_edges(s, from, &first);
    for (uint64_t e = first; e < first + n; e++) {
        ms_edge_info info;
        ms_edge_get(s, e, &info);
        if (strcmp(info.type, type) == 0 &&
            (name ? info.name && strcmp(info.name, name) == 0 : !info.name && info.index == index))
            return info.to;
    }
    print_error("node %u has no %s edge %s/%u\n", from, type, name ? name : "", index);
    fail();
    return MS_NODE_NONE;
}

static void check_heap(ms_snapshot *s, uint64_t heap_time)
{
    const ms_trace_info *in = ms_snapshot_trace(s);
    ms_node mod = node_of(s, 0x7f0010), d = node_of(s, 0x7f0020), a = node_of(s, 0x7f0030);
    ms_node bb = node_of(s, 0x7f0040), list = node_of(s, 0x7f0050), kind;
    assert_int_equal(in->has_heap, 1);
    assert_int_equal(in->heap_time_us, heap_time);
    assert_int_equal(ms_snapshot_node_count(s), 1 + 5 + 2);
    assert_int_equal(ms_snapshot_edge_count(s), 6 + 2 + 2);
    assert_int_equal(ms_snapshot_root(s), 0);
    assert_string_equal(ms_node_name(s, 0, NULL), "(root)");
    assert_true(ms_node_is_synthetic(s, 0));
    assert_string_equal(ms_node_name(s, a, NULL), "__main__.Leaky");
    assert_string_equal(ms_node_type(s, a), "object");
    assert_int_equal(ms_node_self_size(s, d), 232);
    assert_int_equal(ms_snapshot_total_self_size(s), 72 + 232 + 48 + 48 + 56);
    assert_int_equal(edge(s, mod, "internal", "__dict__", 0), d);
    assert_int_equal(edge(s, d, "property", "CACHE", 0), a);
    assert_int_equal(edge(s, d, "property", "a", 0), bb);
    assert_int_equal(edge(s, a, "property", "b", 0), list);
    assert_int_equal(edge(s, list, "element", NULL, 0), bb);
    assert_int_equal(edge(s, bb, "weak", "self", 0), a);
    kind = edge(s, 0, "element", NULL, 0);
    assert_string_equal(ms_node_name(s, kind, NULL), "(modules)");
    assert_true(ms_node_is_synthetic(s, kind));
    assert_int_equal(edge(s, kind, "property", "__main__", 0), mod);
    kind = edge(s, 0, "element", NULL, 1);
    assert_string_equal(ms_node_name(s, kind, NULL), "(external)");
    assert_int_equal(edge(s, kind, "element", NULL, 0), bb);
    /* sites: object site k is stack k - 1 */
    assert_string_equal(ms_node_site(s, d, NULL), "app.py:12 in load");
    assert_string_equal(ms_node_site(s, a, NULL), "app.py:20 in checkpoint");
    assert_string_equal(ms_node_site(s, bb, NULL), "file 7:5");
    assert_null(ms_node_site(s, mod, NULL));
    assert_null(ms_node_site(s, list, NULL));
}

static void test_mlyze__heap_snapshot(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    header(&b, META);
    ev_alloc(&b, 1, 0, 10, 0);
    heap_body(&b);
    ev_alloc(&b, 1, 0, 5, 1); /* events may follow the snapshot */
    s = open_buf(&b);
    check_heap(s, 8);
    assert_int_equal(ms_snapshot_trace(s)->final_bytes, 15);
    assert_int_equal(ms_snapshot_trace(s)->site_count, 2);
    {
        ms_trace_site site;
        ms_trace_site_get(s, 0, &site);
        assert_int_equal(site.node, MS_NODE_NONE);
    }
    /* the analyses run on it: the module's dict dominates a and the list;
     * b is also an external root, so only the root dominates it */
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES, NULL),
                     MS_OK);
    assert_int_equal(ms_node_dominator(s, node_of(s, 0x7f0030)), node_of(s, 0x7f0020));
    assert_int_equal(ms_node_distance(s, node_of(s, 0x7f0030)), 4);
    assert_int_equal(ms_node_retained_size(s, node_of(s, 0x7f0020)), 232 + 48 + 56);
    ms_snapshot_free(s);
    free(b.p);
}

/* The same records inside zstd blocks read the same; ancillary records are
 * skipped. */
static void test_mlyze__zstd_blocks(void **state)
{
    (void)state;
    buf b = {0}, inner = {0}, anc = {0};
    ms_snapshot *s;
    put(&anc, "note", 4);
    header(&b, META);
    ev_alloc(&inner, 1, 0, 10, 0);
    heap_body(&inner);
    ext(&inner, 0x60, 0, &anc);
    zstd_block(&b, 0, &inner);
    ext(&b, 0xE5, 3, &anc);
    ev_alloc(&b, 1, 0, 5, 1);
    s = open_buf(&b);
    check_heap(s, 8);
    assert_int_equal(ms_snapshot_trace(s)->final_bytes, 15);
    assert_int_equal(ms_snapshot_trace(s)->skipped_records, 2);
    assert_int_equal(ms_snapshot_trace(s)->end_time_us, 1 + 7 + 3 + 1);
    ms_snapshot_free(s);
    free(b.p);
    free(inner.p);
    free(anc.p);
}

/* The whole file zstd-compressed (the reader's job) also reads. */
static void test_mlyze__compressed_file(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    ms_error err = MS_ERROR_INIT;
    size_t bound, z;
    uint8_t *tmp;
    header(&b, META);
    heap_body(&b);
    bound = ZSTD_compressBound(b.len);
    tmp = malloc(bound);
    z = ZSTD_compress(tmp, bound, b.p, b.len, 1);
    assert_int_equal(ms_snapshot_open_memory(&s, tmp, z, "t.mlyze.zst", NULL, &err), MS_OK);
    check_heap(s, 7);
    ms_snapshot_free(s);
    free(tmp);
    free(b.p);
}

/* ---- the live-bytes series ------------------------------------------------ */

/* 200 000 distinct times: the series is merged down to at most 65 536
 * points, the peak stays exact, and min/max envelopes keep it visible. */
static void test_mlyze__long_series(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    const ms_trace_info *in;
    const ms_trace_sample *sm;
    uint32_t ns;
    int64_t live = 0, peak = 0, seen_max = 0;
    uint64_t peak_t = 0, t = 0, events = 0;
    header(&b, "{\"memsnap\": {\"extension\": 1}}");
    for (uint32_t i = 0; i < 200000; i++) {
        uint64_t size = 1 + (i * 7919u) % 1000;
        t += 1 + i % 3;
        if (i % 3 == 2) {
            ev_free(&b, 1 + i % 3, 0x1000 + (uint64_t)(i - 1) * 16);
            live -= (int64_t)(1 + ((i - 1) * 7919u) % 1000);
        } else {
            ev_alloc(&b, 1 + i % 3, 0x1000 + (uint64_t)i * 16, size, i % 50);
            live += (int64_t)size;
        }
        if (live > peak) {
            peak = live;
            peak_t = t;
        }
    }
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_int_equal(in->peak_bytes, peak);
    assert_int_equal(in->peak_time_us, peak_t);
    assert_int_equal(in->final_bytes, live);
    assert_int_equal(in->unsized_frees, 0);
    ns = ms_trace_sample_count(s);
    sm = ms_trace_sample_get(s, 0);
    assert_true(ns <= 65536 && ns >= 32768);
    for (uint32_t i = 0; i < ns; i++) {
        if (sm[i].max_bytes > seen_max)
            seen_max = sm[i].max_bytes;
        assert_true(sm[i].min_bytes <= sm[i].live_bytes && sm[i].live_bytes <= sm[i].max_bytes);
        assert_true(i == 0 || sm[i].time_us > sm[i - 1].time_us);
        events += sm[i].events;
    }
    assert_int_equal(seen_max, peak);
    assert_int_equal(events, 200000);
    assert_int_equal(sm[ns - 1].time_us, t);
    assert_int_equal(sm[ns - 1].live_bytes, live);
    ms_snapshot_free(s);
    free(b.p);
}

/* ---- 64-bit fields ---------------------------------------------------------- */

/* Values that do not fit 32 bits, each in a field the format gives 64 bits
 * (docs/formats/mlyze.md: u64 addresses, varint sizes, deltas, stack ids,
 * GC counts and name ids, decimal metadata ids), so a field read, stored or
 * summed in 32 bits anywhere gives another answer.  Addresses differ only
 * above bit 32, or are 0 below it. */
#define G64 (5ull * 1024 * 1024 * 1024 + 3) /* 5 GiB + 3 */
#define H64 ((1ull << 33) + 5)
#define T64 ((1ull << 32) + 7)              /* a delta of 71 minutes */
#define ADDR1 ((1ull << 40) + 0x1000)
#define ADDR2 ((1ull << 41) + 0x1000)       /* ADDR1's low 32 bits */
#define ADDR3 (3ull << 40)                  /* low 32 bits 0: "no address" if cut */
#define STACK_BIG 5000000000ull
#define STACK_2 ((1ull << 32) + 1)          /* stack 1's low 32 bits */

static void test_mlyze__64_bit_event_fields(void **state)
{
    (void)state;
    /* Stack 5000000000's frame names file 6000000000, line 7000000000,
     * function 8000000000; marker names live in `functions` too. */
    static const char meta[] =
        "{\"stack_traces\": {\"5000000000\": [{\"file_id\": 6000000000, \"line\": 7000000000,"
        " \"func_id\": 8000000000}]},"
        " \"files\": {\"6000000000\": \"big.py\"},"
        " \"functions\": {\"8000000000\": \"grow\", \"9000000000\": \"phase\"},"
        " \"memsnap\": {\"extension\": 1}}";
    buf b = {0};
    ms_snapshot *s;
    const ms_trace_info *in;
    const ms_trace_sample *sm;
    ms_trace_site site;
    ms_trace_mark mark;
    uint32_t ns;
    header(&b, meta); /* the extension key: every delta counts (no batch rule) */
    ev_alloc(&b, T64, ADDR1, G64, STACK_BIG); /* t = T                live G      */
    ev_alloc(&b, 1, ADDR3, H64, STACK_2);     /* t = T + 1            G + H       */
    ev_alloc(&b, 0, ADDR2, 100, 1);           /* t = T + 1, not stack 2^32 + 1: G + H + 100 */
    ev_free(&b, T64, ADDR1);                  /* t = 2T + 1: frees G, not ADDR2's 100 */
    ev_free(&b, 1, ADDR3);                    /* t = 2T + 2: frees H  -> 100      */
    ev_alloc(&b, 1, 0, 3 * G64, STACK_BIG);   /* t = 2T + 3           3G + 100 (peak) */
    site_free(&b, 1, STACK_BIG, G64);         /* t = 2T + 4           2G + 100    */
    ev_gc(&b, 1, (1ull << 32) + 11, (1ull << 40) + 13); /* t = 2T + 5 */
    ev_gc(&b, 0, 1ull << 32, 1ull << 32);
    ev_marker(&b, 1, 9000000000ull);          /* t = 2T + 6: "phase" */
    ev_marker(&b, 0, 9000000001ull);          /* dangling */
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_int_equal(in->records, 11);
    assert_int_equal(in->stack_count, 1);
    assert_int_equal(in->batch_timing, 0);
    assert_int_equal(in->end_time_us, 2 * T64 + 6);
    assert_int_equal(in->alloc_events, 4);
    assert_int_equal(in->alloc_bytes, G64 + 100 + H64 + 3 * G64);
    assert_int_equal(in->free_events, 3);
    assert_int_equal(in->unsized_frees, 0);
    assert_int_equal(in->freed_bytes, G64 + H64 + G64);
    assert_int_equal(in->final_bytes, 2 * G64 + 100);
    assert_int_equal(in->peak_bytes, 3 * G64 + 100);
    assert_int_equal(in->peak_time_us, 2 * T64 + 3);
    assert_int_equal(in->gc_events, 2);
    assert_int_equal(in->gc_objects, (1ull << 33) + 11);
    assert_int_equal(in->gc_bytes, (1ull << 40) + 13 + (1ull << 32));
    assert_int_equal(in->marker_events, 2);

    /* sites in first-seen order; stack 4294967297 is not stack 1 */
    assert_int_equal(in->site_count, 3);
    ms_trace_site_get(s, 0, &site);
    assert_string_equal(site.site, "big.py:7000000000 in grow");
    assert_int_equal(site.alloc_events, 2);
    assert_int_equal(site.alloc_bytes, 4 * G64);
    assert_int_equal(site.free_events, 2);
    assert_int_equal(site.freed_bytes, 2 * G64);
    assert_int_equal(site.live_bytes, 2 * G64);
    assert_int_equal(ms_node_self_size(s, site.node), 2 * G64);
    ms_trace_site_get(s, 1, &site);
    assert_string_equal(site.site, "stack 4294967297");
    assert_int_equal(site.alloc_bytes, H64);
    assert_int_equal(site.freed_bytes, H64);
    assert_int_equal(site.live_bytes, 0);
    ms_trace_site_get(s, 2, &site);
    assert_string_equal(site.site, "stack 1");
    assert_int_equal(site.alloc_events, 1);
    assert_int_equal(site.alloc_bytes, 100);
    assert_int_equal(site.freed_bytes, 0);
    assert_int_equal(ms_node_self_size(s, site.node), 100);
    assert_int_equal(ms_snapshot_total_self_size(s), 2 * G64 + 100);

    /* the series: one point per time; T + 1 holds two events */
    ns = ms_trace_sample_count(s);
    sm = ms_trace_sample_get(s, 0);
    assert_int_equal(ns, 6);
    assert_int_equal(sm[0].time_us, T64);
    assert_int_equal(sm[0].live_bytes, G64);
    assert_int_equal(sm[1].time_us, T64 + 1);
    assert_int_equal(sm[1].live_bytes, G64 + 100 + H64);
    assert_int_equal(sm[1].min_bytes, G64 + H64);
    assert_int_equal(sm[1].max_bytes, G64 + 100 + H64);
    assert_int_equal(sm[1].events, 2);
    assert_int_equal(sm[2].time_us, 2 * T64 + 1);
    assert_int_equal(sm[2].live_bytes, 100 + H64);
    assert_int_equal(sm[3].live_bytes, 100);
    assert_int_equal(sm[4].time_us, 2 * T64 + 3);
    assert_int_equal(sm[4].max_bytes, 3 * G64 + 100);
    assert_int_equal(sm[5].time_us, 2 * T64 + 4);
    assert_int_equal(sm[5].live_bytes, 2 * G64 + 100);

    /* GCs and markers */
    assert_int_equal(in->mark_count, 4);
    ms_trace_mark_get(s, 0, &mark);
    assert_int_equal(mark.kind, MS_MARK_GC);
    assert_int_equal(mark.time_us, 2 * T64 + 5);
    assert_int_equal(mark.live_bytes, 2 * G64 + 100);
    assert_int_equal(mark.objects, (1ull << 32) + 11);
    assert_int_equal(mark.bytes, (1ull << 40) + 13);
    ms_trace_mark_get(s, 1, &mark);
    assert_int_equal(mark.objects, 1ull << 32);
    assert_int_equal(mark.bytes, 1ull << 32);
    ms_trace_mark_get(s, 2, &mark);
    assert_int_equal(mark.kind, MS_MARK_MARKER);
    assert_int_equal(mark.time_us, 2 * T64 + 6);
    assert_string_equal(mark.name, "phase");
    ms_trace_mark_get(s, 3, &mark);
    assert_string_equal(mark.name, "marker 9000000001");
    ms_snapshot_free(s);
    free(b.p);

    /* Pairing by address keeps sizes below 2^40 (the importer packs 40 bits
     * of size per live address, src/import/mlyze.c); a FREE of a bigger
     * ALLOC counts as unsized. */
    b = (buf){0};
    header(&b, "{\"memsnap\": {\"extension\": 1}}");
    ev_alloc(&b, 1, ADDR1, (1ull << 40) - 1, 0);
    ev_alloc(&b, 1, ADDR2, 1ull << 40, 0);
    ev_free(&b, 1, ADDR1);
    ev_free(&b, 1, ADDR2);
    s = open_buf(&b);
    in = ms_snapshot_trace(s);
    assert_int_equal(in->freed_bytes, (1ull << 40) - 1);
    assert_int_equal(in->unsized_frees, 1);
    assert_int_equal(in->final_bytes, 1ull << 40);
    ms_snapshot_free(s);
    free(b.p);

    /* an extension record's length is a varint too: 2^32 + 1 bytes is
     * beyond the 64 MiB limit, not an ancillary record of 1 byte to skip */
    b = (buf){0};
    header(&b, "{\"memsnap\": {\"extension\": 1}}");
    u8(&b, 0x60);
    var(&b, 0);
    var(&b, (1ull << 32) + 1);
    u8(&b, 0);
    expect_fail(&b, MS_ELIMIT, "of 4294967297 bytes is beyond the 64 MiB limit");
    free(b.p);
}

/* The heap extension's u64 fields: object ids (two differ only above bit
 * 32) and self sizes, after an object whose id and size fit 32 bits (the
 * graph keeps the high halves apart and fills them in when the first big
 * value comes); HEAP_END's four u64 totals are compared whole. */
/* The file of test_mlyze__64_bit_heap_fields, its HEAP_END totals raised
 * by add[]. */
static void heap64_file(buf *b, const uint64_t add[4])
{
    static const char *const strs[] = {"big.Blob", "builtins.dict", "a", "b", "modules", "m",
                                       "builtins.int", "n"};
    static const uint64_t ids[4] = {0x1000, (1ull << 40) + 16, (1ull << 41) + 16,
                                    0x7f0000000020ull};
    static const uint32_t cls[4] = {6, 0, 0, 1}, site[4] = {0, 0, 0, 0};
    static const uint64_t size[4] = {28, G64, H64, 48};
    static const uint32_t from[3] = {3, 3, 3}, to[3] = {1, 2, 0}, name[3] = {2, 3, 7};
    static const uint8_t kind[3] = {1, 1, 1};
    static const uint32_t rkind = 4, rname = 5, robj = 3;
    b->len = 0;
    header(b, "{\"memsnap\": {\"extension\": 1}}");
    heap_begin(b, 0);
    strings_rec(b, strs, 8);
    objects_rec(b, 4, ids, cls, size, site);
    refs_rec(b, 3, from, to, name, kind);
    roots_rec(b, 1, &rkind, &rname, &robj);
    heap_end(b, 4 + add[0], 3 + add[1], 1 + add[2], 8 + add[3]);
}

static void test_mlyze__64_bit_heap_fields(void **state)
{
    (void)state;
    static const uint64_t none[4] = {0, 0, 0, 0};
    const uint64_t id0 = (1ull << 40) + 16, id1 = (1ull << 41) + 16, id2 = 0x7f0000000020ull;
    ms_summary *sum = NULL;
    ms_node n0, n1, n2, small;
    size_t blob_rows = 0;
    buf b = {0};
    ms_snapshot *s;
    heap64_file(&b, none);
    s = open_buf(&b);
    small = node_of(s, 0x1000);
    n0 = node_of(s, id0);
    n1 = node_of(s, id1);
    n2 = node_of(s, id2);
    assert_int_not_equal(n0, n1);
    assert_int_equal(ms_snapshot_find_id(s, 16), MS_NODE_NONE);
    assert_int_equal(ms_node_id(s, n0), id0);
    assert_int_equal(ms_node_id(s, n1), id1);
    assert_int_equal(ms_node_id(s, n2), id2);
    assert_int_equal(ms_node_id(s, small), 0x1000);
    assert_int_equal(ms_node_self_size(s, small), 28);
    assert_int_equal(ms_node_self_size(s, n0), G64);
    assert_int_equal(ms_node_self_size(s, n1), H64);
    assert_int_equal(ms_node_self_size(s, n2), 48);
    assert_int_equal(ms_snapshot_total_self_size(s), 28 + G64 + H64 + 48);
    /* the dict alone holds the blobs and the int: it retains all four */
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED, NULL), MS_OK);
    assert_int_equal(ms_node_dominator(s, n0), n2);
    assert_int_equal(ms_node_retained_size(s, n2), 28 + G64 + H64 + 48);
    assert_int_equal(ms_node_retained_size(s, 0), 28 + G64 + H64 + 48);
    assert_int_equal(ms_summary_compute(s, NULL, &sum, NULL), MS_OK);
    for (size_t i = 0; i < ms_summary_row_count(sum); i++) {
        const ms_class_row *r = ms_summary_row_get(sum, i);
        if (strcmp(r->name, "big.Blob") != 0)
            continue;
        blob_rows++;
        assert_int_equal(r->count, 2);
        assert_int_equal(r->shallow_size, G64 + H64);
        assert_int_equal(r->retained_size, G64 + H64);
    }
    assert_int_equal(blob_rows, 1);
    ms_summary_free(sum);
    ms_snapshot_free(s);

    /* HEAP_END's totals plus 2^32 do not match (each of the four) */
    for (int k = 0; k < 4; k++) {
        static const char *const what[4] = {
            "HEAP_END counts 4294967300 objects, but the snapshot has 4",
            "HEAP_END counts 4294967299 references, but the snapshot has 3",
            "HEAP_END counts 4294967297 roots, but the snapshot has 1",
            "HEAP_END counts 4294967304 strings, but the snapshot has 8"};
        uint64_t add[4] = {0, 0, 0, 0};
        add[k] = 1ull << 32;
        heap64_file(&b, add);
        expect_fail(&b, MS_EFORMAT, what[k]);
    }
    free(b.p);
}

/* ---- bad input ------------------------------------------------------------ */

typedef struct bad_case {
    const char *what;
    int code;
    const char *needle;
} bad_case;

static void test_mlyze__bad_headers(void **state)
{
    (void)state;
    buf b = {0};
    header(&b, "{}");
    b.p[4] = 2;
    expect_fail(&b, MS_EFORMAT, "offset 4: format version 2");
    b.p[4] = 0;
    b.p[7] = 1;
    expect_fail(&b, MS_EFORMAT, "big-endian");
    b.p[7] = 0;
    b.p[4] = 1;
    b.len = 100;
    expect_fail(&b, MS_ETRUNC, "offset 100: the file ends inside the 256-byte header");
    free(b.p);

    b = (buf){0};
    header(&b, "{\"stack_traces\": {}}");
    b.len -= 3;
    expect_fail(&b, MS_ETRUNC, "the file ends inside the metadata");
    b.p[16] = 0xFF, b.p[17] = 0xFF, b.p[18] = 0xFF, b.p[19] = 0x7F;
    expect_fail(&b, MS_ELIMIT, "offset 16: metadata of");
    free(b.p);
}

static void metadata_case(const char *meta, int code, const char *needle)
{
    buf b = {0};
    header(&b, meta);
    expect_fail(&b, code, needle);
    free(b.p);
}

static void test_mlyze__bad_metadata(void **state)
{
    (void)state;
    metadata_case("{\"stack_traces\": {", MS_EFORMAT, "not valid JSON");
    metadata_case("{\"files\": {}} x", MS_EFORMAT, "offset 270: data after");
    metadata_case("[1, 2]", MS_EFORMAT, "not a JSON object");
    metadata_case("{\"files\": []}", MS_EFORMAT, "\"files\" is not an object");
    metadata_case("{\"files\": {\"x1\": \"a.py\"}}", MS_EFORMAT, "files key \"x1\" is not a decimal id");
    metadata_case("{\"files\": {\"99999999999999999999999\": \"a.py\"}}", MS_EFORMAT, "not a decimal id");
    metadata_case("{\"files\": {\"1\": 5}}", MS_EFORMAT, "files[\"1\"] is not a string");
    metadata_case("{\"files\": {\"1\": \"a\", \"1\": \"b\"}}", MS_EFORMAT, "lists id 1 twice");
    metadata_case("{\"functions\": {\"1\": null}}", MS_EFORMAT, "functions[\"1\"] is not a string");
    metadata_case("{\"stack_traces\": {\"0\": {}}}", MS_EFORMAT, "not a list of frames");
    metadata_case("{\"stack_traces\": {\"0\": [{\"file_id\": 0}]}}", MS_EFORMAT,
                  "stack_traces[\"0\"][0] is not a frame");
    metadata_case("{\"stack_traces\": {\"0\": [{\"file_id\": 0, \"line\": -1}]}}", MS_EFORMAT,
                  "is not a frame");
    metadata_case("{\"stack_traces\": {\"0\": [{\"file_id\": 0, \"line\": 1.5}]}}", MS_EFORMAT,
                  "is not a frame");
    metadata_case("{\"stack_traces\": {\"0\": [], \"0\": []}}", MS_EFORMAT, "lists id 0 twice");
    metadata_case("{\"memsnap\": 1}", MS_EFORMAT, "\"memsnap\" must be an object");
    metadata_case("{\"memsnap\": {\"extension\": 0}}", MS_EFORMAT, "\"extension\" >= 1");
}

static void event_case(void (*add)(buf *), int code, const char *needle)
{
    buf b = {0};
    header(&b, "{}");
    add(&b);
    expect_fail(&b, code, needle);
    free(b.p);
}

static void add_type4(buf *b) { ev_alloc(b, 0, 0, 1, 0); u8(b, 4); var(b, 0); }
static void add_type63(buf *b) { u8(b, 63); var(b, 0); }
static void add_long_varint(buf *b)
{
    u8(b, 2);
    var(b, 0);
    for (int i = 0; i < 11; i++)
        u8(b, 0x80);
    u8(b, 0);
}
static void add_overflow_varint(buf *b)
{
    u8(b, 3);
    for (int i = 0; i < 9; i++)
        u8(b, 0xFF);
    u8(b, 0x02); /* bit 64 */
    var(b, 0);
}
static void add_time_overflow(buf *b)
{
    ev_gc(b, UINT64_MAX / 2, 0, 0);
    ev_gc(b, UINT64_MAX / 2, 0, 0);
}
static void add_bytes_overflow(buf *b)
{
    ev_alloc(b, 0, 0, (uint64_t)INT64_MAX, 0);
    ev_alloc(b, 0, 0, 5, 1);
}
static void add_huge_record(buf *b)
{
    u8(b, 0x49);
    var(b, 0);
    var(b, (1u << 26) + 1);
}
static void add_critical_unknown(buf *b)
{
    buf p = {0};
    ext(b, 0x5F, 0, &p);
}
static void add_heap_outside(buf *b)
{
    static const char *const s[] = {"x"};
    strings_rec(b, s, 1);
}
static void add_two_heaps(buf *b)
{
    heap_begin(b, 0);
    heap_end(b, 0, 0, 0, 0);
    heap_begin(b, 0);
}
static void add_heap_not_ended(buf *b)
{
    heap_begin(b, 0);
    ev_alloc(b, 0, 0, 1, 0);
}
static void add_heap_end_mismatch(buf *b)
{
    static const char *const s[] = {"x"};
    heap_begin(b, 0);
    strings_rec(b, s, 1);
    heap_end(b, 0, 0, 0, 2);
}
static void add_heap_bad_version(buf *b)
{
    buf p = {0};
    uN(&p, 2, 4);
    uN(&p, 0, 4);
    emit(b, 0x48, 0, &p);
}
static void add_heap_undefined_string(buf *b)
{
    uint64_t id = 1, size = 8;
    uint32_t cls = 3, site = 0;
    heap_begin(b, 0);
    objects_rec(b, 1, &id, &cls, &size, &site);
}
static void add_heap_dangling_object(buf *b)
{
    static const char *const s[] = {"x"};
    uint64_t id = 1, size = 8;
    uint32_t cls = 0, site = 0, from = 0, to = 5, name = 0;
    uint8_t kind = 1;
    heap_begin(b, 0);
    strings_rec(b, s, 1);
    objects_rec(b, 1, &id, &cls, &size, &site);
    refs_rec(b, 1, &from, &to, &name, &kind);
    heap_end(b, 1, 1, 0, 1);
}
static void add_heap_bad_kind(buf *b)
{
    uint32_t from = 0, to = 0, name = 0;
    uint8_t kind = 4;
    heap_begin(b, 0);
    refs_rec(b, 1, &from, &to, &name, &kind);
}
static void add_heap_short_objects(buf *b)
{
    buf p = {0};
    heap_begin(b, 0);
    uN(&p, 2, 4);
    for (int i = 0; i < 3; i++)
        uN(&p, 0, 8);
    emit(b, 0x4A, 0, &p);
}
static void add_heap_bad_string_lengths(buf *b)
{
    buf p = {0};
    heap_begin(b, 0);
    uN(&p, 1, 4);
    uN(&p, 5, 4);
    put(&p, "abc", 3);
    emit(b, 0x49, 0, &p);
}
static void add_zstd_garbage(buf *b)
{
    buf p = {0};
    uN(&p, 10, 4);
    put(&p, "not zstd at all", 15);
    emit(b, 0x40, 0, &p);
}
static void add_zstd_wrong_size(buf *b)
{
    buf inner = {0}, tmp = {0};
    ev_gc(&inner, 1, 2, 3);
    zstd_block(&tmp, 0, &inner);
    /* payload's size field says one byte more than the frame holds */
    tmp.p[3] = (uint8_t)(tmp.p[3] + 1);
    put(b, tmp.p, tmp.len);
    free(inner.p);
    free(tmp.p);
}
static void add_zstd_nested(buf *b)
{
    buf inner = {0}, outer = {0};
    ev_gc(&inner, 1, 2, 3);
    zstd_block(&outer, 0, &inner);
    zstd_block(b, 0, &outer);
    free(inner.p);
    free(outer.p);
}
static void add_zstd_cut_record(buf *b)
{
    buf inner = {0};
    ev_alloc(&inner, 1, 0, 3, 0);
    inner.len -= 1;
    zstd_block(b, 0, &inner);
    free(inner.p);
}
static void add_site_free_extra(buf *b)
{
    buf p = {0};
    var(&p, 1);
    var(&p, 2);
    var(&p, 3);
    emit(b, 0x41, 0, &p);
}

static void test_mlyze__bad_events(void **state)
{
    (void)state;
    event_case(add_type4, MS_EFORMAT, "offset 272: event type 4 is not defined by Memlyze v1");
    event_case(add_type63, MS_EFORMAT, "event type 63");
    event_case(add_long_varint, MS_EFORMAT, "offset 260: malformed varint");
    event_case(add_overflow_varint, MS_EFORMAT, "offset 259: malformed varint");
    event_case(add_time_overflow, MS_ELIMIT, "passes 2^63");
    event_case(add_bytes_overflow, MS_ELIMIT, "pass 2^63");
    event_case(add_huge_record, MS_ELIMIT, "beyond the 64 MiB limit");
    event_case(add_critical_unknown, MS_EFORMAT, "type 0x5f is a critical extension record");
    event_case(add_heap_outside, MS_EFORMAT, "HEAP_STRINGS record outside a heap snapshot");
    event_case(add_two_heaps, MS_EFORMAT, "a second heap snapshot");
    event_case(add_heap_not_ended, MS_ETRUNC, "offset 258: the heap snapshot that begins here has no HEAP_END");
    event_case(add_heap_end_mismatch, MS_EFORMAT, "HEAP_END counts 2 strings, but the snapshot has 1");
    event_case(add_heap_bad_version, MS_EFORMAT, "heap snapshot version 2");
    event_case(add_heap_undefined_string, MS_EFORMAT, "names string 3, but only 0 strings");
    event_case(add_heap_dangling_object, MS_EFORMAT, "names object 5, but the heap snapshot has 1 objects");
    event_case(add_heap_bad_kind, MS_EFORMAT, "has kind 4");
    event_case(add_heap_short_objects, MS_EFORMAT, "HEAP_OBJECTS has 28 bytes; 2 objects take 52");
    event_case(add_heap_bad_string_lengths, MS_EFORMAT, "lengths add up to 13");
    event_case(add_zstd_garbage, MS_EFORMAT, "ZSTD_BLOCK");
    event_case(add_zstd_wrong_size, MS_EFORMAT, "ZSTD_BLOCK says");
    event_case(add_zstd_nested, MS_EFORMAT, "a ZSTD_BLOCK inside a ZSTD_BLOCK");
    event_case(add_zstd_cut_record, MS_ETRUNC, "in the zstd block there, at byte 0 of its content: the zstd block's content ends inside an ALLOC event");
    event_case(add_site_free_extra, MS_EFORMAT, "SITE_FREE has 1 bytes after");
}

/* A file with every kind of record, cut at every byte: either it ends on a
 * record boundary outside the heap snapshot and imports, or the import fails
 * with a message naming the file and an offset.  Never a crash (this runs
 * under the sanitizers too). */
static void test_mlyze__cut_everywhere(void **state)
{
    (void)state;
    buf b = {0}, inner = {0};
    size_t ok = 0, boundaries = 0;
    size_t *ends = NULL, nends = 0;
    header(&b, META);
    ends = realloc(ends, sizeof *ends * 64);
    ends[nends++] = b.len;
    ev_alloc(&b, 300, 0x10, 5, 0), ends[nends++] = b.len;
    ev_free(&b, 200, 0x10), ends[nends++] = b.len;
    ev_gc(&b, 1, 2, 3), ends[nends++] = b.len;
    ev_marker(&b, 1, 1), ends[nends++] = b.len;
    site_free(&b, 1, 0, 2), ends[nends++] = b.len;
    ev_gc(&inner, 1, 2, 3);
    zstd_block(&b, 0, &inner), ends[nends++] = b.len;
    heap_body(&b), ends[nends++] = b.len;
    ev_alloc(&b, 3, 0, 1, 1), ends[nends++] = b.len;
    for (size_t cut = 0; cut <= b.len; cut++) {
        buf c = {b.p, cut, cut};
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *s = NULL;
        bool boundary = false;
        int rc = ms_snapshot_open_memory(&s, c.p, c.len, "cut.mlyze", NULL, &err);
        for (size_t i = 0; i < nends; i++)
            boundary |= ends[i] == cut; /* inside the heap snapshot, only its end is one */
        if (rc == MS_OK) {
            ok++;
            assert_true(boundary);
            ms_snapshot_free(s);
        } else {
            if (!strstr(err.message, "cut.mlyze: ") ||
                (!strstr(err.message, "offset ") && cut > 0))
                print_error("cut %zu: %s\n", cut, err.message);
            assert_true(rc == MS_ETRUNC || rc == MS_EFORMAT);
            assert_non_null(strstr(err.message, "cut.mlyze: "));
            if (cut > 0)
                assert_non_null(strstr(err.message, "offset "));
        }
        boundaries += boundary;
    }
    assert_int_equal(ok, boundaries);
    free(ends);
    free(b.p);
    free(inner.p);
}

/* Every byte flipped (four patterns): the import succeeds or fails with a
 * message naming the file; never a crash or a hang. */
static void test_mlyze__flipped_bytes(void **state)
{
    (void)state;
    static const uint8_t masks[4] = {0x01, 0x80, 0xFF, 0x40};
    buf b = {0}, inner = {0};
    size_t failed = 0, total = 0;
    header(&b, META);
    ev_alloc(&b, 300, 0x10, 5, 0);
    ev_free(&b, 200, 0x10);
    ev_marker(&b, 1, 1);
    site_free(&b, 1, 0, 2);
    ev_alloc(&inner, 1, 0, 3, 0);
    zstd_block(&b, 0, &inner);
    heap_body(&b);
    for (size_t i = 0; i < b.len; i++) {
        for (int k = 0; k < 4; k++) {
            ms_error err = MS_ERROR_INIT;
            ms_snapshot *s = NULL;
            int rc;
            b.p[i] ^= masks[k];
            rc = ms_snapshot_open_memory(&s, b.p, b.len, "flip.mlyze", NULL, &err);
            b.p[i] ^= masks[k];
            total++;
            if (rc == MS_OK) {
                assert_int_equal(ms__graph_check(s->g, &err), MS_OK);
                ms_snapshot_free(s);
                continue;
            }
            failed++;
            assert_true(rc < 0);
            assert_non_null(strstr(err.message, "flip.mlyze"));
        }
    }
    assert_true(failed > 0 && failed < total);
    free(b.p);
    free(inner.p);
}


/* ---- whose the objects are (HEAP_CLASS_ORIGINS, HEAP_OBJECT_ORIGINS) ----- */

static void origins_rec(buf *b, unsigned type, uint32_t n, const uint32_t *what,
                        const uint8_t *origin)
{
    buf p = {0};
    uN(&p, n, 4);
    col32(&p, what, n);
    put(&p, origin, n);
    emit(b, type, 0, &p);
}

/* heap_body's objects (strings 0-2: the classes module, dict, Leaky), with
 * the classes told (Leaky the program's, module the runtime's, dict
 * left unknown) and the module object told the program's on its own, in
 * records before the objects they name. */
static void heap_body_origins(buf *b, uint32_t cls_name, uint8_t obj_origin, uint32_t obj)
{
    static const char *const s1[] = {"builtins.module", "builtins.dict", "__main__.Leaky"};
    static const char *const s2[] = {"builtins.list", "__dict__", "CACHE", "a", "b", "modules",
                                     "__main__", "external", "self"};
    uint64_t ids[5] = {0x7f0010, 0x7f0020, 0x7f0030, 0x7f0040, 0x7f0050};
    uint32_t cls[5] = {0, 1, 2, 2, 3};
    uint64_t size[5] = {72, 232, 48, 48, 56};
    uint32_t site[5] = {0, 1, 2, 3, 0}; /* as heap_body's, for check_heap */
    uint32_t from[6] = {0, 1, 1, 2, 4, 3};
    uint32_t to[6] = {1, 2, 3, 4, 3, 2};
    uint32_t name[6] = {4, 5, 6, 7, 0, 11};
    uint8_t kind[6] = {2, 1, 1, 1, 0, 3};
    uint32_t rkind[2] = {8, 10}, rname[2] = {9, 0xFFFFFFFFu}, robj[2] = {0, 3};
    uint32_t classes[3] = {cls_name, 0, 2};
    uint8_t corigin[3] = {1, 2, 1};
    static const char *const s3[] = {"/src/app.py"};
    uint32_t src_cls = 2, src_file = 12, src_line = 40;
    heap_begin(b, 7);
    strings_rec(b, s1, 3);
    origins_rec(b, 0x68, 3, classes, corigin);
    origins_rec(b, 0x69, 1, &obj, &obj_origin);
    strings_rec(b, s2, 9);
    strings_rec(b, s3, 1);
    {
        buf p = {0}; /* HEAP_CLASS_SOURCES: Leaky is in /src/app.py, line 40 */
        uN(&p, 1, 4);
        uN(&p, src_cls, 4);
        uN(&p, src_file, 4);
        uN(&p, src_line, 4);
        emit(b, 0x6A, 0, &p);
    }
    refs_rec(b, 6, from, to, name, kind);
    objects_rec(b, 5, ids, cls, size, site);
    roots_rec(b, 2, rkind, rname, robj);
    heap_end(b, 5, 6, 2, 13);
}

static void test_mlyze__origins(void **state)
{
    (void)state;
    buf b = {0};
    ms_snapshot *s;
    /* Leaky told twice alike (the program's); the module object the
     * program's although its class is the runtime's */
    header(&b, META);
    heap_body_origins(&b, 2, 1, 0);
    s = open_buf(&b);
    check_heap(s, 7);
    /* origins are told once the sources are made (as V8's) */
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0030)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_SOURCES, NULL), MS_OK);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0030)), MS_ORIGIN_USER);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0040)), MS_ORIGIN_USER);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0010)), MS_ORIGIN_USER);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0020)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0050)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_node_origin(s, 0), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_class_origin(s, "__main__.Leaky", "__main__.Leaky"), MS_ORIGIN_USER);
    assert_int_equal(ms_class_origin(s, "builtins.module", "builtins.module"), MS_ORIGIN_RUNTIME);
    assert_int_equal(ms_class_origin(s, "builtins.dict", "builtins.dict"), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_class_origin(s, "__main__.Nope", "__main__.Nope"), MS_ORIGIN_UNKNOWN);
    /* HEAP_CLASS_SOURCES locates Leaky's objects at its file and line */
    {
        ms_location loc;
        assert_int_equal(ms_node_location(s, node_of(s, 0x7f0040), &loc), 1);
        assert_string_equal(loc.file, "/src/app.py");
        assert_int_equal(loc.line, 40);
        assert_int_equal(loc.column, 0);
        assert_int_equal(ms_node_location(s, node_of(s, 0x7f0020), &loc), 0);
    }
    ms_snapshot_free(s);
    free(b.p);

    /* a class told with two origins is unknown, its objects too; an
     * object told unknown is unknown whatever its class */
    b = (buf){0};
    header(&b, META);
    heap_body_origins(&b, 0, 0, 2);
    s = open_buf(&b);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_SOURCES, NULL), MS_OK);
    assert_int_equal(ms_class_origin(s, "builtins.module", "builtins.module"), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0010)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0030)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0040)), MS_ORIGIN_USER);
    ms_snapshot_free(s);
    free(b.p);

    /* without the records (heap_body), nothing is told */
    b = (buf){0};
    header(&b, META);
    heap_body(&b);
    s = open_buf(&b);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_SOURCES, NULL), MS_OK);
    assert_int_equal(ms_node_origin(s, node_of(s, 0x7f0030)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_class_origin(s, "__main__.Leaky", "__main__.Leaky"), MS_ORIGIN_UNKNOWN);
    ms_snapshot_free(s);
    free(b.p);
}

static void add_origin_outside_heap(buf *b)
{
    uint32_t c = 0;
    uint8_t o = 1;
    origins_rec(b, 0x68, 1, &c, &o);
}
static void add_origin_bad_value(buf *b)
{
    heap_body_origins(b, 2, 3, 0);
}
static void add_origin_bad_object(buf *b)
{
    heap_body_origins(b, 2, 1, 5);
}
static void add_origin_bad_class(buf *b)
{
    heap_body_origins(b, 12, 1, 0);
}
static void add_source_bad_file(buf *b)
{
    buf p = {0};
    static const char *const s[] = {"x"};
    heap_begin(b, 0);
    strings_rec(b, s, 1);
    uN(&p, 1, 4);
    uN(&p, 0, 4);
    uN(&p, 1, 4);
    uN(&p, 3, 4);
    emit(b, 0x6A, 0, &p);
}
static void add_origin_bad_length(buf *b)
{
    buf p = {0};
    heap_begin(b, 0);
    uN(&p, 2, 4);
    uN(&p, 0, 4);
    u8(&p, 1);
    emit(b, 0x69, 0, &p);
}

static void test_mlyze__bad_origins(void **state)
{
    (void)state;
    event_case(add_origin_outside_heap, MS_EFORMAT,
               "HEAP_CLASS_ORIGINS record outside a heap snapshot");
    event_case(add_origin_bad_value, MS_EFORMAT,
               "HEAP_OBJECT_ORIGINS entry 0 has origin 3 (0-2 are defined)");
    event_case(add_origin_bad_object, MS_EFORMAT,
               "an object origin names object 5, but the heap snapshot has 5 objects");
    event_case(add_origin_bad_class, MS_EFORMAT,
               "a class origin names string 12, but only 3 strings are written before it");
    event_case(add_origin_bad_length, MS_EFORMAT, "HEAP_OBJECT_ORIGINS has 9 bytes; 2 objects take 14");
    event_case(add_source_bad_file, MS_EFORMAT,
               "a class source's file names string 1, but only 1 strings are written before it");
}

/* Two traces compared per allocation site (ms_trace_diff_compute): sites
 * matched by key ("stack N" here: no metadata), the live bytes' change,
 * largest growth first then by key, sites only in one of them. */
static void test_mlyze__trace_diff(void **state)
{
    buf b1 = {0}, b2 = {0};
    ms_snapshot *before, *after;
    ms_trace_diff *d = NULL;
    ms_error err = MS_ERROR_INIT;
    const ms_site_diff *r;
    (void)state;
    header(&b1, "");
    ev_alloc(&b1, 1, 0x100, 100, 0);  /* stack 0: 100 live */
    ev_alloc(&b1, 1, 0x200, 50, 1);   /* stack 1: 50 */
    ev_alloc(&b1, 1, 0x300, 10, 2);   /* stack 2: 10, gone in AFTER */
    header(&b2, "");
    ev_alloc(&b2, 1, 0x100, 100, 0);  /* stack 0: 100 + 400 */
    ev_alloc(&b2, 1, 0x110, 400, 0);
    ev_alloc(&b2, 1, 0x200, 50, 1);   /* stack 1: 50 - 50 */
    ev_free(&b2, 1, 0x200);
    ev_alloc(&b2, 1, 0x400, 7, 3);    /* stack 3: new, 7 */
    before = open_buf(&b1);
    after = open_buf(&b2);
    assert_int_equal(ms_trace_diff_compute(before, after, &d, &err), MS_OK);
    assert_int_equal(ms_trace_diff_count(d), 4);
    r = ms_trace_diff_get(d, 0);
    assert_string_equal(r->site, "stack 0");
    assert_true(r->in_before && r->in_after);
    assert_int_equal(r->live_delta, 400);
    assert_int_equal(r->before.live_bytes, 100);
    assert_int_equal(r->after.live_bytes, 500);
    assert_int_equal(r->after.alloc_events, 2);
    r = ms_trace_diff_get(d, 1);
    assert_string_equal(r->site, "stack 3");
    assert_true(!r->in_before && r->in_after);
    assert_int_equal(r->live_delta, 7);
    assert_int_equal(r->before.alloc_events, 0);
    r = ms_trace_diff_get(d, 2);
    assert_string_equal(r->site, "stack 2");
    assert_true(r->in_before && !r->in_after);
    assert_int_equal(r->live_delta, -10);
    r = ms_trace_diff_get(d, 3);
    assert_string_equal(r->site, "stack 1");
    assert_int_equal(r->live_delta, -50);
    assert_int_equal(r->after.free_events, 1);
    ms_trace_diff_free(d);
    /* A snapshot that is not a trace has no sites to compare. */
    {
        ms_snapshot *v8 = NULL;
        static const char heap[] =
            "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\","
            "\"edge_count\"],\"node_types\":[[\"synthetic\"],\"string\",\"number\",\"number\","
            "\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
            "\"edge_types\":[[\"property\"],\"string_or_number\",\"node\"]},\"node_count\":1,"
            "\"edge_count\":0},\"nodes\":[0,0,1,0,0],\"edges\":[],\"strings\":[\"\"]}";
        ms_error e2 = MS_ERROR_INIT;
        assert_int_equal(ms_snapshot_open_memory(&v8, heap, sizeof heap - 1, "v8", NULL, &e2),
                         MS_OK);
        assert_int_equal(ms_trace_diff_compute(before, v8, &d, &e2), MS_EINVAL);
        assert_non_null(strstr(e2.message, "v8 is not an event trace"));
        ms_snapshot_free(v8);
    }
    ms_snapshot_free(before);
    ms_snapshot_free(after);
    free(b1.p);
    free(b2.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlyze__v1_with_metadata),
        cmocka_unit_test(test_mlyze__trace_diff),
        cmocka_unit_test(test_mlyze__memlyze_quirks),
        cmocka_unit_test(test_mlyze__extension_timing_and_site_free),
        cmocka_unit_test(test_mlyze__heap_snapshot),
        cmocka_unit_test(test_mlyze__origins),
        cmocka_unit_test(test_mlyze__bad_origins),
        cmocka_unit_test(test_mlyze__zstd_blocks),
        cmocka_unit_test(test_mlyze__compressed_file),
        cmocka_unit_test(test_mlyze__long_series),
        cmocka_unit_test(test_mlyze__64_bit_event_fields),
        cmocka_unit_test(test_mlyze__64_bit_heap_fields),
        cmocka_unit_test(test_mlyze__bad_headers),
        cmocka_unit_test(test_mlyze__bad_metadata),
        cmocka_unit_test(test_mlyze__bad_events),
        cmocka_unit_test(test_mlyze__cut_everywhere),
        cmocka_unit_test(test_mlyze__flipped_bytes),
    };
    return cmocka_run_group_tests_name("import/mlyze", tests, NULL, NULL);
}
