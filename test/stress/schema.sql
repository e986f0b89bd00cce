-- Tables and write functions of the no-lost-update stress test
-- (test/t/010_no_lost_update.pl).  The test runs this file twice: in a
-- database with the extension, where :version_type is rowversion, and in one
-- without it, where :version_type is a plain bigint.  Everything else,
-- functions and client scripts included, is the same in both.

-- The hot rows: few, so that clients collide on them all the time.
CREATE TABLE hot (
	id int PRIMARY KEY,
	counter bigint NOT NULL DEFAULT 0,
	version :version_type
);

-- One row per write attempt, written in the transaction of the attempt:
-- ok = true for a write that was applied, false for one that was rejected
-- with 40V01 (echo writers) or that matched no row (ORM writers).  The
-- fields of a rejection are kept to check them afterwards.
CREATE TABLE write_log (
	id int NOT NULL,
	kind text NOT NULL,
	ok boolean NOT NULL,
	read_version bigint,
	sqlstate text,
	message text,
	detail text,
	hint text,
	schema_name text,
	table_name text,
	column_name text
);

-- The echo writer's write: counter + 1 with the version it read, as a
-- Django-style full-row save, a pgAdmin grid or hand-written SQL sends it.
-- A stale write (40V01) is caught and logged instead of aborting the
-- client; the function returns the id to retry, or 0 once the write is in.
CREATE FUNCTION echo_write(p_id int, p_counter bigint, p_version bigint)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	l_sqlstate text;
	l_message text;
	l_detail text;
	l_hint text;
	l_schema text;
	l_table text;
	l_column text;
BEGIN
	BEGIN
		UPDATE hot SET counter = p_counter + 1, version = p_version
		 WHERE id = p_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'row % of hot is missing', p_id;
		END IF;
	EXCEPTION WHEN SQLSTATE '40V01' THEN
		GET STACKED DIAGNOSTICS
			l_sqlstate = RETURNED_SQLSTATE,
			l_message = MESSAGE_TEXT,
			l_detail = PG_EXCEPTION_DETAIL,
			l_hint = PG_EXCEPTION_HINT,
			l_schema = SCHEMA_NAME,
			l_table = TABLE_NAME,
			l_column = COLUMN_NAME;
		INSERT INTO write_log
			VALUES (p_id, 'echo', false, p_version, l_sqlstate, l_message,
					l_detail, l_hint, l_schema, l_table, l_column);
		RETURN p_id;
	END;
	INSERT INTO write_log (id, kind, ok, read_version)
		VALUES (p_id, 'echo', true, p_version);
	RETURN 0;
END
$$;
