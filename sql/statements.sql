-- Every kind of statement that writes a versioned table (SPEC sections 2
-- and 5): INSERT, COPY, DELETE, INSERT ... ON CONFLICT, MERGE, updates
-- through views, partitioned tables, inheritance children and foreign-key
-- cascades.
SET client_min_messages = warning;
CREATE SCHEMA statements;
SET search_path = statements, public;

--
-- INSERT: a version of 0 or more is kept (0 too: ORMs start there);
-- none, DEFAULT or NULL gives 1; a negative one is refused and nothing is
-- inserted.
--
CREATE TABLE things (id integer PRIMARY KEY, name text, version rowversion);
INSERT INTO things (id, name) VALUES (1, 'omitted') RETURNING *;
INSERT INTO things VALUES (2, 'default', DEFAULT) RETURNING *;
INSERT INTO things VALUES (3, 'null', NULL) RETURNING *;
INSERT INTO things VALUES (4, 'kept', 42) RETURNING *;
INSERT INTO things VALUES (5, 'largest', 4611686018427387904) RETURNING *;
INSERT INTO things SELECT 6, 'select', NULL RETURNING *;
INSERT INTO things VALUES (10, 'zero', 0) RETURNING *;
SELECT * FROM regress.try($$INSERT INTO things VALUES (7, 'negative', -3)$$);
SELECT * FROM regress.try($$INSERT INTO things VALUES (7, 'above the limit', 4611686018427387905)$$);
-- one bad row in a multi-row INSERT: none of the rows is inserted
SELECT * FROM regress.try($$INSERT INTO things VALUES (7, 'fine', 2), (8, 'bad', -1), (9, 'fine', NULL)$$);
SELECT * FROM things ORDER BY id;
-- the rules of an UPDATE start from the inserted version
UPDATE things SET name = 'kept!' WHERE id = 4 RETURNING *;
SELECT * FROM regress.try($$UPDATE things SET name = 'old', version = 42 WHERE id = 4$$);

--
-- COPY FROM: the same rules, row by row.
--
CREATE TABLE imported (id integer PRIMARY KEY, name text, version rowversion);
COPY imported FROM stdin;
1	null	\N
2	kept	7
3	largest	4611686018427387904
\.
COPY imported (id, name) FROM stdin;
4	omitted
\.
COPY imported FROM stdin WITH (FORMAT csv);
5,empty,
6,kept,12
\.
SELECT * FROM imported ORDER BY id;
-- zero is kept; a negative version refuses the whole COPY
COPY imported FROM stdin WITH (FORMAT csv);
7,fine,1
8,zero,0
\.
COPY imported FROM stdin WITH (FORMAT csv);
9,negative,-5
\.
SELECT * FROM imported ORDER BY id;
UPDATE imported SET name = 'moved' WHERE id IN (2, 4) RETURNING *;

--
-- DELETE: no rule of its own; the writer's WHERE on the version and the
-- row count tell it whether the row was still current.
--
DELETE FROM imported WHERE id = 2 AND version = 7 RETURNING *;
\echo rows deleted: :ROW_COUNT
SELECT * FROM imported WHERE id = 2;
DELETE FROM imported WHERE id = 2 AND version = 8 RETURNING *;
\echo rows deleted: :ROW_COUNT
SELECT * FROM imported WHERE id = 2;
-- a DELETE that states no version is allowed, even on a strict table
SELECT concurrency.enable('imported', strict => true);
DELETE FROM imported WHERE id = 1 RETURNING *;
\echo rows deleted: :ROW_COUNT
SELECT * FROM imported ORDER BY id;

--
-- INSERT ... ON CONFLICT DO UPDATE: the update part follows the UPDATE
-- rules; the insert part the INSERT rules.
--
CREATE TABLE stock (sku text PRIMARY KEY, qty integer, version rowversion);
INSERT INTO stock VALUES ('a', 1, 3), ('b', 1, 1);
-- no version stated: OLD + 1
INSERT INTO stock (sku, qty) VALUES ('a', 2)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty RETURNING *;
-- the version stated through EXCLUDED: an echo moves it on, a higher one
-- is kept, a lower one is stale
INSERT INTO stock VALUES ('a', 3, 4)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version RETURNING *;
INSERT INTO stock VALUES ('a', 4, 9)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version RETURNING *;
SELECT * FROM regress.try($$
	INSERT INTO stock VALUES ('a', 5, 8)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version$$);
-- an explicit version in the SET list
INSERT INTO stock (sku, qty) VALUES ('a', 6)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = 9 RETURNING *;
SELECT * FROM regress.try($$
	INSERT INTO stock (sku, qty) VALUES ('a', 7)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = 2$$);
-- EXCLUDED.version of a row inserted without a version is 1: stale here
SELECT * FROM regress.try($$
	INSERT INTO stock (sku, qty) VALUES ('a', 8)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version$$);
SELECT * FROM stock ORDER BY sku;
-- the insert part: a new row gets 1, a bad version is refused
INSERT INTO stock (sku, qty) VALUES ('c', 1)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty RETURNING *;
SELECT * FROM regress.try($$
	INSERT INTO stock VALUES ('b', 9, -1)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty$$);
-- per row in a multi-row upsert: one stale row, after an update and an
-- insert that were fine, rejects all of it
SELECT * FROM regress.try($$
	INSERT INTO stock VALUES ('b', 10, 1), ('d', 10, NULL), ('a', 10, 9)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version$$);
-- the same with a bad version in the insert part
SELECT * FROM regress.try($$
	INSERT INTO stock VALUES ('b', 10, 1), ('a', 10, 10), ('d', 10, -1)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version$$);
SELECT * FROM stock ORDER BY sku;
INSERT INTO stock VALUES ('a', 10, 10), ('b', 10, 1), ('c', 10, 5), ('d', 10, NULL)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version
	RETURNING *;
-- strict: the update part must state a version
SELECT concurrency.enable('stock', strict => true);
SELECT * FROM regress.try($$
	INSERT INTO stock (sku, qty) VALUES ('a', 11)
		ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty$$);
INSERT INTO stock (sku, qty, version) VALUES ('a', 11, 11)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, version = excluded.version
	RETURNING *;
-- ... but an INSERT that does not conflict needs none
INSERT INTO stock (sku, qty) VALUES ('e', 1)
	ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty RETURNING *;

--
-- MERGE: WHEN MATCHED THEN UPDATE follows the UPDATE rules per row.
--
CREATE TABLE ledger (id integer PRIMARY KEY, amount numeric, version rowversion);
INSERT INTO ledger VALUES (1, 10, 1), (2, 20, 5);
-- no version stated, and an insert
MERGE INTO ledger l
USING (VALUES (1, 11), (3, 30)) AS s(id, amount) ON l.id = s.id
WHEN MATCHED THEN UPDATE SET amount = s.amount
WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount);
SELECT * FROM ledger ORDER BY id;
-- fresh versions: an echo, a higher one
MERGE INTO ledger l
USING (VALUES (1, 12, 2), (2, 22, 8)) AS s(id, amount, version) ON l.id = s.id
WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version;
SELECT * FROM ledger ORDER BY id;
-- one stale row: the whole MERGE is rejected
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (1, 13, 3), (2, 23, 7), (3, 33, 1)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$);
SELECT * FROM ledger ORDER BY id;
-- and its insert part follows the INSERT rules
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (4, 40, -1)) AS s(id, amount, version) ON l.id = s.id
	WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.amount, s.version)$$);
SELECT * FROM ledger ORDER BY id;
-- strict: WHEN MATCHED THEN UPDATE must state a version
SELECT concurrency.enable('ledger', strict => true);
SELECT * FROM regress.try($$
	MERGE INTO ledger l USING (VALUES (1, 14)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount$$);
MERGE INTO ledger l USING (VALUES (1, 14, 3)) AS s(id, amount, version) ON l.id = s.id
WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version;
SELECT * FROM ledger ORDER BY id;

--
-- Updates through views: the view's column stands for the version column,
-- whatever its name there.
--
CREATE TABLE people (id integer PRIMARY KEY, name text, city text, version rowversion);
INSERT INTO people (id, name, city) VALUES (1, 'ann', 'oslo'), (2, 'bob', 'rome');
CREATE VIEW people_all AS SELECT * FROM people;
CREATE VIEW people_renamed AS
	SELECT city AS town, version AS rev, id AS key FROM people WHERE id > 0;
UPDATE people_all SET name = 'anne' WHERE id = 1 RETURNING *;
UPDATE people_all SET name = 'anna', version = 2 WHERE id = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE people_all SET name = 'x', version = 2 WHERE id = 1$$);
UPDATE people_renamed SET town = 'roma' WHERE key = 2 RETURNING *;
UPDATE people_renamed SET town = 'rome', rev = 2 WHERE key = 2 RETURNING *;
UPDATE people_renamed SET town = 'milan', rev = 7 WHERE key = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE people_renamed SET town = 'x', rev = 6 WHERE key = 2$$);
SELECT * FROM people ORDER BY id;
-- strict: "rev" is the version column, so stating it states the version
SELECT concurrency.enable('people', strict => true);
SELECT * FROM regress.try($$UPDATE people_renamed SET town = 'turin' WHERE key = 2$$);
SELECT * FROM regress.try($$UPDATE people_all SET city = 'bergen' WHERE id = 1$$);
UPDATE people_renamed SET town = 'turin', rev = 7 WHERE key = 2 RETURNING *;
UPDATE people_all SET city = 'bergen', version = 3 WHERE id = 1 RETURNING *;
-- INSERT through a view follows the INSERT rules
INSERT INTO people_renamed (key, town) VALUES (3, 'paris') RETURNING *;
SELECT * FROM regress.try($$INSERT INTO people_renamed (key, town, rev) VALUES (4, 'lyon', -1)$$);

--
-- Partitioned tables: each partition has the trigger; rows that move
-- between partitions follow the same rules.
--
CREATE TABLE orders (
	id		integer,
	region	text,
	item	text,
	version	rowversion,
	PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
-- a partition whose columns sit at other positions than the parent's
CREATE TABLE orders_us (dropped integer, item text, region text, version rowversion, id integer,
						PRIMARY KEY (id, region));
ALTER TABLE orders_us DROP COLUMN dropped;
ALTER TABLE orders ATTACH PARTITION orders_us FOR VALUES IN ('us');
-- a partition that is itself partitioned, and a default partition
CREATE TABLE orders_asia PARTITION OF orders FOR VALUES IN ('jp', 'kr') PARTITION BY LIST (region);
CREATE TABLE orders_jp PARTITION OF orders_asia FOR VALUES IN ('jp');
CREATE TABLE orders_kr PARTITION OF orders_asia FOR VALUES IN ('kr');
CREATE TABLE orders_other PARTITION OF orders DEFAULT;
SELECT c.relname, c.relkind, count(t.oid) AS version_triggers
  FROM pg_class c
  LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgisinternal
   AND t.tgfoid = 'concurrency.version_trigger'::regproc
 WHERE c.relnamespace = 'statements'::regnamespace AND c.relname LIKE 'orders%'
   AND c.relkind IN ('r', 'p')
 GROUP BY c.relname, c.relkind ORDER BY c.relname;

INSERT INTO orders (id, region, item) VALUES
	(1, 'eu', 'pen'), (2, 'us', 'ink'), (3, 'jp', 'tea'), (4, 'br', 'nut');
INSERT INTO orders VALUES (5, 'kr', 'rice', 6);
SELECT * FROM regress.try($$INSERT INTO orders VALUES (6, 'us', 'bad', -1)$$);
-- COPY into the parent: each partition's trigger applies the INSERT rules
COPY orders (id, region, item, version) FROM stdin WITH (FORMAT csv);
10,us,copied,
11,jp,copied,3
\.
COPY orders (id, region, item, version) FROM stdin WITH (FORMAT csv);
12,kr,bad,-1
\.
SELECT tableoid::regclass AS partition, * FROM orders WHERE id >= 10 ORDER BY id;
DELETE FROM orders WHERE id >= 10;
SELECT tableoid::regclass AS partition, * FROM orders ORDER BY id;
-- inside one partition, through the parent and directly
UPDATE orders SET item = 'pencil' WHERE id = 1 RETURNING tableoid::regclass, *;
UPDATE orders SET item = 'quill', version = 2 WHERE id = 1 RETURNING tableoid::regclass, *;
UPDATE orders_us SET item = 'ink!', version = 1 WHERE id = 2 RETURNING tableoid::regclass, *;
UPDATE orders SET item = 'ink!!', version = 5 WHERE id = 2 RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE orders SET item = 'x', version = 4 WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE orders_kr SET item = 'x', version = 5 WHERE id = 5$$);
UPDATE orders SET item = upper(item) RETURNING tableoid::regclass, *;
-- a row that moves to another partition: an echo gives OLD + 1
UPDATE orders SET region = 'us', version = 4 WHERE id = 1 RETURNING tableoid::regclass, *;
-- a higher version is kept across the move
UPDATE orders SET region = 'jp', version = 10 WHERE id = 2 RETURNING tableoid::regclass, *;
-- no version stated: OLD + 1
UPDATE orders SET region = 'eu' WHERE id = 4 RETURNING tableoid::regclass, *;
-- a stale move is rejected and the row stays where it was
SELECT * FROM regress.try($$UPDATE orders SET region = 'eu', version = 1 WHERE id = 3$$);
SELECT * FROM regress.try($$UPDATE orders SET region = 'eu', item = 'moved', version = 4 WHERE id = 5$$);
SELECT tableoid::regclass AS partition, * FROM orders ORDER BY id;

-- options set on the parent apply to every partition
SELECT concurrency.enable('orders', strict => true);
SELECT table_name, strict FROM concurrency.tables
 WHERE schema_name = 'statements' AND table_name LIKE 'orders%' ORDER BY table_name;
SELECT * FROM regress.try($$UPDATE orders SET item = 'x' WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE orders_eu SET item = 'x' WHERE id = 4$$);
SELECT * FROM regress.try($$UPDATE orders SET item = 'x' WHERE id = 3$$);
SELECT * FROM regress.try($$UPDATE orders SET region = 'kr' WHERE id = 4$$);
UPDATE orders SET region = 'kr', version = 3 WHERE id = 4 RETURNING tableoid::regclass, *;
UPDATE orders_jp SET item = 'green tea', version = 10 WHERE id = 2 RETURNING tableoid::regclass, *;
-- a partition created later, or attached later, takes them too
CREATE TABLE orders_in PARTITION OF orders FOR VALUES IN ('in');
CREATE TABLE orders_ca (LIKE orders INCLUDING ALL);
ALTER TABLE orders ATTACH PARTITION orders_ca FOR VALUES IN ('ca');
SELECT table_name, strict FROM concurrency.tables
 WHERE table_name IN ('orders_in', 'orders_ca') ORDER BY table_name;
INSERT INTO orders (id, region, item) VALUES (7, 'in', 'chai'), (8, 'ca', 'syrup');
SELECT * FROM regress.try($$UPDATE orders SET item = 'x' WHERE id = 7$$);
SELECT * FROM regress.try($$UPDATE orders SET item = 'x' WHERE id = 8$$);
UPDATE orders SET item = 'maple syrup', version = 1 WHERE id = 8 RETURNING tableoid::regclass, *;
-- a partition's own options win over its parent's
INSERT INTO orders (id, region, item) VALUES (9, 'eu', 'map');
SELECT concurrency.enable('orders_eu');
SELECT table_name, strict FROM concurrency.tables
 WHERE table_name IN ('orders', 'orders_eu', 'orders_us') ORDER BY table_name;
UPDATE orders SET item = 'free' WHERE region = 'eu' RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE orders SET item = 'x' WHERE region = 'us'$$);
-- a detached partition keeps the options its own version column carries:
-- CREATE TABLE ... (LIKE ... INCLUDING ALL) copied the parent's default
SELECT pg_get_expr(adbin, adrelid) AS orders_ca_default FROM pg_attrdef
 WHERE adrelid = 'orders_ca'::regclass;
ALTER TABLE orders DETACH PARTITION orders_ca;
SELECT table_name, strict FROM concurrency.tables WHERE table_name = 'orders_ca';
SELECT * FROM regress.try($$UPDATE orders_ca SET item = 'detached'$$);
UPDATE orders_ca SET item = 'detached', version = 2 RETURNING *;
SELECT tableoid::regclass AS partition, * FROM orders ORDER BY id;

--
-- Inheritance: an UPDATE on the parent reaches the children's rows, each
-- with its own trigger.
--
CREATE TABLE vehicles (id integer PRIMARY KEY, dropped integer, name text, version rowversion);
ALTER TABLE vehicles DROP COLUMN dropped;
-- the child's version column has another attnum than the parent's
CREATE TABLE trucks (load integer) INHERITS (vehicles);
ALTER TABLE trucks ADD PRIMARY KEY (id);
SELECT attrelid::regclass, attnum FROM pg_attribute
 WHERE attrelid IN ('vehicles'::regclass, 'trucks'::regclass) AND attname = 'version'
 ORDER BY 1;
SELECT tgrelid::regclass, count(*) FROM pg_trigger
 WHERE tgrelid IN ('vehicles'::regclass, 'trucks'::regclass) AND tgisinternal
   AND tgfoid = 'concurrency.version_trigger'::regproc
 GROUP BY 1 ORDER BY 1;
INSERT INTO vehicles (id, name) VALUES (1, 'car');
INSERT INTO trucks (id, name, load, version) VALUES (2, 'lorry', 10, NULL), (3, 'van', 2, 4);
UPDATE vehicles SET name = name || '!' RETURNING tableoid::regclass, *;
UPDATE vehicles SET name = 'lorry', version = 2 WHERE id = 2 RETURNING tableoid::regclass, *;
UPDATE vehicles SET name = 'van', version = 9 WHERE id = 3 RETURNING tableoid::regclass, *;
SELECT * FROM regress.try($$UPDATE vehicles SET name = 'x', version = 8 WHERE id = 3$$);
SELECT * FROM regress.try($$UPDATE vehicles SET name = 'x', version = version - 1$$);
SELECT tableoid::regclass, * FROM vehicles ORDER BY id;
-- the child's own strict option holds for updates through the parent
SELECT concurrency.enable('trucks', strict => true);
SELECT * FROM regress.try($$UPDATE vehicles SET name = 'x' WHERE id = 2$$);
UPDATE vehicles SET name = 'car' WHERE id = 1 RETURNING tableoid::regclass, *;
UPDATE vehicles SET name = 'truck', version = 3 WHERE id = 2 RETURNING tableoid::regclass, *;

--
-- Foreign-key cascades into a versioned child: the child's version moves
-- by one, and strict does not refuse the cascade.
--
CREATE TABLE customers (id integer PRIMARY KEY, name text, version rowversion);
CREATE TABLE invoices (
	id			integer PRIMARY KEY,
	customer	integer REFERENCES customers ON UPDATE CASCADE ON DELETE SET NULL,
	total		numeric,
	version		rowversion
);
INSERT INTO customers (id, name) VALUES (1, 'acme'), (2, 'globex'), (3, 'initech');
INSERT INTO invoices VALUES (10, 1, 100, NULL), (11, 1, 110, 5), (12, 2, 120, NULL), (13, 3, 130, NULL);
UPDATE customers SET id = 101 WHERE id = 1 RETURNING *;
SELECT * FROM invoices ORDER BY id;
DELETE FROM customers WHERE id = 2;
SELECT * FROM invoices ORDER BY id;
-- with the child strict the cascades are still allowed
SELECT concurrency.enable('invoices', strict => true);
SELECT * FROM regress.try($$UPDATE invoices SET total = 0 WHERE id = 10$$);
UPDATE customers SET id = 1 WHERE id = 101 RETURNING *;
DELETE FROM customers WHERE id = 3;
SELECT * FROM invoices ORDER BY id;
-- the parent strict too: the parent's own UPDATE must state a version
SELECT concurrency.enable('customers', strict => true);
SELECT * FROM regress.try($$UPDATE customers SET id = 2 WHERE id = 1$$);
UPDATE customers SET id = 2, version = 3 WHERE id = 1 RETURNING *;
SELECT * FROM invoices ORDER BY id;
-- a statement that a trigger runs during a cascade is no cascade itself:
-- strict still refuses it
CREATE TABLE audit (id integer PRIMARY KEY, events integer, version rowversion);
INSERT INTO audit VALUES (1, 0);
SELECT concurrency.enable('audit', strict => true);
CREATE FUNCTION count_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE statements.audit SET events = events + 1 WHERE id = 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER invoices_count BEFORE UPDATE ON invoices
	FOR EACH ROW EXECUTE FUNCTION count_event();
SELECT * FROM regress.try($$UPDATE invoices SET total = 101, version = 4 WHERE id = 10$$);
SELECT * FROM regress.try($$UPDATE customers SET id = 3, version = 4 WHERE id = 2$$);
SELECT * FROM audit;
SELECT * FROM invoices ORDER BY id;

DROP SCHEMA statements CASCADE;
