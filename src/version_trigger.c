/*-------------------------------------------------------------------------
 *
 * version_trigger.c
 *	  The row trigger: the rules of an INSERT or UPDATE on a versioned
 *	  table.
 *
 * UPDATE (OLD is the stored version, NEW what the statement sets):
 *	 - version column not in the SET list: allowed unless the table is
 *	   strict; the version becomes OLD + 1;
 *	 - NEW = OLD (the writer echoes what it read): the version becomes
 *	   OLD + 1;
 *	 - NEW > OLD (the writer computed the next version itself): kept;
 *	 - NEW < OLD: the write is stale.
 * With check_columns or ignore_columns, an UPDATE that changes no counted
 * column keeps OLD.  INSERT keeps a version of 0 or more and gives 1 to a
 * missing or null one.  No statement may write a version above
 * ROWVERSION_MAX.
 *
 * Catalog facts come from table_info, messages from conflict, settings
 * from settings; this file is only the rules.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "compat.h"
#include "conflict.h"
#include "settings.h"
#include "stats.h"
#include "table_info.h"

PG_FUNCTION_INFO_V1(concurrency_version_trigger);

/*
 * Where a column sits in a row's tuple, when that is known without walking
 * the columns before it: the tuple has no nulls and the column's offset is
 * cached in the descriptor (every column before it is fixed-width).  NULL
 * otherwise.  This keeps the cost of a wide table's last columns flat.
 */
static inline char *
cached_location(HeapTuple tuple, TupleDesc desc, AttrNumber attnum)
{
	int32		cacheoff = attribute_cacheoff(desc, attnum - 1);

	if (cacheoff < 0 || !HeapTupleNoNulls(tuple) ||
		HeapTupleHeaderGetNatts(tuple->t_data) < attnum)
		return NULL;
	return (char *) tuple->t_data + tuple->t_data->t_hoff + cacheoff;
}

/* A column of a row: straight from its tuple if possible, else its slot. */
static inline Datum
column_value(HeapTuple tuple, TupleTableSlot *slot, TupleDesc desc,
			 AttrNumber attnum, bool *isnull)
{
	char	   *location = cached_location(tuple, desc, attnum);

	if (location == NULL)
		return slot_getattr(slot, attnum, isnull);
	*isnull = false;
	return fetchatt(TupleDescAttr(desc, attnum - 1), location);
}

/*
 * Where the version sits in a row's tuple when it is the tuple's last
 * attribute and not null: in the tuple's last 8 bytes (an int8 ends the
 * data, padding only goes before it), whatever the columns before it.
 * NULL otherwise.  Adding the column to a table puts it last, so this is
 * the common case, varlena columns before it included.
 */
static inline char *
last_location(HeapTuple tuple, AttrNumber attnum)
{
	HeapTupleHeader td = tuple->t_data;

	if (HeapTupleHeaderGetNatts(td) != attnum ||
		(HeapTupleHasNulls(tuple) && att_isnull(attnum - 1, td->t_bits)))
		return NULL;
	return (char *) td + tuple->t_len - sizeof(int64);
}

/* The version column of a row: from the end of its tuple if possible. */
static inline Datum
version_value(HeapTuple tuple, TupleTableSlot *slot, TupleDesc desc,
			  AttrNumber attnum, bool *isnull)
{
	char	   *location = last_location(tuple, attnum);

	if (location == NULL)
		return column_value(tuple, slot, desc, attnum, isnull);
	*isnull = false;
	return Int64GetDatum(*(int64 *) location);
}

/* Did any counted column change between the stored row and the new one? */
static bool
counted_change(const TableInfo *info, TriggerData *trigdata)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);

	if (info->watch_all)
		return true;

	for (int i = 0; i < info->nwatched; i++)
	{
		AttrNumber	attnum = info->watched[i];
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		oldnull;
		bool		newnull;
		Datum		oldval = column_value(trigdata->tg_trigtuple, trigdata->tg_trigslot,
										  desc, attnum, &oldnull);
		Datum		newval = column_value(trigdata->tg_newtuple, trigdata->tg_newslot,
										  desc, attnum, &newnull);

		if (oldnull != newnull)
			return true;
		if (!oldnull &&
			!datum_image_eq(oldval, newval, att->attbyval, att->attlen))
			return true;
	}
	return false;
}

static int64
next_version(Relation rel, AttrNumber attnum, int64 current)
{
	if (current == PG_INT64_MAX)
		conflict_report_overflow(rel, attnum);
	return current + 1;
}

/*
 * Where the version sits in the new row's own tuple, or NULL if it cannot
 * be overwritten there.
 *
 * Building a modified copy of the row (heap_modify_tuple_by_cols) and
 * having the trigger manager store it back costs more than the rest of the
 * trigger together.  The new row the trigger manager hands over is
 * materialized in tg_newslot's own memory, and the version is a fixed-width,
 * pass-by-value int8, so the 8 bytes can be written where they are, as long
 * as the slot is the heap slot that owns exactly this tuple, the column is
 * physically present and not null, and the slot's deforming stops right
 * after the version column (its saved offset then marks the column's end).
 * Anything else takes the general path.  Must run before anything else
 * deforms the new slot.
 */
static int64 *
version_location(TriggerData *trigdata, AttrNumber attnum)
{
#ifdef USE_FLOAT8_BYVAL
	TupleTableSlot *slot = trigdata->tg_newslot;
	HeapTuple	tuple = trigdata->tg_newtuple;
	HeapTupleTableSlot *hslot;
	char	   *cached;

	if (!(TTS_IS_HEAPTUPLE(slot) || TTS_IS_BUFFERTUPLE(slot)) ||
		!TTS_SHOULDFREE(slot))
		return NULL;
	hslot = (HeapTupleTableSlot *) slot;
	if (hslot->tuple != tuple ||
		HeapTupleHeaderGetNatts(tuple->t_data) < attnum)
		return NULL;

	cached = last_location(tuple, attnum);
	if (cached == NULL)
		cached = cached_location(tuple, RelationGetDescr(trigdata->tg_relation), attnum);
	if (cached != NULL)
		return (int64 *) cached;

	if (slot->tts_nvalid >= attnum)
		return NULL;

	slot_getsomeattrs(slot, attnum);
	if (slot->tts_nvalid != attnum || slot->tts_isnull[attnum - 1])
		return NULL;
	return (int64 *) ((char *) tuple->t_data + tuple->t_data->t_hoff +
					  hslot->off - sizeof(int64));
#else
	return NULL;
#endif
}

/* Return tuple with the version column set to version. */
static HeapTuple
with_version(Relation rel, HeapTuple tuple, AttrNumber attnum, int64 version)
{
	int			column = attnum;
	Datum		value = Int64GetDatum(version);
	bool		isnull = false;

	return heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel),
									 1, &column, &value, &isnull);
}

static HeapTuple
before_insert(TriggerData *trigdata, const TableInfo *info)
{
	Relation	rel = trigdata->tg_relation;
	AttrNumber	attnum = info->version_attnum;
	bool		isnull;
	Datum		value = slot_getattr(trigdata->tg_trigslot, attnum, &isnull);

	if (isnull)
		return with_version(rel, trigdata->tg_trigtuple, attnum, 1);
	conflict_check_written(rel, attnum, DatumGetInt64(value));
	return trigdata->tg_trigtuple;
}

/* The only rule left for an UPDATE of a disabled table. */
static HeapTuple
keep_valid(TriggerData *trigdata, const TableInfo *info)
{
	Relation	rel = trigdata->tg_relation;
	AttrNumber	attnum = info->version_attnum;
	bool		isnull;
	Datum		value = slot_getattr(trigdata->tg_newslot, attnum, &isnull);

	if (isnull)
		conflict_report_null(rel, attnum);
	/* the limit is on what this statement writes, not on what is stored */
	if (bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber,
					  trigdata->tg_updatedcols))
		conflict_check_written(rel, attnum, DatumGetInt64(value));
	else if (DatumGetInt64(value) < 0)
		conflict_report_negative(rel, attnum, DatumGetInt64(value));
	return trigdata->tg_newtuple;
}

static HeapTuple
before_update(TriggerData *trigdata, const TableInfo *info)
{
	Relation	rel = trigdata->tg_relation;
	AttrNumber	attnum = info->version_attnum;
	TupleTableSlot *oldslot = trigdata->tg_trigslot;
	TupleTableSlot *newslot = trigdata->tg_newslot;
	int64	   *location;
	bool		isnull;
	Datum		value;
	int64		old_version;
	bool		old_isnull;
	int64		result;
	bool		stated;
	RowSettings settings;

	/*
	 * A foreign-key cascade states no version and is never refused by
	 * strict mode.  PostgreSQL runs the cascade's query as the table's owner
	 * with row security forced off; anything the triggers of some other
	 * cascade run has that context too, but as the owner of that other
	 * table.  So a cascade is recognised by all three: the context, the
	 * owner, and the columns its foreign key sets.
	 */
	stated = bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber,
						   trigdata->tg_updatedcols);
	if (!stated && info->strict &&
		!(InNoForceRLSOperation() &&
		  GetUserId() == rel->rd_rel->relowner &&
		  table_info_is_cascade(info, trigdata->tg_updatedcols)))
	{
		stats_count(info->stats_relid, STAT_NOT_STATED);
		conflict_report_not_stated(rel, attnum);
	}

	settings_for_row(info->citus_shard, &settings);
	if (settings_bypass_requested(&settings))
	{
		settings_check_bypass_privilege(rel, &settings);
		if (!settings.enabled || !settings.increment)
			stats_count(info->stats_relid, STAT_BYPASSED);
	}

	location = version_location(trigdata, attnum);

	/* a row stored while versioning was bypassed may lack a version */
	value = version_value(trigdata->tg_trigtuple, oldslot, RelationGetDescr(rel),
						  attnum, &isnull);
	old_isnull = isnull;
	old_version = isnull ? 0 : DatumGetInt64(value);

	if (stated)
	{
		int64		new_version;

		value = version_value(trigdata->tg_newtuple, newslot, RelationGetDescr(rel),
							  attnum, &isnull);
		if (isnull)
			conflict_report_null(rel, attnum);
		new_version = DatumGetInt64(value);

		if (new_version > old_version)
		{
			/* the writer computed the next version itself: keep it */
			conflict_check_written(rel, attnum, new_version);
			return trigdata->tg_newtuple;
		}

		if (new_version < old_version && settings.enabled)
		{
			switch (settings.on_conflict)
			{
				case ON_CONFLICT_SKIP:
					stats_count(info->stats_relid, STAT_SKIPPED);
					conflict_report_stale(NOTICE, rel, attnum, oldslot,
										  new_version, old_version);
					return NULL;
				case ON_CONFLICT_WARN:
					stats_count(info->stats_relid, STAT_WARNED);
					conflict_report_stale(WARNING, rel, attnum, oldslot,
										  new_version, old_version);
					break;
				default:
					stats_count(info->stats_relid, STAT_REJECTED);
					conflict_report_stale(ERROR, rel, attnum, oldslot,
										  new_version, old_version);
					break;
			}
		}
	}

	/*
	 * The write goes ahead from OLD: it moves the version forward if it
	 * counts, and otherwise leaves the stored version (which is also what
	 * a stale write let through must not lower).
	 */
	if (settings.increment && counted_change(info, trigdata))
		result = next_version(rel, attnum, old_version);
	else
		result = old_version;

	/* a row stored without a valid version starts at 1 */
	if (result < 0 || (old_isnull && result == 0))
		result = 1;
	value = version_value(trigdata->tg_newtuple, newslot, RelationGetDescr(rel),
						  attnum, &isnull);
	if (!isnull && DatumGetInt64(value) == result)
		return trigdata->tg_newtuple;
	if (location != NULL)
	{
		*location = result;
		if (newslot->tts_nvalid >= attnum)
			newslot->tts_values[attnum - 1] = Int64GetDatum(result);
		return trigdata->tg_newtuple;
	}
	return with_version(rel, trigdata->tg_newtuple, attnum, result);
}

Datum
concurrency_version_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const TableInfo *info;
	HeapTuple	result;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"concurrency.version_trigger")));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired BEFORE ... FOR EACH ROW",
						"concurrency.version_trigger")));
	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) &&
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired for INSERT or UPDATE",
						"concurrency.version_trigger")));

	/* the entry stays put; keep it for the rest of the statement */
	info = fcinfo->flinfo->fn_extra;
	if (info == NULL || !info->valid ||
		info->relid != RelationGetRelid(trigdata->tg_relation))
	{
		info = table_info_get(trigdata->tg_relation);
		fcinfo->flinfo->fn_extra = (void *) info;
	}
	if (info->version_attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" fired on table \"%s\", which has no rowversion column",
						"concurrency.version_trigger",
						RelationGetRelationName(trigdata->tg_relation)),
				 errhint("Row versioning is attached by adding a rowversion column, not by CREATE TRIGGER.")));

	/*
	 * After concurrency.disable() nothing is checked or moved, but stored
	 * versions stay valid, so that a dump restores through the INSERT
	 * rules.
	 */
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		result = before_insert(trigdata, info);
	else if (info->active)
		result = before_update(trigdata, info);
	else
		result = keep_valid(trigdata, info);

	return PointerGetDatum(result);
}
