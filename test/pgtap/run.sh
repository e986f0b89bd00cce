#!/usr/bin/env bash
# test/pgtap/run.sh: run the pgTAP tests in this folder with pg_prove,
# against the cluster named by PGHOST / PGPORT / PGUSER (a superuser).
#
# Besides concurrency_pgtap, where the tests run as that superuser, it
# prepares what trusted_install.sql needs: a role without superuser that
# owns database concurrency_trusted, where pgTAP lives in schema tap and
# a table that role does not own.
# Both are dropped again on exit.
set -euo pipefail
cd "$(dirname "$0")"

cleanup() {
	dropdb --if-exists concurrency_trusted
	psql -X -q -d postgres -c 'DROP ROLE IF EXISTS regress_dbowner'
}
trap cleanup EXIT

cleanup
dropdb --if-exists concurrency_pgtap
createdb concurrency_pgtap
psql -X -q -d concurrency_pgtap -c 'CREATE EXTENSION pgtap'

psql -X -q -d postgres -c 'CREATE ROLE regress_dbowner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'
createdb -O regress_dbowner concurrency_trusted
psql -X -q -d concurrency_trusted -c 'CREATE SCHEMA tap' -c 'GRANT USAGE ON SCHEMA tap TO PUBLIC' \
	-c 'CREATE EXTENSION pgtap SCHEMA tap' -c 'CREATE TABLE public.superuser_table (id int PRIMARY KEY)'

pg_prove -d concurrency_pgtap --ext .sql ./*.sql
