CREATE EXTENSION concurrency;
SELECT extname, extversion FROM pg_extension WHERE extname = 'concurrency';
