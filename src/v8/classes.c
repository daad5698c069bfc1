/*
 * classes.c: DevTools' classes of V8 nodes (HeapSnapshot.ts
 * calculateObjectNames, inferInterfaceDefinitions /
 * applyInterfaceDefinitions, classKeyInternal):
 *   hidden -> "(system)"; code -> "(compiled code)"; closure -> "Function";
 *   regexp -> "RegExp"; object and native -> the node name, with DOM names
 *   "<div id=x>" cut to "<div>"; plain "Object"s -> the most common property
 *   sets "{a, b, c}" (interfaces.c); any other type t -> "(t)".
 *   Objects (type "object") with a source location are further split by it.
 * Two classes can share a key: DevTools keys classes internally by string
 * index, so e.g. regexp nodes ("RegExp") and the object RegExp.prototype
 * (named "RegExp") are different classes with the same key (their origins
 * differ: snapshot/classtab.h).
 */
#include "internal.h"

#include "../util/pool.h"

#include <string.h>

#define NONE UINT32_MAX

typedef struct namer {
    ms__classtab *b;
    const ms__graph *g;
    const ms__interfaces *ifaces;
    const uint32_t *iface;      /* per node: its interface, NONE */
    uint32_t *base_iface;       /* interface -> base */
    uint32_t base_type[MS_TYPE_LIMIT];
    ms__sbuf tmp;
} namer;

/* "<div id=a>" -> "<div>", "Detached <div id=a>" -> "Detached <div>":
 * the name up to the first space after the tag, closed. */
static int dom_base(namer *x, const char *name, size_t len, size_t from, uint32_t *out,
                    ms_error *err)
{
    const char *sp = memchr(name + from, ' ', len - from);
    if (!sp)
        return ms__classtab_added(x->b, name, len, out, err);
    x->tmp.len = 0;
    if (ms__sbuf_append(&x->tmp, name, (size_t)(sp - name), err) < 0 ||
        ms__sbuf_append(&x->tmp, ">", 1, err) < 0)
        return MS_ENOMEM;
    return ms__classtab_added(x->b, x->tmp.data, x->tmp.len, out, err);
}

/* The name of nodes of type t that are not objects. */
static int type_base(namer *x, unsigned t, uint32_t *out, ms_error *err)
{
    if (x->base_type[t] == NONE) {
        const char *fixed = t == MS_NT_HIDDEN    ? "(system)"
                            : t == MS_NT_CODE    ? "(compiled code)"
                            : t == MS_NT_CLOSURE ? "Function"
                            : t == MS_NT_REGEXP  ? "RegExp"
                                                 : NULL;
        if (fixed) {
            if (ms__classtab_added(x->b, fixed, strlen(fixed), &x->base_type[t], err) < 0)
                return MS_ENOMEM;
        } else {
            const char *tn = x->g->node_type_names[t];
            x->tmp.len = 0;
            if (ms__sbuf_append(&x->tmp, "(", 1, err) < 0 ||
                ms__sbuf_append(&x->tmp, tn, strlen(tn), err) < 0 ||
                ms__sbuf_append(&x->tmp, ")", 1, err) < 0 ||
                ms__classtab_added(x->b, x->tmp.data, x->tmp.len, &x->base_type[t], err) < 0)
                return MS_ENOMEM;
        }
    }
    *out = x->base_type[t];
    return MS_OK;
}

/* DevTools' getNodeClassIndex (calculateObjectNames) plus the interface
 * override of applyInterfaceDefinitions. */
static int node_base(namer *x, uint32_t n, uint32_t *out, ms_error *err)
{
    const ms__graph *g = x->g;
    unsigned t = g->node_type[n];
    const char *name;
    size_t len;

    if (t != MS_NT_OBJECT && t != MS_NT_NATIVE)
        return type_base(x, t, out, err);
    if (x->iface[n] != NONE) {
        uint32_t i = x->iface[n];
        if (x->base_iface[i] == NONE) {
            const char *in = x->ifaces->names.data + x->ifaces->name_off[i];
            if (ms__classtab_new_base(x->b, MS__ORIGIN_INTERFACE, in, strlen(in), &x->base_iface[i],
                                      err) < 0)
                return MS_ENOMEM;
        }
        *out = x->base_iface[i];
        return MS_OK;
    }
    name = ms__node_name(g, n, &len);
    if (len > 0 && name[0] == '<')
        return dom_base(x, name, len, 0, out, err);
    if (len >= 10 && memcmp(name, "Detached <", 10) == 0)
        return dom_base(x, name, len, 10, out, err);
    /* Renamed "Detached X" by the DOM state pass: a string DevTools added,
     * not V8's (even if V8 has the same text). */
    if (t == MS_NT_NATIVE && g->detachedness && g->detachedness[n] == 2)
        return ms__classtab_string(x->b, MS__ORIGIN_DETACHED, g->node_name[n], out, err);
    return ms__classtab_string(x->b, MS__ORIGIN_RAW, g->node_name[n], out, err);
}

static void free_defs(void *defs)
{
    ms__interfaces_free(defs);
    free(defs);
}

int ms__v8_classes(const ms__rules *r, const ms__graph *g, const void *defs, ms__pool *pool,
                   ms__classes **out, ms_error *err)
{
    const ms__v8_names *names = &((const ms__v8 *)r->impl)->names;
    const uint32_t N = g->node_count;
    ms__classtab b;
    ms__interfaces *ifaces = NULL;
    uint32_t *iface = NULL, cursor = 0;
    namer x;
    int rc = MS_OK;

    *out = NULL;
    memset(&x, 0, sizeof x);
    memset(x.base_type, 0xFF, sizeof x.base_type);
    MS_TRY(ms__classtab_init(&b, g, pool, err));
    MS_TRY(ms__pool_alloc(pool, &iface, N, 4, false, "interfaces", err));
    ifaces = calloc(1, sizeof *ifaces);
    if (!ifaces) {
        rc = ms__oom(err, "interfaces");
        goto done;
    }
    if (defs) {
        MS_TRY(ms__interfaces_copy(ifaces, defs, err));
    } else {
        MS_TRY(ms__v8_infer_interfaces(g, names, ifaces, err));
    }
    MS_TRY(ms__v8_apply_interfaces(g, names, ifaces, iface, err));
    MS_TRY(ms__alloc_array(&x.base_iface, ifaces->count + 1, 4, "classes", err));
    memset(x.base_iface, 0xFF, (size_t)ifaces->count * 4);
    x.b = &b;
    x.g = g;
    x.ifaces = ifaces;
    x.iface = iface;

    for (uint32_t n = 0; n < N; n++) {
        uint32_t base, pos;
        MS_TRY(node_base(&x, n, &base, err));
        pos = ms__node_position(g, n, &cursor);
        MS_TRY(ms__classtab_assign(&b, n, base, g->node_type[n] == MS_NT_OBJECT ? pos : NONE,
                                   err));
    }
    ms__classtab_finish(&b, ifaces, free_defs, out);
    ifaces = NULL;
done:
    if (rc < 0)
        ms__classtab_free(&b);
    if (ifaces)
        free_defs(ifaces);
    free(x.base_iface);
    ms__sbuf_free(&x.tmp);
    ms__pool_release(pool, iface, N, 4);
    return rc;
}

bool ms__v8_class_reads_edges(const ms__rules *r, const ms__graph *g, uint32_t n)
{
    const ms__v8_names *names = &((const ms__v8 *)r->impl)->names;
    return g->node_type[n] == MS_NT_OBJECT && g->node_name[n] == names->object;
}
