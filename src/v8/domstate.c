/*
 * domstate.c: DevTools' DOM state propagation for V8 graphs (see v8.h).
 *
 * Reference: HeapSnapshot.ts propagateDOMState.  Embedder (Blink) nodes are
 * `native` nodes carrying detachedness 0 unknown / 1 attached / 2 detached.
 * Attached state spreads first, over edges that are not hidden, invisible or
 * weak, through native nodes only; detached state then spreads to native
 * nodes not already reached.  Detached nodes are renamed "Detached <name>",
 * which is how the Summary shows them.  Work lists are explicit stacks; each
 * node enters one of them at most once (it is marked visited first).
 */
#include "internal.h"

#include <string.h>

#define STATE_ATTACHED 1
#define STATE_DETACHED 2

typedef struct dom {
    ms__graph *g;
    uint8_t *visited;
    uint32_t *attached, *detached;
    uint64_t na, nd;
    uint32_t *renamed; /* old name id -> new name id + 1; 0 = not yet */
    uint32_t renamed_count;
    ms__sbuf buf; /* "Detached <name>" */
} dom;

static int rename_detached(dom *d, uint32_t n, ms_error *err)
{
    ms__graph *g = d->g;
    uint32_t old = g->node_name[n], id;
    size_t len;
    const char *name;
    if (old < d->renamed_count && d->renamed[old]) {
        g->node_name[n] = d->renamed[old] - 1;
        return MS_OK;
    }
    name = ms__node_name(g, n, &len);
    d->buf.len = 0;
    if (ms__sbuf_append(&d->buf, "Detached ", 9, err) < 0 ||
        ms__sbuf_append(&d->buf, name, len, err) < 0)
        return MS_ENOMEM;
    if (ms__strtab_intern(&g->strings, d->buf.data, d->buf.len, &id, NULL, err) < 0)
        return err ? err->code : MS_ENOMEM;
    if (old < d->renamed_count)
        d->renamed[old] = id + 1;
    g->node_name[n] = id;
    return MS_OK;
}

/* DevTools' processNode: the first state to reach a native node sticks. */
static int process(dom *d, uint32_t n, unsigned state, ms_error *err)
{
    ms__graph *g = d->g;
    if (d->visited[n])
        return MS_OK;
    d->visited[n] = 1;
    if (g->node_type[n] != MS_NT_NATIVE)
        return MS_OK;
    g->detachedness[n] = (uint8_t)state;
    if (state == STATE_ATTACHED) {
        d->attached[d->na++] = n;
    } else if (state == STATE_DETACHED) {
        d->detached[d->nd++] = n;
        return rename_detached(d, n, err);
    }
    return MS_OK;
}

static int spread(dom *d, uint32_t n, unsigned state, ms_error *err)
{
    ms__graph *g = d->g;
    for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
        unsigned t = ms__edge_type(g, e);
        if (t == MS_ET_HIDDEN || t == MS_ET_INVISIBLE || t == MS_ET_WEAK)
            continue;
        if (process(d, ms__edge_to(g, e), state, err) < 0)
            return err ? err->code : MS_ENOMEM;
    }
    return MS_OK;
}

int ms__v8_propagate_dom_state(ms__graph *g, ms_error *err)
{
    dom d;
    const uint32_t N = g->node_count;
    int rc = MS_OK;

    if (!g->detachedness || g->dom_state_done)
        return MS_OK;
    memset(&d, 0, sizeof d);
    d.g = g;
    d.renamed_count = g->strings.count;
    MS_TRY(ms__alloc_array_zero(&d.visited, N, 1, "DOM state", err));
    MS_TRY(ms__alloc_array(&d.attached, N, 4, "DOM state", err));
    MS_TRY(ms__alloc_array(&d.detached, N, 4, "DOM state", err));
    MS_TRY(ms__alloc_array_zero(&d.renamed, d.renamed_count, 4, "DOM state", err));
    MS_TRY(ms__strtab_build_index(&g->strings, err));

    for (uint32_t n = 0; n < N; n++)
        if (g->detachedness[n])
            MS_TRY(process(&d, n, g->detachedness[n], err));
    while (d.na)
        MS_TRY(spread(&d, d.attached[--d.na], STATE_ATTACHED, err));
    while (d.nd) {
        uint32_t n = d.detached[--d.nd];
        if (g->detachedness[n] == STATE_ATTACHED)
            continue;
        MS_TRY(spread(&d, n, STATE_DETACHED, err));
    }
    g->dom_state_done = true;
done:
    ms__strtab_drop_index(&g->strings);
    free(d.visited);
    free(d.attached);
    free(d.detached);
    free(d.renamed);
    ms__sbuf_free(&d.buf);
    return rc;
}
