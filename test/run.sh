#!/usr/bin/env bash
# test/run.sh: run every test suite of concurrency.
#
# Installs what is missing, builds with -Werror, installs the extension,
# starts a throwaway cluster, and runs: the pg_regress suites (sql/,
# expected/), the isolation specs (test/isolation/), the pgTAP catalogue
# tests (test/pgtap/), the TAP tests (test/t/, which start clusters of
# their own), the conflict statistics (test/stats/, on a second cluster
# that preloads the library), the pg_regress, isolation and TAP suites
# again with concurrency.fast_path = off (every write through the row
# trigger), the pg_regress and isolation suites on the preloaded cluster
# (the fast path from a session's first statement), the Citus tests (test/citus/, where Citus is
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

# pg_regress and isolation, on the cluster at PGHOST/PGPORT; $1 names the
# pass.  Each pass shows its own diffs, since the next one overwrites them.
run_pg_suites() {
	local pass=$1 before=${#failed[@]}
	run_suite "regress$pass" make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-regress-only
	run_suite "isolation$pass" make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-isolation-only
	if [ ${#failed[@]} -gt "$before" ]; then
		for f in "$WORK"/regression.diffs "$WORK"/test/isolation/output_iso/regression.diffs; do
			[ -s "$f" ] && { say "--- $f ($pass)"; cat "$f" >&2; }
		done
	fi
	return 0
}

# In a plain cluster a session takes the fast path once the library is
# loaded, which its first versioned write does.
run_pg_suites ""
if [ -f "$("$PG_CONFIG" --sharedir)/extension/pgtap.control" ]; then
	run_suite pgtap bash "$WORK/test/pgtap/run.sh"
else
	skip_suite pgtap "pgTAP is not installed for PostgreSQL $PG_MAJOR"
fi
run_suite tap make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-tap-only
# Everything once more through the row trigger alone: a cluster, and the
# TAP suites' own clusters (TEMP_CONFIG), with the fast path off.
OFF_CONF=$WORK/fast_path_off.conf
echo "concurrency.fast_path = off" > "$OFF_CONF"
OFF_CLUSTER=$WORK/tmp_cluster_off
OFF_PORT=$(free_port $((PORT + 2)))
trap 'cluster_stop "$CLUSTER"; cluster_stop "$OFF_CLUSTER"' EXIT
cluster_start "$OFF_CLUSTER" "$OFF_PORT" -c concurrency.fast_path=off
PGHOST=$OFF_CLUSTER PGPORT=$OFF_PORT run_pg_suites " (fast path off)"
cluster_stop "$OFF_CLUSTER"
run_suite "tap (fast path off)" env TEMP_CONFIG="$OFF_CONF" \
	make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-tap-only
# Conflict statistics, on a second cluster that loads the library at start.
STATS_CLUSTER=$WORK/tmp_cluster_stats
STATS_PORT=$(free_port $((PORT + 1)))
trap 'cluster_stop "$CLUSTER"; cluster_stop "$STATS_CLUSTER"' EXIT
cluster_start "$STATS_CLUSTER" "$STATS_PORT" -c shared_preload_libraries=concurrency
PGHOST=$STATS_CLUSTER PGPORT=$STATS_PORT \
	run_suite stats make -s -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck-stats-only
# ... where every session takes the fast path from its first statement
PGHOST=$STATS_CLUSTER PGPORT=$STATS_PORT run_pg_suites " (preloaded)"
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

suites=14
ran=$((suites - ${#skipped[@]}))
[ ${#skipped[@]} -gt 0 ] && say "skipped suites: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
	say "failed suites: ${failed[*]}"
	echo "$((ran - ${#failed[@]})) passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
	exit 1
fi
echo "$ran passed, 0 failed, ${#skipped[@]} skipped"
