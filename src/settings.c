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
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "compat.h"
#include "settings.h"

bool		concurrency_enabled = true;
bool		concurrency_increment = true;
int			concurrency_on_conflict = ON_CONFLICT_ERROR;
bool		concurrency_fast_path = true;

static const struct config_enum_entry on_conflict_options[] = {
	{"error", ON_CONFLICT_ERROR, false},
	{"skip", ON_CONFLICT_SKIP, false},
	{"warn", ON_CONFLICT_WARN, false},
	{NULL, 0, false}
};

/*
 * Recent answers of the privilege check, valid for one statement, so that a
 * bulk back-fill does not repeat catalog lookups for every row.  A GRANT or
 * REVOKE between statements moves the command counter.
 */
#define BYPASS_CACHE_SIZE 4

typedef struct BypassAnswer
{
	Oid			relid;
	Oid			roleid;
	LocalTransactionId lxid;
	CommandId	cid;
	bool		allowed;
} BypassAnswer;

static BypassAnswer bypass_cache[BYPASS_CACHE_SIZE];
static int	bypass_cache_next = 0;

/* the settings' own records, to learn which role set their values */
static struct config_generic *enabled_record = NULL;
static struct config_generic *increment_record = NULL;
static struct config_generic *on_conflict_record = NULL;

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

	DefineCustomBoolVariable("concurrency.fast_path",
							 "Applies the version rules in an UPDATE's own plan where it can.",
							 "When off, every versioned write goes through the row trigger.",
							 &concurrency_fast_path,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("concurrency");

	enabled_record = setting_record("concurrency.enabled");
	increment_record = setting_record("concurrency.increment");
	on_conflict_record = setting_record("concurrency.on_conflict");
}

/* Does roleid hold TRIGGER on rel or on one of its partition ancestors? */
static bool
role_may_bypass(Relation rel, Oid roleid)
{
	Oid			relid = RelationGetRelid(rel);
	LocalTransactionId lxid = my_local_xid();
	CommandId	cid = GetCurrentCommandId(false);
	BypassAnswer *answer;
	bool		allowed;

	for (int i = 0; i < BYPASS_CACHE_SIZE; i++)
	{
		answer = &bypass_cache[i];
		if (answer->relid == relid && answer->roleid == roleid &&
			answer->lxid == lxid && answer->cid == cid)
			return answer->allowed;
	}

	allowed = (pg_class_aclcheck(relid, roleid, ACL_TRIGGER) == ACLCHECK_OK);
	if (!allowed && rel->rd_rel->relispartition)
	{
		ListCell   *lc;

		foreach(lc, get_partition_ancestors(relid))
		{
			if (pg_class_aclcheck(lfirst_oid(lc), roleid, ACL_TRIGGER) == ACLCHECK_OK)
			{
				allowed = true;
				break;
			}
		}
	}

	answer = &bypass_cache[bypass_cache_next];
	bypass_cache_next = (bypass_cache_next + 1) % BYPASS_CACHE_SIZE;
	answer->relid = relid;
	answer->roleid = roleid;
	answer->lxid = lxid;
	answer->cid = cid;
	answer->allowed = allowed;
	return allowed;
}

static void
report_bypass_denied(Relation rel, const char *setting)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to bypass row versioning of table \"%s.%s\"",
					get_namespace_name(RelationGetNamespace(rel)),
					RelationGetRelationName(rel)),
			 errdetail("The setting %s needs the TRIGGER privilege on the table.",
					   setting),
			 errhint("Reset the setting, or ask the table's owner to grant TRIGGER."),
			 errtable(rel)));
}

/*
 * The role that asked for a setting's current value.
 *
 * PostgreSQL records the role that set a value (srole), but gives the
 * bootstrap superuser for every value that comes from pg_db_role_setting:
 * ALTER ROLE ... SET, ALTER ROLE ... IN DATABASE ... SET and ALTER
 * DATABASE ... SET, which ordinary roles can run for themselves and for
 * databases they own.  Nothing records who ran those, so such a default
 * counts as asked for by the session's own role.  What only a superuser can
 * set (postgresql.conf, ALTER SYSTEM, the server command line, ALTER ROLE
 * ALL SET) keeps srole.  SET, SET LOCAL, set_config(), PGOPTIONS and a
 * function's SET clause record the role that ran them.
 */
static Oid
asking_role(const struct config_generic *record)
{
	switch (record->source)
	{
		case PGC_S_DATABASE:
		case PGC_S_USER:
		case PGC_S_DATABASE_USER:
			return GetSessionUserId();
		default:
			return setting_set_by(record);
	}
}

/*
 * A relaxing setting is honoured only if both the current role and the role
 * that asked for the value may bypass the table's triggers: a caller's
 * "SET concurrency.enabled = off" (or its role default) must not reach into
 * a SECURITY DEFINER function of the table's owner or into a foreign-key
 * cascade, which runs as the referencing table's owner; a definer's own SET
 * clause is the definer's to make.
 */
void
settings_check_bypass_privilege(Relation rel, const RowSettings *row)
{
	struct
	{
		bool		requested;
		struct config_generic *record;
		const char *text;
	}			settings[] = {
		{!row->enabled, enabled_record, "concurrency.enabled = off"},
		{!row->increment, increment_record, "concurrency.increment = off"},
		{row->on_conflict == ON_CONFLICT_WARN, on_conflict_record,
		"concurrency.on_conflict = warn"},
	};

	for (int i = 0; i < lengthof(settings); i++)
	{
		if (!settings[i].requested)
			continue;
		if (!role_may_bypass(rel, GetUserId()) ||
			(settings[i].record != NULL &&
			 !role_may_bypass(rel, asking_role(settings[i].record))))
			report_bypass_denied(rel, settings[i].text);
	}
}

/*
 * Does the current value of a setting reach every node of a Citus
 * cluster?  Citus opens its own connections to the workers and sends them
 * a session's SET LOCAL (with citus.propagate_set_commands = 'local'), but
 * not its plain SET, its set_config(..., false), a function's SET clause or
 * PGOPTIONS.  Defaults, postgresql.conf, the server's command line and
 * role and database defaults are each node's own, and the same where the
 * cluster is set up alike.
 */
static bool
reaches_every_node(const struct config_generic *record)
{
	if (record == NULL)
		return true;
	switch (record->source)
	{
		case PGC_S_CLIENT:
			return false;
		case PGC_S_SESSION:
			return record->stack != NULL &&
				(record->stack->state == GUC_LOCAL ||
				 record->stack->state == GUC_SET_LOCAL);
		default:
			return true;
	}
}

/*
 * The settings that apply to a row.  On a Citus shard, a value that does
 * not reach every node counts as not set: one statement can write shards
 * on the coordinator (where the session's SET is seen) and on workers
 * (where it is not), and must treat them alike; the default is the side
 * that never lets a stale write through.
 */
void
settings_for_row(bool citus_shard, RowSettings *row)
{
	row->enabled = concurrency_enabled;
	row->increment = concurrency_increment;
	row->on_conflict = concurrency_on_conflict;
	if (!citus_shard)
		return;
	if (!reaches_every_node(enabled_record))
		row->enabled = true;
	if (!reaches_every_node(increment_record))
		row->increment = true;
	if (!reaches_every_node(on_conflict_record))
		row->on_conflict = ON_CONFLICT_ERROR;
}
