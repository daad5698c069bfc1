/*
 * commands.h: one function per memsnap command; argv[0] is the command name.
 */
#ifndef MEMSNAP_COMMANDS_H
#define MEMSNAP_COMMANDS_H

/* Each runs `memsnap NAME`: parses argv (argv[0] is the command name),
 * prints what was asked on stdout or -o FILE and its errors on stderr, and
 * returns the exit code (cli.h: CLI_OK, CLI_BUDGET, CLI_USAGE, ...). */
int cmd_info(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_nodes(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dominators(int argc, char **argv);
int cmd_why(int argc, char **argv);
int cmd_cycles(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_convert(int argc, char **argv);

#endif /* MEMSNAP_COMMANDS_H */
