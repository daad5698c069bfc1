/*
 * uints_pipe.c: parsing a JSON integer array on a second thread (see
 * uints_pipe.h).  A single producer and a single consumer share a ring of
 * MS_PIPE_SLOTS batches under one mutex; each side waits on one condition
 * variable for room or for data.
 */
#include "uints_pipe.h"

#include <stdlib.h>
#include <string.h>

static void *parse(void *arg)
{
    ms__uints_pipe *p = arg;
    for (;;) {
        ms__uints_batch *b;
        ms_error err = MS_ERROR_INIT;
        int rc;
        pthread_mutex_lock(&p->lock);
        while (p->made - p->used == MS_PIPE_SLOTS && !p->cancel)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->cancel) {
            p->done = true;
            pthread_cond_broadcast(&p->cond);
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        b = &p->slot[p->made % MS_PIPE_SLOTS];
        pthread_mutex_unlock(&p->lock);

        /* The slot is this thread's until published.  A part that fails
         * ends the batch: the parts before it are published, then the
         * failure. */
        rc = MS_OK;
        b->n = 0;
        b->parts = 0;
        while (b->parts < MS_PIPE_PARTS && !p->a->closed) {
            size_t got;
            uint64_t at = ms__reader_offset(p->r);
            rc = ms__json_uints_next(p->r, p->a, b->v + b->n, p->max, &got, p->what, &err);
            if (rc < 0)
                break;
            b->at[b->parts++] = at;
            b->n += got;
            b->after = ms__reader_offset(p->r);
        }
        pthread_mutex_lock(&p->lock);
        if (b->parts > 0) {
            b->count = p->a->count;
            b->progress = ms__reader_progress(p->r);
            b->closed = p->a->closed;
            p->made++;
        }
        if (rc < 0) {
            p->rc = rc;
            p->err = err;
        }
        p->done = rc < 0 || p->a->closed;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (p->done)
            return NULL;
    }
}

int ms__uints_pipe_start(ms__uints_pipe *p, ms__reader *r, ms__json_uints *a, size_t max,
                         const char *what, ms_error *err)
{
    int rc = MS_OK;
    memset(p, 0, sizeof *p);
    p->r = r;
    p->a = a;
    p->what = what;
    p->max = max;
    for (unsigned i = 0; i < MS_PIPE_SLOTS; i++)
        MS_TRY(ms__alloc_array(&p->slot[i].v, max * MS_PIPE_PARTS, 8, "parse buffers", err));
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        rc = MS_ERROR;
        goto done;
    }
    if (pthread_cond_init(&p->cond, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        rc = MS_ERROR;
        goto done;
    }
    if (pthread_create(&p->tid, NULL, parse, p) != 0) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        rc = MS_ERROR;
        goto done;
    }
    return MS_OK;
done:
    for (unsigned i = 0; i < MS_PIPE_SLOTS; i++)
        free(p->slot[i].v);
    memset(p, 0, sizeof *p);
    return rc;
}

int ms__uints_pipe_next(ms__uints_pipe *p, const ms__uints_batch **out, ms_error *err)
{
    int rc = MS_OK;
    pthread_mutex_lock(&p->lock);
    while (p->made == p->used && !p->done)
        pthread_cond_wait(&p->cond, &p->lock);
    if (p->made == p->used) {
        /* Stopped with nothing left: it failed (a closed array ends with
         * a batch, and the caller does not ask past it). */
        if (p->rc < 0) {
            rc = p->rc;
            if (err && err->code == MS_OK)
                *err = p->err;
        } else {
            rc = ms__fail(err, MS_ERROR, UINT64_MAX, "%s: the %s parser stopped early", p->r->name,
                          p->what);
        }
    } else {
        *out = &p->slot[p->used % MS_PIPE_SLOTS];
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void ms__uints_pipe_release(ms__uints_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->used++;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void ms__uints_pipe_end(ms__uints_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->cancel = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->tid, NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    for (unsigned i = 0; i < MS_PIPE_SLOTS; i++)
        free(p->slot[i].v);
    memset(p, 0, sizeof *p);
}
