/*
 * memsnap.c: the command-line tool.  main() picks a command from the table;
 * each command parses its arguments with its option table (cli_opt.h),
 * calls the library and prints.
 */
#include "cli.h"
#include "commands.h"

#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"info", cmd_info, "format, counts, totals, root, load time"},
    {"summary", cmd_summary, "objects grouped by class: count, shallow and retained size"},
    {"top", cmd_top, "the objects with the largest retained size"},
    {"dominators", cmd_dominators, "the dominator tree from the root"},
    {"why", cmd_why, "why an object is alive: retention paths, dominators"},
    {"cycles", cmd_cycles, "reference cycles (strongly connected components)"},
    {"compare", cmd_compare, "what grew between two snapshots, and what holds it"},
    {"leaks", cmd_leaks, "objects allocated in TARGET still alive in FINAL (memlab)"},
    {"nodes", cmd_nodes, "every node as a tab-separated line (for scripts)"},
    {"timeline", cmd_timeline, "an .mlyze trace over time: live bytes, peak, markers, GCs"},
    {"convert", cmd_convert, "the snapshot as a native .msnap file, with its analyses"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: memsnap COMMAND [OPTIONS] SNAPSHOT...\n"
          "\n"
          "memsnap reads heap snapshots (V8 .heapsnapshot; Memlyze .mlyze traces and\n"
          "Python heaps recorded by memsnap_record; Boehm GC captures; also\n"
          "zstd-compressed; and memsnap's own .msnap files, made by convert) and\n"
          "explains what they hold.\n"
          "\n"
          "commands:\n",
          f);
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fputs("\n"
          "  memsnap COMMAND -h     help for one command\n"
          "  memsnap --version      version\n"
          "\n"
          "exit status: 0 ok, 1 a CI budget was exceeded, 2 usage error,\n"
          "3 an input could not be read or is not a valid snapshot,\n"
          "4 memsnap could not finish (out of memory, output not writable)\n",
          f);
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Arrays of 1 MiB and more get their own mappings, so freeing one gives
     * its memory back at once.  glibc would otherwise raise this threshold
     * after the first large free (up to 32 MiB) and put later per-node
     * arrays in the heap, where freed ones stay resident: memsnap compare
     * frees a whole graph before its peak. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    if (argc < 2) {
        fputs("memsnap: missing COMMAND\n", stderr);
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("memsnap %s\n", MEMSNAP_VERSION);
        return CLI_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "memsnap: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
