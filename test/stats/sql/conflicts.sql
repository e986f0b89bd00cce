--
-- Conflict statistics: concurrency.conflicts and
-- concurrency.reset_conflicts(), on a cluster that loads the library at
-- start (shared_preload_libraries = 'concurrency').  Each event is counted
-- once, also when its transaction rolls back; partitions count under the
-- partitioned table; reads and resets follow the privileges.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS concurrency;
DROP SCHEMA IF EXISTS stats CASCADE;
DROP ROLE IF EXISTS regress_stats_owner;
DROP ROLE IF EXISTS regress_stats_reader;
DROP ROLE IF EXISTS regress_stats_other;
-- regress.try(sql), as in sql/install.sql: every field of an error
\i test/lib/regress_try.sql
RESET client_min_messages;
CREATE SCHEMA stats;
SET search_path = stats, public;
SELECT concurrency.reset_conflicts() >= 0 AS reset;
SELECT * FROM concurrency.conflicts;

SELECT now() AS started \gset
CREATE TABLE accounts (id int PRIMARY KEY, balance int, version rowversion);
INSERT INTO accounts VALUES (1, 10), (2, 20), (3, 30);
UPDATE accounts SET balance = balance + 1;          -- every row at version 2

-- no event, no row
UPDATE accounts SET balance = 0, version = 2 WHERE id = 1;
INSERT INTO accounts VALUES (4, 40);
DELETE FROM accounts WHERE id = 4 AND version = 1;
SELECT * FROM concurrency.conflicts;

-- rejected: one per refused write, also in a transaction rolled back
SELECT * FROM regress.try($$UPDATE stats.accounts SET balance = 1, version = 1 WHERE id = 2$$);
BEGIN;
SELECT * FROM regress.try($$UPDATE stats.accounts SET balance = 1, version = 1 WHERE id = 3$$);
ROLLBACK;
SELECT schema_name, table_name, rejected, skipped, warned, bypassed, not_stated,
	   last_conflict >= :'started' AS recent
  FROM concurrency.conflicts;

-- skipped: one per row skipped
SET concurrency.on_conflict = skip;
SET client_min_messages = warning;
UPDATE accounts SET balance = 2, version = 1;
RESET client_min_messages;
-- warned: one per stale write let through
SET concurrency.on_conflict = warn;
SET client_min_messages = error;
UPDATE accounts SET balance = 3, version = 0 WHERE id IN (2, 3);
RESET client_min_messages;
RESET concurrency.on_conflict;
-- bypassed: one per row written with enabled = off or increment = off
SET concurrency.enabled = off;
UPDATE accounts SET balance = 4, version = 0 WHERE id = 1;
RESET concurrency.enabled;
SET concurrency.increment = off;
UPDATE accounts SET balance = 5;
RESET concurrency.increment;
SELECT table_name, rejected, skipped, warned, bypassed, not_stated FROM concurrency.conflicts;

-- not_stated: strict tables
CREATE TABLE strict_t (id int PRIMARY KEY, v rowversion);
SELECT concurrency.enable('strict_t', 'v', strict => true);
INSERT INTO strict_t VALUES (1), (2);
SELECT * FROM regress.try($$UPDATE stats.strict_t SET id = id$$);
SELECT * FROM regress.try($$UPDATE stats.strict_t SET id = id WHERE id = 2$$);
SELECT table_name, rejected, skipped, warned, bypassed, not_stated
  FROM concurrency.conflicts ORDER BY table_name;

-- partitions count under the partitioned table
CREATE TABLE orders (id int, region text, version rowversion, PRIMARY KEY (id, region))
	PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us');
INSERT INTO orders VALUES (1, 'eu'), (2, 'us');
UPDATE orders SET id = id;
SELECT * FROM regress.try($$UPDATE stats.orders SET id = id, version = 1 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE stats.orders_us SET id = id, version = 1$$);
SELECT table_name, rejected FROM concurrency.conflicts
 WHERE table_name LIKE 'orders%' ORDER BY table_name;

-- reading: the tables one may read; resetting: the tables one owns
CREATE ROLE regress_stats_owner;
CREATE ROLE regress_stats_reader;
CREATE ROLE regress_stats_other;
GRANT USAGE ON SCHEMA stats TO regress_stats_owner, regress_stats_reader, regress_stats_other;
ALTER TABLE strict_t OWNER TO regress_stats_owner;
GRANT SELECT (id) ON accounts TO regress_stats_reader;
SET ROLE regress_stats_reader;
SELECT table_name, rejected FROM concurrency.conflicts ORDER BY table_name;
SELECT * FROM regress.try($$SELECT concurrency.reset_conflicts('stats.accounts')$$);
SELECT concurrency.reset_conflicts() AS reset_by_reader;
RESET ROLE;
SET ROLE regress_stats_other;
SELECT table_name FROM concurrency.conflicts;
RESET ROLE;
SET ROLE regress_stats_owner;
SELECT table_name, not_stated FROM concurrency.conflicts;
SELECT concurrency.reset_conflicts() AS reset_by_owner;
SELECT table_name FROM concurrency.conflicts;
RESET ROLE;
SELECT table_name FROM concurrency.conflicts ORDER BY table_name;
SELECT * FROM regress.try($$SELECT concurrency.reset_conflicts(0)$$);
SELECT concurrency.reset_conflicts('stats.orders') AS reset_orders;
SELECT concurrency.reset_conflicts('stats.orders') AS reset_again;
SELECT table_name FROM concurrency.conflicts ORDER BY table_name;

-- a dropped table drops out of the view
SELECT table_name FROM concurrency.conflicts;
DROP TABLE accounts;
SELECT count(*) AS shown FROM concurrency.conflicts;

-- clean up
SET client_min_messages = warning;
DROP SCHEMA stats CASCADE;
DROP ROLE regress_stats_owner;
DROP ROLE regress_stats_reader;
DROP ROLE regress_stats_other;
RESET client_min_messages;
SELECT concurrency.reset_conflicts() >= 0 AS reset;
