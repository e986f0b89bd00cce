/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  Conflict statistics: per-table counts of rejected, skipped, warned,
 *	  bypassed and unstated writes, in shared memory, for the view
 *	  concurrency.conflicts.
 *
 * Only with shared_preload_libraries = 'concurrency': the counts live in a
 * hash table in shared memory, keyed by database and table, that every
 * backend adds to.  Shared memory is not transactional, so an event whose
 * transaction then rolls back (as every 40V01 makes it) stays counted.  The
 * postmaster writes the counts to pg_stat/concurrency.stat at a clean
 * shutdown and reads them back at the next start, as pg_stat_statements
 * does; after a crash they start from zero.
 *
 * Nothing here runs on the path of a row that has no event: a count is
 * taken only when the trigger rejects, skips or warns about a write, or
 * writes one under a bypass.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "stats.h"

PG_FUNCTION_INFO_V1(concurrency_conflict_counts);
PG_FUNCTION_INFO_V1(concurrency_reset_conflicts);

/* tables counted at once; past that, the one with the oldest event goes */
#define STATS_MAX_TABLES	1000

#define STATS_FILE			"pg_stat/concurrency.stat"
#define STATS_FILE_TMP		STATS_FILE ".tmp"
#define STATS_FILE_MAGIC	0x43435331	/* "CCS1" */

typedef struct StatsKey
{
	Oid			dbid;
	Oid			relid;
} StatsKey;

typedef struct StatsEntry
{
	StatsKey	key;			/* hash key: must be first */
	slock_t		mutex;			/* protects the counts */
	int64		counts[STAT_KINDS];
	TimestampTz last_event;
} StatsEntry;

typedef struct StatsShared
{
	LWLock	   *lock;			/* protects the hash table's membership */
} StatsShared;

/* what the stats file holds for one table */
typedef struct StatsRecord
{
	StatsKey	key;
	int64		counts[STAT_KINDS];
	TimestampTz last_event;
} StatsRecord;

static StatsShared *stats_shared = NULL;
static HTAB *stats_hash = NULL;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif

static Size
stats_memsize(void)
{
	return add_size(MAXALIGN(sizeof(StatsShared)),
					hash_estimate_size(STATS_MAX_TABLES, sizeof(StatsEntry)));
}

static void
stats_request_shmem(void)
{
	RequestAddinShmemSpace(stats_memsize());
	RequestNamedLWLockTranche("concurrency", 1);
}

#if PG_VERSION_NUM >= 150000
static void
stats_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	stats_request_shmem();
}
#endif

/* Write the counts to the stats file, at a clean shutdown of the postmaster. */
static void
stats_save(int code, Datum arg)
{
	FILE	   *file;
	HASH_SEQ_STATUS status;
	StatsEntry *entry;
	uint32		header = STATS_FILE_MAGIC;
	int32		count;

	/* after a crash, what shared memory holds is not to be trusted */
	if (code != 0 || stats_hash == NULL)
		return;

	file = AllocateFile(STATS_FILE_TMP, PG_BINARY_W);
	if (file == NULL)
		goto error;
	count = hash_get_num_entries(stats_hash);
	if (fwrite(&header, sizeof(header), 1, file) != 1 ||
		fwrite(&count, sizeof(count), 1, file) != 1)
		goto error;

	hash_seq_init(&status, stats_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		StatsRecord record;

		record.key = entry->key;
		memcpy(record.counts, entry->counts, sizeof(record.counts));
		record.last_event = entry->last_event;
		if (fwrite(&record, sizeof(record), 1, file) != 1)
		{
			hash_seq_term(&status);
			goto error;
		}
	}
	if (FreeFile(file))
	{
		file = NULL;
		goto error;
	}
	(void) durable_rename(STATS_FILE_TMP, STATS_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", STATS_FILE_TMP)));
	if (file)
		FreeFile(file);
	unlink(STATS_FILE_TMP);
}

/* Read the counts a clean shutdown saved, then remove the file. */
static void
stats_load(void)
{
	FILE	   *file = AllocateFile(STATS_FILE, PG_BINARY_R);
	uint32		header;
	int32		count;

	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", STATS_FILE)));
		return;
	}

	if (fread(&header, sizeof(header), 1, file) != 1 ||
		header != STATS_FILE_MAGIC ||
		fread(&count, sizeof(count), 1, file) != 1 || count < 0)
	{
		ereport(LOG,
				(errmsg("ignoring invalid file \"%s\"", STATS_FILE)));
		goto done;
	}

	for (int i = 0; i < count && i < STATS_MAX_TABLES; i++)
	{
		StatsRecord record;
		StatsEntry *entry;
		bool		found;

		if (fread(&record, sizeof(record), 1, file) != 1)
		{
			ereport(LOG,
					(errmsg("ignoring the rest of invalid file \"%s\"", STATS_FILE)));
			break;
		}
		entry = hash_search(stats_hash, &record.key, HASH_ENTER, &found);
		if (!found)
			SpinLockInit(&entry->mutex);
		memcpy(entry->counts, record.counts, sizeof(entry->counts));
		entry->last_event = record.last_event;
	}

done:
	FreeFile(file);
	unlink(STATS_FILE);
}

static void
stats_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	stats_shared = ShmemInitStruct("concurrency conflict statistics",
								   sizeof(StatsShared), &found);
	if (!found)
		stats_shared->lock = &(GetNamedLWLockTranche("concurrency"))->lock;

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	stats_hash = ShmemInitHash("concurrency conflict counts",
							   STATS_MAX_TABLES, STATS_MAX_TABLES,
							   &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);

	/* the postmaster (or a single-user backend) saves and loads the file */
	if (!IsUnderPostmaster)
	{
		on_shmem_exit(stats_save, (Datum) 0);
		if (!found)
			stats_load();
	}
}

void
stats_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;

#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = stats_shmem_request;
#else
	stats_request_shmem();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = stats_shmem_startup;
}

bool
stats_enabled(void)
{
	return stats_hash != NULL;
}

/*
 * The entry of key, made if missing; with the lock held exclusively.  A
 * full table gives up its entry with the oldest event.
 */
static StatsEntry *
stats_entry_create(const StatsKey *key)
{
	StatsEntry *entry;
	bool		found;

	if (hash_get_num_entries(stats_hash) >= STATS_MAX_TABLES &&
		hash_search(stats_hash, key, HASH_FIND, NULL) == NULL)
	{
		HASH_SEQ_STATUS status;
		StatsEntry *oldest = NULL;

		hash_seq_init(&status, stats_hash);
		while ((entry = hash_seq_search(&status)) != NULL)
			if (oldest == NULL || entry->last_event < oldest->last_event)
				oldest = entry;
		if (oldest != NULL)
			hash_search(stats_hash, &oldest->key, HASH_REMOVE, NULL);
	}

	entry = hash_search(stats_hash, key, HASH_ENTER, &found);
	if (!found)
	{
		SpinLockInit(&entry->mutex);
		memset(entry->counts, 0, sizeof(entry->counts));
		entry->last_event = 0;
	}
	return entry;
}

void
stats_count(Oid relid, StatKind kind)
{
	StatsKey	key;
	StatsEntry *entry;
	TimestampTz now;

	if (stats_hash == NULL)
		return;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.relid = relid;
	now = GetCurrentTimestamp();

	LWLockAcquire(stats_shared->lock, LW_SHARED);
	entry = hash_search(stats_hash, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		LWLockRelease(stats_shared->lock);
		LWLockAcquire(stats_shared->lock, LW_EXCLUSIVE);
		entry = stats_entry_create(&key);
	}
	SpinLockAcquire(&entry->mutex);
	entry->counts[kind]++;
	if (now > entry->last_event)
		entry->last_event = now;
	SpinLockRelease(&entry->mutex);
	LWLockRelease(stats_shared->lock);
}

static void
require_stats(const char *what)
{
	if (stats_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs the concurrency library to be loaded at server start", what),
				 errhint("Add \"concurrency\" to shared_preload_libraries and restart the server.")));
}

/*
 * concurrency.conflict_counts(): the counts of this database's tables, for
 * the view concurrency.conflicts, which keeps the tables the caller may
 * read.
 */
Datum
concurrency_conflict_counts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	HASH_SEQ_STATUS status;
	StatsEntry *entry;

	require_stats("concurrency.conflicts");
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;

	LWLockAcquire(stats_shared->lock, LW_SHARED);
	hash_seq_init(&status, stats_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		Datum		values[2 + STAT_KINDS];
		bool		nulls[2 + STAT_KINDS];
		int64		counts[STAT_KINDS];
		TimestampTz last_event;

		if (entry->key.dbid != MyDatabaseId)
			continue;
		SpinLockAcquire(&entry->mutex);
		memcpy(counts, entry->counts, sizeof(counts));
		last_event = entry->last_event;
		SpinLockRelease(&entry->mutex);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(entry->key.relid);
		for (int i = 0; i < STAT_KINDS; i++)
			values[1 + i] = Int64GetDatum(counts[i]);
		values[1 + STAT_KINDS] = TimestampTzGetDatum(last_event);
		nulls[1 + STAT_KINDS] = (last_event == 0);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	LWLockRelease(stats_shared->lock);

	return (Datum) 0;
}

/*
 * concurrency.reset_conflicts(tbl regclass DEFAULT NULL): forget the counts
 * of one table (its owner's right), or, without a table, of every table of
 * this database the caller owns (a superuser's: all).  Returns how many
 * tables had counts.
 */
Datum
concurrency_reset_conflicts(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS status;
	StatsEntry *entry;
	int64		reset = 0;
	bool		all = PG_ARGISNULL(0);
	Oid			only = all ? InvalidOid : PG_GETARG_OID(0);

	require_stats("concurrency.reset_conflicts()");

	if (!all)
	{
		char		relkind = get_rel_relkind(only);

		if (relkind == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u does not exist", only)));
		if (!relation_ownercheck(only, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind),
						   get_rel_name(only));
	}

	LWLockAcquire(stats_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&status, stats_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (entry->key.dbid != MyDatabaseId)
			continue;
		if (!all ? entry->key.relid != only :
			!(superuser() ||
			  (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(entry->key.relid)) &&
			   relation_ownercheck(entry->key.relid, GetUserId()))))
			continue;
		hash_search(stats_hash, &entry->key, HASH_REMOVE, NULL);
		reset++;
	}
	LWLockRelease(stats_shared->lock);

	PG_RETURN_INT64(reset);
}
