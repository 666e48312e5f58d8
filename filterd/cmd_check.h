/*
 * cmd_check: `filterd check [--json] [--dump] [-c FILE] [-o key=value] [FILE...]`
 */
#ifndef TAMIS_FILTERD_CMD_CHECK_H
#define TAMIS_FILTERD_CMD_CHECK_H

/* Run the command; returns the exit status (see main.c). */
int cmd_check(int argc, char **argv);

#endif
