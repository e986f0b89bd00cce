-- Writer that does not state a version (psql style): the increment is
-- computed in place, so it can never lose anything, and it is never
-- rejected.  Needs -D hot_rows=N.
\set id random(1, :hot_rows)
WITH w AS (
	UPDATE hot SET counter = counter + 1 WHERE id = :id
	RETURNING id
)
INSERT INTO write_log (id, kind, ok) SELECT id, 'psql', true FROM w;
