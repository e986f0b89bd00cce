/*-------------------------------------------------------------------------
 *
 * table_info.h
 *	  Per-table facts the row trigger needs, looked up once and kept until
 *	  the table's relcache entry is invalidated.
 *
 * The row trigger asks table_info_get() for every row; the answer costs a
 * hash lookup.  Building an entry reads the table's descriptor and its row
 * in concurrency.table_options (or that of its nearest partition ancestor).
 * Any change to a table's definition or options invalidates its entry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_TABLE_INFO_H
#define CONCURRENCY_TABLE_INFO_H

#include "utils/rel.h"

typedef struct TableInfo
{
	Oid			relid;			/* hash key: the table */
	bool		valid;			/* false once invalidated */

	AttrNumber	version_attnum; /* the rowversion column, or 0 if none */
	bool		active;			/* false after concurrency.disable() */
	bool		strict;			/* every UPDATE must state a version */

	/*
	 * The columns whose changes move the version, resolved from
	 * check_columns or ignore_columns.  watch_all means there are no such
	 * options: every UPDATE counts, even one that changes nothing.
	 */
	bool		watch_all;
	int			nwatched;
	AttrNumber *watched;

	/*
	 * What a foreign-key cascade into this table updates: for each foreign
	 * key whose ON UPDATE / ON DELETE action rewrites this table's rows, the
	 * set of columns it sets, and the generated columns that follow them
	 * (attnums offset by FirstLowInvalidHeapAttributeNumber, as in
	 * tg_updatedcols).
	 */
	int			ncascades;
	Bitmapset **cascade_columns;
	Bitmapset  *generated_columns;

	MemoryContext context;		/* holds everything the entry points to */
} TableInfo;

/* register the relcache callback; called from _PG_init */
extern void table_info_init(void);

/* does relid have a row of its own in concurrency.table_options? */
extern bool table_info_has_options(Oid relid);

/* the facts about rel, built if missing or invalidated */
extern const TableInfo *table_info_get(Relation rel);

/*
 * Is an UPDATE of these columns, run with row security forced off, what
 * one of the table's foreign-key cascades runs?
 */
extern bool table_info_is_cascade(const TableInfo *info, const Bitmapset *updated);

#endif							/* CONCURRENCY_TABLE_INFO_H */
