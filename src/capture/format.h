/*
 * format.h: constants of memsnap's Boehm GC capture format, shared by the
 * writer (src/capture/encode.c) and the importer (src/import/boehm.c).
 * docs/formats/boehm.md is the specification; change both together and bump
 * MS_GCCAP_VERSION for anything an old reader would misread.
 *
 * Layout of the (zstd-decompressed) content:
 *
 *   magic    8 bytes  "MSBOEHM\0"
 *   version  u32 LE   1
 *   sections          each: u8 id, varint byte length, payload
 *                     INFO, MODULES, THREADS, SITES, OBJECTS, WORDS, ROOTS,
 *                     in this order; ids >= 32 are skipped by readers that do
 *                     not know them (PROCESS, 32, follows INFO); END (id 0,
 *                     length 0) closes the file.
 *
 * Integers are unsigned LEB128 varints (at most 10 bytes, at most 64 bits);
 * strings are a varint length and that many bytes (not NUL-terminated).
 */
#ifndef MS_GCCAP_FORMAT_H
#define MS_GCCAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MS_GCCAP_MAGIC "MSBOEHM\0"
#define MS_GCCAP_MAGIC_LEN 8
#define MS_GCCAP_VERSION 1u

enum {
    MS_GCCAP_END = 0,
    MS_GCCAP_INFO = 1,
    MS_GCCAP_MODULES = 2,
    MS_GCCAP_THREADS = 3,
    MS_GCCAP_SITES = 4,
    MS_GCCAP_OBJECTS = 5,
    MS_GCCAP_WORDS = 6,
    MS_GCCAP_ROOTS = 7,
    MS_GCCAP_FIRST_OPTIONAL = 32, /* sections from here on may be skipped */
    MS_GCCAP_PROCESS = 32         /* when the process started: start ticks, boot id */
};

/* PROCESS: the boot id's length (a UUID: 36 characters). */
#define MS_GCCAP_BOOT_ID_MAX 64

/* INFO flags. */
enum {
    MS_GCCAP_INFO_INTERIOR = 1,    /* GC_get_all_interior_pointers() was 1 */
    MS_GCCAP_INFO_PUSH_HOOK = 2,   /* roots are the ranges the collector pushed */
    MS_GCCAP_INFO_THREADS_APPROX = 4, /* other threads' stacks scanned whole */
    MS_GCCAP_INFO_DEBUG_SEEN = 8   /* some object had a GC_debug_malloc header */
};

/* MODULES flags. */
enum {
    MS_GCCAP_MOD_MAIN = 1,    /* the executable */
    MS_GCCAP_MOD_LIBGC = 2,   /* the collector itself */
    MS_GCCAP_MOD_SELF = 4,    /* memsnap's capture library */
    MS_GCCAP_MOD_VDSO = 8
};

/* THREADS flags. */
enum {
    MS_GCCAP_THR_CAPTURING = 1, /* called ms_capture_write */
    MS_GCCAP_THR_MAIN = 2,      /* the process's first thread */
    MS_GCCAP_THR_SUSPENDED = 4  /* the collector reported it suspended */
};

/* SITES entry types. */
enum {
    MS_GCCAP_SITE_PC = 1,     /* module index, module-relative return address */
    MS_GCCAP_SITE_DESC = 2,   /* file, line, type name, function (MS_GC_MALLOC macros) */
    MS_GCCAP_SITE_DEBUG = 3,  /* file, line from a GC_debug_malloc header */
    MS_GCCAP_SITE_STACK = 4,  /* frame count, then module index + relative pc per frame */
    MS_GCCAP_SITE_ABS = 5     /* return address in no known module (absolute) */
};

/* OBJECTS flags (one byte per object). */
enum {
    MS_GCCAP_OBJ_DEBUG = 1,      /* starts with a GC_debug_malloc header (user data at +32) */
    MS_GCCAP_OBJ_THREAD_REP = 2, /* holds a suspended thread's id: maybe the collector's
                                    per-thread record (GC_Thread_Rep) */
    MS_GCCAP_OBJ_FREE_SHAPE = 4  /* no site, every word but the first zero (for a
                                    pointer-free kind, the first 0 or a heap address):
                                    the shape of a free-list entry (a link, then cleared) */
};

/* Object kinds as libgc 8.2 numbers them (gc_priv.h). */
enum {
    MS_GCCAP_KIND_PTRFREE = 0,
    MS_GCCAP_KIND_NORMAL = 1,
    MS_GCCAP_KIND_UNCOLLECTABLE = 2,
    MS_GCCAP_KIND_AUNCOLLECTABLE = 3
};

/* ROOTS range kinds. */
enum {
    MS_GCCAP_ROOT_DATA = 1,       /* writable data of module `owner` */
    MS_GCCAP_ROOT_STACK = 2,      /* stack of thread `owner` */
    MS_GCCAP_ROOT_REGISTERS = 3,  /* callee-saved registers of thread `owner` */
    MS_GCCAP_ROOT_REGISTERED = 4, /* a GC_add_roots range */
    MS_GCCAP_ROOT_LIBGC = 5,      /* the collector's own data (module `owner`) */
    MS_GCCAP_ROOT_OTHER = 6,      /* a range the collector pushed that is none of the above */
    MS_GCCAP_ROOT_KIND_MAX = 6
};

/* ROOTS range flags. */
enum {
    MS_GCCAP_RANGE_APPROX = 1 /* whole stack mapping scanned (no exact bounds) */
};

/* Registers, in the order the x86-64 capture stores them. */
#define MS_GCCAP_REGISTER_NAMES { "rbx", "rbp", "r12", "r13", "r14", "r15" }
#define MS_GCCAP_REGISTER_COUNT 6

/* Object candidate words are written as (slot offset, value) pairs.  The
 * slot offset is in words; MS_GCCAP_OFFSET_UNKNOWN marks offsets at or
 * beyond it (objects over 1 MiB), where the capture keeps no exact offset. */
#define MS_GCCAP_OFFSET_BITS 17
#define MS_GCCAP_OFFSET_UNKNOWN ((1u << MS_GCCAP_OFFSET_BITS) - 1u)

/* Values are stored relative to the address of the object holding them:
 * d = value - address; granule-aligned d (the usual case) as
 * zigzag(d / 16) << 1, others as zigzag(d) << 1 | 1. */
static inline uint64_t ms__gccap_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Inverse of ms__gccap_zigzag. */
static inline int64_t ms__gccap_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* The code of a word `value` held by the object at `base`, as above. */
static inline uint64_t ms__gccap_encode_value(uint64_t value, uint64_t base)
{
    int64_t d = (int64_t)(value - base);
    if ((d & 15) == 0)
        return ms__gccap_zigzag(d / 16) << 1;
    return ms__gccap_zigzag(d) << 1 | 1;
}

/* Inverse of ms__gccap_encode_value; false when the code does not fit. */
static inline int ms__gccap_decode_value(uint64_t code, uint64_t base, uint64_t *value)
{
    int64_t d;
    if (code & 1) {
        d = ms__gccap_unzigzag(code >> 1);
    } else {
        int64_t q = ms__gccap_unzigzag(code >> 1);
        if (q > INT64_MAX / 16 || q < INT64_MIN / 16)
            return 0;
        d = q * 16;
    }
    *value = base + (uint64_t)d;
    return 1;
}

/* Bytes of the varint encoding of v. */
static inline size_t ms__gccap_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v at p (room for 10 bytes); returns the bytes written. */
static inline size_t ms__gccap_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

#endif /* MS_GCCAP_FORMAT_H */
