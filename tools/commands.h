/*
 * commands.h: one function per memsnap command; argv[0] is the command name.
 */
#ifndef MEMSNAP_COMMANDS_H
#define MEMSNAP_COMMANDS_H

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

#endif /* MEMSNAP_COMMANDS_H */
