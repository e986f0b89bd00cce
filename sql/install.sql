-- First suite: install the extension and the helpers the other suites use.
CREATE EXTENSION concurrency;
SELECT extname, extversion FROM pg_extension WHERE extname = 'concurrency';

-- regress.try(sql), the helper of every suite
\i test/lib/regress_try.sql
SELECT * FROM regress.try('SELECT 1/0');

-- regress.covered(sql) and regress.fired(sql), of the fast path's suites
-- (with track_functions = 'all')
-- Does the plan of stmt compute the version?
CREATE FUNCTION regress.covered(stmt text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || stmt LOOP
		IF line LIKE '%concurrency.next_version(%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$$;

-- How often did the row trigger fire for stmt?  (Calls so far in this
-- transaction, before and after.)
CREATE FUNCTION regress.trigger_calls() RETURNS bigint
LANGUAGE sql AS $$
	SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
					  WHERE funcid = 'concurrency.version_trigger'::regproc), 0)
$$;
CREATE FUNCTION regress.fired(stmt text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	before bigint := regress.trigger_calls();
BEGIN
	EXECUTE stmt;
	RETURN regress.trigger_calls() - before;
END
$$;
