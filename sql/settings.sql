-- The settings concurrency.enabled, concurrency.increment and
-- concurrency.on_conflict, and who may use them to relax the check.

LOAD 'concurrency';

-- The settings and their defaults
-- (concurrency.fast_path has a test of its own, and the suites run with
-- it on and off)
SELECT name, setting, vartype, context, enumvals
  FROM pg_settings
 WHERE name LIKE 'concurrency.%' AND name <> 'concurrency.fast_path'
 ORDER BY name;
SHOW concurrency.enabled;
SHOW concurrency.increment;
SHOW concurrency.on_conflict;
-- invalid values are refused
SELECT * FROM regress.try($$SET concurrency.on_conflict = 'ignore'$$) \gx
SELECT * FROM regress.try($$SET concurrency.on_conflict = ''$$) \gx
SELECT * FROM regress.try($$SET concurrency.enabled = 'maybe'$$) \gx
SELECT * FROM regress.try($$SET concurrency.increment = 2$$) \gx
SHOW concurrency.on_conflict;
-- case does not matter for enum values, as for PostgreSQL's own
SET concurrency.on_conflict = 'SKIP';
SHOW concurrency.on_conflict;
RESET concurrency.on_conflict;

SET client_min_messages = warning;
CREATE SCHEMA settings;
SET search_path = settings, public;
CREATE ROLE regress_settings_user LOGIN;
CREATE ROLE regress_settings_owner;
GRANT USAGE ON SCHEMA settings TO regress_settings_user, regress_settings_owner;
GRANT CREATE ON SCHEMA settings TO regress_settings_owner;
RESET client_min_messages;

CREATE TABLE items (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO items SELECT g, 'a' || g FROM generate_series(1, 4) g;
UPDATE items SET a = a || '!' WHERE id IN (2, 4);
SELECT * FROM items ORDER BY id;

--
-- concurrency.enabled = off: stale writes go through, versions still move
--
SET concurrency.enabled = off;
UPDATE items SET a = 'stale but allowed', v = 1 WHERE id = 2 RETURNING *;
UPDATE items SET a = 'not stated' WHERE id = 1 RETURNING *;
UPDATE items SET a = 'ahead', v = 10 WHERE id = 3 RETURNING *;
RESET concurrency.enabled;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 2$$) \gx
SELECT * FROM items ORDER BY id;

--
-- concurrency.increment = off: versions are left as they are; stale
-- writes are still rejected
--
SET concurrency.increment = off;
UPDATE items SET a = 'backfill' WHERE id = 1 RETURNING *;
UPDATE items SET a = 'backfill', v = 3 WHERE id = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 2$$) \gx
-- a version the writer states ahead is still kept
UPDATE items SET a = 'ahead', v = 11 WHERE id = 3 RETURNING *;
RESET concurrency.increment;
SELECT * FROM items ORDER BY id;

--
-- concurrency.on_conflict = skip: stale rows are left alone, the others
-- are written
--
SELECT * FROM items ORDER BY id;
SET concurrency.on_conflict = skip;
-- rows 2 and 3 are stale
UPDATE items SET a = 'bulk', v = s.v
  FROM (VALUES (1, 2), (2, 1), (3, 5), (4, 2)) AS s(id, v)
 WHERE items.id = s.id
RETURNING items.*;
SELECT * FROM items ORDER BY id;
-- the row count shows what was written
UPDATE items SET a = 'bulk 2', v = s.v
  FROM (VALUES (1, 3), (2, 1), (3, 5), (4, 3)) AS s(id, v)
 WHERE items.id = s.id;
SELECT :ROW_COUNT AS row_count;
-- every skipped row gets a NOTICE with SQLSTATE 40V01
\set VERBOSITY sqlstate
UPDATE items SET a = 'bulk 3', v = 1;
\set VERBOSITY default
SELECT :ROW_COUNT AS row_count;
SELECT * FROM items ORDER BY id;
-- a row that is not stale is written
UPDATE items SET a = 'fresh', v = 4 WHERE id = 4 RETURNING *;
RESET concurrency.on_conflict;

--
-- concurrency.on_conflict = warn: a WARNING, and the write is done
--
SET concurrency.on_conflict = warn;
UPDATE items SET a = 'warned', v = 1 WHERE id = 1 RETURNING *;
\set VERBOSITY sqlstate
UPDATE items SET a = 'warned again', v = 1 WHERE id = 1 RETURNING *;
\set VERBOSITY default
-- not stale: no warning
UPDATE items SET a = 'fine', v = 6 WHERE id = 1 RETURNING *;
RESET concurrency.on_conflict;
SELECT * FROM items ORDER BY id;

--
-- SET LOCAL ends with its transaction
--
BEGIN;
SET LOCAL concurrency.enabled = off;
SHOW concurrency.enabled;
UPDATE items SET a = 'local', v = 1 WHERE id = 1 RETURNING *;
COMMIT;
SHOW concurrency.enabled;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 1$$) \gx
BEGIN;
SET LOCAL concurrency.on_conflict = skip;
UPDATE items SET a = 'local', v = 1 WHERE id = 1 RETURNING *;
ROLLBACK;
SHOW concurrency.on_conflict;
SELECT * FROM items ORDER BY id;

--
-- The privilege rule: relaxing the check needs TRIGGER on the table
--
GRANT SELECT, INSERT, UPDATE ON items TO regress_settings_user;
SET ROLE regress_settings_user;
SELECT has_table_privilege('settings.items', 'TRIGGER') AS may_trigger;
SET concurrency.enabled = off;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 1$$) \gx
-- even a write that is not stale
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x' WHERE id = 1$$) \gx
RESET concurrency.enabled;
SET concurrency.increment = off;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x' WHERE id = 1$$) \gx
RESET concurrency.increment;
SET concurrency.on_conflict = warn;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1$$) \gx
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x' WHERE id = 4$$) \gx
RESET concurrency.on_conflict;
-- two at once: the message names the first
SET concurrency.increment = off;
SET concurrency.on_conflict = warn;
SELECT state, detail FROM regress.try($$UPDATE settings.items SET a = 'x' WHERE id = 4$$);
RESET concurrency.increment;
RESET concurrency.on_conflict;
-- nothing was written
SELECT * FROM items ORDER BY id;
-- the error reaches the client as it is
SET concurrency.enabled = off;
UPDATE items SET a = 'x';
RESET concurrency.enabled;
-- inserts are not affected: no bypass is asked for
SET concurrency.increment = off;
INSERT INTO items VALUES (5, 'inserted') RETURNING *;
RESET concurrency.increment;
-- skip loses nothing and needs no privilege
SET concurrency.on_conflict = skip;
UPDATE items SET a = 'skip by user', v = s.v
  FROM (VALUES (1, 1), (4, 5), (5, 1)) AS s(id, v)
 WHERE items.id = s.id
RETURNING items.*;
RESET concurrency.on_conflict;
-- the role cannot switch the trigger off either
SELECT * FROM regress.try($$SET session_replication_role = replica$$) \gx
SHOW session_replication_role;
RESET ROLE;
SELECT * FROM items ORDER BY id;

-- ALTER ROLE ... SET is no way around it
SELECT current_user AS admin_user \gset
ALTER ROLE regress_settings_user SET concurrency.enabled = off;
\c - regress_settings_user
SHOW concurrency.enabled;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 1$$) \gx
SELECT * FROM settings.items ORDER BY id;
\c - :admin_user
SET search_path = settings, public;
ALTER ROLE regress_settings_user RESET concurrency.enabled;

-- nor is a function that sets it
CREATE FUNCTION settings.stale_write() RETURNS bigint
LANGUAGE sql SET concurrency.enabled = off
AS $$ UPDATE settings.items SET a = 'via function', v = 1 WHERE id = 1 RETURNING v $$;
SET ROLE regress_settings_user;
SELECT * FROM regress.try($$SELECT settings.stale_write()$$) \gx
RESET ROLE;
SELECT * FROM items WHERE id = 1;
-- the table's owner may delegate it with SECURITY DEFINER
CREATE FUNCTION settings.stale_write_definer() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET concurrency.enabled = off
AS $$ UPDATE settings.items SET a = 'via definer', v = 1 WHERE id = 1 RETURNING v $$;
SET ROLE regress_settings_user;
SELECT settings.stale_write_definer();
RESET ROLE;
SELECT * FROM items WHERE id = 1;

-- GRANT TRIGGER makes the settings work for the role
GRANT TRIGGER ON items TO regress_settings_user;
SET ROLE regress_settings_user;
SET concurrency.enabled = off;
UPDATE items SET a = 'granted', v = 1 WHERE id = 2 RETURNING *;
RESET concurrency.enabled;
SET concurrency.increment = off;
UPDATE items SET a = 'granted' WHERE id = 3 RETURNING *;
RESET concurrency.increment;
SET concurrency.on_conflict = warn;
UPDATE items SET a = 'granted', v = 1 WHERE id = 4 RETURNING *;
RESET concurrency.on_conflict;
RESET ROLE;

-- the privilege is looked at when the write happens: revoked within a
-- transaction, it is gone for the next statement
BEGIN;
SET ROLE regress_settings_user;
SET LOCAL concurrency.enabled = off;
UPDATE items SET a = 'pre-revoke', v = 1 WHERE id = 2 RETURNING *;
RESET ROLE;
REVOKE TRIGGER ON items FROM regress_settings_user;
SET ROLE regress_settings_user;
SELECT has_table_privilege('settings.items', 'TRIGGER') AS may_trigger;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'postrevoke', v = 1 WHERE id = 2$$) \gx
RESET ROLE;
COMMIT;
SELECT * FROM items ORDER BY id;

--
-- TRIGGER on a partitioned ancestor covers its partitions
--
CREATE TABLE parted (id int, region text, a text, v rowversion,
	PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu')
	PARTITION BY RANGE (id);
CREATE TABLE parted_eu_1 PARTITION OF parted_eu FOR VALUES FROM (0) TO (100);
INSERT INTO parted VALUES (1, 'eu', 'a', 5);
GRANT SELECT, UPDATE ON parted, parted_eu, parted_eu_1 TO regress_settings_user;
SET ROLE regress_settings_user;
SET concurrency.enabled = off;
SELECT * FROM regress.try($$UPDATE settings.parted SET a = 'x', v = 1$$) \gx
RESET ROLE;
GRANT TRIGGER ON parted TO regress_settings_user;
SET ROLE regress_settings_user;
UPDATE parted SET a = 'via root', v = 1 RETURNING *;
UPDATE parted_eu_1 SET a = 'direct', v = 1 RETURNING *;
RESET ROLE;
REVOKE TRIGGER ON parted FROM regress_settings_user;
GRANT TRIGGER ON parted_eu TO regress_settings_user;
SET ROLE regress_settings_user;
UPDATE parted_eu_1 SET a = 'middle', v = 1 RETURNING *;
RESET concurrency.enabled;
RESET ROLE;
-- TRIGGER on a partition does not cover its ancestors' other partitions
-- or an inheritance child
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
INSERT INTO parted VALUES (2, 'us', 'b', 5);
GRANT SELECT, UPDATE ON parted_us TO regress_settings_user;
CREATE TABLE inh_parent (id int PRIMARY KEY, a text, v rowversion);
CREATE TABLE inh_child () INHERITS (inh_parent);
INSERT INTO inh_child VALUES (1, 'c', 5);
GRANT SELECT, UPDATE ON inh_parent, inh_child TO regress_settings_user;
GRANT TRIGGER ON inh_parent TO regress_settings_user;
SET ROLE regress_settings_user;
SET concurrency.enabled = off;
SELECT * FROM regress.try($$UPDATE settings.parted_us SET a = 'x', v = 1$$) \gx
SELECT * FROM regress.try($$UPDATE settings.inh_parent SET a = 'x', v = 1$$) \gx
RESET concurrency.enabled;
RESET ROLE;
SELECT * FROM parted ORDER BY id;
SELECT * FROM inh_parent ORDER BY id;

--
-- The table's owner may, without being a superuser
--
SET ROLE regress_settings_owner;
CREATE TABLE owned (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO owned VALUES (1, 'a', 5);
SET concurrency.enabled = off;
UPDATE owned SET a = 'owner', v = 1 RETURNING *;
RESET concurrency.enabled;
SET concurrency.increment = off;
UPDATE owned SET a = 'owner again' RETURNING *;
RESET concurrency.increment;
SET concurrency.on_conflict = warn;
UPDATE owned SET a = 'owner warned', v = 1 RETURNING *;
RESET concurrency.on_conflict;
RESET ROLE;

--
-- session_replication_role = replica (a superuser's): the trigger does
-- not fire, versions arrive as they were written
--
SET session_replication_role = replica;
UPDATE items SET a = 'replicated', v = 1 WHERE id = 1 RETURNING *;
UPDATE items SET a = 'replicated' WHERE id = 2 RETURNING *;
INSERT INTO items VALUES (6, 'replicated', 42) RETURNING *;
RESET session_replication_role;
UPDATE items SET a = 'local again' WHERE id = 6 RETURNING *;
SELECT * FROM regress.try($$UPDATE settings.items SET a = 'x', v = 1 WHERE id = 6$$) \gx
SELECT * FROM items ORDER BY id;

--
-- Clean up
--
SET client_min_messages = warning;
DROP SCHEMA settings CASCADE;
DROP ROLE regress_settings_user;
DROP ROLE regress_settings_owner;
