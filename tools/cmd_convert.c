/*
 * cmd_convert.c: `memsnap convert SNAP -o FILE.msnap` - the snapshot as
 * memsnap's native file, with its analyses (docs/formats/msnap.md).
 *
 * Users get a .msnap by asking for it, never as a side effect: convert
 * writes exactly the file -o names (atomically: a temporary file in the
 * same directory, renamed into place when complete), and nothing else
 * (docs/cli.md, "convert").
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct convert_args {
    uint64_t level;
} convert_args;

static const cli_cmd convert_cmd = {
    .name = "convert",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        {.name = "level", .arg = "L",
         .help = "zstd level, 1 (fastest) to 19 (smallest); default 3",
         CLI_U64(convert_args, level, 3, 1, 19)},
        CLI_OPT_JSON("print what was written as JSON (schema memsnap.convert/1)"),
        {.name = "output", .letter = 'o', .arg = "FILE",
         .help = "the .msnap file to write (required; written atomically)", .type = CLI_V_STRING,
         CLI_AT_COMMON_(output)},
        CLI_OPT_HELP,
        CLI_OPT_END,
    },
    .description =
        "Writes SNAPSHOT (any format memsnap reads) as memsnap's native file: the\n"
        "graph, zstd-compressed by section, with its analyses stored beside it\n"
        "(distances, dominators, retained sizes, classes, retention paths, script\n"
        "names).  Every command reads the .msnap as it reads the snapshot, prints\n"
        "the same, and answers `top` and `why` without computing the analyses\n"
        "again.  Only the file -o names is written (never a cache next to the\n"
        "snapshot).  Prints one line: the sizes and the time.\n",
};

/* Whether a and b name the same existing file. */
static bool same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int cmd_convert(int argc, char **argv)
{
    ms_save_options so = MS_SAVE_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    cli_common opt;
    convert_args ca;
    cli_input in;
    cli_output out;
    struct stat st;
    double t0;
    int rc;

    if ((rc = cli_parse_args(&convert_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        return rc;
    if (!opt.output || strcmp(opt.output, "-") == 0)
        return cli_usage_error("convert: -o FILE.msnap is required (the file to write)");
    if (same_file(opt.operands[0], opt.output))
        return cli_usage_error("convert: %s is the input; choose another -o", opt.output);
    if ((rc = cli_open_input(&in, &opt)) != CLI_OK)
        return rc;
    t0 = cli_now();
    so.level = (int)ca.level;
    so.threads = 2;
    so.name = opt.output;
    if ((rc = cli_output_open(&out, opt.output)) == CLI_OK) {
        bool ok = ms_snapshot_save(in.snap, out.f, &so, &err) == MS_OK;
        rc = cli_output_close(&out, ok);
        if (!ok)
            rc = cli_fail(&err);
    }
    if (rc == CLI_OK && stat(opt.output, &st) == 0) {
        double seconds = cli_now() - t0;
        uint64_t in_bytes = ms_snapshot_input_bytes(in.snap), out_bytes = (uint64_t)st.st_size;
        double ratio = in_bytes ? (double)out_bytes / (double)in_bytes : 0.0;
        if (opt.json) {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "schema", "memsnap.convert/1");
            cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(in.snap, in.file));
            cJSON_AddItemToObject(doc, "output", cli_json_string(opt.output, strlen(opt.output)));
            cli_add_numbers(doc, (const cli_number[]){{"input_bytes", (double)in_bytes},
                                                      {"output_bytes", (double)out_bytes},
                                                      {"ratio", ratio},
                                                      {"load_seconds", in.seconds},
                                                      {"write_seconds", seconds},
                                                      {NULL, 0}});
            rc = cli_write_doc(doc, NULL);
        } else {
            char a[32], b[32];
            printf("%s: %s -> %s: %s (%.3f x the input), analyses stored; %.1f s\n", in.file,
                   cli_size(in_bytes, a), opt.output, cli_size(out_bytes, b), ratio,
                   in.seconds + seconds);
        }
    }
    cli_close_input(&in);
    return rc;
}
