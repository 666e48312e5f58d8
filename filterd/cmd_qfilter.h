/*
 * cmd_qfilter: `filterd qfilter [-c FILE] [-o key=value]...`, a filter for
 * qmail-qfilter chains.
 */
#ifndef TAMIS_FILTERD_CMD_QFILTER_H
#define TAMIS_FILTERD_CMD_QFILTER_H

/* Run the command (argv[0] is "qfilter"); returns the exit status: 0
 * (pass: the message is on fd 1), 31 (reject), 71 (tempfail), 99 (drop),
 * 82 (reason on fd 6), or a qmail-queue failure status (see
 * cmd_qfilter.c). */
int cmd_qfilter(int argc, char **argv);

#endif
