/*
 * cli_opt.h: the commands' options as tables.
 *
 * Each command declares one static cli_cmd: its usage forms (operands and
 * how many), its table of options (written in place, an array compound
 * literal), and its description.  An option names its
 * long form, its letter, its argument, a one-paragraph help text, and what
 * its value parses into and where that goes: a field of cli_common (the
 * options most commands share, defined once below as CLI_OPT_JSON,
 * CLI_OPT_OUTPUT, ...) or a field of the command's own argument struct
 * (CLI_BOOL(T, member), CLI_U64(...), ...).  cli_parse_args parses argv
 * for any command from its table and prints every usage error;
 * cli_print_help writes `memsnap CMD -h` from the same table, so the help
 * lists exactly the options the parser accepts.
 *
 *     static const cli_cmd top_cmd = {
 *         .name = "top",
 *         .forms = {CLI_FORM_SNAPSHOT},
 *         .opts = (const cli_opt[]){
 *             CLI_OPT_TOP(20, "how many objects (default 20)"),
 *             CLI_OPT_JSON("JSON output (schema memsnap.top/2)"),
 *             {.name = "all", .help = "include synthetic nodes", CLI_BOOL(top_args, all)},
 *             CLI_OPT_TAIL,
 *         },
 *         .description = "The objects with the largest retained size ...\n",
 *     };
 */
#ifndef MEMSNAP_CLI_OPT_H
#define MEMSNAP_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* At most this many options per command (cli_common.given is a bit mask). */
#define CLI_MAX_OPTS 32

/* cli_parse_args' answer when the command should go on and run; any other
 * value is the exit code to return at once. */
#define CLI_RUN (-1)

/* What an option's value parses into. */
typedef enum cli_value {
    CLI_V_BOOL,   /* bool, set to true; takes no argument */
    CLI_V_U64,    /* uint64_t within [min, max] (cli_parse_u64) */
    CLI_V_SIZE,   /* cli_size_arg (cli_parse_size); "N%" only when .percent */
    CLI_V_CHOICE, /* int: the value of the choice named */
    CLI_V_STRING, /* const char *, borrowed from argv */
    CLI_V_CALL,   /* .call(cmd, value, args) for each occurrence */
    CLI_V_HELP    /* prints the help on stdout; the command exits 0 */
} cli_value;

/* A size option's value: bytes, or a share of the heap in percent. */
typedef struct cli_size_arg {
    uint64_t bytes;  /* 0 when given in percent */
    double percent;  /* -1 for an absolute size */
} cli_size_arg;

/* One choice of a CLI_V_CHOICE option; lists end with {NULL, 0}. */
typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

/* One option.  Unused fields stay zero (designated initializers). */
typedef struct cli_opt {
    const char *name;     /* long name, without "--"; NULL ends the table */
    char letter;          /* short option letter, 0 for none */
    const char *arg;      /* argument name in the help ("N", "FILE"); choices
                           * are shown as "a|b" when NULL */
    const char *help;     /* one paragraph; wrapped when printed */
    cli_value type;
    bool common;          /* .at is in cli_common, not the command's struct */
    size_t at, size;      /* offset and size of the field the value goes to */
    uint64_t min, max;    /* CLI_V_U64: accepted range */
    uint64_t def;         /* default of CLI_V_U64, CLI_V_BOOL; CLI_V_CHOICE's value */
    const char *def_text; /* default of CLI_V_SIZE ("1%") and CLI_V_STRING */
    bool percent;         /* CLI_V_SIZE: a share of the heap ("1%") is accepted */
    const cli_choice *choices;                                   /* CLI_V_CHOICE */
    int (*call)(const char *cmd, const char *value, void *args); /* CLI_V_CALL:
                           * CLI_OK, or an exit code after printing why */
    bool repeat;          /* may be given more than once ("..." in the usage); an
                           * option with a value given twice is otherwise a usage
                           * error (flags may repeat) */
    unsigned char group;  /* options sharing a group exclude each other; 0: none */
    unsigned char form;   /* the usage form it belongs to (1-based); 0: all */
    bool lead;            /* selects its form: written first and unbracketed in
                           * that form's usage; given, that form's operands apply */
} cli_opt;

/* One usage line: its operands and how many it takes. */
typedef struct cli_form {
    const char *operands; /* "SNAPSHOT ID..." */
    int min, max;         /* operand count; max -1: no limit */
} cli_form;

#define CLI_MAX_FORMS 2

/* The usage form of the commands that read one snapshot. */
#define CLI_FORM_SNAPSHOT {"SNAPSHOT", 1, 1}

typedef struct cli_cmd {
    const char *name;                  /* "top": argv[0] of the command */
    cli_form forms[CLI_MAX_FORMS];     /* the first is the default; operands NULL ends */
    const char *description;           /* paragraphs, printed as written */
    const cli_opt *opts;               /* ends with CLI_OPT_END (CLI_OPT_TAIL) */
    const char *epilog;                /* printed after the options; NULL: none */
} cli_cmd;

/* What every command gets from cli_parse_args: the shared options' values
 * and the operands. */
typedef struct cli_common {
    const char *output;   /* -o FILE; NULL: stdout */
    bool json, markdown, raw_sizes, timings;
    bool full_paths;      /* --full: retention paths with every hop */
    uint64_t top;         /* -n N */
    char **operands;      /* argv's operands, in order (getopt moves them last) */
    int noperands;
    uint32_t given;       /* bit i: the table's option i was given */
} cli_common;

/* Where a value goes: a member of the command's own struct or of cli_common. */
#define CLI_AT_(T, m) .at = offsetof(T, m), .size = sizeof(((T *)0)->m)
#define CLI_AT_COMMON_(m) .common = true, CLI_AT_(cli_common, m)

/* Value kinds, for the command's own options: T is the command's argument
 * struct, m the member the value goes to. */
#define CLI_BOOL(T, m) .type = CLI_V_BOOL, CLI_AT_(T, m)
#define CLI_U64(T, m, def_, min_, max_)                                                            \
    .type = CLI_V_U64, CLI_AT_(T, m), .def = (def_), .min = (min_), .max = (max_)
#define CLI_SIZE(T, m, def_text_, percent_)                                                        \
    .type = CLI_V_SIZE, CLI_AT_(T, m), .def_text = (def_text_), .percent = (percent_)
#define CLI_CHOICE(T, m, choices_, def_)                                                           \
    .type = CLI_V_CHOICE, CLI_AT_(T, m), .choices = (choices_), .def = (uint64_t)(def_)
#define CLI_STRING(T, m) .type = CLI_V_STRING, CLI_AT_(T, m)
#define CLI_CALL(fn) .type = CLI_V_CALL, .call = (fn)

/* The options most commands share; each command gives the help text
 * where what the option says depends on the command (its JSON schema,
 * what it times, what -n counts). */
#define CLI_OPT_JSON(help_)                                                                        \
    {.name = "json", .help = (help_), .type = CLI_V_BOOL, CLI_AT_COMMON_(json), .group = 1}
#define CLI_OPT_MARKDOWN                                                                           \
    {.name = "markdown", .help = "a short Markdown report for a pull request or CI summary",     \
     .type = CLI_V_BOOL, CLI_AT_COMMON_(markdown), .group = 1}
#define CLI_OPT_RAW_SIZES                                                                          \
    {.name = "raw-sizes",                                                                          \
     .help = "the self sizes recorded in the file (V8's) instead of DevTools' shallow sizes, "    \
             "which move the size of internal arrays owned by one object into that object "      \
             "(V8 snapshots; other formats have only their recorded sizes)",                      \
     .type = CLI_V_BOOL, CLI_AT_COMMON_(raw_sizes)}
#define CLI_OPT_FULL                                                                               \
    {.name = "full", .help = "print retention paths with every hop (by default the runtime's "   \
                             "hops before the program's are folded into one line, as are runs "  \
                             "of one step, and paths over 40 lines show their ends)",            \
     .type = CLI_V_BOOL, CLI_AT_COMMON_(full_paths)}
#define CLI_OPT_TIMINGS(help_)                                                                     \
    {.name = "timings", .help = (help_), .type = CLI_V_BOOL, CLI_AT_COMMON_(timings)}
/* -n N: how many rows; _EX with its range and usage form (0: all forms). */
#define CLI_OPT_TOP_EX(def_, min_, max_, form_, help_)                                             \
    {.name = "top", .letter = 'n', .arg = "N", .help = (help_), .type = CLI_V_U64,                 \
     CLI_AT_COMMON_(top), .def = (def_), .min = (min_), .max = (max_), .form = (form_)}
#define CLI_OPT_TOP(def_, help_) CLI_OPT_TOP_EX(def_, 0, UINT64_MAX, 0, help_)
#define CLI_OPT_OUTPUT                                                                             \
    {.name = "output", .letter = 'o', .arg = "FILE",                                               \
     .help = "write to FILE (atomically) instead of stdout", .type = CLI_V_STRING,                 \
     CLI_AT_COMMON_(output)}
#define CLI_OPT_HELP {.name = "help", .letter = 'h', .help = "this help", .type = CLI_V_HELP}
#define CLI_OPT_END {.name = NULL}
/* What every table ends with: -o FILE, -h and the end. */
#define CLI_OPT_TAIL CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END

/* Parses argv (argv[0] is the command name) for cmd: sets every option's
 * field to its default, then the options given, in order (options may
 * follow the operands), into *common and *args (the command's own struct;
 * may be NULL when the table has no options of its own).  Strings point
 * into argv; nothing is allocated here, but .call functions may allocate
 * into *args, which the caller frees on every path.
 *
 * Returns CLI_RUN when the command should run, with common->operands set.
 * Otherwise returns the exit code at once: CLI_OK after -h (help printed
 * on stdout); CLI_USAGE after a usage error, printed on stderr here: an
 * unknown option or missing argument (getopt's message and the help), a
 * bad value ("memsnap: CMD: -n needs ..."), an option with a value given
 * twice ("memsnap: CMD: --class given twice ..."), the wrong number of
 * operands ("memsnap: CMD: missing AFTER" or "unexpected operand 'x'",
 * then the help), two options of one group ("--json or --markdown, not
 * both"); what a .call returned other than CLI_OK (it printed why); or
 * CLI_FAILED when the table itself is malformed (a programming error,
 * reported on stderr). */
int cli_parse_args(const cli_cmd *cmd, int argc, char **argv, cli_common *common, void *args);

/* Writes cmd's help to f: the usage line of each form (generated from the
 * table, wrapped at 80 columns), the description, the options with their
 * argument and help text (wrapped at 80 columns) and the epilog. */
void cli_print_help(const cli_cmd *cmd, FILE *f);

/* Whether the option named `name` (long name) was given on the command
 * line that cli_parse_args parsed into common. */
bool cli_opt_given(const cli_cmd *cmd, const cli_common *common, const char *name);

#endif /* MEMSNAP_CLI_OPT_H */
