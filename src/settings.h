/*-------------------------------------------------------------------------
 *
 * settings.h
 *	  The concurrency.* settings and the privilege rule for bypassing the
 *	  version check.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_SETTINGS_H
#define CONCURRENCY_SETTINGS_H

#include "utils/rel.h"

typedef enum OnConflict
{
	ON_CONFLICT_ERROR,
	ON_CONFLICT_SKIP,
	ON_CONFLICT_WARN
} OnConflict;

extern bool concurrency_enabled;
extern bool concurrency_increment;
extern int	concurrency_on_conflict;
extern bool concurrency_fast_path;

/* define the settings and reserve the "concurrency." prefix */
extern void settings_define(void);

/* the settings as they apply to one row (see settings_for_row()) */
typedef struct RowSettings
{
	bool		enabled;
	bool		increment;
	int			on_conflict;
} RowSettings;

extern void settings_for_row(bool citus_shard, RowSettings *row);

/* true if the settings relax the check (which needs the privilege) */
static inline bool
settings_bypass_requested(const RowSettings *row)
{
	return !row->enabled || !row->increment ||
		row->on_conflict == ON_CONFLICT_WARN;
}

/*
 * Error out unless the current role may bypass the check on rel: it needs
 * TRIGGER on the table or on one of its partition ancestors.
 */
extern void settings_check_bypass_privilege(Relation rel, const RowSettings *row);

#endif							/* CONCURRENCY_SETTINGS_H */
