/*
 * test_boehm.c: the Boehm GC capture importer (src/import/boehm.c) on
 * captures written here byte by byte from docs/formats/boehm.md (not with
 * the capture library's encoder, so the two are checked against the spec,
 * not against each other).
 *
 *   - pointer resolution as the collector resolves: interior pointers when
 *     all-interior-pointers is on, registered displacements when it is
 *     off, anything inside an object from stacks and registers, nothing
 *     past an object's end;
 *   - which objects become nodes: reached from user roots; dropped when
 *     only libgc's data (or a GC_Thread_Rep) reaches them; kept under
 *     "(marked, retainer not recorded)" otherwise, unless shaped like a
 *     free-list entry;
 *   - names: type name, site, size class; root groups and edge names;
 *   - hostile files: each malformed field fails with its own message naming
 *     the file and the byte offset, truncation at every byte fails cleanly,
 *     zstd-compressed input reads the same.
 */
#include "bytes.h"

#include "capture/format.h"

#include <stdlib.h>
#include <zstd.h>

#define NAME "test.gcsnap"

/* ---- a writer, from the spec ------------------------------------------------ */

static void str(buf *b, const char *s)
{
    var(b, strlen(s));
    put(b, s, strlen(s));
}

static void section(buf *out, uint8_t id, buf *body)
{
    u8(out, id);
    var(out, body->len);
    put(out, body->p, body->len);
    body->len = 0;
}

typedef struct tword {
    uint64_t off; /* words */
    uint64_t value;
} tword;

typedef struct tobj {
    uint64_t addr, size;
    uint8_t kind, flags;
    uint32_t site;
    int nw;
    tword w[8];
} tobj;

typedef struct troot {
    uint8_t kind, flags;
    uint32_t owner;
    uint64_t lo, len;
    int nw;
    tword w[4];
} troot;

typedef struct tsite {
    uint8_t type;
    const char *file, *type_name, *fn;
    uint64_t line, module, pc;
} tsite;

/* Counts, lengths and indices the encoder can write 2^32 larger than the
 * data it writes (tcap.bump): one at a time. */
enum {
    BUMP_NONE,
    BUMP_PROGRAM_LEN,   /* INFO: the program path's length */
    BUMP_DISPL_COUNT,   /* INFO: the displacement count */
    BUMP_MODULES,       /* MODULES: the count */
    BUMP_BUILD_ID_LEN,  /* MODULES: module 0's build id length */
    BUMP_SEGMENTS,      /* MODULES: module 0's segment count */
    BUMP_THREADS,       /* THREADS: the count */
    BUMP_SITES,         /* SITES: the count */
    BUMP_SITE_MODULE,   /* SITES: a PC site's module */
    BUMP_DEPTH,         /* SITES: a STACK site's frame count */
    BUMP_FRAME_MODULE,  /* SITES: a STACK site's first frame's module + 1 */
    BUMP_OBJECTS,       /* OBJECTS: the count */
    BUMP_OBJ_SITE,      /* OBJECTS: object 0's site */
    BUMP_OBJ_WORDS,     /* OBJECTS: object 0's word count */
    BUMP_WORD_OFFSET,   /* WORDS: object 0's first word offset */
    BUMP_ROOTS,         /* ROOTS: the count */
    BUMP_ROOT_OWNER,    /* ROOTS: range 0's owner */
    BUMP_ROOT_WORDS,    /* ROOTS: range 0's word count */
    BUMP_ROOT_INDEX,    /* ROOTS: range 0's first word index */
    BUMP_BOOT_ID_LEN    /* PROCESS: the boot id's length */
};

typedef struct tcap {
    uint64_t info_flags;
    int bump;              /* BUMP_*: that varint is written 2^32 larger */
    uint64_t announced;    /* INFO's object count; 0: nobj */
    uint64_t debug_header; /* INFO's debug header size; 0: 32 */
    uint64_t prog_base;    /* module 0's base; 0: 0x4000 */
    uint64_t words_claim;  /* when not 0: object 0's word count in OBJECTS (not its nw) */
    int ndispl;
    uint64_t displ[4];
    int nsites;
    tsite sites[8];
    int depth;             /* a STACK site's frames (one such site at most): */
    uint64_t fmod[4], fpc[4]; /* module index + 1 (0: none, absolute) and address */
    int nobj;
    tobj obj[16];
    int nroot;
    troot root[8];
    uint64_t handle; /* thread 0's collector handle */
    uint64_t thread1; /* a second thread's id, 0 = none */
    /* which process: INFO's pid (0: 1234) and program (NULL:
     * "/nonexistent/prog", also module 0's path), module 0's build id */
    uint64_t pid;
    const char *program;
    int build_len;
    uint8_t build[8];
    /* a PROCESS section after INFO (process: 1, or 2 written twice): start
     * ticks, ticks per second (0: 100), boot id (NULL: a UUID), and that
     * many bytes more (a later writer's fields) */
    int process;
    uint64_t start, tps;
    const char *boot;
    int process_extra;
} tcap;

/* A varint, 2^32 larger when it is the one c->bump names. */
static void vb(buf *b, const tcap *c, int which, uint64_t v)
{
    var(b, which != BUMP_NONE && c->bump == which ? v + (1ull << 32) : v);
}

/* Modules: 0 the program (base 0x4000), 1 libgc (base 0x9000).  Threads:
 * 0 the main thread, which captured; 1 optional. */
static void encode(const tcap *c, buf *out)
{
    buf b = {0};
    uint8_t version[4] = {1, 0, 0, 0};
    int site_module = 0;
    const char *program = c->program ? c->program : "/nonexistent/prog";
    put(out, MS_GCCAP_MAGIC, MS_GCCAP_MAGIC_LEN);
    put(out, version, 4);

    var(&b, c->info_flags);
    var(&b, 8);
    var(&b, 16);
    var(&b, 0x080202);
    var(&b, c->debug_header ? c->debug_header : 32);
    var(&b, c->pid ? c->pid : 1234);
    var(&b, 1700000000);
    var(&b, 7);
    vb(&b, c, BUMP_PROGRAM_LEN, strlen(program));
    put(&b, program, strlen(program));
    var(&b, 1 << 20);
    var(&b, 0);
    var(&b, 100);
    var(&b, (uint64_t)c->nobj);
    var(&b, 0);
    var(&b, c->announced ? c->announced : (uint64_t)c->nobj);
    vb(&b, c, BUMP_DISPL_COUNT, (uint64_t)c->ndispl);
    for (int i = 0; i < c->ndispl; i++)
        var(&b, c->displ[i]);
    section(out, MS_GCCAP_INFO, &b);
    for (int k = 0; k < c->process; k++) {
        const char *boot = c->boot ? c->boot : "2f0e4f6a-8c1b-4d2e-9a7f-0123456789ab";
        var(&b, c->start);
        var(&b, c->tps ? c->tps : 100);
        vb(&b, c, BUMP_BOOT_ID_LEN, strlen(boot));
        put(&b, boot, strlen(boot));
        for (int e = 0; e < c->process_extra; e++)
            u8(&b, 0x5a);
        section(out, MS_GCCAP_PROCESS, &b);
    }

    vb(&b, c, BUMP_MODULES, 2);
    str(&b, program);
    var(&b, c->prog_base ? c->prog_base : 0x4000);
    vb(&b, c, BUMP_BUILD_ID_LEN, (uint64_t)c->build_len);
    put(&b, c->build, (size_t)c->build_len);
    var(&b, MS_GCCAP_MOD_MAIN);
    vb(&b, c, BUMP_SEGMENTS, 1);
    var(&b, 0);
    var(&b, 0x3000);
    var(&b, 6);
    str(&b, "/nonexistent/libgc.so.1");
    var(&b, 0x9000);
    var(&b, 2);
    u8(&b, 0xab);
    u8(&b, 0xcd);
    var(&b, MS_GCCAP_MOD_LIBGC);
    var(&b, 0);
    section(out, MS_GCCAP_MODULES, &b);

    vb(&b, c, BUMP_THREADS, c->thread1 ? 2 : 1);
    var(&b, 0x7000);
    var(&b, MS_GCCAP_THR_MAIN | MS_GCCAP_THR_CAPTURING);
    var(&b, 0x70000);
    var(&b, 0x80000);
    var(&b, c->handle);
    if (c->thread1) {
        var(&b, c->thread1);
        var(&b, MS_GCCAP_THR_SUSPENDED);
        var(&b, 0x90000);
        var(&b, 0x98000);
        var(&b, 0);
    }
    section(out, MS_GCCAP_THREADS, &b);

    vb(&b, c, BUMP_SITES, (uint64_t)c->nsites);
    for (int i = 0; i < c->nsites; i++) {
        const tsite *s = &c->sites[i];
        u8(&b, s->type);
        if (s->type == MS_GCCAP_SITE_PC) {
            vb(&b, c, site_module ? BUMP_NONE : BUMP_SITE_MODULE, s->module);
            site_module = 1;
            var(&b, s->pc);
        } else if (s->type == MS_GCCAP_SITE_DESC) {
            str(&b, s->file);
            var(&b, s->line);
            str(&b, s->type_name);
            str(&b, s->fn);
        } else if (s->type == MS_GCCAP_SITE_DEBUG) {
            str(&b, s->file);
            var(&b, s->line);
        } else if (s->type == MS_GCCAP_SITE_STACK) {
            vb(&b, c, BUMP_DEPTH, (uint64_t)c->depth);
            for (int k = 0; k < c->depth; k++) {
                vb(&b, c, k == 0 ? BUMP_FRAME_MODULE : BUMP_NONE, c->fmod[k]);
                var(&b, c->fpc[k]);
            }
        } else {
            var(&b, s->pc);
        }
    }
    section(out, MS_GCCAP_SITES, &b);

    {
        uint64_t prev = 0;
        vb(&b, c, BUMP_OBJECTS, (uint64_t)c->nobj);
        for (int i = 0; i < c->nobj; i++) {
            var(&b, (c->obj[i].addr - prev) / 16);
            prev = c->obj[i].addr;
        }
        for (int i = 0; i < c->nobj; i++)
            var(&b, c->obj[i].size / 16);
        for (int i = 0; i < c->nobj; i++)
            u8(&b, c->obj[i].kind);
        for (int i = 0; i < c->nobj; i++)
            u8(&b, c->obj[i].flags);
        for (int i = 0; i < c->nobj; i++)
            vb(&b, c, i == 0 ? BUMP_OBJ_SITE : BUMP_NONE, c->obj[i].site);
        for (int i = 0; i < c->nobj; i++)
            vb(&b, c, i == 0 ? BUMP_OBJ_WORDS : BUMP_NONE,
               i == 0 && c->words_claim ? c->words_claim : (uint64_t)c->obj[i].nw);
        section(out, MS_GCCAP_OBJECTS, &b);
    }
    for (int i = 0; i < c->nobj; i++) {
        uint64_t prev = 0;
        for (int k = 0; k < c->obj[i].nw; k++) {
            vb(&b, c, i == 0 && k == 0 ? BUMP_WORD_OFFSET : BUMP_NONE,
               c->obj[i].w[k].off - prev);
            prev = c->obj[i].w[k].off;
            var(&b, ms__gccap_encode_value(c->obj[i].w[k].value, c->obj[i].addr));
        }
    }
    section(out, MS_GCCAP_WORDS, &b);

    vb(&b, c, BUMP_ROOTS, (uint64_t)c->nroot);
    for (int r = 0; r < c->nroot; r++) {
        const troot *g = &c->root[r];
        uint64_t prev = 0;
        u8(&b, g->kind);
        vb(&b, c, r == 0 ? BUMP_ROOT_OWNER : BUMP_NONE, g->owner);
        var(&b, g->flags);
        var(&b, g->lo);
        var(&b, g->len);
        vb(&b, c, r == 0 ? BUMP_ROOT_WORDS : BUMP_NONE, (uint64_t)g->nw);
        for (int k = 0; k < g->nw; k++) {
            vb(&b, c, r == 0 && k == 0 ? BUMP_ROOT_INDEX : BUMP_NONE, g->w[k].off - prev);
            prev = g->w[k].off;
            var(&b, g->w[k].value);
        }
    }
    section(out, MS_GCCAP_ROOTS, &b);
    u8(out, MS_GCCAP_END);
    u8(out, 0);
    free(b.p);
}

static int open_cap(const tcap *c, ms_snapshot **s, ms_error *err)
{
    buf b = {0};
    int rc;
    encode(c, &b);
    rc = ms_snapshot_open_memory(s, b.p, b.len, NAME, NULL, err);
    free(b.p);
    return rc;
}

/* ---- graph helpers ---------------------------------------------------------------- */

static ms_node node(ms_snapshot *s, uint64_t addr)
{
    return ms_snapshot_find_id(s, addr);
}

/* The edge from a to b (their ids), or -1; *info gets it. */
static int64_t edge(ms_snapshot *s, ms_node a, ms_node b, ms_edge_info *info)
{
    uint64_t f, n = ms_node_edges(s, a, &f);
    for (uint64_t k = 0; k < n; k++) {
        ms_edge_info e;
        ms_edge_get(s, f + k, &e);
        if (e.to == b) {
            if (info)
                *info = e;
            return (int64_t)(f + k);
        }
    }
    return -1;
}

/* The synthetic group whose name starts with `prefix`, or MS_NODE_NONE. */
static ms_node group(ms_snapshot *s, const char *prefix)
{
    for (ms_node n = 0; n < ms_snapshot_node_count(s); n++)
        if (ms_node_is_synthetic(s, n) && strncmp(ms_node_name(s, n, NULL), prefix, strlen(prefix)) == 0)
            return n;
    return MS_NODE_NONE;
}

static uint32_t objects(ms_snapshot *s)
{
    uint32_t k = 0;
    for (ms_node n = 0; n < ms_snapshot_node_count(s); n++)
        k += !ms_node_is_synthetic(s, n);
    return k;
}

#define A 0x100000ull
#define B 0x100020ull
#define C 0x100040ull
#define D 0x100060ull
#define E 0x100080ull

/* A -> B (word 0), B -> C + 8 (word 1), C atomic; the global at prog+0x1000 -> A. */
static tcap basic(void)
{
    tcap c;
    memset(&c, 0, sizeof c);
    c.info_flags = MS_GCCAP_INFO_INTERIOR | MS_GCCAP_INFO_PUSH_HOOK;
    c.nobj = 3;
    c.obj[0] = (tobj){A, 32, MS_GCCAP_KIND_NORMAL, 0, 0, 1, {{0, B}}};
    c.obj[1] = (tobj){B, 32, MS_GCCAP_KIND_NORMAL, 0, 0, 1, {{1, C + 8}}};
    c.obj[2] = (tobj){C, 32, MS_GCCAP_KIND_PTRFREE, 0, 0, 0, {{0, 0}}};
    c.nroot = 1;
    c.root[0] = (troot){MS_GCCAP_ROOT_DATA, 0, 0, 0x5000, 16, 1, {{0, A}}};
    return c;
}

static void test_boehm__basic_graph(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_edge_info e;
    ms_node data;
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_int_equal(ms_snapshot_format(s), MS_FORMAT_BOEHM);
    assert_int_equal(ms_snapshot_id_style(s), MS_IDS_ADDRESSES);
    assert_int_equal(objects(s), 3);
    assert_string_equal(ms_node_type(s, node(s, A)), "object");
    assert_string_equal(ms_node_type(s, node(s, C)), "atomic");
    assert_int_equal(ms_node_self_size(s, node(s, A)), 32);
    assert_true(edge(s, node(s, A), node(s, B), &e) >= 0);
    assert_string_equal(e.type, "element");
    assert_int_equal(e.index, 0);
    assert_true(edge(s, node(s, B), node(s, C), &e) >= 0); /* interior, byte offset 8 */
    assert_int_equal(e.index, 8);
    data = group(s, "(data of prog)");
    assert_int_not_equal(data, MS_NODE_NONE);
    assert_true(edge(s, ms_snapshot_root(s), data, NULL) >= 0);
    assert_true(edge(s, data, node(s, A), &e) >= 0);
    assert_string_equal(e.type, "property");
    assert_string_equal(e.name, "prog+0x1000"); /* no symbol table: module + offset */
    assert_string_equal(ms_node_name(s, node(s, A), NULL), "(size class 32)");
    assert_null(ms_node_site(s, node(s, A), NULL));
    ms_snapshot_free(s);
}

/* With all-interior-pointers off (Guile), heap words count only at the
 * start and at registered displacements; stack words anywhere inside. */
static void test_boehm__interior_rules(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_node st;
    c.info_flags = MS_GCCAP_INFO_PUSH_HOOK; /* interior off */
    c.nobj = 5;
    c.obj[2] = (tobj){C, 32, MS_GCCAP_KIND_PTRFREE, 0, 0, 0, {{0, 0}}};
    c.obj[3] = (tobj){D, 32, MS_GCCAP_KIND_NORMAL, 0, 0, 2, {{0, E + 1}, {2, A}}};
    c.obj[4] = (tobj){E, 32, MS_GCCAP_KIND_NORMAL, 0, 0, 0, {{0, 0}}};
    c.nroot = 2;
    c.root[1] = (troot){MS_GCCAP_ROOT_STACK, 0, 0, 0x70000, 64, 2, {{0, D + 24}, {1, E + 40}}};
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    /* B -> C + 8: not a registered displacement, no edge; C is then held by
     * nothing and is kept only as "marked, retainer not recorded" */
    assert_true(edge(s, node(s, B), node(s, C), NULL) < 0);
    assert_true(edge(s, group(s, "(marked, retainer not recorded)"), node(s, C), NULL) >= 0);
    /* the stack may point inside D: kept; D's word E+1 is not valid */
    st = group(s, "(stack of the main thread");
    assert_int_not_equal(st, MS_NODE_NONE);
    assert_true(edge(s, st, node(s, D), NULL) >= 0);
    assert_true(edge(s, node(s, D), node(s, E), NULL) < 0);
    assert_true(edge(s, node(s, D), node(s, A), NULL) >= 0);
    /* E + 40 is past E's 32 bytes: nothing */
    assert_true(edge(s, st, node(s, E), NULL) < 0);
    ms_snapshot_free(s);

    /* registering displacement 1 (Guile's tc3 struct tag) makes E + 1 valid */
    c.ndispl = 1;
    c.displ[0] = 1;
    s = NULL;
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_true(edge(s, node(s, D), node(s, E), NULL) >= 0);
    ms_snapshot_free(s);
}

/* Objects only libgc's own data reaches are dropped; so is a thread record
 * (holds a thread id, referenced from libgc's data) even when a thread's
 * stack points to it, with the free list behind it. */
static void test_boehm__gc_internal_dropped(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    c.thread1 = 0x97000;
    c.nobj = 5;
    c.obj[3] = (tobj){D, 32, MS_GCCAP_KIND_NORMAL, MS_GCCAP_OBJ_THREAD_REP, 0, 1, {{1, E}}};
    c.obj[4] = (tobj){E, 32, MS_GCCAP_KIND_NORMAL, MS_GCCAP_OBJ_FREE_SHAPE, 0, 0, {{0, 0}}};
    c.nroot = 3;
    c.root[1] = (troot){MS_GCCAP_ROOT_LIBGC, 1, 0, 0x9100, 32, 2, {{0, D}, {3, C}}};
    c.root[2] = (troot){MS_GCCAP_ROOT_STACK, 1, 0, 0x90000, 64, 1, {{7, D}}};
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_int_equal(node(s, D), MS_NODE_NONE);
    assert_int_equal(node(s, E), MS_NODE_NONE);
    assert_int_not_equal(node(s, C), MS_NODE_NONE); /* also reached from the user's B */
    assert_int_equal(objects(s), 3);
    ms_snapshot_free(s);

    /* a thread's recorded handle is internal too, whatever its flags */
    c.obj[3].flags = 0;
    c.handle = D;
    c.root[1].nw = 1;
    c.root[1].w[0] = (tword){3, C};
    s = NULL;
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_int_equal(node(s, D), MS_NODE_NONE);
    assert_int_equal(node(s, E), MS_NODE_NONE);
    ms_snapshot_free(s);
}

/* Marked but unreached: kept from their entry points (not from objects
 * other unreached ones point to); free-list shapes dropped unless kept
 * objects point to them; uncollectable objects are roots. */
static void test_boehm__unreached_and_uncollectable(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_node un, uc;
    c.nroot = 0;
    c.nobj = 5;
    c.obj[2] = (tobj){C, 32, MS_GCCAP_KIND_NORMAL, MS_GCCAP_OBJ_FREE_SHAPE, 0, 0, {{0, 0}}};
    c.obj[3] = (tobj){D, 32, MS_GCCAP_KIND_UNCOLLECTABLE, 0, 0, 0, {{0, 0}}};
    c.obj[4] = (tobj){E, 32, MS_GCCAP_KIND_NORMAL, MS_GCCAP_OBJ_FREE_SHAPE, 0, 1, {{0, E}}};
    /* A -> B -> C(free shape, kept: B points to it); E: free shape alone */
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    un = group(s, "(marked, retainer not recorded)");
    uc = group(s, "(uncollectable objects)");
    assert_int_not_equal(un, MS_NODE_NONE);
    assert_int_not_equal(uc, MS_NODE_NONE);
    assert_true(edge(s, un, node(s, A), NULL) >= 0);
    assert_true(edge(s, un, node(s, B), NULL) < 0); /* reached through A */
    assert_int_not_equal(node(s, C), MS_NODE_NONE);
    assert_true(edge(s, uc, node(s, D), NULL) >= 0);
    assert_string_equal(ms_node_type(s, node(s, D)), "uncollectable");
    assert_int_equal(node(s, E), MS_NODE_NONE);
    assert_int_equal(objects(s), 4);
    ms_snapshot_free(s);
}

static void test_boehm__names_and_sites(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_node reg;
    ms_edge_info e;
    c.nsites = 4;
    c.sites[0] = (tsite){MS_GCCAP_SITE_DESC, "/src/app/x.c", "struct foo", "make_foo", 3, 0, 0};
    c.sites[1] = (tsite){MS_GCCAP_SITE_DEBUG, "/src/app/y.c", NULL, NULL, 9, 0, 0};
    c.sites[2] = (tsite){MS_GCCAP_SITE_PC, NULL, NULL, NULL, 0, 0, 0x1234};
    c.sites[3] = (tsite){MS_GCCAP_SITE_DESC, "z.c", "", "", 7, 0, 0};
    c.obj[0].site = 1;
    c.obj[1].site = 2;
    c.obj[1].flags = MS_GCCAP_OBJ_DEBUG;
    c.obj[2].site = 3;
    c.nobj = 4;
    c.obj[3] = (tobj){D, 48, MS_GCCAP_KIND_NORMAL, 0, 4, 0, {{0, 0}}};
    c.nroot = 2;
    c.root[1] = (troot){MS_GCCAP_ROOT_REGISTERS, 0, 0, 0, 48, 1, {{2, D + 40}}};
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_string_equal(ms_node_name(s, node(s, A), NULL), "struct foo");
    assert_string_equal(ms_node_site(s, node(s, A), NULL), "make_foo at x.c:3");
    assert_string_equal(ms_node_site(s, node(s, B), NULL), "y.c:9");
    assert_string_equal(ms_node_name(s, node(s, B), NULL), "y.c:9");
    assert_string_equal(ms_node_site(s, node(s, C), NULL), "prog+0x1234");
    assert_string_equal(ms_node_site(s, node(s, D), NULL), "z.c:7");
    reg = group(s, "(registers of the main thread, which captured)");
    assert_int_not_equal(reg, MS_NODE_NONE);
    assert_true(edge(s, reg, node(s, D), &e) >= 0);
    assert_string_equal(e.name, "r12"); /* word 2: rbx, rbp, r12 */
    ms_snapshot_free(s);
}

static void test_boehm__compressed(void **state)
{
    (void)state;
    tcap c = basic();
    buf b = {0};
    size_t cap, n;
    void *z;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    encode(&c, &b);
    cap = ZSTD_compressBound(b.len);
    z = malloc(cap);
    n = ZSTD_compress(z, cap, b.p, b.len, 3);
    assert_false(ZSTD_isError(n));
    assert_int_equal(ms_snapshot_open_memory(&s, z, n, NAME, NULL, &err), MS_OK);
    assert_int_equal(objects(s), 3);
    ms_snapshot_free(s);
    free(z);
    free(b.p);
}

/* ---- hostile files ----------------------------------------------------------------------- */

static void expect_bytes_fail(const uint8_t *p, size_t n, int code, const char *needle)
{
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    int rc = ms_snapshot_open_memory(&s, p, n, NAME, NULL, &err);
    if (rc != code || !strstr(err.message, NAME) || (needle && !strstr(err.message, needle)))
        print_error("rc=%d (%s) message: %s\n", rc, ms_status_name(rc), err.message);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_non_null(strstr(err.message, NAME));
    if (needle)
        assert_non_null(strstr(err.message, needle));
}

static void expect_cap_fail(const tcap *c, int code, const char *needle)
{
    buf b = {0};
    encode(c, &b);
    expect_bytes_fail(b.p, b.len, code, needle);
    free(b.p);
}

/* Offset of the id byte of section `id` in a capture. */
static size_t find_section(const buf *b, uint8_t id)
{
    size_t at = 12;
    while (at < b->len && b->p[at] != id) {
        uint64_t len = 0;
        unsigned shift = 0;
        size_t i = at + 1;
        do
            len |= (uint64_t)(b->p[i] & 0x7f) << shift, shift += 7;
        while (b->p[i++] & 0x80);
        at = i + len;
    }
    assert_true(at < b->len);
    return at;
}

static void test_boehm__hostile_fields(void **state)
{
    (void)state;
    tcap c;

    c = basic(); /* overlapping objects */
    c.obj[1].addr = A + 16;
    expect_cap_fail(&c, MS_EFORMAT, "overlaps");
    c = basic(); /* a site that does not exist */
    c.obj[0].site = 5;
    expect_cap_fail(&c, MS_EFORMAT, "site 5 of 0");
    c = basic(); /* a word beyond the object */
    c.obj[0].w[0].off = 4;
    expect_cap_fail(&c, MS_EFORMAT, "word 4 of object 0x100000");
    c = basic(); /* more words than the object has */
    c.obj[0].nw = 5;
    for (int k = 0; k < 5; k++)
        c.obj[0].w[k] = (tword){(uint64_t)k, 0};
    expect_cap_fail(&c, MS_EFORMAT, "has 5 words of 4");
    c = basic(); /* root owner */
    c.root[0].owner = 9;
    expect_cap_fail(&c, MS_EFORMAT, "owner 9");
    c = basic(); /* root word beyond its range */
    c.root[0].w[0].off = 2;
    expect_cap_fail(&c, MS_EFORMAT, "beyond its range");
    c = basic(); /* root kind */
    c.root[0].kind = 42;
    expect_cap_fail(&c, MS_EFORMAT, "unknown root kind 42");
    c = basic(); /* site type */
    c.nsites = 1;
    c.sites[0] = (tsite){9, NULL, NULL, NULL, 0, 0, 0};
    expect_cap_fail(&c, MS_EFORMAT, "unknown site type 9");
    c = basic(); /* site module */
    c.nsites = 1;
    c.sites[0] = (tsite){MS_GCCAP_SITE_PC, NULL, NULL, NULL, 0, 7, 0};
    expect_cap_fail(&c, MS_EFORMAT, "module 7 of 2");
    c = basic(); /* displacement out of range */
    c.ndispl = 1;
    c.displ[0] = 5000;
    expect_cap_fail(&c, MS_EFORMAT, "displacement 5000");
    c = basic(); /* a size of zero */
    c.obj[2].size = 0;
    expect_cap_fail(&c, MS_EFORMAT, "size 0 granules");
}

static void test_boehm__hostile_structure(void **state)
{
    (void)state;
    tcap c = basic();
    buf b = {0}, x = {0};
    static const uint8_t version2[4] = {2, 0, 0, 0};
    uint8_t big[11];

    encode(&c, &b);
    /* empty, not a capture, another version */
    expect_bytes_fail(b.p, 0, MS_ETRUNC, "offset 0");
    expect_bytes_fail((const uint8_t *)"MSBOEHM\0\1", 9, MS_ETRUNC, "header");
    put(&x, b.p, b.len);
    memcpy(x.p + 8, version2, 4);
    expect_bytes_fail(x.p, x.len, MS_EFORMAT, "version 2");
    /* data after END */
    x.len = 0;
    put(&x, b.p, b.len);
    u8(&x, 0);
    expect_bytes_fail(x.p, x.len, MS_EFORMAT, "after the END");
    /* no END */
    expect_bytes_fail(b.p, b.len - 2, MS_ETRUNC, "before section END");
    /* sections out of order: INFO's id changed to MODULES */
    x.len = 0;
    put(&x, b.p, b.len);
    x.p[12] = MS_GCCAP_MODULES;
    expect_bytes_fail(x.p, x.len, MS_EFORMAT, "where INFO was expected");
    /* an optional section is skipped */
    {
        ms_snapshot *s = NULL;
        ms_error err = MS_ERROR_INIT;
        x.len = 0;
        put(&x, b.p, 12);
        u8(&x, 40);
        var(&x, 3);
        put(&x, "abc", 3);
        put(&x, b.p + 12, b.len - 12);
        assert_int_equal(ms_snapshot_open_memory(&s, x.p, x.len, NAME, NULL, &err), MS_OK);
        ms_snapshot_free(s);
    }
    /* a section longer than its content: INFO claims one more byte */
    x.len = 0;
    put(&x, b.p, b.len);
    x.p[13]++;
    expect_bytes_fail(x.p, x.len, MS_EFORMAT, "left over");
    /* a section length beyond the file */
    x.len = 0;
    put(&x, b.p, 13);
    var(&x, 1ull << 40);
    expect_bytes_fail(x.p, x.len, MS_ETRUNC, "claims 1099511627776 bytes");
    /* a varint of 11 bytes */
    x.len = 0;
    put(&x, b.p, 12);
    u8(&x, MS_GCCAP_INFO);
    memset(big, 0xff, sizeof big);
    put(&x, big, sizeof big);
    expect_bytes_fail(x.p, x.len, MS_EFORMAT, "does not fit 64 bits");
    /* an object count the section cannot hold (2^40 objects in a few bytes) */
    {
        size_t at = find_section(&b, MS_GCCAP_OBJECTS);
        uint8_t len = b.p[at + 1]; /* one-byte length: a small section */
        buf body = {0};
        assert_true(len < 0x80 && b.p[at + 2] == 3);
        var(&body, 1ull << 40);
        put(&body, b.p + at + 3, len - 1u);
        x.len = 0;
        put(&x, b.p, at);
        section(&x, MS_GCCAP_OBJECTS, &body);
        put(&x, b.p + at + 2 + len, b.len - at - 2 - len);
        expect_bytes_fail(x.p, x.len, MS_EFORMAT, "object count 1099511627776 cannot fit");
        free(body.p);
    }
    /* a path longer than 4096 bytes */
    {
        char *path = malloc(5000);
        memset(path, 'a', 4999);
        path[4999] = 0;
        x.len = 0;
        put(&x, b.p, 12);
        {
            buf body = {0};
            var(&body, 0);
            var(&body, 8);
            var(&body, 16);
            var(&body, 1);
            var(&body, 32);
            var(&body, 1);
            var(&body, 1);
            var(&body, 1);
            str(&body, path);
            section(&x, MS_GCCAP_INFO, &body);
            free(body.p);
        }
        expect_bytes_fail(x.p, x.len, MS_EFORMAT, "program is 4999 bytes long");
        free(path);
    }
    free(b.p);
    free(x.p);
}

/* Compressed input cannot be checked against the file's size: a section
 * that claims 2^40 bytes and 2^31 sites must fail when the data runs out,
 * without allocating for the claim (found by fuzzing the Boehm importer: 9.5 GB). */
static void test_boehm__compressed_claims(void **state)
{
    (void)state;
    tcap c = basic();
    buf b = {0}, x = {0}, body = {0};
    size_t at, cap, n;
    void *z;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    encode(&c, &b);
    at = find_section(&b, MS_GCCAP_SITES);
    put(&x, b.p, at);
    u8(&x, MS_GCCAP_SITES);
    var(&x, 1ull << 40);
    var(&x, 1ull << 31);
    u8(&x, MS_GCCAP_SITE_ABS);
    var(&x, 1);
    cap = ZSTD_compressBound(x.len);
    z = malloc(cap);
    n = ZSTD_compress(z, cap, x.p, x.len, 1);
    assert_false(ZSTD_isError(n));
    if (ms_snapshot_open_memory(&s, z, n, NAME, NULL, &err) != MS_ETRUNC)
        print_error("%s\n", err.message);
    assert_int_equal(err.code, MS_ETRUNC);
    assert_null(s);
    assert_non_null(strstr(err.message, "ends inside section SITES"));
    free(z);
    free(b.p);
    free(x.p);
    free(body.p);
}

/* Every prefix of a valid capture fails cleanly: status, file and offset
 * in the message, no crash or leak (ASan). */
static void test_boehm__truncated_everywhere(void **state)
{
    (void)state;
    tcap c = basic();
    buf b = {0};
    c.nsites = 2;
    c.sites[0] = (tsite){MS_GCCAP_SITE_DESC, "x.c", "T", "f", 3, 0, 0};
    c.sites[1] = (tsite){MS_GCCAP_SITE_PC, NULL, NULL, NULL, 0, 0, 0x10};
    c.obj[0].site = 1;
    c.obj[1].site = 2;
    c.process = 1;
    c.start = 4200;
    encode(&c, &b);
    for (size_t n = 0; n < b.len; n++) {
        ms_snapshot *s = NULL;
        ms_error err = MS_ERROR_INIT;
        int rc = ms_snapshot_open_memory(&s, b.p, n, NAME, NULL, &err);
        if (rc >= 0 || !strstr(err.message, NAME) || !strstr(err.message, "offset"))
            print_error("prefix %zu: rc=%d %s\n", n, rc, err.message);
        assert_true(rc < 0);
        assert_true(rc == MS_ETRUNC || rc == MS_EFORMAT);
        assert_null(s);
        assert_non_null(strstr(err.message, "offset"));
    }
    free(b.p);
}

/* ---- which process ------------------------------------------------------------------------ */

/* Compares captures a and b (ms_compare_compute): whether objects were
 * matched by id, and the note (NULL when none) in note[256]. */
static int compare_caps(const tcap *a, const tcap *b, char note[256])
{
    ms_snapshot *s = NULL, *t = NULL;
    ms_compare *cmp = NULL;
    ms_error err = MS_ERROR_INIT;
    int by_id;
    assert_int_equal(open_cap(a, &s, &err), MS_OK);
    assert_int_equal(open_cap(b, &t, &err), MS_OK);
    assert_int_equal(ms_compare_compute(s, t, NULL, &cmp, &err), MS_OK);
    by_id = ms_compare_by_id(cmp);
    snprintf(note, 256, "%s", ms_compare_note(cmp) ? ms_compare_note(cmp) : "");
    ms_compare_free(cmp);
    ms_snapshot_free(s);
    ms_snapshot_free(t);
    return by_id;
}

/* Two captures of one process match objects by id however many of their
 * addresses now hold other objects (freed, then reused: a long-running
 * program's normal case); the process is told by its pid, executable
 * (path and build id) and, where PROCESS records it, its start, not by
 * its ids. */
static void test_boehm__process_identity(void **state)
{
    (void)state;
    tcap a = basic(), b;
    char note[256];
    ms_snapshot *s = NULL, *t = NULL, *u = NULL;
    ms_leaks *lk = NULL;
    ms_error err = MS_ERROR_INIT;
    a.build_len = 2, a.build[0] = 0x12, a.build[1] = 0x34;
    a.process = 1;
    a.start = 4200;
    /* b: every object of a's address is another one now (another class) */
    b = a;
    b.nsites = 1;
    b.sites[0] = (tsite){MS_GCCAP_SITE_DESC, "other.c", "struct other", "make", 9, 0, 0};
    for (int i = 0; i < b.nobj; i++)
        b.obj[i].site = 1;
    {
        ms_snapshot *x = NULL, *y = NULL;
        ms_compare *cmp = NULL;
        assert_int_equal(open_cap(&a, &x, &err), MS_OK);
        assert_int_equal(open_cap(&b, &y, &err), MS_OK);
        assert_int_equal(ms_compare_compute(x, y, NULL, &cmp, &err), MS_OK);
        /* every object's id names another object: ids alone said "two
         * processes" (more than 1 % mismatched) */
        assert_int_equal(ms_compare_totals_get(cmp)->mismatched_ids, 3);
        assert_int_equal(ms_compare_by_id(cmp), 1);
        assert_null(ms_compare_note(cmp));
        ms_compare_free(cmp);
        ms_snapshot_free(x);
        ms_snapshot_free(y);
    }
    /* a capture without PROCESS (an older writer): pid and executable */
    b.process = 0;
    assert_int_equal(compare_caps(&a, &b, note), 1);
    b.process = 1;

    /* another process: each field alone tells it */
    b.pid = 99;
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes (pid 1234 and pid 99)");
    b.pid = (1ull << 32) + 1234; /* pids are varints: not 1234 in 32 bits */
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes "
                              "(pid 1234 and pid 4294968530)");
    b.pid = 0;
    b.program = "/nonexistent/other";
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes "
                              "(both pid 1234, of different executables)");
    b.program = NULL;
    b.build[1] = 0x35;
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes "
                              "(both pid 1234, of different builds of the executable)");
    b.build[1] = 0x34;
    b.start = 4201;
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes "
                              "(both pid 1234, started at different times)");
    b.start = 4200 + (1ull << 32); /* 497 days of ticks: not 4200 in 32 bits */
    assert_int_equal(compare_caps(&a, &b, note), 0);
    b.start = 4200;
    b.boot = "00000000-8c1b-4d2e-9a7f-0123456789ab"; /* another boot, same tick */
    assert_int_equal(compare_caps(&a, &b, note), 0);
    assert_string_equal(note, "the snapshots come from different processes "
                              "(both pid 1234, started at different times)");
    b.boot = NULL;
    assert_int_equal(compare_caps(&a, &b, note), 1);

    /* leaks refuses two processes, and takes one */
    b.pid = 99;
    assert_int_equal(open_cap(&a, &s, &err), MS_OK);
    assert_int_equal(open_cap(&a, &t, &err), MS_OK);
    assert_int_equal(open_cap(&b, &u, &err), MS_OK);
    assert_int_equal(ms_leaks_compute(s, t, u, NULL, &lk, &err), MS_EFORMAT);
    assert_string_equal(err.message, "test.gcsnap and test.gcsnap come from different processes "
                                     "(pid 1234 and pid 99); leaks needs three snapshots of one "
                                     "process");
    ms_snapshot_free(u);
    b.pid = 0;
    assert_int_equal(open_cap(&b, &u, &err), MS_OK);
    assert_int_equal(ms_leaks_compute(s, t, u, NULL, &lk, &err), MS_OK);
    ms_leaks_free(lk);
    ms_snapshot_free(s);
    ms_snapshot_free(t);
    ms_snapshot_free(u);

    /* PROCESS itself: later fields are skipped; once only; a UUID's length */
    a.process_extra = 3;
    assert_int_equal(open_cap(&a, &s, &err), MS_OK);
    ms_snapshot_free(s);
    a.process_extra = 0;
    a.process = 2;
    expect_cap_fail(&a, MS_EFORMAT, "a second PROCESS section");
    a.process = 1;
    a.boot = "0123456789012345678901234567890123456789012345678901234567890123456789";
    expect_cap_fail(&a, MS_EFORMAT, "boot id of 70 bytes (at most 64)");
}

/* ---- 64-bit fields ---------------------------------------------------------------------- */

/* Every field docs/formats/boehm.md gives 64 bits that the reader uses, with
 * a value past 32 bits: addresses above 2^40 whose deltas and word values
 * pass 2^32 granules, a slot of 69 GiB (2^32 and more granules), a module
 * base and a data root 2^32 bytes into it, a thread id and handle above
 * 2^40, a stack range of 64 GiB with a word 2^32 + 3 words into it, site
 * lines and code addresses past 32 bits.  (INFO's pid and PROCESS's start
 * are checked past 32 bits by test_boehm__process_identity; INFO's time,
 * collection number, heap size, free bytes, pause and enumerated/dropped
 * counts, the segments and the thread stacks' bounds are read and not used:
 * no result shows them.) */
#define AB 0x7f1234560000ull
#define HUGE ((1ull << 36) + 5 * (1ull << 30) + 48) /* 69 GiB: 4630511619 granules */
#define X0 AB
#define X1 (AB + 0x40)
#define X4 (X1 + HUGE)
#define X2 (AB + (1ull << 40))
#define X3 (X2 + 0x100)
#define X5 (X2 + 0x200)
#define X6 (X2 + 0x300)
#define PROG_BASE 0x7f5500000000ull
#define STACK_LO 0x7f0000000000ull

static tcap big_capture(void)
{
    tcap c;
    memset(&c, 0, sizeof c);
    c.info_flags = MS_GCCAP_INFO_INTERIOR | MS_GCCAP_INFO_PUSH_HOOK;
    c.prog_base = PROG_BASE;
    c.thread1 = 0x7f00deadbe00ull;
    c.handle = X3; /* the main thread's collector record */
    c.nsites = 5;
    c.sites[0] = (tsite){MS_GCCAP_SITE_DESC, "/src/big.c", "struct big", "make_big",
                         (1ull << 32) + 5, 0, 0};
    c.sites[1] = (tsite){MS_GCCAP_SITE_PC, NULL, NULL, NULL, 0, 0, 0x100001234ull};
    c.sites[2] = (tsite){MS_GCCAP_SITE_STACK, NULL, NULL, NULL, 0, 0, 0};
    c.depth = 2;
    c.fmod[0] = 1, c.fpc[0] = 0x200000010ull;      /* module 0 + 1 */
    c.fmod[1] = 0, c.fpc[1] = 0x7f0011223344ull;   /* absolute */
    c.sites[3] = (tsite){MS_GCCAP_SITE_DEBUG, "/src/dbg.c", NULL, NULL, 1ull << 33, 0, 0};
    c.sites[4] = (tsite){MS_GCCAP_SITE_ABS, NULL, NULL, NULL, 0, 0, 0x7f00aabbccddull};
    c.nobj = 7;
    c.obj[0] = (tobj){X0, 32, MS_GCCAP_KIND_NORMAL, 0, 2, 2, {{0, X1}, {1, X4}}};
    c.obj[1] = (tobj){X1, HUGE, MS_GCCAP_KIND_NORMAL, 0, 0, 2,
                      {{0, X2}, {MS_GCCAP_OFFSET_UNKNOWN, X5}}};
    c.obj[2] = (tobj){X4, 32, MS_GCCAP_KIND_NORMAL, 0, 4, 0, {{0, 0}}};
    c.obj[3] = (tobj){X2, 48, MS_GCCAP_KIND_NORMAL, 0, 1, 1, {{0, X6}}};
    c.obj[4] = (tobj){X3, 32, MS_GCCAP_KIND_NORMAL, 0, 0, 0, {{0, 0}}};
    c.obj[5] = (tobj){X5, 64, MS_GCCAP_KIND_NORMAL, 0, 5, 0, {{0, 0}}};
    c.obj[6] = (tobj){X6, 32, MS_GCCAP_KIND_NORMAL, 0, 3, 0, {{0, 0}}};
    c.nroot = 2;
    c.root[0] = (troot){MS_GCCAP_ROOT_DATA, 0, 0, PROG_BASE + (1ull << 32) + 0x10, 16, 1,
                        {{0, X0}}};
    /* thread 1's stack: its first word holds the main thread's record (not
     * an object of the program), word 2^32 + 3 points inside X2 */
    c.root[1] = (troot){MS_GCCAP_ROOT_STACK, 0, 1, STACK_LO, (1ull << 36) + 64, 2,
                        {{0, X3}, {(1ull << 32) + 3, X2 + 8}}};
    return c;
}

static void test_boehm__64_bit_fields(void **state)
{
    (void)state;
    tcap c = big_capture();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_edge_info e;
    ms_node data, stack, n0, n1, n2, n4, n5, n6;
    if (open_cap(&c, &s, &err) != MS_OK)
        print_error("%s\n", err.message);
    assert_non_null(s);
    /* the record the main thread's handle names is dropped, even though
     * thread 1's stack points to it; everything else is kept */
    assert_int_equal(node(s, X3), MS_NODE_NONE);
    assert_int_equal(objects(s), 6);
    n0 = node(s, X0), n1 = node(s, X1), n2 = node(s, X2), n4 = node(s, X4), n5 = node(s, X5);
    n6 = node(s, X6);
    assert_int_not_equal(n0, MS_NODE_NONE);
    assert_int_not_equal(n1, MS_NODE_NONE);
    assert_int_not_equal(n2, MS_NODE_NONE);
    assert_int_not_equal(n4, MS_NODE_NONE);
    assert_int_not_equal(n5, MS_NODE_NONE);
    assert_int_not_equal(n6, MS_NODE_NONE);
    assert_int_equal(node(s, X1 & 0xFFFFFFFFu), MS_NODE_NONE);
    assert_int_equal(ms_node_id(s, n1), X1);
    assert_int_equal(ms_node_id(s, n4), X4);
    assert_int_equal(ms_node_self_size(s, n1), HUGE);
    assert_int_equal(ms_node_self_size(s, n4), 32);
    assert_int_equal(ms_snapshot_total_self_size(s), 32 + HUGE + 32 + 48 + 64 + 32);

    /* words: field offsets in bytes; the huge slot's word at or beyond
     * 131071 words has no exact offset (4294967295) */
    assert_true(edge(s, n0, n1, &e) >= 0);
    assert_int_equal(e.index, 0);
    assert_true(edge(s, n0, n4, &e) >= 0);
    assert_int_equal(e.index, 8);
    assert_true(edge(s, n1, n2, &e) >= 0);
    assert_int_equal(e.index, 0);
    assert_true(edge(s, n1, n5, &e) >= 0);
    assert_int_equal(e.index, 4294967295u);
    assert_true(edge(s, n2, n6, &e) >= 0);

    /* roots: the data word is 2^32 + 0x10 bytes into the program (no
     * symbols: module + offset); the stack word's address is its own */
    data = group(s, "(data of prog)");
    assert_int_not_equal(data, MS_NODE_NONE);
    assert_true(edge(s, data, n0, &e) >= 0);
    assert_string_equal(e.name, "prog+0x100000010");
    stack = group(s, "(stack of thread 0x7f00deadbe00)");
    assert_int_not_equal(stack, MS_NODE_NONE);
    assert_true(edge(s, stack, n2, &e) >= 0);
    assert_string_equal(e.name, "0x7f0800000018"); /* STACK_LO + (2^32 + 3) * 8 */

    /* names: size class, type name, sites */
    assert_string_equal(ms_node_name(s, n1, NULL), "(size class 74088185904)");
    assert_null(ms_node_site(s, n1, NULL));
    assert_string_equal(ms_node_name(s, n2, NULL), "struct big");
    assert_string_equal(ms_node_site(s, n2, NULL), "make_big at big.c:4294967301");
    assert_string_equal(ms_node_site(s, n0, NULL), "prog+0x100001234");
    assert_string_equal(ms_node_name(s, n0, NULL), "prog+0x100001234");
    assert_string_equal(ms_node_site(s, n6, NULL), "prog+0x200000010 < 0x7f0011223344");
    assert_string_equal(ms_node_site(s, n4, NULL), "dbg.c:8589934592");
    assert_string_equal(ms_node_site(s, n5, NULL), "0x7f00aabbccdd");

    /* sizes add up past 2^32: X0 alone holds X1 (and X5 behind it) and X4;
     * X2 is also held by the stack */
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES, NULL),
                     MS_OK);
    assert_int_equal(ms_node_dominator(s, n5), n1);
    assert_int_equal(ms_node_dominator(s, n1), n0);
    assert_int_equal(ms_node_dominator(s, n2), ms_snapshot_root(s));
    assert_int_equal(ms_node_retained_size(s, n1), HUGE + 64);
    assert_int_equal(ms_node_retained_size(s, n0), 32 + HUGE + 64 + 32);
    assert_int_equal(ms_node_retained_size(s, n2), 48 + 32);
    assert_int_equal(ms_node_retained_size(s, ms_snapshot_root(s)), HUGE + 208);
    assert_int_equal(ms_node_distance(s, n2), 2);
    assert_int_equal(ms_node_distance(s, n5), 4);
    ms_snapshot_free(s);
}

/* INFO's 64-bit values that are checked, not shown: the object count must
 * equal OBJECTS' (2^32 more does not), displacements must be below 4096
 * (2^32 + 1 is not 1), and a debug header size past 32 bits is not a valid
 * offset. */
static void test_boehm__64_bit_info(void **state)
{
    (void)state;
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    c.announced = (1ull << 32) + 3;
    expect_cap_fail(&c, MS_EFORMAT, "3 objects, but INFO announced 4294967299");
    c = basic();
    c.ndispl = 1;
    c.displ[0] = (1ull << 32) + 1;
    expect_cap_fail(&c, MS_EFORMAT, "displacement 4294967297 is beyond 4096");

    /* interior pointers off; B starts with a GC_debug_malloc header, and A
     * points at B + 32, its user data: valid with libgc 8.2's 32-byte
     * header, not with a header 2^32 + 32 bytes long */
    c = basic();
    c.info_flags = MS_GCCAP_INFO_PUSH_HOOK;
    c.obj[1].flags = MS_GCCAP_OBJ_DEBUG;
    c.obj[1].size = 64;
    c.obj[2].addr = C + 32; /* after B's 64 bytes */
    c.obj[0].w[0].value = B + 32;
    c.obj[1].w[0].value = C + 32;
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_true(edge(s, node(s, A), node(s, B), NULL) >= 0);
    ms_snapshot_free(s);
    c.debug_header = (1ull << 32) + 32;
    s = NULL;
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_true(edge(s, node(s, A), node(s, B), NULL) < 0);
    ms_snapshot_free(s);
}

/* Every other count, length and index the format writes as a varint (64
 * bits) is checked against what the section holds or what exists; each,
 * 2^32 too large, must fail with its own message (read as 32 bits, each
 * would be the right value and the file would import). */
static void test_boehm__64_bit_counts_and_indices(void **state)
{
    (void)state;
    static const struct {
        int bump;
        const char *needle;
    } cases[] = {
        {BUMP_PROGRAM_LEN, "program is 4294967313 bytes long (at most 4096)"},
        {BUMP_DISPL_COUNT, "displacement count 4294967296 cannot fit"},
        {BUMP_MODULES, "module count 4294967298 cannot fit"},
        {BUMP_BUILD_ID_LEN, "build id of 4294967296 bytes (at most 64)"},
        {BUMP_SEGMENTS, "segment count 4294967297 cannot fit"},
        {BUMP_THREADS, "thread count 4294967297 cannot fit"},
        {BUMP_SITES, "site count 4294967298 cannot fit"},
        {BUMP_SITE_MODULE, "module 4294967296 of 2"},
        {BUMP_DEPTH, "stack depth 4294967297 cannot fit"},
        {BUMP_FRAME_MODULE, "frame module 4294967297 of 2"},
        {BUMP_OBJECTS, "object count 4294967299 cannot fit"},
        {BUMP_OBJ_SITE, "object 0 has site 4294967297 of 2"},
        {BUMP_OBJ_WORDS, "object 0 has 4294967297 words of 4"},
        {BUMP_WORD_OFFSET, "word offset beyond the object"},
        {BUMP_ROOTS, "root range count 4294967297 cannot fit"},
        {BUMP_ROOT_OWNER, "root range owner 4294967296 does not exist"},
        {BUMP_ROOT_WORDS, "root word count 4294967297 cannot fit"},
        {BUMP_ROOT_INDEX, "root word beyond its range"},
        {BUMP_BOOT_ID_LEN, "boot id is 4294967332 bytes long (at most 4096)"},
    };
    tcap c = basic();
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    /* a PC site and a one-frame STACK site, used by A */
    c.nsites = 2;
    c.sites[0] = (tsite){MS_GCCAP_SITE_PC, NULL, NULL, NULL, 0, 0, 0x10};
    c.sites[1] = (tsite){MS_GCCAP_SITE_STACK, NULL, NULL, NULL, 0, 0, 0};
    c.depth = 1;
    c.fmod[0] = 1, c.fpc[0] = 0x20;
    c.obj[0].site = 1;
    c.process = 1;
    c.start = 5;
    /* as written, it imports */
    assert_int_equal(open_cap(&c, &s, &err), MS_OK);
    assert_string_equal(ms_node_site(s, node(s, A), NULL), "prog+0x10");
    ms_snapshot_free(s);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        c.bump = cases[i].bump;
        expect_cap_fail(&c, MS_EFORMAT, cases[i].needle);
    }
}

/* OBJECTS' word count is a varint (docs/formats/boehm.md: at most slot
 * size / 8 entries, each in WORDS); the importer keeps it in 32 bits, so a
 * claim past 2^32 - 1 must be refused as such, not read as its low 32 bits
 * (an object of 64 GiB claiming 2^32 + 1 words with one in WORDS once
 * imported as if it claimed 1). */
static void test_boehm__word_count_past_32_bits(void **state)
{
    (void)state;
    tcap c = basic();
    c.obj[0].size = (1ull << 36) + 32; /* room for 2^33 + 4 words */
    c.obj[1].addr = A + c.obj[0].size;
    c.obj[2].addr = c.obj[1].addr + 32;
    c.obj[0].w[0].value = c.obj[1].addr;
    c.obj[1].w[0].value = c.obj[2].addr + 8;
    c.root[0].w[0].value = A;
    c.words_claim = 2;
    expect_cap_fail(&c, MS_EFORMAT, "section WORDS ends inside");
    c.words_claim = (1ull << 32) + 1;
    expect_cap_fail(&c, MS_ELIMIT, "has 4294967297 words: memsnap reads at most 4294967295");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boehm__basic_graph),
        cmocka_unit_test(test_boehm__interior_rules),
        cmocka_unit_test(test_boehm__gc_internal_dropped),
        cmocka_unit_test(test_boehm__unreached_and_uncollectable),
        cmocka_unit_test(test_boehm__names_and_sites),
        cmocka_unit_test(test_boehm__compressed),
        cmocka_unit_test(test_boehm__hostile_fields),
        cmocka_unit_test(test_boehm__hostile_structure),
        cmocka_unit_test(test_boehm__compressed_claims),
        cmocka_unit_test(test_boehm__truncated_everywhere),
        cmocka_unit_test(test_boehm__process_identity),
        cmocka_unit_test(test_boehm__64_bit_fields),
        cmocka_unit_test(test_boehm__64_bit_info),
        cmocka_unit_test(test_boehm__64_bit_counts_and_indices),
        cmocka_unit_test(test_boehm__word_count_past_32_bits),
    };
    return cmocka_run_group_tests_name("import/boehm", tests, NULL, NULL);
}
