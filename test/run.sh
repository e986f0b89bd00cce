#!/usr/bin/env bash
# test/run.sh: run every test suite of concurrency.
#
# Installs what is missing, builds with -Werror, installs the extension,
# starts a throwaway cluster, and runs: the pg_regress suites (sql/,
# expected/), the isolation specs (test/isolation/), the pgTAP catalogue
# tests (test/pgtap/), the TAP tests (test/t/, which start clusters of
# their own), the conflict statistics (test/stats/, on a second cluster
# that preloads the library), the Citus tests (test/citus/, where Citus is
# installed) and the client examples (test/clients/: psycopg, node-postgres,
# ActiveRecord, libpq), the quick instruction-count benchmark
# (test/bench/) and the packaging checks (test/packaging/: the
# Debian package and the PGXN archive).  Stops the cluster at the end and exits non-zero if
# any suite failed.
#
# PG_CONFIG=/path/to/pg_config runs everything against that installation
# (see test/lib.sh).  A suite that needs what that installation lacks
# (pgTAP, packaged by Debian for 15 only; Citus, not packaged by Debian;
# the Debian package, built for Debian's own PostgreSQL) is reported as
# skipped, never as passed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install_packages
build_and_install

# As root the suites run as "postgres" in a copy of the tree it can write.
if is_root; then
	WORK=$(mktemp -d /tmp/concurrency-test.XXXXXX)
	tar -C "$TOP" --exclude=.git --exclude=tmp_check -cf - . | tar -C "$WORK" -xf -
	chown -R postgres: "$WORK"
else
	WORK=$TOP
fi
# not under tmp_check/, which the TAP suite removes
CLUSTER=$WORK/tmp_cluster
PORT=$(free_port 55432)
trap 'cluster_stop "$CLUSTER"' EXIT
cluster_start "$CLUSTER" "$PORT"

export PGHOST=$CLUSTER PGPORT=$PORT PGUSER=postgres
say "PostgreSQL: $("$PG_CONFIG" --version) ($PG_CONFIG)"
failed=()
skipped=()
run_suite() {
	local name=$1; shift
	say "=== $name"
	if ! as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PG_CONFIG="$PG_CONFIG" "$@"; then
		failed+=("$name")
	fi
}
skip_suite() {
	say "=== $1: skipped ($2)"
	skipped+=("$1")
}

run_suite regress make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-regress-only
run_suite isolation make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-isolation-only
if [ -f "$("$PG_CONFIG" --sharedir)/extension/pgtap.control" ]; then
	run_suite pgtap bash "$WORK/test/pgtap/run.sh"
else
	skip_suite pgtap "pgTAP is not installed for PostgreSQL $PG_MAJOR"
fi
run_suite tap make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-tap-only
# Conflict statistics, on a second cluster that loads the library at start.
STATS_CLUSTER=$WORK/tmp_cluster_stats
STATS_PORT=$(free_port $((PORT + 1)))
trap 'cluster_stop "$CLUSTER"; cluster_stop "$STATS_CLUSTER"' EXIT
cluster_start "$STATS_CLUSTER" "$STATS_PORT" -c shared_preload_libraries=concurrency
PGHOST=$STATS_CLUSTER PGPORT=$STATS_PORT \
	run_suite stats make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-stats-only
cluster_stop "$STATS_CLUSTER"
# A coordinator and two workers (test/citus/), where Citus is installed for
# this PostgreSQL; Debian does not package it.
if [ -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]; then
	run_suite citus make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-tap-only \
		PROVE_TESTS='test/citus/*.pl'
else
	skip_suite citus "Citus is not installed for PostgreSQL $PG_MAJOR"
fi

# The per-row cost in instructions (callgrind), against the targets of
# test/bench/README.md; fails if the overhead regresses past them.
say "=== bench (quick)"
BENCH_RESULTS="$WORK/bench-quick" bash "$TOP/test/bench/run.sh" --quick || failed+=(bench)

# The client examples install their drivers (apt, npm), so they run as the
# invoking user, root included.
say "=== clients"
bash "$WORK/test/clients/run.sh" || failed+=(clients)

# Last, because it swaps the installed extension for the Debian package's
# files while it runs: build the .deb, install it, run pg_regress against
# it on a clean cluster, and check the PGXN archive (make dist).
if $PG_FROM_DEBIAN; then
	say "=== packaging"
	bash "$TOP/test/packaging/run.sh" || failed+=(packaging)
else
	skip_suite packaging "the Debian package is built for Debian's own PostgreSQL"
fi

for f in "$WORK"/regression.diffs "$WORK"/test/isolation/output_iso/regression.diffs; do
	[ -s "$f" ] && { say "--- $f"; cat "$f" >&2; }
done

suites=9
ran=$((suites - ${#skipped[@]}))
[ ${#skipped[@]} -gt 0 ] && say "skipped suites: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
	say "failed suites: ${failed[*]}"
	echo "$((ran - ${#failed[@]})) passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
	exit 1
fi
echo "$ran passed, 0 failed, ${#skipped[@]} skipped"
