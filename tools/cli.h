/*
 * cli.h: what the memsnap commands share: exit codes, error printing, the
 * progress line, opening a snapshot, JSON and number formatting, and atomic
 * output files.  The CLI uses only the public memsnap.h.
 */
#ifndef MEMSNAP_CLI_H
#define MEMSNAP_CLI_H

#include "memsnap.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/cli.md). */
enum {
    CLI_OK = 0,
    CLI_BUDGET = 1,    /* a CI budget was exceeded */
    CLI_USAGE = 2,     /* bad command line */
    CLI_BAD_INPUT = 3, /* an input could not be read or is not a valid snapshot */
    CLI_FAILED = 4     /* memsnap could not finish: out of memory, output not writable */
};

/* Prints "memsnap: <message>" and returns the exit code for err->code. */
int cli_fail(const ms_error *err);
/* Prints "memsnap: out of memory" and returns CLI_FAILED. */
int cli_out_of_memory(void);
/* Prints "memsnap: <formatted>" and returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A progress line's state (cli_open_options). */
typedef struct cli_progress {
    double start, last;
    bool shown;
} cli_progress;

/* The options memsnap opens inputs with: MEMSNAP_THREADS threads (default
 * 2 on a machine with two or more processors), and a progress line on
 * stderr ("memsnap: FILE: phase NN%") when it is a terminal and loading
 * takes over a second, its state in *p (which must outlive the loading). */
void cli_open_options(ms_open_options *o, cli_progress *p);
/* Clears the progress line, if one was shown. */
void cli_progress_end(cli_progress *p);

/* Opens a snapshot with cli_open_options (ms_snapshot_open: *out owned by
 * the caller, errors in *err).  *seconds (may be NULL) gets the load time.
 * Returns ms_snapshot_open's status. */
int cli_open(const char *path, ms_snapshot **out, double *seconds, ms_error *err);

/* Seconds on the monotonic clock, for measuring phases. */
double cli_now(void);

/* --timings: one JSON line on stderr with the load time, the wall time of
 * the analyses, each analysis' own time (ms_snapshot_seconds; they overlap
 * when run on two threads) and one more named phase. */
void cli_print_timings(ms_snapshot *snap, double load, double analyses, const char *last,
                       double last_seconds);

/* "12,345" into buf. */
const char *cli_count(uint64_t v, char buf[32]);
/* "1.5 MiB" into buf (bytes below 1 KiB as "512 B"). */
const char *cli_size(uint64_t v, char buf[32]);
/* cli_size of a signed number of bytes: "-1.5 MiB", "512 B". */
const char *cli_size_i64(int64_t v, char buf[32]);
/* A change of a count with its sign: "+1,234" / "-1,234" / "0", into buf. */
const char *cli_scount(int64_t v, char buf[32]);
/* A change of a size with its sign: "+1.5 MiB" / "-512 B" / "0 B", into buf. */
const char *cli_ssize(int64_t v, char buf[32]);
/* A Markdown table cell: backquoted, pipes escaped, no newlines, at most 80
 * bytes of s. */
void cli_md_text(FILE *f, const char *s);

/* A JSON string from possibly invalid UTF-8 (invalid bytes become U+FFFD):
 * a new item, owned by the caller (or the object it is added to); NULL when
 * out of memory. */
cJSON *cli_json_string(const char *s, size_t len);
/* Writes the document to `path` atomically (temporary file + rename), or to
 * stdout when path is NULL or "-"; ends with a newline.  CLI exit code. */
int cli_write_json(const cJSON *doc, const char *path);
/* The same text as cli_write_json, for a document whose member `key` is an
 * array too large to hold as a cJSON tree (thousands of retention paths):
 * doc holds `key` as a placeholder; next(ctx) makes the next element, or
 * NULL after the last (setting *failed when out of memory), and each is
 * freed once printed.  CLI exit code; no output file on failure. */
int cli_write_json_streamed(const cJSON *doc, const char *key,
                            cJSON *(*next)(void *ctx, bool *failed), void *ctx, const char *path);

/* The same text again, for a document whose member `key` is an array
 * written by items(f, ctx) itself (its elements and the commas between
 * them, not the brackets): for arrays of millions of small elements (every
 * node), which need no cJSON item each.  items returns false when it
 * failed (having printed why).  CLI exit code; no output file on failure. */
int cli_write_json_items(const cJSON *doc, const char *key, bool (*items)(FILE *f, void *ctx),
                         void *ctx, const char *path);
/* Writes the JSON string literal of s (len bytes) as cli_json_string makes
 * it (invalid UTF-8 and NUL bytes become U+FFFD), at most max characters
 * (0: all) followed by "..." when cut. */
void cli_json_put_string(FILE *f, const char *s, size_t len, size_t max);

/* The snapshot a command reads (one; NULL: none), whose ms_snapshot_status
 * cli_output_close checks before it calls an output complete: a native
 * file read on demand may fail its checks in a getter, which cannot say
 * so.  cli_unwatch forgets it (before it is freed). */
void cli_watch(ms_snapshot *snap);
void cli_unwatch(ms_snapshot *snap);

/* Output stream for text reports: stdout, or a temporary file renamed into
 * place by cli_output_close (removed on failure). */
typedef struct cli_output {
    FILE *f;
    char *path, *tmp;
} cli_output;

/* Opens *o on path (NULL or "-": stdout).  CLI_OK, or CLI_FAILED after
 * printing why the file cannot be created. */
int cli_output_open(cli_output *o, const char *path);
/* Closes *o, frees what it holds and renames the file into place when ok
 * (else removes it); returns the exit code (CLI_FAILED on write errors). */
int cli_output_close(cli_output *o, bool ok);

/* Writes s (len bytes) for a terminal or text file: control characters and
 * invalid UTF-8 are shown escaped, and at most `max` characters (0 = all)
 * are printed, with "..." when cut. */
void cli_print_name(FILE *f, const char *s, size_t len, size_t max);

/* A node's id as people read it: "@12345" (V8 ids, synthetic nodes) or
 * "0x7f3a5c000010" (object addresses of Boehm GC captures), into buf. */
const char *cli_node_id(const ms_snapshot *snap, ms_node n, char buf[32]);

/* Parses a non-negative integer option value; false when invalid. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Parses a size: "4096", "64K", "2M", "1.5G" (binary: K = 1024, also KB,
 * KiB ...), into *bytes; or a percentage "1%" / "0.5%" into *percent (then
 * *bytes is 0).  *percent is -1 for absolute sizes.  False when invalid. */
bool cli_parse_size(const char *s, uint64_t *bytes, double *percent);

#endif /* MEMSNAP_CLI_H */
