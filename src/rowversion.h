/*-------------------------------------------------------------------------
 *
 * rowversion.h
 *	  What a row version may be.
 *
 * Versions are not negative: 0 is a version, because ORMs (Hibernate,
 * Rails, Sequelize, django-concurrency) start there.  No statement may
 * write one above ROWVERSION_MAX (2^62), so that no writer can exhaust the
 * range and lock everyone else out of a row: a row moved forward by one on
 * every write never gets there.  Time-based versions (microseconds since
 * 2000, around 10^15) stay far below it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_ROWVERSION_H
#define CONCURRENCY_ROWVERSION_H

#define ROWVERSION_MAX	INT64CONST(4611686018427387904)

/* May a statement write this version? */
static inline bool
rowversion_in_range(int64 version)
{
	return version >= 0 && version <= ROWVERSION_MAX;
}

#endif							/* CONCURRENCY_ROWVERSION_H */
