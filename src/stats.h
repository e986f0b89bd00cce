/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  Conflict statistics in shared memory (needs shared_preload_libraries).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_STATS_H
#define CONCURRENCY_STATS_H

/* what is counted, in the order of the columns of concurrency.conflicts */
typedef enum StatKind
{
	STAT_REJECTED,				/* stale writes refused with 40V01 */
	STAT_SKIPPED,				/* rows skipped under on_conflict = skip */
	STAT_WARNED,				/* stale writes let through under warn */
	STAT_BYPASSED,				/* writes under enabled = off or increment = off */
	STAT_NOT_STATED,			/* 23V01 refusals on strict tables */
	STAT_KINDS
} StatKind;

/* set up the shared memory; from _PG_init, at server start only */
extern void stats_init(void);

/* is the shared memory there (the library was preloaded)? */
extern bool stats_enabled(void);

/* count one event for relid of the current database */
extern void stats_count(Oid relid, StatKind kind);

#endif							/* CONCURRENCY_STATS_H */
