/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The differences between the PostgreSQL majors the extension builds
 *	  against (14 to 18), each mapped once to the name the rest of the code
 *	  uses.
 *
 * The logic never branches on PG_VERSION_NUM; this header does.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_COMPAT_H
#define CONCURRENCY_COMPAT_H

#include "access/tupdesc.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/relcache.h"

/*
 * A function that does not return: PostgreSQL 18 puts pg_noreturn before
 * the declaration, where earlier majors put pg_attribute_noreturn() after.
 */
#if PG_VERSION_NUM >= 180000
#define CONCURRENCY_NORETURN_BEFORE pg_noreturn
#define CONCURRENCY_NORETURN_AFTER
#else
#define CONCURRENCY_NORETURN_BEFORE
#define CONCURRENCY_NORETURN_AFTER pg_attribute_noreturn()
#endif

/*
 * Does an ALTER TABLE subcommand add a column?  Up to 15 a recursing ADD
 * COLUMN has a subtype of its own.
 */
#if PG_VERSION_NUM < 160000
#define ALTER_TABLE_ADDS_COLUMN(subtype) \
	((subtype) == AT_AddColumn || (subtype) == AT_AddColumnRecurse || \
	 (subtype) == AT_AddColumnToView)
#else
#define ALTER_TABLE_ADDS_COLUMN(subtype) \
	((subtype) == AT_AddColumn || (subtype) == AT_AddColumnToView)
#endif

/* Does roleid own the relation?  16 has one check for every object class. */
#if PG_VERSION_NUM >= 160000
#define relation_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define relation_ownercheck(relid, roleid) pg_class_ownercheck((relid), (roleid))
#endif

/* This backend's local transaction id; 17 keeps it in MyProc->vxid. */
#if PG_VERSION_NUM >= 170000
#define my_local_xid() (MyProc->vxid.lxid)
#else
#define my_local_xid() (MyProc->lxid)
#endif

/* The primary key of a relation; 18 asks whether a deferrable one will do. */
#if PG_VERSION_NUM >= 180000
#define relation_primary_key(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define relation_primary_key(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/* MERGE came with 15. */
#if PG_VERSION_NUM >= 150000
#define CONCURRENCY_HAVE_MERGE
#endif

/* The cached offset of attribute i; 18 moved it to the compact attribute. */
#if PG_VERSION_NUM >= 180000
#define attribute_cacheoff(desc, i) (TupleDescCompactAttr((desc), (i))->attcacheoff)
#else
#define attribute_cacheoff(desc, i) (TupleDescAttr((desc), (i))->attcacheoff)
#endif

/*
 * Refuse unknown settings under the extension's prefix.  14 can only warn
 * about them (and drop them) when the module loads.
 */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * The role that set a setting's current value.  14 does not record it: a
 * value from SET (also SET LOCAL, set_config() and a function's SET
 * clause) or from the connection counts as set by the role the session
 * acts as outside SECURITY DEFINER functions (the role of SET ROLE), and
 * only values from the server's own configuration as a superuser's.  So
 * on 14 the SET clause of an owner's SECURITY DEFINER function is honoured
 * only where its caller may bypass the table too.
 */
#if PG_VERSION_NUM >= 150000
#define setting_set_by(record) ((record)->srole)
#else
#define setting_set_by(record) \
	(((record)->source == PGC_S_SESSION || (record)->source == PGC_S_CLIENT) ? \
	 GetOuterUserId() : BOOTSTRAP_SUPERUSERID)
#endif

/* The record of a setting, by name, or NULL. */
static inline struct config_generic *
setting_record(const char *name)
{
#if PG_VERSION_NUM >= 160000
	return find_option(name, false, true, ERROR);
#else
	struct config_generic **records = get_guc_variables();
	int			count = GetNumConfigOptions();

	for (int i = 0; i < count; i++)
	{
		if (strcmp(records[i]->name, name) == 0)
			return records[i];
	}
	return NULL;
#endif
}

/*
 * errdetail_relkind_not_supported() came with 15; before, the same DETAIL
 * is written here.
 */
#if PG_VERSION_NUM < 150000
static inline int
errdetail_relkind_not_supported(char relkind)
{
	const char *what;

	switch (relkind)
	{
		case RELKIND_RELATION:
			what = "tables";
			break;
		case RELKIND_INDEX:
			what = "indexes";
			break;
		case RELKIND_SEQUENCE:
			what = "sequences";
			break;
		case RELKIND_TOASTVALUE:
			what = "TOAST tables";
			break;
		case RELKIND_VIEW:
			what = "views";
			break;
		case RELKIND_MATVIEW:
			what = "materialized views";
			break;
		case RELKIND_COMPOSITE_TYPE:
			what = "composite types";
			break;
		case RELKIND_FOREIGN_TABLE:
			what = "foreign tables";
			break;
		case RELKIND_PARTITIONED_TABLE:
			what = "partitioned tables";
			break;
		case RELKIND_PARTITIONED_INDEX:
			what = "partitioned indexes";
			break;
		default:
			what = "relations of this kind";
			break;
	}
	return errdetail("This operation is not supported for %s.", what);
}
#endif

/*
 * The columns an ON DELETE SET NULL / SET DEFAULT action sets.  The
 * column list came with 15; before, such an action sets every column of
 * the key.
 */
#if PG_VERSION_NUM >= 150000
#define Anum_pg_constraint_delete_set_columns Anum_pg_constraint_confdelsetcols
#else
#define Anum_pg_constraint_delete_set_columns Anum_pg_constraint_conkey
#endif

/*
 * Is a raw A_Const the NULL literal?  15 gave A_Const an isnull flag; before,
 * its value was a Value node of type T_Null.
 */
#if PG_VERSION_NUM >= 150000
#define a_const_is_null(c) ((c)->isnull)
#else
#define a_const_is_null(c) (nodeTag(&(c)->val) == T_Null)
#endif

#endif							/* CONCURRENCY_COMPAT_H */
