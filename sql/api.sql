-- The explicit API: concurrency.enable(), concurrency.disable(), the view
-- concurrency.tables, and the row trigger function misused by hand.
SET client_min_messages = warning;
CREATE SCHEMA api;
SET search_path = api, public;
CREATE ROLE regress_api_owner;
CREATE ROLE regress_api_other;
GRANT USAGE ON SCHEMA api TO regress_api_owner, regress_api_other;
GRANT CREATE ON SCHEMA api TO regress_api_owner;
RESET client_min_messages;

-- The versioned tables of this schema, as the API view has them.
CREATE VIEW api.versioned AS
SELECT table_name, version_column, check_columns, ignore_columns, strict, active
  FROM concurrency.tables
 WHERE schema_name = 'api'
 ORDER BY table_name;
GRANT SELECT ON api.versioned TO PUBLIC;

-- The columns and version triggers of a table, and the default of its
-- version column, which carries its options.
CREATE FUNCTION api.shape(tbl regclass,
	OUT columns text, OUT version_triggers bigint, OUT version_default text)
LANGUAGE sql AS $$
SELECT (SELECT string_agg(format('%s %s', quote_ident(attname),
								 format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
		  FROM pg_attribute
		 WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped),
	   (SELECT count(*) FROM pg_trigger
		 WHERE tgrelid = tbl AND tgisinternal
		   AND tgfoid = 'concurrency.version_trigger'::regproc),
	   (SELECT pg_get_expr(d.adbin, d.adrelid)
		  FROM pg_attrdef d
		  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		 WHERE d.adrelid = tbl AND a.atttypid = 'rowversion'::regtype)
$$;

--
-- enable() adds the column and turns versioning on
--
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric,
	last_login timestamptz);
INSERT INTO accounts VALUES (1, 'ann', 10, NULL), (2, 'bob', 20, NULL);
SELECT * FROM api.shape('accounts');
SELECT concurrency.enable('accounts');
SELECT * FROM api.shape('accounts');
SELECT * FROM api.versioned;
SELECT * FROM accounts ORDER BY id;
UPDATE accounts SET balance = balance + 1 WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE api.accounts SET balance = 0, version = 1 WHERE id = 1$$) \gx

-- idempotent: a second call changes nothing
SELECT concurrency.enable('accounts');
SELECT concurrency.enable('accounts', 'version');
SELECT * FROM api.shape('accounts');
SELECT * FROM api.versioned;
SELECT * FROM accounts ORDER BY id;

-- a call on a versioned table sets its options: every option, each call
SELECT concurrency.enable('accounts', ignore_columns => '{last_login}');
SELECT * FROM api.versioned;
UPDATE accounts SET last_login = '2024-01-01 00:00+00' WHERE id = 1 RETURNING id, version;
UPDATE accounts SET owner = 'Ann' WHERE id = 1 RETURNING id, version;
SELECT concurrency.enable('accounts', check_columns => '{balance,owner}', strict => true);
SELECT * FROM api.versioned;
SELECT * FROM regress.try($$UPDATE api.accounts SET balance = 0 WHERE id = 2$$) \gx
UPDATE accounts SET last_login = now(), version = 1 WHERE id = 2 RETURNING id, version;
UPDATE accounts SET balance = 21, version = 1 WHERE id = 2 RETURNING id, balance, version;
SELECT concurrency.enable('accounts');
SELECT * FROM api.versioned;
UPDATE accounts SET balance = 22 WHERE id = 2 RETURNING id, balance, version;
SELECT * FROM api.shape('accounts');

-- a custom name, and names that need quoting (the argument is a name,
-- not an identifier: it is used as it is, case and quotes included)
CREATE TABLE custom (id int PRIMARY KEY, a text);
INSERT INTO custom VALUES (1, 'a');
SELECT concurrency.enable('custom', 'row_version');
CREATE TABLE odd1 (id int PRIMARY KEY);
SELECT concurrency.enable('odd1', 'Row Version');
CREATE TABLE odd2 (id int PRIMARY KEY);
SELECT concurrency.enable('odd2', 'select');
CREATE TABLE odd3 (id int PRIMARY KEY);
SELECT concurrency.enable('odd3', '"quoted"');
CREATE TABLE odd4 (id int PRIMARY KEY);
SELECT concurrency.enable('odd4', 'VERSION');
SELECT * FROM api.versioned WHERE table_name <> 'accounts';
SELECT * FROM api.shape('odd1');
SELECT * FROM api.shape('odd3');
INSERT INTO odd1 VALUES (1);
UPDATE odd1 SET "Row Version" = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE api.odd1 SET "Row Version" = 1$$) \gx
-- idempotent under the custom name too
SELECT concurrency.enable('custom', 'row_version');
SELECT * FROM api.shape('custom');

-- a rowversion column that is already there is the version column
CREATE TABLE existing (id int PRIMARY KEY, rv rowversion);
SELECT concurrency.enable('existing', 'rv', strict => true);
SELECT * FROM api.shape('existing');
SELECT * FROM api.versioned WHERE table_name = 'existing';

--
-- enable() refuses bad input, and leaves the table as it was
--
CREATE TABLE target (id int PRIMARY KEY, a text, n bigint,
	g int GENERATED ALWAYS AS (id * 2) STORED);
SELECT * FROM regress.try($$SELECT concurrency.enable(NULL)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', NULL)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', strict => NULL)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{a}', ignore_columns => '{a}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', ignore_columns => '{}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{a,NULL}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', ignore_columns => ARRAY[NULL]::name[])$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{{a},{n}}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{a,missing}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', ignore_columns => '{ctid}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{xmin}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{version}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', 'v', ignore_columns => '{v}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', check_columns => '{g}')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', ignore_columns => '{g}')$$) \gx
-- an existing column of another type
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', 'n')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', 'a')$$) \gx
-- a system column's name, or no name at all
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', 'ctid')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', 'xmin')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target', '')$$) \gx
-- nothing was added by any of those
SELECT * FROM api.shape('target');
-- already versioned under another name
SELECT * FROM regress.try($$SELECT concurrency.enable('api.accounts', 'row_version')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.custom')$$) \gx
SELECT * FROM api.shape('custom');
-- the options of a versioned table are kept when a call fails
SELECT concurrency.enable('custom', 'row_version', check_columns => '{a}');
SELECT * FROM regress.try($$SELECT concurrency.enable('api.custom', 'row_version', check_columns => '{nope}')$$) \gx
SELECT * FROM api.versioned WHERE table_name = 'custom';

-- relations that are not tables that store rows
CREATE VIEW a_view AS SELECT * FROM target;
CREATE MATERIALIZED VIEW a_matview AS SELECT * FROM target;
CREATE SEQUENCE a_sequence;
CREATE TYPE a_type AS (id int);
CREATE INDEX an_index ON target (a);
CREATE FOREIGN DATA WRAPPER regress_api_dummy;
CREATE SERVER regress_api_server FOREIGN DATA WRAPPER regress_api_dummy;
CREATE FOREIGN TABLE a_foreign_table (id int) SERVER regress_api_server;
SELECT * FROM regress.try($$SELECT concurrency.enable('api.a_view')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.a_matview')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.a_foreign_table')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.a_sequence')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.a_type')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.an_index')$$) \gx
SELECT * FROM api.shape('a_view');
SELECT * FROM api.shape('a_foreign_table');
-- system catalogs
SELECT * FROM regress.try($$SELECT concurrency.enable('pg_class')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('pg_catalog.pg_attribute', 'v')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('pg_class')$$) \gx
-- nor the extension's own view
SELECT * FROM regress.try($$SELECT concurrency.enable('concurrency.tables')$$) \gx
-- OIDs that name nothing
SELECT * FROM regress.try($$SELECT concurrency.enable(0)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable(4294967295::oid)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable(0)$$) \gx
-- a name that does not resolve fails in the regclass input
SELECT * FROM regress.try($$SELECT concurrency.enable('api.no_such_table')$$) \gx
-- a table of another owner
SELECT * FROM api.shape('target');
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON target TO regress_api_other;
SET ROLE regress_api_other;
SELECT * FROM regress.try($$SELECT concurrency.enable('api.target')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('api.accounts')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.accounts')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.accounts', drop_column => true)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.target')$$) \gx
-- it may read the options (they are not secret: \d shows them), but not
-- change them by hand either: they are the table's column default, which
-- only the owner may alter
SELECT * FROM api.versioned WHERE table_name = 'accounts';
SELECT * FROM concurrency.options_of('api.accounts');
SELECT * FROM regress.try($$ALTER TABLE api.accounts ALTER COLUMN version SET DEFAULT concurrency.options(active => false)$$) \gx
SELECT * FROM regress.try($$ALTER TABLE api.target ALTER COLUMN n SET DEFAULT concurrency.options(active => false)$$) \gx
RESET ROLE;
SELECT * FROM api.shape('target');
SELECT * FROM api.versioned WHERE table_name = 'accounts';

-- a table owner that is not a superuser uses the API on its own table
SET ROLE regress_api_owner;
CREATE TABLE owned (id int PRIMARY KEY, a text);
INSERT INTO owned VALUES (1, 'a');
SELECT concurrency.enable('api.owned', strict => true);
SELECT * FROM api.versioned WHERE table_name = 'owned';
UPDATE owned SET a = 'b', version = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE api.owned SET a = 'c'$$) \gx
SELECT concurrency.disable('api.owned');
SELECT * FROM api.versioned WHERE table_name = 'owned';
SELECT concurrency.disable('api.owned', drop_column => true);
RESET ROLE;
SELECT * FROM api.shape('api.owned');

--
-- disable()
--
-- keeping the column: active = false, writes are neither checked nor
-- versioned
CREATE TABLE kept (id int PRIMARY KEY, a text);
INSERT INTO kept VALUES (1, 'a'), (2, 'b');
SELECT concurrency.enable('kept', check_columns => '{a}', strict => true);
UPDATE kept SET a = 'a!', version = 1 WHERE id = 1;
SELECT * FROM kept ORDER BY id;
SELECT concurrency.disable('kept');
SELECT * FROM api.shape('kept');
SELECT * FROM api.versioned WHERE table_name = 'kept';
SELECT * FROM concurrency.options_of('kept');
-- stale, not stated, unchanged: all written as they come
UPDATE kept SET a = 'stale', version = 1 WHERE id = 1 RETURNING *;
UPDATE kept SET a = 'b!' WHERE id = 2 RETURNING *;
UPDATE kept SET a = 'b!!', version = 9 WHERE id = 2 RETURNING *;
INSERT INTO kept VALUES (3, 'c') RETURNING *;
-- disable() twice is fine
SELECT concurrency.disable('kept');
SELECT * FROM api.versioned WHERE table_name = 'kept';
-- enable() turns it on again
SELECT concurrency.enable('kept');
SELECT * FROM api.versioned WHERE table_name = 'kept';
SELECT * FROM regress.try($$UPDATE api.kept SET a = 'x', version = 8 WHERE id = 2$$) \gx
UPDATE kept SET a = 'c!' WHERE id = 3 RETURNING *;

-- dropping the column
CREATE TABLE gone (id int PRIMARY KEY, a text);
SELECT concurrency.enable('gone', 'v', ignore_columns => '{a}');
SELECT * FROM api.shape('gone');
SELECT concurrency.disable('gone', drop_column => true);
SELECT * FROM api.shape('gone');
SELECT * FROM api.versioned WHERE table_name = 'gone';
-- disable(drop_column) on a disabled table drops the column too
SELECT concurrency.disable('kept');
SELECT concurrency.disable('kept', true);
SELECT * FROM api.shape('kept');

-- a table that has no version column
SELECT concurrency.disable('target');
SELECT concurrency.disable('target', drop_column => true);
SELECT * FROM api.shape('target');
-- bad arguments
SELECT * FROM regress.try($$SELECT concurrency.disable(NULL)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.accounts', NULL)$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.a_view')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.disable('api.a_foreign_table')$$) \gx

--
-- Partitioned and inheritance trees
--
CREATE TABLE parted (id int PRIMARY KEY, a text) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (10) TO (20);
SELECT concurrency.enable('parted', strict => true);
SELECT * FROM api.shape('parted');
SELECT * FROM api.shape('parted_1');
SELECT * FROM api.versioned WHERE table_name LIKE 'parted%';
-- a partition may have options of its own
SELECT concurrency.enable('parted_2');
SELECT * FROM api.versioned WHERE table_name LIKE 'parted%';
INSERT INTO parted VALUES (1, 'a'), (11, 'b');
SELECT * FROM regress.try($$UPDATE api.parted SET a = 'x' WHERE id = 1$$) \gx
UPDATE parted SET a = 'x' WHERE id = 11 RETURNING *;
-- disable() on the parent reaches the partitions without options
SELECT concurrency.disable('parted');
SELECT * FROM api.versioned WHERE table_name LIKE 'parted%';
UPDATE parted SET a = 'y' RETURNING *;
-- an inheritance child gets the column and, with no options of its own,
-- takes its parent's
CREATE TABLE inh (id int PRIMARY KEY, a text);
CREATE TABLE inh_child () INHERITS (inh);
SELECT concurrency.enable('inh', strict => true);
SELECT * FROM api.versioned WHERE table_name LIKE 'inh%';
SELECT * FROM api.shape('inh_child');

-- a partition made after enable() copies its parent's options (PARTITION
-- OF copies column defaults) and follows the parent's later changes, as
-- one without options of its own does; one with options of its own keeps
-- them
CREATE TABLE follow (id int PRIMARY KEY, a text, b text, version rowversion) PARTITION BY RANGE (id);
CREATE TABLE follow_none PARTITION OF follow FOR VALUES FROM (20) TO (30);
SELECT concurrency.enable('follow', check_columns => '{a}');
CREATE TABLE follow_copy PARTITION OF follow FOR VALUES FROM (0) TO (10);
CREATE TABLE follow_own PARTITION OF follow FOR VALUES FROM (10) TO (20);
SELECT concurrency.enable('follow_own', ignore_columns => '{b}');
SELECT * FROM api.shape('follow_copy');
SELECT * FROM api.shape('follow_none');
SELECT concurrency.enable('follow', check_columns => '{b}', strict => true);
SELECT * FROM api.versioned WHERE table_name LIKE 'follow%';
SELECT concurrency.disable('follow');
SELECT * FROM api.versioned WHERE table_name LIKE 'follow%';
-- renaming a column the options name renames it in every table of the
-- tree that carries it, copies and options of their own alike
ALTER TABLE follow RENAME COLUMN b TO bb;
SELECT * FROM api.versioned WHERE table_name LIKE 'follow%';
SELECT * FROM api.shape('follow_own');
-- an inheritance child with options of its own, even the defaults
CREATE TABLE inh2 (id int PRIMARY KEY, version rowversion);
SELECT concurrency.enable('inh2', strict => true);
CREATE TABLE inh2_child () INHERITS (inh2);
SELECT concurrency.enable('inh2_child');
SELECT * FROM api.shape('inh2_child');
SELECT * FROM api.versioned WHERE table_name LIKE 'inh2%';
-- SET DEFAULT NULL (what pg_dump writes for an inherited column without a
-- default of its own) gives a child back its parent's options ...
ALTER TABLE inh2_child ALTER COLUMN version SET DEFAULT NULL;
SELECT * FROM api.versioned WHERE table_name LIKE 'inh2%';
-- ... and is refused on a table without a parent, like any other default
SELECT * FROM regress.try($$ALTER TABLE api.inh2 ALTER COLUMN version SET DEFAULT NULL$$) \gx

-- a partition cannot get a column of its own, nor lose an inherited one
CREATE TABLE plain_parted (id int, a text) PARTITION BY LIST (id);
CREATE TABLE plain_parted_1 PARTITION OF plain_parted FOR VALUES IN (1);
SELECT state, message FROM regress.try($$SELECT concurrency.enable('api.plain_parted_1')$$);
SELECT concurrency.enable('plain_parted');
SELECT state, message FROM regress.try($$SELECT concurrency.disable('api.plain_parted_1', drop_column => true)$$);
-- but may be switched off on its own
SELECT concurrency.disable('plain_parted_1');
SELECT * FROM api.versioned WHERE table_name LIKE 'plain_parted%';

--
-- The view
--
SELECT * FROM api.versioned;
SELECT pg_get_viewdef('concurrency.tables'::regclass) IS NOT NULL AS has_view;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'concurrency.tables'::regclass AND attnum > 0
 ORDER BY attnum;

--
-- The row trigger function called the wrong way: a clear error each time
--
SELECT * FROM regress.try($$SELECT concurrency.version_trigger()$$) \gx
CREATE TABLE hand (id int PRIMARY KEY, a text, v rowversion);
CREATE TABLE hand_plain (id int PRIMARY KEY, a text);
INSERT INTO hand VALUES (1, 'a');
INSERT INTO hand_plain VALUES (1, 'a');
-- AFTER row trigger
CREATE TRIGGER by_hand AFTER UPDATE ON hand
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$UPDATE api.hand SET a = 'b'$$) \gx
DROP TRIGGER by_hand ON hand;
-- statement trigger
CREATE TRIGGER by_hand BEFORE UPDATE ON hand
	FOR EACH STATEMENT EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$UPDATE api.hand SET a = 'b'$$) \gx
DROP TRIGGER by_hand ON hand;
CREATE TRIGGER by_hand BEFORE TRUNCATE ON hand
	FOR EACH STATEMENT EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$TRUNCATE api.hand$$) \gx
DROP TRIGGER by_hand ON hand;
-- DELETE only
CREATE TRIGGER by_hand BEFORE DELETE ON hand
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$DELETE FROM api.hand$$) \gx
DROP TRIGGER by_hand ON hand;
CREATE TRIGGER by_hand BEFORE DELETE ON hand_plain
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$DELETE FROM api.hand_plain$$) \gx
DROP TRIGGER by_hand ON hand_plain;
-- AFTER row and statement triggers on a table without a rowversion column
CREATE TRIGGER by_hand AFTER INSERT ON hand_plain
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$INSERT INTO api.hand_plain VALUES (2, 'b')$$) \gx
DROP TRIGGER by_hand ON hand_plain;
CREATE TRIGGER by_hand BEFORE INSERT ON hand_plain
	FOR EACH STATEMENT EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$INSERT INTO api.hand_plain VALUES (2, 'b')$$) \gx
DROP TRIGGER by_hand ON hand_plain;
-- a BEFORE row trigger on a table without a rowversion column
CREATE TRIGGER by_hand BEFORE INSERT OR UPDATE ON hand_plain
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$UPDATE api.hand_plain SET a = 'b'$$) \gx
SELECT * FROM regress.try($$INSERT INTO api.hand_plain VALUES (2, 'b')$$) \gx
DROP TRIGGER by_hand ON hand_plain;
-- an INSTEAD OF trigger on a view
CREATE VIEW hand_view AS SELECT * FROM hand;
CREATE TRIGGER by_hand INSTEAD OF UPDATE ON hand_view
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$UPDATE api.hand_view SET a = 'b'$$) \gx
DROP VIEW hand_view;
-- a second BEFORE row trigger on a versioned table does the same thing
-- again, which changes nothing: one step per write, stale still caught
CREATE TRIGGER by_hand BEFORE INSERT OR UPDATE ON hand
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
UPDATE hand SET a = 'b' RETURNING *;
UPDATE hand SET a = 'c', v = 2 RETURNING *;
UPDATE hand SET a = 'd', v = 10 RETURNING *;
SELECT * FROM regress.try($$UPDATE api.hand SET a = 'x', v = 9$$) \gx
DROP TRIGGER by_hand ON hand;
SELECT * FROM hand;
-- the other functions of the extension, called by hand
SELECT * FROM regress.try($$SELECT concurrency.options_changed()$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.ddl_command_end()$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.sql_drop()$$) \gx

--
-- Temporary tables
--
CREATE TEMP TABLE temp_created (id int PRIMARY KEY, a text, v rowversion);
CREATE TEMP TABLE temp_enabled (id int PRIMARY KEY, a text);
SELECT concurrency.enable('temp_enabled', check_columns => '{a}');
SELECT table_name, version_column, check_columns, strict, active
  FROM concurrency.tables WHERE schema_name = pg_my_temp_schema()::regnamespace::name
 ORDER BY table_name;
INSERT INTO temp_created VALUES (1, 'a');
INSERT INTO temp_enabled VALUES (1, 'a');
UPDATE temp_created SET a = 'b' RETURNING *;
UPDATE temp_enabled SET a = 'b' RETURNING *;
SELECT state, regexp_replace(message, 'pg_temp_[0-9]+', 'pg_temp_N') AS message, detail
  FROM regress.try($$UPDATE temp_created SET a = 'x', v = 1$$) \gx
SELECT state, regexp_replace(message, 'pg_temp_[0-9]+', 'pg_temp_N') AS message, detail
  FROM regress.try($$UPDATE temp_enabled SET a = 'x', version = 1$$) \gx
SELECT concurrency.disable('temp_enabled', drop_column => true);
SELECT * FROM api.shape('temp_enabled');
DROP TABLE temp_created, temp_enabled;

--
-- Clean up: the options of this schema's tables go with them
--
SET client_min_messages = warning;
DROP SCHEMA api CASCADE;
DROP SERVER regress_api_server;
DROP FOREIGN DATA WRAPPER regress_api_dummy;
DROP ROLE regress_api_owner;
DROP ROLE regress_api_other;
RESET client_min_messages;
SELECT count(*) FROM concurrency.tables WHERE schema_name = 'api';
