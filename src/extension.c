/*-------------------------------------------------------------------------
 *
 * extension.c
 *	  Finding the extension's own objects, and running internal SQL
 *	  safely.
 *
 * The rowversion type lives in the schema CREATE EXTENSION installed into,
 * so it is found through pg_extension; the API objects live in the fixed
 * schema "concurrency".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "extension.h"

#define EXTENSION_NAME "concurrency"

/* The schema the extension was installed into, or InvalidOid. */
static Oid
extension_schema_oid(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			result = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname,
				BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		result = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	return result;
}

Oid
rowversion_type_oid(void)
{
	Oid			nsp = extension_schema_oid();

	if (!OidIsValid(nsp))
		return InvalidOid;
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum("rowversion"),
						   ObjectIdGetDatum(nsp));
}

Oid
options_table_oid(void)
{
	Oid			nsp = get_namespace_oid(CONCURRENCY_API_SCHEMA, true);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid("table_options", nsp);
}

Oid
version_trigger_function_oid(void)
{
	List	   *name = list_make2(makeString(CONCURRENCY_API_SCHEMA),
								  makeString("version_trigger"));

	return LookupFuncName(name, 0, NULL, true);
}

bool
citus_installed(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

Oid
options_function_oid(void)
{
	List	   *name = list_make2(makeString(CONCURRENCY_API_SCHEMA),
								  makeString("options"));
	Oid			argtypes[5];

	argtypes[0] = rowversion_type_oid();
	if (!OidIsValid(argtypes[0]))
		return InvalidOid;
	argtypes[1] = NAMEARRAYOID;
	argtypes[2] = NAMEARRAYOID;
	argtypes[3] = BOOLOID;
	argtypes[4] = BOOLOID;
	return LookupFuncName(name, 5, argtypes, true);
}

Oid
next_version_function_oid(void)
{
	List	   *name = list_make2(makeString(CONCURRENCY_API_SCHEMA),
								  makeString("next_version"));
	Oid			argtypes[5];

	argtypes[0] = REGCLASSOID;
	argtypes[1] = rowversion_type_oid();
	if (!OidIsValid(argtypes[1]))
		return InvalidOid;
	argtypes[2] = BOOLOID;
	argtypes[3] = argtypes[1];
	argtypes[4] = TIDOID;
	return LookupFuncName(name, 5, argtypes, true);
}

int
restrict_search_path(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
restore_search_path(int nestlevel)
{
	AtEOXact_GUC(false, nestlevel);
}

/*
 * Internal SQL (reading a table's versions before it becomes versioned)
 * runs as the owner of the extension's schema, the superuser that ran the
 * install script, so that no row security hides a row, with a search_path
 * that the calling user cannot plant objects in: the caller has proved its
 * right to change the table concerned.
 */
void
options_write_begin(OptionsWriteState *state)
{
	Oid			nsp = get_namespace_oid(CONCURRENCY_API_SCHEMA, true);
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(nsp) || !OidIsValid(rowversion_type_oid()))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"%s\" is not installed in this database",
						EXTENSION_NAME)));

	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for namespace %u", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
	ReleaseSysCache(tuple);

	GetUserIdAndSecContext(&state->save_userid, &state->save_sec_context);
	SetUserIdAndSecContext(owner,
						   state->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	state->save_nestlevel = restrict_search_path();
}

void
options_write_end(OptionsWriteState *state)
{
	restore_search_path(state->save_nestlevel);
	SetUserIdAndSecContext(state->save_userid, state->save_sec_context);
}
