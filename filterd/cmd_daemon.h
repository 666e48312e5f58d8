/*
 * cmd_daemon: `filterd [-c FILE] [-f] [-o key=value]...` runs the milter
 * daemon; `filterd lint [-c FILE] [-o key=value]...` checks a
 * configuration and everything it loads; `filterd compile` also compiles
 * the rules' prefilter and keeps it.
 */
#ifndef TAMIS_FILTERD_CMD_DAEMON_H
#define TAMIS_FILTERD_CMD_DAEMON_H

/* Run the daemon (argv[0] is the program); returns the exit status (see
 * main.c): 0 after a clean stop, 64 usage, 75 an environment failure, 78 a
 * bad configuration. */
int cmd_daemon(int argc, char **argv);
/* Run `lint` (argv[0] is "lint"): print every error as "FILE:LINE: text"
 * on standard error; returns 0, 64 or 78. */
int cmd_lint(int argc, char **argv);
/* Run `compile` (argv[0] is "compile"): as lint, and compile the
 * prefilter of the body rules into rules_compiled_dir when it holds none
 * for them (docs/rules.md); 78 when that fails. */
int cmd_compile(int argc, char **argv);

#endif
