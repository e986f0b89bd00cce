-- catalogue.sql: the objects CREATE EXTENSION concurrency makes, their
-- signatures, comments and privileges.  Everything happens in one
-- transaction that is rolled back.

BEGIN;

CREATE EXTENSION concurrency;

SELECT plan(85);

-- The extension and its control file
SELECT has_extension('public', 'concurrency',
	'extension concurrency is installed in schema public');
SELECT is(extversion, '1.1', 'installed version is 1.1')
  FROM pg_catalog.pg_extension WHERE extname = 'concurrency';
SELECT is(default_version, '1.1', 'control file default_version is 1.1')
  FROM pg_catalog.pg_available_extensions WHERE name = 'concurrency';
SELECT results_eq(
	$$SELECT trusted, superuser, relocatable, schema, requires
		FROM pg_catalog.pg_available_extension_versions
	   WHERE name = 'concurrency' AND version IN ('1.0', '1.1')
	   ORDER BY version$$,
	$$VALUES (true, true, false, NULL::name, NULL::name[]),
			 (true, true, false, NULL::name, NULL::name[])$$,
	'versions 1.0 and 1.1 are trusted, installed as superuser, not relocatable, require nothing');
SELECT results_eq(
	$$SELECT source, target, path
		FROM pg_catalog.pg_extension_update_paths('concurrency')
	   WHERE path IS NOT NULL ORDER BY 1, 2$$,
	$$VALUES ('1.0'::text, '1.1'::text, '1.0--1.1'::text)$$,
	'1.0 updates to 1.1');

-- Schema concurrency holds the API
SELECT has_schema('concurrency', 'schema concurrency exists');
SELECT schema_privs_are('concurrency', 'public', ARRAY['USAGE'],
	'PUBLIC may use schema concurrency but not create in it');

-- The version column type: a plain domain over bigint, default 1
SELECT has_domain('public', 'rowversion', 'domain public.rowversion exists');
SELECT domain_type_is('public', 'rowversion', 'pg_catalog', 'bigint',
	'rowversion is a domain over pg_catalog.bigint');
SELECT is(typdefault, '1', 'rowversion defaults to 1')
  FROM pg_catalog.pg_type WHERE oid = 'public.rowversion'::pg_catalog.regtype;
SELECT is(typnotnull, false, 'rowversion is not declared NOT NULL (that would rewrite tables)')
  FROM pg_catalog.pg_type WHERE oid = 'public.rowversion'::pg_catalog.regtype;
SELECT is_empty(
	$$SELECT conname FROM pg_catalog.pg_constraint
	   WHERE contypid = 'public.rowversion'::pg_catalog.regtype$$,
	'rowversion has no constraints (a CHECK would rewrite tables)');
SELECT is(typtypmod, -1, 'rowversion has no type modifier')
  FROM pg_catalog.pg_type WHERE oid = 'public.rowversion'::pg_catalog.regtype;

-- Functions: exactly these, with these signatures
SELECT functions_are('concurrency',
	ARRAY['enable', 'disable', 'version_trigger', 'options_changed',
		  'options_guard', 'ddl_command_end', 'sql_drop', 'verify'],
	'schema concurrency has exactly the expected functions');

SELECT has_function('concurrency', 'enable',
	ARRAY['regclass', 'name', 'name[]', 'name[]', 'boolean'],
	'concurrency.enable(regclass, name, name[], name[], boolean) exists');
SELECT function_returns('concurrency', 'enable',
	ARRAY['regclass', 'name', 'name[]', 'name[]', 'boolean'], 'void',
	'concurrency.enable() returns void');
SELECT is(pg_catalog.pg_get_function_arguments(
			'concurrency.enable(regclass, name, name[], name[], boolean)'::pg_catalog.regprocedure),
	'tbl regclass, version_column name DEFAULT ''version''::name, '
	'check_columns name[] DEFAULT NULL::name[], '
	'ignore_columns name[] DEFAULT NULL::name[], strict boolean DEFAULT false',
	'concurrency.enable() argument names and defaults');
SELECT is(pronargdefaults, 4::int2, 'concurrency.enable() has 4 defaulted arguments')
  FROM pg_catalog.pg_proc
 WHERE oid = 'concurrency.enable(regclass, name, name[], name[], boolean)'::pg_catalog.regprocedure;

SELECT has_function('concurrency', 'disable', ARRAY['regclass', 'boolean'],
	'concurrency.disable(regclass, boolean) exists');
SELECT function_returns('concurrency', 'disable', ARRAY['regclass', 'boolean'], 'void',
	'concurrency.disable() returns void');
SELECT is(pg_catalog.pg_get_function_arguments(
			'concurrency.disable(regclass, boolean)'::pg_catalog.regprocedure),
	'tbl regclass, drop_column boolean DEFAULT false',
	'concurrency.disable() argument names and defaults');
SELECT is(pronargdefaults, 1::int2, 'concurrency.disable() has 1 defaulted argument')
  FROM pg_catalog.pg_proc
 WHERE oid = 'concurrency.disable(regclass, boolean)'::pg_catalog.regprocedure;

SELECT has_function('concurrency', 'version_trigger', ARRAY[]::name[],
	'concurrency.version_trigger() exists');
SELECT function_returns('concurrency', 'version_trigger', ARRAY[]::name[], 'trigger',
	'concurrency.version_trigger() returns trigger');
SELECT has_function('concurrency', 'options_changed', ARRAY[]::name[],
	'concurrency.options_changed() exists');
SELECT function_returns('concurrency', 'options_changed', ARRAY[]::name[], 'trigger',
	'concurrency.options_changed() returns trigger');
SELECT has_function('concurrency', 'options_guard', ARRAY[]::name[],
	'concurrency.options_guard() exists');
SELECT function_returns('concurrency', 'options_guard', ARRAY[]::name[], 'trigger',
	'concurrency.options_guard() returns trigger');
SELECT has_function('concurrency', 'ddl_command_end', ARRAY[]::name[],
	'concurrency.ddl_command_end() exists');
SELECT function_returns('concurrency', 'ddl_command_end', ARRAY[]::name[], 'event_trigger',
	'concurrency.ddl_command_end() returns event_trigger');
SELECT has_function('concurrency', 'sql_drop', ARRAY[]::name[],
	'concurrency.sql_drop() exists');
SELECT function_returns('concurrency', 'sql_drop', ARRAY[]::name[], 'event_trigger',
	'concurrency.sql_drop() returns event_trigger');
SELECT has_function('concurrency', 'verify', ARRAY[]::name[],
	'concurrency.verify() exists');
SELECT is(pg_catalog.pg_get_function_result('concurrency.verify()'::pg_catalog.regprocedure),
	'TABLE(schema_name name, table_name name, problem text)',
	'concurrency.verify() returns (schema_name, table_name, problem)');
SELECT results_eq(
	$$SELECT l.lanname::text COLLATE "default", p.provolatile::text COLLATE "default", p.prosecdef, p.proconfig COLLATE "default"
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_language l ON l.oid = p.prolang
	   WHERE p.oid = 'concurrency.verify()'::pg_catalog.regprocedure$$,
	$$VALUES ('sql'::text, 's'::text, false, ARRAY['search_path=pg_catalog, pg_temp']::text[])$$,
	'concurrency.verify() is a stable SQL function, not SECURITY DEFINER, with a pinned search_path');

SELECT results_eq(
	$$SELECT p.proname::text COLLATE "default", l.lanname::text COLLATE "default",
			 p.prosrc COLLATE "default", p.probin COLLATE "default", p.prosecdef,
			 p.proconfig IS NULL
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_language l ON l.oid = p.prolang
	   WHERE p.pronamespace = 'concurrency'::pg_catalog.regnamespace
		 AND p.proname <> 'verify'
	   ORDER BY p.proname$$,
	$$VALUES ('ddl_command_end', 'c', 'concurrency_ddl_command_end', '$libdir/concurrency', false, true),
			 ('disable', 'c', 'concurrency_disable', '$libdir/concurrency', false, true),
			 ('enable', 'c', 'concurrency_enable', '$libdir/concurrency', false, true),
			 ('options_changed', 'c', 'concurrency_options_changed', '$libdir/concurrency', false, true),
			 ('options_guard', 'c', 'concurrency_options_guard', '$libdir/concurrency', false, true),
			 ('sql_drop', 'c', 'concurrency_sql_drop', '$libdir/concurrency', false, true),
			 ('version_trigger', 'c', 'concurrency_version_trigger', '$libdir/concurrency', false, true)$$,
	'every function but verify() is C in $libdir/concurrency, none is SECURITY DEFINER');

-- View concurrency.tables: exact columns, in order, with their types
SELECT has_view('concurrency', 'tables', 'view concurrency.tables exists');
SELECT results_eq(
	$$SELECT a.attname::text COLLATE "default", pg_catalog.format_type(a.atttypid, a.atttypmod)
		FROM pg_catalog.pg_attribute a
	   WHERE a.attrelid = 'concurrency.tables'::pg_catalog.regclass
		 AND a.attnum > 0 AND NOT a.attisdropped
	   ORDER BY a.attnum$$,
	$$VALUES ('schema_name', 'name'),
			 ('table_name', 'name'),
			 ('version_column', 'name'),
			 ('check_columns', 'name[]'),
			 ('ignore_columns', 'name[]'),
			 ('strict', 'boolean'),
			 ('active', 'boolean')$$,
	'concurrency.tables has the documented columns, in order, with their types');
SELECT is_empty('SELECT * FROM concurrency.tables',
	'concurrency.tables is empty before any table is versioned');

-- Table concurrency.table_options
SELECT has_table('concurrency', 'table_options', 'table concurrency.table_options exists');
SELECT columns_are('concurrency', 'table_options',
	ARRAY['relid', 'check_columns', 'ignore_columns', 'strict', 'active'],
	'concurrency.table_options has exactly the expected columns');
SELECT col_type_is('concurrency', 'table_options', 'relid', 'pg_catalog', 'regclass',
	'table_options.relid is regclass');
SELECT col_type_is('concurrency', 'table_options', 'check_columns', 'pg_catalog', 'name[]',
	'table_options.check_columns is name[]');
SELECT col_type_is('concurrency', 'table_options', 'ignore_columns', 'pg_catalog', 'name[]',
	'table_options.ignore_columns is name[]');
SELECT col_type_is('concurrency', 'table_options', 'strict', 'pg_catalog', 'boolean',
	'table_options.strict is boolean');
SELECT col_type_is('concurrency', 'table_options', 'active', 'pg_catalog', 'boolean',
	'table_options.active is boolean');
SELECT col_is_pk('concurrency', 'table_options', 'relid',
	'table_options.relid is the primary key');
SELECT col_not_null('concurrency', 'table_options', 'strict', 'table_options.strict is NOT NULL');
SELECT col_not_null('concurrency', 'table_options', 'active', 'table_options.active is NOT NULL');
SELECT col_is_null('concurrency', 'table_options', 'check_columns',
	'table_options.check_columns allows NULL');
SELECT col_is_null('concurrency', 'table_options', 'ignore_columns',
	'table_options.ignore_columns allows NULL');
SELECT col_default_is('concurrency', 'table_options', 'strict', 'false',
	'table_options.strict defaults to false');
SELECT col_default_is('concurrency', 'table_options', 'active', 'true',
	'table_options.active defaults to true');
SELECT throws_ok(
	$$INSERT INTO concurrency.table_options (relid, check_columns, ignore_columns)
	  VALUES ('pg_catalog.pg_class', '{relname}', '{relkind}')$$,
	'23514', NULL,
	'table_options refuses both check_columns and ignore_columns');
SELECT ok(
	'concurrency.table_options'::pg_catalog.regclass = ANY (extconfig),
	'table_options is registered with pg_extension_config_dump')
  FROM pg_catalog.pg_extension WHERE extname = 'concurrency';
SELECT has_trigger('concurrency', 'table_options', 'table_options_changed',
	'table_options has its invalidation trigger');
SELECT trigger_is('concurrency', 'table_options', 'table_options_changed',
	'concurrency', 'options_changed',
	'table_options_changed calls concurrency.options_changed()');
SELECT has_trigger('concurrency', 'table_options', 'table_options_guard',
	'table_options has its ownership guard');
SELECT trigger_is('concurrency', 'table_options', 'table_options_guard',
	'concurrency', 'options_guard',
	'table_options_guard calls concurrency.options_guard()');
SELECT results_eq(
	$$SELECT tgname::text COLLATE "default", tgtype::int, tgenabled::text, tgisinternal
		FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'concurrency.table_options'::pg_catalog.regclass
	   ORDER BY tgname$$,
	-- changed: 1 ROW + 4 INSERT + 8 DELETE + 16 UPDATE, AFTER (no BEFORE bit);
	-- guard: 1 ROW + 2 BEFORE + 4 INSERT + 16 UPDATE;
	-- truncated: 32 TRUNCATE, statement level, AFTER
	$$VALUES ('table_options_changed', 29, 'O', false),
			 ('table_options_guard', 23, 'O', false),
			 ('table_options_truncated', 32, 'O', false)$$,
	'table_options has exactly its two row triggers and its TRUNCATE trigger, all enabled');

-- Event triggers
SELECT results_eq(
	$$SELECT evtname::text COLLATE "default", evtevent::text COLLATE "default",
			 evtfoid::pg_catalog.regprocedure::text, evtenabled::text,
			 evttags COLLATE "default"
		FROM pg_catalog.pg_event_trigger
	   WHERE evtname LIKE 'concurrency%'
	   ORDER BY evtname$$,
	$$VALUES ('concurrency_ddl_command_end', 'ddl_command_end',
			  'concurrency.ddl_command_end()', 'A', NULL::text[]),
			 ('concurrency_sql_drop', 'sql_drop', 'concurrency.sql_drop()', 'A',
			  NULL::text[])$$,
	'event triggers concurrency_ddl_command_end and concurrency_sql_drop, enabled always, for every command');

-- Members of the extension: exactly these
SELECT set_eq(
	$$SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
		FROM pg_catalog.pg_depend d
	   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		 AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension
							WHERE extname = 'concurrency')
		 AND d.deptype = 'e'$$,
	ARRAY['event trigger concurrency_ddl_command_end',
		  'event trigger concurrency_sql_drop',
		  'function concurrency.ddl_command_end()',
		  'function concurrency.disable(regclass,boolean)',
		  'function concurrency.enable(regclass,name,name[],name[],boolean)',
		  'function concurrency.options_changed()',
		  'function concurrency.options_guard()',
		  'function concurrency.sql_drop()',
		  'function concurrency.verify()',
		  'function concurrency.version_trigger()',
		  'schema concurrency',
		  'table concurrency.table_options',
		  'type rowversion',
		  'view concurrency.tables'],
	'the extension has exactly the expected member objects');

-- Every object has a comment
SELECT is_empty(
	$$SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
		FROM pg_catalog.pg_depend d
	   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		 AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension
							WHERE extname = 'concurrency')
		 AND d.deptype = 'e'
		 AND pg_catalog.obj_description(d.objid, d.classid::pg_catalog.regclass::pg_catalog.name)
			 IS NULL$$,
	'every member of the extension has a comment');
SELECT is_empty(
	$$SELECT a.attrelid::pg_catalog.regclass::text || '.' || a.attname
		FROM pg_catalog.pg_depend d
		JOIN pg_catalog.pg_attribute a ON a.attrelid = d.objid
	   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		 AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension
							WHERE extname = 'concurrency')
		 AND d.deptype = 'e'
		 AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
		 AND a.attnum > 0 AND NOT a.attisdropped
		 AND pg_catalog.col_description(a.attrelid, a.attnum) IS NULL$$,
	'every column of the extension''s table and view has a comment');
SELECT is_empty(
	$$SELECT tgname FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'concurrency.table_options'::pg_catalog.regclass
		 AND pg_catalog.obj_description(oid, 'pg_trigger') IS NULL$$,
	'the triggers on table_options have comments');
SELECT isnt(pg_catalog.obj_description(
		(SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'concurrency'),
		'pg_extension'), NULL,
	'the extension has a comment (from its control file)');

-- Privileges
SELECT function_privs_are('concurrency', 'enable',
	ARRAY['regclass', 'name', 'name[]', 'name[]', 'boolean'], 'public', ARRAY['EXECUTE'],
	'PUBLIC may execute concurrency.enable()');
SELECT function_privs_are('concurrency', 'disable',
	ARRAY['regclass', 'boolean'], 'public', ARRAY['EXECUTE'],
	'PUBLIC may execute concurrency.disable()');
SELECT table_privs_are('concurrency', 'tables', 'public', ARRAY['SELECT'],
	'PUBLIC may only SELECT from concurrency.tables');
-- PUBLIC may read the options (as the view shows them) and insert those of
-- its own tables (the guard trigger checks), so that a database owner who
-- is not a superuser can dump and restore; it may not change or remove
-- them other than through enable() and disable().
SELECT table_privs_are('concurrency', 'table_options', 'public', ARRAY['INSERT', 'SELECT'],
	'PUBLIC may only SELECT from and INSERT into concurrency.table_options');
SELECT is_empty(
	$$SELECT a.attname FROM pg_catalog.pg_attribute a
	   WHERE a.attrelid = 'concurrency.table_options'::pg_catalog.regclass
		 AND a.attacl IS NOT NULL$$,
	'no column privilege is granted on concurrency.table_options');
SELECT ok(pg_catalog.has_type_privilege('public', 'public.rowversion', 'USAGE'),
	'PUBLIC may use type rowversion');

-- Settings, once the module is loaded
LOAD '$libdir/concurrency';
SELECT results_eq(
	$$SELECT name::text, setting, vartype, context, enumvals, boot_val
		FROM pg_catalog.pg_settings
	   WHERE name LIKE 'concurrency.%'
	   ORDER BY name$$,
	$$VALUES ('concurrency.enabled', 'on', 'bool', 'user', NULL::text[], 'on'),
			 ('concurrency.increment', 'on', 'bool', 'user', NULL, 'on'),
			 ('concurrency.on_conflict', 'error', 'enum', 'user',
			  ARRAY['error', 'skip', 'warn'], 'error')$$,
	'the three concurrency.* settings, user-settable, with their defaults');
SELECT throws_ok($$SET concurrency.enable = off$$, '42602', NULL,
	'a misspelled concurrency.* setting is refused once the module is loaded');

-- End to end, briefly: the catalogue above is the one that works
CREATE TABLE public.catalogue_probe (id int PRIMARY KEY, note text);
ALTER TABLE public.catalogue_probe ADD COLUMN version public.rowversion;
SELECT results_eq(
	$$SELECT schema_name::text COLLATE "default", table_name::text COLLATE "default",
			 version_column::text COLLATE "default", check_columns, ignore_columns, strict, active
		FROM concurrency.tables$$,
	$$VALUES ('public', 'catalogue_probe', 'version', NULL::name[], NULL::name[], false, true)$$,
	'adding a rowversion column lists the table in concurrency.tables');
SELECT results_eq(
	$$SELECT tgname ~ '^!concurrency_version_[0-9]+$', tgisinternal,
			 tgfoid = 'concurrency.version_trigger()'::pg_catalog.regprocedure, tgtype::int
		FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'public.catalogue_probe'::pg_catalog.regclass$$,
	-- 1 ROW + 2 BEFORE + 4 INSERT + 16 UPDATE
	$$VALUES (true, true, true, 23)$$,
	'the table has one internal BEFORE INSERT OR UPDATE row trigger');
INSERT INTO public.catalogue_probe (id, note) VALUES (1, 'a');
SELECT results_eq(
	$$UPDATE public.catalogue_probe SET note = 'b', version = 1 WHERE id = 1 RETURNING version::bigint$$,
	$$VALUES (2::bigint)$$,
	'an echo of the current version moves it forward');
SELECT throws_ok(
	$$UPDATE public.catalogue_probe SET note = 'c', version = 1 WHERE id = 1$$,
	'40V01', 'row in "public.catalogue_probe" was modified by another transaction',
	'a stale write is rejected with 40V01');
SELECT lives_ok(
	$$SELECT concurrency.enable('public.catalogue_probe', ignore_columns => '{note}')$$,
	'enable() takes named arguments');
SELECT results_eq(
	$$SELECT ignore_columns, strict, active FROM concurrency.tables
	   WHERE table_name = 'catalogue_probe'$$,
	$$VALUES ('{note}'::name[], false, true)$$,
	'enable() records its options');
SELECT lives_ok($$SELECT concurrency.disable('public.catalogue_probe')$$,
	'disable() with its default');
SELECT results_eq(
	$$SELECT version_column::text COLLATE "default", active FROM concurrency.tables
	   WHERE table_name = 'catalogue_probe'$$,
	$$VALUES ('version', false)$$,
	'disable() keeps the column and marks the table inactive');
SELECT lives_ok($$SELECT concurrency.disable('public.catalogue_probe', drop_column => true)$$,
	'disable(drop_column => true)');
SELECT hasnt_column('public', 'catalogue_probe', 'version',
	'disable(drop_column => true) drops the version column');
SELECT is_empty(
	$$SELECT 1 FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'public.catalogue_probe'::pg_catalog.regclass$$,
	'dropping the version column detaches the row trigger');

SELECT * FROM finish();
ROLLBACK;
