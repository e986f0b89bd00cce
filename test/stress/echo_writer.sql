-- Echo writer: read the counter and its version, then, in a transaction of
-- its own (another client can slip in between), write counter + 1 stating
-- the version read.  A rejected write is retried on the same row by the
-- next run of the script, which reads the row again.
-- Needs -D hot_rows=N -D echo_retry=0.
\if :echo_retry = 0
\set id random(1, :hot_rows)
\else
\set id :echo_retry
\endif
SELECT counter, version FROM hot WHERE id = :id \gset
SELECT echo_write(:id, :counter, :version) AS echo_retry \gset
