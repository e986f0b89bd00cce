/*-------------------------------------------------------------------------
 *
 * table_info.c
 *	  Per-table cache of what the row trigger needs.
 *
 * Entries live in a hash table keyed by relation OID in their own memory
 * context.  They are never removed, only marked invalid by the relcache
 * callback and rebuilt in place at the next use, so a pointer handed out
 * stays valid for the duration of one trigger call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/sysattr.h"
#include "catalog/partition.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "extension.h"
#include "table_info.h"

/* columns of concurrency.table_options */
#define Anum_options_relid			1
#define Anum_options_check_columns	2
#define Anum_options_ignore_columns	3
#define Anum_options_strict			4
#define Anum_options_active			5

static HTAB *table_info_hash = NULL;
static MemoryContext table_info_context = NULL;

/* bumped by every invalidation, to notice one that arrives during a build */
static uint64 invalidation_count = 0;

/* the options as stored, before column names are resolved */
typedef struct StoredOptions
{
	bool		found;
	bool		strict;
	bool		active;
	Datum	   *check_names;
	int			ncheck;
	Datum	   *ignore_names;
	int			nignore;
} StoredOptions;

static void
table_info_invalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	TableInfo  *info;

	invalidation_count++;
	if (table_info_hash == NULL)
		return;

	if (OidIsValid(relid))
	{
		info = hash_search(table_info_hash, &relid, HASH_FIND, NULL);
		if (info != NULL)
			info->valid = false;
		return;
	}

	hash_seq_init(&status, table_info_hash);
	while ((info = hash_seq_search(&status)) != NULL)
		info->valid = false;
}

void
table_info_init(void)
{
	CacheRegisterRelcacheCallback(table_info_invalidate, (Datum) 0);
}

static void
create_hash(void)
{
	HASHCTL		ctl;

	table_info_context = AllocSetContextCreate(CacheMemoryContext,
											   "concurrency table info",
											   ALLOCSET_SMALL_SIZES);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(TableInfo);
	ctl.hcxt = table_info_context;
	table_info_hash = hash_create("concurrency table info", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static void
read_name_array(HeapTuple tuple, TupleDesc desc, int attnum,
				Datum **names, int *count)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, attnum, desc, &isnull);

	*names = NULL;
	*count = 0;
	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypePCopy(value), NAMEOID, NAMEDATALEN,
					  false, TYPALIGN_CHAR, names, NULL, count);
}

/* Read the options row of relid, if there is one. */
static bool
read_stored_options(Relation options_rel, Oid relid, StoredOptions *opts)
{
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	TupleDesc	desc = RelationGetDescr(options_rel);

	ScanKeyInit(&key, Anum_options_relid,
				BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(options_rel,
							  relation_primary_key(options_rel),
							  true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;

		opts->found = true;
		read_name_array(tuple, desc, Anum_options_check_columns,
						&opts->check_names, &opts->ncheck);
		read_name_array(tuple, desc, Anum_options_ignore_columns,
						&opts->ignore_names, &opts->nignore);
		opts->strict = DatumGetBool(heap_getattr(tuple, Anum_options_strict,
												 desc, &isnull)) && !isnull;
		opts->active = isnull ||
			DatumGetBool(heap_getattr(tuple, Anum_options_active, desc, &isnull));
	}
	systable_endscan(scan);

	return opts->found;
}

/*
 * The options that apply to rel: its own row, else that of its nearest
 * partition ancestor, else the defaults.
 */
static void
lookup_options(Relation rel, StoredOptions *opts)
{
	Oid			options_relid = options_table_oid();
	Relation	options_rel;

	memset(opts, 0, sizeof(StoredOptions));
	opts->active = true;
	if (!OidIsValid(options_relid))
		return;

	options_rel = table_open(options_relid, AccessShareLock);
	if (!read_stored_options(options_rel, RelationGetRelid(rel), opts) &&
		rel->rd_rel->relispartition)
	{
		List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));
		ListCell   *lc;

		foreach(lc, ancestors)
		{
			if (read_stored_options(options_rel, lfirst_oid(lc), opts))
				break;
		}
	}
	table_close(options_rel, AccessShareLock);
}

bool
table_info_has_options(Oid relid)
{
	Oid			options_relid = options_table_oid();
	Relation	options_rel;
	StoredOptions opts;
	bool		found;

	if (!OidIsValid(options_relid))
		return false;
	memset(&opts, 0, sizeof(StoredOptions));
	options_rel = table_open(options_relid, AccessShareLock);
	found = read_stored_options(options_rel, relid, &opts);
	table_close(options_rel, AccessShareLock);
	return found;
}

/* attnum of a live column called name, or 0 */
static AttrNumber
find_column(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

static bool
name_in(const char *name, Datum *names, int count)
{
	for (int i = 0; i < count; i++)
		if (strcmp(NameStr(*DatumGetName(names[i])), name) == 0)
			return true;
	return false;
}

/*
 * Turn check_columns / ignore_columns into the list of columns whose
 * changes count.  A name that no longer exists is left out; DDL that would
 * remove a watched column is refused by the event trigger, so this only
 * happens with options edited by hand.
 */
static void
resolve_watched(TableInfo *info, TupleDesc desc, StoredOptions *opts)
{
	info->watch_all = (opts->check_names == NULL && opts->ignore_names == NULL);
	info->nwatched = 0;
	if (info->watch_all)
		return;

	info->watched = MemoryContextAlloc(info->context,
									   sizeof(AttrNumber) * Max(desc->natts, 1));
	if (opts->check_names != NULL)
	{
		for (int i = 0; i < opts->ncheck; i++)
		{
			AttrNumber	attnum = find_column(desc,
											 NameStr(*DatumGetName(opts->check_names[i])));

			if (attnum != InvalidAttrNumber && attnum != info->version_attnum)
				info->watched[info->nwatched++] = attnum;
		}
		return;
	}

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->attgenerated ||
			att->attnum == info->version_attnum ||
			name_in(NameStr(att->attname), opts->ignore_names, opts->nignore))
			continue;
		info->watched[info->nwatched++] = att->attnum;
	}
}

static Bitmapset *
column_set(int count, const AttrNumber *attnums)
{
	Bitmapset  *result = NULL;

	for (int i = 0; i < count; i++)
		result = bms_add_member(result,
								attnums[i] - FirstLowInvalidHeapAttributeNumber);
	return result;
}

/*
 * Record what each foreign-key cascade into rel updates.  Only strict
 * tables need it: the cascade states no version and must not be refused.
 */
static void
resolve_cascades(TableInfo *info, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *fkeys = RelationGetFKeyList(rel);
	ListCell   *lc;
	MemoryContext oldcxt = MemoryContextSwitchTo(info->context);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && att->attgenerated)
			info->generated_columns =
				bms_add_member(info->generated_columns,
							   att->attnum - FirstLowInvalidHeapAttributeNumber);
	}

	/* at most two column sets per key: its ON UPDATE and ON DELETE actions */
	info->cascade_columns = palloc0(sizeof(Bitmapset *) * (2 * list_length(fkeys) + 1));
	foreach(lc, fkeys)
	{
		ForeignKeyCacheInfo *fk = lfirst(lc);
		HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->conoid));
		Form_pg_constraint con;

		if (!HeapTupleIsValid(tuple))
			continue;
		con = (Form_pg_constraint) GETSTRUCT(tuple);

		if (con->confupdtype == FKCONSTR_ACTION_CASCADE ||
			con->confupdtype == FKCONSTR_ACTION_SETNULL ||
			con->confupdtype == FKCONSTR_ACTION_SETDEFAULT)
			info->cascade_columns[info->ncascades++] = column_set(fk->nkeys, fk->conkey);

		if (con->confdeltype == FKCONSTR_ACTION_SETNULL ||
			con->confdeltype == FKCONSTR_ACTION_SETDEFAULT)
		{
			bool		isnull;
			Datum		setcols = SysCacheGetAttr(CONSTROID, tuple,
												  Anum_pg_constraint_delete_set_columns,
												  &isnull);
			ArrayType  *array = isnull ? NULL : DatumGetArrayTypeP(setcols);

			if (array != NULL && ARR_DIMS(array)[0] > 0)
				info->cascade_columns[info->ncascades++] =
					column_set(ARR_DIMS(array)[0], (AttrNumber *) ARR_DATA_PTR(array));
			else
				info->cascade_columns[info->ncascades++] = column_set(fk->nkeys, fk->conkey);
		}
		ReleaseSysCache(tuple);
	}
	MemoryContextSwitchTo(oldcxt);
}

bool
table_info_is_cascade(const TableInfo *info, const Bitmapset *updated)
{
	for (int i = 0; i < info->ncascades; i++)
	{
		const Bitmapset *keys = info->cascade_columns[i];
		int			member = -1;
		bool		matches = bms_is_subset(keys, updated);

		while (matches && (member = bms_next_member(updated, member)) >= 0)
			matches = bms_is_member(member, keys) ||
				bms_is_member(member, info->generated_columns);
		if (matches)
			return true;
	}
	return false;
}

static void
build(TableInfo *info, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			typoid = rowversion_type_oid();
	StoredOptions opts;
	uint64		start_count = invalidation_count;

	info->valid = false;
	MemoryContextReset(info->context);
	info->watched = NULL;
	info->ncascades = 0;
	info->cascade_columns = NULL;
	info->generated_columns = NULL;
	info->version_attnum = InvalidAttrNumber;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && OidIsValid(typoid) && att->atttypid == typoid)
		{
			info->version_attnum = att->attnum;
			break;
		}
	}

	lookup_options(rel, &opts);

	info->active = opts.active;
	info->strict = opts.strict;
	resolve_watched(info, desc, &opts);
	if (info->strict)
		resolve_cascades(info, rel);

	/*
	 * Trust the entry for later calls only if nothing was invalidated while
	 * the catalogs were read; the current call uses it either way.  An error
	 * above leaves it invalid.
	 */
	info->valid = (invalidation_count == start_count);
}

const TableInfo *
table_info_get(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TableInfo  *info;
	bool		found;

	if (table_info_hash == NULL)
		create_hash();

	info = hash_search(table_info_hash, &relid, HASH_ENTER, &found);
	if (!found)
	{
		info->valid = false;
		info->watched = NULL;
		info->context = AllocSetContextCreate(table_info_context,
											  "concurrency table entry",
											  ALLOCSET_SMALL_SIZES);
	}
	if (!info->valid)
		build(info, rel);

	return info;
}
