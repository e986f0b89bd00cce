-- What an UPDATE is checked against (SPEC section 2), one row at a time,
-- then for statements that touch many rows.
SET client_min_messages = warning;
CREATE SCHEMA update_rules;
SET search_path = update_rules, public;

CREATE TABLE accounts (
	id		integer PRIMARY KEY,
	owner	text NOT NULL,
	balance	numeric NOT NULL,
	version	rowversion
);
INSERT INTO accounts (id, owner, balance) VALUES
	(1, 'alice', 100),
	(2, 'bob', 200),
	(3, 'carol', 300);

-- the row trigger is attached, internal, to the table
SELECT tgname ~ '^!concurrency_version_[0-9]+$' AS named, tgisinternal,
	   tgfoid = 'concurrency.version_trigger'::regproc AS function
  FROM pg_trigger WHERE tgrelid = 'accounts'::regclass;

--
-- The version column is not mentioned: OLD + 1.
--
UPDATE accounts SET balance = 110 WHERE id = 1 RETURNING id, balance, version;
UPDATE accounts SET balance = 120 WHERE id = 1 RETURNING id, balance, version;
-- even when nothing changes (no check_columns / ignore_columns)
UPDATE accounts SET balance = balance WHERE id = 1 RETURNING id, balance, version;
-- the other rows were not touched
SELECT * FROM accounts ORDER BY id;

--
-- The version column echoes OLD (a full-row save): OLD + 1.
--
UPDATE accounts SET balance = 210, version = 1 WHERE id = 2 RETURNING id, balance, version;
UPDATE accounts SET owner = 'robert', version = 2 WHERE id = 2 RETURNING id, owner, version;
-- an echo that changes nothing else still moves the version
UPDATE accounts SET version = version WHERE id = 2 RETURNING id, version;
UPDATE accounts SET owner = owner, balance = balance, version = 4 WHERE id = 2
	RETURNING id, owner, balance, version;

--
-- The version column is set above OLD (the writer computed the next
-- version itself): kept, never bumped twice.
--
UPDATE accounts SET balance = 310, version = 2 WHERE id = 3 AND version = 1
	RETURNING id, balance, version;
UPDATE accounts SET balance = 320, version = version + 1 WHERE id = 3 AND version = 2
	RETURNING id, balance, version;
-- a jump is kept as stated
UPDATE accounts SET balance = 330, version = 40 WHERE id = 3
	RETURNING id, balance, version;
-- the ORM's WHERE on the old version finds nothing once the row moved on
UPDATE accounts SET balance = 999, version = 4 WHERE id = 3 AND version = 3;
SELECT * FROM accounts WHERE id = 3;

--
-- The version column is set below OLD: the write is stale.
--
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 39 WHERE id = 3$$);
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 1 WHERE id = 3$$);
-- the row is as it was: contents and version
SELECT * FROM accounts WHERE id = 3;
-- the error is the same outside the helper
UPDATE accounts SET balance = 0, version = 39 WHERE id = 3;
-- a stale version stated as an expression
SELECT * FROM regress.try($$UPDATE accounts SET version = version - 1 WHERE id = 3$$);
SELECT * FROM accounts WHERE id = 3;

-- a table without a primary key: DETAIL has no key
CREATE TABLE notes (body text, version rowversion);
INSERT INTO notes VALUES ('draft', 5);
SELECT * FROM regress.try($$UPDATE notes SET body = 'final', version = 4$$);
SELECT * FROM notes;
-- a replica identity index names the row instead
CREATE UNIQUE INDEX notes_body ON notes (body);
ALTER TABLE notes ALTER COLUMN body SET NOT NULL;
ALTER TABLE notes REPLICA IDENTITY USING INDEX notes_body;
SELECT * FROM regress.try($$UPDATE notes SET body = 'final', version = 4$$);
SELECT * FROM notes;

--
-- The version stated as NULL, zero or negative.
--
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = NULL WHERE id = 1$$);
-- zero and negative are below every stored version: stale
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 0 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = -7 WHERE id = 1$$);
SELECT * FROM accounts WHERE id = 1;

--
-- No writer may state a version above 2^62: 22003, nothing written, so
-- nobody can move a row to the end of the range and lock everyone out.
-- The limit itself is a version like any other; the largest bigint is not.
--
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 9223372036854775807 WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 4611686018427387905 WHERE id = 2$$);
SELECT * FROM accounts WHERE id = 2;
UPDATE accounts SET version = 4611686018427387904 WHERE id = 2 RETURNING id, version;
-- and the row goes on working for everyone
UPDATE accounts SET balance = balance + 1 WHERE id = 2 RETURNING id, balance, version;
UPDATE accounts SET balance = balance + 1, version = 4611686018427387905 WHERE id = 2 RETURNING id, balance, version;
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 4611686018427387904 WHERE id = 2$$);

--
-- A version that cannot move further (stored with the trigger off, by a
-- superuser): 22003, nothing written.
--
SET session_replication_role = replica;
UPDATE accounts SET version = 9223372036854775807 WHERE id = 2 RETURNING id, version;
RESET session_replication_role;
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0 WHERE id = 2$$);
SELECT * FROM regress.try($$UPDATE accounts SET balance = 0, version = 9223372036854775807 WHERE id = 2$$);
SELECT * FROM accounts WHERE id = 2;

--
-- strict: the writer must state a version.
--
CREATE TABLE orders (id integer PRIMARY KEY, item text, version rowversion);
INSERT INTO orders VALUES (1, 'pen'), (2, 'ink');
SELECT concurrency.enable('orders', strict => true);
SELECT * FROM regress.try($$UPDATE orders SET item = 'pencil' WHERE id = 1$$);
SELECT * FROM orders ORDER BY id;
-- stated: allowed, by every rule of the table above
UPDATE orders SET item = 'pencil', version = 1 WHERE id = 1 RETURNING *;
UPDATE orders SET item = 'quill', version = 5 WHERE id = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE orders SET item = 'brush', version = 4 WHERE id = 2$$);
-- a multiple-column assignment states it too
UPDATE orders SET (item, version) = ('brush', 5) WHERE id = 2 RETURNING *;
-- a multi-row statement must state it too
SELECT * FROM regress.try($$UPDATE orders SET item = upper(item)$$);
UPDATE orders SET item = upper(item), version = version RETURNING *;
-- a statement that touches no row raises nothing
UPDATE orders SET item = 'none' WHERE id = 3;
SELECT * FROM orders ORDER BY id;
-- not strict any more
SELECT concurrency.enable('orders');
UPDATE orders SET item = 'crayon' WHERE id = 1 RETURNING *;
SELECT strict FROM concurrency.tables WHERE table_name = 'orders';

--
-- Rows stored before the column was added read as version 1, and adding
-- the column does not rewrite the table.
--
CREATE TABLE legacy (id integer PRIMARY KEY, name text);
INSERT INTO legacy SELECT g, 'row ' || g FROM generate_series(1, 5) g;
CREATE TEMP TABLE filenode AS SELECT pg_relation_filenode('legacy') AS before;
ALTER TABLE legacy ADD COLUMN version rowversion;
SELECT before = pg_relation_filenode('legacy') AS not_rewritten FROM filenode;
SELECT atthasmissing FROM pg_attribute
 WHERE attrelid = 'legacy'::regclass AND attname = 'version';
SELECT * FROM legacy ORDER BY id;
UPDATE legacy SET name = 'one' WHERE id = 1 RETURNING *;
UPDATE legacy SET name = 'two', version = 1 WHERE id = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE legacy SET name = 'two', version = 1 WHERE id = 2$$);
UPDATE legacy SET name = 'three', version = 7 WHERE id = 3 RETURNING *;
-- enable() on a table with rows does not rewrite it either
CREATE TABLE legacy2 (id integer PRIMARY KEY, name text);
INSERT INTO legacy2 VALUES (1, 'x');
UPDATE filenode SET before = pg_relation_filenode('legacy2');
SELECT concurrency.enable('legacy2');
SELECT before = pg_relation_filenode('legacy2') AS not_rewritten FROM filenode;
SELECT * FROM legacy2;
DROP TABLE filenode;

--
-- Multi-row statements: the rules hold per row.
--
CREATE TABLE items (id integer PRIMARY KEY, price numeric, version rowversion);
INSERT INTO items (id, price, version) VALUES (1, 10, 1), (2, 20, 5), (3, 30, 9), (4, 40, 2);
-- every row moves by one
UPDATE items SET price = price * 2 RETURNING *;
-- one stale row among fresh ones rejects the whole statement
SELECT * FROM regress.try($$
	UPDATE items SET price = price + 1,
		   version = CASE id WHEN 3 THEN 5 ELSE version END$$);
SELECT * FROM items ORDER BY id;

-- a bulk edit with a version per row (a list-editable grid)
UPDATE items AS i SET price = v.price, version = v.version
  FROM (VALUES (1, 11, 2), (2, 21, 6), (3, 31, 12)) AS v(id, price, version)
 WHERE i.id = v.id
RETURNING i.*;
-- a stale row in the bulk edit: nothing of it is written
SELECT * FROM regress.try($$
	UPDATE items AS i SET price = v.price, version = v.version
	  FROM (VALUES (1, 12, 3), (2, 22, 6), (4, 42, 3)) AS v(id, price, version)
	 WHERE i.id = v.id$$);
SELECT * FROM items ORDER BY id;
-- the same edit with current versions goes through
UPDATE items AS i SET price = v.price, version = v.version
  FROM (VALUES (1, 12, 3), (2, 22, 7), (4, 42, 3)) AS v(id, price, version)
 WHERE i.id = v.id
RETURNING i.*;
SELECT * FROM items ORDER BY id;

-- 0 is a version (Hibernate, Rails, Sequelize and django-concurrency
-- start there): inserted as it is, an echo of it moves it to 1, a writer
-- that computes the next version sends 1, and a table that brings zeros
-- along becomes versioned as it is
CREATE TABLE from_zero (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO from_zero VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0) RETURNING *;
UPDATE from_zero SET a = 'echo', version = 0 WHERE id = 1 RETURNING *;
UPDATE from_zero SET a = 'next', version = 1 WHERE id = 2 AND version = 0 RETURNING *;
UPDATE from_zero SET a = 'not stated' WHERE id = 3 RETURNING *;
SELECT * FROM regress.try($$UPDATE from_zero SET a = 'stale', version = 0 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE from_zero SET a = 'negative', version = -1 WHERE id = 1$$);
CREATE TABLE from_zero_copy AS SELECT id, a, 0::bigint::rowversion AS version FROM from_zero;
SELECT tgrelid::regclass FROM pg_trigger WHERE tgrelid = 'from_zero_copy'::regclass;
SELECT * FROM from_zero_copy ORDER BY id;

-- The DETAIL names the row by its primary key, deferrable or not (the same
-- on every PostgreSQL major), else by its replica identity index
CREATE TABLE deferred_key (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED,
	a text, version rowversion);
INSERT INTO deferred_key VALUES (1, 'a', 3);
SELECT * FROM regress.try($$UPDATE deferred_key SET a = 'b', version = 2 WHERE id = 1$$);
CREATE TABLE identity_key (id int NOT NULL, a text, version rowversion);
CREATE UNIQUE INDEX identity_key_id ON identity_key (id);
ALTER TABLE identity_key REPLICA IDENTITY USING INDEX identity_key_id;
INSERT INTO identity_key VALUES (1, 'a', 3);
SELECT * FROM regress.try($$UPDATE identity_key SET a = 'b', version = 2 WHERE id = 1$$);

DROP SCHEMA update_rules CASCADE;
