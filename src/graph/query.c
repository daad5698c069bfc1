/*
 * query.c: questions about single nodes and rankings: the name DevTools shows
 * for a node, and the objects with the largest retained size.
 */
#include "classes.h"

#include "../snapshot/snapshot.h"
#include "../util/utf.h"

#include <string.h>

/* Stops a hostile snapshot whose concatenated strings refer to themselves. */
#define CONS_STEPS_MAX 100000

/* DevTools' consStringName: the parts of a concatenated string, left to
 * right, until the name reaches 1024 UTF-16 units. */
static int cons_name(const ms__graph *g, uint32_t n, uint32_t first_sid, uint32_t second_sid,
                     ms__sbuf *out, ms_error *err)
{
    uint32_t *stack = NULL;
    uint64_t sp = 0, cap = 64, steps = 0;
    size_t units = 0;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&stack, cap, 4, "string name", err));
    stack[sp++] = n;
    while (sp && units < 1024 && steps++ < CONS_STEPS_MAX) {
        uint32_t x = stack[--sp], a = 0, b = 0;
        bool has_a = false, has_b = false;
        if (g->node_type[x] != MS_NT_CONS_STRING) {
            size_t l;
            const char *s = ms__node_name(g, x, &l);
            MS_TRY(ms__sbuf_append(out, s, l, err));
            units += ms__utf16_length(s, l);
            continue;
        }
        for (uint64_t e = g->first_edge[x]; e < g->first_edge[x + 1] && !(has_a && has_b); e++) {
            if (ms__edge_type(g, e) != MS_ET_INTERNAL)
                continue;
            if (g->edge_name[e] == first_sid) {
                a = ms__edge_to(g, e);
                has_a = true;
            } else if (g->edge_name[e] == second_sid) {
                b = ms__edge_to(g, e);
                has_b = true;
            }
        }
        /* A missing part is node 0, as in DevTools (its name is ""). */
        if (sp + 2 > cap) {
            cap *= 2;
            MS_TRY(ms__realloc_array(&stack, cap, 4, "string name", err));
        }
        stack[sp++] = b;
        stack[sp++] = a;
    }
done:
    free(stack);
    return rc;
}

/* DevTools' plainObjectName: "{a, b, ..., y, z}", taking property names from
 * both ends in turn while the name stays within 100 UTF-16 units. */
static int plain_object_name(const ms__graph *g, uint32_t n, uint32_t proto, ms__sbuf *out,
                             ms_error *err)
{
    ms__sbuf start = {0}, end = {0}, f = {0};
    size_t start_units = 1, end_units = 1;
    uint64_t i = g->first_edge[n], j = g->first_edge[n + 1];
    bool from_end = false;
    int rc = MS_OK;
    MS_TRY(ms__sbuf_append(&start, "{", 1, err));
    MS_TRY(ms__sbuf_append(&end, "}", 1, err));
    while (i < j) {
        uint64_t e = from_end ? j - 1 : i;
        size_t fu;
        if (ms__edge_type(g, e) != MS_ET_PROPERTY || g->edge_name[e] == proto) {
            if (from_end)
                j--;
            else
                i++;
            continue;
        }
        {
            size_t len;
            const char *name = ms__strtab_get(&g->strings, g->edge_name[e], &len);
            f.len = 0;
            MS_TRY(ms__v8_format_property_name(name, len, &f, &fu, err));
        }
        if (start_units > 1 && start_units + end_units + fu > 100)
            break;
        if (from_end) {
            /* end = formatted + (", " if end had a name) + end */
            size_t add = f.len + (end_units > 1 ? 2 : 0);
            MS_TRY(ms__sbuf_reserve(&end, end.len + add + 1, err));
            memmove(end.data + add, end.data, end.len + 1);
            memcpy(end.data, f.data, f.len);
            if (end_units > 1)
                memcpy(end.data + f.len, ", ", 2);
            end.len += add;
            end_units += fu + (end_units > 1 ? 2 : 0);
            j--;
        } else {
            if (start_units > 1) {
                MS_TRY(ms__sbuf_append(&start, ", ", 2, err));
                start_units += 2;
            }
            MS_TRY(ms__sbuf_append(&start, f.data, f.len, err));
            start_units += fu;
            i++;
        }
        from_end = !from_end;
    }
    if (i < j)
        MS_TRY(ms__sbuf_append(&start, ", \xE2\x80\xA6", 5, err)); /* ", …" */
    if (end_units > 1)
        MS_TRY(ms__sbuf_append(&start, ", ", 2, err));
    MS_TRY(ms__sbuf_append(out, start.data, start.len, err));
    MS_TRY(ms__sbuf_append(out, end.data, end.len, err));
done:
    ms__sbuf_free(&start);
    ms__sbuf_free(&end);
    ms__sbuf_free(&f);
    return rc;
}

size_t ms_node_label(ms_snapshot *snap, ms_node n, char *buf, size_t cap)
{
    const ms__graph *g = snap->g;
    ms__sbuf out = {0};
    const char *s;
    size_t len;
    int rc = MS_OK;
    bool v8 = ms__snapshot_is_v8(snap);

    if (v8 && g->node_type[n] == MS_NT_CONS_STRING) {
        rc = cons_name(g, n, ms__snapshot_known_sid(snap, MS__KNOWN_FIRST),
                       ms__snapshot_known_sid(snap, MS__KNOWN_SECOND), &out, NULL);
        s = out.data;
        len = out.len;
    } else if (v8 && g->node_type[n] == MS_NT_OBJECT &&
               g->node_name[n] == ms__snapshot_known_sid(snap, MS__KNOWN_OBJECT)) {
        rc = plain_object_name(g, n, ms__snapshot_known_sid(snap, MS__KNOWN_PROTO), &out, NULL);
        s = out.data;
        len = out.len;
    } else {
        s = ms__node_name(g, n, &len);
    }
    if (rc < 0 || !s) {
        s = "";
        len = 0;
    }
    if (cap) {
        size_t k = len < cap - 1 ? len : cap - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    ms__sbuf_free(&out);
    return len;
}

/* Min-heap on (retained, -node) for the top k. */
static bool less(const uint64_t *ret, uint32_t a, uint32_t b)
{
    return ret[a] < ret[b] || (ret[a] == ret[b] && a > b);
}

static void sift_down(uint32_t *h, size_t n, size_t i, const uint64_t *ret)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && less(ret, h[l], h[m]))
            m = l;
        if (l + 1 < n && less(ret, h[l + 1], h[m]))
            m = l + 1;
        if (m == i)
            return;
        uint32_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int ms_top(ms_snapshot *snap, size_t k, int include_synthetic, ms_node *out, size_t *count,
           ms_error *err)
{
    const ms__graph *g = snap->g;
    const uint64_t *ret;
    size_t n = 0;
    int rc;
    *count = 0;
    if (k == 0)
        return MS_OK;
    if ((rc = ms_snapshot_compute(snap, MS_ANALYSIS_RETAINED, err)) < 0)
        return rc;
    ret = snap->retained;
    /* out[] is the heap: the smallest of the best k so far on top. */
    for (uint32_t v = 0; v < g->node_count; v++) {
        if (!include_synthetic && g->node_type[v] == MS_NT_SYNTHETIC)
            continue;
        if (n < k) {
            size_t i = n++;
            out[i] = v;
            while (i > 0 && less(ret, out[i], out[(i - 1) / 2])) {
                uint32_t t = out[i];
                out[i] = out[(i - 1) / 2];
                out[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
        } else if (less(ret, out[0], v)) {
            out[0] = v;
            sift_down(out, n, 0, ret);
        }
    }
    /* Heap sort: largest first. */
    for (size_t m = n; m > 1; m--) {
        uint32_t t = out[0];
        out[0] = out[m - 1];
        out[m - 1] = t;
        sift_down(out, m - 1, 0, ret);
    }
    *count = n;
    return MS_OK;
}
