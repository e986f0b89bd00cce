/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Turning row versioning on and off: the event triggers that follow
 *	  CREATE TABLE and ALTER TABLE, concurrency.enable() and
 *	  concurrency.disable(), and the trigger that keeps cached options
 *	  honest.
 *
 * The rule is simple: a table that stores rows and has a column of type
 * rowversion carries the row trigger; one that has none does not.  The
 * trigger is created as an internal trigger, which pg_dump does not emit:
 * a restore's CREATE TABLE attaches it again through the event trigger,
 * and the options come back with the data of concurrency.table_options.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "tcop/deparse_utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "extension.h"
#include "rowversion.h"
#include "table_info.h"

PG_FUNCTION_INFO_V1(concurrency_ddl_command_end);
PG_FUNCTION_INFO_V1(concurrency_sql_drop);
PG_FUNCTION_INFO_V1(concurrency_enable);
PG_FUNCTION_INFO_V1(concurrency_disable);
PG_FUNCTION_INFO_V1(concurrency_options_changed);
PG_FUNCTION_INFO_V1(concurrency_options_guard);

/*
 * Trigger name; PostgreSQL appends the trigger's OID to internal names.
 * BEFORE triggers fire in the byte order of their names, and "!" sorts
 * before every letter, digit and underscore: the version trigger sees what
 * the statement itself set before any other trigger can change it, so no
 * other trigger can turn a stale write into an accepted one (a trigger that
 * sets NEW.version := OLD.version + 1 would).  concurrency.verify() reports
 * a BEFORE UPDATE trigger whose name sorts before it anyway.
 */
#define VERSION_TRIGGER_NAME "!concurrency_version"

/* a column renamed by the current command */
typedef struct ColumnRename
{
	Oid			relid;
	char	   *oldname;
	char	   *newname;
} ColumnRename;

static char *
table_label(Relation rel)
{
	return psprintf("%s.%s",
					get_namespace_name(RelationGetNamespace(rel)),
					RelationGetRelationName(rel));
}

/* The live rowversion column of rel, or 0; errors if there are two. */
static AttrNumber
version_column_of(Relation rel, Oid typoid)
{
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	found = InvalidAttrNumber;

	if (!OidIsValid(typoid))
		return InvalidAttrNumber;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != typoid)
			continue;
		if (found != InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("table \"%s\" cannot have more than one rowversion column",
							table_label(rel)),
					 errdetail("Columns \"%s\" and \"%s\" are both of type rowversion.",
							   NameStr(TupleDescAttr(desc, found - 1)->attname),
							   NameStr(att->attname)),
					 errtable(rel)));
		found = att->attnum;
	}
	return found;
}

/* OID of the version trigger on rel, or InvalidOid. */
static Oid
version_trigger_of(Relation rel, Oid funcoid)
{
	TriggerDesc *trigdesc = rel->trigdesc;

	if (trigdesc == NULL || !OidIsValid(funcoid))
		return InvalidOid;
	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];

		if (trigger->tgfoid == funcoid && trigger->tgisinternal)
			return trigger->tgoid;
	}
	return InvalidOid;
}

static void
create_version_trigger(Relation rel, Oid funcoid)
{
	CreateTrigStmt *stmt = makeNode(CreateTrigStmt);

	stmt->replace = false;
	stmt->isconstraint = false;
	stmt->trigname = VERSION_TRIGGER_NAME;
	stmt->relation = makeRangeVar(get_namespace_name(RelationGetNamespace(rel)),
								  pstrdup(RelationGetRelationName(rel)), -1);
	stmt->funcname = list_make2(makeString(CONCURRENCY_API_SCHEMA),
								makeString("version_trigger"));
	stmt->args = NIL;
	stmt->row = true;
	stmt->timing = TRIGGER_TYPE_BEFORE;
	stmt->events = TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE;
	stmt->columns = NIL;
	stmt->whenClause = NULL;
	stmt->transitionRels = NIL;
	stmt->deferrable = false;
	stmt->initdeferred = false;
	stmt->constrrel = NULL;

	(void) CreateTrigger(stmt, NULL, RelationGetRelid(rel), InvalidOid,
						 InvalidOid, InvalidOid, funcoid, InvalidOid,
						 NULL, true, false);
}

static void
drop_version_trigger(Oid trigoid)
{
	ObjectAddress address;

	ObjectAddressSet(address, TriggerRelationId, trigoid);
	performDeletion(&address, DROP_RESTRICT, PERFORM_DELETION_INTERNAL);
}

/*
 * Run one internal statement as the options table's owner, with a pinned
 * search_path.  Returns the first column of its first row as text, copied
 * into the caller's memory context, or NULL if it returned no row.
 */
static char *
run_internal(const char *sql, int nargs, Oid *argtypes, Datum *values,
			 const char *nulls)
{
	OptionsWriteState state;
	MemoryContext cxt = CurrentMemoryContext;
	char	   *result = NULL;

	options_write_begin(&state);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0) < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", sql);
	if (SPI_tuptable != NULL && SPI_processed > 0)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (value != NULL)
			result = MemoryContextStrdup(cxt, value);
	}
	SPI_finish();
	options_write_end(&state);

	return result;
}

static void
forget_options(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	run_internal("DELETE FROM concurrency.table_options WHERE relid = $1::pg_catalog.oid",
					1, argtypes, values, NULL);
}

static void
rename_in_options(Oid relid, const char *oldname, const char *newname)
{
	Oid			argtypes[3] = {OIDOID, NAMEOID, NAMEOID};
	Datum		values[3];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetDatum(oldname);
	values[2] = CStringGetDatum(newname);
	run_internal("UPDATE concurrency.table_options"
					"   SET check_columns = array_replace(check_columns, $2, $3),"
					"       ignore_columns = array_replace(ignore_columns, $2, $3)"
					" WHERE relid = $1::pg_catalog.oid"
					"   AND ($2 = ANY (check_columns) OR $2 = ANY (ignore_columns))",
					3, argtypes, values, NULL);
}

/*
 * Refuse DDL that leaves a watched column missing: the options name
 * columns the way an index names them, and a silently shrinking list would
 * change what counts as a modification.
 */
static void
check_watched_columns(Relation rel)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(RelationGetRelid(rel))};
	char	   *missing;

	missing = run_internal("SELECT u.name::pg_catalog.text"
						   "  FROM concurrency.table_options o,"
						   "       unnest(COALESCE(o.check_columns, o.ignore_columns)) AS u(name)"
						   " WHERE o.relid = $1::pg_catalog.oid"
						   "   AND NOT EXISTS (SELECT FROM pg_attribute a"
						   "                    WHERE a.attrelid = $1 AND a.attname = u.name"
						   "                      AND a.attnum > 0 AND NOT a.attisdropped)"
						   " LIMIT 1",
						   1, argtypes, values, NULL);

	if (missing != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("column \"%s\" of table \"%s\" is named in its row-versioning options",
						missing, table_label(rel)),
				 errhint("Change the options with concurrency.enable() first."),
				 errtablecolname(rel, missing)));
}

/*
 * A table that becomes versioned must bring only valid versions along
 * (not negative, not null, at most ROWVERSION_MAX): a dump of it has to restore
 * through the INSERT rules.  The rows decide.  The one shortcut is for a
 * column the current command added (added_here): every existing row then
 * reads the column's missing value, so checking that value suffices and a
 * large table is not read.  A missing value left from an earlier ADD
 * COLUMN proves nothing (atthasmissing stays until the table is
 * rewritten, ALTER COLUMN ... TYPE keeps it, and rows written since may
 * hold anything).
 */
static void
check_existing_versions(Relation rel, AttrNumber attnum, bool added_here)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	const char *column = NameStr(att->attname);
	bool		bad;

	if (added_here && att->atthasmissing)
	{
		bool		isnull;
		Datum		missing = getmissingattr(RelationGetDescr(rel), attnum, &isnull);

		bad = isnull || !rowversion_in_range(DatumGetInt64(missing));
	}
	else
	{
		StringInfoData sql;
		char	   *qcolumn = pstrdup(quote_identifier(column));

		initStringInfo(&sql);
		appendStringInfo(&sql,
						 "SELECT 1 FROM ONLY %s WHERE %s IS NULL OR %s OPERATOR(pg_catalog.<) 0"
						 " OR %s OPERATOR(pg_catalog.>) " INT64_FORMAT " LIMIT 1",
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													RelationGetRelationName(rel)),
						 qcolumn, qcolumn, qcolumn, ROWVERSION_MAX);
		bad = (run_internal(sql.data, 0, NULL, NULL, NULL) != NULL);
	}

	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("column \"%s\" of table \"%s\" has rows without a valid version",
						column, table_label(rel)),
				 errdetail("Row versions must be non-negative, not null and at most " INT64_FORMAT ".",
						   ROWVERSION_MAX),
				 errhint("Give those rows a version first, for example: UPDATE ... SET %s = 1 WHERE %s IS NULL OR %s < 0.",
						 quote_identifier(column), quote_identifier(column),
						 quote_identifier(column)),
				 errtablecol(rel, attnum)));
}

/* a column an ALTER TABLE or ALTER TYPE command added to relid */
typedef struct AddedColumn
{
	Oid			relid;
	char	   *name;
} AddedColumn;

/*
 * What one run of an event trigger has to bring in line.  fresh lists the
 * tables the command created, which can have no options yet (a row left
 * under such an OID belonged to a temporary table that is gone); added
 * lists the columns the command added (AddedColumn *), and root is the
 * relation whose tree is being synced, for check_existing_versions().
 */
typedef struct SyncContext
{
	Oid			typoid;
	Oid			funcoid;
	List	   *fresh;
	List	   *added;
	Oid			root;
} SyncContext;

/*
 * Did the command add this column?  ADD COLUMN on a parent (or ALTER TYPE
 * ... ADD ATTRIBUTE on a composite type) adds it down the tree; PostgreSQL
 * reports the addition for the command's own table, and, depending on the
 * major, not for every table it reached, so the column of a table in the
 * tree counts when the command added a column of that name at its root.
 */
static bool
added_by_command(const SyncContext *ctx, Relation rel, AttrNumber attnum)
{
	const char *name = NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname);
	ListCell   *lc;

	foreach(lc, ctx->added)
	{
		AddedColumn *added = lfirst(lc);

		if ((added->relid == RelationGetRelid(rel) || added->relid == ctx->root) &&
			strcmp(added->name, name) == 0)
			return true;
	}
	return false;
}

/*
 * Give the rows that existed before ADD COLUMN the column's default, where
 * PostgreSQL did not.  ADD COLUMN of a domain-typed column whose only
 * default is the domain's (rowversion's DEFAULT 1) records that default as
 * the value of the existing rows on current minors; older ones (16.2,
 * 14.13, 17beta2 among those tested) record nothing when the table is not
 * rewritten, and the existing rows read NULL.  This records it the way
 * ADD COLUMN ... DEFAULT does: as the column's missing value, read by
 * every row that was stored before the column existed; a row the command
 * rewrote holds the default already.  Only for a column the current
 * command added, before anything else was written to it.
 */
static void
record_default_for_existing_rows(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Expr	   *defval;
	EState	   *estate;
	ExprState  *exprstate;
	Datum		value;
	bool		isnull;

	if (att->atthasmissing || att->atthasdef)
		return;
	defval = (Expr *) build_column_default(rel, attnum);
	if (defval == NULL || contain_volatile_functions((Node *) defval))
		return;

	estate = CreateExecutorState();
	exprstate = ExecPrepareExpr(expression_planner(defval), estate);
	value = ExecEvalExpr(exprstate, GetPerTupleExprContext(estate), &isnull);
	if (!isnull)
	{
		Relation	attrrel = table_open(AttributeRelationId, RowExclusiveLock);
		HeapTuple	tuple = SearchSysCacheCopy2(ATTNUM,
												ObjectIdGetDatum(RelationGetRelid(rel)),
												Int16GetDatum(attnum));
		Datum		values[Natts_pg_attribute] = {0};
		bool		nulls[Natts_pg_attribute] = {0};
		bool		replace[Natts_pg_attribute] = {0};
		HeapTuple	newtuple;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for attribute %d of relation %u",
				 attnum, RelationGetRelid(rel));
		values[Anum_pg_attribute_atthasmissing - 1] = BoolGetDatum(true);
		replace[Anum_pg_attribute_atthasmissing - 1] = true;
		values[Anum_pg_attribute_attmissingval - 1] =
			PointerGetDatum(construct_array(&value, 1, att->atttypid, att->attlen,
											att->attbyval, att->attalign));
		replace[Anum_pg_attribute_attmissingval - 1] = true;
		newtuple = heap_modify_tuple(tuple, RelationGetDescr(attrrel),
									 values, nulls, replace);
		CatalogTupleUpdate(attrrel, &newtuple->t_self, newtuple);
		table_close(attrrel, RowExclusiveLock);
		CommandCounterIncrement();
	}
	FreeExecutorState(estate);
}

/*
 * Bring one table in line with the rule: the trigger exactly where a table
 * that stores rows has a rowversion column, and options that name only
 * columns it has.  Most commands change nothing here (a COMMENT, an ALTER
 * TABLE of something else), so the table is read under the weakest lock
 * and locked as CREATE TRIGGER does only when the trigger must change.
 */
static void
sync_relation(Oid relid, const SyncContext *ctx)
{
	Relation	rel;
	AttrNumber	attnum;
	Oid			trigoid;
	bool		wanted;
	char		relkind;

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return;
	relkind = rel->rd_rel->relkind;
	attnum = version_column_of(rel, ctx->typoid);

	if (attnum != InvalidAttrNumber && relkind == RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("foreign table \"%s\" cannot have a rowversion column",
						table_label(rel)),
				 errdetail("Row versioning needs a trigger where the rows are stored."),
				 errhint("Use bigint for the column, and version the table on the remote server."),
				 errtable(rel)));

	if (attnum != InvalidAttrNumber &&
		TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attgenerated)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("rowversion column \"%s\" of table \"%s\" cannot be a generated column",
						NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
						table_label(rel)),
				 errtablecol(rel, attnum)));

	if (attnum != InvalidAttrNumber && relid == options_table_oid())
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" cannot have a rowversion column", table_label(rel)),
				 errdetail("It belongs to extension \"%s\".", "concurrency")));

	/* partitioned tables store nothing: each partition has its trigger */
	wanted = (attnum != InvalidAttrNumber && relkind == RELKIND_RELATION);
	trigoid = version_trigger_of(rel, ctx->funcoid);
	if (wanted != OidIsValid(trigoid))
	{
		LockRelationOid(relid, ShareRowExclusiveLock);
		if (wanted)
		{
			bool		added_here = added_by_command(ctx, rel, attnum);

			if (added_here)
			{
				record_default_for_existing_rows(rel, attnum);
				/* the descriptor must show the missing value now */
				table_close(rel, NoLock);
				rel = table_open(relid, NoLock);
			}
			check_existing_versions(rel, attnum, added_here);
			create_version_trigger(rel, ctx->funcoid);
		}
		else
			drop_version_trigger(trigoid);
	}

	/*
	 * Write to the options table only when there is something to change:
	 * CREATE TEMP TABLE must keep working in a read-only transaction.
	 */
	if (table_info_has_options(relid))
	{
		if (list_member_oid(ctx->fresh, relid) || attnum == InvalidAttrNumber)
			forget_options(relid);
		else
			check_watched_columns(rel);
	}

	table_close(rel, NoLock);
	CommandCounterIncrement();
}

/*
 * The tables a command on relid reaches: a table with its partitions and
 * inheritance children (ALTER TABLE recurses to them), or, for a composite
 * type, the typed tables ALTER TYPE ... CASCADE changes, with theirs.
 */
static List *
reached_tables(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	List	   *result = NIL;

	if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE)
		return find_all_inheritors(relid, NoLock, NULL);

	if (relkind == RELKIND_COMPOSITE_TYPE)
	{
		Oid			typeoid = get_rel_type_id(relid);
		Relation	pg_class = table_open(RelationRelationId, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tuple;

		ScanKeyInit(&key, Anum_pg_class_reloftype,
					BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(typeoid));
		scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 1, &key);
		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
			result = list_concat_unique_oid(result,
											find_all_inheritors(((Form_pg_class) GETSTRUCT(tuple))->oid,
																NoLock, NULL));
		systable_endscan(scan);
		table_close(pg_class, AccessShareLock);
	}
	return result;
}

static void
sync_tree(Oid relid, SyncContext *ctx)
{
	ListCell   *lc;

	ctx->root = relid;
	foreach(lc, reached_tables(relid))
		sync_relation(lfirst_oid(lc), ctx);
}

/* the column a RenameStmt renames, for tables and composite types alike */
static bool
renames_column(Node *parsetree)
{
	return parsetree != NULL && IsA(parsetree, RenameStmt) &&
		(((RenameStmt *) parsetree)->renameType == OBJECT_COLUMN ||
		 ((RenameStmt *) parsetree)->renameType == OBJECT_ATTRIBUTE);
}

/*
 * Follows every DDL command.  The event trigger that calls this has no
 * WHEN TAG filter, and this looks at every object of class pg_class the
 * command reports: a relation's columns change only through utility
 * commands (CREATE TABLE in all its forms, also inside CREATE SCHEMA and
 * IMPORT FOREIGN SCHEMA, CREATE TABLE AS, SELECT INTO, ALTER TABLE, ALTER
 * TYPE on the composite type of typed tables, ALTER ... RENAME), and every
 * utility command that changes a relation reports it to
 * pg_event_trigger_ddl_commands(), subcommands included.  Removal by
 * DROP ... CASCADE reports nothing here; concurrency_sql_drop() follows it.
 * What runs with event triggers off (single-user mode, pg_upgrade) is what
 * concurrency.verify() is for.
 */
Datum
concurrency_ddl_command_end(PG_FUNCTION_ARGS)
{
	SyncContext ctx = {0};
	List	   *relids = NIL;
	List	   *renames = NIL;
	ListCell   *lc;
	int			nestlevel;
	MemoryContext cxt = CurrentMemoryContext;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"concurrency.ddl_command_end")));

	ctx.typoid = rowversion_type_oid();
	ctx.funcoid = version_trigger_function_oid();
	if (!OidIsValid(ctx.typoid) || !OidIsValid(ctx.funcoid))
		PG_RETURN_VOID();

	nestlevel = restrict_search_path();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT objid, command_tag, command"
					"  FROM pg_event_trigger_ddl_commands()"
					" WHERE classid = 'pg_class'::regclass",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the commands of the event");

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		char	   *tag = SPI_getvalue(tuple, desc, 2);
		CollectedCommand *cmd = (CollectedCommand *)
			DatumGetPointer(SPI_getbinval(tuple, desc, 3, &isnull));
		MemoryContext oldcxt = MemoryContextSwitchTo(cxt);

		if (strncmp(tag, "CREATE ", 7) == 0 || strcmp(tag, "SELECT INTO") == 0)
			ctx.fresh = list_append_unique_oid(ctx.fresh, relid);
		relids = list_append_unique_oid(relids, relid);

		if (!isnull && cmd->type == SCT_Simple && renames_column(cmd->parsetree))
		{
			RenameStmt *stmt = (RenameStmt *) cmd->parsetree;
			ColumnRename *rename = palloc(sizeof(ColumnRename));

			rename->relid = relid;
			rename->oldname = pstrdup(stmt->subname);
			rename->newname = pstrdup(stmt->newname);
			renames = lappend(renames, rename);
		}

		/* each table an ALTER reached reports the columns added to it */
		if (!isnull && cmd->type == SCT_AlterTable)
		{
			ListCell   *lc2;

			foreach(lc2, cmd->d.alterTable.subcmds)
			{
				CollectedATSubcmd *sub = lfirst(lc2);
				AlterTableCmd *atcmd = (AlterTableCmd *) sub->parsetree;

				if (atcmd != NULL && IsA(atcmd, AlterTableCmd) &&
					ALTER_TABLE_ADDS_COLUMN(atcmd->subtype) &&
					atcmd->def != NULL && IsA(atcmd->def, ColumnDef) &&
					sub->address.classId == RelationRelationId &&
					sub->address.objectSubId > 0)
				{
					AddedColumn *added = palloc(sizeof(AddedColumn));

					added->relid = sub->address.objectId;
					added->name = pstrdup(((ColumnDef *) atcmd->def)->colname);
					ctx.added = lappend(ctx.added, added);
				}
			}
		}
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_finish();
	restore_search_path(nestlevel);

	/* a renamed column keeps its place in the options, down the tree */
	foreach(lc, renames)
	{
		ColumnRename *rename = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, reached_tables(rename->relid))
			rename_in_options(lfirst_oid(lc2), rename->oldname, rename->newname);
	}

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);

		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			sync_tree(relid, &ctx);
	}

	PG_RETURN_VOID();
}

static void
refuse_lost_trigger(Oid relid)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);

	if (rel == NULL)
		return;
	if (rel->rd_rel->relkind == RELKIND_RELATION &&
		version_column_of(rel, rowversion_type_oid()) != InvalidAttrNumber &&
		!OidIsValid(version_trigger_of(rel, version_trigger_function_oid())))
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop the row-versioning trigger of table \"%s\"",
						table_label(rel)),
				 errdetail("The table's rowversion column turns versioning on."),
				 errhint("Use concurrency.disable() to turn versioning off, or drop the column."),
				 errtable(rel)));
	relation_close(rel, AccessShareLock);
}

/*
 * Follows every DROP, ALTER ... DROP and DROP ... CASCADE (the event
 * trigger has no WHEN TAG filter): a dropped table loses its options, a
 * table that loses a column is brought in line as after ALTER TABLE (so a
 * watched column cannot go by DROP DOMAIN ... CASCADE either), and the
 * version trigger cannot go while its column stays.
 */
Datum
concurrency_sql_drop(PG_FUNCTION_ARGS)
{
	SyncContext ctx = {0};
	List	   *dropped = NIL;
	List	   *lost = NIL;
	List	   *shrunk = NIL;
	ListCell   *lc;
	int			nestlevel;
	MemoryContext cxt = CurrentMemoryContext;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"concurrency.sql_drop")));

	ctx.typoid = rowversion_type_oid();
	ctx.funcoid = version_trigger_function_oid();
	if (!OidIsValid(options_table_oid()) || !OidIsValid(ctx.typoid) ||
		!OidIsValid(ctx.funcoid))
		PG_RETURN_VOID();

	nestlevel = restrict_search_path();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* dropped tables, tables that lost a trigger, tables that lost a column */
	if (SPI_execute("SELECT objid, 't' FROM pg_event_trigger_dropped_objects()"
					" WHERE classid = 'pg_class'::regclass AND objsubid = 0"
					" UNION ALL"
					" SELECT c.oid, 'g' FROM pg_event_trigger_dropped_objects() d"
					"   JOIN pg_namespace n ON n.nspname = d.address_names[1]"
					"   JOIN pg_class c ON c.relnamespace = n.oid"
					"                  AND c.relname = d.address_names[2]"
					"  WHERE d.classid = 'pg_trigger'::regclass"
					" UNION ALL"
					" SELECT DISTINCT objid, 'c' FROM pg_event_trigger_dropped_objects()"
					" WHERE classid = 'pg_class'::regclass AND objsubid > 0",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the dropped objects of the event");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc,
														   1, &isnull));
		char	   *kind = SPI_getvalue(SPI_tuptable->vals[i],
										SPI_tuptable->tupdesc, 2);
		MemoryContext oldcxt = MemoryContextSwitchTo(cxt);

		if (kind[0] == 'g')
			lost = lappend_oid(lost, relid);
		else if (kind[0] == 'c')
			shrunk = lappend_oid(shrunk, relid);
		else
			dropped = lappend_oid(dropped, relid);
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_finish();
	restore_search_path(nestlevel);

	/*
	 * The version trigger goes with the rowversion column, not by DROP
	 * TRIGGER: a table that keeps the column must keep its trigger.
	 */
	foreach(lc, lost)
		refuse_lost_trigger(lfirst_oid(lc));

	/* a table that lost a column and is still there */
	foreach(lc, shrunk)
	{
		Oid			relid = lfirst_oid(lc);

		if (!list_member_oid(dropped, relid) &&
			SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			sync_relation(relid, &ctx);
	}

	/* forget the options of dropped tables; write only if there are any */
	foreach(lc, dropped)
	{
		if (table_info_has_options(lfirst_oid(lc)))
			forget_options(lfirst_oid(lc));
	}
	PG_RETURN_VOID();
}

/*
 * The kind of relid, which must exist and be a table that stores rows or a
 * partitioned one; action ("enable row versioning") names what is refused.
 */
static char
table_kind(Oid relid, const char *action)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s for relation \"%s\"",
						action, get_rel_name(relid)),
				 errdetail_relkind_not_supported(relkind)));
	return relkind;
}

/*
 * Open a table that enable() or disable() may work on: one that stores
 * rows, is not a system catalog, and is owned by the current role.
 */
static Relation
open_owned_table(Oid relid, const char *action)
{
	Relation	rel;
	char		relkind = table_kind(relid, action);

	if (IsCatalogRelationOid(relid) ||
		IsCatalogNamespace(get_rel_namespace(relid)) ||
		IsToastNamespace(get_rel_namespace(relid)) ||
		get_rel_namespace(relid) == get_namespace_oid("information_schema", true))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: \"%s\" is a system catalog",
						get_rel_name(relid))));
	if (OidIsValid(getExtensionOfObject(RelationRelationId, relid)))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s for relation \"%s\"",
						action, get_rel_name(relid)),
				 errdetail("It belongs to extension \"%s\".",
						   get_extension_name(getExtensionOfObject(RelationRelationId, relid)))));
	if (!relation_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind),
					   get_rel_name(relid));

	rel = try_relation_open(relid, ShareRowExclusiveLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return rel;
}

/*
 * Run ALTER TABLE on relid as the calling role, which PostgreSQL checks as
 * usual.  The caller must not hold the table open.
 */
static void
alter_table(Oid relid, const char *action, const char *column, const char *type)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s %s COLUMN %s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)),
					 action, quote_identifier(column));
	if (type != NULL)
		appendStringInfo(&sql, " %s", type);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not run: %s", sql.data);
	SPI_finish();
}

/*
 * Check a check_columns / ignore_columns argument and return it as a
 * datum for the options table, or (Datum) 0 for NULL.
 */
static Datum
validate_column_list(Relation rel, ArrayType *array, const char *option,
					 AttrNumber version_attnum)
{
	Datum	   *names;
	bool	   *nulls;
	int			count;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", option)));
	deconstruct_array(array, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &names, &nulls, &count);
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must name at least one column", option),
				 errhint("Pass NULL to count changes to every column.")));

	for (int i = 0; i < count; i++)
	{
		const char *name;
		AttrNumber	attnum;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain null", option)));
		name = NameStr(*DatumGetName(names[i]));
		attnum = get_attnum(RelationGetRelid(rel), name);
		if (attnum == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							name, RelationGetRelationName(rel))));
		if (attnum < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s cannot name system column \"%s\"", option, name)));
		if (attnum == version_attnum)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s cannot name the version column \"%s\"", option, name)));
		if (TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attgenerated)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s cannot name generated column \"%s\"", option, name),
					 errdetail("A generated column changes only with the columns it is computed from; name those.")));
	}
	return PointerGetDatum(array);
}

/* a type's own name, without its schema */
static char *
type_name(Oid typoid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typoid));
	char	   *result;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typoid);
	result = pstrdup(NameStr(((Form_pg_type) GETSTRUCT(tuple))->typname));
	ReleaseSysCache(tuple);
	return result;
}

static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
}

Datum
concurrency_enable(PG_FUNCTION_ARGS)
{
	Oid			relid;
	const char *column;
	bool		strict;
	Relation	rel;
	Oid			typoid = rowversion_type_oid();
	AttrNumber	attnum;
	Oid			argtypes[4] = {OIDOID, NAMEARRAYOID, NAMEARRAYOID, BOOLOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	SyncContext ctx = {0};

	require_arg(fcinfo, 0, "tbl");
	require_arg(fcinfo, 1, "version_column");
	require_arg(fcinfo, 4, "strict");
	relid = PG_GETARG_OID(0);
	column = NameStr(*PG_GETARG_NAME(1));
	if (column[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be empty", "version_column")));
	strict = PG_GETARG_BOOL(4);

	if (!PG_ARGISNULL(2) && !PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("check_columns and ignore_columns cannot both be set"),
				 errhint("check_columns lists the columns whose changes count; ignore_columns lists those whose changes do not. Use one.")));

	rel = open_owned_table(relid, "enable row versioning");
	attnum = version_column_of(rel, typoid);
	if (attnum != InvalidAttrNumber &&
		strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname), column) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("table \"%s\" already has version column \"%s\"",
						table_label(rel),
						NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname)),
				 errhint("Pass version_column => %s, or rename the column.",
						 quote_literal_cstr(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname)))));

	if (attnum == InvalidAttrNumber)
	{
		AttrNumber	other = get_attnum(relid, column);

		if (other < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column name \"%s\" conflicts with a system column name",
							column)));
		if (other != InvalidAttrNumber)
		{
			Oid			have_type = get_atttype(relid, other);
			char	   *have = format_type_be(have_type);
			char	   *want = format_type_be(typoid);

			/* a look-alike type of the same name: say which is which */
			if (strcmp(type_name(have_type), type_name(typoid)) == 0)
			{
				have = format_type_be_qualified(have_type);
				want = format_type_be_qualified(typoid);
			}
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of table \"%s\" is of type %s, not %s",
							column, table_label(rel), have, want),
					 errhint("Convert it with ALTER TABLE ... ALTER COLUMN %s TYPE %s, or name another column.",
							 quote_identifier(column), want)));
		}

		relation_close(rel, NoLock);
		alter_table(relid, "ADD", column, format_type_be_qualified(typoid));
		rel = relation_open(relid, NoLock);
		attnum = version_column_of(rel, typoid);
	}

	values[0] = ObjectIdGetDatum(relid);
	if (PG_ARGISNULL(2))
		nulls[1] = 'n';
	else
		values[1] = validate_column_list(rel, PG_GETARG_ARRAYTYPE_P(2),
										 "check_columns", attnum);
	if (PG_ARGISNULL(3))
		nulls[2] = 'n';
	else
		values[2] = validate_column_list(rel, PG_GETARG_ARRAYTYPE_P(3),
										 "ignore_columns", attnum);
	values[3] = BoolGetDatum(strict);

	run_internal("INSERT INTO concurrency.table_options AS o"
					"       (relid, check_columns, ignore_columns, strict, active)"
					" VALUES ($1::pg_catalog.oid, $2, $3, $4, true)"
					" ON CONFLICT (relid) DO UPDATE"
					"   SET check_columns = excluded.check_columns,"
					"       ignore_columns = excluded.ignore_columns,"
					"       strict = excluded.strict,"
					"       active = true",
					4, argtypes, values, nulls);
	relation_close(rel, NoLock);

	/*
	 * A table whose trigger went missing (a binary upgrade restores tables
	 * before event triggers exist) gets it back here.
	 */
	ctx.typoid = typoid;
	ctx.funcoid = version_trigger_function_oid();
	sync_tree(relid, &ctx);

	PG_RETURN_VOID();
}

Datum
concurrency_disable(PG_FUNCTION_ARGS)
{
	Oid			relid;
	bool		drop_column;
	Relation	rel;
	AttrNumber	attnum;

	require_arg(fcinfo, 0, "tbl");
	require_arg(fcinfo, 1, "drop_column");
	relid = PG_GETARG_OID(0);
	drop_column = PG_GETARG_BOOL(1);

	rel = open_owned_table(relid, "disable row versioning");
	attnum = version_column_of(rel, rowversion_type_oid());
	if (attnum == InvalidAttrNumber)
	{
		ereport(NOTICE,
				(errmsg("table \"%s\" has no version column, skipping",
						table_label(rel))));
	}
	else if (drop_column)
	{
		char	   *column = pstrdup(NameStr(TupleDescAttr(RelationGetDescr(rel),
														   attnum - 1)->attname));

		relation_close(rel, NoLock);
		alter_table(relid, "DROP", column, NULL);
		return (Datum) 0;
	}
	else
	{
		Oid			argtypes[1] = {OIDOID};
		Datum		values[1] = {ObjectIdGetDatum(relid)};

		run_internal("INSERT INTO concurrency.table_options AS o (relid, active)"
						" VALUES ($1::pg_catalog.oid, false)"
						" ON CONFLICT (relid) DO UPDATE SET active = false",
						1, argtypes, values, NULL);
	}

	relation_close(rel, NoLock);
	PG_RETURN_VOID();
}

/* The options triggers read the options table's rows, and no other's. */
static void
require_options_table(TriggerData *trigdata, const char *function)
{
	if (RelationGetRelid(trigdata->tg_relation) != options_table_oid())
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired on table \"%s\"",
						function, CONCURRENCY_API_SCHEMA ".table_options")));
}

/* Invalidate the cached options of relid and everything below it. */
static void
invalidate_tree(Oid relid)
{
	List	   *tree;
	ListCell   *lc;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return;
	tree = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, tree)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
}

Datum
concurrency_options_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"concurrency.options_changed")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		(TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ==
		 TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired AFTER ... FOR EACH ROW, or AFTER TRUNCATE",
						"concurrency.options_changed")));

	require_options_table(trigdata, "concurrency.options_changed");

	/* TRUNCATE (statement level) may have removed anyone's options */
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		CacheInvalidateRelcacheAll();
		PG_RETURN_POINTER(NULL);
	}

	invalidate_tree(DatumGetObjectId(heap_getattr(trigdata->tg_trigtuple, 1,
												  RelationGetDescr(trigdata->tg_relation),
												  &isnull)));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		invalidate_tree(DatumGetObjectId(heap_getattr(trigdata->tg_newtuple, 1,
													  RelationGetDescr(trigdata->tg_relation),
													  &isnull)));
	PG_RETURN_POINTER(NULL);
}

/*
 * Anyone may insert into the options table (a restore by a database owner
 * who is not a superuser has to), but only the options of tables they own.
 */
Datum
concurrency_options_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	bool		isnull;
	Oid			relid;
	char		relkind;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"concurrency.options_guard")));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired BEFORE INSERT OR UPDATE ... FOR EACH ROW",
						"concurrency.options_guard")));

	require_options_table(trigdata, "concurrency.options_guard");

	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	relid = DatumGetObjectId(heap_getattr(tuple, 1,
										  RelationGetDescr(trigdata->tg_relation),
										  &isnull));
	if (isnull)
		PG_RETURN_POINTER(tuple);	/* the NOT NULL constraint reports it */
	relkind = table_kind(relid, "set row-versioning options");
	if (!relation_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind),
					   get_rel_name(relid));

	/* the column lists must be what enable() would accept */
	for (int attnum = 2; attnum <= 3; attnum++)
	{
		Datum		list = heap_getattr(tuple, attnum,
										RelationGetDescr(trigdata->tg_relation),
										&isnull);

		if (!isnull)
		{
			Relation	rel = relation_open(relid, AccessShareLock);

			(void) validate_column_list(rel, DatumGetArrayTypeP(list),
										attnum == 2 ? "check_columns" : "ignore_columns",
										version_column_of(rel, rowversion_type_oid()));
			relation_close(rel, AccessShareLock);
		}
	}

	PG_RETURN_POINTER(tuple);
}
