/*
 * memsnap/common.h: what every area of the memsnap API shares: the
 * version, statuses and the error record, node indices, input formats,
 * the progress callback, and the export macro.  Included by each area's
 * header; include <memsnap.h> for all of them.
 *
 * Conventions (docs/conventions.md):
 *  - Every fallible call returns an ms_status (MS_OK = 0, negative =
 *    failure) and fills the caller-owned ms_error, which may be NULL.
 *    Messages are one line and name the input file and the byte offset when
 *    there is one.
 *  - `ms_x **out` parameters give the caller ownership; free with
 *    ms_x_free(), which accepts NULL.  Pointers returned directly are
 *    borrowed and live as long as the object they came from.
 *  - Lists are read with ms_X_count(obj) and ms_X_get(obj, i), where X
 *    names the list (ms_summary_row_count / ms_summary_row_get).
 *  - Sizes are bytes; times are seconds unless a field's name says
 *    microseconds (_us); nodes are 32-bit indices into a snapshot's node
 *    arrays (0 .. node count - 1).
 *  - An ms_snapshot caches the analyses computed on it, so one snapshot
 *    must not be used from two threads at once; different snapshots may.
 *  - The library never prints and never exits.
 */
#ifndef MEMSNAP_COMMON_H
#define MEMSNAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMSNAP_VERSION_MAJOR 0
#define MEMSNAP_VERSION_MINOR 1
#define MEMSNAP_VERSION_PATCH 0
#define MEMSNAP_VERSION "0.1.0"

/* Marks the library's public functions, the only symbols a shared
 * libmemsnap exports (it is built with hidden visibility). */
#if defined(_WIN32) && defined(MEMSNAP_BUILDING_SHARED)
#define MS_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define MS_EXPORT __attribute__((visibility("default")))
#else
#define MS_EXPORT
#endif

/* The library's version, "MAJOR.MINOR.PATCH": for a program linked to a
 * shared libmemsnap, the one it runs with (MEMSNAP_VERSION is the one it
 * was compiled with).  Static string. */
MS_EXPORT const char *ms_version(void);

/* ------------------------------------------------------------------------ */
/* Status and errors                                                         */
/* ------------------------------------------------------------------------ */

/* Values never change once released; the CLI maps them to exit codes. */
typedef enum ms_status {
    MS_OK = 0,
    MS_ERROR = -1,     /* anything else; see ms_error.message */
    MS_ENOMEM = -2,    /* an allocation failed */
    MS_EIO = -3,       /* open/read/write failed; errno text in the message */
    MS_EFORMAT = -4,   /* input is not the format it claims, or is corrupt */
    MS_ETRUNC = -5,    /* input ends early */
    MS_ELIMIT = -6,    /* a count or size exceeds what the input or memsnap can hold */
    MS_ENOTFOUND = -7, /* a node id or class is not in the snapshot */
    MS_EINVAL = -8,    /* the caller passed a bad argument */
    MS_ECANCEL = -9    /* the progress callback asked to stop */
} ms_status;

#define MS_ERROR_MESSAGE_MAX 512

/* Caller-owned error record.  `offset` is the byte offset in the input the
 * message refers to, or UINT64_MAX when there is none.  The first failure
 * recorded is kept (a record holding an error is not overwritten). */
typedef struct ms_error {
    ms_status code;
    uint64_t offset;
    char message[MS_ERROR_MESSAGE_MAX];
} ms_error;

#define MS_ERROR_INIT { MS_OK, UINT64_MAX, { 0 } }

/* Static name of a status, e.g. "MS_EFORMAT"; "MS_UNKNOWN" for values not
 * in the enum.  Never NULL. */
MS_EXPORT const char *ms_status_name(ms_status status);

/* ------------------------------------------------------------------------ */
/* Snapshots, nodes, formats                                                 */
/* ------------------------------------------------------------------------ */

/* An imported heap: the object graph and the analyses computed on it
 * (memsnap/snapshot.h). */
typedef struct ms_snapshot ms_snapshot;

/* A node index, 0 .. ms_snapshot_node_count() - 1. */
typedef uint32_t ms_node;
#define MS_NODE_NONE UINT32_MAX

typedef enum ms_format {
    MS_FORMAT_AUTO = 0,         /* detect from the content, never the file name */
    MS_FORMAT_HEAPSNAPSHOT = 1, /* V8 .heapsnapshot (JSON) */
    MS_FORMAT_MLYZE = 2,        /* Memlyze .mlyze trace (Python), and memsnap's graph extension */
    MS_FORMAT_BOEHM = 3,        /* memsnap's Boehm GC capture (C/C++) */
    MS_FORMAT_MSNAP = 4         /* memsnap's native graph file (.msnap, `memsnap convert`):
                                   read as the format it was converted from, which
                                   ms_snapshot_format() then answers */
} ms_format;

/* Static name of a format: "heapsnapshot", "mlyze", "boehm", "msnap", "auto". */
MS_EXPORT const char *ms_format_name(ms_format format);

/* Progress callback, called every few MB of input: `input` is the name of
 * the input being read (its path or memory name), `phase` a static string
 * ("reading nodes", ...), `fraction` in [0, 1] (0 when unknown).  Return
 * non-zero to cancel; the call in progress then fails with MS_ECANCEL. */
typedef int (*ms_progress_fn)(const char *input, const char *phase, double fraction,
                              void *payload);

/* Bytes as memsnap prints them into buf (NUL-terminated): "512 B" below
 * 1 KiB, else binary units with two decimals below 10, one below 100,
 * none beyond ("1.50 KiB", "42.1 MiB", "307 GiB").  Returns buf. */
MS_EXPORT const char *ms_size_text(uint64_t bytes, char buf[32]);

/* A count with thousands separators ("12,345") into buf; returns buf. */
MS_EXPORT const char *ms_count_text(uint64_t count, char buf[32]);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_COMMON_H */
