/*
 * cli_doc.h: the steps the commands share around their own analysis
 * (cli_doc.c): parse and open the snapshot with the sizes asked for,
 * compute analyses, start the JSON document and add tables of numbers to
 * it, write the document or the text report, and cut lists by -n with
 * their "... N more" line.
 */
#ifndef MEMSNAP_CLI_DOC_H
#define MEMSNAP_CLI_DOC_H

#include "cli.h"
#include "cli_opt.h"

/* The snapshot a command reads. */
typedef struct cli_input {
    ms_snapshot *snap;  /* freed by the command (cli_close_input) */
    const char *file;   /* as named on the command line; borrowed from argv */
    bool raw;           /* --raw-sizes: the sizes recorded in the file */
    double seconds;     /* how long loading took */
} cli_input;

/* Opens the command's first operand (cli_open) into *in with the shallow
 * sizes opt asks for: the recorded ones with --raw-sizes, else DevTools'.
 * CLI_OK, or the exit code after printing why (in->snap NULL). */
int cli_open_input(cli_input *in, const cli_common *opt);
/* Frees in->snap (NULL after).  Accepts a closed input. */
void cli_close_input(cli_input *in);

/* How a command that reads one snapshot starts: parses argv with cmd's
 * table into *opt and *args (cli_parse_args), then opens the first operand
 * into *in (cli_open_input).  CLI_RUN when the command goes on, in->snap
 * open (the command frees it); else the exit code to return at once
 * (CLI_OK after -h), nothing open. */
int cli_start(const cli_cmd *cmd, int argc, char **argv, cli_common *opt, void *args,
              cli_input *in);

/* ms_snapshot_compute(snap, what) (what: ms_analysis bits).  CLI_OK, or
 * the exit code after printing why. */
int cli_compute(ms_snapshot *snap, unsigned what);

/* A command's JSON document as it starts: {"schema": schema, "snapshot":
 * {file, format, node_count, edge_count} of the input, "sizes": "raw" or
 * "devtools"}.  The caller adds its members and writes it with
 * cli_write_doc; NULL when out of memory. */
cJSON *cli_json_doc(const char *schema, const cli_input *in);

/* What the input's shallow sizes are, named by their source, for the
 * heading of a text report: "V8 self sizes, DevTools' shallow-size rules"
 * ("raw sizes" with --raw-sizes), "Python sys.getsizeof sizes",
 * "Boehm object sizes", "live bytes per allocation site" (an .mlyze event
 * trace without a heap).  Static. */
const char *cli_sizes_text(const cli_input *in);

/* A member of a JSON object that holds a number. */
typedef struct cli_number {
    const char *name;  /* NULL ends a list */
    double value;
} cli_number;

/* Adds the numbers of a list to the object o, in order (o may be NULL:
 * out of memory, then nothing is added). */
void cli_add_numbers(cJSON *o, const cli_number *list);

/* Writes doc to path (cli_write_json: NULL or "-" is stdout) and frees it.
 * A NULL doc is reported as out of memory.  Returns the exit code. */
int cli_write_doc(cJSON *doc, const char *path);

/* Writes a text report to path (cli_output_open: NULL or "-" is stdout):
 * text(f, ctx) prints it and returns CLI_OK, or an exit code after
 * printing why, and then no output file is left.  Returns text's exit
 * code when it failed, else cli_output_close's. */
int cli_write_text(const char *path, int (*text)(FILE *f, void *ctx), void *ctx);

/* How many of n rows a list shows with -n top (0: all of them). */
size_t cli_shown(uint64_t top, size_t n);

/* The line under a list that shows `shown` of `total` rows: "... N more
 * WHAT (-n 0 shows all)", after a blank line when blank_line; nothing when
 * every row is shown. */
void cli_print_more(FILE *f, uint64_t shown, uint64_t total, const char *what, bool blank_line);
/* The same under a Markdown list: "N more WHAT." as a paragraph of its
 * own, without the option that shows them (a CI comment is read, not
 * typed at). */
void cli_md_more(FILE *f, uint64_t shown, uint64_t total, const char *what);

#endif /* MEMSNAP_CLI_DOC_H */
