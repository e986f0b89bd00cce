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

#include <ctype.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/sysattr.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_constraint.h"
#include "catalog/indexing.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "extension.h"
#include "fast_path.h"
#include "table_info.h"

/* columns of concurrency.table_options, the options table of version 1.0 */
#define Anum_options_relid			1
#define Anum_options_check_columns	2
#define Anum_options_ignore_columns	3
#define Anum_options_strict			4
#define Anum_options_active			5

static HTAB *table_info_hash = NULL;
static MemoryContext table_info_context = NULL;

/* bumped by every invalidation, to notice one that arrives during a build */
static uint64 invalidation_count = 0;

/*
 * Partition ancestors whose options some cached partition took.  A change
 * to such an ancestor invalidates the ancestor's relcache entry, not its
 * partitions'; seeing it here invalidates every cached partition.
 */
static List *consulted_ancestors = NIL;

static void
table_info_invalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	TableInfo  *info;

	invalidation_count++;
	if (table_info_hash == NULL)
		return;

	if (OidIsValid(relid) && !list_member_oid(consulted_ancestors, relid))
	{
		info = hash_search(table_info_hash, &relid, HASH_FIND, NULL);
		if (info != NULL)
			info->valid = false;
		return;
	}

	hash_seq_init(&status, table_info_hash);
	while ((info = hash_seq_search(&status)) != NULL)
		if (!OidIsValid(relid) || info->relid == relid || info->from_ancestor)
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
split_name_array(ArrayType *array, Datum **names, int *count)
{
	*names = NULL;
	*count = 0;
	if (array == NULL)
		return;
	deconstruct_array(array, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  names, NULL, count);
}

/* The default expression of column attnum of rel, or NULL. */
Node *
column_default_of(Relation rel, AttrNumber attnum)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (constr == NULL)
		return NULL;
	for (int i = 0; i < constr->num_defval; i++)
		if (constr->defval[i].adnum == attnum)
			return stringToNode(constr->defval[i].adbin);
	return NULL;
}

static Node *
strip_coercions(Node *node)
{
	while (node != NULL)
	{
		if (IsA(node, RelabelType))
			node = (Node *) ((RelabelType *) node)->arg;
		else if (IsA(node, CoerceToDomain))
			node = (Node *) ((CoerceToDomain *) node)->arg;
		else
			break;
	}
	return node;
}

/*
 * Read the options a default expression carries: a call of
 * concurrency.options().  Returns false for any other expression (or
 * none).  An argument that is not a constant marks the options malformed:
 * the DDL path refuses that, so it is seen only where event triggers were
 * off.
 */
bool
options_from_default(Node *expr, VersionOptions *opts)
{
	FuncExpr   *call;
	Oid			funcoid = options_function_oid();
	int			position = 0;
	ListCell   *lc;

	memset(opts, 0, sizeof(VersionOptions));
	opts->active = true;

	expr = strip_coercions(expr);
	if (expr == NULL || !IsA(expr, FuncExpr) || !OidIsValid(funcoid) ||
		((FuncExpr *) expr)->funcid != funcoid)
		return false;
	call = (FuncExpr *) expr;
	opts->found = true;

	foreach(lc, call->args)
	{
		Node	   *arg = lfirst(lc);
		int			argno = position++;
		Const	   *value;

		if (IsA(arg, NamedArgExpr))
		{
			argno = ((NamedArgExpr *) arg)->argnumber;
			arg = (Node *) ((NamedArgExpr *) arg)->arg;
		}
		if (argno == OPTIONS_ARG_START)
		{
			opts->start = arg;
			continue;
		}

		arg = strip_coercions(eval_const_expressions(NULL, arg));
		if (!IsA(arg, Const))
		{
			opts->malformed = true;
			continue;
		}
		value = (Const *) arg;
		switch (argno)
		{
			case OPTIONS_ARG_CHECK_COLUMNS:
				opts->check_array = value->constisnull ? NULL :
					DatumGetArrayTypePCopy(value->constvalue);
				break;
			case OPTIONS_ARG_IGNORE_COLUMNS:
				opts->ignore_array = value->constisnull ? NULL :
					DatumGetArrayTypePCopy(value->constvalue);
				break;
			case OPTIONS_ARG_STRICT:
				if (value->constisnull)
					opts->malformed = true;
				else
					opts->strict = DatumGetBool(value->constvalue);
				break;
			case OPTIONS_ARG_ACTIVE:
				if (value->constisnull)
					opts->malformed = true;
				else
					opts->active = DatumGetBool(value->constvalue);
				break;
			default:
				opts->malformed = true;
				break;
		}
	}
	return true;
}

/*
 * The options the version column of relid carries, if it carries any.
 * Reads the catalogs only, without locking the table: the view
 * concurrency.tables asks this of every versioned table.
 */
bool
carried_options(Oid relid, VersionOptions *opts)
{
	Oid			typoid = rowversion_type_oid();
	CatCList   *attrs;
	AttrNumber	attnum = InvalidAttrNumber;
	bool		found = false;

	memset(opts, 0, sizeof(VersionOptions));
	opts->active = true;
	if (!OidIsValid(typoid))
		return false;

	attrs = SearchSysCacheList1(ATTNUM, ObjectIdGetDatum(relid));
	for (int i = 0; i < attrs->n_members; i++)
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(&attrs->members[i]->tuple);

		if (att->attnum > 0 && !att->attisdropped && att->atttypid == typoid &&
			att->atthasdef)
		{
			attnum = att->attnum;
			break;
		}
	}
	ReleaseSysCacheList(attrs);

	if (attnum != InvalidAttrNumber)
	{
		Relation	attrdef = table_open(AttrDefaultRelationId, AccessShareLock);
		ScanKeyData keys[2];
		SysScanDesc scan;
		HeapTuple	tuple;

		ScanKeyInit(&keys[0], Anum_pg_attrdef_adrelid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
		ScanKeyInit(&keys[1], Anum_pg_attrdef_adnum,
					BTEqualStrategyNumber, F_INT2EQ, Int16GetDatum(attnum));
		scan = systable_beginscan(attrdef, AttrDefaultIndexId, true, NULL, 2, keys);
		tuple = systable_getnext(scan);
		if (HeapTupleIsValid(tuple))
		{
			bool		isnull;
			Datum		adbin = heap_getattr(tuple, Anum_pg_attrdef_adbin,
											 RelationGetDescr(attrdef), &isnull);

			if (!isnull)
				found = options_from_default(stringToNode(TextDatumGetCString(adbin)),
											 opts);
		}
		systable_endscan(scan);
		table_close(attrdef, AccessShareLock);
	}
	return found;
}

/* Read the options row of relid in the options table of 1.0, if any. */
static bool
read_legacy_options(Relation options_rel, Oid relid, VersionOptions *opts)
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
		Datum		value;

		opts->found = true;
		value = heap_getattr(tuple, Anum_options_check_columns, desc, &isnull);
		opts->check_array = isnull ? NULL : DatumGetArrayTypePCopy(value);
		value = heap_getattr(tuple, Anum_options_ignore_columns, desc, &isnull);
		opts->ignore_array = isnull ? NULL : DatumGetArrayTypePCopy(value);
		opts->strict = DatumGetBool(heap_getattr(tuple, Anum_options_strict,
												 desc, &isnull)) && !isnull;
		opts->active = isnull ||
			DatumGetBool(heap_getattr(tuple, Anum_options_active, desc, &isnull));
	}
	systable_endscan(scan);

	return opts->found;
}

/*
 * On Citus, the distributed table whose shard rel is, or InvalidOid.  A
 * shard is named after its table with "_<shard id>" appended, and every
 * node with metadata keeps pg_dist_shard (shard id -> distributed table).
 * The row trigger asks once per cached entry, the error path each time.
 */
Oid
citus_distributed_table(Relation rel)
{
	Oid			shards = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	Oid			index = get_relname_relid("pg_dist_shard_shardid_index",
										  PG_CATALOG_NAMESPACE);
	const char *name = RelationGetRelationName(rel);
	const char *suffix = strrchr(name, '_');
	Oid			result = InvalidOid;
	char	   *end;
	int64		shardid;
	Relation	catalog;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (!OidIsValid(shards) || !OidIsValid(index) || suffix == NULL ||
		!isdigit((unsigned char) suffix[1]))
		return InvalidOid;
	errno = 0;
	shardid = (int64) strtoll(suffix + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return InvalidOid;

	catalog = table_open(shards, AccessShareLock);
	ScanKeyInit(&key, 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shardid));
	scan = systable_beginscan(catalog, index, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		logical = heap_getattr(tuple, 1, RelationGetDescr(catalog), &isnull);

		if (!isnull && DatumGetObjectId(logical) != RelationGetRelid(rel) &&
			get_rel_namespace(DatumGetObjectId(logical)) == RelationGetNamespace(rel))
			result = DatumGetObjectId(logical);
	}
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	return result;
}

/* The first parent of relid (partition parent, or INHERITS parent 1). */
static Oid
first_parent(Oid relid)
{
	Relation	inherits = table_open(InheritsRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			parent = InvalidOid;

	ScanKeyInit(&key, Anum_pg_inherits_inhrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	/* in index order: the parent with inhseqno 1 first */
	scan = systable_beginscan(inherits, InheritsRelidSeqnoIndexId, true,
							  NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		parent = ((Form_pg_inherits) GETSTRUCT(tuple))->inhparent;
	systable_endscan(scan);
	table_close(inherits, AccessShareLock);
	return parent;
}

/*
 * The tables whose options relid falls back on, nearest first: its
 * partition ancestors, or its first INHERITS parent and that one's.
 */
List *
options_ancestors(Oid relid)
{
	List	   *result = NIL;
	Oid			parent = relid;

	while (OidIsValid(parent = first_parent(parent)) &&
		   parent != relid && !list_member_oid(result, parent))
		result = lappend_oid(result, parent);
	return result;
}

/*
 * The options that apply to rel: those its version column's default
 * carries, else those of its nearest ancestor (partition parent or
 * INHERITS parent) that carries some, else the defaults.  A database still on version 1.0 of the extension keeps its
 * options in concurrency.table_options until ALTER EXTENSION ... UPDATE
 * moves them; they are read from there meanwhile.  *from_ancestor tells
 * whether an ancestor was consulted.
 */
void
options_in_effect(Oid relid, VersionOptions *opts, bool *from_ancestor)
{
	Oid			options_relid;
	List	   *ancestors = NIL;
	ListCell   *lc;

	memset(opts, 0, sizeof(VersionOptions));
	opts->active = true;
	if (from_ancestor)
		*from_ancestor = false;

	if (carried_options(relid, opts))
		return;

	ancestors = options_ancestors(relid);
	if (from_ancestor && ancestors != NIL)
		*from_ancestor = true;
	foreach(lc, ancestors)
	{
		if (carried_options(lfirst_oid(lc), opts))
			return;
	}
	/* 1.0 took the options of partition ancestors only */
	if (!get_rel_relispartition(relid))
		ancestors = NIL;

	options_relid = options_table_oid();
	if (OidIsValid(options_relid))
	{
		Relation	options_rel = table_open(options_relid, AccessShareLock);

		if (!read_legacy_options(options_rel, relid, opts))
		{
			foreach(lc, ancestors)
			{
				memset(opts, 0, sizeof(VersionOptions));
				opts->active = true;
				if (read_legacy_options(options_rel, lfirst_oid(lc), opts))
					break;
			}
		}
		table_close(options_rel, AccessShareLock);
	}
	if (!opts->found)
	{
		memset(opts, 0, sizeof(VersionOptions));
		opts->active = true;
	}
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
 * happens where event triggers were off.
 */
static void
resolve_watched(TableInfo *info, TupleDesc desc, VersionOptions *opts)
{
	Datum	   *check_names;
	Datum	   *ignore_names;
	int			ncheck;
	int			nignore;

	split_name_array(opts->check_array, &check_names, &ncheck);
	split_name_array(opts->ignore_array, &ignore_names, &nignore);
	info->watch_all = (opts->check_array == NULL && opts->ignore_array == NULL);
	info->nwatched = 0;
	if (info->watch_all)
		return;

	info->watched = MemoryContextAlloc(info->context,
									   sizeof(AttrNumber) * Max(desc->natts, 1));
	if (opts->check_array != NULL)
	{
		for (int i = 0; i < ncheck; i++)
		{
			AttrNumber	attnum = find_column(desc,
											 NameStr(*DatumGetName(check_names[i])));

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
			name_in(NameStr(att->attname), ignore_names, nignore))
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
	VersionOptions opts;
	bool		from_ancestor;
	List	   *ancestors;
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

	options_in_effect(RelationGetRelid(rel), &opts, &from_ancestor);
	info->from_ancestor = from_ancestor;
	info->citus_shard = OidIsValid(citus_distributed_table(rel));
	ancestors = options_ancestors(RelationGetRelid(rel));
	/* a partition's ancestors are its partition ancestors, the root last */
	info->stats_relid = rel->rd_rel->relispartition ?
		llast_oid(ancestors) : RelationGetRelid(rel);
	if (from_ancestor)
	{
		/* only the list of consulted ancestors lives on */
		MemoryContext oldcxt = MemoryContextSwitchTo(table_info_context);
		ListCell   *lc;

		foreach(lc, ancestors)
			consulted_ancestors = list_append_unique_oid(consulted_ancestors,
														 lfirst_oid(lc));
		MemoryContextSwitchTo(oldcxt);
	}

	info->active = opts.active;
	info->strict = opts.strict;
	resolve_watched(info, desc, &opts);
	if (info->strict)
		resolve_cascades(info, rel);
	info->fast_path_function = fast_path_function_for(rel, info,
													  &info->version_trigger);

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
