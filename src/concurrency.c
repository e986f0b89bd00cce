/*-------------------------------------------------------------------------
 *
 * concurrency.c
 *	  Module entry point: optimistic locking enforced by the database.
 *
 * A table with a column of type rowversion gets a row trigger (attached by
 * the DDL hooks in ddl.c) that moves the version forward on every write and
 * rejects writes based on a version that is no longer current.  The path of
 * a write:
 *
 *	 ddl.c			 attaches the trigger when a rowversion column appears
 *	 version_trigger.c  applies the rules to each row
 *	 fast_path.c	 or lets an UPDATE's own plan apply them, where it can
 *	 table_info.c	 answers what the rules need to know about the table
 *	 settings.c		 the concurrency.* settings and who may relax them
 *	 conflict.c		 the errors
 *	 stats.c		 conflict statistics, where the library is preloaded
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "fast_path.h"
#include "settings.h"
#include "stats.h"
#include "table_info.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	settings_define();
	table_info_init();
	stats_init();
	fast_path_init();
}
