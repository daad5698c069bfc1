/*
 * classes.c: the class of every node (see classes.h for the rules).
 *
 * Work is one pass over the nodes.  A node's class is found in two steps:
 * its base (where the name comes from and the name itself) and, for V8
 * objects with a source location, the location.  Bases are cached per
 * string id and per node type so the common case is two array reads.
 */
#include "classes.h"

#include "v8rules.h"

#include "../util/pool.h"

#include <stdio.h>
#include <string.h>

#define NONE UINT32_MAX

enum {
    ORIGIN_RAW = MS__ORIGIN_RAW,
    ORIGIN_ADDED = MS__ORIGIN_ADDED,
    ORIGIN_INTERFACE = MS__ORIGIN_INTERFACE,
    ORIGIN_DETACHED = MS__ORIGIN_DETACHED
};

typedef struct base {
    uint8_t origin;
    uint32_t id;          /* RAW: graph string id; ADDED: id in `added`; INTERFACE: index */
    uint32_t unlocated;   /* class without location, NONE until needed */
} base;

typedef struct located {
    uint32_t base, script, line, column, cls;
} located;

typedef struct ctx {
    const ms__graph *g;
    ms__classes *c;
    ms__strtab added;           /* names DevTools makes up: "(system)", "<div>" ... */
    ms__interfaces *ifaces;     /* x.c->ifaces */
    base *bases;
    uint32_t nbases, bases_cap;
    uint32_t *base_raw;         /* graph string id -> base */
    uint32_t *base_detached;    /* graph string id -> base, for renamed detached nodes */
    uint32_t *base_added;       /* added id -> base */
    uint32_t base_added_cap;
    uint32_t *base_iface;       /* interface -> base */
    uint32_t base_type[MS_TYPE_LIMIT];
    located *loc;               /* open addressing */
    uint64_t loc_mask, loc_count;
    uint64_t cls_cap;
    ms__sbuf tmp;
} ctx;

static int text_put(ms__classes *c, const char *s, size_t n, uint64_t *off, ms_error *err)
{
    if (c->text_len + n + 1 > c->text_cap) {
        uint64_t cap = c->text_cap ? c->text_cap * 2 : 4096;
        while (cap < c->text_len + n + 1)
            cap *= 2;
        if (ms__realloc_array(&c->text, cap, 1, "class names", err) < 0)
            return MS_ENOMEM;
        c->text_cap = cap;
    }
    memcpy(c->text + c->text_len, s, n);
    c->text[c->text_len + n] = 0;
    *off = c->text_len;
    c->text_len += n + 1;
    return MS_OK;
}

static const char *base_text(const ctx *x, const base *b, size_t *len)
{
    switch (b->origin) {
    case ORIGIN_RAW:
    case ORIGIN_DETACHED:
        return ms__strtab_get(&x->g->strings, b->id, len);
    case ORIGIN_ADDED:
        return ms__strtab_get(&x->added, b->id, len);
    default: {
        const char *s = x->ifaces->names.data + x->ifaces->name_off[b->id];
        *len = strlen(s);
        return s;
    }
    }
}

static int new_class(ctx *x, const base *b, const ms__position *loc, uint32_t first, uint32_t *out,
                     ms_error *err)
{
    ms__classes *c = x->c;
    size_t len;
    const char *name = base_text(x, b, &len);
    ms__class *k;
    char prefix[48];
    int pl;

    if (c->count >= UINT32_MAX - 1u)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "too many classes");
    if (c->count == x->cls_cap) {
        uint64_t cap = x->cls_cap ? x->cls_cap * 2 : 1024;
        if (ms__realloc_array(&c->cls, cap, sizeof *c->cls, "classes", err) < 0)
            return MS_ENOMEM;
        x->cls_cap = cap;
    }
    k = &c->cls[c->count];
    k->first = first;
    k->origin = b->origin;
    k->name_len = (uint32_t)len;
    if (text_put(c, name, len, &k->name_off, err) < 0)
        return MS_ENOMEM;
    /* DevTools' class keys: "script,line,column,Name" or ",Name". */
    if (loc)
        pl = snprintf(prefix, sizeof prefix, "%u,%u,%u,", loc->script_id, loc->line, loc->column);
    else
        pl = snprintf(prefix, sizeof prefix, ",");
    x->tmp.len = 0;
    if (ms__sbuf_append(&x->tmp, prefix, (size_t)pl, err) < 0 ||
        ms__sbuf_append(&x->tmp, c->text + k->name_off, len, err) < 0 ||
        text_put(c, x->tmp.data, x->tmp.len, &k->key_off, err) < 0)
        return MS_ENOMEM;
    k->key_len = (uint32_t)x->tmp.len;
    *out = c->count++;
    return MS_OK;
}

static int new_base(ctx *x, uint8_t origin, uint32_t id, uint32_t *out, ms_error *err)
{
    if (x->nbases == x->bases_cap) {
        uint32_t cap = x->bases_cap ? x->bases_cap * 2 : 256;
        if (ms__realloc_array(&x->bases, cap, sizeof *x->bases, "classes", err) < 0)
            return MS_ENOMEM;
        x->bases_cap = cap;
    }
    x->bases[x->nbases] = (base){origin, id, NONE};
    *out = x->nbases++;
    return MS_OK;
}

/* Base for a name DevTools makes up (getIndexForString). */
static int added_base(ctx *x, const char *s, size_t len, uint32_t *out, ms_error *err)
{
    uint32_t id;
    bool is_new;
    if (ms__strtab_intern(&x->added, s, len, &id, &is_new, err) < 0)
        return MS_ENOMEM;
    if (id >= x->base_added_cap) {
        uint32_t cap = x->base_added_cap ? x->base_added_cap * 2 : 64;
        if (ms__realloc_array(&x->base_added, cap, 4, "classes", err) < 0)
            return MS_ENOMEM;
        for (uint32_t i = x->base_added_cap; i < cap; i++)
            x->base_added[i] = NONE;
        x->base_added_cap = cap;
    }
    if (x->base_added[id] == NONE && new_base(x, ORIGIN_ADDED, id, &x->base_added[id], err) < 0)
        return MS_ENOMEM;
    *out = x->base_added[id];
    return MS_OK;
}

static int raw_base(ctx *x, uint32_t sid, uint32_t *out, ms_error *err)
{
    if (x->base_raw[sid] == NONE && new_base(x, ORIGIN_RAW, sid, &x->base_raw[sid], err) < 0)
        return MS_ENOMEM;
    *out = x->base_raw[sid];
    return MS_OK;
}

/* DevTools' getNodeClassIndex (calculateObjectNames) plus the interface
 * override of applyInterfaceDefinitions. */
static int v8_base(ctx *x, uint32_t n, const uint32_t *iface, uint32_t *out, ms_error *err)
{
    const ms__graph *g = x->g;
    unsigned t = g->node_type[n];
    const char *name;
    size_t len;

    switch (t) {
    case MS_NT_OBJECT:
    case MS_NT_NATIVE:
        if (iface[n] != NONE) {
            if (x->base_iface[iface[n]] == NONE &&
                new_base(x, ORIGIN_INTERFACE, iface[n], &x->base_iface[iface[n]], err) < 0)
                return MS_ENOMEM;
            *out = x->base_iface[iface[n]];
            return MS_OK;
        }
        name = ms__node_name(g, n, &len);
        if (len > 0 && name[0] == '<') {
            /* "<div id=a>" -> "<div>" */
            const char *sp = memchr(name, ' ', len);
            if (!sp)
                return added_base(x, name, len, out, err);
            x->tmp.len = 0;
            if (ms__sbuf_append(&x->tmp, name, (size_t)(sp - name), err) < 0 ||
                ms__sbuf_append(&x->tmp, ">", 1, err) < 0)
                return MS_ENOMEM;
            return added_base(x, x->tmp.data, x->tmp.len, out, err);
        }
        if (len >= 10 && memcmp(name, "Detached <", 10) == 0) {
            const char *sp = memchr(name + 10, ' ', len - 10);
            if (!sp)
                return added_base(x, name, len, out, err);
            x->tmp.len = 0;
            if (ms__sbuf_append(&x->tmp, name, (size_t)(sp - name), err) < 0 ||
                ms__sbuf_append(&x->tmp, ">", 1, err) < 0)
                return MS_ENOMEM;
            return added_base(x, x->tmp.data, x->tmp.len, out, err);
        }
        if (t == MS_NT_NATIVE && g->detachedness && g->detachedness[n] == 2) {
            /* Renamed "Detached X" by the DOM state pass: a string DevTools
             * added, not V8's (even if V8 has the same text). */
            uint32_t sid = g->node_name[n];
            if (x->base_detached[sid] == NONE &&
                new_base(x, ORIGIN_DETACHED, sid, &x->base_detached[sid], err) < 0)
                return MS_ENOMEM;
            *out = x->base_detached[sid];
            return MS_OK;
        }
        return raw_base(x, g->node_name[n], out, err);
    default:
        if (x->base_type[t] == NONE) {
            const char *fixed = t == MS_NT_HIDDEN    ? "(system)"
                                : t == MS_NT_CODE    ? "(compiled code)"
                                : t == MS_NT_CLOSURE ? "Function"
                                : t == MS_NT_REGEXP  ? "RegExp"
                                                     : NULL;
            if (fixed) {
                if (added_base(x, fixed, strlen(fixed), &x->base_type[t], err) < 0)
                    return MS_ENOMEM;
            } else {
                const char *tn = g->node_type_names[t];
                x->tmp.len = 0;
                if (ms__sbuf_append(&x->tmp, "(", 1, err) < 0 ||
                    ms__sbuf_append(&x->tmp, tn, strlen(tn), err) < 0 ||
                    ms__sbuf_append(&x->tmp, ")", 1, err) < 0)
                    return MS_ENOMEM;
                if (added_base(x, x->tmp.data, x->tmp.len, &x->base_type[t], err) < 0)
                    return MS_ENOMEM;
            }
        }
        *out = x->base_type[t];
        return MS_OK;
    }
}

static uint64_t loc_hash(uint32_t b, const ms__position *l)
{
    uint64_t h = (uint64_t)b * 0x9E3779B97F4A7C15ull ^ l->script_id;
    h = (h ^ ((uint64_t)l->line << 32 | l->column)) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

static int located_class(ctx *x, uint32_t b, const ms__position *l, uint32_t n, uint32_t *out,
                         ms_error *err)
{
    uint64_t i;
    if ((x->loc_count + 1) * 2 > x->loc_mask + 1) {
        uint64_t nmask = x->loc_mask ? (x->loc_mask + 1) * 2 - 1 : 1023;
        located *nt;
        if (ms__alloc_array(&nt, nmask + 1, sizeof *nt, "classes", err) < 0)
            return MS_ENOMEM;
        for (uint64_t j = 0; j <= nmask; j++)
            nt[j].cls = NONE;
        for (uint64_t j = 0; x->loc && j <= x->loc_mask; j++) {
            if (x->loc[j].cls == NONE)
                continue;
            ms__position ll = {x->loc[j].script, x->loc[j].line, x->loc[j].column};
            for (i = loc_hash(x->loc[j].base, &ll) & nmask; nt[i].cls != NONE; i = (i + 1) & nmask)
                ;
            nt[i] = x->loc[j];
        }
        free(x->loc);
        x->loc = nt;
        x->loc_mask = nmask;
    }
    for (i = loc_hash(b, l) & x->loc_mask; x->loc[i].cls != NONE; i = (i + 1) & x->loc_mask) {
        located *e = &x->loc[i];
        if (e->base == b && e->script == l->script_id && e->line == l->line && e->column == l->column) {
            *out = e->cls;
            return MS_OK;
        }
    }
    if (new_class(x, &x->bases[b], l, n, out, err) < 0)
        return err ? err->code : MS_ENOMEM;
    x->loc[i] = (located){b, l->script_id, l->line, l->column, *out};
    x->loc_count++;
    return MS_OK;
}

void ms__classes_free(ms__classes *c)
{
    if (!c)
        return;
    free(c->of);
    free(c->cls);
    free(c->text);
    if (c->ifaces)
        ms__interfaces_free(c->ifaces);
    free(c->ifaces);
    free(c);
}

int ms__classes_compute(const ms__graph *g, bool v8, ms__pool *pool, ms__classes **out,
                        ms_error *err)
{
    return ms__classes_compute_with(g, v8, NULL, pool, out, err);
}

int ms__classes_compute_with(const ms__graph *g, bool v8, const ms__interfaces *defs,
                             ms__pool *pool, ms__classes **out, ms_error *err)
{
    const uint32_t N = g->node_count;
    ctx x;
    uint32_t *iface = NULL, li = 0;
    int rc = MS_OK;

    *out = NULL;
    memset(&x, 0, sizeof x);
    x.g = g;
    for (unsigned t = 0; t < MS_TYPE_LIMIT; t++)
        x.base_type[t] = NONE;
    x.c = calloc(1, sizeof *x.c);
    if (!x.c)
        return ms__oom(err, "classes");
    MS_TRY(ms__strtab_init(&x.added, err));
    MS_TRY(ms__pool_alloc(pool, &x.c->of, N, 4, false, "node classes", err));
    MS_TRY(ms__alloc_array(&x.base_raw, g->strings.count ? g->strings.count : 1, 4, "classes", err));
    for (uint32_t i = 0; i < g->strings.count; i++)
        x.base_raw[i] = NONE;
    if (v8 && g->detachedness) {
        MS_TRY(ms__alloc_array(&x.base_detached, g->strings.count, 4, "classes", err));
        for (uint32_t i = 0; i < g->strings.count; i++)
            x.base_detached[i] = NONE;
    }
    if (v8) {
        MS_TRY(ms__pool_alloc(pool, &iface, N, 4, false, "interfaces", err));
        x.c->ifaces = calloc(1, sizeof *x.c->ifaces);
        if (!x.c->ifaces) {
            rc = ms__oom(err, "interfaces");
            goto done;
        }
        x.ifaces = x.c->ifaces;
        if (defs) {
            MS_TRY(ms__interfaces_copy(x.ifaces, defs, err));
            MS_TRY(ms__v8_apply_interfaces(g, x.ifaces, iface, err));
        } else {
            MS_TRY(ms__v8_interfaces(g, iface, x.ifaces, err));
        }
        MS_TRY(ms__alloc_array(&x.base_iface, x.ifaces->count + 1, 4, "classes", err));
        for (uint32_t i = 0; i < x.ifaces->count; i++)
            x.base_iface[i] = NONE;
    }

    for (uint32_t n = 0; n < N; n++) {
        uint32_t b;
        const ms__position *loc = NULL;
        base *bb;
        if (v8)
            MS_TRY(v8_base(&x, n, iface, &b, err));
        else
            MS_TRY(raw_base(&x, g->node_name[n], &b, err));
        /* Locations are sorted by node: walk them alongside. */
        while (li < g->location_count && g->locations[li].node < n)
            li++;
        if (v8 && g->node_type[n] == MS_NT_OBJECT && li < g->location_count &&
            g->locations[li].node == n)
            loc = &g->positions[g->locations[li].position];
        if (loc) {
            MS_TRY(located_class(&x, b, loc, n, &x.c->of[n], err));
            continue;
        }
        bb = &x.bases[b];
        if (bb->unlocated == NONE)
            MS_TRY(new_class(&x, bb, NULL, n, &bb->unlocated, err));
        x.c->of[n] = x.bases[b].unlocated;
    }
    *out = x.c;
    x.c = NULL;
done:
    ms__classes_free(x.c);
    ms__strtab_free(&x.added);
    ms__sbuf_free(&x.tmp);
    free(x.bases);
    free(x.base_raw);
    free(x.base_detached);
    free(x.base_added);
    free(x.base_iface);
    free(x.loc);
    ms__pool_release(pool, iface, N, 4);
    return rc;
}

int ms__classes_by_site(const ms__graph *g, ms__pool *pool, ms__classes **out, ms_error *err)
{
    const uint32_t N = g->node_count;
    ctx x;
    uint32_t unknown = NONE;
    int rc = MS_OK;

    *out = NULL;
    memset(&x, 0, sizeof x);
    x.g = g;
    x.c = calloc(1, sizeof *x.c);
    if (!x.c)
        return ms__oom(err, "classes");
    MS_TRY(ms__pool_alloc(pool, &x.c->of, N, 4, false, "node sites", err));
    MS_TRY(ms__alloc_array(&x.base_raw, g->strings.count ? g->strings.count : 1, 4, "classes", err));
    for (uint32_t i = 0; i < g->strings.count; i++)
        x.base_raw[i] = NONE;
    for (uint32_t n = 0; n < N; n++) {
        uint32_t site = g->node_site ? g->node_site[n] : MS_SITE_NONE, b;
        if (site == MS_SITE_NONE) {
            if (unknown == NONE) {
                static const char text[] = "(unknown site)";
                ms__class *k;
                if (x.c->count == x.cls_cap) {
                    uint64_t cap = x.cls_cap ? x.cls_cap * 2 : 64;
                    MS_TRY(ms__realloc_array(&x.c->cls, cap, sizeof *x.c->cls, "classes", err));
                    x.cls_cap = cap;
                }
                k = &x.c->cls[x.c->count];
                k->first = n;
                k->origin = MS__ORIGIN_RAW;
                k->name_len = k->key_len = (uint32_t)(sizeof text - 1);
                MS_TRY(text_put(x.c, text, sizeof text - 1, &k->name_off, err));
                k->key_off = k->name_off;
                unknown = x.c->count++;
            }
            x.c->of[n] = unknown;
            continue;
        }
        MS_TRY(raw_base(&x, site, &b, err));
        if (x.bases[b].unlocated == NONE) {
            size_t len;
            const char *text = ms__strtab_get(&g->strings, site, &len);
            ms__class *k;
            if (x.c->count == x.cls_cap) {
                uint64_t cap = x.cls_cap ? x.cls_cap * 2 : 64;
                MS_TRY(ms__realloc_array(&x.c->cls, cap, sizeof *x.c->cls, "classes", err));
                x.cls_cap = cap;
            }
            k = &x.c->cls[x.c->count];
            k->first = n;
            k->origin = MS__ORIGIN_RAW;
            k->name_len = k->key_len = (uint32_t)len;
            MS_TRY(text_put(x.c, text, len, &k->name_off, err));
            k->key_off = k->name_off;
            x.bases[b].unlocated = x.c->count++;
        }
        x.c->of[n] = x.bases[b].unlocated;
    }
    *out = x.c;
    x.c = NULL;
done:
    ms__classes_free(x.c);
    free(x.bases);
    free(x.base_raw);
    return rc;
}
