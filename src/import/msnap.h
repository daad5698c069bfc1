/*
 * msnap.h: memsnap's native graph file (.msnap), docs/formats/msnap.md.
 *
 * Two parts.  The container knows sections and nothing of graphs: a file is
 *
 *   header    16 bytes   magic "\x89MSNAP\r\n", version (u32), header size (u32)
 *   sections  ...        each an array of `count` elements of `elem` bytes,
 *                        cut into chunks of 2^shift elements, each chunk one
 *                        zstd frame (so any chunk decompresses alone: lazy
 *                        reads, and two threads for whole ones)
 *   directory ...        one 40-byte entry per section, then every section's
 *                        chunk sizes (u32 each)
 *   footer    40 bytes   directory offset and size, section count, a 64-bit
 *                        hash of every byte before it (XXH64 of 16 MiB
 *                        blocks' XXH64s: ms__msnap_hash), "MSNAPEND"
 *
 * and every offset, size and count in it is checked against the file's
 * size before anything is allocated from it (ms__msnap_open); a chunk is
 * checked again when it is decompressed (its exact size).  The second part
 * maps a graph (graph.h) to sections and back (ms__msnap_write_graph,
 * ms__msnap_read_graph) and checks every value it reads (indices in range,
 * offsets monotone, strings NUL-terminated), so a hostile file is refused
 * with "FILE: offset N: ..." and never read out of bounds.  What the
 * analyses store beside the graph is src/api/native.c's, in sections of its
 * own ids (MS__SEC_A_*).
 *
 * Memory: an open file holds its directory (40 bytes per section, 8 per
 * chunk) and, for a file, a descriptor; sections are read when asked for.
 */
#ifndef MS_MSNAP_H
#define MS_MSNAP_H

#include "../snapshot/graph.h"
#include "reader.h"

#define MS__MSNAP_VERSION 1u
#define MS__MSNAP_HEADER 16u
#define MS__MSNAP_ENTRY 40u
#define MS__MSNAP_FOOTER 40u
#define MS__MSNAP_SHIFT 14u      /* elements per chunk, as the writer cuts them: 2^14 */
#define MS__MSNAP_SHIFT_MIN 8u   /* what the reader accepts */
#define MS__MSNAP_SHIFT_MAX 16u
#define MS__MSNAP_CHUNK_MAX (1u << 17) /* bytes of one decompressed chunk, at most */
#define MS__MSNAP_FRAME_MIN 8u   /* bytes of one chunk in the file, at least (a zstd frame) */

extern const uint8_t ms__msnap_magic[8];

/* Section ids.  Ids below 0x8000 are required to be understood: a reader
 * that meets one it does not know refuses the file; ids from 0x8000 on may
 * be skipped.  Each id appears at most once. */
enum {
    MS__SEC_META = 1,      /* u8: the graph's counts and facts (msnap.c, "META") */
    MS__SEC_STR_BYTES,     /* u8[bytes]: every string, NUL-terminated, back to back */
    MS__SEC_STR_ENDS,      /* u64[strings]: end offset of each string (delta) */
    MS__SEC_NODE_TYPE,     /* u8[N] */
    MS__SEC_NODE_NAME,     /* u32[N] */
    MS__SEC_NODE_ID_LO,    /* u32[N] (delta) */
    MS__SEC_NODE_ID_HI,    /* u32[N], optional */
    MS__SEC_SELF_LO,       /* u32[N] */
    MS__SEC_SELF_HI,       /* u32[N], optional */
    MS__SEC_FIRST_EDGE,    /* u32[N+1] (delta) */
    MS__SEC_DETACHED,      /* u8[N], optional */
    MS__SEC_NODE_SITE,     /* u32[N], optional */
    MS__SEC_EDGE_WORD,     /* u32[E] */
    MS__SEC_EDGE_NAME,     /* u32[E] */
    MS__SEC_LOCATIONS,     /* u32[2L]: node, position (sorted by node) */
    MS__SEC_POSITIONS,     /* u32[3P]: script, line, column */
    MS__SEC_TRACE_SITES,   /* u64[6S], optional: the event trace (trace.h) */
    MS__SEC_TRACE_SAMPLES, /* u64[5P] */
    MS__SEC_TRACE_MARKS,   /* u64[6M] */
    MS__SEC_NODE_ORIGIN,   /* u8[N], optional: whose each object is, as the input told */
    MS__SEC_CLASS_ORIGINS, /* u32[2C]: (class name, origin), sorted by the names' text */
    MS__SEC_GRAPH_END,     /* (not a section: ids of the graph are below it) */

    /* The analyses (src/api/native.c). */
    MS__SEC_A_SHALLOW = 64, /* u64[N]: DevTools' shallow sizes (V8 only) */
    MS__SEC_A_DISTANCE,     /* u32[N]: distances (int32) */
    MS__SEC_A_IDOM,         /* u32[N]: immediate dominators */
    MS__SEC_A_RETAINED,     /* u64[N]: retained sizes (DevTools' sizes) */
    MS__SEC_A_CLASS_OF,     /* u32[N]: class of each node */
    MS__SEC_A_CLASSES,      /* u8: the class table */
    MS__SEC_A_PARENT,       /* u32[N]: the source of the last edge of each node's retention
                               path (UINT32_MAX: none) */
    MS__SEC_A_PARENT_RANK,  /* u32[N]: that edge's place among its source's edges */
    MS__SEC_A_SOURCES,      /* u8: script names, scopes (V8) */
    MS__SEC_A_TOP,          /* u32[K]: the nodes by retained size, largest first */
    MS__SEC_A_TOP_REACH,    /* u32[K]: how each of them is reached, named (ms_retention_edges) */
    MS__SEC_A_RETAINERS,    /* u32[2N]: per node, the edges into it and how many are weak */
    MS__SEC_A_OTHER_FIRST,  /* u32[N+1]: CSR offsets into OTHER_FROM (delta) */
    MS__SEC_A_OTHER_FROM,   /* u32[X]: why's other retainers (nodes), in its order */
    MS__SEC_A_END
};

/* Filters applied to a chunk before compression (and undone after). */
enum { MS__FILTER_NONE = 0, MS__FILTER_DELTA = 1 /* each element minus the one before it in
                                                     its chunk, modulo 2^(8 x elem) */ };

/* ---- Reading ---------------------------------------------------------------- */

typedef struct ms__msnap_section {
    uint32_t id;
    uint8_t elem;     /* bytes per element: 1, 4 or 8 */
    uint8_t filter;   /* MS__FILTER_* */
    uint8_t shift;    /* 2^shift elements per chunk */
    uint64_t count;   /* elements */
    uint64_t offset;  /* file offset of the first chunk */
    uint64_t bytes;   /* compressed bytes of all chunks */
    uint32_t chunks;
    uint64_t *chunk_off; /* [chunks + 1] file offsets of each chunk, then the end */
} ms__msnap_section;

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

/* What the META section says beside the graph's arrays. */
typedef struct ms__msnap_meta {
    ms_format source_format;  /* the format the graph was read from */
    uint64_t input_bytes;     /* the bytes of that input */
    uint64_t graph_bytes;     /* ms__graph_memory of the graph read from it */
    bool analyses;            /* analysis sections follow (DevTools' sizes) */
    unsigned optional;        /* which optional arrays the file holds: 1 node_id_hi,
                                 2 self_hi, 4 detachedness, 8 node_site, 16 node_origin */
} ms__msnap_meta;

/* An array read on demand (msnap.c). */
typedef struct lazy_array {
    const struct ms__msnap_section *s;
    void **owner;       /* where the array's pointer is kept (graph or snapshot) */
    uint8_t *map;       /* the reservation; NULL once completed */
    size_t map_bytes;
    uint64_t *loaded;   /* bit per chunk */
    unsigned kind;      /* LK_* */
    uint64_t limit;     /* LK_BELOW */
    unsigned field;     /* MS__T_* of a node array of the graph (lazy_node), 0 else */
    uint64_t left;      /* chunks not read yet */
    const struct ms__msnap_section *s2; /* LK_PARENT: the ranks */
    void **aux;         /* LK_PARENT: the distances' owner (checked once whole) */
} lazy_array;

#define MS__MSNAP_LAZY_MAX 24

typedef struct ms__msnap {
    ms__lazy lazy;         /* the graph's callbacks (graph.h) */
    ms__graph *g;          /* the graph read from it */
    lazy_array arrays[MS__MSNAP_LAZY_MAX];
    unsigned narrays, ngraph; /* arrays registered, the graph's first */
    unsigned threads;      /* for whole reads: 1 or 2 */
    bool failed;           /* a part read on demand failed: error holds why */
    ms_error error;
    char *name;            /* for messages (owned) */
    int fd;                /* a file (owned, duplicated from the reader's), or -1 */
    const uint8_t *mem;    /* a caller's memory (not owned), or NULL */
    uint64_t size;         /* bytes of the file */
    uint32_t version;
    uint32_t nsections;
    ms__msnap_section *sec;
    uint64_t *offsets;     /* every section's chunk_off, back to back */
    ZSTD_DCtx *dctx;
    uint8_t *cbuf;         /* a compressed chunk read from the file */
    size_t cbuf_cap;
    ms__msnap_meta meta;   /* read by ms__msnap_read_meta */
} ms__msnap;

/* Bytes per block of the file's hash. */
#define MS__MSNAP_HASH_BLOCK (16u << 20)

/* The 64-bit hash the footer holds of n bytes at p (every byte of a file
 * before the footer's last 16): XXH64 (seed 0) of each block of
 * MS__MSNAP_HASH_BLOCK bytes (the last one shorter), then XXH64 of those
 * hashes as little-endian u64s, so that two threads hash a file.
 * Returns 0 (and the caller's check fails) when memory runs out. */
uint64_t ms__msnap_hash(const void *p, size_t n);

/* Whether the first len bytes start a .msnap (its magic); 100 or 0, as
 * the importers' probes answer. */
int ms__msnap_probe(const uint8_t *head, size_t len);

/* Opens the .msnap that r reads (from its start, not compressed): checks
 * the header, the footer, the directory and, with verify, the hash of
 * every byte (on `threads` threads, 1 or 2); keeps a duplicate of the reader's descriptor (or the
 * reader's memory, which must then outlive *out) for the sections, read
 * later.  *out owned by the caller (ms__msnap_close).  Errors: MS_EFORMAT,
 * MS_ETRUNC (what is wrong, at its offset), MS_EIO, MS_ENOMEM. */
int ms__msnap_open(ms__msnap **out, ms__reader *r, bool verify, unsigned threads,
                   ms_error *err);
/* Closes the descriptor and frees the directory; accepts NULL. */
void ms__msnap_close(ms__msnap *f);

/* The section with id, or NULL when the file has none. */
const ms__msnap_section *ms__msnap_find(const ms__msnap *f, uint32_t id);

/* Checks that section id exists (unless optional: then *out may be NULL)
 * with elements of `elem` bytes and exactly `count` of them (UINT64_MAX:
 * any count).  Errors: MS_EFORMAT naming the section. */
int ms__msnap_expect(const ms__msnap *f, uint32_t id, unsigned elem, uint64_t count,
                     bool optional, const ms__msnap_section **out, ms_error *err);

/* Decompresses chunks [first, first + n) of s into dst, which holds
 * element first << s->shift on (the caller sizes it), undoing the filter.
 * Not thread-safe on one f (a shared buffer and context); see
 * ms__msnap_read_all for two threads.  Errors: MS_EFORMAT (a chunk that
 * does not decompress to its exact size), MS_EIO, MS_ENOMEM. */
int ms__msnap_read_chunks(ms__msnap *f, const ms__msnap_section *s, uint64_t first, uint64_t n,
                          void *dst, ms_error *err);
/* The whole section into dst (count x elem bytes), on `threads` threads
 * (1 or 2).  Errors: as ms__msnap_read_chunks. */
int ms__msnap_read_all(ms__msnap *f, const ms__msnap_section *s, void *dst, unsigned threads,
                       ms_error *err);
/* A whole section of bytes (elem 1) into a new malloc'd buffer, NUL after
 * it (*len bytes).  Errors: as above. */
int ms__msnap_read_blob(ms__msnap *f, const ms__msnap_section *s, uint8_t **out, size_t *len,
                        ms_error *err);

/* ---- Writing ------------------------------------------------------------------ */

/* Where the writer's bytes go: write(ctx, p, n) writes all n bytes or
 * returns a negative status (its message in err). */
typedef int (*ms__msnap_sink)(void *ctx, const void *p, size_t n, ms_error *err);

typedef struct ms__msnap_writer {
    ms__msnap_sink sink;
    void *ctx;
    int level;           /* zstd level */
    unsigned threads;    /* 1 or 2 */
    uint64_t off;        /* bytes written */
    uint64_t hash[11];   /* XXH64 state of the current block (msnap.c) */
    uint64_t block_fill; /* bytes in it */
    uint64_t *digests;   /* each finished block's XXH64 */
    size_t ndigests, digests_cap;
    ms__msnap_section *sec;
    uint32_t nsections, cap;
} ms__msnap_writer;

/* Starts a file: writes the header.  Errors: the sink's, MS_ENOMEM. */
int ms__msnap_writer_init(ms__msnap_writer *w, ms__msnap_sink sink, void *ctx, int level,
                          unsigned threads, ms_error *err);
/* Writes a section of count elements of elem bytes at data (chunks of
 * 2^MS__MSNAP_SHIFT elements, the filter applied to each).  Errors: the
 * sink's, MS_ENOMEM, MS_ERROR (zstd). */
int ms__msnap_put(ms__msnap_writer *w, uint32_t id, unsigned elem, unsigned filter,
                  uint64_t count, const void *data, ms_error *err);
/* Writes the directory and the footer.  Errors: the sink's, MS_ENOMEM. */
int ms__msnap_writer_finish(ms__msnap_writer *w, ms_error *err);
/* Frees what the writer holds (not the sink). */
void ms__msnap_writer_free(ms__msnap_writer *w);

/* ---- The graph ------------------------------------------------------------------ */

/* Writes g's sections (META with m, strings, nodes, edges, locations, the
 * trace).  Errors: as ms__msnap_put. */
int ms__msnap_write_graph(ms__msnap_writer *w, const ms__graph *g, const ms__msnap_meta *m,
                          ms_error *err);

/* Reads the META section: g gets its counts, root, type names, totals,
 * process and flags (its arrays stay NULL, strings empty), *m the rest.
 * Errors: MS_EFORMAT, MS_ENOMEM. */
int ms__msnap_read_meta(ms__msnap *f, ms__graph *g, ms__msnap_meta *m, ms_error *err);

/* Reads the strings into g (counts from META), checked: ends increasing,
 * each string NUL-terminated.  Errors: MS_EFORMAT, MS_ENOMEM. */
int ms__msnap_read_strings(ms__msnap *f, ms__graph *g, ms_error *err);

/* ---- Reading on demand (graph.h's ms__lazy) ------------------------------------------------- */

/* What an array's values may be, checked in each chunk as it is read. */
enum {
    LK_ANY = 0,
    LK_TYPE,        /* a node type the graph has */
    LK_STRING,      /* a string id */
    LK_SITE,        /* a string id or MS_SITE_NONE */
    LK_DETACHED,    /* 0, 1, 2 */
    LK_FIRST_EDGE,  /* offsets: increasing, 0 first, the limit (E) last and at most */
    LK_EDGE_WORD,   /* a node and a registered edge type */
    LK_EDGE_NAME,   /* a string id where the edge's type is not an index's */
    LK_DISTANCE,    /* >= 0 or MS_DISTANCE_UNREACHABLE */
    LK_NODE,        /* a node index */
    LK_EDGE_OR_NONE,/* an edge index or UINT32_MAX */
    LK_BELOW,       /* below the array's limit */
    LK_PARENT       /* a path's last edge: its source (or UINT32_MAX) here, its place among
                       the source's edges in a second section (ms__msnap_lazy_pair) */
};

/* Registers section id (elements of elem bytes, exactly count of them;
 * may be missing when optional: *owner NULL then) as an array read on
 * demand: *owner gets its reservation (count x elem bytes, unreadable
 * until touched) and is where the array is found again and replaced when
 * completed.  kind: LK_*, limit for LK_BELOW.  Errors: MS_EFORMAT,
 * MS_ENOMEM, MS_ERROR (more than MS__MSNAP_LAZY_MAX arrays). */
int ms__msnap_lazy_add(ms__msnap *f, uint32_t id, unsigned elem, uint64_t count, bool optional,
                       unsigned kind, uint64_t limit, void **owner, ms_error *err);

/* Gives the LK_PARENT array registered at owner its second section, id2
 * (the ranks: as many elements of 4 bytes, in chunks alike).  The edges
 * are made from both as chunks are read, with the graph's edge offsets;
 * when the array is completed, each hop is also checked to come one
 * nearer the root by the distances at *dist (int32 per node, registered
 * before it: so following paths ends at the root).  Errors: MS_EFORMAT. */
int ms__msnap_lazy_pair(ms__msnap *f, void **owner, uint32_t id2, void **dist, ms_error *err);

/* Makes elements [first, first + count) of the array whose reservation
 * starts at base readable (decompressed and checked, once); no-op for an
 * array not read on demand.  Failures are kept for ms__msnap_status (the
 * part reads as zeros). */
void ms__msnap_need(ms__msnap *f, const void *base, uint64_t first, uint64_t count);

/* Completes every array read on demand into memory of its own (malloc'd,
 * replacing each reservation through its owner pointer), on `threads`
 * threads, checks the whole graph (ms__graph_check, the self sizes' total)
 * and ends reading on demand (g->lazy NULL).  Errors: the first failure
 * met on demand, MS_EFORMAT, MS_EIO, MS_ENOMEM. */
int ms__msnap_finish(ms__msnap *f, unsigned threads, ms_error *err);

/* Releases the array whose reservation *owner is (*owner NULL after):
 * true, or false when owner is no array read on demand (the caller frees
 * it then). */
bool ms__msnap_drop(ms__msnap *f, void **owner);

/* Records that section s holds a value its use found wrong (what), as a
 * failure met on demand (ms__msnap_status). */
void ms__msnap_damaged(ms__msnap *f, const ms__msnap_section *s, const char *what);

/* MS_OK, or the first failure met reading on demand (copied to *err when
 * it holds none). */
int ms__msnap_status(const ms__msnap *f, ms_error *err);

/* Closes the file and releases the reservations still held (clearing
 * their owners' pointers); accepts NULL.  What the graph's native_free
 * does. */
void ms__msnap_release(ms__msnap *f);

#endif /* MS_MSNAP_H */
