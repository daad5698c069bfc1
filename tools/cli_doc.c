/*
 * cli_doc.c: what the one-snapshot commands do around their own analysis
 * (see cli_doc.h).
 */
#include "cli_doc.h"

#include "cli_paths.h"

int cli_open_sized(const char *path, bool raw, ms_snapshot **snap, double *seconds)
{
    ms_error err = MS_ERROR_INIT;
    if (cli_open(path, snap, seconds, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(*snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    return CLI_OK;
}

int cli_compute(ms_snapshot *snap, unsigned what)
{
    ms_error err = MS_ERROR_INIT;
    if (ms_snapshot_compute(snap, what, &err) < 0)
        return cli_fail(&err);
    return CLI_OK;
}

cJSON *cli_json_doc(const char *schema, ms_snapshot *snap, const char *file, bool raw)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "schema", schema);
    cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(snap, file));
    cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
    return doc;
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
    close_rc = cli_output_close(&o, rc == CLI_OK);
    return rc != CLI_OK ? rc : close_rc;
}

size_t cli_shown(uint64_t top, size_t n)
{
    return top && top < n ? (size_t)top : n;
}

void cli_print_more(FILE *f, uint64_t shown, uint64_t total, const char *what, bool blank_line)
{
    char a[32];
    if (shown < total)
        fprintf(f, "%s... %s more %s (-n 0 shows all)\n", blank_line ? "\n" : "",
                cli_count(total - shown, a), what);
}
