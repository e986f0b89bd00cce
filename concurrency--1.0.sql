/* concurrency--1.0.sql: the objects of row versioning, version 1.0 */

\echo Use "CREATE EXTENSION concurrency" to load this file. \quit

/*
 * Every reference below is schema-qualified: the script runs as the
 * bootstrap superuser when a database owner installs this trusted
 * extension, so nothing may resolve through the installer's search_path.
 */

-- The version column type.  A plain domain over bigint: clients see an
-- int8 with no type registration.  No NOT NULL or CHECK here, because a
-- domain constraint makes ADD COLUMN rewrite the table; the row trigger
-- enforces the positive / not-null rule instead.  The constant default is
-- stored as the column's missing value, so existing rows read as 1.
CREATE DOMAIN @extschema@.rowversion AS pg_catalog.int8 DEFAULT 1;
COMMENT ON DOMAIN @extschema@.rowversion IS
'row version for optimistic locking: a table with a column of this type rejects stale writes';

CREATE SCHEMA concurrency;
COMMENT ON SCHEMA concurrency IS 'row versioning: functions, options and views of the concurrency extension';
GRANT USAGE ON SCHEMA concurrency TO PUBLIC;

-- Per-table options.  A versioned table without a row here has the
-- defaults.  A partition without a row takes the options of its nearest
-- ancestor that has one.  pg_dump carries the rows (not those of
-- temporary tables, which do not outlive their session).
CREATE TABLE concurrency.table_options (
	relid			pg_catalog.regclass PRIMARY KEY,
	check_columns	pg_catalog.name[],
	ignore_columns	pg_catalog.name[],
	strict			pg_catalog.bool NOT NULL DEFAULT false,
	active			pg_catalog.bool NOT NULL DEFAULT true,
	CONSTRAINT table_options_one_column_list
		CHECK (check_columns IS NULL OR ignore_columns IS NULL)
);
COMMENT ON TABLE concurrency.table_options IS
'options of versioned tables; change them with concurrency.enable() and concurrency.disable()';
-- Readable by all, as the view is; anyone may insert the options of a
-- table they own (checked by a trigger below), so that a database owner who
-- is not a superuser can dump and restore.  Changes go through enable() and
-- disable().
REVOKE ALL ON concurrency.table_options FROM PUBLIC;
GRANT SELECT, INSERT ON concurrency.table_options TO PUBLIC;
-- The dump carries the options of versioned tables only: not those of a
-- temporary table, which does not outlive its session while its row may,
-- its OID passing to some other relation.
SELECT pg_catalog.pg_extension_config_dump('concurrency.table_options',
	'WHERE EXISTS (SELECT FROM pg_catalog.pg_class c'
	' JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid'
	' WHERE c.oid OPERATOR(pg_catalog.=) relid'
	' AND c.relkind OPERATOR(pg_catalog.=) ANY (''{r,p}''::pg_catalog."char"[])'
	' AND c.relpersistence OPERATOR(pg_catalog.<>) ''t'''
	' AND a.atttypid OPERATOR(pg_catalog.=) ''@extschema@.rowversion''::pg_catalog.regtype'
	' AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)');

-- The row trigger.  The extension attaches it, as an internal trigger, to
-- every table that has a rowversion column; it is not meant for CREATE
-- TRIGGER.
CREATE FUNCTION concurrency.version_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'concurrency_version_trigger'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.version_trigger() IS
'BEFORE INSERT OR UPDATE row trigger that enforces row versions; attached by the extension';

-- Any change to the options invalidates the cached options of the table
-- (and of its partitions and inheritance children) in every session.
CREATE FUNCTION concurrency.options_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'concurrency_options_changed'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.options_changed() IS
'AFTER row trigger on concurrency.table_options that invalidates cached table options';

CREATE FUNCTION concurrency.options_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'concurrency_options_guard'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.options_guard() IS
'BEFORE row trigger on concurrency.table_options: only a table''s owner may set its options';

CREATE TRIGGER table_options_guard
	BEFORE INSERT OR UPDATE ON concurrency.table_options
	FOR EACH ROW EXECUTE FUNCTION concurrency.options_guard();

CREATE TRIGGER table_options_changed
	AFTER INSERT OR UPDATE OR DELETE ON concurrency.table_options
	FOR EACH ROW EXECUTE FUNCTION concurrency.options_changed();

CREATE TRIGGER table_options_truncated
	AFTER TRUNCATE ON concurrency.table_options
	FOR EACH STATEMENT EXECUTE FUNCTION concurrency.options_changed();

CREATE FUNCTION concurrency.enable(
	tbl pg_catalog.regclass,
	version_column pg_catalog.name DEFAULT 'version',
	check_columns pg_catalog.name[] DEFAULT NULL,
	ignore_columns pg_catalog.name[] DEFAULT NULL,
	strict pg_catalog.bool DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'concurrency_enable'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.enable(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.name[], pg_catalog.bool) IS
'add the version column if missing and turn row versioning on, or change the options of a versioned table';

CREATE FUNCTION concurrency.disable(
	tbl pg_catalog.regclass,
	drop_column pg_catalog.bool DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'concurrency_disable'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.disable(pg_catalog.regclass, pg_catalog.bool) IS
'turn row versioning off; keeps the version column unless drop_column is true';

CREATE VIEW concurrency.tables AS
SELECT n.nspname AS schema_name,
	   c.relname AS table_name,
	   a.attname AS version_column,
	   o.check_columns,
	   o.ignore_columns,
	   COALESCE(o.strict, false) AS strict,
	   COALESCE(o.active, true) AS active
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_attribute a
	ON a.attrelid OPERATOR(pg_catalog.=) c.oid
   AND a.atttypid OPERATOR(pg_catalog.=) '@extschema@.rowversion'::pg_catalog.regtype
   AND a.attnum OPERATOR(pg_catalog.>) 0
   AND NOT a.attisdropped
  LEFT JOIN LATERAL (
	SELECT t.check_columns, t.ignore_columns, t.strict, t.active
	  FROM (SELECT c.oid::pg_catalog.regclass AS relid, 0::pg_catalog.int8 AS depth
			UNION ALL
			SELECT p.relid, p.depth
			  FROM pg_catalog.pg_partition_ancestors(c.oid) WITH ORDINALITY AS p(relid, depth)) AS anc
	  JOIN concurrency.table_options t ON t.relid OPERATOR(pg_catalog.=) anc.relid
	 ORDER BY anc.depth
	 LIMIT 1) o ON true
 WHERE c.relkind IN ('r', 'p');
COMMENT ON VIEW concurrency.tables IS
'one row per table that has a version column, with its row-versioning options';
GRANT SELECT ON concurrency.tables TO PUBLIC;

-- The DDL path: a rowversion column appearing in CREATE TABLE (LIKE,
-- PARTITION OF, AS) or ALTER TABLE attaches the row trigger; its removal
-- detaches it.
CREATE FUNCTION concurrency.ddl_command_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'concurrency_ddl_command_end'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.ddl_command_end() IS
'event trigger: attach or detach row versioning after CREATE TABLE and ALTER TABLE';

CREATE FUNCTION concurrency.sql_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'concurrency_sql_drop'
LANGUAGE C;
COMMENT ON FUNCTION concurrency.sql_drop() IS
'event trigger: forget the options of dropped tables; keep the version trigger of a versioned table';

CREATE EVENT TRIGGER concurrency_ddl_command_end ON ddl_command_end
	WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO',
				 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE')
	EXECUTE FUNCTION concurrency.ddl_command_end();

CREATE EVENT TRIGGER concurrency_sql_drop ON sql_drop
	WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED', 'DROP FOREIGN TABLE',
				 'DROP TRIGGER')
	EXECUTE FUNCTION concurrency.sql_drop();

COMMENT ON COLUMN concurrency.table_options.relid IS 'the versioned table (a partitioned table''s options apply to its partitions that have none)';
COMMENT ON COLUMN concurrency.table_options.check_columns IS 'only changes to these columns move the version (NULL: every change)';
COMMENT ON COLUMN concurrency.table_options.ignore_columns IS 'changes to these columns alone do not move the version (NULL: none ignored)';
COMMENT ON COLUMN concurrency.table_options.strict IS 'every UPDATE must state the version it is based on';
COMMENT ON COLUMN concurrency.table_options.active IS 'false after concurrency.disable(): nothing is checked or moved';
COMMENT ON TRIGGER table_options_guard ON concurrency.table_options IS 'only a table''s owner may set its options, and only to what enable() accepts';
COMMENT ON TRIGGER table_options_changed ON concurrency.table_options IS 'invalidate the cached options of the table and its partitions';
COMMENT ON TRIGGER table_options_truncated ON concurrency.table_options IS 'invalidate every cached option after TRUNCATE';

COMMENT ON COLUMN concurrency.tables.schema_name IS 'schema of the versioned table';
COMMENT ON COLUMN concurrency.tables.table_name IS 'the versioned table';
COMMENT ON COLUMN concurrency.tables.version_column IS 'its rowversion column';
COMMENT ON COLUMN concurrency.tables.check_columns IS 'only changes to these columns move the version (NULL: every change)';
COMMENT ON COLUMN concurrency.tables.ignore_columns IS 'changes to these columns alone do not move the version (NULL: none ignored)';
COMMENT ON COLUMN concurrency.tables.strict IS 'every UPDATE must state the version it is based on';
COMMENT ON COLUMN concurrency.tables.active IS 'false after concurrency.disable()';

COMMENT ON EVENT TRIGGER concurrency_ddl_command_end IS 'attach or detach row versioning after CREATE TABLE and ALTER TABLE';
COMMENT ON EVENT TRIGGER concurrency_sql_drop IS 'forget the options of dropped tables; keep the version trigger of a versioned table';
