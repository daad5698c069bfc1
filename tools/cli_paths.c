/*
 * cli_paths.c: printing objects and retention paths, as text and JSON, for
 * why, cycles, compare and leaks.
 */
#include "cli_paths.h"

#include <ctype.h>
#include <errno.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define JSON_HOPS_MAX 10000

/* {file, script_id, line, column}: file the whole name or URL, null when
 * no closure names the script; line and column 1-based, 0 unknown. */
cJSON *cli_location_json(const char *file, uint32_t script_id, uint32_t line, uint32_t column)
{
    cJSON *o = cJSON_CreateObject();
    if (file)
        cJSON_AddItemToObject(o, "file", cli_json_string(file, strlen(file)));
    else
        cJSON_AddNullToObject(o, "file");
    cJSON_AddNumberToObject(o, "script_id", script_id);
    cJSON_AddNumberToObject(o, "line", line);
    cJSON_AddNumberToObject(o, "column", column);
    return o;
}

const char *cli_distance_text(int32_t d, char buf[16])
{
    if (d < 0 || d >= MS_DISTANCE_SYSTEM_BASE)
        return "-";
    snprintf(buf, 16, "%d", (int)d);
    return buf;
}

/* Whether a location was printed as "script N" (cli_unnamed_script_note). */
static bool unnamed_script_shown;

void cli_unnamed_script_note(FILE *f)
{
    if (unnamed_script_shown)
        fputs("\n\"script N\": a script the snapshot does not name (eval'd code, or none of its"
              " functions survives); N is V8's script id.\n",
              f);
    unnamed_script_shown = false;
}

const char *cli_short_file(const char *file, size_t *len)
{
    size_t n = strlen(file), cut;
    /* Node's own modules and URLs without a path keep their whole name */
    if (strncmp(file, "node:", 5) == 0) {
        *len = n;
        return file;
    }
    /* a URL's query and fragment are not its file ("page.html?n=200") */
    if (strstr(file, "://"))
        n = strcspn(file, "?#");
    cut = n;
    while (cut > 0 && file[cut - 1] != '/' && file[cut - 1] != '\\')
        cut--;
    /* index.js says little without its folder */
    if (cut > 1 && strncmp(file + cut, "index.", 6) == 0) {
        size_t up = cut - 1;
        while (up > 0 && file[up - 1] != '/' && file[up - 1] != '\\')
            up--;
        cut = up;
    }
    *len = n - cut;
    return file + cut;
}

/* The length snprintf's result k leaves in a buffer of cap bytes. */
size_t cli_written(int k, size_t cap)
{
    return k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
}

/* "server.js:33:15" (1-based; the file part only when line is 0), a script
 * no closure names as "script N" (and the note after the report). */
size_t cli_where_text(const char *file, uint32_t script_id, uint32_t line, uint32_t column,
                         char *buf, size_t cap)
{
    char unnamed[32];
    size_t fl;
    if (file) {
        file = cli_short_file(file, &fl);
    } else {
        snprintf(unnamed, sizeof unnamed, "script %u", script_id);
        unnamed_script_shown = true;
        file = unnamed;
        fl = strlen(unnamed);
    }
    if (line)
        return cli_written(snprintf(buf, cap, "%.*s:%u:%u", (int)fl, file, line, column), cap);
    return cli_written(snprintf(buf, cap, "%.*s", (int)fl, file), cap);
}

size_t cli_location_text(const ms_snapshot *snap, ms_node n, char *buf, size_t cap)
{
    ms_location loc;
    buf[0] = 0;
    if (!ms_node_location(snap, n, &loc))
        return 0;
    return cli_where_text(loc.file, loc.script_id, loc.column ? loc.line : 0, loc.column, buf, cap);
}

/* The position a class key holds ("script,line,column,Name", 0-based). */
static bool key_position(const char *key, unsigned *sc, unsigned *li, unsigned *co)
{
    return key && key[0] != ',' && sscanf(key, "%u,%u,%u,", sc, li, co) == 3;
}

size_t cli_class_where(const ms_snapshot *snap, const char *key, char *buf, size_t cap)
{
    unsigned sc, li, co;
    buf[0] = 0;
    if (!key_position(key, &sc, &li, &co))
        return 0;
    return cli_where_text(snap ? ms_script_name(snap, sc) : NULL, sc, li + 1, co + 1, buf, cap);
}

void cli_print_class(FILE *f, const ms_snapshot *snap, const char *name, const char *key,
                     size_t max)
{
    char where[160];
    cli_print_name(f, name, strlen(name), max);
    if (cli_class_where(snap, key, where, sizeof where))
        fprintf(f, "  %s", where);
}

void cli_md_class(FILE *f, const ms_snapshot *snap, const char *name, const char *key)
{
    char where[160];
    cli_md_text(f, name);
    if (cli_class_where(snap, key, where, sizeof where)) {
        fputc(' ', f);
        cli_md_text(f, where);
    }
}

/* "cls @id  name (file:line:col)": the class at most 60 characters; the
 * name at most name_max, a scope's name ("module scope") or the label
 * when it says more than the class; where its code is. */
static void print_object(FILE *f, ms_snapshot *snap, ms_node n, const char *cls, size_t name_max)
{
    char label[128], where[160];
    size_t ll = ms_node_scope(snap, n, label, sizeof label);
    if (!ll)
        ll = ms_node_label(snap, n, label, sizeof label);
    cli_print_name(f, cls, strlen(cls), 60);
    fprintf(f, " %s", cli_id(snap, n));
    if (ll && (ll != strlen(cls) || memcmp(label, cls, ll) != 0)) {
        fputs("  ", f);
        cli_print_name(f, label, ll < sizeof label ? ll : sizeof label - 1, name_max);
    } else {
        ll = 0;
    }
    if (cli_location_text(snap, n, where, sizeof where))
        fprintf(f, "%s(%s)", ll ? " " : "  ", where);
}

/* A root category's name for what it holds ("(modules) --zipfile-->":
 * "zipfile"), into holder; 0 when e is not such an edge. */
static size_t root_given_name(ms_snapshot *snap, uint64_t e, char *holder, size_t cap)
{
    ms_edge_info info;
    int k;
    if (e == UINT64_MAX || !ms_node_is_synthetic(snap, ms_edge_source(snap, e)))
        return 0;
    ms_edge_get(snap, e, &info);
    if (!info.name || strcmp(info.type, "property") != 0)
        return 0;
    k = snprintf(holder, cap, "%.100s", info.name);
    return k < 0 ? 0 : (size_t)k;
}

size_t cli_reach_name(ms_snapshot *snap, uint64_t e, uint64_t holder_e, char *buf, size_t cap)
{
    ms_edge_info info;
    ms_node v;
    char holder[128], edge[96], where[160];
    size_t hl;
    int k;
    buf[0] = 0;
    if (e == UINT64_MAX)
        return 0;
    ms_edge_get(snap, e, &info);
    v = ms_edge_source(snap, e);
    if (root_given_name(snap, e, holder, sizeof holder))
        return cli_written(snprintf(buf, cap, "%s", holder), cap);
    if ((strcmp(info.type, "property") != 0 && strcmp(info.type, "context") != 0 &&
         strcmp(info.type, "element") != 0 && strcmp(info.type, "internal") != 0) ||
        ms_node_is_synthetic(snap, v))
        return 0;
    if (info.name)
        snprintf(edge, sizeof edge, "%.80s", info.name);
    else
        snprintf(edge, sizeof edge, "[%u]", info.index);
    /* a scope's variable: "sessionCache (server.js)", "ctx (handle(), server.js)" */
    if ((hl = ms_node_scope(snap, v, holder, sizeof holder))) {
        size_t wl = cli_location_text(snap, v, where, sizeof where);
        if (strcmp(holder, "module scope") == 0)
            k = snprintf(buf, cap, "%s (%s)", edge, wl ? where : holder);
        else if (strncmp(holder, "scope of ", 9) == 0)
            k = snprintf(buf, cap, "%s (%s%s%s)", edge, holder + 9, wl ? ", " : "", where);
        else
            k = snprintf(buf, cap, "%s (%s%s%s)", edge, holder, wl ? ", " : "", where);
        return cli_written(k, cap);
    }
    /* an object's property or element: "global.cache", "BuiltinModule.map",
     * "registry[3]"; a function by its name, what a root category holds by
     * the name it gives it ("__main__.__dict__") */
    hl = root_given_name(snap, holder_e, holder, sizeof holder);
    if (!hl)
        hl = strcmp(ms_node_type(snap, v), "closure") == 0
                 ? ms_node_label(snap, v, holder, sizeof holder)
                 : (size_t)snprintf(holder, sizeof holder, "%.100s", ms_node_class(snap, v));
    if (!hl)
        snprintf(holder, sizeof holder, "%s", ms_node_class(snap, v));
    return cli_written(snprintf(buf, cap, "%s%s%s", holder, info.name ? "." : "", edge), cap);
}

static int node_order(const void *a, const void *b)
{
    ms_node x = *(const ms_node *)a, y = *(const ms_node *)b;
    return x < y ? -1 : x > y;
}

int cli_reach_edges(ms_snapshot *snap, const ms_node *nodes, size_t count, uint64_t **reach,
                    uint64_t **holder_reach)
{
    ms_error err = MS_ERROR_INIT;
    size_t n = count ? count : 1, nh = 0;
    ms_node *holders = malloc(n * sizeof *holders);
    uint64_t *hedge = malloc(n * sizeof *hedge);
    int rc = CLI_OK;
    *reach = malloc(n * sizeof **reach);
    *holder_reach = malloc(n * sizeof **holder_reach);
    if (!holders || !hedge || !*reach || !*holder_reach) {
        rc = cli_out_of_memory();
        goto done;
    }
    if (ms_retention_edges(snap, nodes, count, 1, *reach, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    /* The holders a root category names ("(modules) --zipfile-->"): the
     * edges out of synthetic nodes, one step nearer the roots, are few;
     * reading them beats a second pass over all edges. */
    for (size_t i = 0; i < count; i++)
        if ((*reach)[i] != UINT64_MAX)
            holders[nh++] = ms_edge_source(snap, (*reach)[i]);
    qsort(holders, nh, sizeof *holders, node_order);
    for (size_t i = 0; i < nh; i++)
        hedge[i] = UINT64_MAX;
    for (ms_node v = 0; nh && v < ms_snapshot_node_count(snap); v++) {
        uint64_t first, deg;
        if (!ms_node_is_synthetic(snap, v))
            continue;
        deg = ms_node_edges(snap, v, &first);
        for (uint64_t e = first; e < first + deg; e++) {
            ms_edge_info info;
            ms_node *h;
            ms_edge_get(snap, e, &info);
            h = bsearch(&info.to, holders, nh, sizeof *holders, node_order);
            if (h && hedge[h - holders] == UINT64_MAX && info.name &&
                ms_node_distance(snap, info.to) == ms_node_distance(snap, v) + 1)
                hedge[h - holders] = e;
        }
    }
    for (size_t i = 0; i < count; i++) {
        ms_node hv;
        ms_node *h;
        (*holder_reach)[i] = UINT64_MAX;
        if ((*reach)[i] == UINT64_MAX)
            continue;
        hv = ms_edge_source(snap, (*reach)[i]);
        if ((h = bsearch(&hv, holders, nh, sizeof *holders, node_order)))
            (*holder_reach)[i] = hedge[h - holders];
    }
done:
    free(holders);
    free(hedge);
    return rc;
}

void cli_add_reached_by(cJSON *o, ms_snapshot *snap, uint64_t e, uint64_t holder_e)
{
    char name[256];
    size_t nl = cli_reach_name(snap, e, holder_e, name, sizeof name);
    cJSON *rj;
    if (e == UINT64_MAX)
        return;
    rj = cJSON_AddObjectToObject(o, "reached_by");
    cJSON_AddNumberToObject(rj, "from_id", (double)ms_node_id(snap, ms_edge_source(snap, e)));
    cJSON_AddItemToObject(rj, "edge", cli_edge_json(snap, e));
    if (nl)
        cJSON_AddItemToObject(rj, "name", cli_json_string(name, nl));
    else
        cJSON_AddNullToObject(rj, "name");
}

void cli_print_reached_object(FILE *f, ms_snapshot *snap, ms_node n, uint64_t e,
                              uint64_t holder_e)
{
    char reach[256];
    cli_print_row_object(f, snap, n);
    if (cli_reach_name(snap, e, holder_e, reach, sizeof reach)) {
        fputs("  <- ", f);
        cli_print_name(f, reach, strlen(reach), 60);
    }
}

void cli_print_object(FILE *f, ms_snapshot *snap, ms_node n)
{
    print_object(f, snap, n, n == ms_snapshot_root(snap) ? "(root)" : ms_node_class(snap, n), 40);
}

void cli_print_row_object(FILE *f, ms_snapshot *snap, ms_node n)
{
    print_object(f, snap, n, ms_node_class(snap, n), 50);
}

const char *cli_id(const ms_snapshot *snap, ms_node n)
{
    static char buf[4][32];
    static int which;
    return cli_node_id(snap, n, buf[which++ & 3]);
}

/* "--name (type)-->", elements as "--[3] (element)-->". */
void cli_print_edge(FILE *f, const ms_snapshot *snap, uint64_t e)
{
    ms_edge_info info;
    ms_edge_get(snap, e, &info);
    fputs("--", f);
    if (info.name)
        cli_print_name(f, info.name, strlen(info.name), 60);
    else if (strcmp(info.type, "element") == 0)
        fprintf(f, "[%u]", info.index);
    else
        fprintf(f, "%u", info.index);
    fprintf(f, " (%s)-->", info.type);
}

static bool full_paths;

void cli_set_full_paths(bool full)
{
    full_paths = full;
}

/* A map entry's key as people write it: a string quoted, another object
 * as "Class @id". */
static void print_key(FILE *f, ms_snapshot *snap, ms_node key)
{
    const char *type;
    char label[64];
    size_t ll;
    if (key == MS_NODE_NONE) {
        fputs("?", f);
        return;
    }
    type = ms_node_type(snap, key);
    if (strstr(type, "string")) {
        ll = ms_node_label(snap, key, label, sizeof label);
        fputc('"', f);
        cli_print_name(f, label, ll < sizeof label ? ll : sizeof label - 1, 40);
        fputc('"', f);
    } else {
        fprintf(f, "%s %s", ms_node_class(snap, key), cli_id(snap, key));
    }
}

/* Hop i of p: retained size, object, and the edge to the next hop; a Map
 * or Set leaving by an entry of its table names the entry and takes the
 * table's hop with it.  Returns the hops printed (1 or 2). */
static size_t print_hop(FILE *f, ms_snapshot *snap, const ms_path *p, size_t i,
                        const char *indent)
{
    const ms_hop *h = &p->hops[i];
    char a[32];
    ms_node key;
    ms_entry_kind kind;
    fprintf(f, "%s%11s  ", indent, cli_size(ms_node_retained_size(snap, h->node), a));
    cli_print_object(f, snap, h->node);
    kind = ms_path_entry(snap, p, i, &key);
    if (kind == MS_ENTRY_MAP) {
        fputs("  --get(", f);
        print_key(f, snap, key);
        fputs(")-->\n", f);
        return 2;
    }
    if (kind == MS_ENTRY_SET || kind == MS_ENTRY_MAP_KEY) {
        fputs(kind == MS_ENTRY_SET ? "  --member-->\n" : "  --key-->\n", f);
        return 2;
    }
    if (h->edge != UINT64_MAX) {
        fputs("  ", f);
        cli_print_edge(f, snap, h->edge);
    }
    fputc('\n', f);
    return 1;
}

/* Whether hops a and b take the same step: objects of one class leaving
 * by edges of one type and name (any index). */
bool cli_same_step(const ms_snapshot *snap, const ms_path *p, size_t a, size_t b)
{
    ms_edge_info x, y;
    if (strcmp(ms_node_class(snap, p->hops[a].node), ms_node_class(snap, p->hops[b].node)) != 0)
        return false;
    ms_edge_get(snap, p->hops[a].edge, &x);
    ms_edge_get(snap, p->hops[b].edge, &y);
    if (strcmp(x.type, y.type) != 0)
        return false;
    return x.name && y.name ? strcmp(x.name, y.name) == 0 : !x.name && !y.name;
}

/* The runtime's hops that lead into the program's: [*from, *to) of p,
 * from the first of the runtime's objects to the one before the hop into
 * the program's first (that hop stays, it holds the program's code);
 * false when there is no such run of two hops or more. */
static bool runtime_run(const ms_snapshot *snap, const ms_path *p, size_t *from, size_t *to)
{
    size_t r = 0;
    for (size_t i = 1; i < p->length; i++) {
        ms_origin o = ms_node_origin(snap, p->hops[i].node);
        if (o == MS_ORIGIN_USER) {
            if (r && i - 1 >= r + 2) {
                *from = r;
                *to = i - 1;
                return true;
            }
            return false;
        }
        if (o == MS_ORIGIN_RUNTIME && !r)
            r = i;
    }
    return false;
}

/* "... N runtime hops (node:timers, node:internal/timers) ...": hops
 * [from, to) of p folded into one line, with the scripts they are in. */
static void print_runtime_fold(FILE *f, const ms_snapshot *snap, const ms_path *p, size_t from,
                               size_t to, const char *indent)
{
    char seen[2][160], where[160];
    size_t nseen = 0;
    fprintf(f, "%s%11s  ... %zu runtime hops", indent, "", to - from);
    for (size_t i = from; i < to && nseen < 2; i++) {
        ms_location loc;
        bool dup = false;
        if (!ms_node_location(snap, p->hops[i].node, &loc))
            continue;
        cli_where_text(loc.file, loc.script_id, 0, 0, where, sizeof where); /* the script alone */
        for (size_t k = 0; k < nseen; k++)
            dup |= strcmp(seen[k], where) == 0;
        if (!dup)
            snprintf(seen[nseen++], sizeof seen[0], "%s", where);
    }
    for (size_t k = 0; k < nseen; k++)
        fprintf(f, "%s%s", k ? ", " : " (", seen[k]);
    fprintf(f, "%s ...\n", nseen ? ")" : "");
}

/* Paths print whole up to this many lines; longer ones show their first
 * and last lines. */
#define TEXT_LINES_MAX 40

void cli_print_path(FILE *f, ms_snapshot *snap, const ms_path *p, const char *indent)
{
    size_t i = 0, lines = 0, last_from, from, to;
    char a[32];
    if (full_paths) {
        while (i < p->length)
            i += print_hop(f, snap, p, i, indent);
        return;
    }
    if (p->length == 0)
        return;
    /* the runtime's hops before the program's first one fold into a line;
     * the hops before them and the one into the program's code stay */
    if (runtime_run(snap, p, &from, &to)) {
        while (i < from)
            i += print_hop(f, snap, p, i, indent);
        print_runtime_fold(f, snap, p, from, to, indent);
        i = to;
        lines++;
    }
    /* past TEXT_LINES_MAX, the middle goes; the last lines stay */
    last_from = p->length > TEXT_LINES_MAX ? p->length - TEXT_LINES_MAX / 2 : p->length;
    while (i < p->length) {
        size_t j = i;
        while (j + 2 < p->length && cli_same_step(snap, p, i, j + 1))
            j++;
        if (lines == TEXT_LINES_MAX / 2 && i < last_from) {
            fprintf(f, "%s%11s  ... %s more hops ...\n", indent, "",
                    cli_count(last_from - i, a));
            i = last_from;
            continue;
        }
        i += print_hop(f, snap, p, i, indent);
        lines++;
        if (j >= i + 1) {
            /* a run of one step (a linked list, a timer list): one line */
            fprintf(f, "%s%11s  ... the same step %s more times ...\n", indent, "",
                    cli_count(j + 1 - i, a));
            i = j + 1;
            lines++;
        }
    }
}

void cli_print_group(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                     const char *noun, const char *indent)
{
    char a[32], b[32], inner[64];
    snprintf(inner, sizeof inner, "%s  ", indent);
    fprintf(f, "%s#%zu  %s %s%s retaining %s; for example %s:\n", indent, number,
            cli_count(g->count, a), noun, g->count == 1 ? "" : "s", cli_size(g->retained_size, b),
            cli_id(snap, g->example));
    if (g->path.length)
        cli_print_path(f, snap, &g->path, inner);
    else
        fprintf(f, "%s(no strong path from the GC roots: weakly held or garbage)\n", inner);
}

cJSON *cli_label_json(ms_snapshot *snap, ms_node n, size_t cap)
{
    char label[256];
    size_t ll;
    if (cap > sizeof label)
        cap = sizeof label;
    ll = ms_node_label(snap, n, label, cap);
    return cli_json_string(label, ll < cap ? ll : cap - 1);
}

void cli_add_node_sizes(cJSON *o, ms_snapshot *snap, ms_node n)
{
    cJSON_AddNumberToObject(o, "shallow_size", (double)ms_node_shallow_size(snap, n));
    cJSON_AddNumberToObject(o, "retained_size", (double)ms_node_retained_size(snap, n));
    cJSON_AddNumberToObject(o, "distance", ms_node_distance(snap, n));
}

cJSON *cli_object_json(ms_snapshot *snap, ms_node n)
{
    cJSON *o = cJSON_CreateObject();
    const char *cls = ms_node_class(snap, n);
    cJSON_AddNumberToObject(o, "id", (double)ms_node_id(snap, n));
    cJSON_AddStringToObject(o, "type", ms_node_type(snap, n));
    cJSON_AddItemToObject(o, "class", cli_json_string(cls, strlen(cls)));
    cJSON_AddItemToObject(o, "name", cli_label_json(snap, n, 256));
    cli_add_node_details(o, snap, n);
    cli_add_node_sizes(o, snap, n);
    return o;
}

const char *cli_origin_name(ms_origin o)
{
    return o == MS_ORIGIN_USER ? "user" : o == MS_ORIGIN_RUNTIME ? "runtime" : "unknown";
}

void cli_add_node_details(cJSON *o, ms_snapshot *snap, ms_node n)
{
    ms_location loc;
    char scope[128];
    size_t sl = ms_node_scope(snap, n, scope, sizeof scope);
    if (sl)
        cJSON_AddItemToObject(o, "scope", cli_json_string(scope, sl));
    if (ms_node_location(snap, n, &loc))
        cJSON_AddItemToObject(o, "location",
                              cli_location_json(loc.file, loc.script_id, loc.line, loc.column));
    cJSON_AddStringToObject(o, "origin", cli_origin_name(ms_node_origin(snap, n)));
}

void cli_add_class_location(cJSON *o, const ms_snapshot *snap, const char *key)
{
    unsigned sc, li, co;
    if (!key_position(key, &sc, &li, &co))
        return;
    cJSON_AddItemToObject(o, "location",
                          cli_location_json(snap ? ms_script_name(snap, sc) : NULL, sc, li + 1, co + 1));
}

cJSON *cli_class_json(const ms_snapshot *snap, const ms_class_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
    cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
    cli_add_class_location(o, snap, r->key);
    cJSON_AddNumberToObject(o, "count", (double)r->count);
    cJSON_AddNumberToObject(o, "shallow_size", (double)r->shallow_size);
    cJSON_AddNumberToObject(o, "retained_size", (double)r->retained_size);
    cJSON_AddNumberToObject(o, "distance", r->distance);
    return o;
}

cJSON *cli_edge_json(const ms_snapshot *snap, uint64_t e)
{
    cJSON *o = cJSON_CreateObject();
    ms_edge_info info;
    ms_edge_get(snap, e, &info);
    cJSON_AddStringToObject(o, "type", info.type);
    if (info.name)
        cJSON_AddItemToObject(o, "name", cli_json_string(info.name, strlen(info.name)));
    else
        cJSON_AddNumberToObject(o, "index", info.index);
    return o;
}

cJSON *cli_path_json(ms_snapshot *snap, const ms_path *p)
{
    cJSON *o = cJSON_CreateObject(), *hops = cJSON_CreateArray();
    size_t elided = 0, folded = 0;
    cJSON_AddNumberToObject(o, "length", (double)p->length);
    for (size_t i = 0; i < p->length; i++) {
        cJSON *h;
        size_t j = i;
        if (p->length > JSON_HOPS_MAX && i == JSON_HOPS_MAX / 2) {
            elided = p->length - JSON_HOPS_MAX;
            i += elided - 1;
            continue;
        }
        /* a run of one step (a linked list): its first hop and its length,
         * as the text prints it, so that output follows causes, not hops */
        while (!full_paths && j + 2 < p->length && cli_same_step(snap, p, i, j + 1))
            j++;
        h = cli_object_json(snap, p->hops[i].node);
        if (p->hops[i].edge != UINT64_MAX) {
            cJSON *ej = cli_edge_json(snap, p->hops[i].edge);
            ms_node key;
            ms_entry_kind kind = ms_path_entry(snap, p, i, &key);
            if (kind != MS_ENTRY_NONE) {
                /* the edge into the collection's table: what it holds */
                cJSON *en = cJSON_AddObjectToObject(ej, "entry");
                cJSON_AddStringToObject(en, "kind", kind == MS_ENTRY_MAP       ? "map"
                                                    : kind == MS_ENTRY_MAP_KEY ? "key"
                                                                               : "set");
                if (kind == MS_ENTRY_MAP && key != MS_NODE_NONE) {
                    cJSON_AddNumberToObject(en, "key_id", (double)ms_node_id(snap, key));
                    cJSON_AddItemToObject(en, "key", cli_label_json(snap, key, 256));
                }
            }
            cJSON_AddItemToObject(h, "edge", ej);
        }
        if (j >= i + 2) {
            cJSON_AddNumberToObject(h, "run", (double)(j - i));
            folded += j - i;
            i = j;
        }
        cJSON_AddItemToArray(hops, h);
    }
    cJSON_AddNumberToObject(o, "elided", (double)elided);
    cJSON_AddNumberToObject(o, "folded", (double)folded);
    cJSON_AddItemToObject(o, "hops", hops);
    return o;
}

cJSON *cli_input_json(const ms_snapshot_info *info)
{
    cJSON *sj = cJSON_CreateObject();
    cJSON_AddItemToObject(sj, "file", cli_json_string(info->name, strlen(info->name)));
    cJSON_AddStringToObject(sj, "format", ms_format_name(info->format));
    cJSON_AddNumberToObject(sj, "node_count", info->node_count);
    cJSON_AddNumberToObject(sj, "edge_count", (double)info->edge_count);
    return sj;
}

cJSON *cli_snapshot_json(ms_snapshot *snap, const char *file)
{
    ms_snapshot_info info;
    ms_snapshot_info_get(snap, &info);
    info.name = file;
    return cli_input_json(&info);
}

bool cli_parse_id_text(const char *text, uint64_t *id)
{
    const char *p = text;
    char *end;
    bool hex;
    if (*p == '@')
        p++;
    hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    if (hex)
        p += 2;
    /* digits only: no sign, no space (strtoull would take them) */
    if (!*p || !(hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
        return false;
    errno = 0;
    /* Decimal (V8 ids: "017" is 17, not octal), or 0x... for addresses. */
    *id = strtoull(p, &end, hex ? 16 : 10);
    return !*end && errno == 0;
}

int cli_parse_id(ms_snapshot *snap, const char *text, ms_node *out)
{
    uint64_t v;
    if (!cli_parse_id_text(text, &v))
        return -1;
    *out = ms_snapshot_find_id(snap, v);
    return *out == MS_NODE_NONE ? 1 : 0;
}
