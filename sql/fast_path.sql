-- The fast path: an UPDATE (or ON CONFLICT DO UPDATE) whose plan computes
-- the version itself, so that the row trigger does not fire; and every
-- case the plan leaves to the trigger, each still checked.
SET client_min_messages = warning;
CREATE SCHEMA fast;
SET search_path = fast, public;
-- the planner hook exists once the library is loaded
LOAD 'concurrency';
SET concurrency.fast_path = on;
SET track_functions = 'all';

SELECT name, boot_val, vartype, context
  FROM pg_settings WHERE name = 'concurrency.fast_path';

CREATE TABLE docs (
	id		integer PRIMARY KEY,
	body	text,
	version	rowversion
);
INSERT INTO docs SELECT g, 'v1' FROM generate_series(1, 4) g;

--
-- What the plan computes, as EXPLAIN VERBOSE shows it
--
EXPLAIN (VERBOSE, COSTS OFF) UPDATE docs SET body = 'x' WHERE id = 1;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE docs SET body = 'x', version = 3 WHERE id = 1;
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO docs VALUES (1, 'x', 2)
	ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version;

--
-- The rules, applied by the plan, with the trigger not firing
--
-- not stated: OLD + 1, for every row
SELECT regress.fired($$UPDATE docs SET body = 'v2'$$);
SELECT id, body, version FROM docs ORDER BY id;
-- stated = OLD: OLD + 1; stated > OLD: kept
SELECT regress.fired($$UPDATE docs SET body = 'echo', version = 2 WHERE id = 1$$);
SELECT regress.fired($$UPDATE docs SET body = 'ahead', version = 10 WHERE id = 2$$);
UPDATE docs SET body = 'returned', version = version WHERE id = 3 RETURNING id, version;
SELECT id, body, version FROM docs ORDER BY id;
-- stated < OLD: stale, refused with the trigger's own error and fields
SELECT * FROM regress.try($$UPDATE docs SET body = 'stale', version = 2 WHERE id = 2$$) \gx
-- a stated NULL, a version past the limit
SELECT * FROM regress.try($$UPDATE docs SET version = NULL WHERE id = 1$$) \gx
SELECT * FROM regress.try($$UPDATE docs SET version = 4611686018427387905 WHERE id = 1$$) \gx
-- per row of a statement over many rows
SELECT * FROM regress.try($$
	UPDATE docs d SET body = 'bulk', version = v.version
	  FROM (VALUES (1, 3), (2, 10), (3, 1)) v(id, version)
	 WHERE d.id = v.id$$) \gx
SELECT regress.fired($$
	UPDATE docs d SET body = 'bulk', version = v.version
	  FROM (VALUES (1, 3), (2, 10), (3, 5)) v(id, version)
	 WHERE d.id = v.id$$);
SELECT id, body, version FROM docs ORDER BY id;
-- a row a join matches twice is updated once: the second match, stale
-- against the version the statement saw, finds the row already updated by
-- the statement and is left, as with the trigger
CREATE TABLE twice (id integer PRIMARY KEY, body text, version rowversion);
INSERT INTO twice VALUES (1, 'a', 5);
UPDATE twice t SET body = v.body, version = v.version
  FROM (VALUES (1, 'first', 5), (1, 'second', 0)) v(id, body, version)
 WHERE t.id = v.id RETURNING t.*;
-- a parameter, as drivers send the version
PREPARE save(integer, text, bigint) AS
	UPDATE docs SET body = $2, version = $3 WHERE id = $1 RETURNING version;
EXECUTE save(4, 'param', 2);
SELECT * FROM regress.try($$EXECUTE save(4, 'param', 2)$$) \gx
DEALLOCATE save;
-- in a data-modifying WITH, and through an updatable view
SELECT regress.covered($$WITH u AS (UPDATE docs SET body = 'cte' WHERE id = 1 RETURNING version) SELECT * FROM u$$);
WITH u AS (UPDATE docs SET body = 'cte' WHERE id = 1 RETURNING version) SELECT * FROM u;
CREATE VIEW docs_view AS SELECT id, body, version FROM docs WHERE id < 3;
SELECT regress.covered($$UPDATE docs_view SET body = 'view', version = 1 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE docs_view SET body = 'view', version = 1 WHERE id = 1$$) \gx
-- INSERT ... ON CONFLICT DO UPDATE (the trigger fires once, for the
-- INSERT, where without the fast path it fires for the UPDATE too)
SELECT regress.fired($$INSERT INTO docs VALUES (1, 'upsert')
	ON CONFLICT (id) DO UPDATE SET body = excluded.body$$);
SET concurrency.fast_path = off;
SELECT regress.fired($$INSERT INTO docs VALUES (1, 'upsert')
	ON CONFLICT (id) DO UPDATE SET body = excluded.body$$);
SET concurrency.fast_path = on;
SELECT regress.fired($$INSERT INTO docs VALUES (1, 'upsert', 7)
	ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version$$);
SELECT * FROM regress.try($$INSERT INTO docs VALUES (1, 'upsert', 2)
	ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version$$) \gx
SELECT id, body, version FROM docs ORDER BY id;
-- a row stored without a version (written as a replica) starts at 1
SET session_replication_role = replica;
INSERT INTO docs VALUES (5, 'replicated', NULL);
RESET session_replication_role;
UPDATE docs SET body = 'first' WHERE id = 5 RETURNING version;

-- a volatile stated version is evaluated once per row
CREATE SEQUENCE next_versions START 100;
UPDATE docs SET version = nextval('next_versions') WHERE id IN (2, 3) RETURNING id, version;
SELECT last_value FROM next_versions;
-- a stored generated column that follows the version is computed from it
CREATE TABLE generated (id integer PRIMARY KEY, body text, version rowversion,
	twice bigint GENERATED ALWAYS AS (version * 2) STORED);
INSERT INTO generated (id, body) VALUES (1, 'a');
SELECT regress.fired($$UPDATE generated SET body = 'b'$$);
UPDATE generated SET body = 'c', version = 2 RETURNING version, twice;
-- a role that may update only body, and read only id, still gets its
-- version moved and checked: the plan reads the version as the trigger
-- does, without the column privilege
CREATE ROLE regress_fast_clerk;
GRANT USAGE ON SCHEMA fast TO regress_fast_clerk;
GRANT SELECT (id), UPDATE (body) ON docs TO regress_fast_clerk;
SET ROLE regress_fast_clerk;
SELECT regress.covered($$UPDATE fast.docs SET body = 'clerk' WHERE id = 4$$);
UPDATE fast.docs SET body = 'clerk' WHERE id = 4;
SELECT * FROM regress.try($$UPDATE fast.docs SET version = 1 WHERE id = 4$$) \gx
RESET ROLE;
SELECT id, body, version FROM docs WHERE id = 4;
REVOKE ALL ON docs FROM regress_fast_clerk;
REVOKE ALL ON SCHEMA fast FROM regress_fast_clerk;
DROP ROLE regress_fast_clerk;

--
-- Settings read when the statement runs: away from their defaults, the
-- trigger does the work, for each row
--
PREPARE stale_save(integer, bigint) AS
	UPDATE docs SET body = 'prepared', version = $2 WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
EXECUTE stale_save(1, 1);
SET concurrency.on_conflict = skip;
SELECT regress.fired($$EXECUTE stale_save(1, 1)$$);
SET client_min_messages = notice;
EXECUTE stale_save(1, 1);
SET client_min_messages = warning;
RESET concurrency.on_conflict;
SET concurrency.enabled = off;
SELECT regress.fired($$EXECUTE stale_save(1, 1)$$);
RESET concurrency.enabled;
SELECT * FROM regress.try($$EXECUTE stale_save(1, 1)$$) \gx
-- the same plan run inside itself, by a function of its SET list that
-- switches to skip for the inner run: each run keeps its own decision
-- (the inner one skips through the trigger, the outer one refuses)
CREATE FUNCTION nest(depth int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	written bigint;
BEGIN
	IF depth = 0 THEN
		RETURN 1;
	END IF;
	IF depth = 1 THEN
		PERFORM set_config('concurrency.on_conflict', 'skip', true);
	END IF;
	UPDATE fast.docs SET body = 'nest ' || depth, version = fast.nest(depth - 1)
	 WHERE id = depth RETURNING version INTO written;
	IF depth = 1 THEN
		PERFORM set_config('concurrency.on_conflict', 'error', true);
	END IF;
	RETURN coalesce(written, 0);
END
$$;
SET client_min_messages = notice;
SELECT * FROM regress.try($$SELECT fast.nest(2)$$) \gx
SET client_min_messages = warning;
SELECT id, body, version FROM docs WHERE id <= 2 ORDER BY id;
-- the setting itself, after the plan was made
SET concurrency.fast_path = off;
SELECT regress.fired($$EXECUTE stale_save(1, 100)$$);
SET concurrency.fast_path = on;
SELECT regress.fired($$EXECUTE stale_save(1, 200)$$);
RESET plan_cache_mode;
DEALLOCATE stale_save;
SELECT id, body, version FROM docs WHERE id = 1;
-- as a replica nothing is checked, by the plan or the trigger
SET session_replication_role = replica;
UPDATE docs SET version = 1 WHERE id = 1 RETURNING version;
RESET session_replication_role;

--
-- What the plan leaves to the trigger, each one still checked
--
-- concurrency.fast_path = off
SET concurrency.fast_path = off;
SELECT regress.covered($$UPDATE docs SET body = 'off'$$);
SELECT regress.fired($$UPDATE docs SET body = 'off' WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE docs SET version = 1 WHERE id = 2$$) \gx
SET concurrency.fast_path = on;

-- a call of next_version() written by hand is the statement's own value:
-- it neither replaces the trigger nor lowers the check
SELECT regress.covered($$UPDATE docs SET version = concurrency.next_version('docs', 0, true, 0, ctid) WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE docs SET version = concurrency.next_version('docs', 0, true, 0, ctid) WHERE id = 2$$) \gx
CREATE FUNCTION forged(rowversion, tid) RETURNS rowversion
LANGUAGE sql AS $$ SELECT concurrency.next_version('fast.docs', 0, true, 0, $2) $$;
SELECT * FROM regress.try($$UPDATE docs SET version = forged(version, ctid) WHERE id = 2$$) \gx
SELECT concurrency.next_version('docs', 7, false, NULL, '(0,1)') AS unstated,
	   concurrency.next_version('docs', 7, true, 3, '(0,1)') AS stated;

-- a stated version from a subquery
SELECT regress.covered($$UPDATE docs SET version = (SELECT 1) WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE docs SET version = (SELECT 1) WHERE id = 2$$) \gx
SELECT regress.covered($$UPDATE docs SET (body, version) = (SELECT 'multi', 1) WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE docs SET (body, version) = (SELECT 'multi', 1) WHERE id = 2$$) \gx

-- a strict table: covered where the version is stated, the trigger's
-- refusal (and its cascade exemption) where it is not
CREATE TABLE strict_docs (id integer PRIMARY KEY, body text,
	version rowversion DEFAULT concurrency.options(strict => true));
INSERT INTO strict_docs VALUES (1, 'a');
SELECT regress.covered($$UPDATE strict_docs SET body = 'b', version = 1$$),
	   regress.covered($$UPDATE strict_docs SET body = 'b'$$);
SELECT * FROM regress.try($$UPDATE strict_docs SET body = 'b'$$) \gx
UPDATE strict_docs SET body = 'b', version = 1 RETURNING version;

-- check_columns and ignore_columns
CREATE TABLE checked (id integer PRIMARY KEY, a int, b int,
	version rowversion DEFAULT concurrency.options(check_columns => '{a}'));
INSERT INTO checked VALUES (1, 1, 1);
SELECT regress.covered($$UPDATE checked SET b = 2$$);
UPDATE checked SET b = 2 RETURNING version;
UPDATE checked SET a = 2 RETURNING version;
SELECT * FROM regress.try($$UPDATE checked SET a = 3, version = 1$$) \gx

-- another BEFORE ROW UPDATE trigger
CREATE TABLE triggered (id integer PRIMARY KEY, body text, version rowversion);
INSERT INTO triggered VALUES (1, 'a');
UPDATE triggered SET body = 'b';
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.body := NEW.body || '!'; RETURN NEW; END $$;
CREATE TRIGGER stamp BEFORE UPDATE ON triggered FOR EACH ROW EXECUTE FUNCTION stamp();
SELECT regress.covered($$UPDATE triggered SET body = 'c'$$);
SELECT * FROM regress.try($$UPDATE triggered SET body = 'c', version = 1$$) \gx
UPDATE triggered SET body = 'c' RETURNING body, version;
-- the version trigger disabled (ALTER TABLE ... DISABLE TRIGGER ALL)
DROP TRIGGER stamp ON triggered;
SELECT regress.covered($$UPDATE triggered SET body = 'c'$$);
ALTER TABLE triggered DISABLE TRIGGER ALL;
SELECT regress.covered($$UPDATE triggered SET body = 'd'$$);
UPDATE triggered SET body = 'd', version = 1 RETURNING body, version;
ALTER TABLE triggered ENABLE TRIGGER ALL;

-- partitioned tables and inheritance children: the trigger, per partition
CREATE TABLE parted (id integer, body text, version rowversion) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (1) TO (10);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (10) TO (20);
INSERT INTO parted VALUES (1, 'a'), (11, 'b');
SELECT regress.covered($$UPDATE parted SET body = 'c'$$);
SELECT regress.fired($$UPDATE parted SET body = 'c'$$);
SELECT * FROM regress.try($$UPDATE parted SET body = 'd', version = 1 WHERE id = 11$$) \gx
-- a row moving to another partition
UPDATE parted SET id = 2, version = 2 WHERE id = 11 RETURNING id, version;
CREATE TABLE parent (id integer PRIMARY KEY, body text, version rowversion);
CREATE TABLE child (extra int) INHERITS (parent);
INSERT INTO parent VALUES (1, 'a');
INSERT INTO child VALUES (2, 'b', 5);
SELECT regress.covered($$UPDATE parent SET body = 'c'$$);
UPDATE parent SET body = 'c' RETURNING id, version;
SELECT * FROM regress.try($$UPDATE parent SET version = 5 WHERE id = 2$$) \gx
-- a partition updated by itself is a table of its own
SELECT regress.covered($$UPDATE parted_1 SET body = 'e'$$);
SELECT * FROM regress.try($$UPDATE parted_1 SET body = 'e', version = 1$$) \gx

-- plans made before enable(), disable() or an ALTER TABLE are made again
CREATE TABLE replanned (id integer PRIMARY KEY, a int, b int, version rowversion);
INSERT INTO replanned VALUES (1, 1, 1);
SET plan_cache_mode = force_generic_plan;
PREPARE touch_b AS UPDATE replanned SET b = b + 1;
CREATE VIEW replanned_now AS SELECT a, b, version FROM replanned;
EXECUTE touch_b;
TABLE replanned_now;
SELECT concurrency.enable('replanned', check_columns => '{a}');
EXECUTE touch_b;
TABLE replanned_now;
SELECT concurrency.enable('replanned');
EXECUTE touch_b;
TABLE replanned_now;
SELECT concurrency.disable('replanned');
EXECUTE touch_b;
TABLE replanned_now;
SELECT concurrency.enable('replanned');
EXECUTE touch_b;
TABLE replanned_now;
CREATE FUNCTION replanned_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.a := NEW.a + 100; RETURN NEW; END $$;
CREATE TRIGGER stamp BEFORE UPDATE ON replanned FOR EACH ROW EXECUTE FUNCTION replanned_stamp();
EXECUTE touch_b;
TABLE replanned_now;
DROP TRIGGER stamp ON replanned;
DROP VIEW replanned_now;
ALTER TABLE replanned DROP COLUMN version;
EXECUTE touch_b;
ALTER TABLE replanned ADD COLUMN version rowversion;
PREPARE stale_replanned AS UPDATE replanned SET b = 0, version = 0;
EXECUTE touch_b;
SELECT a, b, version FROM replanned;
SELECT * FROM regress.try($$EXECUTE stale_replanned$$) \gx
DEALLOCATE touch_b;
DEALLOCATE stale_replanned;
RESET plan_cache_mode;

-- a plan made before the library was loaded keeps the trigger (in a new
-- session; where the library is preloaded the plan computes the version)
\c
SET search_path = fast, public;
SET plan_cache_mode = force_generic_plan;
PREPARE early(integer, bigint) AS UPDATE docs SET body = 'early', version = $2 WHERE id = $1;
SELECT * FROM regress.try($$EXECUTE early(3, 1)$$) \gx
SELECT version FROM docs WHERE id = 3;
EXECUTE early(3, 7);
SELECT version FROM docs WHERE id = 3;
SELECT * FROM regress.try($$EXECUTE early(3, 2)$$) \gx

DROP SCHEMA fast CASCADE;
