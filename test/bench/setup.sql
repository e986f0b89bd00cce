-- setup.sql: the tables of every benchmark configuration.
--
-- Run with psql -v rows=N.  Every configuration of a scenario gets a table
-- with the same columns, physically stored (the version column included),
-- the same rows, the same fillfactor and the same primary key; only the
-- trigger differs.  The fast-default cases are the exception, on purpose:
-- their version column is added after the load, so the stored rows do not
-- carry it.
--
-- bench_config lists the configurations in the order the report shows
-- them; run.sh reads it.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS concurrency;

CREATE TABLE bench_config (
	name		text PRIMARY KEY,
	ord			int NOT NULL UNIQUE,
	scenario	text NOT NULL,		-- narrow, opts or wide
	kind		text NOT NULL,		-- what watches the table
	label		text NOT NULL
);

INSERT INTO bench_config VALUES
	('n_bare',      1, 'narrow', 'bare',         'bare (no trigger)'),
	('n_orm',       2, 'narrow', 'orm',          'no extension: the client moves the version (SET ..., version = version + 1)'),
	('n_floor',     3, 'narrow', 'floor',        'floor: suppress_redundant_updates_trigger()'),
	('n_django',    4, 'narrow', 'django',       'plpgsql: django-concurrency TriggerVersionField'),
	('n_plpgsql',   5, 'narrow', 'plpgsql',      'plpgsql: same check as concurrency'),
	('n_conc',      6, 'narrow', 'conc',         'concurrency, default options: fast path (the plan computes the version)'),
	('n_trig',      7, 'narrow', 'trig',         'concurrency, default options: row trigger (concurrency.fast_path = off)'),
	('n_fd_bare',   8, 'narrow', 'fd_bare',      'bare, version added with a fast default'),
	('n_fd_conc',   9, 'narrow', 'fd_conc',      'concurrency, version added with a fast default (fast path)'),
	('o_bare',     11, 'opts',   'bare',         'bare (no trigger)'),
	('o_floor',    12, 'opts',   'floor',        'floor: suppress_redundant_updates_trigger()'),
	('o_conc',     13, 'opts',   'conc',         'concurrency, default options: fast path'),
	('o_trig',     14, 'opts',   'trig',         'concurrency, default options: row trigger'),
	('o_ignore3',  15, 'opts',   'ignore3',      'concurrency, ignore_columns of 3 columns (row trigger)'),
	('o_check3',   16, 'opts',   'check3',       'concurrency, check_columns of 3 columns (row trigger)'),
	('w_bare',     21, 'wide',   'bare',         'bare (no trigger)'),
	('w_orm',      22, 'wide',   'orm',          'no extension: the client moves the version'),
	('w_floor',    23, 'wide',   'floor',        'floor: suppress_redundant_updates_trigger()'),
	('w_conc',     24, 'wide',   'conc',         'concurrency, default options: fast path'),
	('w_trig',     25, 'wide',   'trig',         'concurrency, default options: row trigger'),
	('w_check3',   26, 'wide',   'check3',       'concurrency, check_columns of 3 columns (row trigger)');

-- What django-concurrency's TriggerVersionField installs on PostgreSQL for
-- UPDATE (its INSERT trigger, which sets 1, plays no part in an UPDATE).
CREATE FUNCTION django_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.version = OLD.version + 1;
	RETURN NEW;
END;
$$;

-- The rule of concurrency written in PL/pgSQL: a stated version below the
-- stored one is stale; above it, kept; otherwise the version moves on.
CREATE FUNCTION plpgsql_version_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.version < OLD.version THEN
		RAISE EXCEPTION 'row in "%.%" was modified by another transaction',
			TG_TABLE_SCHEMA, TG_TABLE_NAME
			USING ERRCODE = '40V01',
				  DETAIL = format('The update was based on version %s, but the current version is %s.',
								  NEW.version, OLD.version);
	END IF;
	IF NEW.version = OLD.version THEN
		NEW.version := OLD.version + 1;
	END IF;
	RETURN NEW;
END;
$$;

-- The columns of each scenario (the version column comes last) and the
-- values each row gets, from i = 1 .. rows.
CREATE FUNCTION bench_columns(scenario text, OUT cols text, OUT vals text)
LANGUAGE plpgsql AS $$
BEGIN
	CASE scenario
	WHEN 'narrow' THEN
		cols := 'id int PRIMARY KEY, a int, b text';
		vals := 'i, i, md5(i::text)';
	WHEN 'opts' THEN
		cols := 'id int PRIMARY KEY, a int, b text, '
			'c int, d int, e text, '
			'f int, g int, h text';
		vals := 'i, i, md5(i::text), i + 1, i + 2, ''e'' || i, i + 3, i + 4, ''h'' || i';
	WHEN 'wide' THEN
		-- 100 columns: id, a, c3 .. c99, version; all fixed-width
		SELECT 'id int PRIMARY KEY, a int, '
				|| string_agg(format('c%s int', k), ', ' ORDER BY k),
			   'i, i, ' || string_agg(format('i + %s', k), ', ' ORDER BY k)
		  INTO cols, vals
		  FROM generate_series(3, 99) k;
	END CASE;
END;
$$;

CREATE FUNCTION bench_create(name text, scenario text, kind text, nrows int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	c record;
	fast_default bool := kind IN ('fd_bare', 'fd_conc');
	versioned bool := kind IN ('conc', 'trig', 'ignore3', 'check3', 'fd_conc');
	vtype text := CASE WHEN versioned THEN 'rowversion' ELSE 'bigint' END;
BEGIN
	c := bench_columns(scenario);
	IF fast_default THEN
		EXECUTE format('CREATE TABLE %I (%s) WITH (fillfactor = 50, autovacuum_enabled = off)',
					   name, c.cols);
		EXECUTE format('INSERT INTO %I SELECT %s FROM generate_series(1, %s) i',
					   name, c.vals, nrows);
		EXECUTE format('ALTER TABLE %I ADD COLUMN version %s%s', name, vtype,
					   CASE WHEN versioned THEN '' ELSE ' DEFAULT 1' END);
	ELSE
		EXECUTE format('CREATE TABLE %I (%s, version %s) WITH (fillfactor = 50, autovacuum_enabled = off)',
					   name, c.cols, vtype);
		EXECUTE format('INSERT INTO %I SELECT %s, 1 FROM generate_series(1, %s) i',
					   name, c.vals, nrows);
	END IF;

	CASE kind
	WHEN 'floor' THEN
		EXECUTE format('CREATE TRIGGER floor BEFORE UPDATE ON %I FOR EACH ROW '
					   'EXECUTE FUNCTION suppress_redundant_updates_trigger()', name);
	WHEN 'django' THEN
		EXECUTE format('CREATE TRIGGER django BEFORE UPDATE ON %I FOR EACH ROW '
					   'EXECUTE FUNCTION django_version_bump()', name);
	WHEN 'plpgsql' THEN
		EXECUTE format('CREATE TRIGGER plpgsql BEFORE UPDATE ON %I FOR EACH ROW '
					   'EXECUTE FUNCTION plpgsql_version_check()', name);
	WHEN 'ignore3' THEN
		PERFORM concurrency.enable(name::regclass, ignore_columns => '{f,g,h}');
	WHEN 'check3' THEN
		PERFORM concurrency.enable(name::regclass, check_columns =>
			CASE scenario WHEN 'wide' THEN '{c97,c98,c99}'::name[] ELSE '{c,d,e}' END);
	ELSE
		NULL;
	END CASE;
END;
$$;

-- CPU time this backend has used so far, in nanoseconds (NULL where the
-- kernel does not tell): wall-clock time on a shared machine includes
-- waiting for a CPU, CPU time does not.
CREATE FUNCTION bench_cpu_ns() RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	RETURN split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint;
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END;
$$;

-- One row per configuration: what makes the comparison fair.  With
-- check_hot, the bulk UPDATE is run (and rolled back) to count the HOT
-- updates it makes.
CREATE FUNCTION bench_fairness(check_hot bool)
RETURNS TABLE (name text, scenario text, kind text, label text,
			   columns int, version_stored bool,
			   fillfactor text, pages bigint, triggers text,
			   updated bigint, hot_updated bigint)
LANGUAGE plpgsql AS $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT * FROM bench_config ORDER BY ord LOOP
		name := c.name;
		scenario := c.scenario;
		kind := c.kind;
		label := c.label;
		SELECT count(*), bool_and(NOT a.atthasmissing) FILTER (WHERE a.attname = 'version')
		  INTO columns, version_stored
		  FROM pg_attribute a
		 WHERE a.attrelid = c.name::regclass AND a.attnum > 0 AND NOT a.attisdropped;
		SELECT substring(array_to_string(reloptions, ',') FROM 'fillfactor=(\d+)')
		  INTO fillfactor
		  FROM pg_class WHERE oid = c.name::regclass;
		pages := pg_relation_size(c.name::regclass) / 8192;
		SELECT coalesce(string_agg(t.tgfoid::regproc::text, ',' ORDER BY t.tgname), '-')
		  INTO triggers
		  FROM pg_trigger t WHERE t.tgrelid = c.name::regclass;
		updated := NULL;
		hot_updated := NULL;
		IF check_hot THEN
			BEGIN
				EXECUTE format('UPDATE %I SET a = a + 1', c.name);
				updated := pg_stat_get_xact_tuples_updated(c.name::regclass);
				hot_updated := pg_stat_get_xact_tuples_hot_updated(c.name::regclass);
				RAISE EXCEPTION 'roll back';
			EXCEPTION WHEN raise_exception THEN
				NULL;
			END;
		END IF;
		RETURN NEXT;
	END LOOP;
END;
$$;

SELECT count(bench_create(name, scenario, kind, :rows)) AS tables FROM bench_config \gset
