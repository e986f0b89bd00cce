-- First suite: install the extension and the helpers the other suites use.
CREATE EXTENSION concurrency;
SELECT extname, extversion FROM pg_extension WHERE extname = 'concurrency';

-- regress.try(sql), the helper of every suite
\i test/lib/regress_try.sql
SELECT * FROM regress.try('SELECT 1/0');
