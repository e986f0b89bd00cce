-- Holes an outside review found at the edges, each shown closed: a
-- setting from a role or database default reaching into the owner's
-- SECURITY DEFINER code and into foreign-key cascades, DDL paths that never
-- versioned a table or never followed it, a conversion check that trusted a
-- leftover default, other BEFORE triggers laundering stale writes, the
-- stored version in the DETAIL of a role that may not read it, and a
-- home-made cascade passing for a real one.  concurrency.verify() is run
-- after every DDL path.  (The limit of 2^62 on stated versions:
-- update_rules.sql, statements.sql and hostile.sql.)
SET client_min_messages = warning;
CREATE SCHEMA loop;
SET search_path = loop, public;
CREATE ROLE regress_loop_owner LOGIN;
CREATE ROLE regress_loop_att LOGIN;
GRANT USAGE ON SCHEMA loop TO regress_loop_owner, regress_loop_att;
GRANT CREATE ON SCHEMA loop TO regress_loop_owner, regress_loop_att;
RESET client_min_messages;
SELECT current_user AS admin_user, current_database() AS dbname \gset

--
-- 1. A setting that relaxes the check, from any source, is honoured only
-- where the role that asked for it may bypass the table.  A role or
-- database default counts as asked for by the session's role.
--
SET ROLE regress_loop_owner;
CREATE TABLE loop.acct (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO loop.acct VALUES (1, 'a', 5);
GRANT SELECT, UPDATE ON loop.acct TO regress_loop_att;
CREATE FUNCTION loop.acct_save(p_id int, p_a text, p_v bigint) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
AS $$ UPDATE loop.acct SET a = p_a, v = p_v WHERE id = p_id RETURNING v $$;
CREATE PROCEDURE loop.acct_proc(p_id int, p_a text, p_v bigint)
LANGUAGE sql SECURITY DEFINER
AS $$ UPDATE loop.acct SET a = p_a, v = p_v WHERE id = p_id $$;
-- a view that checks privileges as its owner (security_invoker off)
CREATE VIEW loop.acct_view AS SELECT id, a, v FROM loop.acct;
GRANT SELECT, UPDATE ON loop.acct_view TO regress_loop_att;
-- a trigger of the owner's that writes the table
CREATE TABLE loop.acct_log (id int, a text, v bigint);
GRANT INSERT ON loop.acct_log TO regress_loop_att;
CREATE FUNCTION loop.acct_log_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	UPDATE loop.acct SET a = NEW.a, v = NEW.v WHERE id = NEW.id;
	RETURN NEW;
END
$$;
CREATE TRIGGER apply AFTER INSERT ON loop.acct_log
	FOR EACH ROW EXECUTE FUNCTION loop.acct_log_apply();
-- a foreign-key cascade, which runs as the referencing table's owner
CREATE TABLE loop.cust (id int PRIMARY KEY);
CREATE TABLE loop.inv (id int PRIMARY KEY,
	cust int REFERENCES loop.cust ON UPDATE CASCADE, v rowversion);
INSERT INTO loop.cust VALUES (1);
INSERT INTO loop.inv VALUES (10, 1, 4);
GRANT SELECT, UPDATE ON loop.cust TO regress_loop_att;
RESET ROLE;

-- Every way of writing acct and inv, as the session's role; each must be
-- refused (42501) or do exactly what the rules say.
CREATE FUNCTION loop.attempts()
RETURNS TABLE (path text, state text, message text, detail text)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
		('security definer function', 'SELECT loop.acct_save(1, ''stale'', 1)'),
		('procedure', 'CALL loop.acct_proc(1, ''stale'', 1)'),
		('view', 'UPDATE loop.acct_view SET a = ''stale'', v = 1 WHERE id = 1'),
		('trigger', 'INSERT INTO loop.acct_log VALUES (1, ''stale'', 1)'),
		('cascade', 'UPDATE loop.cust SET id = id + 1'),
		('own write', 'UPDATE loop.acct SET a = ''stale'', v = 1 WHERE id = 1')) AS p(name, stmt)
	LOOP
		SELECT r.name, t.state, t.message, t.detail
		  INTO path, state, message, detail
		  FROM regress.try(r.stmt) AS t;
		RETURN NEXT;
	END LOOP;
END
$$;
CREATE VIEW loop.written AS
SELECT 'acct' AS tbl, id, a AS data, v FROM loop.acct
UNION ALL
SELECT 'inv', id, cust::text, v FROM loop.inv
ORDER BY 1, 2;

GRANT SELECT ON loop.written TO regress_loop_att;

-- The reproduction: a write loads the library (PostgreSQL lets a role set
-- its own defaults of a setting it knows), then role defaults are set
\c - regress_loop_att
SET search_path = loop, public;
BEGIN;
UPDATE loop.acct SET a = a WHERE id = 1;
ROLLBACK;
ALTER ROLE CURRENT_USER IN DATABASE :"dbname" SET concurrency.enabled = off;
ALTER ROLE CURRENT_USER SET concurrency.increment = off;
\c - regress_loop_att
SET search_path = loop, public;
SHOW concurrency.enabled;
SHOW concurrency.increment;
SELECT * FROM loop.attempts();
SELECT * FROM loop.written;
ALTER ROLE CURRENT_USER IN DATABASE :"dbname" RESET ALL;
ALTER ROLE CURRENT_USER RESET ALL;

-- on_conflict = warn as the role's default
ALTER ROLE CURRENT_USER SET concurrency.on_conflict = warn;
\c - regress_loop_att
SET search_path = loop, public;
SELECT * FROM loop.attempts();
ALTER ROLE CURRENT_USER RESET ALL;

-- a database default set by the database's owner, who is not a superuser
\c - :admin_user
ALTER DATABASE :"dbname" OWNER TO regress_loop_att;
\c - regress_loop_att
BEGIN;
UPDATE loop.acct SET a = a WHERE id = 1;
ROLLBACK;
ALTER DATABASE :"dbname" SET concurrency.increment = off;
\c - regress_loop_att
SET search_path = loop, public;
SHOW concurrency.increment;
SELECT * FROM loop.attempts();
ALTER DATABASE :"dbname" RESET ALL;
\c - :admin_user
ALTER DATABASE :"dbname" OWNER TO :"admin_user";
SET search_path = loop, public;
SELECT * FROM loop.written;

-- the SET clause of a function of the role's own, around the owner's
-- function: asked for by the role that wrote it (the library loaded, so
-- that the role may name the setting)
LOAD 'concurrency';
SET ROLE regress_loop_att;
CREATE FUNCTION loop.att_wrapper() RETURNS bigint
LANGUAGE sql SET concurrency.enabled = off
AS $$ SELECT loop.acct_save(1, 'stale', 1) $$;
SELECT state, message, detail FROM regress.try($$SELECT loop.att_wrapper()$$);
RESET ROLE;
SELECT * FROM loop.written;

-- A role that holds TRIGGER on the tables may bypass them through its
-- defaults, everywhere: its own writes and the owner's code
GRANT TRIGGER ON loop.acct, loop.inv TO regress_loop_att;
ALTER ROLE regress_loop_att SET concurrency.increment = off;
\c - regress_loop_att
SET search_path = loop, public;
SELECT loop.acct_save(1, 'kept at 5', 5);
UPDATE loop.cust SET id = 2 WHERE id = 1;
SELECT * FROM loop.written;
\c - :admin_user
ALTER ROLE regress_loop_att RESET ALL;
REVOKE TRIGGER ON loop.acct, loop.inv FROM regress_loop_att;
SET search_path = loop, public;

-- The owner's own defaults are the owner's to make: honoured in its own
-- function, refused where the caller's role lacks the privilege
ALTER ROLE regress_loop_owner SET concurrency.enabled = off;
\c - regress_loop_owner
SET search_path = loop, public;
UPDATE loop.acct SET a = 'owner, stale but allowed', v = 1 WHERE id = 1 RETURNING *;
\c - :admin_user
ALTER ROLE regress_loop_owner RESET ALL;
SET search_path = loop, public;

-- PGOPTIONS (the connection's options)
SELECT format('dbname=%s host=%s port=%s user=regress_loop_att options=-cconcurrency.enabled=off',
			  current_database(), :'HOST', :'PORT') AS with_options \gset
\c :with_options
SET search_path = loop, public;
SHOW concurrency.enabled;
SELECT * FROM loop.attempts();
-- (psql's \c keeps a connection's options: drop them again)
SELECT format('dbname=%s host=%s port=%s user=%s options=''''',
			  current_database(), :'HOST', :'PORT', :'admin_user') AS plain_connection \gset
\c :plain_connection
SELECT current_setting('concurrency.enabled', true) IS DISTINCT FROM 'off' AS options_dropped;
SET search_path = loop, public;
SELECT * FROM loop.written;


--
-- 2. DDL paths: a table that stores rows carries the version trigger if
-- and only if it has a rowversion column, whatever the command.
--
CREATE VIEW loop.versioning AS
SELECT c.relname,
	   (SELECT count(*) FROM pg_trigger t
		 WHERE t.tgrelid = c.oid AND t.tgfoid = 'concurrency.version_trigger'::regproc) AS triggers,
	   (SELECT string_agg(a.attname, ',') FROM pg_attribute a
		 WHERE a.attrelid = c.oid AND a.atttypid = 'rowversion'::regtype
		   AND a.attnum > 0 AND NOT a.attisdropped) AS version_column,
	   o.check_columns, o.strict
  FROM pg_class c
  LEFT JOIN concurrency.tables o
	ON o.schema_name = c.relnamespace::regnamespace::name AND o.table_name = c.relname
 WHERE c.relnamespace::regnamespace::text LIKE 'loop%' AND c.relkind IN ('r', 'p', 'f')
 ORDER BY c.relnamespace::regnamespace::text, c.relname;

-- CREATE SCHEMA ... CREATE TABLE
CREATE SCHEMA loop_s CREATE TABLE t (id int PRIMARY KEY, v rowversion);
SELECT * FROM loop.versioning WHERE relname = 't';
INSERT INTO loop_s.t VALUES (1, 3);
SELECT * FROM regress.try($$UPDATE loop_s.t SET v = 0$$);
SELECT * FROM regress.try($$UPDATE loop_s.t SET v = 2$$);
SELECT * FROM regress.try($$INSERT INTO loop_s.t VALUES (2, -1)$$);
SELECT * FROM loop_s.t;
-- ... CREATE TABLE ... PARTITION OF a strict parent
CREATE TABLE loop.sp (id int, r text, v rowversion, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
SELECT concurrency.enable('loop.sp', 'v', strict => true);
CREATE SCHEMA loop_s2 CREATE TABLE p_b PARTITION OF loop.sp FOR VALUES IN ('b');
SELECT * FROM loop.versioning WHERE relname IN ('sp', 'p_b');
INSERT INTO loop.sp VALUES (1, 'b');
SELECT * FROM regress.try($$UPDATE loop.sp SET id = 2$$);
SELECT * FROM regress.try($$UPDATE loop.sp SET id = 2, v = 0$$);
UPDATE loop.sp SET id = 2, v = 1 RETURNING *;
SELECT * FROM concurrency.verify();

-- Typed tables: ALTER TYPE ... CASCADE adds, renames, retypes and drops
-- their columns
CREATE TYPE loop.comp AS (id int, a text);
CREATE TABLE loop.typed OF loop.comp (PRIMARY KEY (id));
INSERT INTO loop.typed VALUES (1, 'a');
ALTER TYPE loop.comp ADD ATTRIBUTE v rowversion CASCADE;
SELECT * FROM loop.versioning WHERE relname = 'typed';
SELECT * FROM regress.try($$INSERT INTO loop.typed VALUES (2, 'b', -1)$$);
SELECT * FROM regress.try($$INSERT INTO loop.typed VALUES (2, 'b', -5)$$);
SELECT concurrency.enable('loop.typed', 'v', check_columns => '{a}');
ALTER TYPE loop.comp RENAME ATTRIBUTE a TO b CASCADE;
SELECT * FROM loop.versioning WHERE relname = 'typed';
UPDATE loop.typed SET b = 'b' RETURNING *;
SELECT * FROM regress.try($$ALTER TYPE loop.comp DROP ATTRIBUTE b CASCADE$$);
SELECT * FROM concurrency.verify();
ALTER TYPE loop.comp DROP ATTRIBUTE v CASCADE;
SELECT * FROM loop.versioning WHERE relname = 'typed';
INSERT INTO loop.typed VALUES (2, 'no version');
SELECT * FROM loop.typed ORDER BY id;
SELECT * FROM concurrency.verify();
-- ... ALTER ATTRIBUTE ... TYPE rowversion: the rows decide
CREATE TYPE loop.comp2 AS (id int, v bigint);
CREATE TABLE loop.typed2 OF loop.comp2 (PRIMARY KEY (id));
INSERT INTO loop.typed2 VALUES (1, -5);
SELECT * FROM regress.try($$ALTER TYPE loop.comp2 ALTER ATTRIBUTE v TYPE rowversion CASCADE$$);
UPDATE loop.typed2 SET v = 1;
ALTER TYPE loop.comp2 ALTER ATTRIBUTE v TYPE rowversion CASCADE;
SELECT * FROM loop.versioning WHERE relname = 'typed2';
-- CREATE TABLE ... OF a type with a rowversion attribute
CREATE TYPE loop.comp3 AS (id int, v rowversion);
CREATE TABLE loop.typed3 OF loop.comp3;
SELECT * FROM loop.versioning WHERE relname = 'typed3';
SELECT * FROM regress.try($$INSERT INTO loop.typed3 VALUES (1, -1)$$);
-- DROP TYPE ... CASCADE of a typed table takes its options along
SELECT concurrency.enable('loop.typed2', 'v', strict => true);
DROP TYPE loop.comp2 CASCADE;
SELECT count(*) AS options_left FROM concurrency.tables WHERE table_name = 'typed2';
-- INHERITS
CREATE TABLE loop.parent (id int PRIMARY KEY, v rowversion);
CREATE TABLE loop.child (extra text) INHERITS (loop.parent);
SELECT * FROM loop.versioning WHERE relname IN ('parent', 'child');
INSERT INTO loop.child VALUES (1, 2, 'x');
SELECT * FROM regress.try($$UPDATE loop.parent SET v = 1$$);
-- A watched column dropped by DROP DOMAIN ... CASCADE: refused, as
-- ALTER TABLE ... DROP COLUMN is
CREATE DOMAIN loop.label AS text;
CREATE TABLE loop.watched (id int PRIMARY KEY, a loop.label, b text, v rowversion);
SELECT concurrency.enable('loop.watched', 'v', check_columns => '{a}');
SELECT * FROM regress.try($$DROP DOMAIN loop.label CASCADE$$);
SELECT * FROM loop.versioning WHERE relname = 'watched';
SELECT concurrency.enable('loop.watched', 'v', check_columns => '{b}');
SET client_min_messages = warning;
DROP DOMAIN loop.label CASCADE;
RESET client_min_messages;
SELECT * FROM loop.versioning WHERE relname = 'watched';
-- A table created under session_replication_role = replica is versioned too
SET session_replication_role = replica;
CREATE TABLE loop.as_replica (id int PRIMARY KEY, v rowversion);
RESET session_replication_role;
SELECT * FROM loop.versioning WHERE relname = 'as_replica';
-- IMPORT FOREIGN SCHEMA agrees with CREATE FOREIGN TABLE: a foreign table
-- cannot have a rowversion column, and nothing is imported
CREATE EXTENSION postgres_fdw SCHEMA public;
SET regress.host = :'HOST';
DO $$
BEGIN
	EXECUTE format('CREATE SERVER loop_server FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname %L, host %L, port %L)',
				   current_database(), current_setting('regress.host'), current_setting('port'));
END
$$;
CREATE USER MAPPING FOR CURRENT_USER SERVER loop_server;
CREATE SCHEMA loop_remote;
CREATE TABLE loop_remote.versioned (id int PRIMARY KEY, v rowversion);
CREATE TABLE loop_remote.plain (id int PRIMARY KEY, v bigint);
CREATE SCHEMA loop_imported;
SELECT state, message, detail, hint, schema_name, table_name
  FROM regress.try($$IMPORT FOREIGN SCHEMA loop_remote FROM SERVER loop_server INTO loop_imported$$);
SELECT state, message, detail, hint, schema_name, table_name
  FROM regress.try($$CREATE FOREIGN TABLE loop_imported.by_hand (id int, v rowversion) SERVER loop_server$$);
IMPORT FOREIGN SCHEMA loop_remote LIMIT TO (plain) FROM SERVER loop_server INTO loop_imported;
SELECT relname, relkind FROM pg_class
 WHERE relnamespace = 'loop_imported'::regnamespace ORDER BY relname;
SELECT * FROM concurrency.verify();

--
-- 3. The conversion check: the rows decide; the missing value of an
-- earlier ADD COLUMN proves nothing.
--
CREATE TABLE loop.conv2 (id int PRIMARY KEY, a text);
INSERT INTO loop.conv2 VALUES (1, 'a'), (2, 'b'), (3, 'c');
ALTER TABLE loop.conv2 ADD COLUMN version rowversion;
ALTER TABLE loop.conv2 ALTER COLUMN version TYPE bigint;
UPDATE loop.conv2 SET version = NULL WHERE id = 2;
UPDATE loop.conv2 SET version = -7 WHERE id = 3;
SELECT * FROM regress.try($$ALTER TABLE loop.conv2 ALTER COLUMN version TYPE rowversion$$);
SELECT * FROM loop.versioning WHERE relname = 'conv2';
UPDATE loop.conv2 SET version = 1 WHERE id IN (2, 3);
ALTER TABLE loop.conv2 ALTER COLUMN version TYPE rowversion;
SELECT * FROM loop.conv2 ORDER BY id;
-- an empty table whose bigint column was added with DEFAULT 0 (as
-- django-concurrency's migrations do) has no row to refuse
CREATE TABLE loop.conv_empty (id int PRIMARY KEY);
ALTER TABLE loop.conv_empty ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE loop.conv_empty ALTER COLUMN version TYPE rowversion;
SELECT * FROM loop.versioning WHERE relname = 'conv_empty';
-- ... nor does one with rows at 0, which is a version; rows below 0 are
-- refused
CREATE TABLE loop.conv_zero (id int PRIMARY KEY);
INSERT INTO loop.conv_zero VALUES (1);
ALTER TABLE loop.conv_zero ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE loop.conv_zero ALTER COLUMN version TYPE rowversion;
SELECT * FROM loop.conv_zero;
CREATE TABLE loop.conv_negative (id int PRIMARY KEY);
INSERT INTO loop.conv_negative VALUES (1);
ALTER TABLE loop.conv_negative ADD COLUMN version bigint NOT NULL DEFAULT -1;
SELECT * FROM regress.try($$ALTER TABLE loop.conv_negative ALTER COLUMN version TYPE rowversion$$);
-- the shortcut still holds for the column the command adds: no rewrite
CREATE TABLE loop.conv_add (id int PRIMARY KEY);
INSERT INTO loop.conv_add SELECT generate_series(1, 1000);
SELECT pg_relation_filenode('loop.conv_add') AS filenode \gset
ALTER TABLE loop.conv_add ADD COLUMN version rowversion;
SELECT pg_relation_filenode('loop.conv_add') = :filenode AS same_file,
	   (SELECT atthasmissing FROM pg_attribute
		 WHERE attrelid = 'loop.conv_add'::regclass AND attname = 'version') AS atthasmissing;
SELECT * FROM regress.try($$ALTER TABLE loop.conv_add ADD COLUMN v2 bigint, ALTER COLUMN version TYPE bigint$$);
SELECT * FROM concurrency.verify();

--
-- 4. Another BEFORE trigger cannot launder a stale write: the version
-- trigger fires first.  The trigger below is what django-concurrency's
-- TriggerVersionField installs.
--
CREATE TABLE loop.laundry (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO loop.laundry VALUES (1, 'a', 5), (2, 'b', 5), (3, 'c', 5);
CREATE FUNCTION loop.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.version := OLD.version + 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER concurrency_laundry_version BEFORE UPDATE ON loop.laundry
	FOR EACH ROW EXECUTE FUNCTION loop.bump_version();
CREATE TRIGGER "Audit" BEFORE UPDATE ON loop.laundry
	FOR EACH ROW EXECUTE FUNCTION loop.bump_version();
CREATE TRIGGER "1st" BEFORE UPDATE ON loop.laundry
	FOR EACH ROW EXECUTE FUNCTION loop.bump_version();
SELECT regexp_replace(tgname, '_[0-9]+$', '_N') AS tgname
  FROM pg_trigger WHERE tgrelid = 'loop.laundry'::regclass
 ORDER BY pg_trigger.tgname COLLATE "C";
SELECT * FROM regress.try($$UPDATE loop.laundry SET a = 'stale', version = 1 WHERE id = 1$$);
SET concurrency.on_conflict = skip;
UPDATE loop.laundry SET a = 'stale', version = 4 WHERE id = 1 RETURNING *;
RESET concurrency.on_conflict;
-- accepted writes move the version exactly once: echo, next version, none
UPDATE loop.laundry SET a = 'echo', version = 5 WHERE id = 1 RETURNING *;
UPDATE loop.laundry SET a = 'next', version = 6 WHERE id = 2 AND version = 5 RETURNING *;
UPDATE loop.laundry SET a = 'not stated' WHERE id = 3 RETURNING *;
SELECT * FROM concurrency.verify();
-- a trigger named to sort before it is reported
CREATE TRIGGER " first" BEFORE UPDATE ON loop.laundry
	FOR EACH ROW EXECUTE FUNCTION loop.bump_version();
SELECT * FROM concurrency.verify();
DROP TRIGGER " first" ON loop.laundry;

--
-- 6. The versions in the DETAIL only for a role that may read the version
-- column, under the rule the key follows (column privileges, row security)
--
CREATE TABLE loop.hidden (id int PRIMARY KEY, payload text, version rowversion);
INSERT INTO loop.hidden VALUES (1, 'p', 42);
GRANT UPDATE (payload, version) ON loop.hidden TO regress_loop_att;
SET ROLE regress_loop_att;
SELECT * FROM regress.try($$UPDATE loop.hidden SET payload = 'x', version = 1$$);
SET concurrency.on_conflict = skip;
UPDATE loop.hidden SET payload = 'x', version = 1;
RESET concurrency.on_conflict;
RESET ROLE;
-- SELECT on the version column alone: the versions, not the key
GRANT SELECT (version) ON loop.hidden TO regress_loop_att;
SET ROLE regress_loop_att;
SELECT * FROM regress.try($$UPDATE loop.hidden SET payload = 'x', version = 1$$);
RESET ROLE;
-- SELECT on the key alone: the key, not the versions
REVOKE SELECT (version) ON loop.hidden FROM regress_loop_att;
GRANT SELECT (id) ON loop.hidden TO regress_loop_att;
SET ROLE regress_loop_att;
SELECT * FROM regress.try($$UPDATE loop.hidden SET payload = 'x', version = 1 WHERE id = 1$$);
RESET ROLE;
-- row-level security hides both, as it hides the key
GRANT SELECT ON loop.hidden TO regress_loop_att;
ALTER TABLE loop.hidden ENABLE ROW LEVEL SECURITY;
CREATE POLICY everything ON loop.hidden USING (true);
SET ROLE regress_loop_att;
SELECT * FROM regress.try($$UPDATE loop.hidden SET payload = 'x', version = 1 WHERE id = 1$$);
RESET ROLE;
ALTER TABLE loop.hidden DISABLE ROW LEVEL SECURITY;
SET ROLE regress_loop_att;
SELECT * FROM regress.try($$UPDATE loop.hidden SET payload = 'x', version = 1 WHERE id = 1$$);
RESET ROLE;
SELECT * FROM loop.hidden;

--
-- 7. Strict mode exempts only a real cascade of the table's own foreign
-- key, which PostgreSQL runs as the table's owner.
--
SET ROLE regress_loop_owner;
CREATE TABLE loop.strict_parent (id int PRIMARY KEY);
CREATE TABLE loop.strict_t (id int PRIMARY KEY,
	p int REFERENCES loop.strict_parent ON UPDATE CASCADE, v rowversion);
INSERT INTO loop.strict_parent VALUES (1), (2);
INSERT INTO loop.strict_t VALUES (1, 1);
SELECT concurrency.enable('loop.strict_t', 'v', strict => true);
GRANT SELECT, UPDATE ON loop.strict_t TO regress_loop_att;
RESET ROLE;
-- the role's own cascade: its trigger writes the strict table's foreign
-- key column, in the same context a cascade runs in
SET ROLE regress_loop_att;
CREATE TABLE loop.att_a (id int PRIMARY KEY);
CREATE TABLE loop.att_b (id int PRIMARY KEY, a int REFERENCES loop.att_a ON UPDATE CASCADE);
INSERT INTO loop.att_a VALUES (1);
INSERT INTO loop.att_b VALUES (1, 1);
CREATE FUNCTION loop.att_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE loop.strict_t SET p = 2 WHERE id = 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER push BEFORE UPDATE ON loop.att_b
	FOR EACH ROW EXECUTE FUNCTION loop.att_push();
SELECT * FROM regress.try($$UPDATE loop.att_a SET id = 5$$);
SELECT * FROM regress.try($$UPDATE loop.strict_t SET p = 2 WHERE id = 1$$);
RESET ROLE;
SELECT * FROM loop.strict_t;
-- the real cascade is exempt, and moves the version
UPDATE loop.strict_parent SET id = 3 WHERE id = 1;
SELECT * FROM loop.strict_t;

--
-- 8. concurrency.verify() on what the event triggers cannot follow (here
-- made by hand, as single-user mode or pg_upgrade would leave it)
--
SELECT * FROM concurrency.verify();
CREATE TABLE loop.ghost (id int PRIMARY KEY, v rowversion);
ALTER EVENT TRIGGER concurrency_ddl_command_end DISABLE;
ALTER EVENT TRIGGER concurrency_sql_drop DISABLE;
CREATE TABLE loop.unfollowed (id int PRIMARY KEY, v rowversion);
ALTER TABLE loop.ghost DROP COLUMN v;
SELECT * FROM concurrency.verify();
ALTER EVENT TRIGGER concurrency_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER concurrency_sql_drop ENABLE ALWAYS;
SELECT * FROM loop.versioning WHERE relname IN ('unfollowed', 'ghost');
SELECT * FROM regress.try($$INSERT INTO loop.ghost VALUES (1)$$);
SELECT table_name, active FROM concurrency.tables
 WHERE table_name IN ('unfollowed', 'ghost', 'laundry') ORDER BY 1;
-- enable() attaches the missing trigger
SELECT concurrency.enable('loop.unfollowed', 'v');
-- a disabled trigger (a superuser's ALTER TABLE ... DISABLE TRIGGER ALL),
-- one for replicas only, a trigger without its column, options naming a
-- column that is gone and options of a relation that is gone, all made
-- with the extension's checks out of the way
ALTER TABLE loop.laundry DISABLE TRIGGER ALL;
DO $$
BEGIN
	EXECUTE format('ALTER TABLE loop.typed3 ENABLE REPLICA TRIGGER %I',
				   (SELECT tgname FROM pg_trigger WHERE tgrelid = 'loop.typed3'::regclass));
END
$$;
ALTER EVENT TRIGGER concurrency_ddl_command_end DISABLE;
ALTER EVENT TRIGGER concurrency_sql_drop DISABLE;
ALTER TABLE loop.unfollowed ADD COLUMN gone int,
	ALTER COLUMN v SET DEFAULT concurrency.options(check_columns => '{gone}');
ALTER TABLE loop.unfollowed DROP COLUMN gone;
ALTER EVENT TRIGGER concurrency_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER concurrency_sql_drop ENABLE ALWAYS;
SELECT * FROM concurrency.verify();
SELECT table_name, active FROM concurrency.tables
 WHERE table_name IN ('unfollowed', 'ghost', 'laundry', 'typed3') ORDER BY 1;
ALTER TABLE loop.laundry ENABLE TRIGGER ALL;
ALTER TABLE loop.typed3 ENABLE TRIGGER ALL;
SELECT concurrency.enable('loop.unfollowed', 'v');
-- any ALTER TABLE brings a table back in line
ALTER TABLE loop.ghost OWNER TO regress_loop_owner;
SELECT * FROM loop.versioning WHERE relname = 'ghost';
SELECT * FROM concurrency.verify();

--
SET client_min_messages = warning;
DROP SCHEMA loop, loop_s, loop_s2, loop_remote, loop_imported CASCADE;
DROP EXTENSION postgres_fdw CASCADE;
DROP OWNED BY regress_loop_owner, regress_loop_att;
DROP ROLE regress_loop_owner, regress_loop_att;
RESET client_min_messages;
SELECT * FROM concurrency.verify();
