/*-------------------------------------------------------------------------
 *
 * conflict.c
 *	  Reporting stale writes and invalid versions.
 *
 * A stale write is SQLSTATE 40V01: class 40, because a concurrent
 * transaction changed what the writer read, and never 40001, so that an
 * application can tell it from a serialization failure.  The DETAIL names
 * the row by its primary key (or replica identity index) only where the
 * user may read those columns, the rule PostgreSQL applies to
 * unique-violation details.  Every report fills the schema, table and
 * column error fields.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_index.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "conflict.h"
#include "table_info.h"
#include "rowversion.h"

/*
 * The table a message names: the one the user wrote to, which is rel
 * itself, or on Citus the distributed table of the shard rel is.
 */
static void
shown_table(Relation rel, char **schema, char **table)
{
	Oid			distributed = citus_distributed_table(rel);

	if (OidIsValid(distributed))
	{
		*schema = get_namespace_name(get_rel_namespace(distributed));
		*table = get_rel_name(distributed);
	}
	else
	{
		*schema = get_namespace_name(RelationGetNamespace(rel));
		*table = pstrdup(RelationGetRelationName(rel));
	}
}

/* "schema.table", as the messages show a table */
static char *
table_label(Relation rel)
{
	char	   *schema;
	char	   *table;

	shown_table(rel, &schema, &table);
	return psprintf("%s.%s", schema, table);
}

/*
 * errtablecol() for the table a message names: the error's schema, table
 * and column fields.
 */
static int
errshowncol(Relation rel, AttrNumber attnum)
{
	char	   *schema;
	char	   *table;

	shown_table(rel, &schema, &table);
	err_generic_string(PG_DIAG_SCHEMA_NAME, schema);
	err_generic_string(PG_DIAG_TABLE_NAME, table);
	err_generic_string(PG_DIAG_COLUMN_NAME,
					   NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));
	return 0;
}

static const char *
column_name(Relation rel, AttrNumber attnum)
{
	return NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname);
}

/*
 * The table's primary key, deferrable or not.  The relcache's rd_pkindex
 * leaves a deferrable one out up to PostgreSQL 17 and takes it from 18 on;
 * looking for indisprimary gives every major the same answer.  Only the
 * error path comes here.
 */
static Oid
primary_key_of(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			result = InvalidOid;

	foreach(lc, indexes)
	{
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (((Form_pg_index) GETSTRUCT(tuple))->indisprimary)
			result = lfirst_oid(lc);
		ReleaseSysCache(tuple);
		if (OidIsValid(result))
			break;
	}
	list_free(indexes);
	return result;
}

/*
 * "(id)=(42)" for the row's key, or NULL if the table has no usable key or
 * the user may not see it.
 */
static char *
describe_key(Relation rel, TupleTableSlot *row)
{
	Oid			indexoid;
	Relation	index;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	char	   *result = NULL;
	int			nkeys;

	indexoid = primary_key_of(rel);
	if (!OidIsValid(indexoid))
		indexoid = RelationGetReplicaIndex(rel);
	if (!OidIsValid(indexoid))
		return NULL;

	index = index_open(indexoid, AccessShareLock);
	nkeys = IndexRelationGetNumberOfKeyAttributes(index);
	for (int i = 0; i < nkeys; i++)
	{
		AttrNumber	attnum = index->rd_index->indkey.values[i];

		if (attnum <= 0)
		{
			/* an expression: a key we cannot show from the row alone */
			index_close(index, AccessShareLock);
			return NULL;
		}
		values[i] = slot_getattr(row, attnum, &isnull[i]);
	}
	result = BuildIndexValueDescription(index, values, isnull);
	index_close(index, AccessShareLock);

	return result;
}

/*
 * May the current role read the version column of the row?  The rule
 * BuildIndexValueDescription() applies to a key: not under row-level
 * security, and only with SELECT on the table or on the column.  A role
 * that may only UPDATE must not learn the stored version from the error.
 */
static bool
version_visible(Relation rel, AttrNumber version_attnum)
{
	Oid			relid = RelationGetRelid(rel);

	if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		return false;
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		return true;
	return pg_attribute_aclcheck(relid, version_attnum, GetUserId(),
								 ACL_SELECT) == ACLCHECK_OK;
}

/* The DETAIL of a stale write: the key and the versions the user may see. */
static int
stale_detail(const char *key, bool versions, int64 based_on, int64 current)
{
	if (key != NULL && versions)
		return errdetail("Key %s: the update was based on version " INT64_FORMAT ", but the current version is " INT64_FORMAT ".",
						 key, based_on, current);
	if (key != NULL)
		return errdetail("Key %s: the update was based on a version that is no longer current.",
						 key);
	if (versions)
		return errdetail("The update was based on version " INT64_FORMAT ", but the current version is " INT64_FORMAT ".",
						 based_on, current);
	return errdetail("The update was based on a version that is no longer current.");
}

void
conflict_report_stale(int elevel, Relation rel, AttrNumber version_attnum,
					  TupleTableSlot *row, int64 based_on, int64 current)
{
	char	   *key = describe_key(rel, row);
	bool		versions = version_visible(rel, version_attnum);
	char	   *label = table_label(rel);

	if (elevel == NOTICE)
	{
		ereport(NOTICE,
				(errcode(ERRCODE_CONCURRENCY_STALE_VERSION),
				 errmsg("skipped a row in \"%s\" that was modified by another transaction",
						label),
				 stale_detail(key, versions, based_on, current),
				 errhint("The row was left as it is because concurrency.on_conflict is \"skip\"."),
				 errshowncol(rel, version_attnum)));
		return;
	}

	ereport(elevel,
			(errcode(ERRCODE_CONCURRENCY_STALE_VERSION),
			 errmsg("row in \"%s\" was modified by another transaction", label),
			 stale_detail(key, versions, based_on, current),
			 elevel >= ERROR ?
			 errhint("Re-read the row and apply the change again.") :
			 errhint("The write was allowed because concurrency.on_conflict is \"warn\"."),
			 errshowncol(rel, version_attnum)));
}

void
conflict_report_not_stated(Relation rel, AttrNumber version_attnum)
{
	const char *column = column_name(rel, version_attnum);

	ereport(ERROR,
			(errcode(ERRCODE_CONCURRENCY_VERSION_REQUIRED),
			 errmsg("update of \"%s\" does not state a row version", table_label(rel)),
			 errdetail("The table is strict: every UPDATE must set column \"%s\" to the version it is based on.",
					   column),
			 errhint("Add the version you read to the SET list: SET ..., %s = <version read>.",
					 quote_identifier(column)),
			 errshowncol(rel, version_attnum)));
}

void
conflict_report_null(Relation rel, AttrNumber version_attnum)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("row version in column \"%s\" of relation \"%s\" cannot be set to null",
					column_name(rel, version_attnum), table_label(rel)),
			 errhint("Set it to the version the update is based on, or leave it out of the SET list."),
			 errshowncol(rel, version_attnum)));
}

void
conflict_report_negative(Relation rel, AttrNumber version_attnum, int64 version)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("row version in column \"%s\" of relation \"%s\" cannot be negative",
					column_name(rel, version_attnum), table_label(rel)),
			 errdetail("The row has version " INT64_FORMAT ".", version),
			 errhint("Leave the column out, or set it to null, to start at version 1."),
			 errshowncol(rel, version_attnum)));
}

void
conflict_report_overflow(Relation rel, AttrNumber version_attnum)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("row version in column \"%s\" of relation \"%s\" is out of range",
					column_name(rel, version_attnum), table_label(rel)),
			 errdetail("The row already has the largest version, " INT64_FORMAT ".",
					   PG_INT64_MAX),
			 errshowncol(rel, version_attnum)));
}

void
conflict_report_too_large(Relation rel, AttrNumber version_attnum, int64 version)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("row version in column \"%s\" of relation \"%s\" is out of range",
					column_name(rel, version_attnum), table_label(rel)),
			 errdetail("Row versions are at most " INT64_FORMAT "; the statement sets " INT64_FORMAT ".",
					   ROWVERSION_MAX, version),
			 errhint("State the version the write is based on, or leave the column out to move it forward by one."),
			 errshowncol(rel, version_attnum)));
}

/* Refuse a version the statement writes that is not a version. */
void
conflict_check_written(Relation rel, AttrNumber version_attnum, int64 version)
{
	if (rowversion_in_range(version))
		return;
	if (version < 0)
		conflict_report_negative(rel, version_attnum, version);
	conflict_report_too_large(rel, version_attnum, version);
}
