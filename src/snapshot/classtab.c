/*
 * classtab.c: the class table and its builder (see classtab.h).
 *
 * One pass over the nodes; a node's class is two array reads in the
 * common case (its base, then the base's class), a hash lookup when it is
 * split by source position.
 */
#include "classtab.h"

#include "../util/pool.h"
#include "../util/vec.h"

#include <stdio.h>
#include <string.h>

#define NONE UINT32_MAX

void ms__classes_free(ms__classes *c)
{
    if (!c)
        return;
    free(c->of);
    free(c->cls);
    free(c->text);
    if (c->defs && c->defs_free)
        c->defs_free(c->defs);
    free(c);
}

/* Appends s (n bytes and a NUL) to the table's text; *off gets where. */
static int text_put(ms__classes *c, const char *s, size_t n, uint64_t *off, ms_error *err)
{
    if (ms__grow(&c->text, &c->text_cap, c->text_len + n + 1, 4096, 1, "class names", err) < 0)
        return MS_ENOMEM;
    memcpy(c->text + c->text_len, s, n);
    c->text[c->text_len + n] = 0;
    *off = c->text_len;
    c->text_len += n + 1;
    return MS_OK;
}

int ms__classtab_init(ms__classtab *b, const ms__graph *g, struct ms__pool *pool, ms_error *err)
{
    const uint32_t S = g->strings.count;
    int rc = MS_OK;
    memset(b, 0, sizeof *b);
    b->g = g;
    b->pool = pool;
    b->c = calloc(1, sizeof *b->c);
    if (!b->c)
        return ms__oom(err, "classes");
    MS_TRY(ms__strtab_init(&b->added, err));
    MS_TRY(ms__pool_alloc(pool, &b->c->of, g->node_count, 4, false, "node classes", err));
    MS_TRY(ms__alloc_array(&b->raw, S ? S : 1, 4, "classes", err));
    memset(b->raw, 0xFF, (size_t)S * 4);
    MS_TRY(ms__map64_init(&b->located, 0, err));
done:
    return rc;
}

void ms__classtab_free(ms__classtab *b)
{
    if (b->c) {
        ms__pool_release(b->pool, b->c->of, b->g->node_count, 4);
        b->c->of = NULL;
        ms__classes_free(b->c);
    }
    ms__strtab_free(&b->added);
    free(b->base_origin);
    free(b->base_off);
    free(b->base_len);
    free(b->base_class);
    free(b->raw);
    free(b->detached);
    free(b->added_base);
    ms__map64_free(&b->located);
    ms__sbuf_free(&b->tmp);
    memset(b, 0, sizeof *b);
}

int ms__classtab_new_base(ms__classtab *b, uint8_t origin, const char *text, size_t len,
                          uint32_t *base, ms_error *err)
{
    uint32_t cap = b->bases_cap;
    uint64_t off;
    if (b->nbases == b->bases_cap) {
        if (ms__grow32(&b->base_origin, &cap, b->nbases + 1ull, 256, 1, "classes", err) < 0 ||
            ms__realloc_array(&b->base_off, cap, 8, "classes", err) < 0 ||
            ms__realloc_array(&b->base_len, cap, 4, "classes", err) < 0 ||
            ms__realloc_array(&b->base_class, cap, 4, "classes", err) < 0)
            return err ? err->code : MS_ENOMEM;
        b->bases_cap = cap;
    }
    if (text_put(b->c, text, len, &off, err) < 0)
        return MS_ENOMEM;
    b->base_origin[b->nbases] = origin;
    b->base_off[b->nbases] = off;
    b->base_len[b->nbases] = (uint32_t)len;
    b->base_class[b->nbases] = NONE;
    *base = b->nbases++;
    return MS_OK;
}

int ms__classtab_string(ms__classtab *b, uint8_t origin, uint32_t sid, uint32_t *base,
                        ms_error *err)
{
    uint32_t *cache = b->raw;
    if (origin == MS__ORIGIN_DETACHED) {
        if (!b->detached) {
            uint32_t S = b->g->strings.count;
            if (ms__alloc_array(&b->detached, S ? S : 1, 4, "classes", err) < 0)
                return MS_ENOMEM;
            memset(b->detached, 0xFF, (size_t)S * 4);
        }
        cache = b->detached;
    }
    if (cache[sid] == NONE) {
        size_t len;
        const char *s = ms__strtab_get(&b->g->strings, sid, &len);
        if (ms__classtab_new_base(b, origin, s, len, &cache[sid], err) < 0)
            return MS_ENOMEM;
    }
    *base = cache[sid];
    return MS_OK;
}

int ms__classtab_added(ms__classtab *b, const char *text, size_t len, uint32_t *base,
                       ms_error *err)
{
    uint32_t id, cap = b->added_cap;
    if (ms__strtab_intern(&b->added, text, len, &id, NULL, err) < 0)
        return MS_ENOMEM;
    if (id >= b->added_cap) {
        if (ms__grow32(&b->added_base, &cap, id + 1ull, 64, 4, "classes", err) < 0)
            return MS_ENOMEM;
        memset(b->added_base + b->added_cap, 0xFF, (size_t)(cap - b->added_cap) * 4);
        b->added_cap = cap;
    }
    if (b->added_base[id] == NONE &&
        ms__classtab_new_base(b, MS__ORIGIN_ADDED, text, len, &b->added_base[id], err) < 0)
        return MS_ENOMEM;
    *base = b->added_base[id];
    return MS_OK;
}

/* A new class of `base`, first seen at node n; keyed by source position
 * pos (UINT32_MAX: none). */
static int new_class(ms__classtab *b, uint32_t base, uint32_t pos, uint32_t n, uint32_t *out,
                     ms_error *err)
{
    ms__classes *c = b->c;
    ms__class *k;
    char prefix[48];
    int pl;

    if (c->count >= UINT32_MAX - 1u)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "too many classes");
    if (c->count == b->classes_cap &&
        ms__grow32(&c->cls, &b->classes_cap, c->count + 1ull, 64, sizeof *c->cls, "classes",
                   err) < 0)
        return MS_ENOMEM;
    k = &c->cls[c->count];
    k->first = n;
    k->origin = b->base_origin[base];
    k->name_off = b->base_off[base];
    k->name_len = b->base_len[base];
    if (b->plain_keys) {
        k->key_off = k->name_off;
        k->key_len = k->name_len;
        *out = c->count++;
        return MS_OK;
    }
    /* DevTools' class keys: "script,line,column,Name" or ",Name". */
    if (pos != NONE) {
        const ms__position *l = &b->g->positions[pos];
        pl = snprintf(prefix, sizeof prefix, "%u,%u,%u,", l->script_id, l->line, l->column);
    } else {
        pl = snprintf(prefix, sizeof prefix, ",");
    }
    b->tmp.len = 0;
    if (ms__sbuf_append(&b->tmp, prefix, (size_t)pl, err) < 0 ||
        ms__sbuf_append(&b->tmp, c->text + k->name_off, k->name_len, err) < 0 ||
        text_put(c, b->tmp.data, b->tmp.len, &k->key_off, err) < 0)
        return MS_ENOMEM;
    k->key_len = (uint32_t)b->tmp.len;
    *out = c->count++;
    return MS_OK;
}

int ms__classtab_assign(ms__classtab *b, uint32_t n, uint32_t base, uint32_t position,
                        ms_error *err)
{
    uint32_t *of = b->c->of;
    if (position == NONE) {
        if (b->base_class[base] == NONE &&
            new_class(b, base, NONE, n, &b->base_class[base], err) < 0)
            return err ? err->code : MS_ENOMEM;
        of[n] = b->base_class[base];
        return MS_OK;
    }
    {
        uint64_t key = (uint64_t)base << 32 | position;
        uint32_t cls = ms__map64_get(&b->located, key);
        if (cls == MS_MAP_NONE) {
            if (new_class(b, base, position, n, &cls, err) < 0 ||
                ms__map64_put(&b->located, key, cls, &cls, NULL, err) < 0)
                return err ? err->code : MS_ENOMEM;
        }
        of[n] = cls;
    }
    return MS_OK;
}

void ms__classtab_finish(ms__classtab *b, void *defs, void (*defs_free)(void *),
                         ms__classes **out)
{
    b->c->defs = defs;
    b->c->defs_free = defs_free;
    *out = b->c;
    b->c = NULL;
    ms__classtab_free(b);
}

bool ms__class_key_position(const char *key, ms__position *out)
{
    return key && key[0] != ',' &&
           sscanf(key, "%u,%u,%u,", &out->script_id, &out->line, &out->column) == 3;
}
