-- regress.try(sql): run a statement and show every field of the error it
-- raises (or OK), so that expected outputs pin SQLSTATE, message, DETAIL,
-- HINT and the schema/table/column fields without source line numbers.
-- Included by sql/install.sql and test/stats/sql/conflicts.sql (pg_regress
-- runs psql from the top of the tree).
CREATE SCHEMA IF NOT EXISTS regress;
CREATE OR REPLACE FUNCTION regress.try(stmt text,
	OUT state text, OUT message text, OUT detail text, OUT hint text,
	OUT schema_name text, OUT table_name text, OUT column_name text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	state := 'OK';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS
		state = RETURNED_SQLSTATE,
		message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL,
		hint = PG_EXCEPTION_HINT,
		schema_name = SCHEMA_NAME,
		table_name = TABLE_NAME,
		column_name = COLUMN_NAME;
END
$$;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
