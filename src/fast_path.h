/*-------------------------------------------------------------------------
 *
 * fast_path.h
 *	  The version rules of an UPDATE applied in the statement's own plan
 *	  (see fast_path.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_FAST_PATH_H
#define CONCURRENCY_FAST_PATH_H

#include "utils/rel.h"

#include "table_info.h"

/* install the planner and executor hooks; called from _PG_init */
extern void fast_path_init(void);

/*
 * The OID of concurrency.next_version() if an UPDATE of rel can apply the
 * rules in its plan, else InvalidOid; *trigger is then the version
 * trigger's OID.  For table_info, when it builds the entry of rel.
 */
extern Oid	fast_path_function_for(Relation rel, const TableInfo *info, Oid *trigger);

#endif							/* CONCURRENCY_FAST_PATH_H */
