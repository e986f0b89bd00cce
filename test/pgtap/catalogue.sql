-- catalogue.sql: the objects CREATE EXTENSION concurrency makes (version
-- 1.1: the install script of 1.0, then the update to 1.1), their
-- signatures, comments and privileges.  Everything happens in one
-- transaction that is rolled back.

BEGIN;

CREATE EXTENSION concurrency;

SELECT plan(93);

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
-- 1.0 registered its options table with pg_extension_config_dump; 1.1 has
-- no such table, so nothing may be left for pg_dump or pg_upgrade to carry
SELECT results_eq(
	$$SELECT extconfig IS NULL, extcondition IS NULL
		FROM pg_catalog.pg_extension WHERE extname = 'concurrency'$$,
	$$VALUES (true, true)$$,
	'the extension has no configuration table: extconfig and extcondition are NULL');

-- Schema concurrency holds the API
SELECT has_schema('concurrency', 'schema concurrency exists');
SELECT schema_privs_are('concurrency', 'public', ARRAY['USAGE'],
	'PUBLIC may use schema concurrency but not create in it');
SELECT results_eq(
	$$SELECT relname::text COLLATE "default", relkind::text
		FROM pg_catalog.pg_class
	   WHERE relnamespace = 'concurrency'::pg_catalog.regnamespace
	   ORDER BY relname$$,
	$$VALUES ('conflicts', 'v'), ('tables', 'v')$$,
	'schema concurrency holds two relations, the views conflicts and tables: no table, sequence or index');
SELECT hasnt_table('concurrency', 'table_options',
	'the options table of 1.0, concurrency.table_options, is gone');

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
	ARRAY['enable', 'disable', 'version_trigger', 'options', 'options_of',
		  'ddl_command_start', 'ddl_command_end', 'sql_drop', 'verify',
		  'conflict_counts', 'reset_conflicts', 'next_version'],
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
SELECT hasnt_function('concurrency', 'options_changed',
	'the 1.0 trigger function concurrency.options_changed() is gone');
SELECT hasnt_function('concurrency', 'options_guard',
	'the 1.0 trigger function concurrency.options_guard() is gone');

SELECT has_function('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'],
	'concurrency.options(rowversion, name[], name[], boolean, boolean) exists');
SELECT function_returns('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'], 'rowversion',
	'concurrency.options() returns rowversion');
SELECT is(pg_catalog.pg_get_function_arguments(
			'concurrency.options(public.rowversion, name[], name[], boolean, boolean)'::pg_catalog.regprocedure),
	'start rowversion DEFAULT 1, check_columns name[] DEFAULT NULL::name[], '
	'ignore_columns name[] DEFAULT NULL::name[], strict boolean DEFAULT false, '
	'active boolean DEFAULT true',
	'concurrency.options() argument names and defaults');
SELECT is(pronargdefaults, 5::int2, 'concurrency.options() has 5 defaulted arguments')
  FROM pg_catalog.pg_proc
 WHERE oid = 'concurrency.options(public.rowversion, name[], name[], boolean, boolean)'::pg_catalog.regprocedure;
SELECT function_lang_is('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'], 'sql',
	'concurrency.options() is an SQL function');
SELECT volatility_is('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'], 'immutable',
	'concurrency.options() is IMMUTABLE (folded to a constant: see the ADD COLUMN below)');
SELECT isnt_strict('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'],
	'concurrency.options() is not STRICT');
SELECT results_eq(
	$$SELECT concurrency.options()::bigint, concurrency.options(5)::bigint,
			 concurrency.options(7, '{a}', NULL, true, false)::bigint,
			 concurrency.options(start => 9, active => false)::bigint,
			 concurrency.options(NULL)::bigint IS NULL,
			 pg_catalog.pg_typeof(concurrency.options())::text$$,
	$$VALUES (1::bigint, 5::bigint, 7::bigint, 9::bigint, true, 'rowversion'::text)$$,
	'concurrency.options() returns its start argument (1 when omitted), as a rowversion');

SELECT has_function('concurrency', 'options_of', ARRAY['regclass'],
	'concurrency.options_of(regclass) exists');
SELECT function_returns('concurrency', 'options_of', ARRAY['regclass'], 'record',
	'concurrency.options_of() returns record');
SELECT is(pg_catalog.pg_get_function_arguments(
			'concurrency.options_of(regclass)'::pg_catalog.regprocedure),
	'tbl regclass, OUT check_columns name[], OUT ignore_columns name[], '
	'OUT strict boolean, OUT active boolean',
	'concurrency.options_of() argument and OUT parameter names');
SELECT function_lang_is('concurrency', 'options_of', ARRAY['regclass'], 'c',
	'concurrency.options_of() is a C function');
SELECT volatility_is('concurrency', 'options_of', ARRAY['regclass'], 'stable',
	'concurrency.options_of() is STABLE');
SELECT is_strict('concurrency', 'options_of', ARRAY['regclass'],
	'concurrency.options_of() is STRICT');
SELECT results_eq(
	$$SELECT check_columns, ignore_columns, strict, active
		FROM concurrency.options_of('pg_catalog.pg_class')$$,
	$$VALUES (NULL::name[], NULL::name[], false, true)$$,
	'concurrency.options_of() of a table without options gives the defaults');
SELECT results_eq(
	$$SELECT check_columns, ignore_columns, strict, active
		FROM concurrency.options_of(0)$$,
	$$VALUES (NULL::name[], NULL::name[], NULL::boolean, NULL::boolean)$$,
	'concurrency.options_of() of a relation that does not exist is NULL');
SELECT has_function('concurrency', 'ddl_command_end', ARRAY[]::name[],
	'concurrency.ddl_command_end() exists');
SELECT function_returns('concurrency', 'ddl_command_end', ARRAY[]::name[], 'event_trigger',
	'concurrency.ddl_command_end() returns event_trigger');
SELECT has_function('concurrency', 'ddl_command_start', ARRAY[]::name[],
	'concurrency.ddl_command_start() exists');
SELECT function_returns('concurrency', 'ddl_command_start', ARRAY[]::name[], 'event_trigger',
	'concurrency.ddl_command_start() returns event_trigger');
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

-- Every function, exactly: arguments, language, volatility, strictness,
-- parallel safety, SECURITY DEFINER, set-returning, library and symbol (the
-- body for options(); verify() is checked above), settings
SELECT results_eq(
	$$SELECT p.proname::text COLLATE "default",
			 pg_catalog.pg_get_function_identity_arguments(p.oid) COLLATE "default",
			 l.lanname::text COLLATE "default", p.provolatile::text, p.proisstrict,
			 p.proparallel::text, p.prosecdef, p.proretset,
			 p.probin COLLATE "default",
			 CASE WHEN p.proname <> 'verify' THEN p.prosrc END COLLATE "default",
			 p.proconfig COLLATE "default"
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_language l ON l.oid = p.prolang
	   WHERE p.pronamespace = 'concurrency'::pg_catalog.regnamespace
	   ORDER BY p.proname$$,
	$$VALUES ('conflict_counts', 'OUT relid oid, OUT rejected bigint, OUT skipped bigint, OUT warned bigint, OUT bypassed bigint, OUT not_stated bigint, OUT last_conflict timestamp with time zone',
			  'c', 'v', true, 'u', false, true,
			  '$libdir/concurrency', 'concurrency_conflict_counts', NULL::text[]),
			 ('ddl_command_end', '', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_ddl_command_end', NULL),
			 ('ddl_command_start', '', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_ddl_command_start', NULL),
			 ('disable', 'tbl regclass, drop_column boolean', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_disable', NULL),
			 ('enable', 'tbl regclass, version_column name, check_columns name[], ignore_columns name[], strict boolean',
			  'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_enable', NULL),
			 ('next_version', 'tbl regclass, stored rowversion, stated boolean, new_version rowversion, row_id tid',
			  'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_next_version', NULL),
			 ('options', 'start rowversion, check_columns name[], ignore_columns name[], strict boolean, active boolean',
			  'sql', 'i', false, 's', false, false,
			  NULL, 'SELECT $1', NULL),
			 ('options_of', 'tbl regclass, OUT check_columns name[], OUT ignore_columns name[], OUT strict boolean, OUT active boolean',
			  'c', 's', true, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_options_of', NULL),
			 ('reset_conflicts', 'tbl regclass', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_reset_conflicts', NULL),
			 ('sql_drop', '', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_sql_drop', NULL),
			 ('verify', '', 'sql', 's', false, 'u', false, true,
			  NULL, NULL, ARRAY['search_path=pg_catalog, pg_temp']),
			 ('version_trigger', '', 'c', 'v', false, 'u', false, false,
			  '$libdir/concurrency', 'concurrency_version_trigger', NULL)$$,
	'every function of schema concurrency: language, volatility, strictness, parallel safety, symbol; none is SECURITY DEFINER');

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
			 ('concurrency_ddl_command_start', 'ddl_command_start',
			  'concurrency.ddl_command_start()', 'A', ARRAY['ALTER TABLE']),
			 ('concurrency_sql_drop', 'sql_drop', 'concurrency.sql_drop()', 'A',
			  NULL::text[])$$,
	'event triggers concurrency_ddl_command_end and concurrency_sql_drop for every command, concurrency_ddl_command_start for ALTER TABLE, all ENABLE ALWAYS');
SELECT is_empty(
	$$SELECT evtname FROM pg_catalog.pg_event_trigger
	   WHERE evtfoid IN (SELECT oid FROM pg_catalog.pg_proc
						  WHERE pronamespace = 'concurrency'::pg_catalog.regnamespace)
		 AND evtname NOT LIKE 'concurrency%'$$,
	'no other event trigger calls a function of the extension');

-- Members of the extension: exactly these
SELECT set_eq(
	$$SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
		FROM pg_catalog.pg_depend d
	   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		 AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension
							WHERE extname = 'concurrency')
		 AND d.deptype = 'e'$$,
	ARRAY['event trigger concurrency_ddl_command_end',
		  'event trigger concurrency_ddl_command_start',
		  'event trigger concurrency_sql_drop',
		  'function concurrency.conflict_counts()',
		  'function concurrency.ddl_command_end()',
		  'function concurrency.ddl_command_start()',
		  'function concurrency.disable(regclass,boolean)',
		  'function concurrency.enable(regclass,name,name[],name[],boolean)',
		  'function concurrency.next_version(regclass,rowversion,boolean,rowversion,tid)',
		  'function concurrency.options(rowversion,name[],name[],boolean,boolean)',
		  'function concurrency.options_of(regclass)',
		  'function concurrency.reset_conflicts(regclass)',
		  'function concurrency.sql_drop()',
		  'function concurrency.verify()',
		  'function concurrency.version_trigger()',
		  'schema concurrency',
		  'type rowversion',
		  'view concurrency.conflicts',
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
	'every column of the extension''s view has a comment');
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
-- Anyone may write concurrency.options() into a column default of a table
-- it owns (a restore by a database owner does) and read the options.
SELECT function_privs_are('concurrency', 'options',
	ARRAY['rowversion', 'name[]', 'name[]', 'boolean', 'boolean'], 'public', ARRAY['EXECUTE'],
	'PUBLIC may execute concurrency.options()');
SELECT function_privs_are('concurrency', 'options_of',
	ARRAY['regclass'], 'public', ARRAY['EXECUTE'],
	'PUBLIC may execute concurrency.options_of()');
SELECT function_privs_are('concurrency', 'next_version',
	ARRAY['regclass', 'rowversion', 'boolean', 'rowversion', 'tid'], 'public', ARRAY['EXECUTE'],
	'PUBLIC may execute concurrency.next_version(), which the plans of its UPDATEs call');
SELECT table_privs_are('concurrency', 'tables', 'public', ARRAY['SELECT'],
	'PUBLIC may only SELECT from concurrency.tables');
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
			 ('concurrency.fast_path', 'on', 'bool', 'user', NULL, 'on'),
			 ('concurrency.increment', 'on', 'bool', 'user', NULL, 'on'),
			 ('concurrency.on_conflict', 'error', 'enum', 'user',
			  ARRAY['error', 'skip', 'warn'], 'error')$$,
	'the four concurrency.* settings, user-settable, with their defaults');
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
SELECT col_default_is('public', 'catalogue_probe', 'version',
	$$concurrency.options(ignore_columns => '{note}'::name[])$$,
	'enable() writes the options into the default of the version column');
SELECT results_eq(
	$$SELECT check_columns, ignore_columns, strict, active
		FROM concurrency.options_of('public.catalogue_probe')$$,
	$$VALUES (NULL::name[], '{note}'::name[], false, true)$$,
	'concurrency.options_of() reads them back');
SELECT throws_ok(
	$$ALTER TABLE public.catalogue_probe ALTER COLUMN version SET DEFAULT 5$$,
	'2BP01', 'cannot change the default of version column "version" of table "public.catalogue_probe"',
	'the ddl_command_start event trigger refuses a plain default that would drop the options');
SELECT throws_ok(
	$$ALTER TABLE public.catalogue_probe ALTER COLUMN version DROP DEFAULT$$,
	'2BP01', 'cannot change the default of version column "version" of table "public.catalogue_probe"',
	'the ddl_command_start event trigger refuses DROP DEFAULT of a default that carries options');
SELECT lives_ok($$SELECT concurrency.disable('public.catalogue_probe')$$,
	'disable() with its default');
SELECT results_eq(
	$$SELECT version_column::text COLLATE "default", active FROM concurrency.tables
	   WHERE table_name = 'catalogue_probe'$$,
	$$VALUES ('version', false)$$,
	'disable() keeps the column and marks the table inactive');
SELECT col_default_is('public', 'catalogue_probe', 'version',
	$$concurrency.options(ignore_columns => '{note}'::name[], active => false)$$,
	'disable() keeps the options and adds active => false to the default');
SELECT lives_ok($$SELECT concurrency.disable('public.catalogue_probe', drop_column => true)$$,
	'disable(drop_column => true)');
SELECT hasnt_column('public', 'catalogue_probe', 'version',
	'disable(drop_column => true) drops the version column');
CREATE TABLE public.catalogue_rewrite (id int PRIMARY KEY);
INSERT INTO public.catalogue_rewrite VALUES (1);
CREATE TEMPORARY TABLE catalogue_rewrite_before AS
	SELECT relfilenode FROM pg_catalog.pg_class
	 WHERE oid = 'public.catalogue_rewrite'::pg_catalog.regclass;
ALTER TABLE public.catalogue_rewrite
	ADD COLUMN version public.rowversion DEFAULT concurrency.options(7, strict => true);
SELECT results_eq(
	$$SELECT c.relfilenode = b.relfilenode, a.atthasmissing, t.version::bigint
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version'
		CROSS JOIN catalogue_rewrite_before b
		CROSS JOIN public.catalogue_rewrite t
	   WHERE c.oid = 'public.catalogue_rewrite'::pg_catalog.regclass$$,
	$$VALUES (true, true, 7::bigint)$$,
	'ADD COLUMN with a concurrency.options() default does not rewrite the table: existing rows read its start');
SELECT is_empty(
	$$SELECT 1 FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'public.catalogue_probe'::pg_catalog.regclass$$,
	'dropping the version column detaches the row trigger');

-- Conflict statistics: the view's columns, and without
-- shared_preload_libraries (as here) an error that says what to do
SELECT columns_are('concurrency', 'conflicts',
	ARRAY['schema_name', 'table_name', 'rejected', 'skipped', 'warned', 'bypassed',
		  'not_stated', 'last_conflict'],
	'concurrency.conflicts has exactly the expected columns');
SELECT throws_ok('SELECT * FROM concurrency.conflicts', '55000',
	'concurrency.conflicts needs the concurrency library to be loaded at server start',
	'reading concurrency.conflicts without shared_preload_libraries is refused with 55000');
SELECT throws_ok('SELECT concurrency.reset_conflicts()', '55000',
	'concurrency.reset_conflicts() needs the concurrency library to be loaded at server start',
	'reset_conflicts() without shared_preload_libraries is refused with 55000');

SELECT * FROM finish();
ROLLBACK;
