/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The concurrency.* settings, and who may use them to relax the check.
 *
 * enabled = off, increment = off and on_conflict = warn all let a write
 * through that the table's rules would otherwise stop or change.  Whoever
 * may change a table's triggers may bypass them, so those settings are
 * honoured only for a role that holds TRIGGER on the table (or on one of
 * its partition ancestors); anyone else gets a permission error instead of
 * a silently unprotected write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/partition.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "settings.h"

bool		concurrency_enabled = true;
bool		concurrency_increment = true;
int			concurrency_on_conflict = ON_CONFLICT_ERROR;

static const struct config_enum_entry on_conflict_options[] = {
	{"error", ON_CONFLICT_ERROR, false},
	{"skip", ON_CONFLICT_SKIP, false},
	{"warn", ON_CONFLICT_WARN, false},
	{NULL, 0, false}
};

/*
 * The answer of the last privilege check, kept for the rest of the
 * transaction so that a bulk back-fill does not repeat catalog lookups for
 * every row.
 */
static Oid	checked_relid = InvalidOid;
static Oid	checked_userid = InvalidOid;
static LocalTransactionId checked_lxid = InvalidLocalTransactionId;
static CommandId checked_cid = InvalidCommandId;

void
settings_define(void)
{
	DefineCustomBoolVariable("concurrency.enabled",
							 "Rejects writes based on a row version that is no longer current.",
							 "When off, stale writes are allowed but versions still move forward. "
							 "Turning it off needs the TRIGGER privilege on the table written.",
							 &concurrency_enabled,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("concurrency.increment",
							 "Moves the row version forward on every counted write.",
							 "When off, versions are left as they are, for back-fills that must "
							 "not invalidate open edits. Turning it off needs the TRIGGER "
							 "privilege on the table written.",
							 &concurrency_increment,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("concurrency.on_conflict",
							 "What a stale write does: error, skip the row, or warn and write.",
							 "\"skip\" leaves stale rows untouched and goes on with the others; "
							 "\"warn\" needs the TRIGGER privilege on the table written.",
							 &concurrency_on_conflict,
							 ON_CONFLICT_ERROR,
							 on_conflict_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("concurrency");
}

/* Does the current role hold TRIGGER on relid or a partition ancestor? */
static bool
has_bypass_privilege(Relation rel)
{
	Oid			userid = GetUserId();
	List	   *ancestors;
	ListCell   *lc;

	if (pg_class_aclcheck(RelationGetRelid(rel), userid, ACL_TRIGGER) == ACLCHECK_OK)
		return true;
	if (!rel->rd_rel->relispartition)
		return false;

	ancestors = get_partition_ancestors(RelationGetRelid(rel));
	foreach(lc, ancestors)
	{
		if (pg_class_aclcheck(lfirst_oid(lc), userid, ACL_TRIGGER) == ACLCHECK_OK)
			return true;
	}
	return false;
}

/* Name the setting that asked for the bypass, for the error message. */
static const char *
bypass_setting_text(void)
{
	if (!concurrency_enabled)
		return "concurrency.enabled = off";
	if (!concurrency_increment)
		return "concurrency.increment = off";
	return "concurrency.on_conflict = warn";
}

void
settings_check_bypass_privilege(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			userid = GetUserId();

	/* a GRANT or REVOKE between statements moves the command counter */
	if (checked_relid == relid && checked_userid == userid &&
		checked_lxid == MyProc->lxid && checked_cid == GetCurrentCommandId(false))
		return;

	if (!has_bypass_privilege(rel))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to bypass row versioning of table \"%s.%s\"",
						get_namespace_name(RelationGetNamespace(rel)),
						RelationGetRelationName(rel)),
				 errdetail("The setting %s needs the TRIGGER privilege on the table.",
						   bypass_setting_text()),
				 errhint("Reset the setting, or ask the table's owner to grant TRIGGER."),
				 errtable(rel)));

	checked_relid = relid;
	checked_userid = userid;
	checked_lxid = MyProc->lxid;
	checked_cid = GetCurrentCommandId(false);
}
