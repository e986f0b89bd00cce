-- Identifiers that need quoting, in every place a name appears: schemas,
-- tables, the version column, watched columns, key columns; in the API,
-- the DDL path, the messages and the view.
SET client_min_messages = warning;
CREATE SCHEMA "Ident ""Q"" é";
CREATE SCHEMA "日本";
CREATE SCHEMA "UPPER";
SET search_path = public;
RESET client_min_messages;

-- The versioned tables of these schemas, as the API view has them.
CREATE VIEW "Ident ""Q"" é".versioned AS
SELECT schema_name, table_name, version_column, check_columns, ignore_columns, strict, active
  FROM concurrency.tables
 WHERE schema_name IN ('Ident "Q" é', '日本', 'UPPER')
 ORDER BY schema_name, table_name;

--
-- A table created with the column, every name quoted
--
CREATE TABLE "Ident ""Q"" é"."Tåble ""x"" 日本" (
	"Id ü" int,
	"Key, Part" text,
	"Mixed Case" text,
	"a""b" text,
	"Version ""v""" rowversion,
	PRIMARY KEY ("Id ü", "Key, Part"));
SELECT * FROM "Ident ""Q"" é".versioned;
SELECT t.tgname LIKE '!concurrency\_version\_%' AS name_like, t.tgisinternal, t.tgtype
  FROM pg_trigger t WHERE t.tgrelid = '"Ident ""Q"" é"."Tåble ""x"" 日本"'::regclass;
INSERT INTO "Ident ""Q"" é"."Tåble ""x"" 日本" VALUES
	(1, 'it''s, "odd"', 'm', 'ab'),
	(2, 'ü', 'm', 'ab');
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'M' RETURNING *;
-- the conflict: message, DETAIL (key quoted the PostgreSQL way) and fields
SELECT * FROM regress.try($$UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'x', "Version ""v""" = 1 WHERE "Id ü" = 1$$) \gx
\set VERBOSITY default
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'x', "Version ""v""" = 1 WHERE "Id ü" = 2;

-- enable() on it, schema-qualified, with watched columns that need quoting
SELECT concurrency.enable('"Ident ""Q"" é"."Tåble ""x"" 日本"', 'Version "v"',
	check_columns => ARRAY['Mixed Case', 'a"b']::name[], strict => true);
SELECT * FROM "Ident ""Q"" é".versioned;
-- not stated: the strict error, whose HINT quotes the column as SQL
SELECT * FROM regress.try($$UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'y'$$) \gx
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'y';
-- a watched column counts, another does not
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "a""b" = 'changed', "Version ""v""" = 2
 WHERE "Id ü" = 1 RETURNING "Id ü", "a""b", "Version ""v""";
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Key, Part" = 'other', "Version ""v""" = 3
 WHERE "Id ü" = 1 RETURNING "Id ü", "Key, Part", "Version ""v""";
-- stale, under skip: the NOTICE shows the key
SET concurrency.on_conflict = skip;
UPDATE "Ident ""Q"" é"."Tåble ""x"" 日本" SET "Mixed Case" = 'z', "Version ""v""" = 1;
RESET concurrency.on_conflict;
-- the version column named by the wrong name
SELECT * FROM regress.try($$SELECT concurrency.enable('"Ident ""Q"" é"."Tåble ""x"" 日本"')$$) \gx
-- a name that is not a column
SELECT * FROM regress.try($$SELECT concurrency.enable('"Ident ""Q"" é"."Tåble ""x"" 日本"', 'Version "v"', check_columns => '{"mixed case"}')$$) \gx
-- a second rowversion column
SELECT * FROM regress.try($$ALTER TABLE "Ident ""Q"" é"."Tåble ""x"" 日本" ADD COLUMN "Zweite ""V""" rowversion$$) \gx
-- dropping a watched column is refused, renaming it follows
SELECT * FROM regress.try($$ALTER TABLE "Ident ""Q"" é"."Tåble ""x"" 日本" DROP COLUMN "a""b"$$) \gx
ALTER TABLE "Ident ""Q"" é"."Tåble ""x"" 日本" RENAME COLUMN "a""b" TO "a ""b"" ü";
SELECT * FROM "Ident ""Q"" é".versioned;

--
-- enable() adds a column with an odd name to a table with an odd name
--
CREATE TABLE "日本"."MixedCase Table" ("ID" int PRIMARY KEY, "Wert" text);
INSERT INTO "日本"."MixedCase Table" VALUES (1, 'a');
-- the schema is not on the search_path: the name is qualified
SELECT concurrency.enable('"日本"."MixedCase Table"', 'Zeilen "Version"',
	ignore_columns => '{Wert}');
SELECT * FROM "Ident ""Q"" é".versioned WHERE schema_name = '日本';
SELECT attname FROM pg_attribute
 WHERE attrelid = '"日本"."MixedCase Table"'::regclass AND attnum > 0 ORDER BY attnum;
UPDATE "日本"."MixedCase Table" SET "ID" = 2 RETURNING *;
SELECT * FROM regress.try($$UPDATE "日本"."MixedCase Table" SET "Wert" = 'b', "Zeilen ""Version""" = 1$$) \gx
-- an unqualified name resolves through the search_path, as regclass does
SET search_path = "日本", public;
SELECT concurrency.enable('"MixedCase Table"', 'Zeilen "Version"');
SELECT * FROM regress.try($$SELECT concurrency.enable('MixedCase Table')$$) \gx
SELECT * FROM regress.try($$SELECT concurrency.enable('"mixedcase table"')$$) \gx
SET search_path = public;
SELECT * FROM "Ident ""Q"" é".versioned WHERE schema_name = '日本';
-- disable() drops the column by its odd name
SELECT concurrency.disable('"日本"."MixedCase Table"', drop_column => true);
SELECT attname FROM pg_attribute
 WHERE attrelid = '"日本"."MixedCase Table"'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
-- a column of another type: the HINT quotes it as SQL
ALTER TABLE "日本"."MixedCase Table" ADD COLUMN "Alte Version" bigint;
SELECT * FROM regress.try($$SELECT concurrency.enable('"日本"."MixedCase Table"', 'Alte Version')$$) \gx
-- a version column whose name has a single quote: the HINT shows it as a
-- valid SQL literal
CREATE TABLE "UPPER"."TABLE" ("SELECT" int PRIMARY KEY, "it's v" rowversion);
SELECT * FROM regress.try($$SELECT concurrency.enable('"UPPER"."TABLE"')$$) \gx
SELECT concurrency.enable('"UPPER"."TABLE"', 'it''s v', strict => true);
INSERT INTO "UPPER"."TABLE" VALUES (1);
SELECT * FROM regress.try($$UPDATE "UPPER"."TABLE" SET "SELECT" = 2$$) \gx
UPDATE "UPPER"."TABLE" SET "SELECT" = 2, "it's v" = 1 RETURNING *;
SELECT * FROM regress.try($$UPDATE "UPPER"."TABLE" SET "SELECT" = 3, "it's v" = 1$$) \gx

--
-- 63-byte names: the longest identifiers, in ASCII and in UTF-8
--
CREATE TABLE "UPPER".t_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (
	k_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa int PRIMARY KEY,
	"日本日本日本日本日本日本日本日本日本日本日" rowversion);
SELECT octet_length(table_name) AS table_bytes, octet_length(version_column) AS column_bytes,
	   version_column
  FROM concurrency.tables WHERE schema_name = 'UPPER' AND table_name LIKE 't_63%';
INSERT INTO "UPPER".t_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa VALUES (1);
UPDATE "UPPER".t_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
   SET k_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 2;
SELECT * FROM regress.try($$UPDATE "UPPER".t_63_bytes_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa SET "日本日本日本日本日本日本日本日本日本日本日" = 1$$) \gx
-- a 63-byte table name in UTF-8, versioned with enable(); a longer
-- version_column is cut to 63 bytes, as for any name
CREATE TABLE "UPPER"."日本日本日本日本日本日本日本日本日本日本日" (id int PRIMARY KEY);
SELECT concurrency.enable('"UPPER"."日本日本日本日本日本日本日本日本日本日本日"',
	repeat('v', 70));
SELECT octet_length(table_name) AS table_bytes, octet_length(version_column) AS column_bytes,
	   version_column = repeat('v', 63) AS cut_to_63
  FROM concurrency.tables WHERE schema_name = 'UPPER' AND table_name LIKE '日本%';
INSERT INTO "UPPER"."日本日本日本日本日本日本日本日本日本日本日" VALUES (1);
UPDATE "UPPER"."日本日本日本日本日本日本日本日本日本日本日" SET id = 2;
SELECT state, message, detail FROM regress.try(
	format('UPDATE %I.%I SET %I = 1', 'UPPER', '日本日本日本日本日本日本日本日本日本日本日', repeat('v', 63))) \gx
SELECT concurrency.disable('"UPPER"."日本日本日本日本日本日本日本日本日本日本日"', drop_column => true);
SELECT count(*) FROM concurrency.tables WHERE schema_name = 'UPPER' AND table_name LIKE '日本%';

--
-- The view, all of it
--
SELECT * FROM "Ident ""Q"" é".versioned;

--
-- Clean up
--
SET client_min_messages = warning;
DROP SCHEMA "Ident ""Q"" é" CASCADE;
DROP SCHEMA "日本" CASCADE;
DROP SCHEMA "UPPER" CASCADE;
RESET client_min_messages;
