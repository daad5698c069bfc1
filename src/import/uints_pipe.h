/*
 * uints_pipe.h: a JSON array of integers parsed on a second thread.
 *
 * V8 snapshots are mostly two huge arrays of integers ("nodes", "edges").
 * Turning their text into numbers costs as much as building the graph from
 * the numbers, so with two threads one parses (ms__json_uints_next, with
 * the reader to itself) while the caller builds: batches go through a small
 * ring of buffers.  What the caller would read off the reader (offsets
 * for messages, progress) comes with each batch.
 */
#ifndef MS_UINTS_PIPE_H
#define MS_UINTS_PIPE_H

#include "json.h"
#include "reader.h"

#include <pthread.h>

#define MS_PIPE_SLOTS 4
/* A batch is up to MS_PIPE_PARTS parts of `max` values each, every part
 * with its own starting offset, so that messages name the same positions
 * as when the array is read on one thread, `max` values at a time. */
#define MS_PIPE_PARTS 8

typedef struct ms__uints_batch {
    uint64_t *v;      /* the values, n of them: part i starts at v + i * max */
    size_t n;
    unsigned parts;
    uint64_t at[MS_PIPE_PARTS]; /* reader offset before each part */
    uint64_t after;   /* reader offset after it */
    uint64_t count;   /* values in the array so far, this batch included */
    double progress;  /* ms__reader_progress after it */
    bool closed;      /* the batch ends the array */
} ms__uints_batch;

typedef struct ms__uints_pipe {
    ms__reader *r;
    ms__json_uints *a;
    const char *what;
    size_t max;
    ms__uints_batch slot[MS_PIPE_SLOTS];
    uint64_t made, used;  /* batches published / released by the caller */
    bool done;            /* the parsing thread has stopped */
    bool cancel;          /* the caller wants it to stop */
    int rc;               /* its failure, after its last batch */
    ms_error err;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t tid;
} ms__uints_pipe;

/* Starts parsing the array (after ms__json_uints_begin) on a new thread, in
 * batches of at most MS_PIPE_PARTS parts of `max` values.  The caller must
 * not use r or a until ms__uints_pipe_end.  Returns MS_OK, or a negative
 * code when no thread or buffer could be had (nothing was read: parse on
 * the calling thread; err may be NULL). */
int ms__uints_pipe_start(ms__uints_pipe *p, ms__reader *r, ms__json_uints *a, size_t max,
                         const char *what, ms_error *err);

/* Waits for the next batch; *out points into the pipe until
 * ms__uints_pipe_release.  Errors: the parser's (MS_EFORMAT, MS_ETRUNC,
 * MS_EIO ...), copied into err, once the batches before it are taken. */
int ms__uints_pipe_next(ms__uints_pipe *p, const ms__uints_batch **out, ms_error *err);

/* Hands the batch from ms__uints_pipe_next back. */
void ms__uints_pipe_release(ms__uints_pipe *p);

/* Stops the parser (at once when the array is not finished) and joins it;
 * frees the buffers.  After a closed batch, r is just past the array. */
void ms__uints_pipe_end(ms__uints_pipe *p);

#endif /* MS_UINTS_PIPE_H */
