/*
 * import.h: the importer table.  Each input format is one importer: a probe
 * that recognises the format from the first bytes (never the file name) and
 * a run function that builds a graph through the builder API only.
 */
#ifndef MS_IMPORT_H
#define MS_IMPORT_H

#include "../snapshot/graph.h"
#include "reader.h"

/* Progress reporting shared by importers: calls the user's callback at most
 * every few MB of input; a non-zero return cancels (MS_ECANCEL). */
typedef struct ms__progress {
    ms_progress_fn fn;
    void *payload;
    uint64_t next_report; /* input offset of the next report */
    unsigned threads;     /* threads the importer may use (ms_open_options) */
} ms__progress;

/* Calls the user's callback with the phase and the reader's progress when
 * the input has advanced enough since the last report (p may be NULL).
 * Errors: MS_ECANCEL when the callback asks to stop. */
int ms__progress_report(ms__progress *p, ms__reader *r, const char *phase, ms_error *err);
/* The same, with the reader's offset and progress fraction given (for a
 * reader another thread is using; r only names the input). */
int ms__progress_report_at(ms__progress *p, const ms__reader *r, uint64_t off, double fraction,
                           const char *phase, ms_error *err);

typedef struct ms__importer {
    ms_format format;
    const char *name;
    /* Confidence 0..100 that `head` (the first `len` bytes, decompressed)
     * starts a file of this format. */
    int (*probe)(const uint8_t *head, size_t len);
    /* Reads the whole input and hands a finished graph to *out. */
    int (*run)(ms__reader *r, ms__progress *progress, ms__graph **out, ms_error *err);
} ms__importer;

extern const ms__importer ms__importer_heapsnapshot;
extern const ms__importer ms__importer_boehm;
extern const ms__importer ms__importer_mlyze;
extern const ms__importer ms__importer_msnap; /* msnap.h */

/* Reads the input with the importer for `format`, or the best probe match
 * for the reader's first bytes when format is MS_FORMAT_AUTO (*detected
 * gets the format used); *out gets the graph, owned by the caller
 * (ms__graph_free).  Errors: MS_EFORMAT (no importer recognises the input;
 * the message says what the file starts with), and the importer's. */
int ms__import(ms__reader *r, ms_format format, ms__progress *progress, ms__graph **out,
               ms_format *detected, ms_error *err);

#endif /* MS_IMPORT_H */
