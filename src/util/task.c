/*
 * task.c: a computation on a second thread (see task.h).
 */
#include "task.h"

#include <string.h>

static void *run(void *arg)
{
    ms__task *t = arg;
    double t0 = ms__now();
    int rc = t->fn(t->arg, &t->err);
    pthread_mutex_lock(&t->lock);
    t->rc = rc;
    t->seconds = ms__now() - t0;
    t->done = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

bool ms__task_start(ms__task *t, int (*fn)(void *arg, ms_error *err), void *arg)
{
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    t->err = (ms_error)MS_ERROR_INIT;
    if (pthread_mutex_init(&t->lock, NULL) != 0)
        return false;
    if (pthread_cond_init(&t->cond, NULL) != 0) {
        pthread_mutex_destroy(&t->lock);
        return false;
    }
    t->started = pthread_create(&t->tid, NULL, run, t) == 0;
    if (!t->started) {
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->lock);
    }
    return t->started;
}

void ms__task_reach(ms__task *t, unsigned stage)
{
    pthread_mutex_lock(&t->lock);
    t->stage = stage;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

void ms__task_wait_for(ms__task *t, unsigned stage)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->lock);
    while (t->stage < stage && !t->done)
        pthread_cond_wait(&t->cond, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

void ms__task_wait(ms__task *t)
{
    if (!t->started)
        return;
    pthread_join(t->tid, NULL);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    t->started = false;
    t->finished = true;
}

int ms__task_join(ms__task *t, int rc, ms_error *err, double *seconds)
{
    ms__task_wait(t);
    if (!t->finished)
        return rc;
    t->finished = false;
    if (seconds)
        *seconds += t->seconds;
    if (t->rc < 0 && rc == MS_OK) {
        if (err)
            *err = t->err;
        rc = t->rc;
    }
    return rc;
}
