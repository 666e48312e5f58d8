/*
 * receive: `ezlist receive DIR [SENDER RECIPIENT]`, the command the MTA
 * runs for each message to an address of the list.
 */
#ifndef TAMIS_EZLIST_RECEIVE_H
#define TAMIS_EZLIST_RECEIVE_H

/* argv[0] is "receive". Returns the exit status: sysexits (0, 65, 67, 77,
 * 75) with the envelope in argv, qmail's (0, 100, 111) in qmail mode. */
int receive_main(int argc, char **argv);
#endif
