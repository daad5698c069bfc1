/*
 * names.c: the strings DevTools' rules look for, and the names DevTools
 * shows for single objects (JSHeapSnapshotNode.name): concatenated strings
 * joined, plain objects by their property names.
 */
#include "internal.h"

#include "../util/utf.h"
#include "../util/vec.h"

#include <string.h>

void ms__v8_find_names(const ms__graph *g, ms__v8_names *names)
{
    static const char *const text[] = {"Object",
                                       "__proto__",
                                       "first",
                                       "second",
                                       "sloppy_function_map",
                                       "system / NativeContext",
                                       "(map descriptors)",
                                       "system / Context",
                                       "shared",
                                       "script_or_debug_info",
                                       "script",
                                       "context",
                                       "scope_info",
                                       "previous",
                                       "Map",
                                       "Set",
                                       "table",
                                       "name",
                                       "script_context_table",
                                       "system / ContextCell"};
    uint32_t *const id[] = {&names->object,         &names->proto,
                            &names->first,          &names->second,
                            &names->sloppy_function_map, &names->native_context,
                            &names->map_descriptors, &names->context,
                            &names->shared,         &names->script_or_debug_info,
                            &names->script,         &names->context_edge,
                            &names->scope_info,     &names->previous,
                            &names->map,            &names->set,
                            &names->table,          &names->name,
                            &names->script_context_table, &names->context_cell};
    enum { W = sizeof text / sizeof *text };
    size_t tlen[W];
    for (unsigned k = 0; k < W; k++) {
        tlen[k] = strlen(text[k]);
        *id[k] = UINT32_MAX;
    }
    /* Strings are interned: each text is at most one id.  Most strings
     * fail on their length (3 to 22 bytes). */
    for (uint32_t i = 0; i < g->strings.count; i++) {
        size_t len;
        const char *s = ms__strtab_get(&g->strings, i, &len);
        if (len < 3 || len > 22)
            continue;
        for (unsigned k = 0; k < W; k++)
            if (*id[k] == UINT32_MAX && tlen[k] == len && memcmp(s, text[k], len) == 0)
                *id[k] = i;
    }
}

int ms__v8_format_property_name(const char *name, size_t len, ms__sbuf *buf, size_t *units,
                                ms_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)name;
    size_t start = buf->len, i = 0;
    bool special = false;
    for (size_t k = 0; k < len && !special; k++)
        special = p[k] == ',' || p[k] == '\'' || p[k] == '"' || p[k] == '{' || p[k] == '}';
    if (!special) {
        *units = ms__utf16_length(name, len);
        return ms__sbuf_append(buf, name, len, err);
    }
    /* JSON.stringify of the name: quotes, short escapes, \u00xx for other
     * control characters, \udxxx for lone surrogates. */
    if (ms__sbuf_append(buf, "\"", 1, err) < 0)
        return MS_ENOMEM;
    while (i < len) {
        size_t used;
        uint32_t cp = ms__utf8_decode(p + i, len - i, &used);
        char esc[8];
        const char *out = esc;
        size_t n = 2;
        switch (cp) {
        case '"': memcpy(esc, "\\\"", 2); break;
        case '\\': memcpy(esc, "\\\\", 2); break;
        case '\b': memcpy(esc, "\\b", 2); break;
        case '\f': memcpy(esc, "\\f", 2); break;
        case '\n': memcpy(esc, "\\n", 2); break;
        case '\r': memcpy(esc, "\\r", 2); break;
        case '\t': memcpy(esc, "\\t", 2); break;
        default:
            if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = hex[(cp >> 12) & 15];
                esc[3] = hex[(cp >> 8) & 15];
                esc[4] = hex[(cp >> 4) & 15];
                esc[5] = hex[cp & 15];
                n = 6;
            } else {
                out = name + i;
                n = used;
            }
        }
        if (ms__sbuf_append(buf, out, n, err) < 0)
            return MS_ENOMEM;
        i += used;
    }
    if (ms__sbuf_append(buf, "\"", 1, err) < 0)
        return MS_ENOMEM;
    *units = ms__utf16_length(buf->data + start, buf->len - start);
    return MS_OK;
}

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
        ms__touch_edges(g, x);
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
        if (sp + 2 > cap)
            MS_TRY(ms__grow(&stack, &cap, sp + 2, 64, 4, "string name", err));
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
    uint64_t i, j;
    bool from_end = false;
    int rc = MS_OK;
    ms__touch_edges(g, n);
    i = g->first_edge[n];
    j = g->first_edge[n + 1];
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

int ms__v8_label(const ms__rules *r, const ms__graph *g, uint32_t n, ms__sbuf *out,
                 ms_error *err)
{
    const ms__v8_names *names = &((const ms__v8 *)r->impl)->names;
    int rc;
    ms__touch(g, n);
    if (g->node_type[n] == MS_NT_CONS_STRING)
        rc = cons_name(g, n, names->first, names->second, out, err);
    else if (g->node_type[n] == MS_NT_OBJECT && g->node_name[n] == names->object)
        rc = plain_object_name(g, n, names->proto, out, err);
    else
        return 0;
    return rc < 0 ? rc : 1;
}
