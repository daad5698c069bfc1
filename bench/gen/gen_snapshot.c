/*
 * gen_snapshot.c: writes a valid, realistic V8 .heapsnapshot of a chosen
 * size, fast, deterministic from a seed: snapshots larger than the
 * JavaScript tools can load, to measure memsnap where users are stuck.
 *
 *   gen_snapshot --size 8G [--seed N] [--step T] [--growth PCT] [--deaths PCT]
 *                [--stats] -o OUT.heapsnapshot
 *
 * The heap is a Node.js process's, in V8's format as Node 20 writes it
 * (the meta, field lists and section order of v8.writeHeapSnapshot()):
 *
 *  - (root) -> (GC roots) -> the 28 root categories (Internalized strings,
 *    Strong roots, Handle scope, Global handles, Builtins, Stack roots, ...),
 *    root shortcuts to the global object, C++ roots, Node / Environment;
 *  - the runtime: maps (hidden classes) and oddballs, prototypes, the native
 *    context, scripts with their sources and module contexts, functions
 *    (shared function infos, scope infos, bytecode, feedback), builtins,
 *    classes (prototype, constructor, instance shape, descriptors), and a
 *    pool of internalized strings chosen with a power law;
 *  - the program's data: containers (Maps, Sets, arrays and dictionaries
 *    held by module contexts and the global object) holding clusters of
 *    objects; a cluster is a tree (a chain, a binary tree or a wider one) of
 *    units, each a small group of V8 nodes: class instances (property edges,
 *    in-object and out-of-object properties, heap numbers, own strings,
 *    _events objects, child arrays), arrays (power-law lengths), Maps with
 *    their hash tables, closures with their contexts and feedback, string
 *    ropes (cons and sliced strings), Buffers with native backing stores.
 *    Units also reference older units (neighbours, a power law towards the
 *    oldest, uniform), so fan-in is power law too and the dominator tree is
 *    not the containment tree.
 *
 * Every node of unit j is a function of (seed, j): the same object keeps its
 * id and content in every snapshot of one "process".  --step T writes the
 * process T steps later: --growth PCT more clusters per step (new ids above
 * every older one, held by the same containers) and --deaths PCT of the
 * older clusters gone per step; steps 0 and 1 share most ids, as two
 * snapshots of one Node.js process do (memsnap compare / leaks).
 *
 * The file is written in three passes over the units (plan and counts, the
 * nodes, the edges), each unit rebuilt from its seed, so memory stays at a
 * few bytes per unit whatever the size.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- V8's types (Node 20's meta) -------------------------------------- */
enum {
    NT_HIDDEN, NT_ARRAY, NT_STRING, NT_OBJECT, NT_CODE, NT_CLOSURE, NT_REGEXP, NT_NUMBER,
    NT_NATIVE, NT_SYNTHETIC, NT_CONS, NT_SLICED, NT_SYMBOL, NT_BIGINT, NT_SHAPE, NT_WASM,
    NT_COUNT
};
enum { ET_CONTEXT, ET_ELEMENT, ET_PROPERTY, ET_INTERNAL, ET_HIDDEN, ET_SHORTCUT, ET_WEAK, ET_COUNT };
static const char *const node_type_names[NT_COUNT] = {
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
    "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape",
    "wasm object"};
static const char *const edge_type_names[ET_COUNT] = {"context", "element",  "property", "internal",
                                                      "hidden",  "shortcut", "weak"};
#define NODE_FIELDS 7

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_snapshot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}
#define GROW(arr, len, cap)                                                                    \
    do {                                                                                       \
        if ((len) >= (cap)) {                                                                  \
            (cap) = (cap) ? (cap) * 2 : 64;                                                    \
            (arr) = xrealloc((arr), (size_t)(cap) * sizeof *(arr));                            \
        }                                                                                      \
    } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- random numbers: splitmix64, one stream per (seed, purpose, index) --- */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}
typedef struct { uint64_t s; } rng;
static inline rng rng_of(uint64_t seed, uint64_t purpose, uint64_t index)
{
    rng r = {mix64(seed * 0x9e3779b97f4a7c15ull ^ mix64(purpose + 0x1234567)) ^ mix64(index + 1)};
    return r;
}
static inline uint64_t next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix64(r->s);
}
static inline double u01(rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }
static inline uint32_t below(rng *r, uint32_t n) { return (uint32_t)(((next(r) >> 32) * n) >> 32); }
static inline bool chance(rng *r, double p) { return u01(r) < p; }
/* A power law (Pareto, exponent alpha) from lo, capped at hi. */
static uint32_t pareto(rng *r, double alpha, uint32_t lo, uint32_t hi)
{
    double x = (double)lo / pow(1.0 - u01(r), 1.0 / alpha);
    return x >= hi ? hi : (uint32_t)x;
}
/* Skewed towards 0: index < n with P(i < x) = (x/n)^(1/k). */
static inline uint32_t skewed(rng *r, uint32_t n, int k)
{
    double u = u01(r), p = u;
    for (int i = 1; i < k; i++)
        p *= u;
    uint32_t i = (uint32_t)(p * n);
    return i < n ? i : n - 1;
}

/* ---- output: a large buffer, numbers without printf ---------------------- */
typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
    uint64_t total;
    bool count_only;
} out_t;

static void out_flush(out_t *o)
{
    size_t off = 0;
    if (!o->count_only) {
        while (off < o->len) {
            ssize_t w = write(o->fd, o->buf + off, o->len - off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                die("write: %s", strerror(errno));
            }
            off += (size_t)w;
        }
    }
    o->total += o->len;
    o->len = 0;
}
static inline void out_room(out_t *o, size_t n)
{
    if (o->len + n > o->cap)
        out_flush(o);
}
static inline void out_mem(out_t *o, const char *s, size_t n)
{
    if (n > o->cap) {
        out_flush(o);
        o->total += n;
        if (!o->count_only)
            for (size_t off = 0; off < n;) {
                ssize_t w = write(o->fd, s + off, n - off);
                if (w < 0 && errno != EINTR)
                    die("write: %s", strerror(errno));
                if (w > 0)
                    off += (size_t)w;
            }
        return;
    }
    out_room(o, n);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}
static inline void out_str(out_t *o, const char *s) { out_mem(o, s, strlen(s)); }
/* Digits of v at p (room for 20); returns the count. */
static inline int utoa(char *p, uint64_t v)
{
    char t[20];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    return n;
}
static inline int digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* ---- strings ------------------------------------------------------------ */
/* The strings array: [fixed names][numbers "0".."NUMSTR-1"][pool][unique
 * per unit].  Node and edge names are tagged (fixed, number, pool, unique)
 * until the bases are known, when everything is planned. */
#define NAME_POOL (1u << 30)
#define NAME_UNIQ (2u << 30)
#define NAME_NUM (3u << 30)
#define NAME_MASK ((1u << 30) - 1)

typedef struct {
    char **s;
    uint32_t n, cap;
    uint32_t *slots, mask;
    bool frozen;
} fixed_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}
static void fixed_init(fixed_t *f)
{
    memset(f, 0, sizeof *f);
    f->mask = (1u << 16) - 1;
    f->slots = calloc(f->mask + 1, 4);
    if (!f->slots)
        die("out of memory");
}
/* The index of s in the fixed strings, added when new. */
static uint32_t fixed_add(fixed_t *f, const char *s)
{
    uint32_t i = (uint32_t)hash_str(s) & f->mask;
    while (f->slots[i]) {
        if (strcmp(f->s[f->slots[i] - 1], s) == 0)
            return f->slots[i] - 1;
        i = (i + 1) & f->mask;
    }
    if (f->frozen)
        die("internal: fixed string '%s' added late", s);
    GROW(f->s, f->n, f->cap);
    f->s[f->n] = strdup(s);
    f->slots[i] = ++f->n;
    if (f->n * 2 > f->mask) { /* grow the index */
        uint32_t mask = f->mask * 2 + 1, *slots = calloc((size_t)mask + 1, 4);
        if (!slots)
            die("out of memory");
        for (uint32_t k = 0; k < f->n; k++) {
            uint32_t p = (uint32_t)hash_str(f->s[k]) & mask;
            while (slots[p])
                p = (p + 1) & mask;
            slots[p] = k + 1;
        }
        free(f->slots);
        f->slots = slots;
        f->mask = mask;
    }
    return f->n - 1;
}
__attribute__((format(printf, 2, 3))) static uint32_t fixedf(fixed_t *f, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return fixed_add(f, buf);
}

/* Words the names are made of. */
static const char *const W_ENTITY[] = {
    "User", "Session", "Order", "Product", "Cart", "Invoice", "Payment", "Account", "Customer",
    "Request", "Response", "Message", "Event", "Task", "Job", "Connection", "Socket", "Stream",
    "Cache", "Token", "Route", "Handler", "Query", "Record", "Document", "Node", "Edge", "Graph",
    "Tree", "Item", "Entry", "Config", "Logger", "Metric", "Span", "Trace", "Timer", "Worker",
    "Queue", "Channel"};
static const char *const W_SUFFIX[] = {"", "Entry", "Record", "State", "Model", "Info", "Data",
                                       "Context", "Ref", "Holder", "Handle", "Item", "View",
                                       "Proxy", "Wrapper", "Descriptor", "Snapshot", "Options"};
static const char *const W_PROP[] = {
    "id", "name", "type", "value", "next", "prev", "parent", "children", "data", "items", "key",
    "user", "session", "createdAt", "updatedAt", "status", "headers", "body", "url", "method",
    "options", "callback", "listeners", "buffer", "length", "size", "count", "total", "price",
    "quantity", "email", "token", "expires", "owner", "target", "source", "label", "title",
    "description", "tags", "meta", "path", "query", "params", "result", "error", "retries",
    "timeout", "handler", "context", "state", "flags", "mode", "kind", "index", "offset", "limit",
    "cursor", "version", "checksum", "address", "port", "host", "protocol", "socket", "stream",
    "encoding", "locale", "timezone", "currency", "amount", "balance", "score", "rank", "weight",
    "priority", "deadline", "startedAt", "finishedAt", "duration", "attempts", "lastSeen",
    "ip", "agent", "referrer", "payload", "response", "request", "cache", "store", "config",
    "logger", "metrics", "span", "traceId", "parentId", "spanId", "sampled", "enabled", "visible",
    "dirty", "locked", "pending", "resolved", "rejected", "closed", "opened", "readable",
    "writable", "destroyed", "connected", "active", "role", "permissions", "group", "team",
    "org", "region", "zone", "shard", "partition", "_events", "_eventsCount", "_maxListeners"};
static const char *const W_VERB[] = {"handle", "on", "get", "set", "create", "update", "delete",
                                     "parse", "format", "load", "save", "render", "emit",
                                     "process", "validate", "resolve", "fetch", "send", "close",
                                     "open", "compute", "merge", "flush", "retry"};
static const char *const W_NOUN[] = {"Request", "Response", "User", "Session", "Data", "Event",
                                     "Message", "Error", "Timeout", "Connection", "Item",
                                     "Order", "Cache", "Token", "Query", "Result", "Batch",
                                     "Chunk", "Header", "Body"};
static const char *const W_EVENT[] = {"data", "end", "close", "error", "connection", "message",
                                      "timeout", "drain", "finish", "request", "response",
                                      "change", "update", "ready", "abort"};
static const char *const W_DIR[] = {"routes", "models", "services", "lib", "util", "controllers",
                                    "middleware", "db", "cache", "jobs", "api", "auth"};
static const char *const W_CONT[] = {"sessions", "userCache", "pending", "listeners", "registry",
                                     "queue", "byId", "timers", "connections", "inflight",
                                     "lru", "index", "subscribers", "jobs", "metricsByName",
                                     "routesByPath"};
static const char *const W_VALUE[] = {
    "inactive", "GET", "POST", "PUT", "DELETE", "application/json",
    "text/html; charset=utf-8", "en-US", "de-DE", "fr-FR", "UTC", "Europe/Berlin", "USD", "EUR",
    "true", "false", "undefined", "null", "ok", "keep-alive", "gzip",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "https://example.com/", "/api/v1/users", "/api/v1/orders", "/health", "admin", "guest",
    "caf\xc3\xa9", "say \"hi\"", "line\nbreak", "tab\there", "\xe6\x97\xa5\xe6\x9c\xac",
    "emoji \xf0\x9f\x98\x80"};
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- the generator's state ----------------------------------------------- */
#define MAX_PROPS 16
enum { PK_POOLSTR, PK_NUM, PK_BOOL, PK_NULL, PK_REF, PK_KEY, PK_CONS, PK_DATE, PK_EVENTS, PK_ARR };

typedef struct {
    uint32_t name;                 /* class name string */
    uint32_t proto, shape, ctor;   /* runtime nodes */
    uint8_t nprops, inobject;
    uint32_t prop[MAX_PROPS];      /* property name strings */
    uint8_t pkind[MAX_PROPS];
} class_t;

typedef struct {
    uint32_t name, sfi, scope_info, script, closure; /* closure: the declared function */
    uint32_t line, column;
} func_t;

typedef struct {
    uint32_t start;     /* first unit */
    uint32_t size;      /* units */
    uint8_t branch;     /* children per unit: 1 a chain, 2 a binary tree, ... */
    uint8_t birth;      /* the step it was allocated in */
    uint16_t container;
    float death;        /* dies at step t > birth when death < deaths * (t - birth) */
} cluster_t;

/* A node and an edge under construction.  Edge targets: an absolute node
 * index, or a tag: the head of unit j, node 1 of unit j (a record's key
 * string), or node k of the unit being built. */
#define TO_UNIT (1ull << 62)
#define TO_UKEY (2ull << 62)
#define TO_LOCAL (3ull << 62)
#define TO_TAG (3ull << 62)
typedef struct { uint8_t type; uint32_t name; uint64_t self; } bnode;
typedef struct { uint32_t from; uint8_t type; uint32_t name; uint64_t to; } bedge;

typedef struct {
    bnode *n;
    uint32_t nn, ncap;
    bedge *e, *sorted;
    uint32_t ne, ecap, scap;
    uint32_t *deg, degcap;
    bool has_loc, has_uniq; /* a node named with the unit's own string */
    uint32_t loc_script, loc_line, loc_col;
} ubuf;

typedef struct {
    /* options */
    uint64_t seed, target_bytes;
    int step;
    double growth, deaths;
    bool stats;
    const char *out_path;

    fixed_t str;
    uint32_t numbase, numstr, poolbase, uniqbase;
    uint32_t npool, nfunc, nclass, nscript, ncont, nbuiltin;

    /* runtime nodes (absolute indices) */
    uint32_t undef, null_, true_, false_, hole, empty_array;
    uint32_t meta_map, map_str, map_cons, map_sliced, map_heapnum, map_fixed, map_context,
        map_fcell, map_fvector, map_table, map_oddball, map_propertyarray;
    uint32_t shape_array, shape_map, shape_set, shape_func, shape_date, shape_events,
        shape_buffer, shape_ab, shape_object;
    uint32_t proto_object, proto_array, proto_map, proto_set, proto_func, proto_date,
        proto_buffer, proto_ab;
    uint32_t native_context, global, lazy_code, weak_list;
    uint32_t pool_node0; /* pool string i is node pool_node0 + i */
    uint32_t cat_stack, cat_handles;
    class_t *classes;
    func_t *funcs;
    uint32_t *script_ctx;    /* module context per script */
    uint32_t *cont_node;     /* container object per container */
    uint32_t *cont_table;    /* its table or elements (or the object itself) */
    uint8_t *cont_kind;      /* 0 Map, 1 Array, 2 dictionary, 3 Set */
    uint32_t static_nodes;   /* nodes before the units */
    uint64_t unit_id0;       /* first unit id */

    /* the static part of the graph (root, runtime, containers) */
    bnode *sn;
    uint32_t snn, sncap;
    bedge *se;
    uint64_t sne, secap;
    uint32_t *sfirst; /* CSR after sorting */

    /* the plan */
    cluster_t *cl;
    uint32_t ncl, clcap; /* clusters planned */
    uint32_t *ucl;      /* cluster of each unit */
    uint16_t *unn, *une; /* nodes and edges per unit */
    uint32_t *ukey;      /* units before j with an own string: its index among them */
    uint32_t *ubase;    /* node index of each unit in this step, UINT32_MAX: absent */
    uint32_t nunits, ucap, nunits_step;
    uint64_t node_count, edge_count;
    uint64_t type_count[NT_COUNT], etype_count[ET_COUNT];

    ubuf ub;
    /* locations (node index, script, line, column), in node order */
    uint32_t (*loc)[4];
    uint64_t nloc, loccap;
} gen_t;

static gen_t G;

static uint32_t pool_name(uint32_t i) { return NAME_POOL | i; }
static uint32_t uniq_name(uint32_t j) { return NAME_UNIQ | j; }
static uint32_t num_name(uint32_t k)
{
    if (k >= G.numstr)
        G.numstr = k + 1;
    return NAME_NUM | k;
}
static inline uint32_t resolve_name(uint32_t name)
{
    switch (name >> 30) {
    case 0: return name;
    case 1: return G.poolbase + (name & NAME_MASK);
    case 2: return G.uniqbase + G.ukey[name & NAME_MASK];
    default: return G.numbase + (name & NAME_MASK);
    }
}

/* The text of pool string i and of unit j's own string. */
static size_t pool_text(uint32_t i, char *buf, size_t cap)
{
    rng r = rng_of(G.seed, 11, i);
    if (i < COUNT(W_VALUE))
        return (size_t)snprintf(buf, cap, "%s", W_VALUE[i]);
    switch (i % 6) {
    case 0: return (size_t)snprintf(buf, cap, "%s", W_PROP[below(&r, COUNT(W_PROP))]) +
                   (size_t)snprintf(buf + strlen(buf), cap - strlen(buf), "_%u", i);
    case 1: return (size_t)snprintf(buf, cap, "/%s/%s/%u", W_DIR[below(&r, COUNT(W_DIR))],
                                    W_PROP[below(&r, COUNT(W_PROP))], i);
    case 2: return (size_t)snprintf(buf, cap, "%s %s %s #%u", W_VERB[below(&r, COUNT(W_VERB))],
                                    W_NOUN[below(&r, COUNT(W_NOUN))],
                                    W_EVENT[below(&r, COUNT(W_EVENT))], i);
    case 3: return (size_t)snprintf(buf, cap, "%s-%s-%u", W_ENTITY[below(&r, COUNT(W_ENTITY))],
                                    W_SUFFIX[below(&r, COUNT(W_SUFFIX))], i);
    case 4: return (size_t)snprintf(buf, cap, "tag:%08x.%u", (uint32_t)next(&r), i);
    default: return (size_t)snprintf(buf, cap, "%u.%02u", i * 7919u, i % 100);
    }
}
static size_t uniq_text(uint32_t j, char *buf, size_t cap)
{
    uint64_t h = mix64(G.seed ^ ((uint64_t)j * 0x9e3779b97f4a7c15ull));
    switch (h % 6) {
    case 0: return (size_t)snprintf(buf, cap, "sess_%016" PRIx64, mix64(h));
    case 1: return (size_t)snprintf(buf, cap, "/api/v1/orders/%u", j);
    case 2: return (size_t)snprintf(buf, cap, "user%u@example.com", j);
    case 3: return (size_t)snprintf(buf, cap, "req-%u-%08x", j, (uint32_t)(h >> 20));
    case 4: return (size_t)snprintf(buf, cap, "evt-%u 2024-%02u-%02uT%02u:%02u:%02u.%03uZ", j,
                                    (unsigned)(h % 12 + 1), (unsigned)(h >> 8) % 28 + 1,
                                    (unsigned)(h >> 16) % 24, (unsigned)(h >> 24) % 60,
                                    (unsigned)(h >> 32) % 60, (unsigned)(h >> 40) % 1000);
    default: return (size_t)snprintf(buf, cap, "tok_%" PRIx64 "%u", h >> 12, j);
    }
}
static uint64_t str_self(size_t len) { return (16 + len + 7) & ~(uint64_t)7; }

/* ---- building nodes and edges ---------------------------------------------- */
static uint32_t snode(uint8_t type, uint32_t name, uint64_t self)
{
    GROW(G.sn, G.snn, G.sncap);
    G.sn[G.snn] = (bnode){type, name, self};
    return G.snn++;
}
static void sedge(uint32_t from, uint8_t type, uint32_t name, uint64_t to)
{
    GROW(G.se, G.sne, G.secap);
    G.se[G.sne++] = (bedge){from, type, name, to};
}
static uint32_t unode(ubuf *u, uint8_t type, uint32_t name, uint64_t self)
{
    GROW(u->n, u->nn, u->ncap);
    u->n[u->nn] = (bnode){type, name, self};
    return u->nn++;
}
static inline void uedge(ubuf *u, uint32_t from, uint8_t type, uint32_t name, uint64_t to)
{
    GROW(u->e, u->ne, u->ecap);
    u->e[u->ne++] = (bedge){from, type, name, to};
}
#define LOCAL(k) (TO_LOCAL | (uint64_t)(k))

/* Names used everywhere. */
static struct {
    uint32_t empty, map, proto, elements, properties, table, context, shared, feedback_cell, code,
        scope_info, previous, first, second, parent, buffer, backing_store, value, constructor,
        prototype, descriptors, back_pointer, dependent_code, name_or_scope_info, script,
        function_data, source, name, extension, children, hnumber, cons, sliced, obj_elements,
        obj_properties, arr, date, object, mapn, setn, buffer_n, arraybuffer, next, child, left,
        right, ctx, fcell, fvector, proparray, abdata;
    uint32_t wprop[COUNT(W_PROP)], wevent[COUNT(W_EVENT)];
} N;

/* ---- the runtime and the containers (static part) --------------------------- */
static const char *const ROOT_CATEGORIES[] = {
    "(Internalized strings)", "(External strings)", "(Read-only roots)", "(Strong roots)",
    "(Smi roots)", "(Bootstrapper)", "(Stack roots)", "(Relocatable)", "(Debugger)",
    "(Compilation cache)", "(Handle scope)", "(Builtins)", "(Global handles)",
    "(Traced handles)", "(Eternal handles)", "(Thread manager)", "(Strong roots)",
    "(Extensions)", "(Code flusher)", "(Startup object cache)", "(Read-only object cache)",
    "(Shareable object cache)", "(Weak collections)", "(Wrapper tracing)", "(Write barrier)",
    "(Retain maps)", "(Client heap)", "(Unknown)"};
enum { CAT_INTERNALIZED = 0, CAT_READONLY = 2, CAT_STRONG = 3, CAT_STACK = 6, CAT_HANDLES = 10,
       CAT_BUILTINS = 11, CAT_GLOBAL_HANDLES = 12, CAT_ETERNAL = 14, CAT_STARTUP = 19 };

static uint32_t hidden_map(const char *name)
{
    uint32_t m = snode(NT_HIDDEN, fixed_add(&G.str, name), 72);
    sedge(m, ET_INTERNAL, N.map, G.meta_map);
    return m;
}

/* A closure of the runtime (a builtin method or a declared function). */
static uint32_t runtime_closure(uint32_t name, uint32_t sfi, uint32_t ctx)
{
    uint32_t c = snode(NT_CLOSURE, name, 56);
    sedge(c, ET_PROPERTY, N.proto, G.proto_func);
    sedge(c, ET_INTERNAL, N.shared, sfi);
    sedge(c, ET_INTERNAL, N.context, ctx);
    sedge(c, ET_INTERNAL, N.code, G.lazy_code);
    sedge(c, ET_INTERNAL, N.map, G.shape_func);
    return c;
}

/* A prototype object with a few builtin methods. */
static uint32_t make_proto(const char *cls, const char *const *methods, int nm, uint32_t parent)
{
    uint32_t p = snode(NT_OBJECT, fixed_add(&G.str, cls), 24 + 8 * (uint64_t)nm);
    uint32_t shape = snode(NT_SHAPE, fixed_add(&G.str, "system / Map"), 80);
    sedge(shape, ET_INTERNAL, N.map, G.meta_map);
    for (int i = 0; i < nm; i++) {
        uint32_t nm_ = fixed_add(&G.str, methods[i]);
        uint32_t sfi = snode(NT_CODE, fixed_add(&G.str, "(shared function info)"), 56);
        sedge(sfi, ET_INTERNAL, N.map, G.meta_map);
        sedge(p, ET_PROPERTY, nm_, runtime_closure(nm_, sfi, G.native_context));
    }
    if (parent != UINT32_MAX)
        sedge(p, ET_PROPERTY, N.proto, parent);
    sedge(p, ET_INTERNAL, N.map, shape);
    return p;
}

static void build_runtime(void)
{
    fixed_t *S = &G.str;
    rng r = rng_of(G.seed, 1, 0);

    /* (root), (GC roots) and its categories: V8's first nodes. */
    uint32_t root = snode(NT_SYNTHETIC, N.empty, 0);
    uint32_t gcroots = snode(NT_SYNTHETIC, fixed_add(S, "(GC roots)"), 0);
    uint32_t cat[COUNT(ROOT_CATEGORIES)];
    for (uint32_t i = 0; i < COUNT(ROOT_CATEGORIES); i++) {
        cat[i] = snode(NT_SYNTHETIC, fixed_add(S, ROOT_CATEGORIES[i]), 0);
        sedge(gcroots, ET_ELEMENT, i + 1, cat[i]);
    }
    uint32_t cpp = snode(NT_SYNTHETIC, fixed_add(S, "C++ roots"), 0);
    uint32_t cppx = snode(NT_SYNTHETIC, fixed_add(S, "C++ cross-thread roots"), 0);
    uint32_t env = snode(NT_SYNTHETIC, fixed_add(S, "Node / Environment"), 0);
    G.cat_stack = cat[CAT_STACK];
    G.cat_handles = cat[CAT_HANDLES];

    /* Maps and oddballs. */
    G.meta_map = snode(NT_HIDDEN, fixed_add(S, "system / Map"), 80);
    sedge(G.meta_map, ET_INTERNAL, N.map, G.meta_map);
    G.map_str = hidden_map("system / Map (OneByteInternalizedString)");
    G.map_cons = hidden_map("system / Map (ConsOneByteString)");
    G.map_sliced = hidden_map("system / Map (SlicedOneByteString)");
    G.map_heapnum = hidden_map("system / Map (HeapNumber)");
    G.map_fixed = hidden_map("system / Map (FixedArray)");
    G.map_context = hidden_map("system / Map (FunctionContext)");
    G.map_fcell = hidden_map("system / Map (FeedbackCell)");
    G.map_fvector = hidden_map("system / Map (FeedbackVector)");
    G.map_table = hidden_map("system / Map (OrderedHashMap)");
    G.map_oddball = hidden_map("system / Map (Oddball)");
    G.map_propertyarray = hidden_map("system / Map (PropertyArray)");
    const char *odd[] = {"undefined_value", "null_value", "true_value", "false_value",
                         "the_hole_value"};
    uint32_t oddn[5];
    for (int i = 0; i < 5; i++) {
        oddn[i] = snode(NT_HIDDEN, fixed_add(S, "system / Oddball"), 32);
        sedge(oddn[i], ET_INTERNAL, N.map, G.map_oddball);
        sedge(cat[CAT_READONLY], ET_INTERNAL, fixed_add(S, odd[i]), oddn[i]);
    }
    G.undef = oddn[0], G.null_ = oddn[1], G.true_ = oddn[2], G.false_ = oddn[3], G.hole = oddn[4];
    G.empty_array = snode(NT_ARRAY, N.empty, 16);
    sedge(cat[CAT_READONLY], ET_INTERNAL, fixed_add(S, "empty_fixed_array"), G.empty_array);
    sedge(cat[17], ET_INTERNAL, fixed_add(S, "empty_fixed_array"), G.empty_array);
    G.lazy_code = snode(NT_CODE, fixed_add(S, "(CompileLazy builtin handle)"), 88);
    G.weak_list = snode(NT_CODE, fixed_add(S, "system / WeakArrayList"), 24);
    sedge(G.weak_list, ET_INTERNAL, N.map, G.meta_map);

    /* Builtins. */
    static const char *const B1[] = {"Array", "String", "Object", "Map", "Set", "Promise",
                                     "Function", "Reflect", "Math", "JSON", "Number", "Date",
                                     "RegExp", "TypedArray"};
    static const char *const B2[] = {"PrototypePush", "PrototypeMap", "Constructor",
                                     "PrototypeGet", "PrototypeSet", "Call", "Apply", "Iterator",
                                     "PrototypeToString", "From"};
    for (uint32_t i = 0; i < G.nbuiltin; i++) {
        uint32_t b = snode(NT_CODE,
                           fixedf(S, "(%s%s%s builtin handle)", B1[i % COUNT(B1)],
                                  B2[(i / COUNT(B1)) % COUNT(B2)],
                                  i >= COUNT(B1) * COUNT(B2) ? "_Slow" : ""),
                           88);
        sedge(cat[CAT_BUILTINS], ET_INTERNAL,
              fixedf(S, "%u / %s%s", i + 1, B1[i % COUNT(B1)], B2[(i / COUNT(B1)) % COUNT(B2)]), b);
    }

    /* The native context, the global object and the builtin prototypes. */
    G.native_context = snode(NT_HIDDEN, fixed_add(S, "system / NativeContext"), 2264);
    G.global = snode(NT_OBJECT, fixed_add(S, "global"), 200);
    uint32_t global_proxy = snode(NT_OBJECT, fixed_add(S, "global"), 32);
    G.shape_func = snode(NT_SHAPE, fixed_add(S, "system / Map"), 80);
    sedge(G.shape_func, ET_INTERNAL, N.map, G.meta_map);
    G.proto_func = snode(NT_CLOSURE, N.empty, 56);
    sedge(G.proto_func, ET_INTERNAL, N.map, G.shape_func);
    sedge(G.proto_func, ET_INTERNAL, N.context, G.native_context);
    static const char *const m_obj[] = {"hasOwnProperty", "toString", "valueOf", "isPrototypeOf"};
    static const char *const m_arr[] = {"push", "pop", "map", "filter", "forEach", "slice",
                                        "indexOf", "join"};
    static const char *const m_map[] = {"get", "set", "has", "delete", "clear", "forEach"};
    static const char *const m_set[] = {"add", "has", "delete", "clear"};
    static const char *const m_date[] = {"getTime", "toISOString"};
    static const char *const m_buf[] = {"toString", "write", "slice", "readUInt32LE"};
    static const char *const m_ab[] = {"slice"};
    G.proto_object = make_proto("Object", m_obj, 4, UINT32_MAX);
    G.proto_array = make_proto("Array", m_arr, 8, G.proto_object);
    G.proto_map = make_proto("Map", m_map, 6, G.proto_object);
    G.proto_set = make_proto("Set", m_set, 4, G.proto_object);
    G.proto_date = make_proto("Date", m_date, 2, G.proto_object);
    G.proto_buffer = make_proto("Buffer", m_buf, 4, G.proto_object);
    G.proto_ab = make_proto("ArrayBuffer", m_ab, 1, G.proto_object);
    sedge(G.proto_func, ET_PROPERTY, N.proto, G.proto_object);
    struct { uint32_t *shape, proto; } shapes[] = {
        {&G.shape_array, G.proto_array}, {&G.shape_map, G.proto_map},
        {&G.shape_set, G.proto_set},     {&G.shape_date, G.proto_date},
        {&G.shape_events, UINT32_MAX},   {&G.shape_buffer, G.proto_buffer},
        {&G.shape_ab, G.proto_ab},       {&G.shape_object, G.proto_object}};
    for (size_t i = 0; i < COUNT(shapes); i++) {
        *shapes[i].shape = snode(NT_SHAPE, fixed_add(S, "system / Map"), 80);
        sedge(*shapes[i].shape, ET_INTERNAL, N.map, G.meta_map);
        if (shapes[i].proto != UINT32_MAX)
            sedge(*shapes[i].shape, ET_INTERNAL, N.prototype, shapes[i].proto);
        sedge(*shapes[i].shape, ET_INTERNAL, N.dependent_code, G.weak_list);
    }
    sedge(G.native_context, ET_INTERNAL, N.extension, G.global);
    sedge(G.native_context, ET_INTERNAL, fixed_add(S, "global_proxy_object"), global_proxy);
    sedge(G.native_context, ET_INTERNAL, fixed_add(S, "object_function_prototype"), G.proto_object);
    sedge(G.native_context, ET_INTERNAL, fixed_add(S, "initial_array_prototype"), G.proto_array);
    sedge(G.native_context, ET_INTERNAL, fixed_add(S, "js_map_prototype"), G.proto_map);
    sedge(G.native_context, ET_INTERNAL, fixed_add(S, "js_set_prototype"), G.proto_set);
    sedge(G.native_context, ET_INTERNAL, N.map, G.meta_map);
    sedge(global_proxy, ET_INTERNAL, N.map, G.shape_object);
    sedge(global_proxy, ET_HIDDEN, 0, G.global);
    sedge(G.global, ET_PROPERTY, fixed_add(S, "globalThis"), global_proxy);
    sedge(G.global, ET_PROPERTY, fixed_add(S, "Map"), G.proto_map);
    sedge(G.global, ET_PROPERTY, fixed_add(S, "Array"), G.proto_array);
    sedge(G.global, ET_PROPERTY, N.proto, G.proto_object);
    sedge(G.global, ET_INTERNAL, N.map, G.shape_object);

    /* The root's edges and the Node.js environment. */
    sedge(root, ET_ELEMENT, 1, gcroots);
    sedge(root, ET_SHORTCUT, num_name(2), G.global);
    sedge(root, ET_ELEMENT, 3, cpp);
    sedge(root, ET_ELEMENT, 4, cppx);
    sedge(root, ET_ELEMENT, 5, env);
    static const char *const envs[] = {"Node / IsolateData", "Node / AsyncHooks", "Node / TickInfo",
                                       "Node / PrincipalRealm", "Node / CleanupQueue"};
    static const char *const envn[] = {"isolate_data", "async_hooks", "tick_info",
                                       "principal_realm", "cleanup_queue"};
    for (size_t i = 0; i < COUNT(envs); i++)
        sedge(env, ET_INTERNAL, fixed_add(S, envn[i]),
              snode(NT_NATIVE, fixed_add(S, envs[i]), 64 + 200 * (uint64_t)i));
    sedge(cat[CAT_GLOBAL_HANDLES], ET_INTERNAL, num_name(1), G.native_context);
    sedge(cat[CAT_GLOBAL_HANDLES], ET_INTERNAL, num_name(2), global_proxy);
    sedge(cat[CAT_STRONG], ET_INTERNAL, fixed_add(S, "meta_map"), G.meta_map);
    sedge(cat[CAT_HANDLES], ET_INTERNAL, num_name(1), G.proto_object);
    sedge(cat[CAT_HANDLES], ET_INTERNAL, fixed_add(S, "the_hole_value"), G.hole);
    sedge(cat[CAT_STARTUP], ET_INTERNAL, num_name(1), G.lazy_code);

    /* The pool of internalized strings. */
    G.pool_node0 = G.snn;
    for (uint32_t i = 0; i < G.npool; i++) {
        char buf[256];
        size_t len = pool_text(i, buf, sizeof buf);
        uint32_t s = snode(NT_STRING, pool_name(i), str_self(len));
        sedge(s, ET_INTERNAL, N.map, G.map_str);
        sedge(cat[CAT_INTERNALIZED], ET_INTERNAL, num_name(i + 2), s);
    }

    /* Scripts, their sources and module contexts. */
    uint32_t *script = xrealloc(NULL, G.nscript * sizeof *script);
    uint32_t *script_path = xrealloc(NULL, G.nscript * sizeof *script_path);
    G.script_ctx = xrealloc(NULL, G.nscript * sizeof *G.script_ctx);
    uint32_t script_scope = snode(NT_CODE, fixed_add(S, "system / ScopeInfo"), 72);
    sedge(script_scope, ET_INTERNAL, N.map, G.meta_map);
    for (uint32_t i = 0; i < G.nscript; i++) {
        uint32_t path = fixedf(S, "/srv/app/src/%s/%s%s.js", W_DIR[i % COUNT(W_DIR)],
                               W_ENTITY[(i / COUNT(W_DIR)) % COUNT(W_ENTITY)],
                               i >= COUNT(W_DIR) * COUNT(W_ENTITY) ? "2" : "");
        script[i] = snode(NT_HIDDEN, fixed_add(S, "system / Script"), 96);
        uint32_t src = snode(NT_STRING, fixedf(S, "'use strict';\n// module %u of the app\n", i),
                             pareto(&r, 1.1, 2048, 4u << 20));
        uint32_t pathn = snode(NT_STRING, path, 64);
        script_path[i] = pathn;
        sedge(src, ET_INTERNAL, N.map, G.map_str);
        sedge(pathn, ET_INTERNAL, N.map, G.map_str);
        sedge(script[i], ET_INTERNAL, N.source, src);
        sedge(script[i], ET_INTERNAL, N.name, pathn);
        sedge(script[i], ET_INTERNAL, N.map, G.meta_map);
        sedge(cat[1], ET_INTERNAL, num_name(i + 1), src);
        G.script_ctx[i] = snode(NT_OBJECT, fixed_add(S, "system / Context"), 48);
        sedge(G.script_ctx[i], ET_INTERNAL, N.scope_info, script_scope);
        sedge(G.script_ctx[i], ET_INTERNAL, N.previous, G.native_context);
        sedge(G.script_ctx[i], ET_INTERNAL, N.map, G.map_context);
    }

    /* Functions: shared function info, scope info, bytecode; and the
     * closure the module declares, held by its module context. */
    G.funcs = xrealloc(NULL, G.nfunc * sizeof *G.funcs);
    for (uint32_t i = 0; i < G.nfunc; i++) {
        func_t *f = &G.funcs[i];
        uint32_t v = i % COUNT(W_VERB), n = (i / COUNT(W_VERB)) % COUNT(W_NOUN);
        uint32_t rep = i / (COUNT(W_VERB) * COUNT(W_NOUN));
        f->name = i % 11 == 10 ? N.empty
                  : rep ? fixedf(S, "%s%s%u", W_VERB[v], W_NOUN[n], rep)
                        : fixedf(S, "%s%s", W_VERB[v], W_NOUN[n]);
        f->script = skewed(&r, G.nscript, 2);
        f->line = 1 + below(&r, 4000);
        f->column = below(&r, 80);
        f->sfi = snode(NT_CODE, fixed_add(S, "(shared function info)"), 56);
        f->scope_info = snode(NT_CODE, fixed_add(S, "system / ScopeInfo"), 40 + 8 * (uint64_t)below(&r, 12));
        uint32_t bc = snode(NT_CODE, fixed_add(S, "system / BytecodeArray"), pareto(&r, 1.3, 64, 65536));
        uint32_t spt = snode(NT_CODE, fixed_add(S, "(source position table)"), 16 + 8 * (uint64_t)below(&r, 40));
        sedge(f->sfi, ET_INTERNAL, N.name_or_scope_info, f->scope_info);
        sedge(f->sfi, ET_INTERNAL, N.script, script[f->script]);
        sedge(f->sfi, ET_INTERNAL, N.function_data, bc);
        sedge(f->sfi, ET_INTERNAL, N.map, G.meta_map);
        sedge(f->scope_info, ET_INTERNAL, N.map, G.meta_map);
        sedge(bc, ET_INTERNAL, N.map, G.meta_map);
        sedge(bc, ET_HIDDEN, 2, spt);
        f->closure = runtime_closure(f->name, f->sfi, G.script_ctx[f->script]);
        sedge(G.script_ctx[f->script], ET_CONTEXT, f->name == N.empty ? fixedf(S, "fn%u", i) : f->name,
              f->closure);
        sedge(cat[CAT_STARTUP], ET_INTERNAL, num_name(2 + i % 1000), f->sfi);
    }

    /* Classes: a prototype with methods, a constructor, the instances'
     * shape and descriptors.  Class 0..7 are plain Objects of different
     * property sets (DevTools names them by their properties). */
    G.classes = xrealloc(NULL, G.nclass * sizeof *G.classes);
    for (uint32_t c = 0; c < G.nclass; c++) {
        class_t *k = &G.classes[c];
        bool plain = c < 8;
        uint32_t e = c % COUNT(W_ENTITY), s = (c / COUNT(W_ENTITY)) % COUNT(W_SUFFIX);
        uint32_t rep = c / (COUNT(W_ENTITY) * COUNT(W_SUFFIX));
        k->name = plain ? fixed_add(S, "Object")
                  : rep ? fixedf(S, "%s%s%u", W_ENTITY[e], W_SUFFIX[s], rep)
                        : fixedf(S, "%s%s", W_ENTITY[e], W_SUFFIX[s]);
        k->nprops = (uint8_t)(6 + below(&r, MAX_PROPS - 5));
        k->inobject = (uint8_t)(4 + below(&r, 8));
        /* distinct property names, "id" first for entities */
        uint32_t used[MAX_PROPS];
        for (uint32_t p = 0; p < k->nprops; p++) {
            uint32_t w;
            bool dup;
            do {
                w = p == 0 && !plain ? 0 : 1 + below(&r, COUNT(W_PROP) - 4);
                dup = false;
                for (uint32_t q = 0; q < p; q++)
                    dup |= used[q] == w;
            } while (dup);
            used[p] = w;
            k->prop[p] = fixed_add(S, W_PROP[w]);
            static const uint8_t kinds[] = {
                PK_POOLSTR, PK_POOLSTR, PK_POOLSTR, PK_POOLSTR, PK_POOLSTR, PK_POOLSTR,
                PK_NUM,     PK_NUM,     PK_NUM,     PK_BOOL,    PK_BOOL,    PK_NULL,
                PK_REF,     PK_REF,     PK_REF,     PK_REF,     PK_REF,     PK_REF,
                PK_BOOL,    PK_REF,     PK_CONS,    PK_REF,     PK_EVENTS,  PK_ARR,
                PK_NULL,    PK_BOOL,    PK_POOLSTR, PK_NULL,    PK_POOLSTR, PK_DATE};
            k->pkind[p] = p == 0 && !plain ? PK_KEY : kinds[below(&r, COUNT(kinds))];
        }
        if (plain) {
            k->proto = G.proto_object;
            k->ctor = UINT32_MAX;
        } else {
            func_t *ctor = &G.funcs[below(&r, G.nfunc)];
            uint32_t nm = 1 + below(&r, 5);
            k->proto = snode(NT_OBJECT, k->name, 24 + 8 * (uint64_t)nm);
            k->ctor = snode(NT_CLOSURE, k->name, 64);
            sedge(k->ctor, ET_PROPERTY, N.prototype, k->proto);
            sedge(k->ctor, ET_PROPERTY, N.proto, G.proto_func);
            sedge(k->ctor, ET_INTERNAL, N.shared, ctor->sfi);
            sedge(k->ctor, ET_INTERNAL, N.context, G.script_ctx[ctor->script]);
            sedge(k->ctor, ET_INTERNAL, N.code, G.lazy_code);
            sedge(k->ctor, ET_INTERNAL, N.map, G.shape_func);
            sedge(k->proto, ET_PROPERTY, N.constructor, k->ctor);
            for (uint32_t m = 0; m < nm; m++) {
                func_t *f = &G.funcs[below(&r, G.nfunc)];
                sedge(k->proto, ET_PROPERTY, f->name == N.empty ? fixedf(S, "method%u", m) : f->name,
                      f->closure);
            }
            sedge(k->proto, ET_PROPERTY, N.proto, G.proto_object);
            sedge(k->proto, ET_INTERNAL, N.map, G.shape_object);
            sedge(G.script_ctx[ctor->script], ET_CONTEXT, k->name, k->ctor);
        }
        k->shape = snode(NT_SHAPE, fixed_add(S, "system / Map"), 80);
        uint32_t desc = snode(NT_SHAPE, fixed_add(S, "system / DescriptorArray"), 16 + 24 * (uint64_t)k->nprops);
        for (uint32_t p = 0; p < k->nprops; p++)
            sedge(desc, ET_INTERNAL, num_name(3 * p), G.pool_node0 + (k->prop[p] % G.npool));
        sedge(desc, ET_INTERNAL, N.map, G.meta_map);
        sedge(k->shape, ET_INTERNAL, N.descriptors, desc);
        sedge(k->shape, ET_INTERNAL, N.prototype, k->proto);
        if (k->ctor != UINT32_MAX)
            sedge(k->shape, ET_INTERNAL, N.constructor, k->ctor);
        sedge(k->shape, ET_INTERNAL, N.back_pointer, G.shape_object);
        sedge(k->shape, ET_INTERNAL, N.dependent_code, G.weak_list);
        sedge(k->shape, ET_INTERNAL, N.map, G.meta_map);
    }

    /* Containers: created now (their edges come with the plan), held by
     * module contexts and some by the global object. */
    G.cont_node = xrealloc(NULL, G.ncont * sizeof *G.cont_node);
    G.cont_table = xrealloc(NULL, G.ncont * sizeof *G.cont_table);
    G.cont_kind = xrealloc(NULL, G.ncont);
    for (uint32_t c = 0; c < G.ncont; c++) {
        uint8_t kind = (uint8_t)(c % 4);
        uint32_t holder = G.script_ctx[c % G.nscript];
        uint32_t var = c < COUNT(W_CONT) ? fixed_add(S, W_CONT[c])
                                         : fixedf(S, "%s%u", W_CONT[c % COUNT(W_CONT)], c);
        G.cont_kind[c] = kind;
        switch (kind) {
        case 0: /* Map: key -> value in its OrderedHashMap */
        case 3: /* Set */
            G.cont_node[c] = snode(NT_OBJECT, fixed_add(S, kind ? "Set" : "Map"), 32);
            G.cont_table[c] = snode(NT_ARRAY, N.empty, 0); /* self set by the plan */
            sedge(G.cont_node[c], ET_INTERNAL, N.table, G.cont_table[c]);
            sedge(G.cont_node[c], ET_PROPERTY, N.proto, kind ? G.proto_set : G.proto_map);
            sedge(G.cont_node[c], ET_INTERNAL, N.map, kind ? G.shape_set : G.shape_map);
            break;
        case 1: /* Array: element edges, and its backing store */
            G.cont_node[c] = snode(NT_OBJECT, fixed_add(S, "Array"), 32);
            G.cont_table[c] = snode(NT_ARRAY, N.obj_elements, 0);
            break;
        default: /* a dictionary-mode object: key -> value properties */
            G.cont_node[c] = snode(NT_OBJECT, fixed_add(S, "Object"), 56);
            G.cont_table[c] = snode(NT_ARRAY, N.obj_properties, 0);
            break;
        }
        sedge(holder, ET_CONTEXT, var, G.cont_node[c]);
        if (c % 5 == 0)
            sedge(G.global, ET_PROPERTY, var, G.cont_node[c]);
    }
    /* CommonJS modules: global.process.mainModule.children[...] are the
     * Module objects, whose exports hold the functions and classes (which
     * hold their module contexts, which hold the containers): the program's
     * data is reachable from the global object, as in a Node.js process.
     * The module cache holds them too (a global handle). */
    uint32_t process = snode(NT_OBJECT, fixed_add(S, "process"), 104);
    uint32_t cache = snode(NT_OBJECT, N.object, 56);
    uint32_t children = snode(NT_OBJECT, N.arr, 32);
    uint32_t child_el = snode(NT_ARRAY, N.obj_elements, 16 + 8 * (uint64_t)G.nscript);
    uint32_t mod_shape = snode(NT_SHAPE, fixed_add(S, "system / Map"), 80);
    uint32_t mod_proto = make_proto("Module", m_obj, 2, G.proto_object);
    uint32_t *exports = xrealloc(NULL, G.nscript * sizeof *exports);
    sedge(mod_shape, ET_INTERNAL, N.map, G.meta_map);
    sedge(mod_shape, ET_INTERNAL, N.prototype, mod_proto);
    sedge(G.global, ET_PROPERTY, fixed_add(S, "process"), process);
    sedge(process, ET_PROPERTY, N.proto, G.proto_object);
    sedge(process, ET_INTERNAL, N.map, G.shape_object);
    sedge(cat[CAT_GLOBAL_HANDLES], ET_INTERNAL, num_name(3), cache);
    sedge(cache, ET_INTERNAL, N.map, G.shape_object);
    for (uint32_t i = 0; i < G.nscript; i++) {
        uint32_t m = snode(NT_OBJECT, fixed_add(S, "Module"), 104);
        exports[i] = snode(NT_OBJECT, N.object, 56);
        sedge(m, ET_PROPERTY, fixed_add(S, "id"), script_path[i]);
        sedge(m, ET_PROPERTY, fixed_add(S, "exports"), exports[i]);
        sedge(m, ET_PROPERTY, fixed_add(S, "filename"), script_path[i]);
        sedge(m, ET_PROPERTY, fixed_add(S, "loaded"), G.true_);
        sedge(m, ET_PROPERTY, N.proto, mod_proto);
        sedge(m, ET_INTERNAL, N.map, mod_shape);
        sedge(exports[i], ET_PROPERTY, N.proto, G.proto_object);
        sedge(exports[i], ET_INTERNAL, N.map, G.shape_object);
        if (i == 0) {
            sedge(process, ET_PROPERTY, fixed_add(S, "mainModule"), m);
            sedge(m, ET_PROPERTY, N.children, children);
        } else {
            sedge(children, ET_ELEMENT, i - 1, m);
        }
        sedge(cache, ET_PROPERTY, G.sn[script_path[i]].name, m);
    }
    sedge(children, ET_PROPERTY, N.proto, G.proto_array);
    sedge(children, ET_INTERNAL, N.elements, child_el);
    sedge(children, ET_INTERNAL, N.map, G.shape_array);
    for (uint32_t i = 0; i < G.nfunc; i++)
        if (i % 3 == 0 || i < G.nscript) {
            func_t *f = &G.funcs[i];
            sedge(exports[f->script], ET_PROPERTY, f->name == N.empty ? fixedf(S, "fn%u", i) : f->name,
                  f->closure);
        }
    for (uint32_t c = 8; c < G.nclass; c++)
        sedge(exports[c % G.nscript], ET_PROPERTY, G.classes[c].name, G.classes[c].ctor);
    free(exports);
    free(script_path);
    free(script);
}

/* ---- units ----------------------------------------------------------------- */
enum { K_RECORD, K_ARRAY, K_MAP, K_CLOSURE, K_STRING, K_BUFFER };

/* A reference from unit j to an older unit: a neighbour, one of the
 * oldest (long-lived singletons and caches everything points at: a power
 * law over the first HOT_UNITS), or any.  The mix gives the in-degree
 * profile of the real TypeScript heap (bench/make-snapshots.sh medium):
 * about half the edges into nodes with 1,000 retainers or more, a fifth
 * into nodes with 3 or fewer.  Resolved (alive or undefined) later. */
#define HOT_UNITS 4096
static uint64_t pick_ref(rng *r, uint32_t j)
{
    double p = u01(r);
    uint32_t t;
    if (j == 0)
        return G.undef;
    if (p < 0.25)
        t = j > 16 ? j - 1 - below(r, 16) : below(r, j);
    else if (p < 0.85)
        t = skewed(r, j < HOT_UNITS ? j : HOT_UNITS, 2);
    else
        t = below(r, j);
    return TO_UNIT | t;
}
static uint64_t pick_pool(rng *r) { return G.pool_node0 + skewed(r, G.npool, 4); }

/* A value for a slot of unit j's node `from`: a pool string, a heap number,
 * an oddball or a reference; returns 0 for a small integer (no edge). */
static uint64_t pick_value(ubuf *u, rng *r, uint32_t j)
{
    uint32_t k = below(r, 10);
    if (k < 2)
        return pick_pool(r);
    if (k < 3) {
        if (chance(r, 0.9))
            return 0;
        uint32_t h = unode(u, NT_NUMBER, N.hnumber, 16);
        uedge(u, h, ET_INTERNAL, N.map, G.map_heapnum);
        return LOCAL(h);
    }
    if (k < 4)
        return chance(r, 0.5) ? G.undef : G.null_;
    return pick_ref(r, j);
}

/* A child array of unit j holding `n` children (units c0 ..) and `extra`
 * values: a JSArray and its elements store; returns the JSArray.  V8
 * reports each element twice: an element edge of the JSArray and an
 * internal edge of the FixedArray that stores it. */
static uint32_t child_array(ubuf *u, rng *r, uint32_t j, uint32_t c0, uint32_t n, uint32_t extra)
{
    uint32_t a = unode(u, NT_OBJECT, N.arr, 32);
    uint32_t el = unode(u, NT_ARRAY, N.obj_elements, 16 + 8 * (uint64_t)(n + extra + (n + extra) / 2));
    uint32_t idx = 0;
    for (uint32_t i = 0; i < n; i++) {
        uedge(u, a, ET_ELEMENT, idx, TO_UNIT | (c0 + i));
        uedge(u, el, ET_INTERNAL, num_name(idx), TO_UNIT | (c0 + i));
        idx++;
    }
    for (uint32_t i = 0; i < extra; i++) {
        uint64_t v = pick_value(u, r, j);
        if (v) {
            uedge(u, a, ET_ELEMENT, idx, v);
            uedge(u, el, ET_INTERNAL, num_name(idx), v);
        }
        idx++;
    }
    uedge(u, a, ET_PROPERTY, N.proto, G.proto_array);
    uedge(u, a, ET_INTERNAL, N.elements, LOCAL(el));
    uedge(u, a, ET_INTERNAL, N.map, G.shape_array);
    return a;
}

/* Builds unit j of cluster c (its nodes and edges, targets unresolved). */
static void build_unit(ubuf *u, uint32_t j)
{
    const cluster_t *cl = &G.cl[G.ucl[j]];
    uint32_t t = j - cl->start, B = cl->branch;
    uint64_t first_child = (uint64_t)B * t + 1;
    uint32_t nchild = first_child >= cl->size ? 0
                      : (uint32_t)((first_child + B <= cl->size ? first_child + B : cl->size) - first_child);
    uint32_t c0 = cl->start + (uint32_t)first_child;
    rng r = rng_of(G.seed, 2, j);
    uint32_t kind;

    u->nn = u->ne = 0;
    u->has_loc = u->has_uniq = false;
    if (t == 0) {
        kind = K_RECORD;
    } else {
        uint32_t k = below(&r, 100);
        kind = k < 50 ? K_RECORD : k < 72 ? K_ARRAY : k < 77 ? K_MAP : k < 90 ? K_CLOSURE
               : k < 97 ? K_STRING : K_BUFFER;
        if (nchild && (kind == K_STRING || kind == K_BUFFER))
            kind = K_RECORD;
    }

    switch (kind) {
    case K_RECORD: {
        /* heads are entities (classes 8..), others any class */
        uint32_t ci = t == 0 ? 8 + skewed(&r, G.nclass - 8, 2) : skewed(&r, G.nclass, 2);
        const class_t *k = &G.classes[ci];
        uint32_t h = unode(u, NT_OBJECT, k->name, 24 + 8 * (uint64_t)(k->nprops < k->inobject ? k->nprops : k->inobject));
        /* node 1 is the key string (containers' Map keys point at it) */
        char buf[64];
        /* a head's node 1 is its key string (containers' Map keys point at
         * it); other records have one less often */
        uint32_t key = UINT32_MAX;
        if (t == 0 || chance(&r, 0.3)) {
            key = unode(u, NT_STRING, uniq_name(j), str_self(uniq_text(j, buf, sizeof buf)));
            u->has_uniq = true;
            uedge(u, key, ET_INTERNAL, N.map, G.map_str);
        }
        uint64_t val[MAX_PROPS + 2];
        uint32_t pname[MAX_PROPS + 2], np = 0;
        bool has_key = false;
        for (uint32_t p = 0; p < k->nprops; p++) {
            uint64_t v = 0;
            switch (k->pkind[p]) {
            case PK_POOLSTR: v = pick_pool(&r); break;
            case PK_NUM:
                if (chance(&r, 0.1)) {
                    uint32_t n = unode(u, NT_NUMBER, N.hnumber, 16);
                    uedge(u, n, ET_INTERNAL, N.map, G.map_heapnum);
                    v = LOCAL(n);
                }
                break;
            case PK_BOOL: v = chance(&r, 0.5) ? G.true_ : G.false_; break;
            case PK_NULL: v = chance(&r, 0.5) ? G.null_ : G.undef; break;
            case PK_REF: v = chance(&r, 0.8) ? pick_ref(&r, j) : G.null_; break;
            case PK_KEY:
                v = key != UINT32_MAX ? LOCAL(key) : pick_pool(&r);
                has_key = true;
                break;
            case PK_CONS: {
                /* a rope: (a + b) + c ... of pool strings (else a pool string) */
                if (chance(&r, 0.7)) {
                    v = pick_pool(&r);
                    break;
                }
                uint32_t depth = 1 + below(&r, 2);
                uint32_t top = unode(u, NT_CONS, N.cons, 32), cur = top;
                for (uint32_t d = 0; d < depth; d++) {
                    uint32_t nx;
                    if (d + 1 < depth) {
                        nx = unode(u, NT_CONS, N.cons, 32);
                        uedge(u, cur, ET_INTERNAL, N.first, LOCAL(nx));
                    } else {
                        uedge(u, cur, ET_INTERNAL, N.first, pick_pool(&r));
                        nx = cur;
                    }
                    uedge(u, cur, ET_INTERNAL, N.second, pick_pool(&r));
                    uedge(u, cur, ET_INTERNAL, N.map, G.map_cons);
                    cur = nx;
                }
                v = LOCAL(top);
                break;
            }
            case PK_DATE: {
                uint32_t d = unode(u, NT_OBJECT, N.date, 32);
                uedge(u, d, ET_PROPERTY, N.proto, G.proto_date);
                uedge(u, d, ET_INTERNAL, N.map, G.shape_date);
                v = LOCAL(d);
                break;
            }
            case PK_EVENTS: {
                /* an EventEmitter's _events: listeners are older closures */
                uint32_t ev = unode(u, NT_OBJECT, N.object, 56);
                uint32_t ne = 1 + below(&r, 4);
                for (uint32_t e = 0; e < ne; e++)
                    uedge(u, ev, ET_PROPERTY, N.wevent[(e * 5 + j) % COUNT(W_EVENT)],
                          pick_ref(&r, j));
                uedge(u, ev, ET_INTERNAL, N.map, G.shape_events);
                v = LOCAL(ev);
                break;
            }
            case PK_ARR: {
                uint32_t n = pareto(&r, 1.4, 1, 2000) - 1;
                v = LOCAL(child_array(u, &r, j, 0, 0, n));
                break;
            }
            }
            if (v) {
                val[np] = v;
                pname[np++] = k->prop[p];
            }
        }
        if (!has_key && key != UINT32_MAX) { /* plain objects name their key too */
            val[np] = LOCAL(key);
            pname[np++] = N.name;
        }
        /* children: next/left/right, or an array of them */
        if (nchild == 1) {
            val[np] = TO_UNIT | c0;
            pname[np++] = B == 1 ? N.next : N.child;
        } else if (nchild == 2) {
            val[np] = TO_UNIT | c0;
            pname[np++] = N.left;
            val[np] = TO_UNIT | (c0 + 1);
            pname[np++] = N.right;
        } else if (nchild) {
            val[np] = LOCAL(child_array(u, &r, j, c0, nchild, 0));
            pname[np++] = N.children;
        }
        for (uint32_t p = 0; p < np; p++)
            uedge(u, h, ET_PROPERTY, pname[p], val[p]);
        uedge(u, h, ET_PROPERTY, N.proto, k->proto);
        if (np > k->inobject) { /* out-of-object properties */
            uint32_t pa = unode(u, NT_HIDDEN, N.proparray,
                                16 + 8 * (uint64_t)(np - k->inobject));
            uedge(u, h, ET_INTERNAL, N.properties, LOCAL(pa));
            uedge(u, pa, ET_INTERNAL, N.map, G.map_propertyarray);
            for (uint32_t p = k->inobject; p < np; p++)
                uedge(u, pa, ET_HIDDEN, p - k->inobject, val[p]);
        }
        uedge(u, h, ET_INTERNAL, N.map, k->shape);
        break;
    }
    case K_ARRAY: {
        uint32_t extra = pareto(&r, 1.1, 2, 5000);
        child_array(u, &r, j, c0, nchild, extra);
        break;
    }
    case K_MAP: {
        uint32_t n = pareto(&r, 1.3, 1, 3000);
        uint32_t m = unode(u, NT_OBJECT, N.mapn, 32);
        uint32_t cap = 2;
        while (cap < n + nchild)
            cap *= 2;
        uint32_t tab = unode(u, NT_ARRAY, N.empty, 16 + 8 * (3 + 3 * (uint64_t)cap + cap / 2));
        uedge(u, m, ET_INTERNAL, N.table, LOCAL(tab));
        uedge(u, m, ET_PROPERTY, N.proto, G.proto_map);
        uedge(u, m, ET_INTERNAL, N.map, G.shape_map);
        for (uint32_t i = 0; i < n + nchild; i++) {
            uint32_t slot = 3 + cap / 2 + 3 * i;
            uint64_t key = chance(&r, 0.7) ? pick_pool(&r) : 0; /* else a small integer */
            uint64_t v = i < nchild ? TO_UNIT | (c0 + i) : pick_value(u, &r, j);
            if (key)
                uedge(u, tab, ET_INTERNAL, num_name(slot), key);
            if (v)
                uedge(u, tab, ET_INTERNAL, num_name(slot + 1), v);
        }
        uedge(u, tab, ET_INTERNAL, N.map, G.map_table);
        break;
    }
    case K_CLOSURE: {
        const func_t *f = &G.funcs[skewed(&r, G.nfunc, 2)];
        uint32_t c = unode(u, NT_CLOSURE, f->name, 56 + 8 * (uint64_t)below(&r, 2));
        uint32_t nvars = 2 + below(&r, 6);
        uint32_t ctx = unode(u, NT_OBJECT, N.ctx, 16 + 8 * (uint64_t)(2 + nvars + nchild));
        uint32_t cell = unode(u, NT_CODE, N.fcell, 24);
        uedge(u, c, ET_PROPERTY, N.proto, G.proto_func);
        uedge(u, c, ET_INTERNAL, N.feedback_cell, LOCAL(cell));
        uedge(u, c, ET_INTERNAL, N.shared, f->sfi);
        uedge(u, c, ET_INTERNAL, N.context, LOCAL(ctx));
        uedge(u, c, ET_INTERNAL, N.code, G.lazy_code);
        uedge(u, c, ET_INTERNAL, N.map, G.shape_func);
        for (uint32_t v = 0; v < nvars + nchild; v++) {
            uint64_t val = v < nchild ? TO_UNIT | (c0 + v) : pick_value(u, &r, j);
            uint32_t name = N.wprop[(v * 7 + (uint32_t)(f - G.funcs)) % COUNT(W_PROP)];
            if (val)
                uedge(u, ctx, ET_CONTEXT, name, val);
        }
        uedge(u, ctx, ET_INTERNAL, N.scope_info, f->scope_info);
        uedge(u, ctx, ET_INTERNAL, N.previous, G.script_ctx[f->script]);
        uedge(u, ctx, ET_INTERNAL, N.map, G.map_context);
        uedge(u, cell, ET_INTERNAL, N.map, G.map_fcell);
        if (chance(&r, 0.5)) { /* optimized: a feedback vector with weak slots */
            uint32_t fv = unode(u, NT_CODE, N.fvector, 80);
            uedge(u, cell, ET_INTERNAL, N.value, LOCAL(fv));
            uedge(u, fv, ET_INTERNAL, N.map, G.map_fvector);
            uedge(u, fv, ET_HIDDEN, 0, f->sfi);
            uint32_t nw = 1 + below(&r, 4);
            for (uint32_t w = 0; w < nw; w++)
                uedge(u, fv, ET_WEAK, num_name(w + 1), G.classes[skewed(&r, G.nclass, 2)].shape);
        }
        u->has_loc = true;
        u->loc_script = f->script;
        u->loc_line = f->line;
        u->loc_col = f->column;
        break;
    }
    case K_STRING: {
        /* a log line being built: a rope over pool strings and a slice */
        char buf[64];
        uint32_t depth = 1 + below(&r, 3);
        uint32_t top = unode(u, NT_CONS, N.cons, 32), cur = top;
        uint32_t own = unode(u, NT_STRING, uniq_name(j), str_self(uniq_text(j, buf, sizeof buf) + 40));
        u->has_uniq = true;
        uedge(u, own, ET_INTERNAL, N.map, G.map_str);
        for (uint32_t d = 0; d < depth; d++) {
            uint32_t nx = d + 1 < depth ? unode(u, NT_CONS, N.cons, 32) : 0;
            uedge(u, cur, ET_INTERNAL, N.first, nx ? LOCAL(nx) : LOCAL(own));
            if (chance(&r, 0.3)) {
                uint32_t sl = unode(u, NT_SLICED, N.sliced, 32);
                uedge(u, sl, ET_INTERNAL, N.parent, pick_pool(&r));
                uedge(u, sl, ET_INTERNAL, N.map, G.map_sliced);
                uedge(u, cur, ET_INTERNAL, N.second, LOCAL(sl));
            } else {
                uedge(u, cur, ET_INTERNAL, N.second, pick_pool(&r));
            }
            uedge(u, cur, ET_INTERNAL, N.map, G.map_cons);
            if (nx)
                cur = nx;
        }
        break;
    }
    case K_BUFFER: {
        uint32_t b = unode(u, NT_OBJECT, N.buffer_n, 72);
        uint32_t ab = unode(u, NT_OBJECT, N.arraybuffer, 80);
        uint32_t store = unode(u, NT_NATIVE, N.abdata,
                               pareto(&r, 1.1, 256, 16u << 20));
        uedge(u, b, ET_INTERNAL, N.buffer, LOCAL(ab));
        uedge(u, b, ET_PROPERTY, N.proto, G.proto_buffer);
        uedge(u, b, ET_INTERNAL, N.map, G.shape_buffer);
        uedge(u, ab, ET_INTERNAL, N.backing_store, LOCAL(store));
        uedge(u, ab, ET_PROPERTY, N.proto, G.proto_ab);
        uedge(u, ab, ET_INTERNAL, N.map, G.shape_ab);
        break;
    }
    }
    if (u->nn > UINT16_MAX)
        die("unit %u has %u nodes", j, u->nn);
}

/* Groups a unit's edges by source node (stable); u->sorted, u->deg. */
static void sort_unit_edges(ubuf *u)
{
    if (u->degcap < u->nn + 1) {
        u->degcap = u->nn + 1;
        u->deg = xrealloc(u->deg, u->degcap * sizeof *u->deg);
    }
    if (u->scap < u->ne) {
        u->scap = u->ecap;
        u->sorted = xrealloc(u->sorted, u->scap * sizeof *u->sorted);
    }
    memset(u->deg, 0, (u->nn + 1) * sizeof *u->deg);
    for (uint32_t i = 0; i < u->ne; i++)
        u->deg[u->e[i].from + 1]++;
    for (uint32_t i = 0; i < u->nn; i++)
        u->deg[i + 1] += u->deg[i];
    for (uint32_t i = 0; i < u->ne; i++)
        u->sorted[u->deg[u->e[i].from]++] = u->e[i];
    /* deg[k] is now the end of node k's edges */
}
static inline uint32_t unit_degree(const ubuf *u, uint32_t k)
{
    return u->deg[k] - (k ? u->deg[k - 1] : 0);
}

/* ---- the plan ------------------------------------------------------------------ */
static bool cluster_alive(const cluster_t *c, int step)
{
    if (c->birth > step)
        return false;
    return !(step > c->birth && c->death < G.deaths * (double)(step - c->birth));
}

static void plan_cluster(uint32_t i)
{
    rng r = rng_of(G.seed, 3, i);
    GROW(G.cl, G.ncl, G.clcap);
    cluster_t *c = &G.cl[G.ncl++];
    uint32_t b = below(&r, 100);
    c->start = G.nunits;
    c->size = pareto(&r, 1.15, 1, 3000);
    c->branch = (uint8_t)(b < 25 ? 1 : b < 50 ? 2 : 3 + below(&r, 6));
    c->container = (uint16_t)skewed(&r, G.ncont, 2);
    c->death = (float)u01(&r);
    c->birth = 0;
    for (uint32_t k = 0; k < c->size; k++) {
        if (G.nunits == G.ucap) {
            G.ucap = G.ucap ? G.ucap * 2 : 1u << 16;
            G.ucl = xrealloc(G.ucl, G.ucap * sizeof *G.ucl);
            G.unn = xrealloc(G.unn, G.ucap * sizeof *G.unn);
            G.ukey = xrealloc(G.ukey, ((size_t)G.ucap + 1) * sizeof *G.ukey);
            if (G.nunits == 0)
                G.ukey[0] = 0;
            G.une = xrealloc(G.une, G.ucap * sizeof *G.une);
        }
        G.ucl[G.nunits++] = i;
    }
}

/* Nodes and edges of unit j, built once to count them. */
/* Digits of ids and node offsets in the file, for the size estimate. */
static int est_id_digits, est_to_digits;

static void count_unit(uint32_t j, uint64_t *nodes, uint64_t *edges, uint64_t *bytes_est)
{
    ubuf *u = &G.ub;
    uint64_t b = 0;
    /* digits as they will be at this unit's place in the file */
    est_id_digits = digits(2 * *nodes + G.unit_id0);
    est_to_digits = digits(NODE_FIELDS * *nodes);
    build_unit(u, j);
    for (uint32_t k = 0; k < u->nn; k++)
        b += 12u + (u->n[k].type >= 10) + (unsigned)digits(u->n[k].self) + (unsigned)est_id_digits +
             (u->n[k].name >> 30 == 0 ? (unsigned)digits(u->n[k].name) : (unsigned)est_to_digits - 1);
    for (uint32_t e = 0; e < u->ne; e++) {
        uint32_t nm = u->e[e].name;
        uint64_t to = u->e[e].to;
        b += 5u + (unsigned)((to & TO_TAG) ? est_to_digits : digits(to * NODE_FIELDS)) +
             (u->e[e].type == ET_ELEMENT || u->e[e].type == ET_HIDDEN || nm >> 30 == 0
                  ? (unsigned)digits(nm & NAME_MASK)
                  : (unsigned)est_to_digits - 2);
    }
    *bytes_est += b + (u->has_uniq ? 26 : 0); /* and its own string */
    if (u->ne > UINT16_MAX)
        die("unit %u has %u edges", j, u->ne);
    G.unn[j] = (uint16_t)u->nn;
    G.ukey[j + 1] = G.ukey[j] + u->has_uniq;
    G.une[j] = (uint16_t)u->ne;
    *nodes += u->nn;
    *edges += u->ne;
}

/* Plans clusters of step 0 until the estimated file size is reached, then
 * the later steps' clusters. */
static void plan(void)
{
    uint64_t nodes = G.snn, edges = G.sne, est;
    uint32_t c0 = 0;
    /* the static part and its strings */
    est = (uint64_t)G.snn * (20u + (unsigned)digits(2ull * G.snn)) + G.sne * (12u + (unsigned)digits(7ull * G.snn)) + 400;
    for (uint32_t i = 0; i < G.str.n; i++)
        est += strlen(G.str.s[i]) + 4;
    for (uint32_t i = 0; i < G.npool; i++) {
        char buf[256];
        est += pool_text(i, buf, sizeof buf) + 4;
    }
    while (est < G.target_bytes) {
        plan_cluster(G.ncl);
        const cluster_t *c = &G.cl[G.ncl - 1];
        for (uint32_t k = 0; k < c->size; k++)
            count_unit(c->start + k, &nodes, &edges, &est);
        est += 2ull * (9u + (unsigned)est_to_digits) + 12; /* its container's edges and names */
        c0++;
    }
    /* later steps: growth per step */
    uint32_t per_step = (uint32_t)(c0 * G.growth + 0.5);
    for (int s = 1; s <= G.step; s++)
        for (uint32_t i = 0; i < per_step; i++) {
            plan_cluster(G.ncl);
            cluster_t *c = &G.cl[G.ncl - 1];
            c->birth = (uint8_t)s;
            for (uint32_t k = 0; k < c->size; k++)
                count_unit(c->start + k, &nodes, &edges, &est);
        }
    (void)nodes;
    (void)edges;
}

/* This step's layout: which units are present and where, the container
 * edges, the counts for the header. */
static uint32_t *cont_first, *cont_members; /* CSR: container -> alive cluster heads */

static void layout(void)
{
    uint64_t idx = G.static_nodes;
    G.ubase = xrealloc(NULL, (size_t)G.nunits * sizeof *G.ubase);
    G.nunits_step = 0;
    for (uint32_t i = 0; i < G.ncl; i++) {
        const cluster_t *c = &G.cl[i];
        bool alive = cluster_alive(c, G.step);
        if (c->birth <= G.step)
            G.nunits_step = c->start + c->size;
        for (uint32_t k = 0; k < c->size; k++) {
            uint32_t j = c->start + k;
            if (alive) {
                G.ubase[j] = (uint32_t)idx;
                idx += G.unn[j];
            } else {
                G.ubase[j] = UINT32_MAX;
            }
        }
    }
    if (idx > UINT32_MAX / NODE_FIELDS)
        die("%" PRIu64 " nodes: to_node would pass 2^32 (V8 writes 32-bit offsets too)", idx);
    /* containers: the alive clusters' heads, in allocation order */
    cont_first = calloc(G.ncont + 1, sizeof *cont_first);
    uint32_t alive_n = 0;
    for (uint32_t i = 0; i < G.ncl; i++)
        if (cluster_alive(&G.cl[i], G.step)) {
            cont_first[G.cl[i].container + 1]++;
            alive_n++;
        }
    for (uint32_t c = 0; c < G.ncont; c++)
        cont_first[c + 1] += cont_first[c];
    cont_members = xrealloc(NULL, (alive_n ? alive_n : 1) * sizeof *cont_members);
    uint32_t *pos = xrealloc(NULL, G.ncont * sizeof *pos);
    memcpy(pos, cont_first, G.ncont * sizeof *pos);
    for (uint32_t i = 0; i < G.ncl; i++)
        if (cluster_alive(&G.cl[i], G.step))
            cont_members[pos[G.cl[i].container]++] = G.cl[i].start;
    free(pos);
}

static void container_edges(void)
{
    for (uint32_t c = 0; c < G.ncont; c++) {
        uint32_t n = cont_first[c + 1] - cont_first[c], cap = 2;
        uint32_t node = G.cont_node[c], tab = G.cont_table[c];
        const uint32_t *m = cont_members + cont_first[c];
        while (cap < n)
            cap *= 2;
        switch (G.cont_kind[c]) {
        case 0:
        case 3:
            G.sn[tab].self = 16 + 8 * (3 + 3 * (uint64_t)cap + cap / 2);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t slot = 3 + cap / 2 + 3 * i;
                /* a Map's key is the record's key string; a Set holds the record */
                if (G.cont_kind[c] == 0) {
                    sedge(tab, ET_INTERNAL, num_name(slot), TO_UKEY | m[i]);
                    sedge(tab, ET_INTERNAL, num_name(slot + 1), TO_UNIT | m[i]);
                } else {
                    sedge(tab, ET_INTERNAL, num_name(slot), TO_UNIT | m[i]);
                }
            }
            sedge(tab, ET_INTERNAL, N.map, G.map_table);
            break;
        case 1:
            G.sn[tab].self = 16 + 8 * (uint64_t)(n + n / 4);
            for (uint32_t i = 0; i < n; i++)
                sedge(node, ET_ELEMENT, i, TO_UNIT | m[i]);
            sedge(node, ET_PROPERTY, N.proto, G.proto_array);
            sedge(node, ET_INTERNAL, N.elements, tab);
            sedge(node, ET_INTERNAL, N.map, G.shape_array);
            break;
        default:
            G.sn[tab].self = 16 + 8 * 3 * (uint64_t)cap;
            for (uint32_t i = 0; i < n; i++)
                sedge(node, ET_PROPERTY, uniq_name(m[i]), TO_UNIT | m[i]);
            sedge(node, ET_PROPERTY, N.proto, G.proto_object);
            sedge(node, ET_INTERNAL, N.properties, tab);
            sedge(node, ET_INTERNAL, N.map, G.shape_object);
            sedge(tab, ET_INTERNAL, N.map, G.map_fixed);
            break;
        }
    }
    /* (Stack roots) and (Handle scope): a few recent units, as a running
     * program holds what it is working on */
    uint32_t stack = G.cat_stack, handles = G.cat_handles;
    rng r = rng_of(G.seed, 4, (uint64_t)G.step);
    for (uint32_t i = 0; i < 64 && G.nunits_step; i++) {
        uint32_t j = G.nunits_step - 1 - below(&r, G.nunits_step < 100000 ? G.nunits_step : 100000);
        sedge(i % 2 ? stack : handles, ET_INTERNAL, num_name(i + 3), TO_UNIT | j);
    }
}

/* Groups the static edges by source. */
static void sort_static(void)
{
    bedge *sorted = xrealloc(NULL, (size_t)(G.sne ? G.sne : 1) * sizeof *sorted);
    G.sfirst = calloc((size_t)G.snn + 1, sizeof *G.sfirst);
    for (uint64_t i = 0; i < G.sne; i++)
        G.sfirst[G.se[i].from + 1]++;
    for (uint32_t i = 0; i < G.snn; i++)
        G.sfirst[i + 1] += G.sfirst[i];
    uint32_t *pos = xrealloc(NULL, ((size_t)G.snn + 1) * sizeof *pos);
    memcpy(pos, G.sfirst, ((size_t)G.snn + 1) * sizeof *pos);
    for (uint64_t i = 0; i < G.sne; i++)
        sorted[pos[G.se[i].from]++] = G.se[i];
    free(pos);
    free(G.se);
    G.se = sorted;
}

/* The node index an edge target stands for in this step. */
static inline uint32_t resolve_to(uint64_t to, uint32_t unit_base)
{
    switch (to & TO_TAG) {
    case 0: return (uint32_t)to;
    case TO_UNIT: {
        uint32_t b = G.ubase[(uint32_t)to];
        return b == UINT32_MAX ? G.undef : b;
    }
    case TO_UKEY: {
        uint32_t b = G.ubase[(uint32_t)to];
        return b == UINT32_MAX ? G.undef : b + 1;
    }
    default: return unit_base + (uint32_t)to;
    }
}

/* ---- writing --------------------------------------------------------------------- */
static out_t O;
static bool first_row;

static inline void node_row(const bnode *n, uint64_t id, uint32_t degree)
{
    char *p;
    out_room(&O, 100);
    p = O.buf + O.len;
    if (!first_row) {
        *p++ = '\n';
        *p++ = ',';
    }
    first_row = false;
    p += utoa(p, n->type);
    *p++ = ',';
    p += utoa(p, resolve_name(n->name));
    *p++ = ',';
    p += utoa(p, id);
    *p++ = ',';
    p += utoa(p, n->self);
    *p++ = ',';
    p += utoa(p, degree);
    memcpy(p, ",0,0", 4);
    p += 4;
    O.len = (size_t)(p - O.buf);
    G.type_count[n->type]++;
}
static inline void edge_row(const bedge *e, uint32_t to)
{
    char *p;
    out_room(&O, 64);
    p = O.buf + O.len;
    if (!first_row) {
        *p++ = '\n';
        *p++ = ',';
    }
    first_row = false;
    p += utoa(p, e->type);
    *p++ = ',';
    p += utoa(p, e->type == ET_ELEMENT || e->type == ET_HIDDEN ? e->name : resolve_name(e->name));
    *p++ = ',';
    p += utoa(p, (uint64_t)to * NODE_FIELDS);
    O.len = (size_t)(p - O.buf);
    G.etype_count[e->type]++;
}
static void json_string(const char *s, size_t len)
{
    out_room(&O, len * 6 + 4);
    char *p = O.buf + O.len;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (c < 0x20) {
            p += sprintf(p, "\\u%04x", c);
        } else if (c >= 0x80) {
            /* UTF-8 to \uXXXX (surrogate pairs), as V8 writes non-ASCII */
            uint32_t cp;
            int more;
            if (c >= 0xF0) cp = c & 7, more = 3;
            else if (c >= 0xE0) cp = c & 15, more = 2;
            else cp = c & 31, more = 1;
            for (int k = 0; k < more && i + 1 < len; k++)
                cp = cp << 6 | ((unsigned char)s[++i] & 63);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                p += sprintf(p, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            } else {
                p += sprintf(p, "\\u%04x", cp);
            }
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    O.len = (size_t)(p - O.buf);
}

static void write_header(void)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf,
        "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
        "\"trace_node_id\",\"detachedness\"],\"node_types\":[[");
    for (int i = 0; i < NT_COUNT; i++)
        n += snprintf(buf + n, sizeof buf - n, "%s\"%s\"", i ? "," : "", node_type_names[i]);
    n += snprintf(buf + n, sizeof buf - n,
        "],\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\","
        "\"name_or_index\",\"to_node\"],\"edge_types\":[[");
    for (int i = 0; i < ET_COUNT; i++)
        n += snprintf(buf + n, sizeof buf - n, "%s\"%s\"", i ? "," : "", edge_type_names[i]);
    n += snprintf(buf + n, sizeof buf - n,
        "],\"string_or_number\",\"node\"],\"trace_function_info_fields\":[\"function_id\",\"name\","
        "\"script_name\",\"script_id\",\"line\",\"column\"],\"trace_node_fields\":[\"id\","
        "\"function_info_index\",\"count\",\"size\",\"children\"],\"sample_fields\":[\"timestamp_us\","
        "\"last_assigned_id\"],\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},"
        "\"node_count\":%" PRIu64 ",\"edge_count\":%" PRIu64 ",\"trace_function_count\":0},\n\"nodes\":[",
        G.node_count, G.edge_count);
    out_mem(&O, buf, (size_t)n);
}

static void add_loc(uint32_t node, uint32_t script, uint32_t line, uint32_t col)
{
    if (G.nloc == G.loccap) {
        G.loccap = G.loccap ? G.loccap * 2 : 4096;
        G.loc = xrealloc(G.loc, G.loccap * sizeof *G.loc);
    }
    G.loc[G.nloc][0] = node;
    G.loc[G.nloc][1] = script + 1;
    G.loc[G.nloc][2] = line;
    G.loc[G.nloc][3] = col;
    G.nloc++;
}

/* Pass 1: counts (nodes, edges) of this step, exact. */
static void count_step(void)
{
    G.node_count = G.snn;
    G.edge_count = G.sne;
    for (uint32_t j = 0; j < G.nunits_step; j++)
        if (G.ubase[j] != UINT32_MAX) {
            G.node_count += G.unn[j];
            G.edge_count += G.une[j];
        }
}

static void write_nodes(void)
{
    uint64_t id = G.unit_id0;
    first_row = true;
    for (uint32_t i = 0; i < G.snn; i++) {
        node_row(&G.sn[i], 2 * (uint64_t)i + 1, G.sfirst[i + 1] - G.sfirst[i]);
    }
    /* the runtime's declared functions have locations too */
    for (uint32_t f = 0; f < G.nfunc; f++)
        add_loc(G.funcs[f].closure, G.funcs[f].script, G.funcs[f].line, G.funcs[f].column);
    for (uint32_t j = 0; j < G.nunits_step; j++) {
        if (G.ubase[j] == UINT32_MAX) {
            id += 2ull * G.unn[j];
            continue;
        }
        ubuf *u = &G.ub;
        build_unit(u, j);
        sort_unit_edges(u);
        for (uint32_t k = 0; k < u->nn; k++)
            node_row(&u->n[k], id + 2ull * k, unit_degree(u, k));
        if (u->has_loc)
            add_loc(G.ubase[j], u->loc_script, u->loc_line, u->loc_col);
        id += 2ull * u->nn;
    }
}

static void write_edges(void)
{
    first_row = true;
    for (uint32_t i = 0; i < G.snn; i++)
        for (uint32_t e = G.sfirst[i]; e < G.sfirst[i + 1]; e++)
            edge_row(&G.se[e], resolve_to(G.se[e].to, 0));
    for (uint32_t j = 0; j < G.nunits_step; j++) {
        uint32_t base = G.ubase[j];
        if (base == UINT32_MAX)
            continue;
        ubuf *u = &G.ub;
        build_unit(u, j);
        sort_unit_edges(u);
        for (uint32_t e = 0; e < u->ne; e++)
            edge_row(&u->sorted[e], resolve_to(u->sorted[e].to, base));
    }
}

static int loc_order(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void write_tail(void)
{
    char buf[256];
    out_str(&O, "\n],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[");
    qsort(G.loc, G.nloc, sizeof *G.loc, loc_order);
    for (uint64_t i = 0; i < G.nloc; i++) {
        int n = snprintf(buf, sizeof buf, "%s%" PRIu64 ",%u,%u,%u", i ? "\n," : "",
                         (uint64_t)G.loc[i][0] * NODE_FIELDS, G.loc[i][1], G.loc[i][2], G.loc[i][3]);
        out_mem(&O, buf, (size_t)n);
    }
    out_str(&O, "],\n\"strings\":[");
    for (uint32_t i = 0; i < G.str.n; i++) {
        if (i)
            out_str(&O, ",\n");
        json_string(G.str.s[i], strlen(G.str.s[i]));
    }
    for (uint32_t k = 0; k < G.numstr; k++) {
        int n = snprintf(buf, sizeof buf, ",\n\"%u\"", k);
        out_mem(&O, buf, (size_t)n);
    }
    for (uint32_t i = 0; i < G.npool; i++) {
        size_t len = pool_text(i, buf, sizeof buf);
        out_str(&O, ",\n");
        json_string(buf, len);
    }
    for (uint32_t j = 0; j < G.nunits_step; j++) {
        if (G.ukey[j + 1] == G.ukey[j])
            continue; /* no own string */
        size_t len = uniq_text(j, buf, sizeof buf);
        out_str(&O, ",\n");
        json_string(buf, len);
    }
    out_str(&O, "]}\n");
}

/* ---- main --------------------------------------------------------------------------- */
static uint64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        die("bad size '%s'", s);
    /* as coreutils reads sizes: 8G is 8 GiB, 8GB 8 * 10^9 bytes */
    double unit = 1;
    int power = 0;
    switch (*end) {
    case 'k': case 'K': power = 1; break;
    case 'm': case 'M': power = 2; break;
    case 'g': case 'G': power = 3; break;
    case '\0': break;
    default: die("bad size '%s' (bytes, or with K, M, G: KiB..., KB, MB, GB: 1000...)", s);
    }
    if (power) {
        end++;
        bool decimal = *end == 'B' || *end == 'b';
        end += decimal;
        for (int i = 0; i < power; i++)
            unit *= decimal ? 1000 : 1024;
    }
    if (*end)
        die("bad size '%s'", s);
    return (uint64_t)(v * unit);
}

static void usage(void)
{
    fputs("usage: gen_snapshot --size SIZE [--seed N] [--step T] [--growth PCT] [--deaths PCT]\n"
          "                    [--stats] -o OUT.heapsnapshot\n"
          "  --size     the file's approximate size (within 2 %): bytes, or 300M, 8G (MiB,\n"
          "             GiB, as coreutils reads them), 8GB (10^9 bytes)\n"
          "  --seed     what the heap is made of (default 1); same seed, same file\n"
          "  --step     the process T steps later (default 0): --growth PCT more object\n"
          "             clusters per step (default 10), --deaths PCT of the older ones\n"
          "             freed per step (default 2); other objects keep their ids\n"
          "  --stats    print the node and edge type mix to stderr\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double t0 = now();
    G.seed = 1;
    G.growth = 0.10;
    G.deaths = 0.02;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--size") && i + 1 < argc) G.target_bytes = parse_size(argv[++i]);
        else if (!strcmp(a, "--seed") && i + 1 < argc) G.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--step") && i + 1 < argc) G.step = atoi(argv[++i]);
        else if (!strcmp(a, "--growth") && i + 1 < argc) G.growth = atof(argv[++i]) / 100;
        else if (!strcmp(a, "--deaths") && i + 1 < argc) G.deaths = atof(argv[++i]) / 100;
        else if (!strcmp(a, "--stats")) G.stats = true;
        else if (!strcmp(a, "-o") && i + 1 < argc) G.out_path = argv[++i];
        else usage();
    }
    if (!G.target_bytes || !G.out_path || G.step < 0 || G.step > 200)
        usage();

    /* Sizes of the runtime, from the target (the file has about 105 bytes
     * per node; the runtime scales more slowly than the program's data). */
    double nodes_est = (double)G.target_bytes / 135.0;
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
    G.nfunc = (uint32_t)CLAMP(nodes_est / 400, 300, 150000);
    G.nclass = (uint32_t)CLAMP(nodes_est / 20000, 40, 2000);
    G.npool = (uint32_t)CLAMP(nodes_est / 80, 2000, 1000000);
    G.nscript = (uint32_t)CLAMP(G.nfunc / 40, 8, 3000);
    G.ncont = (uint32_t)CLAMP(nodes_est / 400000, 8, 400);
    G.nbuiltin = 300;

    fixed_init(&G.str);
    fixed_add(&G.str, "<dummy>");
    N.empty = fixed_add(&G.str, "");
    N.map = fixed_add(&G.str, "map");
    N.proto = fixed_add(&G.str, "__proto__");
    N.elements = fixed_add(&G.str, "elements");
    N.properties = fixed_add(&G.str, "properties");
    N.table = fixed_add(&G.str, "table");
    N.context = fixed_add(&G.str, "context");
    N.shared = fixed_add(&G.str, "shared");
    N.feedback_cell = fixed_add(&G.str, "feedback_cell");
    N.code = fixed_add(&G.str, "code");
    N.scope_info = fixed_add(&G.str, "scope_info");
    N.previous = fixed_add(&G.str, "previous");
    N.first = fixed_add(&G.str, "first");
    N.second = fixed_add(&G.str, "second");
    N.parent = fixed_add(&G.str, "parent");
    N.buffer = fixed_add(&G.str, "buffer");
    N.backing_store = fixed_add(&G.str, "backing_store");
    N.value = fixed_add(&G.str, "value");
    N.constructor = fixed_add(&G.str, "constructor");
    N.prototype = fixed_add(&G.str, "prototype");
    N.descriptors = fixed_add(&G.str, "descriptors");
    N.back_pointer = fixed_add(&G.str, "back_pointer");
    N.dependent_code = fixed_add(&G.str, "dependent_code");
    N.name_or_scope_info = fixed_add(&G.str, "name_or_scope_info");
    N.script = fixed_add(&G.str, "script");
    N.function_data = fixed_add(&G.str, "function_data");
    N.source = fixed_add(&G.str, "source");
    N.name = fixed_add(&G.str, "name");
    N.extension = fixed_add(&G.str, "extension");
    N.children = fixed_add(&G.str, "children");
    N.hnumber = fixed_add(&G.str, "heap number");
    N.cons = fixed_add(&G.str, "(concatenated string)");
    N.sliced = fixed_add(&G.str, "(sliced string)");
    N.obj_elements = fixed_add(&G.str, "(object elements)");
    N.obj_properties = fixed_add(&G.str, "(object properties)");
    N.arr = fixed_add(&G.str, "Array");
    N.date = fixed_add(&G.str, "Date");
    N.object = fixed_add(&G.str, "Object");
    N.mapn = fixed_add(&G.str, "Map");
    N.setn = fixed_add(&G.str, "Set");
    N.buffer_n = fixed_add(&G.str, "Buffer");
    N.arraybuffer = fixed_add(&G.str, "ArrayBuffer");
    N.next = fixed_add(&G.str, "next");
    N.child = fixed_add(&G.str, "child");
    N.left = fixed_add(&G.str, "left");
    N.right = fixed_add(&G.str, "right");
    N.ctx = fixed_add(&G.str, "system / Context");
    N.fcell = fixed_add(&G.str, "system / FeedbackCell");
    N.fvector = fixed_add(&G.str, "system / FeedbackVector");
    N.proparray = fixed_add(&G.str, "system / PropertyArray");
    N.abdata = fixed_add(&G.str, "system / JSArrayBufferData");
    for (size_t i = 0; i < COUNT(W_PROP); i++)
        N.wprop[i] = fixed_add(&G.str, W_PROP[i]);
    for (size_t i = 0; i < COUNT(W_EVENT); i++)
        N.wevent[i] = fixed_add(&G.str, W_EVENT[i]);
    build_runtime();
    /* The fixed strings are all known now (units only use names made
     * above); the numbers, the pool and the unique strings follow them. */
    G.str.frozen = true;
    G.numbase = G.str.n;
    G.static_nodes = G.snn;
    G.unit_id0 = 2ull * G.snn + 1 + 100000;

    double t1 = now();
    plan();
    layout();
    container_edges();
    sort_static();
    count_step();
    G.poolbase = G.numbase + G.numstr;
    G.uniqbase = G.poolbase + G.npool;
    double t2 = now();
    fprintf(stderr, "gen_snapshot: plan: %u clusters, %u units (%u in step %d), %" PRIu64
                    " nodes, %" PRIu64 " edges (%.1f s)\n",
            G.ncl, G.nunits, G.nunits_step, G.step, G.node_count, G.edge_count, t2 - t1);
    if (G.node_count > UINT32_MAX / NODE_FIELDS)
        die("too many nodes");

    char *tmp = malloc(strlen(G.out_path) + 16);
    sprintf(tmp, "%s.tmp", G.out_path);
    O.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (O.fd < 0)
        die("%s: %s", tmp, strerror(errno));
    O.cap = 16u << 20;
    O.buf = xrealloc(NULL, O.cap);
    write_header();
    write_nodes();
    double t3 = now();
    out_str(&O, "\n],\n\"edges\":[");
    write_edges();
    double t4 = now();
    write_tail();
    out_flush(&O);
    if (close(O.fd) < 0)
        die("close: %s", strerror(errno));
    if (rename(tmp, G.out_path) < 0)
        die("rename %s: %s", tmp, strerror(errno));
    double t5 = now();
    fprintf(stderr,
            "gen_snapshot: %s: %" PRIu64 " bytes, %" PRIu64 " nodes, %" PRIu64 " edges, %" PRIu64
            " locations, %u strings; %.1f s (plan %.1f, nodes %.1f, edges %.1f, strings %.1f)\n",
            G.out_path, O.total, G.node_count, G.edge_count, G.nloc,
            G.uniqbase + G.ukey[G.nunits_step], t5 - t0, t2 - t0, t3 - t2, t4 - t3, t5 - t4);
    if (G.stats) {
        uint64_t tn = 0, te = 0;
        for (int i = 0; i < NT_COUNT; i++) tn += G.type_count[i];
        for (int i = 0; i < ET_COUNT; i++) te += G.etype_count[i];
        fprintf(stderr, "node types:");
        for (int i = 0; i < NT_COUNT; i++)
            if (G.type_count[i])
                fprintf(stderr, " %s %.1f%%", node_type_names[i], 100.0 * G.type_count[i] / tn);
        fprintf(stderr, "\nedge types:");
        for (int i = 0; i < ET_COUNT; i++)
            if (G.etype_count[i])
                fprintf(stderr, " %s %.1f%%", edge_type_names[i], 100.0 * G.etype_count[i] / te);
        fprintf(stderr, "\nedges per node %.2f, bytes per node %.1f\n", (double)te / tn,
                (double)O.total / tn);
    }
    free(tmp);
    return 0;
}
