/*-------------------------------------------------------------------------
 *
 * fast_path.c
 *	  The version rules of an UPDATE applied in the statement's own plan.
 *
 * Before a BEFORE ROW trigger runs, the trigger manager locks the row and
 * hands over a copy of it; that costs more than everything the rules do.
 * Where the library is loaded, an UPDATE, INSERT ... ON CONFLICT DO UPDATE
 * or MERGE (its UPDATE actions) of a table the plan can cover instead
 * assigns the version column
 * a call of concurrency.next_version() with the stored version, the stated
 * one and the row's ctid.  The call is evaluated against the row being
 * updated, and again by EvalPlanQual when READ COMMITTED re-checks a row
 * that a concurrent transaction changed, like any other expression of the
 * target list.  The row trigger stays attached: at executor start it is
 * taken out of the statement's copy of the table's triggers only for the
 * result relations whose plan carries the call, and only when nothing
 * calls for the trigger's own work.
 *
 * Which side does the work is decided once per execution, here, and the
 * call learns the answer when it is first evaluated: a call that was not
 * registered (a plan not prepared by this module, a call written by hand,
 * an execution whose trigger stays) passes the value through, so that the
 * trigger applies the rules.  The rules are never applied twice, and never
 * skipped.
 *
 * What the plan covers: a plain table (not partitioned, without
 * inheritance children), active, without check_columns or ignore_columns,
 * whose only BEFORE ROW UPDATE trigger is the version trigger, firing as
 * usual; a strict table only where the statement states a version; a
 * stated version that is no subquery.  At execution the settings must be
 * at their defaults (enabled, increment, on_conflict = error) and
 * session_replication_role must not be replica: everything else takes the
 * trigger, which treats the settings exactly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "storage/itemptr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "conflict.h"
#include "extension.h"
#include "fast_path.h"
#include "rowversion.h"
#include "settings.h"
#include "stats.h"
#include "table_info.h"

PG_FUNCTION_INFO_V1(concurrency_next_version);

/* the arguments of concurrency.next_version() */
#define NEXT_ARG_TABLE		0
#define NEXT_ARG_STORED		1
#define NEXT_ARG_STATED		2
#define NEXT_ARG_NEW		3
#define NEXT_ARG_ROW		4
#define NEXT_NARGS			5

/*
 * The calls this module puts into plans carry a display format that no
 * SQL text can give a call of this function, so that a call written by
 * hand (or inlined from a SQL function) is never taken for one.
 */
#define NEXT_CALL_FORMAT	COERCE_SQL_SYNTAX

static bool is_covering_call(Node *expr, Oid funcid, Oid relid);

static planner_hook_type prev_planner_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/*
 * The calls of the plans being executed, each with what its execution
 * decided: whether the call applies the rules, because the trigger was
 * taken out for its result relation, or passes the value through to the
 * trigger.  An entry lives in the memory of the execution that registered
 * it, and leaves the list when that memory goes, at the end of the
 * execution or when it fails.  Executions nest (the same cached plan can
 * run inside itself, with other settings), and the newest entry for a
 * call, nearest the head, is the current execution's.
 */
typedef struct CoveredCall
{
	dlist_node	node;
	const Node *call;			/* the call, in the plan */
	bool		applies;		/* the trigger was taken out */
	const TableInfo *info;		/* the table's entry, for the call */
	MemoryContextCallback forget;
} CoveredCall;

static dlist_head covered_calls = DLIST_STATIC_INIT(covered_calls);

/* what a call keeps between the rows of one execution */
typedef struct CallState
{
	bool		applies;		/* the rules are this call's to apply */
	Oid			relid;
	const TableInfo *info;
} CallState;

/*
 * The version trigger, if it is the table's only BEFORE ROW UPDATE trigger
 * and fires on every update as it was attached; else InvalidOid.
 */
static Oid
only_version_trigger(TriggerDesc *trigdesc)
{
	Oid			trigger_function = InvalidOid;
	Oid			trigoid = InvalidOid;
	int			found = 0;

	if (trigdesc == NULL || !trigdesc->trig_update_before_row)
		return InvalidOid;
	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];

		if (!TRIGGER_TYPE_MATCHES(trigger->tgtype, TRIGGER_TYPE_ROW,
								  TRIGGER_TYPE_BEFORE, TRIGGER_TYPE_UPDATE))
			continue;
		if (!OidIsValid(trigger_function))
			trigger_function = version_trigger_function_oid();
		if (trigger->tgfoid != trigger_function ||
			trigger->tgenabled != TRIGGER_FIRES_ON_ORIGIN ||
			trigger->tgnattr != 0 || trigger->tgqual != NULL)
			return InvalidOid;
		trigoid = trigger->tgoid;
		found++;
	}
	return found == 1 ? trigoid : InvalidOid;
}

Oid
fast_path_function_for(Relation rel, const TableInfo *info, Oid *trigger)
{
	*trigger = InvalidOid;
	if (info->version_attnum == InvalidAttrNumber || !info->active ||
		!info->watch_all || info->citus_shard)
		return InvalidOid;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relhassubclass)
		return InvalidOid;
	/* Citus plans its statements itself, and ships them to the shards */
	if (citus_installed())
		return InvalidOid;
	*trigger = only_version_trigger(rel->trigdesc);
	if (!OidIsValid(*trigger))
		return InvalidOid;
	return next_version_function_oid();
}

/*
 * The call that computes the version of the rows of result relation
 * rtindex: next_version(table, stored version, stated?, stated version,
 * ctid).
 */
static Expr *
make_call(Oid funcid, Relation rel, Index rtindex, AttrNumber attnum,
		  Expr *stated)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	List	   *args;
	FuncExpr   *call;

	args = list_make5(makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
								ObjectIdGetDatum(RelationGetRelid(rel)),
								false, true),
					  makeVar(rtindex, attnum, att->atttypid, att->atttypmod,
							  att->attcollation, 0),
					  makeBoolConst(stated != NULL, false),
					  stated != NULL ? stated :
					  (Expr *) makeNullConst(att->atttypid, att->atttypmod,
											 att->attcollation),
					  makeVar(rtindex, SelfItemPointerAttributeNumber, TIDOID,
							  -1, InvalidOid, 0));
	call = makeFuncExpr(funcid, att->atttypid, args, InvalidOid, InvalidOid,
						NEXT_CALL_FORMAT);
	return (Expr *) call;
}

/*
 * Does a stated version hold a subquery?  Those stay with the trigger, and
 * so does SET (a, version) = (SELECT ...), whose values are Params of a
 * MULTIEXPR subquery evaluated beside the target list.
 */
static bool
holds_subquery(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink) || IsA(node, SubPlan) ||
		(IsA(node, Param) && ((Param *) node)->paramkind == PARAM_MULTIEXPR))
		return true;
	return expression_tree_walker(node, holds_subquery, context);
}

/*
 * Let the SET list of one UPDATE or ON CONFLICT DO UPDATE of result
 * relation rtindex compute the version, if the table qualifies.
 */
static List *
cover_set_list(Query *query, List *tlist)
{
	RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);
	Relation	rel;
	const TableInfo *info;
	TargetEntry *version_entry = NULL;
	ListCell   *lc;

	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION)
		return tlist;

	/* the parser and the rewriter have locked it */
	rel = table_open(rte->relid, NoLock);
	info = table_info_get(rel);
	if (!OidIsValid(info->fast_path_function))
		goto done;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk && tle->resno == info->version_attnum)
			version_entry = tle;
	}

	if (version_entry == NULL)
	{
		/* strict refusals and cascade exemptions are the trigger's */
		if (info->strict)
			goto done;
		tlist = lappend(tlist,
						makeTargetEntry(make_call(info->fast_path_function, rel,
												  query->resultRelation,
												  info->version_attnum, NULL),
										info->version_attnum,
										pstrdup(NameStr(TupleDescAttr(RelationGetDescr(rel),
																	  info->version_attnum - 1)->attname)),
										false));
	}
	else if (!holds_subquery((Node *) version_entry->expr, NULL) &&
			 !is_covering_call((Node *) version_entry->expr,
							   info->fast_path_function, RelationGetRelid(rel)))
		version_entry->expr = make_call(info->fast_path_function, rel,
										query->resultRelation,
										info->version_attnum,
										version_entry->expr);

done:
	table_close(rel, NoLock);
	return tlist;
}

static void
cover_query(Query *query)
{
	ListCell   *lc;

	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, Query))
			cover_query((Query *) cte->ctequery);
	}

	if (query->commandType == CMD_UPDATE)
		query->targetList = cover_set_list(query, query->targetList);
	else if (query->commandType == CMD_INSERT && query->onConflict != NULL &&
			 query->onConflict->action == ONCONFLICT_UPDATE)
		query->onConflict->onConflictSet =
			cover_set_list(query, query->onConflict->onConflictSet);
#ifdef CONCURRENCY_HAVE_MERGE
	else if (query->commandType == CMD_MERGE)
	{
		foreach(lc, query->mergeActionList)
		{
			MergeAction *action = lfirst_node(MergeAction, lc);

			if (action->commandType == CMD_UPDATE)
				action->targetList = cover_set_list(query, action->targetList);
		}
	}
#endif
}

static PlannedStmt *
fast_path_planner(Query *parse, const char *query_string, int cursorOptions,
				  ParamListInfo boundParams)
{
	if (concurrency_fast_path)
		cover_query(parse);
	if (prev_planner_hook)
		return prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}

/* Is expr a call this module made, for the table relid? */
static bool
is_covering_call(Node *expr, Oid funcid, Oid relid)
{
	FuncExpr   *call;
	Node	   *table;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	call = (FuncExpr *) expr;
	if (call->funcid != funcid || call->funcformat != NEXT_CALL_FORMAT ||
		list_length(call->args) != NEXT_NARGS)
		return false;
	table = list_nth(call->args, NEXT_ARG_TABLE);
	return IsA(table, Const) && !((Const *) table)->constisnull &&
		DatumGetObjectId(((Const *) table)->constvalue) == relid;
}

/* The call among tlist that assigns column attnum (per colnos), or NULL. */
static Node *
covering_call(List *tlist, List *colnos, AttrNumber attnum, Oid funcid,
			  Oid relid)
{
	ListCell   *lc_tle;
	ListCell   *lc_col;

	forboth(lc_tle, tlist, lc_col, colnos)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc_tle);

		if (lfirst_int(lc_col) != attnum)
			continue;
		if (is_covering_call((Node *) tle->expr, funcid, relid))
			return (Node *) tle->expr;
		return NULL;
	}
	return NULL;
}

static void
forget_call(void *arg)
{
	CoveredCall *entry = (CoveredCall *) arg;

	dlist_delete(&entry->node);
}

/*
 * Is trigoid the only BEFORE ROW UPDATE trigger of this copy of the table's
 * triggers, still firing as usual?
 */
static bool
only_trigger(TriggerDesc *trigdesc, Oid trigoid)
{
	int			found = 0;

	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];

		if (!TRIGGER_TYPE_MATCHES(trigger->tgtype, TRIGGER_TYPE_ROW,
								  TRIGGER_TYPE_BEFORE, TRIGGER_TYPE_UPDATE))
			continue;
		if (trigger->tgoid != trigoid ||
			trigger->tgenabled != TRIGGER_FIRES_ON_ORIGIN)
			return false;
		found++;
	}
	return found == 1;
}

/*
 * Take the version trigger out of this execution of a ModifyTable node, if
 * its plan applies the rules and the settings (allowed) let it; register
 * the decision for the calls either way.
 */
static void
cover_modify_table(ModifyTableState *mtstate, EState *estate, bool allowed)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	ResultRelInfo *rri;
	Relation	rel;
	const TableInfo *info;
	List	   *calls = NIL;
	ListCell   *lc;
	MemoryContext oldcxt;
	bool		applies;

	if (mtstate->mt_nrels != 1)
		return;
	rri = mtstate->resultRelInfo;
	rel = rri->ri_RelationDesc;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rri->ri_TrigDesc == NULL ||
		!rri->ri_TrigDesc->trig_update_before_row)
		return;
	info = table_info_get(rel);
	if (!OidIsValid(info->fast_path_function))
		return;

	if (plan->operation == CMD_UPDATE)
		calls = list_make1(covering_call(outerPlan(plan)->targetlist,
										 linitial(plan->updateColnosLists),
										 info->version_attnum, info->fast_path_function,
										 RelationGetRelid(rel)));
	else if (plan->operation == CMD_INSERT &&
			 plan->onConflictAction == ONCONFLICT_UPDATE)
		calls = list_make1(covering_call(plan->onConflictSet, plan->onConflictCols,
										 info->version_attnum, info->fast_path_function,
										 RelationGetRelid(rel)));
#ifdef CONCURRENCY_HAVE_MERGE
	else if (plan->operation == CMD_MERGE)
	{
		/*
		 * Under REPEATABLE READ and SERIALIZABLE a MERGE leaves a row that a
		 * concurrent transaction changed to the trigger, whose row lock
		 * raises the serialization failure: without a BEFORE ROW trigger,
		 * 16.2, 17beta2 and 18.3 follow such a row to its latest version.
		 */
		if (IsolationUsesXactSnapshot())
			allowed = false;
		/* every UPDATE action must compute the version */
		foreach(lc, (List *) linitial(plan->mergeActionLists))
		{
			MergeAction *action = lfirst_node(MergeAction, lc);

			if (action->commandType == CMD_UPDATE)
				calls = lappend(calls,
								covering_call(action->targetList, action->updateColnos,
											  info->version_attnum,
											  info->fast_path_function,
											  RelationGetRelid(rel)));
		}
	}
#endif
	applies = allowed && calls != NIL && !list_member_ptr(calls, NULL) &&
		only_trigger(rri->ri_TrigDesc, info->version_trigger);

	/* the executor's own copy of the table's triggers */
	if (applies)
		rri->ri_TrigDesc->trig_update_before_row = false;

	oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);
	foreach(lc, calls)
	{
		CoveredCall *entry;

		if (lfirst(lc) == NULL)
			continue;
		entry = palloc(sizeof(CoveredCall));
		entry->call = lfirst(lc);
		entry->applies = applies;
		entry->info = info;
		entry->forget.func = forget_call;
		entry->forget.arg = entry;
		MemoryContextRegisterResetCallback(estate->es_query_cxt, &entry->forget);
		dlist_push_head(&covered_calls, &entry->node);
	}
	MemoryContextSwitchTo(oldcxt);
}

typedef struct CoverContext
{
	EState	   *estate;
	bool		allowed;		/* the settings let the plan apply the rules */
} CoverContext;

static bool
cover_plan_walker(PlanState *planstate, void *context)
{
	CoverContext *cover = (CoverContext *) context;

	if (planstate == NULL)
		return false;
	if (IsA(planstate, ModifyTableState))
		cover_modify_table((ModifyTableState *) planstate, cover->estate,
						   cover->allowed);
	return planstate_tree_walker(planstate, cover_plan_walker, context);
}

static void
fast_path_executor_start(QueryDesc *queryDesc, int eflags)
{
	CoverContext cover;

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (queryDesc->operation == CMD_SELECT &&
		!queryDesc->plannedstmt->hasModifyingCTE)
		return;

	/*
	 * Whatever departs from the defaults is the trigger's: it reads the
	 * settings for each row and knows who may relax them.
	 */
	cover.estate = queryDesc->estate;
	cover.allowed = concurrency_fast_path && concurrency_enabled &&
		concurrency_increment && concurrency_on_conflict == ON_CONFLICT_ERROR &&
		SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA;
	(void) cover_plan_walker(queryDesc->planstate, &cover);
}

void
fast_path_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = fast_path_planner;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = fast_path_executor_start;
}

/*
 * What the newest execution of its plan decided for this call, or NULL
 * (a call written by hand, a plan this module did not prepare).
 */
static const CoveredCall *
covered_call_of(const Node *call)
{
	dlist_iter	iter;

	if (call == NULL)
		return NULL;
	dlist_foreach(iter, &covered_calls)
	{
		CoveredCall *entry = dlist_container(CoveredCall, node, iter.cur);

		if (entry->call == call)
			return entry;
	}
	return NULL;
}

/*
 * Report a stale write, counted as kind, at elevel; false instead if the
 * row evaluated is not the current one.
 *
 * The trigger sees a row only after the trigger manager has locked it, and
 * under READ COMMITTED a row that a concurrent transaction changed is
 * evaluated again, in its latest version, before any trigger fires.  The
 * plan evaluates the call first, on the row as the statement's snapshot
 * saw it (and a MERGE's ctid may still name the version its join found),
 * so a stale write is reported only once the latest version of the row is
 * locked here and carries the version the call was evaluated against:
 * then the report is what the trigger would have made.  Otherwise (a
 * concurrent transaction updated or deleted the row, or this statement
 * already did) the row the executor goes on to update is not the latest
 * one either: its update fails, and the executor evaluates the call again
 * against the latest version, or leaves the row, as it would have without
 * the fast path.  Under REPEATABLE READ and SERIALIZABLE a row changed
 * since the snapshot is a serialization failure, which the executor
 * raises.
 */
static bool
report_stale(int elevel, StatKind kind, const CallState *state,
			 ItemPointer tid, int64 based_on, bool current_isnull,
			 int64 current)
{
	Relation	rel = relation_open(state->relid, NoLock);
	TupleTableSlot *row = table_slot_create(rel, NULL);
	AttrNumber	attnum = state->info->version_attnum;
	ItemPointerData latest = *tid;
	TM_FailureData tmfd;
	bool		is_current = false;

	if (table_tuple_lock(rel, &latest, GetActiveSnapshot(), row,
						 GetCurrentCommandId(false), LockTupleNoKeyExclusive,
						 LockWaitBlock,
						 IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
						 &tmfd) == TM_Ok)
	{
		bool		isnull;
		Datum		value = slot_getattr(row, attnum, &isnull);

		is_current = (isnull == current_isnull &&
					  (isnull || DatumGetInt64(value) == current));
	}
	if (is_current)
	{
		stats_count(state->info->stats_relid, kind);
		conflict_report_stale(elevel, rel, attnum, row, based_on, current);
	}
	ExecDropSingleTupleTableSlot(row);
	relation_close(rel, NoLock);
	return is_current;
}

/* The table, opened for an error that names it. */
static Relation
reported_table(Oid relid)
{
	return relation_open(relid, NoLock);
}

/*
 * concurrency.next_version(tbl, stored, stated, new_version, row_id): the
 * version an UPDATE writes, under the rules of the row trigger.  Outside a
 * covered execution it returns what the statement would have written
 * without it, the stated version or else the stored one, and the trigger
 * applies the rules.
 */
Datum
concurrency_next_version(PG_FUNCTION_ARGS)
{
	CallState  *state = (CallState *) fcinfo->flinfo->fn_extra;
	bool		stated = !PG_ARGISNULL(NEXT_ARG_STATED) &&
		PG_GETARG_BOOL(NEXT_ARG_STATED);
	bool		old_isnull = PG_ARGISNULL(NEXT_ARG_STORED);
	int64		old_version = old_isnull ? 0 : PG_GETARG_INT64(NEXT_ARG_STORED);
	AttrNumber	attnum;
	RowSettings settings;
	int64		result;

	if (state == NULL)
	{
		const CoveredCall *entry = covered_call_of(fcinfo->flinfo->fn_expr);

		state = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallState));
		state->applies = entry != NULL && entry->applies &&
			!PG_ARGISNULL(NEXT_ARG_TABLE) && !PG_ARGISNULL(NEXT_ARG_ROW);
		if (state->applies)
		{
			state->relid = PG_GETARG_OID(NEXT_ARG_TABLE);
			state->info = entry->info;
		}
		fcinfo->flinfo->fn_extra = state;
	}

	if (!state->applies)
	{
		if (stated ? PG_ARGISNULL(NEXT_ARG_NEW) : old_isnull)
			PG_RETURN_NULL();
		return stated ? PG_GETARG_DATUM(NEXT_ARG_NEW) : PG_GETARG_DATUM(NEXT_ARG_STORED);
	}

	/*
	 * The table is in use by this statement: no DDL can change it
	 * meanwhile, and an entry rebuilt after some invalidation says the same.
	 */
	if (!state->info->valid)
	{
		Relation	rel = relation_open(state->relid, NoLock);

		state->info = table_info_get(rel);
		relation_close(rel, NoLock);
	}
	attnum = state->info->version_attnum;

	settings_for_row(false, &settings);
	if (settings_bypass_requested(&settings))
	{
		Relation	rel = relation_open(state->relid, NoLock);

		settings_check_bypass_privilege(rel, &settings);
		relation_close(rel, NoLock);
		if (!settings.enabled || !settings.increment)
			stats_count(state->info->stats_relid, STAT_BYPASSED);
	}

	if (stated)
	{
		int64		new_version;

		if (PG_ARGISNULL(NEXT_ARG_NEW))
			conflict_report_null(reported_table(state->relid), attnum);
		new_version = PG_GETARG_INT64(NEXT_ARG_NEW);

		if (new_version > old_version)
		{
			/* the writer computed the next version itself: keep it */
			if (!rowversion_in_range(new_version))
				conflict_check_written(reported_table(state->relid), attnum,
									   new_version);
			PG_RETURN_INT64(new_version);
		}

		/*
		 * Stale.  Skipping a row takes the trigger: a plan cannot drop a row
		 * from its target list, so a skip asked for in the middle of the
		 * statement refuses instead.
		 */
		if (new_version < old_version && settings.enabled)
		{
			ItemPointer tid = (ItemPointer) PG_GETARG_POINTER(NEXT_ARG_ROW);
			bool		warn = (settings.on_conflict == ON_CONFLICT_WARN);

			/* a row that is not current gets evaluated again, or left */
			if (!report_stale(warn ? WARNING : ERROR,
							  warn ? STAT_WARNED : STAT_REJECTED,
							  state, tid, new_version, old_isnull, old_version))
				PG_RETURN_INT64(old_version);
		}
	}

	/* the write goes ahead from OLD, as in the trigger */
	if (settings.increment)
	{
		if (old_version == PG_INT64_MAX)
			conflict_report_overflow(reported_table(state->relid), attnum);
		result = old_version + 1;
	}
	else
		result = old_version;
	if (result < 0 || (old_isnull && result == 0))
		result = 1;
	PG_RETURN_INT64(result);
}
