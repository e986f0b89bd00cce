-- Hostile and bad input: versions that are not versions, DDL under a
-- versioned table's feet, the extension's functions misused, enable() on
-- what is not the user's, a hostile search_path, and every way a role
-- without the privilege might try to switch the check off.  Each refused
-- case shows its error fields and re-reads what it must not have written.
-- What another suite covers is named, not repeated.
SET client_min_messages = warning;
CREATE SCHEMA hostile;
SET search_path = hostile, public;
CREATE ROLE regress_hostile_owner LOGIN;
CREATE ROLE regress_hostile_user LOGIN;
CREATE ROLE regress_hostile_planter;
GRANT USAGE ON SCHEMA hostile TO regress_hostile_owner, regress_hostile_user;
GRANT CREATE ON SCHEMA hostile TO regress_hostile_owner;
RESET client_min_messages;
SELECT current_user AS admin_user, current_database() AS dbname \gset

-- The versioned tables of this schema, as the API view has them.
CREATE VIEW hostile.versioned AS
SELECT table_name, version_column, check_columns, ignore_columns, strict, active
  FROM concurrency.tables
 WHERE schema_name = 'hostile'
 ORDER BY table_name;

-- The version triggers of a table, and whether a column default of it
-- carries row-versioning options.
CREATE FUNCTION hostile.versioning(tbl regclass,
	OUT version_triggers bigint, OUT has_options boolean)
LANGUAGE sql AS $$
SELECT (SELECT count(*) FROM pg_trigger
		 WHERE tgrelid = tbl AND tgisinternal
		   AND tgfoid = 'concurrency.version_trigger'::regproc),
	   EXISTS (SELECT FROM pg_attrdef d
				WHERE d.adrelid = tbl
				  AND pg_get_expr(d.adbin, d.adrelid) LIKE 'concurrency.options(%')
$$;

--
-- 1. Versions that are not versions.
--
-- NULL, zero and negative in INSERT and COPY: statements.sql.  NULL,
-- zero, negative, and the limit of 2^62 in a plain UPDATE:
-- update_rules.sql.  No writer may state a version above 2^62
-- (4611686018427387904); what is stored above it was written with the
-- trigger off (session_replication_role = replica, a superuser's), as row
-- 2 here is, near the top of the range.
--
CREATE TABLE vals (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO vals VALUES (1, 'one', 5);
SET session_replication_role = replica;
INSERT INTO vals VALUES (2, 'two', 9223372036854775806);
RESET session_replication_role;

-- INSERT: what is not a bigint fails in its input function, before the
-- trigger; what is negative fails in the trigger
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', 'abc')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', '1.5')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', '')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', ' ')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', '1e3')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', '9223372036854775808')$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', 9223372036854775808)$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', -9223372036854775808)$$);
-- a numeric is rounded on assignment (PostgreSQL's cast), then checked
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', -0.6)$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x', -1.4)$$);
SELECT * FROM regress.try($$INSERT INTO vals SELECT 3, 'x', 'NaN'::numeric$$);
-- nothing of those was inserted
SELECT * FROM vals ORDER BY id;
-- text that spells a bigint is one; a numeric that rounds to one is one
INSERT INTO vals VALUES (3, 'text', ' +7 ') RETURNING *;
INSERT INTO vals VALUES (4, 'numeric', 1.5) RETURNING *;
-- the limit is a version; one above it is refused, the largest bigint too
SELECT * FROM regress.try($$INSERT INTO vals VALUES (5, 'x', 4611686018427387905)$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (5, 'x', '9223372036854775807')$$);
INSERT INTO vals VALUES (5, 'largest', '4611686018427387904') RETURNING *;
INSERT INTO vals VALUES (6, 'null', NULL) RETURNING *;

-- UPDATE: the same input errors, before the row is touched
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 'abc' WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = '1.5' WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = '' WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 9223372036854775808 WHERE id = 1$$);
-- a numeric is rounded, then checked like any stated version: 4.5 is 5,
-- the echo of OLD; 5.4 is then 5, below OLD
UPDATE vals SET a = 'echo', v = 4.5 WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 5.4 WHERE id = 1$$);
-- the most negative version is below every stored one
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = -9223372036854775808 WHERE id = 1$$);
-- DEFAULT is the domain's default, 1: a statement of version 1
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = DEFAULT WHERE id = 1$$);
UPDATE vals SET a = 'default', v = DEFAULT WHERE id = 6 RETURNING *;
-- stating a version above the limit is refused, from any stored version;
-- the limit itself is kept like any greater version
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 4611686018427387905 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 9223372036854775807 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = v + 1 WHERE id = 5$$);
UPDATE vals SET a = 'to the limit', v = 4611686018427387904 WHERE id = 6 RETURNING *;
-- from the limit, an echo or a statement without the version moves on by
-- one: the limit is on what writers state, not on the row
UPDATE vals SET a = 'past the limit', v = 4611686018427387904 WHERE id = 6 RETURNING *;
UPDATE vals SET a = 'past the limit' WHERE id = 6 RETURNING *;
UPDATE vals SET a = 'back', v = 2 WHERE id = 4 RETURNING *;
-- arithmetic on the version overflows in the statement itself
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = v + 1 WHERE id = 2$$);
SELECT * FROM vals ORDER BY id;

-- the top of the range: from 2^63 - 2 one step is left, then 22003, never
-- a wrap to a negative or a smaller version
UPDATE vals SET a = 'last step' WHERE id = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE vals SET a = 'x' WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE vals SET a = 'x', v = 9223372036854775807 WHERE id = 2$$);
SELECT * FROM vals WHERE id = 2;

-- INSERT ... ON CONFLICT: the insert part runs the INSERT rules before
-- the conflict is found, so a bad version is refused even where the row
-- exists and nothing would be inserted
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x', 'abc') ON CONFLICT (id) DO UPDATE SET a = excluded.a$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x', -3) ON CONFLICT (id) DO NOTHING$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x', -1) ON CONFLICT (id) DO UPDATE SET a = excluded.a$$);
-- the update part follows the UPDATE rules
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = NULL$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = 0$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = 'abc'$$);
-- at the top: not stated or echoed, 22003; above the limit, refused by the
-- insert part already; the limit itself, kept
SELECT * FROM regress.try($$INSERT INTO vals VALUES (2, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (2, 'x', 9223372036854775807) ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = excluded.v$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = excluded.v + 9223372036854775807$$);
SELECT * FROM regress.try($$INSERT INTO vals VALUES (3, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = 4611686018427387905$$);
INSERT INTO vals VALUES (3, 'upsert to the limit', 4611686018427387904)
	ON CONFLICT (id) DO UPDATE SET a = excluded.a, v = excluded.v RETURNING *;
SELECT * FROM vals ORDER BY id;

-- MERGE: the same rules in WHEN MATCHED; a source column of another type
-- is refused before anything runs
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (1, NULL::bigint)) AS s(id, v) ON vals.id = s.id
	WHEN MATCHED THEN UPDATE SET a = 'x', v = s.v$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (1, 0)) AS s(id, v) ON vals.id = s.id
	WHEN MATCHED THEN UPDATE SET a = 'x', v = s.v$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (1, 'abc')) AS s(id, v) ON vals.id = s.id
	WHEN MATCHED THEN UPDATE SET a = 'x', v = s.v$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (7, 'abc')) AS s(id, v) ON vals.id = s.id
	WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'x', s.v)$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (2)) AS s(id) ON vals.id = s.id
	WHEN MATCHED THEN UPDATE SET a = 'x'$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (1, 9223372036854775807)) AS s(id, v) ON vals.id = s.id
	WHEN MATCHED THEN UPDATE SET a = 'x', v = s.v$$);
SELECT * FROM regress.try($$
	MERGE INTO vals USING (VALUES (7, 4611686018427387905)) AS s(id, v) ON vals.id = s.id
	WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'x', s.v)$$);
MERGE INTO vals USING (VALUES (1, 4611686018427387904)) AS s(id, v) ON vals.id = s.id
WHEN MATCHED THEN UPDATE SET a = 'merged to the limit', v = s.v;
SELECT * FROM vals ORDER BY id;

-- COPY: the input function refuses what is not a bigint, the trigger what
-- is negative; the whole COPY goes, its good lines too.  (The data
-- comes from a program here, so that regress.try can show the error's
-- fields; psql keeps no SQLSTATE of a failed COPY FROM STDIN.)
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	good	\N
11	bad	abc
END
'$$);
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	bad	1.5
END
'$$);
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	bad	
END
'$$);
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	bad	9223372036854775808
END
'$$);
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	good	3
11	bad	-9223372036854775808
END
'$$);
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10	good	3
11	bad	4611686018427387905
END
'$$);
-- in CSV a quoted empty string is a string, not NULL, unless FORCE_NULL
SELECT * FROM regress.try($$COPY vals FROM PROGRAM 'cat <<"END"
10,bad,""
END
' WITH (FORMAT csv)$$);
SELECT count(*) FROM vals WHERE id >= 10;
COPY vals FROM stdin WITH (FORMAT csv, FORCE_NULL (v));
10,forced null,""
11,largest,4611686018427387904
12,spaces, 8 
\.
SELECT * FROM vals WHERE id >= 10 ORDER BY id;

-- Rows written while the trigger did not fire (session_replication_role
-- = replica, a superuser's setting: settings.sql) may hold NULL, zero or
-- negative versions.  The next ordinary UPDATE brings them to a valid
-- version; a stated version is checked against what is stored.
CREATE TABLE replicated (id int PRIMARY KEY, a text, v rowversion);
SET session_replication_role = replica;
INSERT INTO replicated VALUES (1, 'null', NULL), (2, 'zero', 0), (3, 'negative', -5),
	(4, 'negative', -5), (5, 'negative', -5);
RESET session_replication_role;
UPDATE replicated SET a = a || '!' WHERE id <= 3 RETURNING *;
UPDATE replicated SET a = 'echo', v = -5 WHERE id = 4 RETURNING *;
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = 0 WHERE id = 5$$);
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = -6 WHERE id = 5$$);
SELECT * FROM replicated WHERE id = 5;
UPDATE replicated SET a = 'ahead', v = 3 WHERE id = 5 RETURNING *;
-- after disable() nothing is checked, but a version still cannot be made
-- null or negative (0 is a version)
SELECT concurrency.disable('replicated');
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = NULL WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = -1 WHERE id = 1$$);
UPDATE replicated SET a = 'zero', v = 0 WHERE id = 1 RETURNING *;
-- nor above the limit, there or with the check relaxed
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = 4611686018427387905 WHERE id = 1$$);
SELECT concurrency.enable('replicated', 'v');
SET concurrency.enabled = off;
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = 4611686018427387905 WHERE id = 1$$);
RESET concurrency.enabled;
SET concurrency.increment = off;
SELECT * FROM regress.try($$UPDATE replicated SET a = 'x', v = 4611686018427387905 WHERE id = 1$$);
RESET concurrency.increment;
SELECT concurrency.disable('replicated');
SELECT * FROM replicated ORDER BY id;

-- The largest version with options and settings
CREATE TABLE top (id int PRIMARY KEY, a text, b text, v rowversion);
SET session_replication_role = replica;
INSERT INTO top VALUES (1, 'a', 'b', 9223372036854775807);
RESET session_replication_role;
SELECT concurrency.enable('top', 'v', check_columns => '{a}');
-- a change that does not count keeps the version: nothing to overflow
UPDATE top SET b = 'b!' RETURNING *;
SELECT * FROM regress.try($$UPDATE top SET a = 'a!'$$);
-- increment = off leaves it where it is
SET concurrency.increment = off;
UPDATE top SET a = 'a!' RETURNING *;
RESET concurrency.increment;
-- warn lets a stale write through from OLD + 1, which does not exist
SET concurrency.on_conflict = warn;
SELECT * FROM regress.try($$UPDATE top SET a = 'x', v = 1$$);
-- skip leaves the row alone
SET concurrency.on_conflict = skip;
UPDATE top SET a = 'x', v = 1 RETURNING *;
RESET concurrency.on_conflict;
SELECT * FROM top;

--
-- 2. The version column renamed, retyped or dropped under a table with
-- options, written before and after each step in the same session: the
-- cached facts about the table must follow at once.
--
-- Retyping to bigint and back, renaming the column and dropping it with
-- no write around it: ddl.sql.
--
CREATE TABLE cache (id int PRIMARY KEY, a text, b text, v rowversion, c text);
INSERT INTO cache VALUES (1, 'a', 'b', 1, 'c');
SELECT concurrency.enable('cache', 'v', check_columns => '{a}', strict => true);
UPDATE cache SET b = 'b1', v = 1 RETURNING *;
UPDATE cache SET a = 'a1', v = 1 RETURNING *;

-- renamed: still versioned with its options; the errors name the new column
ALTER TABLE cache RENAME COLUMN v TO rv;
SELECT * FROM versioned WHERE table_name = 'cache';
SELECT * FROM regress.try($$UPDATE cache SET a = 'x'$$);
SELECT * FROM regress.try($$UPDATE cache SET a = 'x', rv = 1$$);
UPDATE cache SET a = 'a2', rv = 2 RETURNING *;

-- to integer: a version beyond its range fails the ALTER, and the table
-- stays versioned with its options
UPDATE cache SET a = 'big', rv = 3000000000 RETURNING *;
SELECT * FROM regress.try($$ALTER TABLE cache ALTER COLUMN rv TYPE integer$$);
SELECT * FROM versioned WHERE table_name = 'cache';
SELECT * FROM regress.try($$UPDATE cache SET a = 'x'$$);
-- with versions that fit, it goes through and versioning stops
ALTER TABLE cache ALTER COLUMN rv TYPE integer USING (rv / 1000000000)::integer;
SELECT * FROM versioning('cache');
SELECT * FROM versioned WHERE table_name = 'cache';
UPDATE cache SET a = 'integer' RETURNING *;
UPDATE cache SET a = 'integer, lower', rv = 1 RETURNING *;
-- back to rowversion: the rows are read, and one without a valid
-- version stops it
UPDATE cache SET rv = -1;
SELECT * FROM regress.try($$ALTER TABLE cache ALTER COLUMN rv TYPE rowversion$$);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'cache'::regclass AND attname = 'rv';
SELECT * FROM versioning('cache');
UPDATE cache SET rv = 4;
ALTER TABLE cache ALTER COLUMN rv TYPE rowversion;
-- versioned again, with the options the column's default kept through
-- the round trip: strict, and only a counts
SELECT * FROM versioned WHERE table_name = 'cache';
SELECT * FROM regress.try($$UPDATE cache SET c = 'c1'$$);
UPDATE cache SET c = 'c1', rv = 4 RETURNING *;

-- to numeric, and back: a fraction rounds to the nearest integer, which
-- must not be negative
SELECT concurrency.enable('cache', 'rv', ignore_columns => '{c}');
UPDATE cache SET c = 'c2' RETURNING *;
ALTER TABLE cache ALTER COLUMN rv TYPE numeric;
SELECT * FROM versioning('cache');
UPDATE cache SET c = 'c3', rv = -0.6 RETURNING *;
SELECT * FROM regress.try($$ALTER TABLE cache ALTER COLUMN rv TYPE rowversion$$);
UPDATE cache SET rv = 6.5;
ALTER TABLE cache ALTER COLUMN rv TYPE rowversion;
SELECT * FROM versioned WHERE table_name = 'cache';
SELECT * FROM cache;
UPDATE cache SET c = 'c4' RETURNING *;

-- to text, and back: text needs a USING, and text that is not a version
-- leaves the column as it is
SELECT concurrency.enable('cache', 'rv', check_columns => '{a,b}', strict => true);
ALTER TABLE cache ALTER COLUMN rv TYPE text;
SELECT * FROM versioning('cache');
UPDATE cache SET a = 'text', rv = 'abc' RETURNING *;
SELECT * FROM regress.try($$ALTER TABLE cache ALTER COLUMN rv TYPE rowversion$$);
SELECT * FROM regress.try($$ALTER TABLE cache ALTER COLUMN rv TYPE rowversion USING rv::rowversion$$);
SELECT * FROM versioning('cache');
UPDATE cache SET rv = ' 9 ';
ALTER TABLE cache ALTER COLUMN rv TYPE rowversion USING rv::rowversion;
UPDATE cache SET a = 'rowversion again', rv = 9 RETURNING *;

-- dropped: not versioned from the next statement on; a new version column
-- sits at another attribute number, and the next write uses it and leaves
-- the columns around it alone
SELECT concurrency.enable('cache', 'rv', check_columns => '{a}', strict => true);
UPDATE cache SET a = 'before the drop', rv = 10 RETURNING *;
ALTER TABLE cache DROP COLUMN rv;
SELECT * FROM versioning('cache');
UPDATE cache SET a = 'unversioned' RETURNING *;
ALTER TABLE cache ADD COLUMN w rowversion;
SELECT attnum, attname, attisdropped FROM pg_attribute
 WHERE attrelid = 'cache'::regclass AND attnum > 0 ORDER BY attnum;
UPDATE cache SET a = 'new column' RETURNING *;
SELECT * FROM regress.try($$UPDATE cache SET a = 'x', w = 1$$);

-- all of it inside one transaction
BEGIN;
UPDATE cache SET a = 'in a transaction' RETURNING *;
ALTER TABLE cache ALTER COLUMN w TYPE bigint;
UPDATE cache SET a = 'unversioned', w = 1 RETURNING *;
ALTER TABLE cache ALTER COLUMN w TYPE rowversion;
UPDATE cache SET a = 'versioned' RETURNING *;
SELECT * FROM regress.try($$UPDATE cache SET a = 'x', w = 1$$);
COMMIT;

-- a prepared statement across the DDL
PREPARE bump(text) AS UPDATE cache SET a = $1;
EXECUTE bump('prepared');
SELECT * FROM cache;
ALTER TABLE cache ALTER COLUMN w TYPE bigint;
EXECUTE bump('prepared, unversioned');
SELECT * FROM cache;
ALTER TABLE cache ALTER COLUMN w TYPE rowversion;
EXECUTE bump('prepared, versioned');
SELECT * FROM cache;
ALTER TABLE cache RENAME COLUMN w TO ver;
EXECUTE bump('prepared, renamed');
SELECT * FROM cache;
DEALLOCATE bump;

-- The trigger writes the version where the row lies when it can: a
-- dropped column before it, a one-byte column before its alignment gap,
-- and the columns after it keep their values.
CREATE TABLE layout (id int PRIMARY KEY, gone text, flag boolean, v rowversion, tail text);
INSERT INTO layout VALUES (1, 'gone', true, 1, 'tail');
ALTER TABLE layout DROP COLUMN gone;
UPDATE layout SET flag = false RETURNING *;
UPDATE layout SET tail = 'tail!' RETURNING *;
ALTER TABLE layout ADD COLUMN late text DEFAULT 'late';
UPDATE layout SET flag = true RETURNING *;
UPDATE layout SET late = NULL, v = 4 RETURNING *;
SELECT * FROM layout;

-- A default the version cannot start from: refused when the column is
-- added; set later, it makes each INSERT that leaves the version out fail.
-- 0 is a version to start from (ADD COLUMN ... DEFAULT 0: ORM migrations).
CREATE TABLE defaults (id int PRIMARY KEY);
INSERT INTO defaults VALUES (1);
SELECT * FROM regress.try($$ALTER TABLE defaults ADD COLUMN v rowversion DEFAULT -1$$);
SELECT * FROM regress.try($$ALTER TABLE defaults ADD COLUMN v rowversion DEFAULT NULL$$);
SELECT * FROM versioning('defaults');
ALTER TABLE defaults ADD COLUMN v rowversion DEFAULT 0;
SELECT * FROM defaults;
ALTER TABLE defaults ALTER COLUMN v SET DEFAULT -1;
SELECT * FROM regress.try($$INSERT INTO defaults VALUES (2)$$);
ALTER TABLE defaults ALTER COLUMN v DROP DEFAULT;
INSERT INTO defaults VALUES (2) RETURNING *;
-- a default above the limit is refused like any stated version; the limit
-- itself goes in, and moves on by one
ALTER TABLE defaults ALTER COLUMN v SET DEFAULT 9223372036854775807;
SELECT * FROM regress.try($$INSERT INTO defaults VALUES (3)$$);
ALTER TABLE defaults ALTER COLUMN v SET DEFAULT 4611686018427387904;
INSERT INTO defaults VALUES (3) RETURNING *;
UPDATE defaults SET id = 4 WHERE id = 3 RETURNING *;
SELECT * FROM defaults ORDER BY id;

-- A generated column is computed after the BEFORE triggers and would
-- overwrite whatever the row trigger sets: a rowversion column cannot be
-- generated.  Nor can it be an identity column (PostgreSQL's own rule).
SELECT state, message FROM regress.try($$CREATE TABLE generated1 (id int, v rowversion GENERATED ALWAYS AS (id) STORED)$$);
CREATE TABLE generated2 (id int);
SELECT state, message FROM regress.try($$ALTER TABLE generated2 ADD COLUMN v rowversion GENERATED ALWAYS AS (id - 1) STORED$$);
SELECT * FROM regress.try($$CREATE TABLE generated3 (id int, v rowversion GENERATED ALWAYS AS IDENTITY)$$);
SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'hostile'::regnamespace AND c.relname LIKE 'generated%'
   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2;
SELECT * FROM versioned WHERE table_name LIKE 'generated%';

--
-- 3. The trigger functions used by hand.
--
-- version_trigger() called directly, as an AFTER row, statement,
-- TRUNCATE, DELETE-only or INSTEAD OF trigger, on a table without a
-- rowversion column, and a second BEFORE row trigger on a versioned
-- table: api.sql.  options_changed(), ddl_command_end() and sql_drop()
-- called directly: api.sql.
--
CREATE TABLE byhand (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO byhand VALUES (1, 'a', 5);
-- a deferred constraint trigger fires AFTER, at COMMIT: refused there, and
-- the transaction's writes are lost with it
CREATE CONSTRAINT TRIGGER by_hand AFTER UPDATE ON byhand
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
BEGIN;
UPDATE byhand SET a = 'deferred' RETURNING *;
COMMIT;
SELECT :'LAST_ERROR_SQLSTATE' AS state;
SELECT * FROM byhand;
DROP TRIGGER by_hand ON byhand;
-- an AFTER statement trigger with a transition table
CREATE TRIGGER by_hand AFTER UPDATE ON byhand REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$UPDATE byhand SET a = 'x'$$);
DROP TRIGGER by_hand ON byhand;
-- BEFORE INSERT only, with arguments: the INSERT rules a second time,
-- which changes nothing; the arguments are ignored
CREATE TRIGGER by_hand BEFORE INSERT ON byhand
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger('ignored', '42');
INSERT INTO byhand VALUES (2, 'b') RETURNING *;
INSERT INTO byhand VALUES (3, 'c', 7) RETURNING *;
SELECT * FROM regress.try($$INSERT INTO byhand VALUES (4, 'd', -1)$$);
DROP TRIGGER by_hand ON byhand;
-- on a partitioned table without a rowversion column: cloned to each
-- partition, and refused there
CREATE TABLE byhand_parted (id int PRIMARY KEY, a text) PARTITION BY RANGE (id);
CREATE TABLE byhand_parted_1 PARTITION OF byhand_parted FOR VALUES FROM (0) TO (10);
CREATE TRIGGER by_hand BEFORE INSERT OR UPDATE ON byhand_parted
	FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger();
SELECT * FROM regress.try($$INSERT INTO byhand_parted VALUES (1, 'a')$$);
SELECT count(*) FROM byhand_parted;
-- the row trigger as an event trigger, and the event trigger as a row
-- trigger: PostgreSQL checks the return type
SELECT * FROM regress.try($$CREATE EVENT TRIGGER regress_hostile_event ON ddl_command_end EXECUTE FUNCTION concurrency.version_trigger()$$);
SELECT * FROM regress.try($$CREATE TRIGGER by_hand BEFORE UPDATE ON byhand FOR EACH ROW EXECUTE FUNCTION concurrency.ddl_command_end()$$);
SELECT * FROM byhand ORDER BY id;

--
-- 4. enable() on what is not the user's to version.
--
-- Views, materialized views, foreign tables, sequences, indexes, composite
-- types, pg_class, pg_attribute, the options table, OIDs that name
-- nothing, tables of another owner, temporary tables: api.sql.
--
-- information_schema's tables store rows, but belong to the system:
-- pg_dump does not dump them.  Refused like the catalogs (inside a
-- transaction rolled back, so that a failure cannot spoil the rest).
BEGIN;
SELECT * FROM regress.try($$SELECT concurrency.enable('information_schema.sql_features')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('information_schema.sql_implementation_info', 'v', strict => true)$$);
SELECT * FROM regress.try($$SELECT concurrency.disable('information_schema.sql_parts')$$);
SELECT count(*) FROM concurrency.tables WHERE schema_name = 'information_schema';
SELECT count(*) FROM pg_attribute
 WHERE attrelid = 'information_schema.sql_features'::regclass AND NOT attisdropped
   AND atttypid = 'rowversion'::regtype;
ROLLBACK;
-- a TOAST table, which only an OID can name
SELECT * FROM regress.try(format('SELECT concurrency.enable(%s)',
	(SELECT reltoastrelid FROM pg_class WHERE oid = 'pg_catalog.pg_statistic'::regclass)));
-- options are a write: not in a read-only transaction, even for a
-- temporary table
CREATE TEMP TABLE temp_read_only (id int PRIMARY KEY, v rowversion);
BEGIN READ ONLY;
SELECT * FROM regress.try($$SELECT concurrency.enable('temp_read_only', 'v', strict => true)$$);
ROLLBACK;
SELECT * FROM concurrency.options_of('temp_read_only');
DROP TABLE temp_read_only;

--
-- 5. check_columns and ignore_columns that name what is not a column.
--
-- A name that does not exist, ctid, xmin, the version column, a generated
-- column, NULL elements, an empty or two-dimensional array: api.sql.
--
CREATE TABLE watched (id int PRIMARY KEY, a text, gone text, b text);
ALTER TABLE watched DROP COLUMN gone;
SELECT concurrency.enable('watched', 'v', check_columns => '{a}');
-- a dropped column, by the name it had and by the name it has now
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{a,gone}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', ignore_columns => '{"........pg.dropped.3........"}')$$);
-- system columns, and oid, which is no column at all since PostgreSQL 12
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{tableoid}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', ignore_columns => '{cmax}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{oid}')$$);
-- names are taken as they are: no case folding, no trimming, no quotes
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{A}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{"a "}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => ARRAY['"a"']::name[])$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('watched', 'v', check_columns => '{""}')$$);
-- none of those changed the options
SELECT * FROM versioned WHERE table_name = 'watched';
-- a name given twice is kept as given and counts once
SELECT concurrency.enable('watched', 'v', check_columns => '{a,a}');
SELECT * FROM versioned WHERE table_name = 'watched';
INSERT INTO watched VALUES (1, 'a', 'b');
UPDATE watched SET a = 'a!' RETURNING *;
UPDATE watched SET b = 'b!' RETURNING *;
-- a version column under the name of a dropped column: PostgreSQL's
-- ALTER TABLE refuses it
CREATE TABLE watched2 (id int PRIMARY KEY, gone int);
ALTER TABLE watched2 DROP COLUMN gone;
SELECT * FROM regress.try($$SELECT concurrency.enable('watched2', '........pg.dropped.2........')$$);
SELECT * FROM versioning('watched2');

--
-- 6. A hostile search_path.
--
-- regress_hostile_planter owns a schema that regress_hostile_owner has
-- first on its search_path, ahead of pg_catalog.  In it: look-alikes of
-- the functions, operators and relations that the extension's own SQL
-- uses, each of which logs its call.  Writes and DDL by the owner never
-- call one: the row trigger runs no SQL, and the extension's SQL runs with
-- search_path = pg_catalog, pg_temp (as the options table's owner, where
-- a planted function would run with that owner's privileges).
--
CREATE SCHEMA hostile_planted AUTHORIZATION regress_hostile_planter;
GRANT USAGE ON SCHEMA hostile_planted TO PUBLIC;
SET ROLE regress_hostile_planter;
CREATE TABLE hostile_planted.calls (what text, by_role name DEFAULT current_user);
GRANT SELECT, INSERT ON hostile_planted.calls TO PUBLIC;
CREATE FUNCTION hostile_planted.spy(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hostile_planted.calls (what) VALUES (what);
	RETURN true;
END
$$;
CREATE FUNCTION hostile_planted.int8eq(a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('=(bigint,bigint)');
	RETURN a OPERATOR(pg_catalog.=) b;
END
$$;
CREATE OPERATOR hostile_planted.= (LEFTARG = bigint, RIGHTARG = bigint,
	FUNCTION = hostile_planted.int8eq);
CREATE FUNCTION hostile_planted.int8lt(a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('<(bigint,bigint)');
	RETURN a OPERATOR(pg_catalog.<) b;
END
$$;
CREATE OPERATOR hostile_planted.< (LEFTARG = bigint, RIGHTARG = bigint,
	FUNCTION = hostile_planted.int8lt);
CREATE FUNCTION hostile_planted.int8le(a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('<=(bigint,bigint)');
	RETURN a OPERATOR(pg_catalog.<=) b;
END
$$;
CREATE OPERATOR hostile_planted.<= (LEFTARG = bigint, RIGHTARG = bigint,
	FUNCTION = hostile_planted.int8le);
CREATE FUNCTION hostile_planted.int8pl(a bigint, b bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('int8pl');
	RETURN a OPERATOR(pg_catalog.+) b;
END
$$;
CREATE OPERATOR hostile_planted.+ (LEFTARG = bigint, RIGHTARG = bigint,
	FUNCTION = hostile_planted.int8pl);
CREATE FUNCTION hostile_planted.nameeq(a name, b name) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('=(name,name)');
	RETURN a OPERATOR(pg_catalog.=) b;
END
$$;
CREATE OPERATOR hostile_planted.= (LEFTARG = name, RIGHTARG = name,
	FUNCTION = hostile_planted.nameeq);
CREATE FUNCTION hostile_planted.oideq(a oid, b oid) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('=(oid,oid)');
	RETURN a OPERATOR(pg_catalog.=) b;
END
$$;
CREATE OPERATOR hostile_planted.= (LEFTARG = oid, RIGHTARG = oid,
	FUNCTION = hostile_planted.oideq);
CREATE FUNCTION hostile_planted.int24gt(a smallint, b integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('>(smallint,integer)');
	RETURN a OPERATOR(pg_catalog.>) b;
END
$$;
CREATE OPERATOR hostile_planted.> (LEFTARG = smallint, RIGHTARG = integer,
	FUNCTION = hostile_planted.int24gt);
CREATE FUNCTION hostile_planted.array_replace(a name[], b name, c name) RETURNS name[]
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('array_replace(name[],name,name)');
	RETURN pg_catalog.array_replace(a, b, c);
END
$$;
CREATE FUNCTION hostile_planted.unnest(a name[]) RETURNS SETOF name
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('unnest(name[])');
	RETURN QUERY SELECT * FROM pg_catalog.unnest(a);
END
$$;
-- COALESCE is syntax, not a function call: a function of that name is
-- only reached when quoted
CREATE FUNCTION hostile_planted."coalesce"(a name[], b name[]) RETURNS name[]
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('coalesce(name[],name[])');
	RETURN a;
END
$$;
CREATE FUNCTION hostile_planted.pg_event_trigger_ddl_commands() RETURNS SETOF record
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('pg_event_trigger_ddl_commands()');
END
$$;
CREATE FUNCTION hostile_planted.pg_event_trigger_dropped_objects() RETURNS SETOF record
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hostile_planted.spy('pg_event_trigger_dropped_objects()');
END
$$;
CREATE VIEW hostile_planted.pg_attribute AS
	SELECT a.attrelid, a.attname, a.atttypid, a.attnum, a.attisdropped,
		   hostile_planted.spy('pg_attribute') AS spied
	  FROM pg_catalog.pg_attribute a;
CREATE VIEW hostile_planted.pg_class AS
	SELECT c.oid, c.relname, c.relnamespace, c.relkind,
		   hostile_planted.spy('pg_class') AS spied
	  FROM pg_catalog.pg_class c;
RESET ROLE;
ALTER ROLE regress_hostile_owner SET search_path = hostile_planted, pg_catalog, hostile, public;

\c - regress_hostile_owner
SHOW search_path;
-- the trap works: the owner's own comparisons reach the look-alikes
SELECT 1::bigint = 1::bigint AS planted_equal,
	   array_replace('{a}'::name[], 'a', 'b') AS planted_replace;
-- writes
CREATE TABLE hostile.sp (id int PRIMARY KEY, a text, b text, v public.rowversion);
INSERT INTO hostile.sp VALUES (1, 'a', 'b', DEFAULT), (2, 'c', 'd', 5);
UPDATE hostile.sp SET a = 'a1' WHERE id = 1 RETURNING *;
UPDATE hostile.sp SET a = 'a2', v = 2 WHERE id = 1 RETURNING *;
UPDATE hostile.sp SET a = 'a3', v = 7 WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE hostile.sp SET a = 'x', v = 1 WHERE id = 2$$);
INSERT INTO hostile.sp VALUES (2, 'upsert') ON CONFLICT (id) DO UPDATE SET a = excluded.a RETURNING *;
MERGE INTO hostile.sp USING (VALUES (1, 'merged', 7)) AS s(id, a, v) ON sp.id = s.id
WHEN MATCHED THEN UPDATE SET a = s.a, v = s.v;
COPY hostile.sp FROM stdin;
3	copied	x	\N
\.
DELETE FROM hostile.sp WHERE id = 3;
-- DDL: enable() writes the options; renaming a watched column rewrites
-- them; adding or dropping a column reads them; a rewrite reads the rows
SELECT concurrency.enable('hostile.sp', 'v', check_columns => '{a,b}', strict => true);
ALTER TABLE hostile.sp RENAME COLUMN b TO bb;
ALTER TABLE hostile.sp ADD COLUMN c int;
SELECT * FROM regress.try($$ALTER TABLE hostile.sp DROP COLUMN a$$);
ALTER TABLE hostile.sp DROP COLUMN c;
UPDATE hostile.sp SET bb = 'strict', v = 8 WHERE id = 1 RETURNING *;
SELECT concurrency.disable('hostile.sp');
SELECT concurrency.enable('hostile.sp', 'v', ignore_columns => '{bb}');
CREATE TABLE hostile.sp2 (id int PRIMARY KEY, a text);
INSERT INTO hostile.sp2 VALUES (1, 'a');
ALTER TABLE hostile.sp2 ADD COLUMN v public.rowversion;
ALTER TABLE hostile.sp2 ALTER COLUMN v TYPE bigint;
ALTER TABLE hostile.sp2 ALTER COLUMN v TYPE public.rowversion;
SELECT concurrency.disable('hostile.sp2', drop_column => true);
SELECT concurrency.enable('hostile.sp2');
CREATE TABLE hostile.sp3 AS SELECT * FROM hostile.sp;
SELECT concurrency.enable('hostile.sp3', 'v', strict => true);
DROP TABLE hostile.sp3;

\c - :admin_user
SET search_path = hostile, public;
-- all of that took effect
SELECT * FROM versioned WHERE table_name LIKE 'sp%';
SELECT * FROM versioning('sp');
SELECT * FROM versioning('sp2');
SELECT * FROM sp ORDER BY id;
SELECT * FROM sp2 ORDER BY id;
-- and the only calls of a look-alike are the owner's own
SELECT what, by_role, count(*) FROM hostile_planted.calls GROUP BY 1, 2 ORDER BY 1, 2;

-- A look-alike type: an unqualified type name resolves through the
-- search_path like any other, so the owner's own CREATE TABLE picks the
-- planted domain and the table is not versioned.  enable() names the
-- extension's type and is not fooled; its error tells the two apart.
SET ROLE regress_hostile_planter;
CREATE DOMAIN hostile_planted.rowversion AS bigint DEFAULT 1;
RESET ROLE;
\c - regress_hostile_owner
CREATE TABLE hostile.lookalike (id int PRIMARY KEY, v rowversion);
SELECT * FROM regress.try($$SELECT concurrency.enable('hostile.lookalike', 'v')$$);
SELECT concurrency.enable('hostile.lookalike');
\c - :admin_user
SET search_path = hostile, public;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'lookalike'::regclass AND attnum > 0 ORDER BY attnum;
SELECT * FROM versioned WHERE table_name = 'lookalike';
SELECT what, by_role, count(*) FROM hostile_planted.calls GROUP BY 1, 2 ORDER BY 1, 2;
ALTER ROLE regress_hostile_owner RESET search_path;

--
-- 7. A role without the privilege tries every way around the check.
--
-- SET, ALTER ROLE ... SET by an administrator, a function's SET clause, a
-- SECURITY DEFINER function that sets the setting itself, SET
-- session_replication_role, UPDATE and DELETE on the options table and
-- INSERT of options for another owner's table: settings.sql and api.sql.
--
SET ROLE regress_hostile_owner;
CREATE TABLE hostile.acct (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO hostile.acct VALUES (1, 'a', 5), (2, 'b', 5);
GRANT SELECT, INSERT, UPDATE, DELETE ON hostile.acct TO regress_hostile_user;
-- the owner's API for other roles: a write based on the version they read
CREATE FUNCTION hostile.acct_save(p_id int, p_a text, p_v bigint) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
AS $$ UPDATE hostile.acct SET a = p_a, v = p_v WHERE id = p_id RETURNING v $$;
-- the same, with the settings it relies on pinned
CREATE FUNCTION hostile.acct_save_pinned(p_id int, p_a text, p_v bigint) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
SET concurrency.enabled = on SET concurrency.increment = on SET concurrency.on_conflict = error
AS $$ UPDATE hostile.acct SET a = p_a, v = p_v WHERE id = p_id RETURNING v $$;
RESET ROLE;
SELECT tgname AS acct_trigger FROM pg_trigger
 WHERE tgrelid = 'hostile.acct'::regclass AND tgisinternal \gset
-- error messages that name the trigger, without its OID
CREATE FUNCTION hostile.try_masked(stmt text,
	OUT state text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE sql AS $$
SELECT t.state, regexp_replace(t.message, '!concurrency_version_[0-9]+', '!concurrency_version_N', 'g'),
	   t.detail,
	   regexp_replace(t.hint, '!concurrency_version_[0-9]+', '!concurrency_version_N', 'g')
  FROM regress.try(stmt) AS t
$$;

SET ROLE regress_hostile_user;
SELECT has_table_privilege('hostile.acct', 'TRIGGER') AS may_trigger;
-- SET LOCAL
BEGIN;
SET LOCAL concurrency.enabled = off;
SELECT * FROM regress.try($$UPDATE acct SET a = 'x', v = 1 WHERE id = 1$$);
COMMIT;
-- set_config(), for the session and for the transaction
SELECT set_config('concurrency.enabled', 'off', false);
SELECT * FROM regress.try($$UPDATE acct SET a = 'x', v = 1 WHERE id = 1$$);
SELECT set_config('concurrency.enabled', 'on', false);
BEGIN;
SELECT set_config('concurrency.increment', 'off', true);
SELECT * FROM regress.try($$UPDATE acct SET a = 'x' WHERE id = 1$$);
COMMIT;
-- inside a DO block
SELECT * FROM regress.try($try$DO $do$
BEGIN
	PERFORM set_config('concurrency.on_conflict', 'warn', true);
	UPDATE hostile.acct SET a = 'x', v = 1 WHERE id = 1;
END
$do$$try$);
SHOW concurrency.on_conflict;
-- the database's defaults belong to its owner
SELECT state, replace(message, :'dbname', 'DB') AS message
  FROM regress.try(format('ALTER DATABASE %I SET concurrency.enabled = off', :'dbname'));
-- session_replication_role in every form is a superuser's
SELECT * FROM regress.try($$SELECT set_config('session_replication_role', 'replica', false)$$);
BEGIN;
SELECT * FROM regress.try($$SET LOCAL session_replication_role = replica$$);
COMMIT;
SELECT * FROM regress.try($$ALTER ROLE regress_hostile_user SET session_replication_role = replica$$);
SELECT * FROM regress.try($$CREATE FUNCTION pg_temp.as_replica() RETURNS int LANGUAGE sql SET session_replication_role = replica AS 'SELECT 1'$$);
SHOW session_replication_role;
-- the table's triggers and columns are its owner's
SELECT * FROM try_masked($$ALTER TABLE hostile.acct DISABLE TRIGGER ALL$$);
SELECT * FROM try_masked(format('ALTER TABLE hostile.acct DISABLE TRIGGER %I', :'acct_trigger'));
SELECT * FROM try_masked(format('DROP TRIGGER %I ON hostile.acct', :'acct_trigger'));
SELECT * FROM try_masked(format('ALTER TRIGGER %I ON hostile.acct RENAME TO mine', :'acct_trigger'));
SELECT * FROM regress.try($$CREATE TRIGGER mine BEFORE UPDATE ON hostile.acct FOR EACH ROW EXECUTE FUNCTION concurrency.version_trigger()$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.acct ALTER COLUMN v TYPE bigint$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('information_schema.sql_features')$$);
-- the options are the owner's too: they are the version column's default
SELECT * FROM regress.try($$ALTER TABLE hostile.acct ALTER COLUMN v SET DEFAULT concurrency.options(active => false)$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.acct ALTER COLUMN v DROP DEFAULT$$);
-- a SECURITY DEFINER function of the table's owner runs with the owner's
-- privileges but the caller's settings: the caller's enabled = off must
-- not switch the owner's check off
SET concurrency.enabled = off;
SELECT * FROM regress.try($$SELECT hostile.acct_save(1, 'x', 1)$$);
SELECT * FROM regress.try($$SELECT hostile.acct_save_pinned(1, 'x', 1)$$);
RESET concurrency.enabled;
SELECT hostile.acct_save(1, 'saved', 5);
RESET ROLE;
SELECT * FROM acct ORDER BY id;

-- a role's own defaults, for every database or for this one: taken, and
-- refused at the first write
SET ROLE regress_hostile_user;
ALTER ROLE regress_hostile_user SET concurrency.enabled = off;
ALTER ROLE regress_hostile_user IN DATABASE :"dbname" SET concurrency.on_conflict = warn;
RESET ROLE;
\c - regress_hostile_user
SHOW concurrency.enabled;
SHOW concurrency.on_conflict;
SELECT * FROM regress.try($$UPDATE hostile.acct SET a = 'x', v = 1 WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE hostile.acct SET a = 'x' WHERE id = 2$$);
SELECT * FROM hostile.acct ORDER BY id;
ALTER ROLE regress_hostile_user RESET ALL;
ALTER ROLE regress_hostile_user IN DATABASE :"dbname" RESET ALL;
\c - :admin_user
SET search_path = hostile, public;

--
-- 8. The owner, not a superuser, and the internal trigger.  PostgreSQL
-- lets only a superuser disable an internal trigger; DISABLE TRIGGER USER
-- passes it over.  Dropping it is refused too: the trigger belongs to the
-- table's versioning (the table would stay listed as versioned and be
-- versioned again by its next ALTER TABLE or restore).
--
SET ROLE regress_hostile_owner;
SELECT * FROM try_masked($$ALTER TABLE hostile.acct DISABLE TRIGGER ALL$$);
SELECT * FROM try_masked(format('ALTER TABLE hostile.acct DISABLE TRIGGER %I', :'acct_trigger'));
SELECT * FROM try_masked(format('ALTER TABLE hostile.acct ENABLE REPLICA TRIGGER %I', :'acct_trigger'));
SELECT * FROM try_masked(format('ALTER TABLE hostile.acct ENABLE ALWAYS TRIGGER %I', :'acct_trigger'));
ALTER TABLE hostile.acct DISABLE TRIGGER USER;
SELECT * FROM regress.try($$UPDATE hostile.acct SET a = 'x', v = 1 WHERE id = 1$$);
ALTER TABLE hostile.acct ENABLE TRIGGER USER;
-- renaming it is harmless: the extension finds it by its function
ALTER TRIGGER :"acct_trigger" ON hostile.acct RENAME TO renamed_by_owner;
SELECT * FROM regress.try($$UPDATE hostile.acct SET a = 'x', v = 1 WHERE id = 1$$);
UPDATE hostile.acct SET a = 'renamed trigger' WHERE id = 1 RETURNING *;
ALTER TRIGGER renamed_by_owner ON hostile.acct RENAME TO :"acct_trigger";
SELECT * FROM try_masked(format('DROP TRIGGER %I ON hostile.acct', :'acct_trigger'));
RESET ROLE;
SELECT tgname = :'acct_trigger' AS same_name, tgenabled, tgisinternal
  FROM pg_trigger WHERE tgrelid = 'acct'::regclass;
SELECT * FROM regress.try($$UPDATE acct SET a = 'x', v = 1 WHERE id = 1$$);
SELECT * FROM acct ORDER BY id;
-- a superuser may disable it (rolled back)
BEGIN;
ALTER TABLE acct DISABLE TRIGGER ALL;
UPDATE acct SET a = 'unchecked', v = 1 WHERE id = 1 RETURNING *;
ROLLBACK;

--
-- 9. The owner writes the options by hand, as the version column's
-- default.  Allowed (it is what a restore does), with only what enable()
-- would accept; it takes effect at once.
--
SET ROLE regress_hostile_owner;
CREATE TABLE hostile.direct (id int PRIMARY KEY, a text, gone text, b text, v rowversion);
ALTER TABLE hostile.direct DROP COLUMN gone;
CREATE VIEW hostile.direct_view AS SELECT * FROM hostile.direct;
INSERT INTO hostile.direct VALUES (1, 'a', 'b');
UPDATE hostile.direct SET a = 'a1' RETURNING *;
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{gone}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{"........pg.dropped.3........"}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(ignore_columns => '{xmax}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(ignore_columns => '{v}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{a}', ignore_columns => '{b}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{a,NULL}')$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(strict => NULL)$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(strict => random() > 0.5)$$);
SELECT * FROM regress.try($$CREATE TABLE hostile.direct2 (id int, v rowversion DEFAULT concurrency.options(check_columns => '{nope}'))$$);
SELECT * FROM regress.try($$CREATE TABLE hostile.direct2 (id int, v rowversion DEFAULT concurrency.options(active => (SELECT false)))$$);
SELECT * FROM hostile.versioning('hostile.direct');
SELECT table_name, check_columns, strict, active FROM concurrency.tables WHERE table_name = 'direct';
-- a view's column default is the view's: it gives the table no options
ALTER VIEW hostile.direct_view ALTER COLUMN v SET DEFAULT concurrency.options(strict => true);
SELECT table_name, check_columns, strict, active FROM concurrency.tables WHERE table_name = 'direct';
UPDATE hostile.direct_view SET b = 'via view' RETURNING *;
-- a valid call takes effect at once, in this session too (constant
-- expressions are folded)
ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => ARRAY['a']::name[], strict => 1 < 2);
SELECT table_name, check_columns, strict, active FROM concurrency.tables WHERE table_name = 'direct';
SELECT * FROM regress.try($$UPDATE hostile.direct SET b = 'x'$$);
UPDATE hostile.direct SET b = 'b1', v = 3 RETURNING *;
UPDATE hostile.direct SET a = 'a2', v = 3 RETURNING *;
-- and it cannot be dropped by replacing the default
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT 0$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v DROP DEFAULT$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT hostile.options(strict => true)$$);
SELECT * FROM regress.try($$ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(5) + 0$$);
RESET ROLE;
SELECT table_name, check_columns, strict, active FROM concurrency.tables WHERE table_name = 'direct';
-- a start value is kept as the default an INSERT takes
SET ROLE regress_hostile_owner;
ALTER TABLE hostile.direct ALTER COLUMN v SET DEFAULT concurrency.options(7, check_columns => '{a}', strict => true);
INSERT INTO hostile.direct (id, a) VALUES (2, 'seven') RETURNING *;
RESET ROLE;

-- a partition that carries no options takes its parent's; changing only
-- the parent's (ALTER TABLE ONLY) reaches a partition's cached options
CREATE TABLE hostile.tree (id int, v rowversion) PARTITION BY LIST (id);
CREATE TABLE hostile.tree_1 (id int, v rowversion);
ALTER TABLE hostile.tree ATTACH PARTITION hostile.tree_1 FOR VALUES IN (1);
INSERT INTO hostile.tree VALUES (1);
UPDATE hostile.tree_1 SET id = 1 RETURNING *;
ALTER TABLE ONLY hostile.tree ALTER COLUMN v SET DEFAULT concurrency.options(strict => true);
SELECT * FROM hostile.versioning('hostile.tree_1');
SELECT * FROM regress.try($$UPDATE hostile.tree_1 SET id = 1$$);
ALTER TABLE ONLY hostile.tree ALTER COLUMN v SET DEFAULT concurrency.options(strict => false);
UPDATE hostile.tree_1 SET id = 1 RETURNING *;

--
-- Clean up
--
SET client_min_messages = warning;
DROP SCHEMA hostile CASCADE;
DROP SCHEMA hostile_planted CASCADE;
DROP ROLE regress_hostile_owner;
DROP ROLE regress_hostile_user;
DROP ROLE regress_hostile_planter;
RESET client_min_messages;
SELECT count(*) FROM pg_roles WHERE rolname LIKE 'regress_hostile%';

--
-- 10. The functions of the extension called by hand, with odd arguments.
--
SELECT concurrency.options() AS no_arguments, concurrency.options(NULL) AS null_start,
	   concurrency.options(42, strict => true) AS start_42;
SELECT * FROM concurrency.options_of(0);
SELECT * FROM concurrency.options_of(NULL);
SELECT * FROM concurrency.options_of('pg_class');
SELECT * FROM regress.try($$SELECT concurrency.ddl_command_start()$$);
SELECT 1 AS still_connected;
