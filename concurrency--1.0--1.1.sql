/* concurrency--1.0--1.1.sql: from version 1.0 to 1.1 */

\echo Use "ALTER EXTENSION concurrency UPDATE TO '1.1'" to load this file. \quit

/*
 * As in the install script, every reference is schema-qualified: this runs
 * as a superuser, also when a database owner updates the trusted extension.
 */

-- The version trigger fires first among a table's BEFORE triggers, so that
-- no other trigger can change the version a statement states before it is
-- checked: its name now starts with "!", which sorts before every letter,
-- digit and underscore.  Temporary tables of other sessions cannot be
-- altered from here and keep the old name until they go.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT tg.tgname, n.nspname, c.relname, tg.oid
		  FROM pg_catalog.pg_trigger tg
		  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) tg.tgrelid
		  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		 WHERE tg.tgfoid OPERATOR(pg_catalog.=) 'concurrency.version_trigger()'::pg_catalog.regprocedure
		   AND tg.tgisinternal
		   AND tg.tgname OPERATOR(pg_catalog.~~) 'zz\_concurrency\_version\_%'
		   AND (c.relpersistence OPERATOR(pg_catalog.<>) 't'
				OR c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())
	LOOP
		EXECUTE pg_catalog.format('ALTER TRIGGER %I ON %I.%I RENAME TO %I',
								  t.tgname, t.nspname, t.relname,
								  '!concurrency_version_' OPERATOR(pg_catalog.||) t.oid);
	END LOOP;
END
$$;

-- A table's options now travel with the table itself: they are the
-- arguments of a call to concurrency.options() that is the default of its
-- version column.  Whatever carries the table carries them: pg_dump with
-- -t, -n, -T, -N or pg_restore -t, pg_upgrade, CREATE TABLE ... LIKE ...
-- INCLUDING DEFAULTS, PARTITION OF, INHERITS, and a distributed table's
-- shards.  The call returns its first argument, the value an INSERT that
-- states no version starts from (the domain's own default, 1, when
-- omitted); it is immutable, so the planner folds it to a constant and
-- ADD COLUMN with it does not rewrite the table.  Options left at their
-- defaults are not written out.
CREATE FUNCTION concurrency.options(
	start @extschema@.rowversion DEFAULT 1,
	check_columns pg_catalog.name[] DEFAULT NULL,
	ignore_columns pg_catalog.name[] DEFAULT NULL,
	strict pg_catalog.bool DEFAULT false,
	active pg_catalog.bool DEFAULT true)
RETURNS @extschema@.rowversion
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT $1';
COMMENT ON FUNCTION concurrency.options(@extschema@.rowversion, pg_catalog.name[], pg_catalog.name[], pg_catalog.bool, pg_catalog.bool) IS
'the row-versioning options of a table, written as the default of its version column; returns start';

-- The options in effect for a table: those of its version column's
-- default, else those of its nearest partition ancestor, else the
-- defaults.
CREATE FUNCTION concurrency.options_of(
	tbl pg_catalog.regclass,
	OUT check_columns pg_catalog.name[],
	OUT ignore_columns pg_catalog.name[],
	OUT strict pg_catalog.bool,
	OUT active pg_catalog.bool)
RETURNS record
AS 'MODULE_PATHNAME', 'concurrency_options_of'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION concurrency.options_of(pg_catalog.regclass) IS
'the row-versioning options in effect for a table';

-- Move every table's options from the table of 1.0 onto the table itself.
-- A column that already has a default of its own keeps it as start.  A
-- partition's row is written even at the defaults: it is what keeps the
-- partition from taking its parent's options.  An inheritance child
-- without a row had the defaults in 1.0, where only partitions took their
-- parent's options; it gets an empty call, which keeps it that way now that
-- a child without options takes its parent's.
DO $$
DECLARE
	t record;
	args pg_catalog.text[];
BEGIN
	FOR t IN
		SELECT n.nspname, c.relname, a.attname, o.check_columns, o.ignore_columns,
			   COALESCE(o.strict, false) AS is_strict, COALESCE(o.active, true) AS is_active,
			   pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS start
		  FROM pg_catalog.pg_class c
		  LEFT JOIN concurrency.table_options o ON o.relid OPERATOR(pg_catalog.=) c.oid
		  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		  JOIN pg_catalog.pg_attribute a
			ON a.attrelid OPERATOR(pg_catalog.=) c.oid
		   AND a.atttypid OPERATOR(pg_catalog.=) '@extschema@.rowversion'::pg_catalog.regtype
		   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
		  LEFT JOIN pg_catalog.pg_attrdef d
			ON d.adrelid OPERATOR(pg_catalog.=) c.oid
		   AND d.adnum OPERATOR(pg_catalog.=) a.attnum
		 WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
		   AND (c.relpersistence OPERATOR(pg_catalog.<>) 't'
				OR c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())
		   AND CASE WHEN o.relid IS NULL
					-- no row: inheritance children only
					THEN NOT c.relispartition
						 AND EXISTS (SELECT FROM pg_catalog.pg_inherits i
									  WHERE i.inhrelid OPERATOR(pg_catalog.=) c.oid)
					ELSE c.relispartition
						 OR o.check_columns IS NOT NULL OR o.ignore_columns IS NOT NULL
						 OR o.strict OR NOT o.active
			   END
	LOOP
		args := '{}';
		IF t.start IS NOT NULL THEN
			args := args OPERATOR(pg_catalog.||) t.start;
		END IF;
		IF t.check_columns IS NOT NULL THEN
			args := args OPERATOR(pg_catalog.||) pg_catalog.format('check_columns => %L::pg_catalog.name[]', t.check_columns);
		END IF;
		IF t.ignore_columns IS NOT NULL THEN
			args := args OPERATOR(pg_catalog.||) pg_catalog.format('ignore_columns => %L::pg_catalog.name[]', t.ignore_columns);
		END IF;
		IF t.is_strict THEN
			args := args OPERATOR(pg_catalog.||) 'strict => true'::pg_catalog.text;
		END IF;
		IF NOT t.is_active THEN
			args := args OPERATOR(pg_catalog.||) 'active => false'::pg_catalog.text;
		END IF;
		EXECUTE pg_catalog.format('ALTER TABLE ONLY %I.%I ALTER COLUMN %I SET DEFAULT concurrency.options(%s)',
								  t.nspname, t.relname, t.attname,
								  pg_catalog.array_to_string(args, ', '));
	END LOOP;
END
$$;


-- Follow every DDL command, not a list of tags: CREATE SCHEMA ... CREATE
-- TABLE, ALTER TYPE ... CASCADE on typed tables, IMPORT FOREIGN SCHEMA and
-- DROP ... CASCADE of a column's type all change tables too.  ENABLE
-- ALWAYS: a table created under session_replication_role = replica is
-- versioned as well.
DROP EVENT TRIGGER concurrency_ddl_command_end;
DROP EVENT TRIGGER concurrency_sql_drop;

CREATE EVENT TRIGGER concurrency_ddl_command_end ON ddl_command_end
	EXECUTE FUNCTION concurrency.ddl_command_end();
ALTER EVENT TRIGGER concurrency_ddl_command_end ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER concurrency_ddl_command_end IS
'attach or detach row versioning after every DDL command that creates or changes a table';

CREATE EVENT TRIGGER concurrency_sql_drop ON sql_drop
	EXECUTE FUNCTION concurrency.sql_drop();
ALTER EVENT TRIGGER concurrency_sql_drop ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER concurrency_sql_drop IS
'refuse to drop a watched column or the version trigger of a versioned table';

-- The default of a version column that carries options is changed only
-- into another such call: ALTER COLUMN ... SET DEFAULT 0 or DROP DEFAULT
-- would drop strict (and the rest) without a word.
CREATE FUNCTION concurrency.ddl_command_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'concurrency_ddl_command_start'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.ddl_command_start() IS
'event trigger: refuse ALTER TABLE ... SET DEFAULT or DROP DEFAULT that would drop the row-versioning options of a version column';

CREATE EVENT TRIGGER concurrency_ddl_command_start ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE')
	EXECUTE FUNCTION concurrency.ddl_command_start();
ALTER EVENT TRIGGER concurrency_ddl_command_start ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER concurrency_ddl_command_start IS
'keep the row-versioning options that a version column''s default carries';

COMMENT ON FUNCTION concurrency.ddl_command_end() IS
'event trigger: attach or detach row versioning after every DDL command that creates or changes a table';
COMMENT ON FUNCTION concurrency.sql_drop() IS
'event trigger: forget the options of dropped tables; refuse to drop a watched column or the version trigger of a versioned table';

-- active tells whether writes are enforced: the options say so and, for a
-- table that stores rows, its version trigger is there and enabled.
CREATE OR REPLACE VIEW concurrency.tables AS
SELECT n.nspname AS schema_name,
	   c.relname AS table_name,
	   a.attname AS version_column,
	   o.check_columns,
	   o.ignore_columns,
	   o.strict,
	   o.active
	   AND (c.relkind OPERATOR(pg_catalog.=) 'p'
			OR EXISTS (SELECT FROM pg_catalog.pg_trigger tg
						WHERE tg.tgrelid OPERATOR(pg_catalog.=) c.oid
						  AND tg.tgfoid OPERATOR(pg_catalog.=) 'concurrency.version_trigger()'::pg_catalog.regprocedure
						  AND tg.tgenabled OPERATOR(pg_catalog.=) ANY ('{O,A}'::pg_catalog."char"[]))) AS active
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_attribute a
	ON a.attrelid OPERATOR(pg_catalog.=) c.oid
   AND a.atttypid OPERATOR(pg_catalog.=) '@extschema@.rowversion'::pg_catalog.regtype
   AND a.attnum OPERATOR(pg_catalog.>) 0
   AND NOT a.attisdropped
 CROSS JOIN LATERAL concurrency.options_of(c.oid) o
 WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[]);
COMMENT ON COLUMN concurrency.tables.strict IS 'every UPDATE must state the version it is based on (the strict option of concurrency.options())';
COMMENT ON COLUMN concurrency.tables.active IS
'writes are enforced: false after concurrency.disable(), or while the table''s version trigger is missing or disabled (see concurrency.verify())';

-- One row per table whose versioning is not whole; none on a healthy
-- database.  Reads the catalogs only, so it is cheap to run after an
-- upgrade, a restore or unusual DDL.
CREATE FUNCTION concurrency.verify()
RETURNS TABLE (schema_name pg_catalog.name, table_name pg_catalog.name, problem pg_catalog.text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
-- the extension's own rowversion type, found whatever its schema is called
WITH rowversion AS (
	SELECT t.oid
	  FROM pg_catalog.pg_type t
	  JOIN pg_catalog.pg_depend d
		ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
	   AND d.objid OPERATOR(pg_catalog.=) t.oid
	   AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
	   AND d.deptype OPERATOR(pg_catalog.=) 'e'
	  JOIN pg_catalog.pg_extension e
		ON e.oid OPERATOR(pg_catalog.=) d.refobjid
	   AND e.extname OPERATOR(pg_catalog.=) 'concurrency'
	 WHERE t.typname OPERATOR(pg_catalog.=) 'rowversion'
), versioned AS (
	SELECT c.oid, c.relkind, n.nspname, c.relname,
		   ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a
				  WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid
					AND a.atttypid OPERATOR(pg_catalog.=) (SELECT oid FROM rowversion)
					AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
				  ORDER BY a.attnum) AS columns,
		   ARRAY(SELECT tg.oid FROM pg_catalog.pg_trigger tg
				  WHERE tg.tgrelid OPERATOR(pg_catalog.=) c.oid
					AND tg.tgfoid OPERATOR(pg_catalog.=) 'concurrency.version_trigger()'::pg_catalog.regprocedure
				  ORDER BY tg.oid) AS triggers
	  FROM pg_catalog.pg_class c
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	 WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,f}'::pg_catalog."char"[])
), problems AS (
	SELECT v.nspname, v.relname,
		   pg_catalog.format('rowversion column "%s" has no row-versioning trigger: its writes are neither checked nor versioned',
							 v.columns[1])
	  FROM versioned v
	 WHERE v.relkind OPERATOR(pg_catalog.=) 'r'
	   AND pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.>) 0
	   AND pg_catalog.cardinality(v.triggers) OPERATOR(pg_catalog.=) 0
	UNION ALL
	SELECT v.nspname, v.relname,
		   'the row-versioning trigger is attached but the table has no rowversion column: every write fails'
	  FROM versioned v
	 WHERE pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.=) 0
	   AND pg_catalog.cardinality(v.triggers) OPERATOR(pg_catalog.>) 0
	UNION ALL
	SELECT v.nspname, v.relname,
		   pg_catalog.format('the table has %s row-versioning triggers: each write moves the version more than once',
							 pg_catalog.cardinality(v.triggers))
	  FROM versioned v
	 WHERE pg_catalog.cardinality(v.triggers) OPERATOR(pg_catalog.>) 1
	UNION ALL
	SELECT v.nspname, v.relname,
		   pg_catalog.format('the table has more than one rowversion column (%s)',
							 pg_catalog.array_to_string(v.columns, ', '))
	  FROM versioned v
	 WHERE pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.>) 1
	UNION ALL
	SELECT v.nspname, v.relname,
		   pg_catalog.format('foreign table with rowversion column "%s": row versioning cannot be enforced on it',
							 v.columns[1])
	  FROM versioned v
	 WHERE v.relkind OPERATOR(pg_catalog.=) 'f'
	   AND pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.>) 0
	UNION ALL
	SELECT v.nspname, v.relname,
		   CASE tg.tgenabled
				WHEN 'D' THEN 'the row-versioning trigger is disabled: writes are neither checked nor versioned'
				ELSE 'the row-versioning trigger fires only under session_replication_role = replica: writes are neither checked nor versioned'
		   END
	  FROM versioned v
	  JOIN pg_catalog.pg_trigger tg ON tg.oid OPERATOR(pg_catalog.=) ANY (v.triggers)
	 WHERE tg.tgenabled OPERATOR(pg_catalog.=) ANY ('{D,R}'::pg_catalog."char"[])
	UNION ALL
	-- BEFORE ROW UPDATE triggers fire in name order (tgtype bits: row 1,
	-- before 2, update 16)
	SELECT v.nspname, v.relname,
		   pg_catalog.format('trigger "%s" fires before the row-versioning trigger and can change the version an UPDATE states',
							 other.tgname)
	  FROM versioned v
	  JOIN pg_catalog.pg_trigger tg ON tg.oid OPERATOR(pg_catalog.=) v.triggers[1]
	  JOIN pg_catalog.pg_trigger other
		ON other.tgrelid OPERATOR(pg_catalog.=) v.oid
	   AND other.oid OPERATOR(pg_catalog.<>) tg.oid
	   AND other.tgenabled OPERATOR(pg_catalog.<>) 'D'
	   AND (other.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 19) OPERATOR(pg_catalog.=) 19
	   AND other.tgname COLLATE "C" OPERATOR(pg_catalog.<) tg.tgname COLLATE "C"
	UNION ALL
	SELECT n.nspname, c.relname,
		   CASE WHEN a.attnum IS NULL
				THEN pg_catalog.format('its row-versioning options (%s) name column "%s", which does not exist',
									   l.option, l.name)
				ELSE pg_catalog.format('its row-versioning options (%s) name column "%s", which is not counted: it is the version column or generated',
									   l.option, l.name)
		   END
	  FROM versioned v
	  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) v.oid
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	 CROSS JOIN LATERAL concurrency.options_of(v.oid) AS o
	 CROSS JOIN LATERAL (
		SELECT 'check_columns', u FROM pg_catalog.unnest(o.check_columns) AS u
		UNION ALL
		SELECT 'ignore_columns', u FROM pg_catalog.unnest(o.ignore_columns) AS u) AS l(option, name)
	  LEFT JOIN pg_catalog.pg_attribute a
		ON a.attrelid OPERATOR(pg_catalog.=) c.oid
	   AND a.attname OPERATOR(pg_catalog.=) l.name
	   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
	 WHERE pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.>) 0
	   AND (a.attnum IS NULL
			OR a.atttypid OPERATOR(pg_catalog.=) (SELECT oid FROM rowversion)
			OR a.attgenerated OPERATOR(pg_catalog.<>) '')
	UNION ALL
	SELECT NULL, NULL,
		   pg_catalog.format('event trigger "%s" is disabled: DDL that adds or removes rowversion columns is not followed',
							 e.evtname)
	  FROM pg_catalog.pg_event_trigger e
	 WHERE e.evtfoid OPERATOR(pg_catalog.=) ANY (ARRAY['concurrency.ddl_command_end()'::pg_catalog.regprocedure,
													  'concurrency.ddl_command_start()'::pg_catalog.regprocedure,
													  'concurrency.sql_drop()'::pg_catalog.regprocedure]::pg_catalog.oid[])
	   AND e.evtenabled OPERATOR(pg_catalog.=) ANY ('{D,R}'::pg_catalog."char"[])
)
SELECT * FROM problems p(schema_name, table_name, problem)
 ORDER BY 1 NULLS FIRST, 2, 3
$$;
COMMENT ON FUNCTION concurrency.verify() IS
'one row per table whose row versioning is not whole (trigger, column and options out of step); no rows on a healthy database';

-- Conflict statistics, where the library is loaded at server start
-- (shared_preload_libraries); elsewhere reading them is an error (55000).
CREATE FUNCTION concurrency.conflict_counts(
	OUT relid pg_catalog.oid,
	OUT rejected pg_catalog.int8,
	OUT skipped pg_catalog.int8,
	OUT warned pg_catalog.int8,
	OUT bypassed pg_catalog.int8,
	OUT not_stated pg_catalog.int8,
	OUT last_conflict pg_catalog.timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'concurrency_conflict_counts'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION concurrency.conflict_counts() IS
'conflict counts of every table of this database that had an event since the last reset; see concurrency.conflicts';
-- the view shows a table to whoever may read it; the function's raw
-- counts (table OIDs and numbers) are no secret either
CREATE VIEW concurrency.conflicts AS
SELECT n.nspname AS schema_name,
	   c.relname AS table_name,
	   s.rejected,
	   s.skipped,
	   s.warned,
	   s.bypassed,
	   s.not_stated,
	   s.last_conflict
  FROM concurrency.conflict_counts() s
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.relid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE pg_catalog.has_any_column_privilege(c.oid, 'SELECT');
COMMENT ON VIEW concurrency.conflicts IS
'per table: writes refused, skipped, warned about, bypassed and not stating a version, since the last reset (needs shared_preload_libraries)';
COMMENT ON COLUMN concurrency.conflicts.schema_name IS 'schema of the table';
COMMENT ON COLUMN concurrency.conflicts.table_name IS 'the table, a partitioned one for the events of its partitions';
COMMENT ON COLUMN concurrency.conflicts.rejected IS 'stale writes refused with 40V01';
COMMENT ON COLUMN concurrency.conflicts.skipped IS 'rows skipped under concurrency.on_conflict = skip';
COMMENT ON COLUMN concurrency.conflicts.warned IS 'stale writes let through under concurrency.on_conflict = warn';
COMMENT ON COLUMN concurrency.conflicts.bypassed IS 'writes by privileged roles with concurrency.enabled = off or concurrency.increment = off';
COMMENT ON COLUMN concurrency.conflicts.not_stated IS 'UPDATEs of strict tables refused with 23V01';
COMMENT ON COLUMN concurrency.conflicts.last_conflict IS 'time of the latest counted event';
GRANT SELECT ON concurrency.conflicts TO PUBLIC;

CREATE FUNCTION concurrency.reset_conflicts(tbl pg_catalog.regclass DEFAULT NULL)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'concurrency_reset_conflicts'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION concurrency.reset_conflicts(pg_catalog.regclass) IS
'forget the conflict counts of a table (its owner), or of every table the caller owns (a superuser: all); returns how many tables had counts';

-- The fast path (where the library is loaded): an UPDATE's plan assigns
-- the version column a call of this function instead of leaving the
-- version to the row trigger.  Called by hand, or anywhere the plan does
-- not stand in for the trigger, it returns the stated version, or else the
-- stored one, and the trigger applies the rules.
CREATE FUNCTION concurrency.next_version(tbl pg_catalog.regclass,
										 stored @extschema@.rowversion,
										 stated pg_catalog.bool,
										 new_version @extschema@.rowversion,
										 row_id pg_catalog.tid)
RETURNS @extschema@.rowversion
AS 'MODULE_PATHNAME', 'concurrency_next_version'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION concurrency.next_version(pg_catalog.regclass, @extschema@.rowversion, pg_catalog.bool, @extschema@.rowversion, pg_catalog.tid) IS
'the version an UPDATE writes, computed in its own plan (concurrency.fast_path); not meant to be called directly';

-- The options table of 1.0 is empty of meaning now (its rows moved above).
-- ALTER EXTENSION ... DROP first: a plain DROP TABLE would leave the table
-- in pg_extension.extconfig, which pg_dump and pg_upgrade carry along.
ALTER EXTENSION concurrency DROP TABLE concurrency.table_options;
DROP TABLE concurrency.table_options;
DROP FUNCTION concurrency.options_changed();
DROP FUNCTION concurrency.options_guard();
