/*-------------------------------------------------------------------------
 *
 * conflict.h
 *	  The errors a versioned write can raise, in one place so that every
 *	  message, SQLSTATE and error field stays consistent.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_CONFLICT_H
#define CONCURRENCY_CONFLICT_H

#include "executor/tuptable.h"
#include "utils/rel.h"

#include "compat.h"

/* 40V01: the write was based on a version that is no longer current */
#define ERRCODE_CONCURRENCY_STALE_VERSION	MAKE_SQLSTATE('4','0','V','0','1')
/* 23V01: a strict table was updated without stating a version */
#define ERRCODE_CONCURRENCY_VERSION_REQUIRED	MAKE_SQLSTATE('2','3','V','0','1')

/*
 * Report a stale write at elevel: ERROR (rejected), WARNING (allowed by
 * on_conflict = warn) or NOTICE (skipped by on_conflict = skip).  row is
 * the stored row, whose key the DETAIL shows where the user may read it.
 */
extern void conflict_report_stale(int elevel, Relation rel,
								  AttrNumber version_attnum,
								  TupleTableSlot *row,
								  int64 based_on, int64 current);

CONCURRENCY_NORETURN_BEFORE extern void conflict_report_not_stated(Relation rel, AttrNumber version_attnum) CONCURRENCY_NORETURN_AFTER;
CONCURRENCY_NORETURN_BEFORE extern void conflict_report_null(Relation rel, AttrNumber version_attnum) CONCURRENCY_NORETURN_AFTER;
CONCURRENCY_NORETURN_BEFORE extern void conflict_report_negative(Relation rel, AttrNumber version_attnum,
																	 int64 version) CONCURRENCY_NORETURN_AFTER;
CONCURRENCY_NORETURN_BEFORE extern void conflict_report_overflow(Relation rel, AttrNumber version_attnum) CONCURRENCY_NORETURN_AFTER;
CONCURRENCY_NORETURN_BEFORE extern void conflict_report_too_large(Relation rel, AttrNumber version_attnum,
																  int64 version) CONCURRENCY_NORETURN_AFTER;

/* refuse a version a statement writes that is below 0 or above ROWVERSION_MAX */
extern void conflict_check_written(Relation rel, AttrNumber version_attnum, int64 version);

#endif							/* CONCURRENCY_CONFLICT_H */
