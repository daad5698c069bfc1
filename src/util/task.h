/*
 * task.h: one computation on a second thread, next to what the calling
 * thread does (the analyses' two-thread plans).  The task runs fn(arg,
 * err); its status, error and wall seconds are kept for the join.  A task
 * may announce milestones (ms__task_reach) that the caller waits for
 * (ms__task_wait_for): e.g. "the edge rules are made" before the caller
 * starts what reads them while the task goes on.
 *
 * Zero-initialised: not started.  The caller owns the struct; it must
 * stay in place until the task is joined.
 */
#ifndef MS_TASK_H
#define MS_TASK_H

#include "util.h"

#include <pthread.h>

typedef struct ms__task {
    int (*fn)(void *arg, ms_error *err);
    void *arg;
    pthread_t tid;
    bool started;   /* a thread runs (or ran) fn and is not joined yet */
    bool finished;  /* joined, not reported yet */
    int rc;
    ms_error err;
    double seconds; /* wall time of fn */
    pthread_mutex_t lock; /* guards stage and done */
    pthread_cond_t cond;
    unsigned stage; /* the last milestone reached */
    bool done;      /* fn returned */
} ms__task;

/* Starts fn(arg, &task's error) on a second thread.  False when no thread
 * could be started: then nothing runs, and the caller does the work itself
 * (a join reports nothing). */
bool ms__task_start(ms__task *t, int (*fn)(void *arg, ms_error *err), void *arg);

/* Called by the task's fn: milestone `stage` (1, 2, ...) is reached. */
void ms__task_reach(ms__task *t, unsigned stage);

/* Waits until the task reached milestone `stage` or ended, whichever is
 * first.  Returns at once for a task never started. */
void ms__task_wait_for(ms__task *t, unsigned stage);

/* Waits for the task to end, if it runs. */
void ms__task_wait(ms__task *t);

/* Waits for the task and reports it, once: returns rc, or the task's status
 * when rc is MS_OK (its error copied into *err); adds its wall seconds to
 * *seconds (may be NULL).  A task never started, or reported already,
 * returns rc unchanged. */
int ms__task_join(ms__task *t, int rc, ms_error *err, double *seconds);

#endif /* MS_TASK_H */
