/*
 * admin: the administrator's subcommands: make, sub, unsub, list, info.
 * Each takes the arguments after its name and returns an exit status
 * (sysexits.h).
 */
#ifndef TAMIS_EZLIST_ADMIN_H
#define TAMIS_EZLIST_ADMIN_H
int admin_make(int argc, char **argv);
int admin_sub(int argc, char **argv, int remove);
int admin_list(int argc, char **argv);
int admin_info(int argc, char **argv);
#endif
