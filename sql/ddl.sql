-- The DDL path: a rowversion column turns versioning on, wherever it comes
-- from, and its removal turns it off.
SET client_min_messages = warning;
CREATE SCHEMA ddl;
SET search_path = ddl, public;

-- Every relation of this schema: its version triggers and whether a
-- column default of it carries row-versioning options.
CREATE VIEW ddl.catalog AS
SELECT c.relname, c.relkind,
	   (SELECT count(*) FROM pg_trigger t
		 WHERE t.tgrelid = c.oid
		   AND t.tgfoid = 'concurrency.version_trigger'::regproc) AS triggers,
	   EXISTS (SELECT FROM pg_attrdef d
				WHERE d.adrelid = c.oid
				  AND pg_get_expr(d.adbin, d.adrelid) LIKE 'concurrency.options(%') AS has_options
  FROM pg_class c
 WHERE c.relnamespace = 'ddl'::regnamespace
   AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
 ORDER BY c.relname;

-- The version triggers of this schema, as the catalog has them.
CREATE VIEW ddl.triggers AS
SELECT c.relname,
	   t.tgname LIKE '!concurrency\_version\_%' AS name_like,
	   t.tgname = '!concurrency_version_' || t.oid AS name_is_oid,
	   t.tgisinternal, t.tgtype, t.tgenabled, t.tgfoid::regproc AS function,
	   t.tgnargs, t.tgattr
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'ddl'::regnamespace
 ORDER BY c.relname, t.tgname;

-- The versioned tables of this schema, as the API view has them.
CREATE VIEW ddl.versioned AS
SELECT table_name, version_column, check_columns, ignore_columns, strict, active
  FROM concurrency.tables
 WHERE schema_name = 'ddl'
 ORDER BY table_name;

--
-- ALTER TABLE ... ADD COLUMN
--
CREATE TABLE plain (id int PRIMARY KEY, a text);
INSERT INTO plain VALUES (1, 'one'), (2, 'two');
SELECT relfilenode AS plain_filenode FROM pg_class WHERE oid = 'plain'::regclass \gset
SELECT * FROM ddl.catalog;
ALTER TABLE plain ADD COLUMN v rowversion;
-- BEFORE (2) | ROW (1) | INSERT (4) | UPDATE (16) = 23, internal, enabled
SELECT * FROM ddl.triggers;
-- no rewrite: existing rows read the constant default
SELECT relfilenode = :plain_filenode AS not_rewritten FROM pg_class WHERE oid = 'plain'::regclass;
SELECT * FROM plain ORDER BY id;
SELECT * FROM ddl.versioned;
-- enforced
UPDATE plain SET a = 'uno' WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.plain SET a = 'stale', v = 1 WHERE id = 1$$) \gx
UPDATE plain SET a = 'eins', v = 2 WHERE id = 1 RETURNING *;
INSERT INTO plain (id, a) VALUES (3, 'three') RETURNING *;
SELECT * FROM plain ORDER BY id;

--
-- CREATE TABLE with the column
--
CREATE TABLE created (id int PRIMARY KEY, a text, v rowversion);
SELECT * FROM ddl.triggers WHERE relname = 'created';
INSERT INTO created VALUES (1, 'one', DEFAULT), (2, 'two', 5) RETURNING *;
UPDATE created SET a = a || '!' RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.created SET a = 'x', v = 1 WHERE id = 2$$) \gx

--
-- CREATE TABLE ... (LIKE versioned INCLUDING ALL): versioned, and with
-- the options, which the version column's default carries; without
-- INCLUDING DEFAULTS, with the default options
--
SELECT concurrency.enable('created', 'v', strict => true);
CREATE TABLE liked (LIKE created INCLUDING ALL);
SELECT * FROM ddl.triggers WHERE relname = 'liked';
SELECT * FROM ddl.versioned;
INSERT INTO liked VALUES (1, 'one') RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.liked SET a = 'uno'$$) \gx
UPDATE liked SET a = 'uno', v = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.liked SET a = 'x', v = 1$$) \gx
CREATE TABLE liked_plain (LIKE created);
SELECT * FROM ddl.triggers WHERE relname = 'liked_plain';
SELECT * FROM ddl.versioned WHERE table_name = 'liked_plain';

--
-- CREATE TABLE AS / SELECT INTO from a versioned table: the column keeps
-- its type, so the new table is versioned too
--
CREATE TABLE copied AS SELECT * FROM created;
SELECT * INTO selected_into FROM created WHERE id = 1;
SELECT * FROM ddl.triggers WHERE relname IN ('copied', 'selected_into');
SELECT * FROM copied ORDER BY id;
UPDATE copied SET a = 'x' WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.copied SET a = 'y', v = 2 WHERE id = 1$$) \gx
-- no primary key: the DETAIL has no key
SELECT * FROM regress.try($$UPDATE ddl.selected_into SET a = 'y', v = 0$$) \gx
-- CREATE TABLE AS that casts the column away is not versioned
CREATE TABLE copied_bigint AS SELECT id, v::bigint AS v FROM created;
SELECT * FROM ddl.catalog WHERE relname = 'copied_bigint';

--
-- A typed table whose type has a rowversion attribute
--
CREATE TYPE versioned_row AS (id int, a text, v rowversion);
CREATE TABLE typed OF versioned_row (PRIMARY KEY (id));
SELECT * FROM ddl.catalog WHERE relname = 'typed';
INSERT INTO typed VALUES (1, 'a') RETURNING *;
UPDATE typed SET a = 'b' RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.typed SET a = 'x', v = 1$$) \gx

--
-- Partitions
--
CREATE TABLE parted (id int, region text, a text, v rowversion,
	PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us')
	PARTITION BY RANGE (id);
CREATE TABLE parted_us_low PARTITION OF parted_us FOR VALUES FROM (0) TO (100);
-- the partitioned tables (relkind p) have no trigger
SELECT * FROM ddl.catalog WHERE relname LIKE 'parted%';
SELECT * FROM ddl.triggers WHERE relname LIKE 'parted%';
INSERT INTO parted VALUES (1, 'eu', 'a'), (2, 'us', 'b') RETURNING tableoid::regclass, *;
UPDATE parted SET a = a || '!' RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE ddl.parted SET a = 'x', v = 1 WHERE id = 2$$) \gx
-- a partition takes the options of its partitioned ancestor
SELECT concurrency.enable('parted', 'v', strict => true);
SELECT * FROM ddl.versioned WHERE table_name LIKE 'parted%';
SELECT * FROM regress.try($$UPDATE ddl.parted_us_low SET a = 'x'$$) \gx

-- ATTACH PARTITION: a versioned table keeps its one trigger
CREATE TABLE parted_asia (LIKE parted);
INSERT INTO parted_asia VALUES (3, 'asia', 'c', 4);
ALTER TABLE parted ATTACH PARTITION parted_asia FOR VALUES IN ('asia');
SELECT * FROM ddl.triggers WHERE relname = 'parted_asia';
SELECT * FROM ddl.versioned WHERE table_name = 'parted_asia';
SELECT * FROM regress.try($$UPDATE ddl.parted SET a = 'x', v = 3 WHERE id = 3$$) \gx
UPDATE parted SET a = 'c!', v = 4 WHERE id = 3 RETURNING tableoid::regclass, *;

-- DETACH PARTITION: still versioned, but no longer under the parent's
-- options
ALTER TABLE parted DETACH PARTITION parted_asia;
SELECT * FROM ddl.triggers WHERE relname = 'parted_asia';
SELECT * FROM ddl.versioned WHERE table_name = 'parted_asia';
UPDATE parted_asia SET a = 'c!!' RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.parted_asia SET a = 'x', v = 1$$) \gx

-- a row that moves between partitions keeps being checked
SELECT * FROM regress.try($$UPDATE ddl.parted SET region = 'us', v = 1 WHERE id = 1$$) \gx
UPDATE parted SET region = 'us', v = 2 WHERE id = 1 RETURNING tableoid::regclass, *;

--
-- Inheritance
--
CREATE TABLE inh_parent (id int PRIMARY KEY, a text, v rowversion);
CREATE TABLE inh_child (b text) INHERITS (inh_parent);
SELECT * FROM ddl.triggers WHERE relname LIKE 'inh%';
INSERT INTO inh_child VALUES (1, 'a', DEFAULT, 'b');
UPDATE inh_parent SET a = 'a!' RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE ddl.inh_parent SET a = 'x', v = 1$$) \gx

--
-- ALTER TABLE parent ADD COLUMN on a partitioned tree and on an
-- inheritance tree: every table that stores rows gets the trigger, the
-- partitioned tables none
--
CREATE TABLE tree (id int, k int, a text) PARTITION BY RANGE (k);
CREATE TABLE tree_1 PARTITION OF tree FOR VALUES FROM (0) TO (10);
CREATE TABLE tree_2 PARTITION OF tree FOR VALUES FROM (10) TO (20)
	PARTITION BY RANGE (k);
CREATE TABLE tree_2a PARTITION OF tree_2 FOR VALUES FROM (10) TO (15);
CREATE TABLE tree_2b PARTITION OF tree_2 FOR VALUES FROM (15) TO (20);
CREATE TABLE tree_default PARTITION OF tree DEFAULT;
INSERT INTO tree VALUES (1, 5, 'a'), (2, 12, 'b'), (3, 17, 'c'), (4, 50, 'd');
SELECT * FROM ddl.catalog WHERE relname LIKE 'tree%';
ALTER TABLE tree ADD COLUMN v rowversion;
SELECT * FROM ddl.catalog WHERE relname LIKE 'tree%';
SELECT * FROM ddl.triggers WHERE relname LIKE 'tree%';
SELECT * FROM ddl.versioned WHERE table_name LIKE 'tree%';
UPDATE tree SET a = a || '!' RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE ddl.tree SET a = 'x', v = 1 WHERE id = 3$$) \gx
-- DROP COLUMN on the parent removes every trigger of the tree
ALTER TABLE tree DROP COLUMN v;
SELECT * FROM ddl.catalog WHERE relname LIKE 'tree%';
UPDATE tree SET a = 'unchecked' WHERE id = 3;

CREATE TABLE inh_tree (id int, a text);
CREATE TABLE inh_tree_1 () INHERITS (inh_tree);
CREATE TABLE inh_tree_2 (b int) INHERITS (inh_tree);
CREATE TABLE inh_tree_2x () INHERITS (inh_tree_2);
INSERT INTO inh_tree_2x VALUES (1, 'a', 2);
ALTER TABLE inh_tree ADD COLUMN v rowversion;
SELECT * FROM ddl.catalog WHERE relname LIKE 'inh_tree%';
SELECT * FROM regress.try($$UPDATE ddl.inh_tree SET a = 'x', v = 0$$) \gx
UPDATE inh_tree SET a = 'x' RETURNING tableoid::regclass, *;
ALTER TABLE inh_tree DROP COLUMN v;
SELECT * FROM ddl.catalog WHERE relname LIKE 'inh_tree%';

--
-- DROP COLUMN removes the trigger and the options row
--
CREATE TABLE dropped (id int PRIMARY KEY, a text);
SELECT concurrency.enable('dropped', check_columns => '{a}');
SELECT * FROM ddl.catalog WHERE relname = 'dropped';
SELECT * FROM ddl.versioned WHERE table_name = 'dropped';
ALTER TABLE dropped DROP COLUMN version;
SELECT * FROM ddl.catalog WHERE relname = 'dropped';
SELECT * FROM ddl.versioned WHERE table_name = 'dropped';
SELECT * FROM concurrency.options_of('dropped');
-- adding it back starts with the defaults
ALTER TABLE dropped ADD COLUMN version rowversion;
SELECT * FROM ddl.versioned WHERE table_name = 'dropped';

--
-- ALTER COLUMN ... TYPE
--
CREATE TABLE retyped (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO retyped VALUES (1, 'a', 7);
SELECT concurrency.enable('retyped', 'v', strict => true);
ALTER TABLE retyped ALTER COLUMN v TYPE bigint;
SELECT * FROM ddl.catalog WHERE relname = 'retyped';
UPDATE retyped SET a = 'unchecked', v = 1 RETURNING *;
-- the column's default, and the options in it, stay with the column
SELECT pg_get_expr(adbin, adrelid) AS retyped_default FROM pg_attrdef
 WHERE adrelid = 'retyped'::regclass;
-- back to rowversion: no rewrite, versioning on again, with those options
SELECT relfilenode AS retyped_filenode FROM pg_class WHERE oid = 'retyped'::regclass \gset
ALTER TABLE retyped ALTER COLUMN v TYPE rowversion;
SELECT relfilenode = :retyped_filenode AS not_rewritten FROM pg_class WHERE oid = 'retyped'::regclass;
SELECT * FROM ddl.catalog WHERE relname = 'retyped';
SELECT * FROM ddl.versioned WHERE table_name = 'retyped';
SELECT * FROM regress.try($$UPDATE ddl.retyped SET a = 'checked'$$) \gx
UPDATE retyped SET a = 'checked', v = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.retyped SET a = 'x', v = 1$$) \gx

--
-- A second rowversion column is refused
--
SELECT * FROM regress.try($$ALTER TABLE ddl.plain ADD COLUMN v2 rowversion$$) \gx
SELECT * FROM regress.try($$CREATE TABLE ddl.two (id int, v1 rowversion, v2 rowversion)$$) \gx
ALTER TABLE retyped ADD COLUMN b bigint;
SELECT * FROM regress.try($$ALTER TABLE ddl.retyped ALTER COLUMN b TYPE rowversion$$) \gx
SELECT * FROM regress.try($$CREATE TABLE ddl.two (LIKE ddl.plain, w rowversion)$$) \gx
SELECT * FROM regress.try($$CREATE TABLE ddl.two (w rowversion) INHERITS (ddl.inh_parent)$$) \gx
SELECT * FROM regress.try($$ALTER TABLE ddl.tree ADD COLUMN v1 rowversion, ADD COLUMN v2 rowversion$$) \gx
-- nothing of those is left behind
SELECT count(*) FROM pg_class WHERE relname = 'two' AND relnamespace = 'ddl'::regnamespace;
SELECT attname FROM pg_attribute WHERE attrelid = 'plain'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT * FROM ddl.catalog WHERE relname LIKE 'tree%';

--
-- Renaming
--
CREATE TABLE renamed (id int PRIMARY KEY, a text, b text, v rowversion);
INSERT INTO renamed VALUES (1, 'a', 'b');
SELECT concurrency.enable('renamed', 'v', ignore_columns => '{b}');
ALTER TABLE renamed RENAME COLUMN v TO row_version;
SELECT * FROM ddl.versioned WHERE table_name = 'renamed';
UPDATE renamed SET a = 'a!' RETURNING *;
UPDATE renamed SET b = 'b!' RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.renamed SET a = 'x', row_version = 1$$) \gx
-- a watched column renamed stays watched under its new name
ALTER TABLE renamed RENAME COLUMN b TO counter;
SELECT * FROM ddl.versioned WHERE table_name = 'renamed';
UPDATE renamed SET counter = 'c' RETURNING *;
-- a watched column cannot be dropped while the options name it
SELECT * FROM regress.try($$ALTER TABLE ddl.renamed DROP COLUMN counter$$) \gx
-- the table renamed keeps its options
ALTER TABLE renamed RENAME TO renamed_again;
SELECT * FROM ddl.versioned WHERE table_name LIKE 'renamed%';
SELECT * FROM ddl.triggers WHERE relname LIKE 'renamed%';
SELECT * FROM regress.try($$UPDATE ddl.renamed_again SET a = 'x', row_version = 1$$) \gx
-- a schema renamed too
CREATE SCHEMA ddl_moved;
ALTER TABLE renamed_again SET SCHEMA ddl_moved;
SELECT schema_name, table_name, version_column, ignore_columns
  FROM concurrency.tables WHERE schema_name = 'ddl_moved';
SELECT * FROM regress.try($$UPDATE ddl_moved.renamed_again SET a = 'x', row_version = 1$$) \gx
DROP SCHEMA ddl_moved CASCADE;

--
-- A foreign table cannot have a rowversion column
--
CREATE FOREIGN DATA WRAPPER regress_ddl_dummy;
CREATE SERVER regress_ddl_server FOREIGN DATA WRAPPER regress_ddl_dummy;
SELECT * FROM regress.try($$CREATE FOREIGN TABLE ddl.remote (id int, v rowversion) SERVER regress_ddl_server$$) \gx
CREATE FOREIGN TABLE remote (id int, v bigint) SERVER regress_ddl_server;
SELECT * FROM regress.try($$ALTER FOREIGN TABLE ddl.remote ADD COLUMN w rowversion$$) \gx
SELECT * FROM regress.try($$ALTER FOREIGN TABLE ddl.remote ALTER COLUMN v TYPE rowversion$$) \gx
-- CREATE FOREIGN TABLE ... (LIKE a versioned table): foreign_like.sql
-- nor can a foreign partition of a versioned table
CREATE TABLE fparted (id int, v rowversion) PARTITION BY LIST (id);
SELECT * FROM regress.try($$CREATE FOREIGN TABLE ddl.fparted_remote PARTITION OF ddl.fparted FOR VALUES IN (1) SERVER regress_ddl_server$$) \gx
-- and one with a bigint column in its place does not fit the tree
CREATE FOREIGN TABLE fparted_remote (id int, v bigint) SERVER regress_ddl_server;
SELECT * FROM regress.try($$ALTER TABLE ddl.fparted ATTACH PARTITION ddl.fparted_remote FOR VALUES IN (1)$$) \gx
SELECT * FROM ddl.catalog WHERE relkind = 'f';

--
-- Views and materialized views that select a rowversion column are fine
--
CREATE VIEW plain_view AS SELECT id, a, v FROM plain;
CREATE MATERIALIZED VIEW plain_matview AS SELECT id, a, v FROM plain;
SELECT * FROM ddl.catalog WHERE relkind IN ('v', 'm') AND relname LIKE 'plain%';
SELECT * FROM plain_matview ORDER BY id;
REFRESH MATERIALIZED VIEW plain_matview;
-- the view writes through to a checked table
UPDATE plain_view SET a = 'via view' WHERE id = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE ddl.plain_view SET a = 'x', v = 1 WHERE id = 2$$) \gx

--
-- DROP TABLE takes the options along; a new table of the same name starts
-- with the defaults
--
DROP TABLE created;
DROP TABLE parted;
SELECT * FROM ddl.catalog WHERE relname LIKE 'parted%';
CREATE TABLE created (id int PRIMARY KEY, v rowversion);
SELECT * FROM ddl.versioned WHERE table_name = 'created';

-- DROP SCHEMA takes every table's options along
SELECT concurrency.enable('plain', 'v', strict => true);
SELECT concurrency.disable('liked');
SELECT table_name, strict, active FROM concurrency.tables
 WHERE schema_name = 'ddl' AND (strict OR NOT active) ORDER BY 1;
DROP SCHEMA ddl CASCADE;
DROP SERVER regress_ddl_server;
DROP FOREIGN DATA WRAPPER regress_ddl_dummy;
SELECT count(*) FROM concurrency.tables WHERE schema_name = 'ddl';
