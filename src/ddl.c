/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Turning row versioning on and off: the event triggers that follow
 *	  DDL, concurrency.enable() and concurrency.disable().
 *
 * The rule is simple: a table that stores rows and has a column of type
 * rowversion carries the row trigger; one that has none does not.  The
 * trigger is created as an internal trigger, which pg_dump does not emit
 * and which Citus accepts on a distributed table: a restore's CREATE TABLE
 * attaches it again through the event trigger (and a binary upgrade, which
 * creates tables before event triggers, through the sweep below).  The
 * options are the arguments of concurrency.options(), the default of the
 * version column (see table_info.h), so they travel with the table.
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
#include "funcapi.h"
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
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
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
PG_FUNCTION_INFO_V1(concurrency_options_of);
PG_FUNCTION_INFO_V1(concurrency_ddl_command_start);

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
 * Run one internal statement as the owner of the extension's schema, with a pinned
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

static Datum validate_column_list(Relation rel, ArrayType *array, const char *option,
								  AttrNumber version_attnum);

/*
 * True while enable(), disable() or a column rename rewrites the options a
 * version column's default carries: concurrency_ddl_command_start() lets
 * those through.
 */
static bool setting_options = false;

/* a name[] as an SQL literal */
static char *
name_array_literal(ArrayType *array)
{
	char	   *text = DatumGetCString(OidFunctionCall1(F_ARRAY_OUT,
														PointerGetDatum(array)));

	return psprintf("%s::pg_catalog.name[]", quote_literal_cstr(text));
}

/*
 * The ALTER COLUMN action that gives a version column these options: SET
 * DEFAULT concurrency.options(...), or, where every option is at its
 * default, the plain start value, or DROP DEFAULT if there is none.  A
 * partition keeps the call even then (keep_call): without one, it would
 * take its parent's options.  Call with search_path restricted, so that
 * start is written schema-qualified.
 */
static char *
options_action(Node *start, ArrayType *check, ArrayType *ignore, bool strict,
			   bool active, bool keep_call)
{
	StringInfoData buf;
	const char *sep = "";

	if (check == NULL && ignore == NULL && !strict && active && !keep_call)
	{
		if (start == NULL)
			return "DROP DEFAULT";
		return psprintf("SET DEFAULT %s", deparse_expression(start, NIL, false, false));
	}

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SET DEFAULT " CONCURRENCY_API_SCHEMA ".options(");

	/*
	 * Citus runs parse analysis over the raw default of an ALTER TABLE ...
	 * SET DEFAULT in place, which breaks a named argument (NamedArgExpr)
	 * for the ALTER TABLE itself ("unrecognized node type"); where Citus is
	 * installed, the arguments are written in order, up to the last one
	 * that is not at its default.
	 */
	if (citus_installed())
	{
		int			last = OPTIONS_ARG_START;

		if (check != NULL)
			last = OPTIONS_ARG_CHECK_COLUMNS;
		if (ignore != NULL)
			last = OPTIONS_ARG_IGNORE_COLUMNS;
		if (strict)
			last = OPTIONS_ARG_STRICT;
		if (!active)
			last = OPTIONS_ARG_ACTIVE;
		appendStringInfoString(&buf, start != NULL ?
							   deparse_expression(start, NIL, false, false) : "1");
		if (last >= OPTIONS_ARG_CHECK_COLUMNS)
			appendStringInfo(&buf, ", %s", check ? name_array_literal(check) : "NULL");
		if (last >= OPTIONS_ARG_IGNORE_COLUMNS)
			appendStringInfo(&buf, ", %s", ignore ? name_array_literal(ignore) : "NULL");
		if (last >= OPTIONS_ARG_STRICT)
			appendStringInfo(&buf, ", %s", strict ? "true" : "false");
		if (last >= OPTIONS_ARG_ACTIVE)
			appendStringInfo(&buf, ", %s", active ? "true" : "false");
		appendStringInfoChar(&buf, ')');
		return buf.data;
	}

	if (start != NULL)
	{
		appendStringInfoString(&buf, deparse_expression(start, NIL, false, false));
		sep = ", ";
	}
	if (check != NULL)
	{
		appendStringInfo(&buf, "%scheck_columns => %s", sep, name_array_literal(check));
		sep = ", ";
	}
	if (ignore != NULL)
	{
		appendStringInfo(&buf, "%signore_columns => %s", sep, name_array_literal(ignore));
		sep = ", ";
	}
	if (strict)
	{
		appendStringInfo(&buf, "%sstrict => true", sep);
		sep = ", ";
	}
	if (!active)
		appendStringInfo(&buf, "%sactive => false", sep);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * Run ALTER TABLE [ONLY] relid ALTER COLUMN column <action> as the calling
 * role, which PostgreSQL checks as usual, and through ProcessUtility, so
 * that whatever follows DDL (Citus, for one) sees it.  local_only keeps
 * Citus from sending it to the other nodes: a column rename reaches each
 * node's tables by itself, and each node's event trigger rewrites their
 * options there (sent along, the rewrite would arrive before the rename).
 */
static void
alter_column(Oid relid, bool only, const char *column, const char *action,
			 bool local_only)
{
	StringInfoData sql;
	int			nestlevel = restrict_search_path();

	if (local_only &&
		GetConfigOption("citus.enable_ddl_propagation", true, false) != NULL)
		(void) set_config_option("citus.enable_ddl_propagation", "off",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

	initStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s%s ALTER COLUMN %s %s",
					 only ? "ONLY " : "",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)),
					 quote_identifier(column), action);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	setting_options = true;
	PG_TRY();
	{
		if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not run: %s", sql.data);
	}
	PG_FINALLY();
	{
		setting_options = false;
	}
	PG_END_TRY();
	SPI_finish();
	restore_search_path(nestlevel);
}

/* Does the list name the column?  Replace it by newname if so. */
static ArrayType *
replace_name(ArrayType *array, const char *oldname, const char *newname, bool *changed)
{
	Datum	   *names;
	int			count;

	if (array == NULL)
		return NULL;
	deconstruct_array(array, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &names, NULL, &count);
	for (int i = 0; i < count; i++)
	{
		if (strcmp(NameStr(*DatumGetName(names[i])), oldname) == 0)
		{
			Name		name = palloc0(NAMEDATALEN);

			namestrcpy(name, newname);
			names[i] = NameGetDatum(name);
			*changed = true;
		}
	}
	return construct_array(names, count, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR);
}

/* A renamed column keeps its place in the options relid's version column carries. */
static void
rename_in_options(Oid relid, const char *oldname, const char *newname)
{
	VersionOptions opts;
	bool		changed = false;
	Relation	rel;
	AttrNumber	attnum;
	char	   *column;
	int			nestlevel;
	char	   *action;

	if (!carried_options(relid, &opts) || opts.malformed)
		return;
	opts.check_array = replace_name(opts.check_array, oldname, newname, &changed);
	opts.ignore_array = replace_name(opts.ignore_array, oldname, newname, &changed);
	if (!changed)
		return;

	rel = relation_open(relid, AccessShareLock);
	attnum = version_column_of(rel, rowversion_type_oid());
	column = pstrdup(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));
	relation_close(rel, NoLock);

	nestlevel = restrict_search_path();
	action = options_action(opts.start, opts.check_array, opts.ignore_array,
							opts.strict, opts.active, true);
	restore_search_path(nestlevel);
	alter_column(relid, true, column, action, true);
}

/*
 * Check the options rel's version column carries, as enable() checks them.
 * A name that is no column of the table any more is refused the way
 * dropping a watched column is, since the command removed it; where the
 * command set the default itself (set_here), the way enable() refuses it.
 */
static void
check_carried_options(Relation rel, AttrNumber attnum, bool set_here)
{
	VersionOptions opts;
	ArrayType  *lists[2];
	const char *option[2] = {"check_columns", "ignore_columns"};

	if (!carried_options(RelationGetRelid(rel), &opts))
		return;

	if (opts.malformed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row-versioning options of table \"%s\" must be constants",
						table_label(rel)),
				 errdetail("The default of column \"%s\" calls %s.options() with an option that is not a constant, or is null.",
						   NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
						   CONCURRENCY_API_SCHEMA),
				 errhint("Set the options with concurrency.enable()."),
				 errtablecol(rel, attnum)));
	if (opts.check_array != NULL && opts.ignore_array != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("check_columns and ignore_columns cannot both be set"),
				 errhint("check_columns lists the columns whose changes count; ignore_columns lists those whose changes do not. Use one."),
				 errtablecol(rel, attnum)));

	lists[0] = opts.check_array;
	lists[1] = opts.ignore_array;
	for (int l = 0; l < 2; l++)
	{
		Datum	   *names;
		bool	   *nulls;
		int			count;

		if (lists[l] == NULL)
			continue;
		if (!set_here && ARR_NDIM(lists[l]) == 1)
		{
			deconstruct_array(lists[l], NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
							  &names, &nulls, &count);
			for (int i = 0; i < count; i++)
			{
				const char *name;

				if (nulls[i])
					continue;
				name = NameStr(*DatumGetName(names[i]));
				if (get_attnum(RelationGetRelid(rel), name) == InvalidAttrNumber)
					ereport(ERROR,
							(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
							 errmsg("column \"%s\" of table \"%s\" is named in its row-versioning options",
									name, table_label(rel)),
							 errhint("Change the options with concurrency.enable() first."),
							 errtablecolname(rel, name)));
			}
		}
		(void) validate_column_list(rel, lists[l], option[l], attnum);
	}
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
 * tables the command created and defaults_set those whose column default
 * it set (for check_carried_options()); added lists the columns the
 * command added (AddedColumn *), and root is the relation whose tree is
 * being synced, for check_existing_versions().
 */
typedef struct SyncContext
{
	Oid			typoid;
	Oid			funcoid;
	List	   *fresh;
	List	   *defaults_set;
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
			/* a binary upgrade brings the rows, valid, after the schema */
			if (!IsBinaryUpgrade)
				check_existing_versions(rel, attnum, added_here);
			create_version_trigger(rel, ctx->funcoid);
		}
		else
			drop_version_trigger(trigoid);
	}

	if (attnum != InvalidAttrNumber)
		check_carried_options(rel, attnum,
							  list_member_oid(ctx->fresh, relid) ||
							  list_member_oid(ctx->defaults_set, relid));

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

/* Every relation with a live column of type typoid. */
static List *
versioned_relations(Oid typoid)
{
	List	   *result = NIL;
	Relation	pg_attribute = table_open(AttributeRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(pg_attribute, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tuple);

		if (att->atttypid == typoid && att->attnum > 0 && !att->attisdropped)
			result = list_append_unique_oid(result, att->attrelid);
	}
	systable_endscan(scan);
	table_close(pg_attribute, AccessShareLock);
	return result;
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
 *
 * A binary upgrade (pg_upgrade) creates every table before the event
 * triggers, which come last in its schema dump; the first command this
 * sees there is the ALTER EXTENSION ... ADD EVENT TRIGGER that follows
 * their creation, and each run in binary-upgrade mode brings every table
 * with a rowversion column in line.  What runs with event triggers off
 * (single-user mode, event_triggers = off) is what concurrency.verify() is
 * for.
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

	/*
	 * The ALTER TABLE that enable(), disable() or a column rename runs to
	 * write options: the caller brings the tree in line once every table is
	 * written (checking each table in between would see a tree half
	 * renamed).
	 */
	if (setting_options)
		PG_RETURN_VOID();

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

		/*
		 * each table an ALTER reached reports the columns added to it, and
		 * the defaults set on it
		 */
		if (!isnull && cmd->type == SCT_AlterTable)
		{
			ListCell   *lc2;

			foreach(lc2, cmd->d.alterTable.subcmds)
			{
				CollectedATSubcmd *sub = lfirst(lc2);
				AlterTableCmd *atcmd = (AlterTableCmd *) sub->parsetree;

				if (atcmd != NULL && IsA(atcmd, AlterTableCmd) &&
					atcmd->subtype == AT_ColumnDefault &&
					sub->address.classId == RelationRelationId)
					ctx.defaults_set = list_append_unique_oid(ctx.defaults_set,
															  sub->address.objectId);

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

	if (IsBinaryUpgrade)
		relids = list_concat_unique_oid(relids, versioned_relations(ctx.typoid));

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
 * trigger has no WHEN TAG filter): a table that loses a column is brought
 * in line as after ALTER TABLE (so a watched column cannot go by DROP
 * DOMAIN ... CASCADE either), and the version trigger cannot go while its
 * column stays.  A dropped table's options go with it.
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
	if (!OidIsValid(ctx.typoid) || !OidIsValid(ctx.funcoid))
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

	/*
	 * The lock the ALTER TABLE that writes the options takes: taking a
	 * weaker one first and upgrading would deadlock with a writer that holds
	 * the table open.
	 */
	rel = try_relation_open(relid, AccessExclusiveLock);
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
 * datum, or (Datum) 0 for NULL.
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

/*
 * The options live where version 1.1 keeps them; a database still on the
 * objects of 1.0 reads them from its options table until it is updated.
 */
static void
require_current_objects(void)
{
	if (OidIsValid(options_table_oid()) || !OidIsValid(options_function_oid()))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" must be updated before options can change",
						"concurrency"),
				 errdetail("The database has the objects of an older version of the extension."),
				 errhint("Run ALTER EXTENSION concurrency UPDATE.")));
}

/* Do two sets of options say the same (start aside)? */
static bool
same_names(ArrayType *a, ArrayType *b)
{
	Datum	   *na;
	Datum	   *nb;
	int			ca;
	int			cb;

	if (a == NULL || b == NULL)
		return a == b;
	deconstruct_array(a, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &na, NULL, &ca);
	deconstruct_array(b, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &nb, NULL, &cb);
	if (ca != cb)
		return false;
	for (int i = 0; i < ca; i++)
		if (strcmp(NameStr(*DatumGetName(na[i])), NameStr(*DatumGetName(nb[i]))) != 0)
			return false;
	return true;
}

static bool
same_options(const VersionOptions *a, const VersionOptions *b)
{
	return a->strict == b->strict && a->active == b->active &&
		same_names(a->check_array, b->check_array) &&
		same_names(a->ignore_array, b->ignore_array);
}

/* Does relid take options from a parent when it has none of its own? */
static bool
has_parent(Oid relid)
{
	return options_ancestors(relid) != NIL;
}

/*
 * Give the version column of one table these options, and that table
 * only: its default becomes a call of concurrency.options() that keeps the
 * value the default gave so far as its start.
 */
static void
set_own_options(Oid relid, ArrayType *check, ArrayType *ignore, bool strict,
				bool active)
{
	Relation	rel = relation_open(relid, AccessExclusiveLock);
	AttrNumber	attnum = version_column_of(rel, rowversion_type_oid());
	Node	   *current;
	VersionOptions own;
	Node	   *start;
	char	   *column;
	char	   *action;
	int			nestlevel;

	if (attnum == InvalidAttrNumber)
	{
		relation_close(rel, NoLock);
		return;
	}
	current = column_default_of(rel, attnum);
	start = current;
	if (options_from_default(current, &own))
		start = own.start;
	column = pstrdup(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));

	nestlevel = restrict_search_path();
	action = options_action(start, check, ignore, strict, active, has_parent(relid));
	restore_search_path(nestlevel);

	relation_close(rel, NoLock);
	if (current == NULL && strcmp(action, "DROP DEFAULT") == 0)
		return;
	alter_column(relid, true, column, action, false);
}

/*
 * Give rel these options, and with them every partition and inheritance
 * child that follows it: one that carries no options of its own (it takes
 * its parent's), or the same options as rel had (the copy CREATE TABLE ...
 * PARTITION OF or INHERITS made of them).  A child with options of its
 * own keeps them, as it keeps a default of its own when its parent's
 * changes.  Closes rel.
 */
static void
set_options(Relation rel, AttrNumber attnum, ArrayType *check, ArrayType *ignore,
			bool strict, bool active)
{
	Oid			relid = RelationGetRelid(rel);
	VersionOptions before;
	List	   *tree;
	ListCell   *lc;

	options_in_effect(relid, &before, NULL);
	relation_close(rel, NoLock);

	/* locked as ALTER TABLE locks a tree, parents first */
	tree = find_all_inheritors(relid, AccessExclusiveLock, NULL);
	foreach(lc, tree)
	{
		Oid			table = lfirst_oid(lc);
		VersionOptions own;

		if (table != relid &&
			(!carried_options(table, &own) || !same_options(&own, &before)))
			continue;
		set_own_options(table, check, ignore, strict, active);
	}
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
	ArrayType  *check = NULL;
	ArrayType  *ignore = NULL;
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
	require_current_objects();
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

	if (!PG_ARGISNULL(2))
		check = DatumGetArrayTypeP(validate_column_list(rel, PG_GETARG_ARRAYTYPE_P(2),
														"check_columns", attnum));
	if (!PG_ARGISNULL(3))
		ignore = DatumGetArrayTypeP(validate_column_list(rel, PG_GETARG_ARRAYTYPE_P(3),
														 "ignore_columns", attnum));

	set_options(rel, attnum, check, ignore, strict, true);

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
	require_current_objects();
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
		VersionOptions opts;

		options_in_effect(relid, &opts, NULL);
		set_options(rel, attnum, opts.check_array, opts.ignore_array,
					opts.strict, false);
		return (Datum) 0;
	}

	relation_close(rel, NoLock);
	PG_RETURN_VOID();
}

/*
 * The triggers of 1.0's options table (concurrency.table_options), kept for
 * a database still on the objects of 1.0: they read that table's rows, and
 * no other's.
 */
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

/*
 * concurrency.options_of(tbl): the options in effect for a table, as the
 * row trigger applies them.
 */
Datum
concurrency_options_of(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	TupleDesc	tupdesc;
	VersionOptions opts;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		PG_RETURN_NULL();

	options_in_effect(relid, &opts, NULL);
	values[0] = PointerGetDatum(opts.check_array);
	nulls[0] = (opts.check_array == NULL);
	values[1] = PointerGetDatum(opts.ignore_array);
	nulls[1] = (opts.ignore_array == NULL);
	values[2] = BoolGetDatum(opts.strict);
	values[3] = BoolGetDatum(opts.active);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/*
 * Is a raw default expression a NULL constant?  pg_dump writes SET
 * DEFAULT NULL for an inherited column that has no default of its own.
 */
static bool
is_null_constant(Node *def)
{
	return def != NULL && IsA(def, A_Const) && a_const_is_null((A_Const *) def);
}

/* Is a raw default expression a call of concurrency.options()? */
static bool
is_options_call(Node *def)
{
	FuncCall   *call;

	if (def == NULL || !IsA(def, FuncCall))
		return false;
	call = (FuncCall *) def;
	return list_length(call->funcname) == 2 &&
		strcmp(strVal(linitial(call->funcname)), CONCURRENCY_API_SCHEMA) == 0 &&
		strcmp(strVal(lsecond(call->funcname)), "options") == 0;
}

/*
 * The default a version column has, read from the catalogs: the DDL has
 * not locked the table yet.
 */
static bool
carries_options(Oid relid, const char *column, VersionOptions *opts)
{
	HeapTuple	tuple = SearchSysCacheAttName(relid, column);
	bool		result;

	if (!HeapTupleIsValid(tuple))
		return false;
	result = ((Form_pg_attribute) GETSTRUCT(tuple))->atttypid == rowversion_type_oid() &&
		carried_options(relid, opts);
	ReleaseSysCache(tuple);
	return result;
}

/*
 * Precedes ALTER TABLE: a version column's default that carries options
 * may be replaced only by another call of concurrency.options(), so that
 * SET DEFAULT 0 or DROP DEFAULT cannot drop strict (or the rest) without a
 * word.  One exception: SET DEFAULT NULL on a partition or inheritance
 * child, which then takes its parent's options (pg_dump writes that for a
 * child whose column has no default of its own, after CREATE TABLE ...
 * INHERITS copied the parent's).
 */
Datum
concurrency_ddl_command_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	AlterTableStmt *stmt;
	Oid			relid;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"concurrency.ddl_command_start")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (setting_options || trigdata->parsetree == NULL ||
		!IsA(trigdata->parsetree, AlterTableStmt) ||
		!OidIsValid(options_function_oid()))
		PG_RETURN_VOID();
	stmt = (AlterTableStmt *) trigdata->parsetree;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	/* ALTER TABLE itself refuses a role that does not own the table */
	if (!OidIsValid(relid) || !relation_ownercheck(relid, GetUserId()))
		PG_RETURN_VOID();

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		List	   *tables;
		ListCell   *lc2;

		if (!IsA(cmd, AlterTableCmd) || cmd->subtype != AT_ColumnDefault ||
			cmd->name == NULL || is_options_call(cmd->def))
			continue;

		tables = stmt->relation->inh ?
			find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
		foreach(lc2, tables)
		{
			Oid			table = lfirst_oid(lc2);
			VersionOptions opts;

			/* without a default of its own, a child takes its parent's */
			if (is_null_constant(cmd->def) && has_parent(table))
				continue;
			if (carries_options(table, cmd->name, &opts))
				ereport(ERROR,
						(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
						 errmsg("cannot change the default of version column \"%s\" of table \"%s.%s\"",
								cmd->name,
								get_namespace_name(get_rel_namespace(table)),
								get_rel_name(table)),
						 errdetail("The default carries the table's row-versioning options."),
						 errhint("Write the new default as the first argument of %s.options(), with the options, or change the options with concurrency.enable() first.",
								 CONCURRENCY_API_SCHEMA)));
		}
	}
	PG_RETURN_VOID();
}
