#!/usr/bin/env bash
# test/bench/run.sh: what a version column costs on every write.
#
#   test/bench/run.sh [--quick] [--install] [--keep]
#
# Sets up throwaway clusters, builds the same tables for every
# configuration (setup.sql), and measures:
#   1. instructions per updated row (callgrind, single-user backend);
#   2. wall-clock time of a bulk UPDATE of 1,000,000 rows;
#   3. OLTP: pgbench, single-row UPDATE by primary key, 1 and 2 clients;
#   4. backend memory across a 1,000,000-row versioned UPDATE.
# Prints a table of ratios, checks the targets, and writes the table, the
# raw figures and a chart into test/bench/results/.  See README.md.
#
# --quick   measure 1 only (under two minutes); exit 1 if a target is missed
# --install build and install the extension first (make install)
# --keep    keep the clusters and the raw callgrind files in /tmp
#
# Sizes and repetitions can be changed through the environment:
# BENCH_CG_ROWS, BENCH_ROWS, BENCH_ROUNDS, BENCH_OLTP_SECONDS,
# BENCH_OLTP_ROUNDS, BENCH_JOBS, BENCH_PORT, BENCH_RESULTS; BENCH_PG_BIN
# names the bin folder of another PostgreSQL installation to use.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BENCH/../lib.sh"
PG_BIN=${BENCH_PG_BIN:-$PG_BIN}

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

QUICK=0 INSTALL=0 KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
		--quick) QUICK=1 ;;
		--install) INSTALL=1 ;;
		--keep) KEEP=1 ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown option: $1" ;;
	esac
	shift
done

CG_ROWS=${BENCH_CG_ROWS:-20000}			# rows per table, measure 1
ROWS=${BENCH_ROWS:-1000000}				# rows per table, measures 2-4
ROUNDS=${BENCH_ROUNDS:-5}				# bulk UPDATE runs per configuration
OLTP_SECONDS=${BENCH_OLTP_SECONDS:-2}	# length of one pgbench run
OLTP_ROUNDS=${BENCH_OLTP_ROUNDS:-6}		# pgbench runs per configuration and client count
JOBS=${BENCH_JOBS:-$(nproc)}			# callgrind runs in parallel
RESULTS=${BENCH_RESULTS:-$BENCH/results}
[ $QUICK = 1 ] && RESULTS=${BENCH_RESULTS:-$BENCH/results/quick}
[ "$JOBS" -ge 1 ] || JOBS=1
[ "$JOBS" -le 4 ] || JOBS=4

if [ $QUICK = 1 ]; then
	install_packages valgrind
else
	install_packages valgrind gnuplot-nox postgresql-contrib
fi
[ $INSTALL = 1 ] && build_and_install
[ -f "$("$PG_BIN/pg_config" --sharedir)/extension/concurrency.control" ] ||
	die "the extension is not installed: run 'make install' first, or pass --install"

START=$SECONDS
WORK=$(mktemp -d /tmp/concurrency-bench.XXXXXX)
is_root && chown postgres: "$WORK"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.tsv "$RESULTS"/*.txt "$RESULTS"/chart.*
PORT=$(free_port "${BENCH_PORT:-55480}")

cleanup() {
	cluster_stop "$WORK/cg"
	cluster_stop "$WORK/srv"
	if [ $KEEP = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# psql on cluster $1, database bench, reading SQL from stdin or -c; with
# the connection options in BENCH_PGOPTIONS
psql_in() {
	local dir=$1; shift
	as_pg env PGOPTIONS="${BENCH_PGOPTIONS:-}" \
		psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$PORT" -U postgres -d bench "$@"
}

# The server options a configuration runs with.  A versioned table's
# session loads the library when it starts, as a long-lived or pooled
# session has it loaded, so that even its first statement is planned with
# the fast path (without, a session's first versioned write loads it, and
# that statement goes through the row trigger).  The *_trig tables are the
# extension's with its fast path off: every row goes through the row
# trigger.
options_of() {
	case $1 in
		*_trig) echo "-c session_preload_libraries=concurrency -c concurrency.fast_path=off" ;;
		*_conc|*_ignore3|*_check3) echo "-c session_preload_libraries=concurrency" ;;
	esac
}

# The SET list of a configuration's UPDATE ($2: bulk or oltp).  The *_orm
# tables have no extension: the client moves the version itself, as an
# ORM's own optimistic locking does.  The OLTP statement echoes the version,
# as an ORM that read the row sends it.
set_list() {
	case $1:$2 in
		*_orm:*) echo "a = a + 1, version = version + 1" ;;
		*:bulk) echo "a = a + 1" ;;
		*) echo "a = a + 1, version = version" ;;
	esac
}

# The same settings for every cluster: nothing runs in the background
# (autovacuum, JIT compilation), and a checkpoint never lands inside a
# measurement or changes its WAL volume (full-page images).
configure() {
	local dir=$1 buffers=$2
	psql_in "$dir" -d postgres <<-EOF
		ALTER SYSTEM SET autovacuum = off;
		ALTER SYSTEM SET jit = off;
		ALTER SYSTEM SET full_page_writes = off;
		ALTER SYSTEM SET max_wal_size = '16GB';
		ALTER SYSTEM SET checkpoint_timeout = '1h';
		ALTER SYSTEM SET shared_buffers = '$buffers';
		CREATE DATABASE bench;
	EOF
	cluster_stop "$dir"
	cluster_start "$dir" "$PORT"
}

# new_cluster DIR ROWS SHARED_BUFFERS CHECK_HOT: a cluster with every
# table loaded, frozen, and checked for fairness into
# $RESULTS/fairness-ROWS.tsv (with CHECK_HOT, by a bulk UPDATE rolled back).
new_cluster() {
	local dir=$1 rows=$2 buffers=$3 check_hot=$4
	say "--- cluster $dir: $rows rows per table"
	cluster_start "$dir" "$PORT"
	configure "$dir" "$buffers"
	psql_in "$dir" -v rows="$rows" < "$BENCH/setup.sql"
	psql_in "$dir" -c 'VACUUM (FREEZE, ANALYZE)'
	psql_in "$dir" -At -F $'\t' -c "SELECT * FROM bench_fairness($check_hot)" > "$WORK/fairness.tsv"
	{
		printf 'name\tscenario\tkind\tlabel\tcolumns\tversion_stored\tfillfactor\tpages\ttriggers\tupdated\thot_updated\n'
		cat "$WORK/fairness.tsv"
	} > "$RESULTS/fairness-$rows.tsv"
	psql_in "$dir" -c 'VACUUM (FREEZE)' -c 'CHECKPOINT'
	psql_in "$dir" -At -c 'SELECT name FROM bench_config ORDER BY ord' > "$WORK/configs"
}

machine() {
	local lib
	lib="$("$PG_BIN/pg_config" --pkglibdir)/concurrency.so"
	{
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
		echo "nproc: $(nproc)"
		echo "memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
		echo "kernel: $(uname -r)"
		echo "postgres: $("$PG_BIN/postgres" --version)"
		echo "valgrind: $(valgrind --version)"
		echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "concurrency: $(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$BENCH/../../concurrency.control"), library $lib, md5 $(md5sum < "$lib" | cut -c1-12), installed $(date -u -r "$lib" '+%Y-%m-%d %H:%M UTC')"
		if git -C "$TOP" rev-parse --git-dir > /dev/null 2>&1; then
			echo "tree: $(git -C "$TOP" describe --always --dirty)"
		fi
	} > "$RESULTS/machine.txt"
}

#
# 1. Instructions per updated row.
#
# Each run has its own copy of the frozen data directory, so every run
# starts from the same bytes.  In a bulk run the single-user backend first
# updates one row of the table (the one-time costs: library load, cache
# builds, PL/pgSQL compilation), then runs, in the same backend, an empty
# transaction and the bulk UPDATE, both rolled back.  A call of pg_sleep(0)
# between them makes callgrind dump its counters, so the two are counted
# separately; (bulk - empty) / rows is the figure.  An OLTP run counts, in
# the same way, OLTP_TX transactions of the pgbench script of measure 3
# (a prepared single-row UPDATE, committed) after one of them as warm-up.
#
OLTP_TX=500

callgrind_one() {
	local name=$1 kind=$2 dir="$WORK/cg" out="$WORK/cg/out"
	local data="$dir/run-$name-$kind" base="$out/$name-$kind"
	# "preload": the bulk run, with the library loaded at start (conflict
	# statistics on), to show that they cost nothing on the row path
	local -a preload=()
	cp -a "$dir/data" "$data"
	if [ "$kind" = preload ]; then
		preload=(-c shared_preload_libraries=concurrency)
	fi
	# shellcheck disable=SC2207
	preload+=($(options_of "$name"))
	if [ "$kind" = bulk ] || [ "$kind" = preload ]; then
		cat <<-EOF
			SELECT 1;
			BEGIN; UPDATE $name SET $(set_list "$name" bulk) WHERE id = 1; ROLLBACK;
			SELECT pg_sleep(0);
			BEGIN; SELECT 1; ROLLBACK;
			SELECT pg_sleep(0);
			BEGIN; UPDATE $name SET $(set_list "$name" bulk); ROLLBACK;
			SELECT pg_sleep(0);
		EOF
	else
		cat <<-EOF
			SELECT 1;
			PREPARE u(int) AS UPDATE $name SET $(set_list "$name" oltp) WHERE id = \$1;
			EXECUTE u(1);
			SELECT pg_sleep(0);
		EOF
		awk -v n="$OLTP_TX" -v rows="$CG_ROWS" \
			'BEGIN {for (k = 1; k <= n; k++) printf "EXECUTE u(%d);\n", 2 + (k * 7919) % (rows - 1)}'
		echo 'SELECT pg_sleep(0);'
	fi > "$base.sql"
	as_pg valgrind --tool=callgrind --dump-before=pg_sleep \
		--callgrind-out-file="$base.cg" \
		postgres --single -D "$data" -c shared_buffers=128MB "${preload[@]}" bench \
		< "$base.sql" > "$base.log" 2>&1 || true
	rm -rf "$data"
	if grep -qE '(ERROR|FATAL|PANIC):' "$base.log" || [ ! -f "$base.cg.2" ]; then
		say "callgrind run $name ($kind) failed:"
		cat "$base.log" >&2
		return 1
	fi
	if [ "$kind" = bulk ] || [ "$kind" = preload ]; then
		printf '%s\t%s\t%s\n' "$(sed -n 's/^summary: //p' "$base.cg.2")" \
			"$(sed -n 's/^summary: //p' "$base.cg.3")" \
			"$(python3 "$BENCH/report.py" trigger "$base.cg.3")"
	else
		sed -n 's/^summary: //p' "$base.cg.2"
	fi > "$base.ir"
}

measure_callgrind() {
	local dir="$WORK/cg" out="$WORK/cg/out" name kind kinds redo running=0 failed=0
	new_cluster "$dir" "$CG_ROWS" 128MB true
	cluster_stop "$dir"
	# every run copies the data directory: leave only the WAL segment the
	# shutdown checkpoint is in (the others are old or preallocated)
	redo=$(as_pg pg_controldata "$dir/data" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
	[ -n "$redo" ] && [ -f "$dir/data/pg_wal/$redo" ] || die "no REDO WAL file in $dir/data"
	find "$dir/data/pg_wal" -maxdepth 1 -type f -name '000000*' ! -name "$redo" -delete
	as_pg mkdir -p "$out"
	say "--- measure 1: callgrind, $CG_ROWS rows, $(wc -l < "$WORK/configs") configurations, $JOBS at a time ($((SECONDS - START)) s)"
	# the OLTP runs only in a full run: --quick is the per-row figure
	kinds="bulk"
	[ $QUICK = 1 ] || kinds="bulk oltp"
	for name in $(cat "$WORK/configs") n_conc:preload; do
		kind_list=$kinds
		case $name in *:*) kind_list=${name#*:}; name=${name%%:*} ;; esac
		for kind in $kind_list; do
			callgrind_one "$name" "$kind" &
			running=$((running + 1))
			if [ $running -ge "$JOBS" ]; then
				wait -n || failed=1
				running=$((running - 1))
			fi
		done
	done
	while [ $running -gt 0 ]; do
		wait -n || failed=1
		running=$((running - 1))
	done
	[ $failed = 0 ] || die "a callgrind run failed"
	{
		printf 'name\trows\tempty_ir\tbulk_ir\ttrigger_ir\tfunction_ir\toltp_transactions\toltp_ir\n'
		for name in $(cat "$WORK/configs"); do
			printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$CG_ROWS" "$(cat "$out/$name-bulk.ir")" \
				"$OLTP_TX" "$(cat "$out/$name-oltp.ir" 2>/dev/null || true)"
		done
	} > "$RESULTS/callgrind.tsv"
	{
		printf 'name\trows\tempty_ir\tbulk_ir\ttrigger_ir\tfunction_ir\n'
		printf '%s\t%s\t%s\n' n_conc "$CG_ROWS" "$(cat "$out/n_conc-preload.ir")"
	} > "$RESULTS/callgrind-preload.tsv"
	# where the cost of each kind of trigger goes, against bare
	python3 "$BENCH/report.py" breakdown "$CG_ROWS" row \
		n_bare="$out/n_bare-bulk.cg.3" n_floor="$out/n_floor-bulk.cg.3" \
		n_plpgsql="$out/n_plpgsql-bulk.cg.3" n_conc="$out/n_conc-bulk.cg.3" \
		n_trig="$out/n_trig-bulk.cg.3" \
		w_bare="$out/w_bare-bulk.cg.3" w_floor="$out/w_floor-bulk.cg.3" \
		w_conc="$out/w_conc-bulk.cg.3" w_trig="$out/w_trig-bulk.cg.3" \
		w_check3="$out/w_check3-bulk.cg.3" > "$RESULTS/breakdown.txt"
	[ $QUICK = 1 ] || python3 "$BENCH/report.py" breakdown "$OLTP_TX" transaction \
		n_bare="$out/n_bare-oltp.cg.2" n_floor="$out/n_floor-oltp.cg.2" \
		n_plpgsql="$out/n_plpgsql-oltp.cg.2" n_conc="$out/n_conc-oltp.cg.2" \
		n_trig="$out/n_trig-oltp.cg.2" > "$RESULTS/breakdown-oltp.txt"
}

#
# 2. Bulk UPDATE of every row, wall clock.  Rounds interleave the
# configurations (in a rotated order each round); before each run the
# table is vacuumed and frozen and a checkpoint is taken, and the UPDATE is
# rolled back, so every run sees the same table.
#
measure_bulk() {
	local dir="$WORK/srv" round name i n
	local -a configs
	mapfile -t configs < "$WORK/configs"
	n=${#configs[@]}
	say "--- measure 2: bulk UPDATE of $ROWS rows, $ROUNDS rounds"
	printf 'round\tname\tseconds\tcpu_seconds\twal_bytes\tupdated\thot_updated\n' > "$RESULTS/bulk.tsv"
	for ((round = 1; round <= ROUNDS; round++)); do
		for ((i = 0; i < n; i++)); do
			name=${configs[$(((i + round - 1) % n))]}
			BENCH_PGOPTIONS=$(options_of "$name") psql_in "$dir" -At -F $'\t' <<-EOF >> "$RESULTS/bulk.tsv"
				VACUUM (FREEZE) $name;
				CHECKPOINT;
				BEGIN;
				SELECT clock_timestamp() AS t0, bench_cpu_ns() AS c0, pg_current_wal_insert_lsn() AS l0 \gset
				UPDATE $name SET $(set_list "$name" bulk);
				SELECT $round, '$name', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz),
					(bench_cpu_ns() - nullif(:'c0', '')::bigint) / 1e9,
					pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'l0'),
					pg_stat_get_xact_tuples_updated('$name'::regclass),
					pg_stat_get_xact_tuples_hot_updated('$name'::regclass);
				ROLLBACK;
			EOF
		done
		say "    round $round done ($((SECONDS - START)) s)"
	done
}

#
# 3. OLTP: one row updated by primary key, the version echoed as an ORM
# that read the row would send it, prepared protocol.  Each round vacuums
# every table, then, for each scenario and client count, runs the
# scenario's configurations one after the other in a rotated order, so a
# configuration and its bare table run seconds apart: the per-round ratio
# is what is kept.  The CPU time the backends used is taken from the
# postmaster's count of its exited children.
#

# How many children the postmaster has, and the CPU time of its children
# that have exited (the backends of finished pgbench runs), in clock ticks.
postmaster_pid() { head -1 "$WORK/srv/data/postmaster.pid"; }
children() { local pm; pm=$(postmaster_pid); wc -w < "/proc/$pm/task/$pm/children"; }
children_cpu() { awk '{print $16 + $17}' "/proc/$(postmaster_pid)/stat"; }
wait_for_backends_gone() {
	local k
	for ((k = 0; k < 200; k++)); do
		[ "$(children)" -le "$IDLE_CHILDREN" ] && return 0
		sleep 0.05
	done
	die "backends of the last run did not exit"
}

# run_pgbench NAME CLIENTS: TPS, transactions and the CPU seconds of the
# backends, of one run; a failed run is logged into
# $RESULTS/errors.log and run again once.
run_pgbench() {
	local name=$1 clients=$2 try out tps xacts cpu0 cpu1
	for try in 1 2; do
		wait_for_backends_gone
		cpu0=$(children_cpu)
		if out=$(as_pg env PGOPTIONS="$(options_of "$name")" pgbench -n -M prepared -c "$clients" -j "$clients" -T "$OLTP_SECONDS" \
				-f "$WORK/$name.pgbench" -h "$WORK/srv" -p "$PORT" -U postgres bench 2>&1); then
			wait_for_backends_gone
			cpu1=$(children_cpu)
			tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<< "$out")
			xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<< "$out")
			if [ -n "$tps" ] && [ -n "$xacts" ]; then
				printf '%s\t%s\t%s\n' "$tps" "$xacts" \
					"$(awk -v t="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" 'BEGIN {print t / hz}')"
				return 0
			fi
		fi
		printf 'pgbench on %s, %s clients, try %s:\n%s\n' "$name" "$clients" "$try" "$out" |
			tee -a "$RESULTS/errors.log" >&2
	done
	return 1
}

measure_oltp() {
	local dir="$WORK/srv" round scenario clients name i n tps
	local -a configs
	say "--- measure 3: pgbench, ${OLTP_SECONDS} s per run, $OLTP_ROUNDS rounds"
	for name in $(cat "$WORK/configs"); do
		cat > "$WORK/$name.pgbench" <<-EOF
			\set id random(1, $ROWS)
			UPDATE $name SET $(set_list "$name" oltp) WHERE id = :id;
		EOF
	done
	is_root && chown postgres: "$WORK"/*.pgbench
	printf 'round\tclients\tname\ttps\ttransactions\tcpu_seconds\n' > "$RESULTS/oltp.tsv"
	sleep 1
	IDLE_CHILDREN=$(children)
	for ((round = 1; round <= OLTP_ROUNDS; round++)); do
		psql_in "$dir" -c 'VACUUM' -c 'CHECKPOINT'
		for scenario in $(psql_in "$dir" -At -c 'SELECT DISTINCT scenario FROM bench_config ORDER BY 1'); do
			mapfile -t configs < <(psql_in "$dir" -At -c \
				"SELECT name FROM bench_config WHERE scenario = '$scenario' ORDER BY ord")
			n=${#configs[@]}
			for clients in 1 2; do
				for ((i = 0; i < n; i++)); do
					name=${configs[$(((i + round - 1) % n))]}
					tps=$(run_pgbench "$name" "$clients") || die "pgbench on $name failed twice"
					printf '%s\t%s\t%s\t%s\n' "$round" "$clients" "$name" "$tps" >> "$RESULTS/oltp.tsv"
				done
			done
		done
		say "    round $round done ($((SECONDS - START)) s)"
	done
}

#
# 4. Memory.  The UPDATE asks for a dump of the backend's memory contexts
# into the server log at 1/4, 2/4, 3/4 and 4/4 of its rows, which shows
# whether the executor's memory grows with the rows; the floor trigger
# shows what the trigger manager itself keeps per row.  The backend's
# memory (sum of pg_backend_memory_contexts) is also taken before and
# after the UPDATE, after the same statement has run on one row and on no
# row, so that what is built once (caches, plans) is already there.
#
measure_memory() {
	local dir="$WORK/srv" name quarter=$((ROWS / 4)) update
	say "--- measure 4: memory"
	printf 'name\tpid\tbefore_total\tafter_total\tbefore_used\tafter_used\n' > "$WORK/memory.tsv"
	for name in n_bare n_floor n_conc n_trig o_floor o_check3 w_floor w_conc w_trig; do
		update="UPDATE $name SET a = a + 1 + 0 * (CASE WHEN id % $quarter = 0
			THEN pg_log_backend_memory_contexts(pg_backend_pid())::int ELSE 0 END)"
		BENCH_PGOPTIONS=$(options_of "$name") psql_in "$dir" -At -F $'\t' <<-EOF >> "$WORK/memory.tsv"
			VACUUM (FREEZE) $name;
			BEGIN; $update WHERE id = 1; ROLLBACK;
			BEGIN; $update WHERE a < 0; ROLLBACK;
			SELECT sum(total_bytes) AS total, sum(used_bytes) AS used FROM pg_backend_memory_contexts \gset before_
			BEGIN; $update; ROLLBACK;
			SELECT sum(total_bytes) AS total, sum(used_bytes) AS used FROM pg_backend_memory_contexts \gset after_
			SELECT '$name', pg_backend_pid(), :before_total, :after_total, :before_used, :after_used;
		EOF
	done
	cp "$WORK/srv/server.log" "$WORK/memory.log"
	python3 "$BENCH/report.py" memory "$WORK/memory.tsv" "$WORK/memory.log" > "$RESULTS/memory.tsv"
}

machine
measure_callgrind
if [ $QUICK = 1 ]; then
	say "--- report ($((SECONDS - START)) s)"
	python3 "$BENCH/report.py" report --quick "$RESULTS" | tee "$RESULTS/report-quick.txt"
	exit "${PIPESTATUS[0]}"
fi

# the tables of measures 2-4 (about 6 GB at 1,000,000 rows) in shared
# buffers if memory allows
new_cluster "$WORK/srv" "$ROWS" "$(awk '/^MemTotal/ {m = int($2 * 0.4 / 1024); print (m > 8192 ? 8192 : m) "MB"}' /proc/meminfo)" false
measure_bulk
measure_oltp
measure_memory
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
say "--- report ($((SECONDS - START)) s)"
status=0
python3 "$BENCH/report.py" report "$RESULTS" > "$RESULTS/report.txt" || status=$?
cat "$RESULTS/report.txt"
python3 "$BENCH/report.py" chart "$RESULTS" > "$RESULTS/chart.dat"
(cd "$RESULTS" && gnuplot "$BENCH/chart.gp")
say "wrote $RESULTS/report.txt, $RESULTS/chart.svg and $RESULTS/chart.png"
exit $status
