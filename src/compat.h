/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The differences between the PostgreSQL majors the extension builds
 *	  against, each mapped once to the name the rest of the code uses.
 *
 * The logic never branches on PG_VERSION_NUM; this header does.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_COMPAT_H
#define CONCURRENCY_COMPAT_H

#include "nodes/parsenodes.h"

/*
 * Does an ALTER TABLE subcommand add a column?  Up to 15 a recursing ADD
 * COLUMN has a subtype of its own.
 */
#if PG_VERSION_NUM < 160000
#define ALTER_TABLE_ADDS_COLUMN(subtype) \
	((subtype) == AT_AddColumn || (subtype) == AT_AddColumnRecurse || \
	 (subtype) == AT_AddColumnToView)
#else
#define ALTER_TABLE_ADDS_COLUMN(subtype) \
	((subtype) == AT_AddColumn || (subtype) == AT_AddColumnToView)
#endif

#endif							/* CONCURRENCY_COMPAT_H */
