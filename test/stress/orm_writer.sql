-- ORM writer (Hibernate, Rails, SQLAlchemy, django-concurrency): read the
-- counter and its version, then write counter + 1 with the next version,
-- filtered on the version read.  A write that matches no row lost the race;
-- it is logged and retried on the same row by the next run of the script.
-- Needs -D hot_rows=N -D orm_retry=0.
\if :orm_retry = 0
\set id random(1, :hot_rows)
\else
\set id :orm_retry
\endif
SELECT counter, version FROM hot WHERE id = :id \gset
WITH w AS (
	UPDATE hot SET counter = :counter + 1, version = :version + 1
	 WHERE id = :id AND version = :version
	RETURNING id
)
INSERT INTO write_log (id, kind, ok, read_version)
	SELECT :id, 'orm', count(*) = 1, :version FROM w
	RETURNING CASE WHEN ok THEN 0 ELSE id END AS orm_retry \gset
