/*-------------------------------------------------------------------------
 *
 * table_info.h
 *	  Per-table facts the row trigger needs, looked up once and kept until
 *	  the table's relcache entry is invalidated.
 *
 * The row trigger asks table_info_get() for every row; the answer costs a
 * hash lookup.  Building an entry reads the table's descriptor and the
 * options its version column's default carries (or those of its nearest
 * partition ancestor).  Any change to a table's definition, options
 * included, invalidates its entry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_TABLE_INFO_H
#define CONCURRENCY_TABLE_INFO_H

#include "utils/array.h"
#include "utils/rel.h"

typedef struct TableInfo
{
	Oid			relid;			/* hash key: the table */
	bool		valid;			/* false once invalidated */

	AttrNumber	version_attnum; /* the rowversion column, or 0 if none */
	bool		active;			/* false after concurrency.disable() */
	bool		strict;			/* every UPDATE must state a version */
	bool		from_ancestor;	/* options looked up among ancestors */
	bool		citus_shard;	/* a shard of a Citus table (settings_for_row()) */
	Oid			stats_relid;	/* counted under: the partition root, or relid */

	/*
	 * concurrency.next_version(), if an UPDATE's plan can apply the rules
	 * (fast_path.c), and the version trigger it then stands in for; else
	 * InvalidOid.
	 */
	Oid			fast_path_function;
	Oid			version_trigger;

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

/*
 * A table's options are the arguments of a call of concurrency.options()
 * that is the default of its version column:
 *
 *	 version rowversion DEFAULT concurrency.options(strict => true)
 *
 * so that whatever carries the table (every form of pg_dump, pg_upgrade,
 * CREATE TABLE ... LIKE ... INCLUDING DEFAULTS, PARTITION OF, a
 * distributed table's shards) carries its options.  The argument numbers:
 */
#define OPTIONS_ARG_START			0
#define OPTIONS_ARG_CHECK_COLUMNS	1
#define OPTIONS_ARG_IGNORE_COLUMNS	2
#define OPTIONS_ARG_STRICT			3
#define OPTIONS_ARG_ACTIVE			4
#define OPTIONS_NARGS				5

typedef struct VersionOptions
{
	bool		found;			/* some call (or 1.0 row) says so */
	bool		malformed;		/* an option argument is not a constant */
	Node	   *start;			/* the start argument, or NULL if omitted */
	ArrayType  *check_array;	/* check_columns, or NULL */
	ArrayType  *ignore_array;	/* ignore_columns, or NULL */
	bool		strict;
	bool		active;
} VersionOptions;

/* the default expression of a column, or NULL */
extern Node *column_default_of(Relation rel, AttrNumber attnum);

/* the options a default expression carries; false if it is no such call */
extern bool options_from_default(Node *expr, VersionOptions *opts);

/* the options the version column of relid carries; false if none */
extern bool carried_options(Oid relid, VersionOptions *opts);

/* on Citus, the distributed table of the shard rel is, or InvalidOid */
extern Oid	citus_distributed_table(Relation rel);

/* the ancestors whose options relid falls back on, nearest first */
extern List *options_ancestors(Oid relid);

/* the options that apply to relid, its own or an ancestor's */
extern void options_in_effect(Oid relid, VersionOptions *opts, bool *from_ancestor);

/* the facts about rel, built if missing or invalidated */
extern const TableInfo *table_info_get(Relation rel);

/*
 * Is an UPDATE of these columns, run with row security forced off, what
 * one of the table's foreign-key cascades runs?
 */
extern bool table_info_is_cascade(const TableInfo *info, const Bitmapset *updated);

#endif							/* CONCURRENCY_TABLE_INFO_H */
