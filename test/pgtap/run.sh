#!/usr/bin/env bash
# test/pgtap/run.sh: run the pgTAP tests in this folder with pg_prove,
# against the cluster named by PGHOST / PGPORT / PGUSER.
set -euo pipefail
cd "$(dirname "$0")"
dropdb --if-exists concurrency_pgtap
createdb concurrency_pgtap
psql -X -q -d concurrency_pgtap -c 'CREATE EXTENSION pgtap'
pg_prove -d concurrency_pgtap --ext .sql ./*.sql
