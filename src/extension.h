/*-------------------------------------------------------------------------
 *
 * extension.h
 *	  Where the extension's own objects are: the rowversion type,
 *	  concurrency.options(), the row trigger function, the fast path's
 *	  concurrency.next_version(), and 1.0's options table where a database
 *	  still has it.
 *
 * These are looked up by name in the catalogs, so callers use them when a
 * cache is built or a DDL command runs, never per row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONCURRENCY_EXTENSION_H
#define CONCURRENCY_EXTENSION_H

/* name of the schema that holds the API, fixed by the install script */
#define CONCURRENCY_API_SCHEMA	"concurrency"

/* OID of the rowversion domain, or InvalidOid if the extension is absent */
extern Oid	rowversion_type_oid(void);

/* OID of concurrency.table_options of version 1.0, or InvalidOid if absent */
extern Oid	options_table_oid(void);

/* is Citus installed in this database? */
extern bool citus_installed(void);

/* OID of concurrency.options(), or InvalidOid if absent (version 1.0) */
extern Oid	options_function_oid(void);

/* OID of concurrency.next_version(), or InvalidOid if absent (version 1.0) */
extern Oid	next_version_function_oid(void);

/* OID of concurrency.version_trigger(), or InvalidOid if absent */
extern Oid	version_trigger_function_oid(void);

/*
 * Pin search_path to pg_catalog for the internal SQL of a DDL hook, so that
 * nothing the calling user planted can be resolved; returns the GUC nest
 * level to hand back to restore_search_path().
 */
extern int	restrict_search_path(void);
extern void restore_search_path(int nestlevel);

/* run-as helpers for internal SQL, done as the owner of the extension's schema */
typedef struct OptionsWriteState
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} OptionsWriteState;

extern void options_write_begin(OptionsWriteState *state);
extern void options_write_end(OptionsWriteState *state);

#endif							/* CONCURRENCY_EXTENSION_H */
