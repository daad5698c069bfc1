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

/* Paths longer than this show their first and last hops. */
#define TEXT_HOPS_SHOWN 8
#define JSON_HOPS_MAX 10000

const char *cli_distance_text(int32_t d, char buf[16])
{
    if (d < 0 || d >= MS_DISTANCE_SYSTEM_BASE)
        return "-";
    snprintf(buf, 16, "%d", (int)d);
    return buf;
}

/* "cls @id  name": the class at most 60 characters, the name at most
 * name_max and only when it says more than the class. */
static void print_object(FILE *f, ms_snapshot *snap, ms_node n, const char *cls, size_t name_max)
{
    char label[128];
    size_t ll = ms_node_label(snap, n, label, sizeof label);
    cli_print_name(f, cls, strlen(cls), 60);
    fprintf(f, " %s", cli_id(snap, n));
    if (ll && (ll != strlen(cls) || memcmp(label, cls, ll) != 0)) {
        fputs("  ", f);
        cli_print_name(f, label, ll < sizeof label ? ll : sizeof label - 1, name_max);
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

void cli_print_edge(FILE *f, const ms_snapshot *snap, uint64_t e)
{
    ms_edge_info info;
    ms_edge_get(snap, e, &info);
    fputs("--", f);
    if (info.name)
        cli_print_name(f, info.name, strlen(info.name), 60);
    else
        fprintf(f, "%u", info.index);
    fprintf(f, " (%s)-->", info.type);
}

static void print_hop(FILE *f, ms_snapshot *snap, const ms_hop *h, const char *indent)
{
    char a[32];
    fprintf(f, "%s%11s  ", indent, cli_size(ms_node_retained_size(snap, h->node), a));
    cli_print_object(f, snap, h->node);
    if (h->edge != UINT64_MAX) {
        fputs("  ", f);
        cli_print_edge(f, snap, h->edge);
    }
    fputc('\n', f);
}

void cli_print_path(FILE *f, ms_snapshot *snap, const ms_path *p, const char *indent)
{
    for (size_t i = 0; i < p->length; i++) {
        if (p->length > 2 * TEXT_HOPS_SHOWN + 1 && i == TEXT_HOPS_SHOWN) {
            char a[32];
            size_t skip = p->length - 2 * TEXT_HOPS_SHOWN;
            fprintf(f, "%s%11s  ... %s more hops ...\n", indent, "", cli_count(skip, a));
            i += skip - 1;
            continue;
        }
        print_hop(f, snap, &p->hops[i], indent);
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
    cli_add_node_sizes(o, snap, n);
    return o;
}

cJSON *cli_class_json(const ms_class_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
    cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
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
    size_t elided = 0;
    cJSON_AddNumberToObject(o, "length", (double)p->length);
    for (size_t i = 0; i < p->length; i++) {
        cJSON *h;
        if (p->length > JSON_HOPS_MAX && i == JSON_HOPS_MAX / 2) {
            elided = p->length - JSON_HOPS_MAX;
            i += elided - 1;
            continue;
        }
        h = cli_object_json(snap, p->hops[i].node);
        if (p->hops[i].edge != UINT64_MAX)
            cJSON_AddItemToObject(h, "edge", cli_edge_json(snap, p->hops[i].edge));
        cJSON_AddItemToArray(hops, h);
    }
    cJSON_AddNumberToObject(o, "elided", (double)elided);
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
