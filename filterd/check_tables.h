/*
 * check_tables: the access table, badmailfrom and badrcptto checks of
 * filterd's pipeline (connect and envelope stages), registered in
 * filterd/checks.c. docs/tables.md describes the files and the order.
 */
#ifndef TAMIS_FILTERD_CHECK_TABLES_H
#define TAMIS_FILTERD_CHECK_TABLES_H

#include "filterd/check.h"

extern const struct check_ops check_tables_ops;

#endif
