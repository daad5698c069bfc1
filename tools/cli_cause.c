/*
 * cli_cause.c: a group of new or leaked objects as its cause: the
 * reference to cut written as code, the program's code that holds it, the
 * declaration of what the reference starts at (cli_cause.h;
 * docs/compare.md "Groups by cause").
 */
#include "cli_cause.h"

#include "cli_source.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Appends printf-style text to b (truncating at cap). */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (b->len + 1 >= b->cap)
        return;
    va_start(ap, fmt);
    k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->len += (size_t)k < b->cap - b->len ? (size_t)k : b->cap - b->len - 1;
}

/* Whether s can follow a '.' in JavaScript and Python (an identifier). */
static bool identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '$')
            return false;
    return true;
}

/* Whether s starts with an identifier (then '.', '[', ' ' or its end). */
static bool identifier_prefix(const char *s)
{
    size_t n = 0;
    while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '$'))
        n++;
    return n > 0 && !isdigit((unsigned char)s[0]) &&
           (!s[n] || s[n] == '.' || s[n] == '[' || s[n] == ' ');
}

/* A map key as code writes it: a string quoted, an object as its class. */
static void key_text(sbuf *b, ms_snapshot *snap, ms_node key)
{
    char label[48];
    size_t ll;
    if (key == MS_NODE_NONE) {
        sb_put(b, "…");
        return;
    }
    if (strstr(ms_node_type(snap, key), "string")) {
        ll = ms_node_label(snap, key, label, sizeof label);
        sb_put(b, "\"%.*s%s\"", (int)(ll < sizeof label ? ll : sizeof label - 1), label,
               ll < sizeof label ? "" : "…");
    } else {
        sb_put(b, "%s", ms_node_class(snap, key));
    }
}

/* Hops a reference reaches back from the object it holds, at most. */
#define CAUSE_HOPS_MAX 6

/* Where the reference starts on p, for the hops before `end`: a scope's
 * variable, an object of the program's classes, or what a root category
 * names (*found true); else CAUSE_HOPS_MAX hops back (*found false). */
static size_t cause_anchor(ms_snapshot *snap, const ms_path *p, size_t end, bool *found)
{
    size_t i = end, hops = 0;
    *found = true;
    while (i > 0 && hops < CAUSE_HOPS_MAX) {
        ms_node v = p->hops[i - 1].node;
        ms_edge_info info;
        char scope[96];
        i--;
        /* a list (a timer list, a promise's reactions) counts as one hop */
        hops += !(i + 1 < end && cli_same_step(snap, p, i, i + 1));
        ms_edge_get(snap, p->hops[i].edge, &info);
        if (ms_node_is_synthetic(snap, v))
            /* what a root category names, or the object it holds (the global
             * object), or the category itself when it holds the entry */
            return (info.name && strcmp(info.type, "property") == 0) || i + 1 == end ? i : i + 1;
        if (strcmp(info.type, "context") == 0 && ms_node_scope(snap, v, scope, sizeof scope) &&
            ms_node_origin(snap, v) != MS_ORIGIN_RUNTIME)
            return i;
        if (ms_class_origin(snap, ms_node_class_key(snap, v), ms_node_class(snap, v)) ==
                MS_ORIGIN_USER &&
            strcmp(ms_node_type(snap, v), "closure") != 0)
            return i;
    }
    *found = false;
    return i;
}

/* An object as the start of a reference: its class, or for V8's "(system)"
 * objects their kind ("PromiseReaction"). */
static void base_text(sbuf *b, ms_snapshot *snap, ms_node v)
{
    const char *cls = ms_node_class(snap, v);
    size_t nl;
    const char *nm = ms_node_name(snap, v, &nl);
    if (strcmp(cls, "(system)") == 0 && nl > 9 && strncmp(nm, "system / ", 9) == 0)
        sb_put(b, "%.*s", (int)(nl - 9 < 60 ? nl - 9 : 60), nm + 9);
    else
        sb_put(b, "%s", cls);
}

/* Whether a property name is data, not structure (a key written with a
 * number in it: "w-30", "user-120"): shown as "[…]" when the reference was
 * taken many times. */
static bool has_digit(const char *s)
{
    for (; *s; s++)
        if (isdigit((unsigned char)*s))
            return true;
    return false;
}

/* Hop i of p as code writes it after the reference so far: ".name",
 * "["name"]", "[3]", ".get(key)", " (a member)", " (a key)"; nothing for
 * the engine's internal links.  Returns the hops written (2 for a Map's or
 * Set's entry, which takes the table's hop). */
static size_t hop_text(sbuf *b, ms_snapshot *snap, const ms_path *p, size_t i, size_t end,
                       bool many)
{
    ms_node key;
    ms_entry_kind kind = i + 1 < end ? ms_path_entry(snap, p, i, &key) : MS_ENTRY_NONE;
    ms_edge_info info;
    ms_edge_get(snap, p->hops[i].edge, &info);
    if (kind == MS_ENTRY_MAP) {
        sb_put(b, ".get(");
        if (many)
            sb_put(b, "…");
        else
            key_text(b, snap, key);
        sb_put(b, ")");
        return 2;
    }
    if (kind == MS_ENTRY_SET || kind == MS_ENTRY_MAP_KEY) {
        sb_put(b, kind == MS_ENTRY_SET ? " (a member)" : " (a key)");
        return 2;
    }
    if (strcmp(info.type, "element") == 0) {
        if (many)
            sb_put(b, "[…]");
        else
            sb_put(b, "[%u]", info.index);
    } else if (info.name && strcmp(info.name, "__dict__") == 0) {
        /* a Python object's attributes: `q.jobs`, not `q.__dict__.jobs` */
    } else if (info.name && strcmp(info.name, "(key)") == 0) {
        sb_put(b, " (a key)"); /* a Python dict's key */
    } else if (info.name && (strcmp(info.type, "property") == 0 ||
                             strcmp(info.type, "context") == 0 ||
                             strcmp(info.type, "shortcut") == 0)) {
        if (many && has_digit(info.name))
            sb_put(b, "[…]");
        else if (identifier(info.name))
            sb_put(b, ".%s", info.name);
        else
            sb_put(b, "[\"%.60s\"]", info.name);
    }
    return 1;
}

#define DECL_NAMES 4

/* The names a reference's declaration is looked up by, best first: its
 * properties from the last one back, then its variable. */
typedef struct decl_names {
    char name[DECL_NAMES][96];
    unsigned n;
} decl_names;

static void decl_add(decl_names *d, const char *name)
{
    if (d->n < DECL_NAMES && name && identifier(name))
        snprintf(d->name[d->n++], sizeof d->name[0], "%s", name);
}

/* The cause's reference into buf[cap] (cli_cause), *holder, and the names
 * its declaration may be found by. */
static size_t cause_reference(ms_snapshot *snap, const ms_path_group *g, char *buf, size_t cap,
                              ms_node *holder, decl_names *decl)
{
    const ms_path *p = &g->path;
    sbuf b = {buf, 0, cap};
    size_t end = g->entry_hop, from, i;
    bool many = g->entries > 1, found, runtime_entry;
    ms_node key;
    char props[DECL_NAMES][96];
    unsigned nprops = 0;
    size_t root_name_len = 0; /* what a root category calls the holder, written first */
    buf[0] = 0;
    decl->n = 0;
    *holder = MS_NODE_NONE;
    if (p->length < 2 || end == 0 || end >= p->length)
        return 0;
    /* a Map's or Set's table is the collection's: the entry goes on to
     * what the table holds */
    if (end + 1 < p->length && ms_path_entry(snap, p, end - 1, &key) != MS_ENTRY_NONE)
        end++;
    runtime_entry = ms_node_origin(snap, p->hops[end].node) == MS_ORIGIN_RUNTIME;
    from = cause_anchor(snap, p, end, &found);
    if (found || !runtime_entry) {
        ms_node v = p->hops[from].node;
        ms_edge_info info;
        char scope[96];
        ms_edge_get(snap, p->hops[from].edge, &info);
        i = from;
        if (!found) {
            sb_put(&b, "…");
            base_text(&b, snap, v);
            *holder = v;
        } else if (strcmp(info.type, "context") == 0 &&
                   ms_node_scope(snap, v, scope, sizeof scope)) {
            sb_put(&b, "%s", info.name ? info.name : "?");
            snprintf(props[nprops++], sizeof props[0], "%s", info.name ? info.name : "");
            *holder = v;
            i++;
        } else if (ms_node_is_synthetic(snap, v)) {
            /* what a root category calls it ("(modules) --zipfile-->"), or
             * the category itself ("(Stack roots)") */
            size_t nl;
            const char *nm = ms_node_name(snap, v, &nl);
            if (info.name && strcmp(info.type, "property") == 0) {
                sb_put(&b, "%s", info.name);
                root_name_len = b.len;
                snprintf(props[nprops++], sizeof props[0], "%s", info.name);
            } else
                sb_put(&b, "%.*s", (int)(nl < 60 ? nl : 60), nm);
            i++;
        } else {
            base_text(&b, snap, v);
            *holder = v;
        }
        while (i < end) {
            if (i > from && cli_same_step(snap, p, i - 1, i)) {
                /* a list: written once, then "…" */
                while (i < end && cli_same_step(snap, p, i - 1, i))
                    i++;
                sb_put(&b, "…");
                continue;
            }
            {
                ms_edge_info e;
                ms_edge_get(snap, p->hops[i].edge, &e);
                if (e.name && identifier(e.name) && nprops < DECL_NAMES &&
                    (strcmp(e.type, "property") == 0 || strcmp(e.type, "context") == 0))
                    snprintf(props[nprops++], sizeof props[0], "%s", e.name);
            }
            i += hop_text(&b, snap, p, i, end, many);
        }
    }
    /* a root category's long name ("MainThread #0: <module> (prog.py:18)")
     * before a variable reads as the variable: `q.jobs[…]` */
    if (root_name_len && b.len > root_name_len && buf[root_name_len] == '.' &&
        identifier_prefix(buf + root_name_len + 1)) {
        char first[96];
        snprintf(first, sizeof first, "%.*s", (int)root_name_len, buf);
        if (root_name_len >= sizeof first || !identifier(first)) {
            memmove(buf, buf + root_name_len + 1, b.len - root_name_len);
            b.len -= root_name_len + 1;
        }
    }
    while (nprops)
        decl_add(decl, props[--nprops]);
    if (runtime_entry) {
        /* the runtime's object the reference took (a Timeout, a
         * PromiseReaction), and its links up to the program's code */
        if (b.len) {
            sb_put(&b, " (a ");
            base_text(&b, snap, p->hops[end].node);
            sb_put(&b, ")");
        } else {
            /* the link from the runtime's objects into the program's code:
             * "Timeout._onTimeout" */
            for (i = end; i + 1 < p->length && ms_node_origin(snap, p->hops[i + 1].node) !=
                                                   MS_ORIGIN_USER;)
                i++;
            if (i + 1 == p->length)
                i = end;
            base_text(&b, snap, p->hops[i].node);
            if (i + 1 < p->length)
                hop_text(&b, snap, p, i, p->length, false);
        }
    }
    return b.len;
}

ms_node cli_cause_code(ms_snapshot *snap, const ms_path_group *g, ms_node holder)
{
    const ms_path *p = &g->path;
    /* a function of the program's that the reference holds (a listener, a
     * timer's callback) or that holds the object */
    for (size_t i = g->entry_hop; i < p->length; i++) {
        ms_node v = p->hops[i].node;
        if (strcmp(ms_node_type(snap, v), "closure") == 0 &&
            ms_node_origin(snap, v) == MS_ORIGIN_USER)
            return v;
    }
    for (size_t i = g->entry_hop; i-- > 0;) {
        ms_node v = p->hops[i].node;
        if (strcmp(ms_node_type(snap, v), "closure") == 0 &&
            ms_node_origin(snap, v) == MS_ORIGIN_USER)
            return v;
        if (v == holder)
            break;
    }
    return holder;
}

/* The program's code as cli_cause says it: "via function onChange,
 * server.js:52:20", "module scope, server.js", "Poller, server.js:43:14";
 * 0 for none. */
static size_t code_text(ms_snapshot *snap, ms_node code, char *buf, size_t cap)
{
    char where[160], name[96];
    size_t wl, nl;
    buf[0] = 0;
    if (code == MS_NODE_NONE)
        return 0;
    wl = cli_location_text(snap, code, where, sizeof where);
    if ((nl = ms_node_scope(snap, code, name, sizeof name)))
        return cli_written(snprintf(buf, cap, "%s%s%s", name, wl ? ", " : "", where), cap);
    if (strcmp(ms_node_type(snap, code), "closure") == 0) {
        nl = ms_node_label(snap, code, name, sizeof name);
        if (nl && nl < sizeof name)
            return cli_written(snprintf(buf, cap, "via function %s%s%s", name, wl ? ", " : "", where),
                           cap);
        return cli_written(snprintf(buf, cap, "via the function%s%s", wl ? " at " : "", where), cap);
    }
    if (!wl)
        return 0;
    return cli_written(snprintf(buf, cap, "%s, %s", ms_node_class(snap, code), where), cap);
}

void cli_cause_get(ms_snapshot *snap, const ms_path_group *g, cli_cause *c)
{
    ms_location loc;
    const char *file = NULL;
    bool after = false; /* the code is on the path from the entry on */
    memset(c, 0, sizeof *c);
    decl_names names;
    c->reference_len =
        cause_reference(snap, g, c->reference, sizeof c->reference, &c->holder, &names);
    c->code = cli_cause_code(snap, g, c->holder);
    for (size_t i = g->entry_hop; i < g->path.length && !after; i++)
        after = g->path.hops[i].node == c->code;
    /* the variable's or property's declaration, in the holder's script or
     * the leaked class's */
    if (names.n) {
        if (c->holder != MS_NODE_NONE && ms_node_location(snap, c->holder, &loc) && loc.file)
            file = loc.file;
        else if (ms_node_location(snap, g->example, &loc) && loc.file)
            file = loc.file;
        for (unsigned k = 0; file && k < names.n && !c->file; k++)
            if (cli_find_declaration(file, names.name[k], &c->line, &c->column)) {
                c->file = file;
                snprintf(c->name, sizeof c->name, "%s", names.name[k]);
            }
    }
    /* a function the reference holds (a listener) says most; then the
     * declaration of the variable or property the reference starts at */
    if (c->code != MS_NODE_NONE && after &&
        strcmp(ms_node_type(snap, c->code), "closure") == 0) {
        c->code_len = code_text(snap, c->code, c->code_text, sizeof c->code_text);
    } else if (c->file) {
        char where[160];
        cli_where_text(c->file, 0, c->line, c->column, where, sizeof where);
        c->code_len = cli_written(snprintf(c->code_text, sizeof c->code_text, "%s declared at %s",
                                       c->name, where),
                              sizeof c->code_text);
    } else {
        c->code_len = code_text(snap, c->code, c->code_text, sizeof c->code_text);
    }
}

cJSON *cli_cause_json(ms_snapshot *snap, const ms_path_group *g, const cli_cause *c)
{
    cJSON *o = cJSON_CreateObject();
    if (c->reference_len)
        cJSON_AddItemToObject(o, "reference", cli_json_string(c->reference, c->reference_len));
    else
        cJSON_AddNullToObject(o, "reference");
    cJSON_AddNumberToObject(o, "entry_hop", (double)g->entry_hop);
    cJSON_AddNumberToObject(o, "entries", (double)g->entries);
    if (c->code != MS_NODE_NONE)
        cJSON_AddItemToObject(o, "code", cli_object_json(snap, c->code));
    else
        cJSON_AddNullToObject(o, "code");
    if (c->file) {
        cJSON *d = cJSON_AddObjectToObject(o, "declaration");
        cJSON_AddItemToObject(d, "name", cli_json_string(c->name, strlen(c->name)));
        cJSON_AddItemToObject(d, "location", cli_location_json(c->file, 0, c->line, c->column));
    } else {
        cJSON_AddNullToObject(o, "declaration");
    }
    if (c->code_len)
        cJSON_AddItemToObject(o, "text", cli_json_string(c->code_text, c->code_len));
    else
        cJSON_AddNullToObject(o, "text");
    return o;
}

void cli_print_cause(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                     const char *indent)
{
    char a[32], b[32], d[32], where[160];
    cli_cause c;
    const char *cls = ms_node_class(snap, g->example);
    cli_cause_get(snap, g, &c);
    fprintf(f, "%s#%zu  %s ", indent, number, cli_count(g->class_count, a));
    cli_print_name(f, cls, strlen(cls), 60);
    if (cli_location_text(snap, g->example, where, sizeof where) &&
        strcmp(ms_node_type(snap, g->example), "closure") != 0)
        fprintf(f, " (%s)", where);
    if (c.reference_len)
        fprintf(f, " held by %s", c.reference);
    else if (!g->path.length)
        fputs(" that no strong path holds", f);
    if (c.code_len)
        fprintf(f, " (%s)", c.code_text);
    fprintf(f, "\n%s    cutting it frees %s (%s object%s); for example %s:\n", indent,
            cli_size(g->retained_size, b), cli_count(g->count, d), g->count == 1 ? "" : "s",
            cli_id(snap, g->example));
}

