-- trusted_install.sql: a database owner without superuser installs the
-- extension (it is trusted), uses it end to end, and cannot hijack the
-- install script through objects it planted on its search_path.
--
-- run.sh prepares role regress_dbowner (no superuser) and database
-- concurrency_trusted owned by it, with pgTAP in schema tap and a table
-- public.superuser_table that regress_dbowner does not own.  Everything
-- below runs in one transaction that is rolled back.

\c concurrency_trusted regress_dbowner

BEGIN;
SET search_path = tap, pg_catalog;

SELECT plan(53);

-- Who installs, and where
SELECT is(current_user::text, 'regress_dbowner', 'connected as regress_dbowner');
SELECT is(rolsuper, false, 'regress_dbowner is not a superuser')
  FROM pg_catalog.pg_roles WHERE rolname = current_user;
SELECT is(pg_catalog.pg_get_userbyid(datdba)::text, 'regress_dbowner',
	'regress_dbowner owns database concurrency_trusted')
  FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database();
SELECT ok(pg_catalog.has_schema_privilege('public', 'CREATE'),
	'the installer may create objects in schema public, where the extension goes');
SELECT hasnt_extension('concurrency', 'the extension is not installed yet');

-- The install script creates its objects; it never adopts ones the
-- installer made beforehand.
CREATE SCHEMA concurrency;
SELECT throws_ok('CREATE EXTENSION concurrency SCHEMA public', '42P06',
	'schema "concurrency" already exists',
	'CREATE EXTENSION fails rather than adopt a schema concurrency the installer created');
DROP SCHEMA concurrency;
CREATE DOMAIN public.rowversion AS pg_catalog.int8;
SELECT throws_ok('CREATE EXTENSION concurrency SCHEMA public', '42710',
	'type "rowversion" already exists',
	'CREATE EXTENSION fails rather than adopt a type rowversion the installer created');
DROP DOMAIN public.rowversion;

-- Plant a trap: functions and operators that record each call, in a
-- schema the installer owns (first on its search_path) and in public
-- (the schema the script installs into, which the installer may write).
-- Each shadows a pg_catalog object that an install script could reach
-- by an unqualified name; its exact argument types make PostgreSQL
-- prefer it over the pg_catalog one that needs a cast.
CREATE SCHEMA hostile;
CREATE TABLE hostile.calls (called text, as_user name);
GRANT INSERT ON hostile.calls TO PUBLIC;

CREATE FUNCTION hostile.record_call(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hostile.calls VALUES (what, current_user);
	RETURN true;
END
$$;
CREATE FUNCTION hostile.eq_oid_regclass(oid, regclass) RETURNS boolean
LANGUAGE sql AS $$ SELECT hostile.record_call('=(oid,regclass)') AND $1 OPERATOR(pg_catalog.=) $2::oid $$;
CREATE FUNCTION hostile.eq_regclass_oid(regclass, oid) RETURNS boolean
LANGUAGE sql AS $$ SELECT hostile.record_call('=(regclass,oid)') AND $1::oid OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION hostile.eq_regclass(regclass, regclass) RETURNS boolean
LANGUAGE sql AS $$ SELECT hostile.record_call('=(regclass,regclass)') AND $1::oid OPERATOR(pg_catalog.=) $2::oid $$;
CREATE FUNCTION hostile.eq_oid_regtype(oid, regtype) RETURNS boolean
LANGUAGE sql AS $$ SELECT hostile.record_call('=(oid,regtype)') AND $1 OPERATOR(pg_catalog.=) $2::oid $$;
CREATE FUNCTION hostile.eq_int8(bigint, bigint) RETURNS boolean
LANGUAGE sql AS $$ SELECT hostile.record_call('=(bigint,bigint)') AND $1 OPERATOR(pg_catalog.=) $2 $$;

CREATE OPERATOR hostile.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = hostile.eq_oid_regclass);
CREATE OPERATOR hostile.= (LEFTARG = regclass, RIGHTARG = oid, FUNCTION = hostile.eq_regclass_oid);
CREATE OPERATOR hostile.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = hostile.eq_regclass);
CREATE OPERATOR hostile.= (LEFTARG = oid, RIGHTARG = regtype, FUNCTION = hostile.eq_oid_regtype);
CREATE OPERATOR hostile.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hostile.eq_int8);
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = hostile.eq_oid_regclass);
CREATE OPERATOR public.= (LEFTARG = regclass, RIGHTARG = oid, FUNCTION = hostile.eq_regclass_oid);
CREATE OPERATOR public.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = hostile.eq_regclass);
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regtype, FUNCTION = hostile.eq_oid_regtype);
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hostile.eq_int8);

-- pg_catalog.pg_extension_config_dump(regclass, text) and
-- pg_catalog.pg_partition_ancestors(regclass), shadowed for callers that
-- pass a string literal or an oid
CREATE FUNCTION hostile.pg_extension_config_dump(text, text) RETURNS void
LANGUAGE sql AS $$ SELECT hostile.record_call('pg_extension_config_dump(text,text)'); $$;
CREATE FUNCTION public.pg_extension_config_dump(text, text) RETURNS void
LANGUAGE sql AS $$ SELECT hostile.record_call('pg_extension_config_dump(text,text)'); $$;
CREATE FUNCTION hostile.pg_partition_ancestors(oid) RETURNS SETOF regclass
LANGUAGE sql AS $$ SELECT NULL::regclass WHERE hostile.record_call('pg_partition_ancestors(oid)') $$;
CREATE FUNCTION public.pg_partition_ancestors(oid) RETURNS SETOF regclass
LANGUAGE sql AS $$ SELECT NULL::regclass WHERE hostile.record_call('pg_partition_ancestors(oid)') $$;

-- The trap is armed: with the search_path an install script runs under
-- (its target schema, pg_catalog implicitly first), unqualified references
-- reach every planted object.
SET search_path = public;
DO $$
BEGIN
	PERFORM FROM pg_class c WHERE c.oid = 'pg_class'::regclass;
	PERFORM FROM pg_class c WHERE 'pg_class'::regclass = c.oid;
	PERFORM FROM pg_class c WHERE c.oid::regclass = 'pg_class'::regclass;
	PERFORM FROM pg_attribute a WHERE a.atttypid = 'int8'::regtype;
	PERFORM pg_extension_config_dump('pg_class', '');
	PERFORM FROM pg_partition_ancestors('pg_class'::regclass::oid);
END
$$;
SET search_path = hostile, public, pg_catalog;
DO $$
BEGIN
	PERFORM 1::bigint = 1::bigint;
END
$$;
SET search_path = tap, pg_catalog;

SELECT set_eq('SELECT DISTINCT called FROM hostile.calls',
	ARRAY['=(oid,regclass)', '=(regclass,oid)', '=(regclass,regclass)', '=(oid,regtype)',
		  '=(bigint,bigint)', 'pg_extension_config_dump(text,text)',
		  'pg_partition_ancestors(oid)'],
	'each planted object is reached by an unqualified reference');
TRUNCATE hostile.calls;

-- A plain CREATE EXTENSION installs into the first schema on the
-- search_path: here the installer's own schema, where the trap is.  The
-- script then runs with that schema on its search_path.
SET search_path = hostile, public, pg_catalog;
CREATE EXTENSION concurrency;
SET search_path = tap, pg_catalog;
SELECT is(extnamespace::pg_catalog.regnamespace::text, 'hostile',
	'a plain CREATE EXTENSION installs into the first schema on the search_path')
  FROM pg_catalog.pg_extension WHERE extname = 'concurrency';
SELECT has_domain('hostile', 'rowversion', 'rowversion is created in that schema');
SELECT is_empty('SELECT called, as_user FROM hostile.calls',
	'no planted function or operator ran while installing into the installer''s schema');
DROP EXTENSION concurrency;

-- Install into public with the hostile schema first on the search_path,
-- then use the extension under that search_path: DDL (event trigger),
-- enable() and disable(), the view and the row trigger.
SET search_path = hostile, public, pg_catalog;
CREATE EXTENSION concurrency SCHEMA public;
CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL);
INSERT INTO public.accounts (id, owner, balance) VALUES (1, 'alice', 100), (2, 'bob', 100);
ALTER TABLE public.accounts ADD COLUMN version public.rowversion;
UPDATE public.accounts SET balance = 150, version = 1 WHERE id = 1;
CREATE TABLE public.ledger (id int PRIMARY KEY, version public.rowversion);
DO $$
BEGIN
	PERFORM concurrency.enable('public.accounts', ignore_columns => '{owner}');
	PERFORM concurrency.disable('public.accounts');
	PERFORM concurrency.enable('public.accounts', strict => true);
	PERFORM concurrency.disable('public.ledger', drop_column => true);
	PERFORM FROM concurrency.tables;
END
$$;
SET search_path = tap, pg_catalog;

SELECT is_empty('SELECT called, as_user FROM hostile.calls',
	'no planted function or operator ran during CREATE EXTENSION or while using the extension');

-- Ownership: objects belong to the bootstrap superuser, the extension to
-- the installer
SELECT is(pg_catalog.pg_get_userbyid(extowner)::text, 'regress_dbowner',
	'the extension is owned by the role that installed it')
  FROM pg_catalog.pg_extension WHERE extname = 'concurrency';
SELECT is(extnamespace::pg_catalog.regnamespace::text, 'public',
	'the extension is installed in schema public')
  FROM pg_catalog.pg_extension WHERE extname = 'concurrency';
SELECT results_eq(
	$$SELECT count(*)::int, count(*) FILTER (WHERE owner = 10)::int
		FROM (SELECT COALESCE(n.nspowner, t.typowner, p.proowner, c.relowner, e.evtowner) AS owner
				FROM pg_catalog.pg_depend d
				LEFT JOIN pg_catalog.pg_namespace n
					   ON d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND n.oid = d.objid
				LEFT JOIN pg_catalog.pg_type t
					   ON d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.objid
				LEFT JOIN pg_catalog.pg_proc p
					   ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.objid
				LEFT JOIN pg_catalog.pg_class c
					   ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
				LEFT JOIN pg_catalog.pg_event_trigger e
					   ON d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND e.oid = d.objid
			   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
				 AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension
									WHERE extname = 'concurrency')
				 AND d.deptype = 'e') AS members$$,
	$$VALUES (19, 19)$$,
	'all 19 member objects are owned by the bootstrap superuser');
SELECT schema_owner_is('concurrency',
	(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10),
	'schema concurrency is owned by the bootstrap superuser');
SELECT type_owner_is('public', 'rowversion',
	(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10),
	'type rowversion is owned by the bootstrap superuser');
SELECT function_owner_is('concurrency', 'options',
	ARRAY['public.rowversion', 'name[]', 'name[]', 'boolean', 'boolean'],
	(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10),
	'function concurrency.options(), which every versioned table''s default calls, is owned by the bootstrap superuser');
SELECT results_eq(
	$$SELECT evtname::text COLLATE "default", evtowner = 10
		FROM pg_catalog.pg_event_trigger
	   WHERE evtname LIKE 'concurrency%' ORDER BY evtname$$,
	$$VALUES ('concurrency_ddl_command_end', true), ('concurrency_ddl_command_start', true),
			 ('concurrency_sql_drop', true)$$,
	'the event triggers exist and are owned by the bootstrap superuser');

-- What the installer did under the hostile search_path took effect
SELECT results_eq(
	$$SELECT schema_name::text COLLATE "default", table_name::text COLLATE "default",
			 version_column::text COLLATE "default", check_columns, ignore_columns,
			 strict, active
		FROM concurrency.tables ORDER BY table_name$$,
	$$VALUES ('public', 'accounts', 'version', NULL::name[], NULL::name[], true, true)$$,
	'concurrency.tables shows accounts (strict, active) and not ledger');
SELECT results_eq(
	$$SELECT id, balance, version::bigint FROM public.accounts ORDER BY id$$,
	$$VALUES (1, 150, 2::bigint), (2, 100, 1::bigint)$$,
	'existing rows read as version 1; the echo moved account 1 to version 2');
SELECT hasnt_column('public', 'ledger', 'version',
	'disable(drop_column => true) dropped the version column of ledger');
SELECT results_eq(
	$$SELECT pg_catalog.count(*)::int FROM pg_catalog.pg_trigger
	   WHERE tgrelid = 'public.accounts'::pg_catalog.regclass AND tgisinternal
		 AND tgfoid = 'concurrency.version_trigger()'::pg_catalog.regprocedure$$,
	$$VALUES (1)$$,
	'accounts carries the internal row trigger');

-- The installer uses the extension like any owner
SELECT throws_ok(
	$$UPDATE public.accounts SET balance = 90, version = 1 WHERE id = 1$$,
	'40V01', 'row in "public.accounts" was modified by another transaction',
	'a stale write is rejected with 40V01');
SELECT throws_ok(
	$$UPDATE public.accounts SET balance = 90 WHERE id = 1$$,
	'23V01', 'update of "public.accounts" does not state a row version',
	'the strict table refuses an update that states no version');
SELECT results_eq(
	$$UPDATE public.accounts SET balance = 90, version = 2 WHERE id = 1
	  RETURNING balance, version::bigint$$,
	$$VALUES (90, 3::bigint)$$,
	'a write based on the current version goes through and moves the version');
SELECT results_eq(
	$$INSERT INTO public.accounts (id, owner, balance) VALUES (3, 'carol', 5)
	  RETURNING version::bigint$$,
	$$VALUES (1::bigint)$$,
	'a new row starts at version 1');
SELECT lives_ok(
	$$SET LOCAL concurrency.enabled = off$$,
	'the table owner may turn the check off');
SELECT results_eq(
	$$UPDATE public.accounts SET balance = 80, version = 1 WHERE id = 1
	  RETURNING balance, version::bigint$$,
	$$VALUES (80, 4::bigint)$$,
	'with the check off, a stale write goes through and the version still moves');
RESET concurrency.enabled;
SELECT throws_ok(
	$$UPDATE public.accounts SET balance = 70, version = 1 WHERE id = 1$$,
	'40V01', NULL,
	'with the check back on, the stale write is rejected again');

-- The options live in the default of each table's version column: the
-- installer sets those of its own tables, with enable() or by hand (as a
-- restore does), and reads anyone's; it cannot set those of a table it does
-- not own.
CREATE TABLE public.notes (id int PRIMARY KEY, body text);
INSERT INTO public.notes (id, body) VALUES (1, 'a');
CREATE TABLE public.notes_c (id int PRIMARY KEY, body text, version public.rowversion);
CREATE TABLE public.notes_v (id int PRIMARY KEY, body text, version public.rowversion);
SELECT lives_ok(
	$$SELECT concurrency.enable('public.notes')$$,
	'the installer can enable row versioning of its own table, which adds the version column');
SELECT results_eq(
	$$SELECT version_column::text COLLATE "default", check_columns, ignore_columns, strict, active
		FROM concurrency.tables WHERE table_name = 'notes'$$,
	$$VALUES ('version', NULL::name[], NULL::name[], false, true)$$,
	'enable() with its defaults: notes is versioned with the default options');
SELECT lives_ok(
	$$ALTER TABLE public.notes ALTER COLUMN version SET DEFAULT concurrency.options(strict => true)$$,
	'the installer can write the options of its own table into the version column''s default by hand');
SELECT col_default_is('public', 'notes', 'version', 'concurrency.options(strict => true)',
	'the version column''s default is the call written');
SELECT results_eq(
	$$SELECT check_columns, ignore_columns, strict, active
		FROM concurrency.options_of('public.notes')$$,
	$$VALUES (NULL::name[], NULL::name[], true, true)$$,
	'concurrency.options_of() reads the options written by hand');
SELECT throws_ok(
	$$UPDATE public.notes SET body = 'b' WHERE id = 1$$,
	'23V01', 'update of "public.notes" does not state a row version',
	'the options written by hand are in effect: notes is strict');
SELECT throws_ok(
	$$ALTER TABLE public.notes ALTER COLUMN version SET DEFAULT 1$$,
	'2BP01', 'cannot change the default of version column "version" of table "public.notes"',
	'a plain default that would drop the options is refused');
SELECT throws_ok(
	$$ALTER TABLE public.notes_c ALTER COLUMN version
	  SET DEFAULT concurrency.options(check_columns => '{no_such_column}')$$,
	'42703', 'column "no_such_column" of relation "notes_c" does not exist',
	'options written by hand that name no column of the table are refused, as enable() refuses them');
SELECT throws_ok(
	$$ALTER TABLE public.notes_v ALTER COLUMN version
	  SET DEFAULT concurrency.options(check_columns => '{version}')$$,
	'22023', 'check_columns cannot name the version column "version"',
	'options written by hand that name the version column are refused, as enable() refuses them');
SELECT throws_ok(
	$$ALTER TABLE public.superuser_table
	  ADD COLUMN version public.rowversion DEFAULT concurrency.options(strict => true)$$,
	'42501', 'must be owner of table superuser_table',
	'the installer cannot give options to a table it does not own');
SELECT results_eq(
	$$SELECT check_columns, ignore_columns, strict, active
		FROM concurrency.options_of('public.superuser_table')$$,
	$$VALUES (NULL::name[], NULL::name[], false, true)$$,
	'the installer can read the options of a table it does not own: the defaults');
SELECT results_eq(
	$$SELECT table_name::text COLLATE "default", version_column::text COLLATE "default",
			 check_columns, ignore_columns, strict, active
		FROM concurrency.tables ORDER BY table_name$$,
	$$VALUES ('accounts', 'version', NULL::name[], NULL::name[], true, true),
			 ('notes', 'version', NULL, NULL, true, true),
			 ('notes_c', 'version', NULL, NULL, false, true),
			 ('notes_v', 'version', NULL, NULL, false, true)$$,
	'concurrency.tables shows the installer''s tables with their options, and not superuser_table');

-- The installer does not get at the extension's internals
SELECT throws_ok(
	$$CREATE OR REPLACE FUNCTION concurrency.options(
		start public.rowversion DEFAULT 1, check_columns name[] DEFAULT NULL,
		ignore_columns name[] DEFAULT NULL, strict boolean DEFAULT false,
		active boolean DEFAULT true)
	  RETURNS public.rowversion LANGUAGE sql IMMUTABLE AS 'SELECT 0::public.rowversion'$$,
	'42501', 'permission denied for schema concurrency',
	'the installer cannot replace concurrency.options()');
SELECT throws_ok('CREATE FUNCTION concurrency.planted() RETURNS int LANGUAGE sql AS $$SELECT 1$$',
	'42501', 'permission denied for schema concurrency',
	'the installer cannot create objects in schema concurrency');
SELECT throws_ok('ALTER FUNCTION concurrency.version_trigger() SECURITY DEFINER',
	'42501', 'must be owner of function concurrency.version_trigger',
	'the installer cannot alter the extension''s functions');
SELECT throws_ok('CREATE OR REPLACE VIEW concurrency.tables AS SELECT 1 AS x',
	'42501', 'permission denied for schema concurrency',
	'the installer cannot replace the view');
SELECT throws_ok(
	$$SELECT concurrency.enable('concurrency.tables')$$,
	'42809', 'cannot enable row versioning for relation "tables"',
	'enable() refuses the extension''s own view');
SELECT throws_ok(
	$$SELECT concurrency.enable('public.superuser_table')$$,
	'42501', 'must be owner of table superuser_table',
	'enable() refuses a table the installer does not own');

-- The installer may remove what it installed
DROP TABLE public.accounts, public.ledger, public.notes, public.notes_c, public.notes_v;
SELECT lives_ok('DROP EXTENSION concurrency', 'the installer can drop the extension');
SELECT hasnt_schema('concurrency', 'schema concurrency is gone');
SELECT is_empty(
	$$SELECT evtname FROM pg_catalog.pg_event_trigger WHERE evtname LIKE 'concurrency%'$$,
	'the event triggers are gone');
SELECT hasnt_type('public', 'rowversion', 'type rowversion is gone');
SELECT is_empty('SELECT called, as_user FROM hostile.calls',
	'no planted function or operator ran at any point');

SELECT * FROM finish();
ROLLBACK;
