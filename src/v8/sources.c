/*
 * sources.c: where a V8 object's code is, read from the snapshot itself.
 *
 * The "locations" section gives script ids (a function's own position, an
 * object's constructor's), not names.  The names are in the graph: a
 * closure's `shared` edge leads to its SharedFunctionInfo, whose
 * `script_or_debug_info` (`script` before V8 9.x) edge leads to the Script
 * node, whose node name is the script's name or URL (V8's
 * V8HeapExplorer::ExtractScriptReferences names Script nodes so).  A script
 * no closure of which survives keeps its number.
 *
 * Closure scopes (Context nodes) carry no position: a scope takes the
 * script of a closure whose `context` it is, is a script's module scope
 * when its `previous` scope is the NativeContext, and otherwise is named
 * by its function: V8 writes the function's name in the scope's ScopeInfo
 * beside the variable names, and it is taken only when a closure of that
 * name lives in the enclosing scope (a variable holding a number has no
 * edge, so its name alone cannot be told from the function's).
 *
 * Newer V8 (Chromium's) names them otherwise: a Script node
 * "system / Script / URL" (its `name` edge leads to the URL alone), a
 * scope "system / Context / scope @N" (N: its ScopeInfo's id), a
 * NativeContext "system / NativeContext / URL"; a browser's classic
 * scripts share one script scope per page, kept in the NativeContext's
 * script_context_table.
 */
#include "internal.h"

#include "../util/bitset.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

bool ms__v8_user_script(const char *name, size_t len)
{
    /* Node.js's own modules, V8's and the browser's (its extensions, its
     * own pages); a page's scripts (file:, http:, https:, inline ones
     * under the page's URL) are the program's. */
    static const char *const runtime[] = {
        "node:",     "internal/",   "native ",           "extensions::",        "v8/",
        "chrome://", "devtools://", "chrome-extension://", "chrome-untrusted://", "chrome-error://"};
    if (len == 0)
        return false;
    for (size_t k = 0; k < sizeof runtime / sizeof *runtime; k++) {
        size_t pl = strlen(runtime[k]);
        if (len >= pl && memcmp(name, runtime[k], pl) == 0)
            return false;
    }
    return true;
}

/* The target of n's first edge named sid (of any type), NONE. */
static uint32_t edge_named(const ms__graph *g, uint32_t n, uint32_t sid)
{
    if (sid == NONE)
        return NONE;
    ms__touch_edges(g, n);
    for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++)
        if (!ms__edge_type_is_indexed(ms__edge_type(g, e)) && g->edge_name[e] == sid) {
            ms__touch(g, ms__edge_to(g, e));
            return ms__edge_to(g, e);
        }
    return NONE;
}

#define SCRIPT_PREFIX "system / Script / "
#define SCRIPT_PREFIX_LEN (sizeof SCRIPT_PREFIX - 1)

/* The string id of the name of closure c's script, NONE when the graph
 * does not lead to a named Script node.  Newer V8 names the node
 * "system / Script / URL": the URL is its `name` edge's string. */
static uint32_t closure_script_name(const ms__v8_names *nm, const ms__graph *g, uint32_t c)
{
    uint32_t sfi = edge_named(g, c, nm->shared), script, url;
    size_t len;
    const char *name;
    if (sfi == NONE)
        return NONE;
    script = edge_named(g, sfi, nm->script_or_debug_info);
    if (script == NONE)
        script = edge_named(g, sfi, nm->script);
    if (script == NONE || g->node_type[script] != MS_NT_CODE)
        return NONE;
    name = ms__node_name(g, script, &len);
    if (len >= SCRIPT_PREFIX_LEN && memcmp(name, SCRIPT_PREFIX, SCRIPT_PREFIX_LEN) == 0) {
        url = edge_named(g, script, nm->name);
        if (url == NONE || g->node_type[url] != MS_NT_STRING)
            return NONE;
        ms__node_name(g, url, &len);
        return len ? g->node_name[url] : NONE;
    }
    return len ? g->node_name[script] : NONE;
}

/* Whether string sid is text, or text followed by " / " and more. */
static bool named_as(const ms__graph *g, uint32_t sid, const char *text, size_t tlen)
{
    size_t len;
    const char *s = ms__strtab_get(&g->strings, sid, &len);
    return len >= tlen && memcmp(s, text, tlen) == 0 &&
           (len == tlen || (len > tlen + 3 && memcmp(s + tlen, " / ", 3) == 0));
}

/* The bits of v->sources' context_names and native_context_names. */
static int context_names_make(ms__v8_sources *s, const ms__graph *g, ms_error *err)
{
    static const char ctx[] = "system / Context", nctx[] = "system / NativeContext";
    s->names_count = g->strings.count;
    if (ms__bitset_alloc(&s->context_names, s->names_count, "sources", err) < 0 ||
        ms__bitset_alloc(&s->native_context_names, s->names_count, "sources", err) < 0)
        return MS_ENOMEM;
    for (uint32_t i = 0; i < s->names_count; i++) {
        if (named_as(g, i, ctx, sizeof ctx - 1))
            ms__bit_set(s->context_names, i);
        else if (named_as(g, i, nctx, sizeof nctx - 1))
            ms__bit_set(s->native_context_names, i);
    }
    return MS_OK;
}

int ms__v8_sources_from_strings(ms__v8 *v, const ms__graph *g, ms_error *err)
{
    return context_names_make(&v->sources, g, err);
}

/* Whether n is a closure scope (a Context) / a NativeContext, by name. */
static bool is_context(const ms__v8 *v, const ms__graph *g, uint32_t n)
{
    uint32_t sid = g->node_name[n];
    if (v->sources.context_names && sid < v->sources.names_count)
        return ms__bit(v->sources.context_names, sid);
    return sid == v->names.context && sid != NONE;
}

static bool is_native_context(const ms__v8 *v, const ms__graph *g, uint32_t n)
{
    uint32_t sid = g->node_name[n];
    if (v->sources.native_context_names && sid < v->sources.names_count)
        return ms__bit(v->sources.native_context_names, sid);
    return sid == v->names.native_context && sid != NONE;
}

static int sources_make(ms__rules *r, const ms__graph *g, ms_error *err)
{
    ms__v8 *v = r->impl;
    ms__v8_sources *s = &v->sources;
    const ms__v8_names *nm = &v->names;
    int rc = MS_OK;
    MS_TRY(ms__map64_init(&s->script_name, 64, err));
    MS_TRY(ms__map64_init(&s->scope_script, 256, err));
    MS_TRY(ms__map64_init(&s->scope_function, 256, err));
    MS_TRY(ms__bitset_alloc(&s->located, g->node_count, "sources", err));
    MS_TRY(context_names_make(s, g, err));
    for (uint32_t k = 0; k < g->location_count; k++)
        ms__bit_set(s->located, g->locations[k].node);
    for (uint32_t k = 0; k < g->location_count; k++) {
        uint32_t c = g->locations[k].node, sid, scope, got;
        uint32_t script = g->positions[g->locations[k].position].script_id;
        if (g->node_type[c] != MS_NT_CLOSURE || script == NONE)
            continue;
        if (ms__map64_get(&s->script_name, script) == MS_MAP_NONE &&
            (sid = closure_script_name(nm, g, c)) != NONE)
            MS_TRY(ms__map64_put(&s->script_name, script, sid, &got, NULL, err));
        scope = edge_named(g, c, nm->context_edge);
        if (scope != NONE && is_context(v, g, scope)) {
            MS_TRY(ms__map64_put(&s->scope_script, scope, script, &got, NULL, err));
            MS_TRY(ms__map64_put(&s->scope_function, ms__mix64(scope, g->node_name[c]), 1, &got,
                                 NULL, err));
        }
    }
    r->sources_ready = true;
done:
    if (rc < 0)
        ms__v8_sources_free(v, r);
    return rc;
}

void ms__v8_sources_free(ms__v8 *v, ms__rules *r)
{
    ms__map64_free(&v->sources.script_name);
    ms__map64_free(&v->sources.scope_script);
    ms__map64_free(&v->sources.scope_function);
    free(v->sources.located);
    free(v->sources.context_names);
    free(v->sources.native_context_names);
    v->sources.located = v->sources.context_names = v->sources.native_context_names = NULL;
    v->sources.names_count = 0;
    r->sources_ready = false;
}

static int location(const ms__rules *r, const ms__graph *g, uint32_t n, ms__source *out)
{
    const ms__v8 *v = r->impl;
    const ms__position *p;
    uint32_t script;
    ms__touch(g, n);
    p = r->sources_ready && !ms__bit(v->sources.located, n) ? NULL : ms__graph_position(g, n);
    if (p) {
        script = p->script_id;
        out->line = p->line + 1;
        out->column = p->column + 1;
    } else if (r->sources_ready && is_context(v, g, n) &&
               (script = ms__map64_get(&v->sources.scope_script, n)) != MS_MAP_NONE) {
        out->line = out->column = 0;
    } else {
        return 0;
    }
    out->script_id = script;
    out->file = r->sources_ready ? ms__map64_get(&v->sources.script_name, script) : NONE;
    return 1;
}

/* Whether a name is C++'s ("blink::StyleEngine", "cppgc::internal::..."):
 * the embedder's own objects. */
static bool cxx_name(const char *name, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (name[i] == ':' && name[i + 1] == ':')
            return true;
    return false;
}

#define STATE_DETACHED 2 /* g->detachedness after ms__v8_propagate_dom_state */

static int origin(const ms__rules *r, const ms__graph *g, uint32_t n)
{
    const ms__v8 *v = r->impl;
    ms__source src;
    size_t len;
    const char *name;
    ms__touch(g, n);
    switch (g->node_type[n]) {
    case MS_NT_SYNTHETIC:
    case MS_NT_HIDDEN:
    case MS_NT_CODE:
    case MS_NT_OBJECT_SHAPE:
        return MS__ORIGIN_RUNTIME;
    default:
        break;
    }
    if (location(r, g, n, &src)) {
        if (src.file == NONE)
            return MS__ORIGIN_RUNTIME;
        name = ms__strtab_get(&g->strings, src.file, &len);
        return ms__v8_user_script(name, len) ? MS__ORIGIN_USER : MS__ORIGIN_RUNTIME;
    }
    /* a variable's cell (newer V8): what holds the scope decides */
    if (g->node_name[n] == v->names.context_cell)
        return MS__ORIGIN_UNKNOWN;
    name = ms__node_name(g, n, &len);
    if (len >= 9 && memcmp(name, "system / ", 9) == 0)
        return MS__ORIGIN_RUNTIME;
    /* The embedder's objects (a browser's Blink): a detached DOM tree is
     * the program's when the program holds it (its holder decides, as for
     * plain data); the C++ objects behind the page (style, fonts, caches)
     * are the runtime's.  Web-exposed ones ("HTMLDocument", "<div>",
     * "NodeList") are as their holder. */
    if (g->node_type[n] == MS_NT_NATIVE &&
        !(g->detachedness && g->detachedness[n] == STATE_DETACHED) && cxx_name(name, len))
        return MS__ORIGIN_RUNTIME;
    return MS__ORIGIN_UNKNOWN;
}

/* The engine's and Node's own classes by name: compiled code, shapes,
 * hidden objects, "system / *" objects, Node's natives. */
static bool runtime_class_name(const char *name)
{
    static const char *const exact[] = {"(compiled code)", "(object shape)", "(system)",
                                        "(synthetic)", "(code)"};
    static const char *const prefix[] = {"system / ", "Node / ", "Detached Node / ",
                                         "(internal "};
    for (size_t k = 0; k < sizeof exact / sizeof *exact; k++)
        if (strcmp(name, exact[k]) == 0)
            return true;
    for (size_t k = 0; k < sizeof prefix / sizeof *prefix; k++)
        if (strncmp(name, prefix[k], strlen(prefix[k])) == 0)
            return true;
    return false;
}

static int class_origin(const ms__rules *r, const ms__graph *g, const char *key,
                        const char *name)
{
    const ms__v8 *v = r->impl;
    ms__position at;
    uint32_t sid;
    size_t len;
    const char *file;
    if (runtime_class_name(name))
        return MS__ORIGIN_RUNTIME;
    /* the embedder's C++ classes ("blink::ComputedStyle"), unless detached
     * (a part of a detached DOM tree) */
    if (strncmp(name, "Detached ", 9) != 0 && cxx_name(name, strlen(name)))
        return MS__ORIGIN_RUNTIME;
    if (!ms__class_key_position(key, &at))
        return MS__ORIGIN_UNKNOWN;
    if (!r->sources_ready ||
        (sid = ms__map64_get(&v->sources.script_name, at.script_id)) == MS_MAP_NONE)
        return MS__ORIGIN_UNKNOWN; /* eval'd code, or no function of its script survives */
    file = ms__strtab_get(&g->strings, sid, &len);
    return ms__v8_user_script(file, len) ? MS__ORIGIN_USER : MS__ORIGIN_RUNTIME;
}

/* Whether sid names one of scope n's variables (its context edges). */
static bool scope_variable(const ms__graph *g, uint32_t n, uint32_t sid)
{
    ms__touch_edges(g, n);
    for (uint64_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++)
        if (ms__edge_type(g, e) == MS_ET_CONTEXT && g->edge_name[e] == sid)
            return true;
    return false;
}

static int scope(const ms__rules *r, const ms__graph *g, uint32_t n, ms__sbuf *out,
                 ms_error *err)
{
    const ms__v8 *v = r->impl;
    const ms__v8_names *nm = &v->names;
    uint32_t prev, info;
    ms__touch(g, n);
    if (!is_context(v, g, n))
        return 0;
    prev = edge_named(g, n, nm->previous);
    if (prev != NONE && is_native_context(v, g, prev)) {
        /* a browser's classic scripts keep their top-level let, const and
         * class in a script scope */
        uint32_t table = edge_named(g, prev, nm->script_context_table);
        if (table != NONE)
            ms__touch_edges(g, table);
        if (table != NONE)
            for (uint64_t e = g->first_edge[table]; e < g->first_edge[table + 1]; e++)
                if (ms__edge_to(g, e) == n)
                    return ms__sbuf_append(out, "script scope", 12, err) < 0 ? MS_ENOMEM : 1;
        return ms__sbuf_append(out, "module scope", 12, err) < 0 ? MS_ENOMEM : 1;
    }
    info = edge_named(g, n, nm->scope_info);
    if (info != NONE) {
        ms__touch_edges(g, info);
        for (uint64_t e = g->first_edge[info]; e < g->first_edge[info + 1]; e++) {
            uint32_t s = ms__edge_to(g, e);
            size_t len;
            const char *name;
            ms__touch(g, s);
            if (g->node_type[s] != MS_NT_STRING || scope_variable(g, n, g->node_name[s]) ||
                prev == NONE || !r->sources_ready ||
                ms__map64_get(&v->sources.scope_function, ms__mix64(prev, g->node_name[s])) ==
                    MS_MAP_NONE)
                continue;
            name = ms__node_name(g, s, &len);
            if (!len)
                continue;
            if (ms__sbuf_append(out, "scope of ", 9, err) < 0 ||
                ms__sbuf_append(out, name, len, err) < 0 || ms__sbuf_append(out, "()", 2, err) < 0)
                return MS_ENOMEM;
            return 1;
        }
    }
    return ms__sbuf_append(out, "closure scope", 13, err) < 0 ? MS_ENOMEM : 1;
}

/* The decimal number a string is, UINT64_MAX when it is none. */
static uint64_t decimal(const char *s, size_t len)
{
    uint64_t v = 0;
    if (len == 0 || len > 18)
        return UINT64_MAX;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return UINT64_MAX;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

/* V8 writes a JS Map's and Set's backing store (OrderedHashMap,
 * OrderedHashSet) as internal edges named by slot number: a map's entry
 * is key then value in consecutive slots, a set's the member alone. */
static int entry(const ms__rules *r, const ms__graph *g, uint32_t holder, uint64_t via,
                 uint32_t table, uint64_t e, uint32_t *key)
{
    const ms__v8_names *nm = &((const ms__v8 *)r->impl)->names;
    uint32_t hn;
    uint64_t slot;
    size_t len;
    const char *s;
    *key = NONE;
    ms__touch(g, holder);
    ms__touch_edge(g, via);
    ms__touch_edge(g, e);
    hn = g->node_name[holder];
    if (g->node_type[holder] != MS_NT_OBJECT || (hn != nm->map && hn != nm->set) ||
        hn == NONE || ms__edge_type_is_indexed(ms__edge_type(g, via)) ||
        g->edge_name[via] != nm->table || ms__edge_type(g, e) != MS_ET_INTERNAL)
        return 0;
    s = ms__strtab_get(&g->strings, g->edge_name[e], &len);
    if ((slot = decimal(s, len)) == UINT64_MAX)
        return 0;
    if (hn == nm->set)
        return 2;
    /* An OrderedHashMap entry is three slots: key, value, chain (a small
     * integer, no edge).  A value's slot follows its key's; a key's slot
     * follows the chain of the entry before (or a bucket), no edge, and is
     * followed by its value's. */
    {
        bool value_after = false;
        ms__touch_edges(g, table);
        for (uint64_t k = g->first_edge[table]; k < g->first_edge[table + 1]; k++) {
            uint64_t at;
            if (ms__edge_type(g, k) != MS_ET_INTERNAL)
                continue;
            s = ms__strtab_get(&g->strings, g->edge_name[k], &len);
            at = decimal(s, len);
            if (slot > 0 && at == slot - 1) {
                *key = ms__edge_to(g, k);
                return 1;
            }
            value_after |= at == slot + 1;
        }
        return value_after ? 3 : 1;
    }
}

void ms__v8_sources_init(ms__rules *r)
{
    r->entry = entry;
    r->class_origin = class_origin;
    r->sources_make = sources_make;
    r->location = location;
    r->origin = origin;
    r->scope = scope;
}
