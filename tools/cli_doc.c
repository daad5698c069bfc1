/*
 * cli_doc.c: the steps the commands share around their own analysis (see
 * cli_doc.h).
 */
#include "cli_doc.h"

#include "cli_paths.h"

#include <string.h>

int cli_open_input(cli_input *in, const cli_common *opt)
{
    ms_error err = MS_ERROR_INIT;
    *in = (cli_input){NULL, opt->operands[0], opt->raw_sizes, 0};
    if (cli_open(in->file, &in->snap, &in->seconds, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(in->snap, in->raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    cli_watch(in->snap);
    return CLI_OK;
}

void cli_close_input(cli_input *in)
{
    if (!in->snap)
        return;
    cli_unwatch(in->snap);
    ms_snapshot_free(in->snap);
    in->snap = NULL;
}

int cli_start(const cli_cmd *cmd, int argc, char **argv, cli_common *opt, void *args,
              cli_input *in)
{
    int rc;
    in->snap = NULL;
    if ((rc = cli_parse_args(cmd, argc, argv, opt, args)) != CLI_RUN)
        return rc;
    if ((rc = cli_open_input(in, opt)) != CLI_OK)
        return rc;
    return CLI_RUN;
}

int cli_compute(ms_snapshot *snap, unsigned what)
{
    ms_error err = MS_ERROR_INIT;
    if (ms_snapshot_compute(snap, what, &err) < 0)
        return cli_fail(&err);
    return CLI_OK;
}

cJSON *cli_json_doc(const char *schema, const cli_input *in)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "schema", schema);
    cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(in->snap, in->file));
    cJSON_AddStringToObject(doc, "sizes", in->raw ? "raw" : "devtools");
    return doc;
}

const char *cli_sizes_text(const cli_input *in)
{
    const ms_trace_info *trace;
    switch (ms_snapshot_format(in->snap)) {
    case MS_FORMAT_HEAPSNAPSHOT:
        return in->raw ? "raw sizes" : "V8 self sizes, DevTools' shallow-size rules";
    case MS_FORMAT_BOEHM:
        return "Boehm object sizes"; /* GC_size: the slot, as the collector rounds it */
    case MS_FORMAT_MLYZE:
        /* No shallow-size rules: --raw-sizes changes nothing here. */
        trace = ms_snapshot_trace(in->snap);
        return trace && trace->has_heap ? "Python sys.getsizeof sizes"
                                        : "live bytes per allocation site";
    default:
        return in->raw ? "raw sizes" : "recorded sizes";
    }
}

void cli_add_numbers(cJSON *o, const cli_number *list)
{
    for (; o && list->name; list++)
        cJSON_AddNumberToObject(o, list->name, list->value);
}

int cli_write_doc(cJSON *doc, const char *path)
{
    int rc = cli_write_json(doc, path);
    cJSON_Delete(doc);
    return rc;
}

int cli_write_text(const char *path, int (*text)(FILE *f, void *ctx), void *ctx)
{
    cli_output o;
    int rc, close_rc;
    if ((rc = cli_output_open(&o, path)) != CLI_OK)
        return rc;
    rc = text(o.f, ctx);
    if (rc == CLI_OK)
        cli_unnamed_script_note(o.f);
    close_rc = cli_output_close(&o, rc == CLI_OK);
    return rc != CLI_OK ? rc : close_rc;
}

size_t cli_shown(uint64_t top, size_t n)
{
    return top && top < n ? (size_t)top : n;
}

/* WHAT for n of them: "classes changed", or for one "class changed" (the
 * first word made singular: classes, sites, groups). */
static void put_counted(FILE *f, uint64_t n, const char *what)
{
    const char *rest = strchr(what, ' ');
    size_t w = rest ? (size_t)(rest - what) : strlen(what);
    if (n == 1 && w > 3 && strncmp(what + w - 3, "ses", 3) == 0)
        w -= 2; /* classes -> class */
    else if (n == 1 && w > 1 && what[w - 1] == 's')
        w -= 1; /* sites -> site, groups -> group */
    fprintf(f, "%.*s%s", (int)w, what, rest ? rest : "");
}

void cli_print_more(FILE *f, uint64_t shown, uint64_t total, const char *what, bool blank_line)
{
    char a[32];
    if (shown < total) {
        fprintf(f, "%s... %s more ", blank_line ? "\n" : "", cli_count(total - shown, a));
        put_counted(f, total - shown, what);
        fputs(" (-n 0 shows all)\n", f);
    }
}

void cli_md_more(FILE *f, uint64_t shown, uint64_t total, const char *what)
{
    char a[32];
    if (shown < total) {
        fprintf(f, "\n%s more ", cli_count(total - shown, a));
        put_counted(f, total - shown, what);
        fputs(".\n", f);
    }
}
