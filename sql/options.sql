-- check_columns and ignore_columns (SPEC section 1): which changes count
-- as a modification, and how the options are changed and shown.
SET client_min_messages = warning;
CREATE SCHEMA options;
SET search_path = options, public;

--
-- Without options every UPDATE counts, even one that changes nothing.
--
CREATE TABLE plain (id integer PRIMARY KEY, name text, version rowversion);
INSERT INTO plain VALUES (1, 'a');
UPDATE plain SET name = name RETURNING *;
UPDATE plain SET name = 'a', version = 2 RETURNING *;
UPDATE plain SET version = version RETURNING *;
SELECT * FROM concurrency.tables WHERE schema_name = 'options';

--
-- ignore_columns: changes to these alone do not count.
--
CREATE TABLE profiles (
	id			integer PRIMARY KEY,
	name		text,
	bio			text,
	last_login	timestamptz,
	views		integer NOT NULL DEFAULT 0,
	version		rowversion
);
INSERT INTO profiles (id, name) VALUES (1, 'ann'), (2, 'ben');
SELECT concurrency.enable('profiles', ignore_columns => '{last_login,views}');
SELECT * FROM concurrency.tables WHERE table_name = 'profiles';

-- an ignored column alone: the version stays
UPDATE profiles SET views = views + 1 WHERE id = 1 RETURNING id, views, version;
UPDATE profiles SET last_login = '2024-01-01 00:00+00', views = views + 1 WHERE id = 1
	RETURNING id, views, version;
-- a counted column: the version moves
UPDATE profiles SET name = 'anne' WHERE id = 1 RETURNING id, name, version;
-- a counted column and an ignored one together: it moves
UPDATE profiles SET name = 'anna', views = 10 WHERE id = 1 RETURNING id, name, views, version;
-- a counted column set to the value it has: no change, the version stays
UPDATE profiles SET name = 'anna' WHERE id = 1 RETURNING id, name, version;
-- NULL to a value and back counts both ways; NULL to NULL does not
UPDATE profiles SET bio = 'hello' WHERE id = 1 RETURNING id, bio, version;
UPDATE profiles SET bio = NULL WHERE id = 1 RETURNING id, bio, version;
UPDATE profiles SET bio = NULL WHERE id = 1 RETURNING id, bio, version;
-- every row on its own: one statement, one row changes, one does not
UPDATE profiles SET name = 'ben' RETURNING id, name, version;

-- an echo with no counted change keeps the version
UPDATE profiles SET views = 11, version = 6 WHERE id = 1 RETURNING id, views, version;
UPDATE profiles SET version = version WHERE id = 1 RETURNING id, version;
-- an echo with a counted change moves it
UPDATE profiles SET name = 'ann', version = 6 WHERE id = 1 RETURNING id, name, version;
-- a stale version is rejected even when nothing counted changes
SELECT * FROM regress.try($$UPDATE profiles SET views = 99, version = 6 WHERE id = 1$$);
SELECT * FROM regress.try($$UPDATE profiles SET version = 1 WHERE id = 1$$);
SELECT id, name, views, version FROM profiles WHERE id = 1;
-- a version stated above OLD is kept, as the writer wrote it
UPDATE profiles SET views = 12, version = 9 WHERE id = 1 RETURNING id, views, version;

-- a column added later is counted (it is not in ignore_columns)
ALTER TABLE profiles ADD COLUMN email text;
UPDATE profiles SET email = 'ann@example.com' WHERE id = 1 RETURNING id, email, version;

--
-- check_columns: only changes to these count.
--
CREATE TABLE docs (
	id		integer PRIMARY KEY,
	title	text,
	body	text,
	hits	integer NOT NULL DEFAULT 0,
	version	rowversion
);
INSERT INTO docs (id, title, body) VALUES (1, 'first', NULL);
SELECT concurrency.enable('docs', check_columns => '{title,body}');
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
UPDATE docs SET hits = hits + 1 RETURNING id, hits, version;
UPDATE docs SET title = 'First' RETURNING id, title, version;
UPDATE docs SET title = 'First', hits = 2 RETURNING id, title, hits, version;
UPDATE docs SET body = 'text' RETURNING id, body, version;
UPDATE docs SET body = NULL RETURNING id, body, version;
UPDATE docs SET hits = 3, version = 4 RETURNING id, hits, version;
SELECT * FROM regress.try($$UPDATE docs SET hits = 4, version = 3$$);
SELECT * FROM docs;
-- a column added later is not counted (it is not in check_columns)
ALTER TABLE docs ADD COLUMN tags text;
UPDATE docs SET tags = 'x' RETURNING id, tags, version;

-- Long values, stored out of line (TOAST): compared by content.
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
UPDATE docs SET body = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 4000) g)
	RETURNING id, length(body), version;
SELECT pg_relation_size(reltoastrelid) > 0 AS stored_out_of_line
  FROM pg_class WHERE oid = 'docs'::regclass;
-- the same long value again: no change
UPDATE docs SET body = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 4000) g)
	RETURNING id, length(body), version;
-- the long value untouched, another column changed
UPDATE docs SET hits = 5 RETURNING id, length(body), version;
UPDATE docs SET title = 'Second' RETURNING id, length(body), version;
-- the last character differs: a change
UPDATE docs SET body = left(body, -1) || 'z' RETURNING id, length(body), version;
-- compressed in line, the same way
ALTER TABLE docs ALTER COLUMN body SET STORAGE MAIN;
UPDATE docs SET body = repeat('ab', 50000) RETURNING id, length(body), version;
SELECT pg_column_compression(body) IS NOT NULL AS compressed FROM docs;
UPDATE docs SET body = repeat('ab', 50000) RETURNING id, length(body), version;
UPDATE docs SET body = repeat('ab', 49999) || 'ac' RETURNING id, length(body), version;

--
-- strict together with the options.
--
SELECT concurrency.enable('profiles', ignore_columns => '{last_login,views}', strict => true);
SELECT * FROM concurrency.tables WHERE table_name = 'profiles';
SELECT id, version FROM profiles ORDER BY id;
-- strict asks for a version even for an ignored column
SELECT * FROM regress.try($$UPDATE profiles SET views = 0 WHERE id = 2$$);
-- stated, nothing counted changes: allowed, the version stays
UPDATE profiles SET views = 1, version = 2 WHERE id = 2 RETURNING id, views, version;
-- stated, a counted change: moves
UPDATE profiles SET name = 'benny', version = 2 WHERE id = 2 RETURNING id, name, version;
-- stated stale: rejected
SELECT * FROM regress.try($$UPDATE profiles SET views = 2, version = 2 WHERE id = 2$$);
SELECT id, name, views, version FROM profiles WHERE id = 2;

--
-- enable() again replaces the options, at once, in the same session; an
-- option left out goes back to its default.
--
SELECT concurrency.enable('profiles', check_columns => '{bio}');
SELECT * FROM concurrency.tables WHERE table_name = 'profiles';
-- not strict any more; name no longer counts, bio does, views does
UPDATE profiles SET name = 'ben' WHERE id = 2 RETURNING id, name, version;
UPDATE profiles SET views = 50 WHERE id = 2 RETURNING id, views, version;
UPDATE profiles SET bio = 'hi' WHERE id = 2 RETURNING id, bio, version;
-- back to no options: every UPDATE counts
SELECT concurrency.enable('profiles');
SELECT * FROM concurrency.tables WHERE table_name = 'profiles';
UPDATE profiles SET views = 51 WHERE id = 2 RETURNING id, views, version;
UPDATE profiles SET views = 51 WHERE id = 2 RETURNING id, views, version;
-- inside a transaction the change is seen by the next statement
BEGIN;
SELECT concurrency.enable('profiles', ignore_columns => '{views}', strict => true);
SELECT * FROM regress.try($$UPDATE profiles SET views = 52 WHERE id = 2$$);
UPDATE profiles SET views = 52, version = 6 WHERE id = 2 RETURNING id, views, version;
ROLLBACK;
SELECT * FROM concurrency.tables WHERE table_name = 'profiles';
UPDATE profiles SET views = 52 WHERE id = 2 RETURNING id, views, version;

-- disable() shows as inactive; enable() turns it back on
SELECT concurrency.enable('docs', check_columns => '{title}');
SELECT concurrency.disable('docs');
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
SELECT concurrency.enable('docs', check_columns => '{title}');
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
UPDATE docs SET title = 'Third' RETURNING id, title, version;

--
-- Options that cannot be.
--
SELECT * FROM regress.try($$SELECT concurrency.enable('docs', check_columns => '{title}', ignore_columns => '{hits}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('docs', check_columns => '{nosuch}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('docs', ignore_columns => '{version}')$$);
SELECT * FROM regress.try($$SELECT concurrency.enable('docs', check_columns => '{}')$$);
-- none of them changed the options
SELECT * FROM concurrency.tables WHERE table_name = 'docs';

--
-- A watched column renamed stays watched, under its new name.
--
SELECT concurrency.enable('docs', check_columns => '{title,body}');
ALTER TABLE docs RENAME COLUMN title TO heading;
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
UPDATE docs SET heading = 'Fourth' RETURNING id, heading, version;
UPDATE docs SET hits = 6 RETURNING id, hits, version;
-- the same for ignore_columns
SELECT concurrency.enable('docs', ignore_columns => '{hits}');
ALTER TABLE docs RENAME COLUMN hits TO reads;
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
UPDATE docs SET reads = 7 RETURNING id, reads, version;
UPDATE docs SET heading = 'Fifth' RETURNING id, heading, version;

--
-- A watched column cannot be dropped until the options change.
--
SELECT * FROM regress.try($$ALTER TABLE docs DROP COLUMN reads$$);
SELECT concurrency.enable('docs', check_columns => '{heading}');
SELECT * FROM regress.try($$ALTER TABLE docs DROP COLUMN heading$$);
SELECT attname FROM pg_attribute
 WHERE attrelid = 'docs'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- a column the options do not name may go
ALTER TABLE docs DROP COLUMN reads;
-- after the options change, the column may go too
SELECT concurrency.enable('docs', check_columns => '{body}');
ALTER TABLE docs DROP COLUMN heading;
SELECT * FROM concurrency.tables WHERE table_name = 'docs';
UPDATE docs SET tags = 'y' RETURNING id, tags, version;
UPDATE docs SET body = 'short' RETURNING id, body, version;

DROP SCHEMA options CASCADE;
