-- CREATE FOREIGN TABLE ... (LIKE a versioned table).  Up to PostgreSQL 17,
-- PostgreSQL refuses LIKE for foreign tables (expected/foreign_like.out);
-- from 18 on it copies the columns, and the extension refuses the
-- rowversion column as for any foreign table (expected/foreign_like_1.out).
-- Either way no foreign table is left with a rowversion column.
SET client_min_messages = warning;
CREATE SCHEMA foreign_like;
CREATE FOREIGN DATA WRAPPER regress_foreign_like_dummy;
CREATE SERVER regress_foreign_like_server FOREIGN DATA WRAPPER regress_foreign_like_dummy;
RESET client_min_messages;
CREATE TABLE foreign_like.versioned (id int PRIMARY KEY, v rowversion);
SELECT * FROM regress.try($$CREATE FOREIGN TABLE foreign_like.remote (LIKE foreign_like.versioned) SERVER regress_foreign_like_server$$) \gx
SELECT count(*) AS foreign_tables FROM pg_class
 WHERE relnamespace = 'foreign_like'::regnamespace AND relkind = 'f';
SET client_min_messages = warning;
DROP SCHEMA foreign_like CASCADE;
DROP SERVER regress_foreign_like_server;
DROP FOREIGN DATA WRAPPER regress_foreign_like_dummy;
RESET client_min_messages;
