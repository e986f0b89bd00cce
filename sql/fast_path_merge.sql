-- The fast path of MERGE (15 and later; expected/fast_path_merge_1.out is
-- 14's, which has no MERGE): every WHEN MATCHED THEN UPDATE action
-- computes the version in its own target list, and the row trigger fires
-- only for the rows MERGE inserts.
SET client_min_messages = warning;
CREATE SCHEMA fast_merge;
SET search_path = fast_merge, public;
LOAD 'concurrency';
SET concurrency.fast_path = on;
SET track_functions = 'all';

CREATE TABLE ledger (id integer PRIMARY KEY, amount numeric, version rowversion);
INSERT INTO ledger VALUES (1, 10, 1), (2, 20, 5);

-- not stated, and an insert: the trigger fires once, for the insert
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 11), (3, 30)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount
	WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount)$$);
SELECT * FROM ledger ORDER BY id;
-- with the fast path off, for the update too
SET concurrency.fast_path = off;
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 12), (4, 40)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount
	WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount)$$);
SET concurrency.fast_path = on;
SELECT * FROM ledger ORDER BY id;

-- stated versions, per row: an echo, one ahead; then a stale one
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 13, 3), (2, 23, 9)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$);
SELECT * FROM ledger ORDER BY id;
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (1, 14, 4), (2, 24, 8)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$) \gx
SELECT * FROM ledger ORDER BY id;

-- two UPDATE actions: both compute the version
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 0, 4), (2, 25, 9)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED AND s.amount = 0 THEN UPDATE SET amount = l.amount
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$);
SELECT * FROM ledger ORDER BY id;
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (1, 0, 1), (2, 26, 1)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED AND s.amount = 0 THEN UPDATE SET amount = l.amount
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$) \gx

-- an UPDATE action whose version is a subquery leaves the whole MERGE to
-- the trigger, which still refuses it
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (1, 15)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED AND l.amount > 100 THEN UPDATE SET amount = s.amount
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = (SELECT 1)$$) \gx
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 15)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED AND l.amount > 100 THEN UPDATE SET amount = s.amount
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = (SELECT 7)$$);
SELECT * FROM ledger ORDER BY id;

-- strict: an UPDATE action that states no version is the trigger's to refuse
SELECT concurrency.enable('ledger', strict => true);
SELECT * FROM regress.try($$
	MERGE INTO ledger l
	USING (VALUES (1, 16)) AS s(id, amount) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount$$) \gx
SELECT regress.fired($$
	MERGE INTO ledger l
	USING (VALUES (1, 16, 7)) AS s(id, amount, version) ON l.id = s.id
	WHEN MATCHED THEN UPDATE SET amount = s.amount, version = s.version$$);
SELECT * FROM ledger ORDER BY id;

DROP SCHEMA fast_merge CASCADE;
