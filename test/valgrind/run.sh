#!/usr/bin/env bash
# test/valgrind/run.sh: the regression and isolation suites with every
# server process under valgrind memcheck, then a million-row UPDATE memory
# check on a server without valgrind.
#
# Not part of CI: it takes 5 to 20 minutes (see README.md).  Runs as root
# (the cluster and the suites run as "postgres") or as a user that can run
# initdb.  Exits non-zero if memcheck reports an error with a frame in the
# extension's code, if a suite fails, or if the versioned UPDATE needs more
# backend memory than the same UPDATE under a no-op trigger.
#
# Environment:
#   VALGRIND_SKIP_BUILD=1    use the installed extension as it is
#   VALGRIND_REGRESS="a b"   run these regression files only (after install)
#   VALGRIND_ISOLATION="a b" run these isolation specs only ("none": skip)
#   VALGRIND_ROWS=N          rows of the memory check (default 1000000)
#   VALGRIND_KEEP=1          keep the data directory (the logs are kept anyway)
#   VALGRIND_PORT=N          first port to try (default 56300)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

ROWS=${VALGRIND_ROWS:-1000000}
# the versioned UPDATE may need this much more private memory than the
# same UPDATE under a no-op C trigger, in kB: noise, not a per-row cost (a
# leak of even 8 bytes a row is 7.6 MB at a million rows)
MEMORY_SLACK_KB=4096
# what the backend's memory contexts may hold after it, beyond the same
# backend after the UPDATE under a no-op trigger: the extension's cache
# entry and the options table's relcache entry take a few kB
CONTEXT_SLACK_BYTES=262144

install_packages valgrind
[ "${VALGRIND_SKIP_BUILD:-0}" = 1 ] || build_and_install

WORK=$(mktemp -d /tmp/concurrency-valgrind.XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/tree" "$WORK/logs"
tar -C "$TOP" --exclude=.git --exclude=tmp_check --exclude=results \
	--exclude=output_iso --exclude='regression.*' -cf - . | tar -C "$WORK/tree" -xf -
cp "$HERE/postgres.supp" "$WORK/postgres.supp"
is_root && chown -R postgres: "$WORK"

PORT=$(free_port "${VALGRIND_PORT:-56300}")
PGBIN=$PG_BIN/postgres

# pg_ctl starts this instead of postgres: the postmaster runs under
# valgrind, and so does every process it forks (a fork stays under
# valgrind; programs a backend runs, such as the shell of COPY ... FROM
# PROGRAM, are left alone).  No --error-exitcode: a backend that exits
# with an unusual code makes the postmaster restart every session, which
# would turn one report into a cascade of failures; the logs are read at
# the end instead.
cat >"$WORK/postgres-valgrind" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --trace-children=yes \\
	--trace-children-skip="/bin/*,/usr/bin/*" --leak-check=no \\
	--track-origins=yes --num-callers=40 --error-limit=no --read-var-info=no \\
	--suppressions=$WORK/postgres.supp --gen-suppressions=all \\
	--log-file=$WORK/logs/vg.%p.log \\
	$PGBIN "\$@"
EOF
chmod 755 "$WORK/postgres-valgrind"
is_root && chown postgres: "$WORK/postgres-valgrind"

stop_server() {
	[ -f "$WORK/data/postmaster.pid" ] && as_pg pg_ctl -D "$WORK/data" -w -t 900 -s -m fast stop || true
}
trap stop_server EXIT

# the cluster the way the other suites make it, then restarted under valgrind
cluster_start "$WORK" "$PORT"
cluster_stop "$WORK"
rm -f "$WORK"/logs/*

say "=== starting the server under valgrind (port $PORT)"
started=$(date +%s)
as_pg pg_ctl -D "$WORK/data" -p "$WORK/postgres-valgrind" -l "$WORK/server-valgrind.log" \
	-w -t 900 -s -o "-p $PORT -k $WORK -c listen_addresses='' -c fsync=off \
	-c autovacuum=off -c shared_buffers=32MB -c max_connections=30" start

export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres
failed=()
run_suite() {
	local name=$1; shift
	say "=== $name (under valgrind)"
	if ! as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" "$@"; then
		failed+=("$name")
	fi
}

regress_args=()
[ -n "${VALGRIND_REGRESS:-}" ] && regress_args=("REGRESS=install $VALGRIND_REGRESS")
run_suite regress make -s -C "$WORK/tree" installcheck-regress-only "${regress_args[@]}"
if [ "${VALGRIND_ISOLATION:-}" != none ]; then
	isolation_args=()
	[ -n "${VALGRIND_ISOLATION:-}" ] && isolation_args=("ISOLATION=$VALGRIND_ISOLATION")
	run_suite isolation make -s -C "$WORK/tree" installcheck-isolation-only "${isolation_args[@]}"
fi

stop_server
suite_seconds=$(( $(date +%s) - started ))
for f in "$WORK"/tree/regression.diffs "$WORK"/tree/test/isolation/output_iso/regression.diffs; do
	[ -s "$f" ] && { say "--- $f"; head -200 "$f" >&2; }
done

#
# Read the logs.  An error report is a block of lines, between empty
# "==pid== " lines, whose second line is a stack frame; a process killed by
# a signal leaves a block that starts "Process terminating".  A report
# belongs to the extension when a frame lies in concurrency.so: a frame
# without debug information names the object, one with debug information
# names a function defined in src/*.c and its file.
#
say "=== reading $(ls "$WORK"/logs | wc -l) valgrind logs"
python3 - "$WORK/logs" "$WORK/errors.txt" "$TOP/src" >"$WORK/summary.txt" <<'PYTHON'
import collections, glob, os, re, sys

logdir, out, srcdir = sys.argv[1:4]
prefix = re.compile(r'^==(\d+)== ?(.*)$')
frame = re.compile(r'^\s+(?:at|by) 0x[0-9A-F]+: (.*)$')
located = re.compile(r'^(\S+) \(([^():]+\.c):\d+\)$')

# the extension's functions and source files
files = set()
functions = set()
for path in glob.glob(os.path.join(srcdir, '*.c')):
    files.add(os.path.basename(path))
    with open(path) as f:
        functions.update(re.findall(r'^([A-Za-z_]\w*)\(', f.read(), re.M))

def ours(fr):
    if 'concurrency.so' in fr:
        return True
    m = located.match(fr)
    return bool(m) and m.group(1) in functions and os.path.basename(m.group(2)) in files

total = ours_total = processes = signals = ours_signals = 0
stacks = collections.Counter()
ours_stacks = set()
examples = {}

for path in sorted(glob.glob(os.path.join(logdir, 'vg.*.log'))):
    processes += 1
    blocks, block = [], []
    with open(path, errors='replace') as f:
        for line in f:
            m = prefix.match(line.rstrip('\n'))
            if not m:
                continue        # suppression proposals from --gen-suppressions
            if m.group(2) == '':
                if block:
                    blocks.append(block)
                block = []
            else:
                block.append(m.group(2))
    if block:
        blocks.append(block)
    for b in blocks:
        frames = [frame.match(l).group(1) for l in b[1:] if frame.match(l)]
        if b[0].startswith('Process terminating'):
            signals += 1
            if any(ours(fr) for fr in frames):
                ours_signals += 1
            continue
        if len(b) < 2 or not frame.match(b[1]):
            continue
        # the error's own stack comes first; "Address ..." and "Uninitialised
        # value was created ..." stacks follow it
        own = []
        for l in b[1:]:
            m = frame.match(l)
            if not m:
                break
            own.append(m.group(1))
        key = b[0] + '\n' + '\n'.join(own[:12])
        total += 1
        stacks[key] += 1
        examples.setdefault(key, path)
        if any(ours(fr) for fr in frames):
            ours_total += 1
            ours_stacks.add(key)

with open(out, 'w') as f:
    for key, n in stacks.most_common():
        mark = 'EXTENSION ' if key in ours_stacks else ''
        f.write('%s%d x (e.g. %s)\n%s\n\n' % (mark, n, os.path.basename(examples[key]), key))

print('processes traced:            %d' % processes)
print('memcheck errors, all code:   %d (%d distinct)' % (total, len(stacks)))
print('memcheck errors, extension:  %d (%d distinct)' % (ours_total, len(ours_stacks)))
print('processes killed by signal:  %d (%d in the extension)' % (signals, ours_signals))
for key, n in stacks.most_common():
    if key in ours_stacks:
        print('\n%d x (e.g. %s)\n%s' % (n, os.path.basename(examples[key]), key))
PYTHON
cat "$WORK/summary.txt"
ext_errors=$(sed -n 's/^memcheck errors, extension: *\([0-9]*\).*/\1/p' "$WORK/summary.txt")
ext_signals=$(sed -n 's/^processes killed by signal: .*(\([0-9]*\) in the extension)/\1/p' "$WORK/summary.txt")

#
# Memory: a million-row UPDATE, versioned and not, each in a fresh backend.
# Before and after: the backend's memory contexts and /proc/<pid>/status;
# during: its private resident memory (RssAnon), sampled from outside.
# RssAnon leaves out shared buffers, which the tables touch alike.  The
# executor itself keeps about 32 bytes a row until the end of an UPDATE
# on any table with a BEFORE ROW UPDATE trigger (measured with PostgreSQL's
# own C trigger suppress_redundant_updates_trigger and with an empty
# PL/pgSQL one), so the versioned tables are compared with a table that
# has such a no-op trigger; the table without any trigger is shown too.
#
say "=== memory check: $ROWS-row UPDATE, without valgrind"
cluster_start "$WORK" "$PORT"
psql_pg() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres "$@"; }
psql_pg -d postgres -c 'SET client_min_messages = warning' \
	-c 'DROP DATABASE IF EXISTS memcheck' -c 'CREATE DATABASE memcheck'
psql_pg -d memcheck >/dev/null <<EOF
CREATE EXTENSION concurrency;
CREATE TABLE plain (id int PRIMARY KEY, n int NOT NULL, pad text, v bigint NOT NULL DEFAULT 1);
-- the executor's own cost of a BEFORE ROW UPDATE trigger, with a no-op
-- trigger written in C that ships with PostgreSQL
CREATE TABLE triggered (LIKE plain INCLUDING ALL);
CREATE TRIGGER noop BEFORE UPDATE ON triggered
	FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TABLE versioned (id int PRIMARY KEY, n int NOT NULL, pad text, v rowversion);
CREATE TABLE ignoring (id int PRIMARY KEY, n int NOT NULL, pad text, v rowversion);
SELECT concurrency.enable('ignoring', 'v', ignore_columns => '{pad}');
-- stored while the trigger did not fire: every row lacks a version, so
-- the trigger has to build a new tuple instead of writing in place
CREATE TABLE unversioned_rows (id int PRIMARY KEY, n int NOT NULL, pad text, v rowversion);
INSERT INTO plain SELECT g, g, 'row ' || g FROM generate_series(1, $ROWS) g;
INSERT INTO triggered SELECT * FROM plain;
INSERT INTO versioned SELECT g, g, 'row ' || g FROM generate_series(1, $ROWS) g;
INSERT INTO ignoring SELECT g, g, 'row ' || g FROM generate_series(1, $ROWS) g;
SET session_replication_role = replica;
INSERT INTO unversioned_rows SELECT g, g, 'row ' || g, NULL FROM generate_series(1, $ROWS) g;
RESET session_replication_role;
VACUUM ANALYZE;
EOF

# measure NAME SQL: run SQL in a fresh backend; print one line of figures
measure() {
	local name=$1 sql=$2 pidfile="$WORK/mem.$1.pid" peak=0 pid= rss
	rm -f "$pidfile"
	as_pg psql -X -q -At -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d memcheck \
		>"$WORK/mem.$name.out" 2>&1 <<EOF &
CREATE TEMP TABLE status AS SELECT 'before' AS at,
	(SELECT sum(total_bytes) FROM pg_backend_memory_contexts) AS context_bytes,
	pg_read_file('/proc/self/status') AS status;
\o $pidfile
SELECT pg_backend_pid();
\o
SELECT pg_sleep(0.3);
$sql;
INSERT INTO status SELECT 'after',
	(SELECT sum(total_bytes) FROM pg_backend_memory_contexts),
	pg_read_file('/proc/self/status');
SELECT at, context_bytes,
	(regexp_match(status, 'VmHWM:\s+(\d+)'))[1],
	(regexp_match(status, 'VmRSS:\s+(\d+)'))[1],
	(regexp_match(status, 'RssAnon:\s+(\d+)'))[1]
  FROM status ORDER BY at DESC;
EOF
	local client=$!
	while kill -0 "$client" 2>/dev/null; do
		[ -z "$pid" ] && [ -s "$pidfile" ] && pid=$(tr -dc 0-9 <"$pidfile")
		if [ -n "$pid" ] && rss=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null); then
			[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
		fi
		sleep 0.02
	done
	wait "$client" || { cat "$WORK/mem.$name.out" >&2; die "memory check $name failed"; }
	# before|contexts|hwm|rss|anon and after|...
	awk -F'|' -v name="$name" -v peak="$peak" '
		$1 == "before" { bc = $2; bh = $3; br = $4; ba = $5 }
		$1 == "after"  { ac = $2; ah = $3; ar = $4; aa = $5 }
		END { printf "%s %d %d %d %d %d %d %d %d %d\n", name, bc, ac, bh, ah, br, ar, ba, aa, peak }
	' "$WORK/mem.$name.out"
}

{
	measure plain "UPDATE plain SET n = n + 1"
	measure noop_trigger "UPDATE triggered SET n = n + 1"
	measure versioned "UPDATE versioned SET n = n + 1"
	measure versioned_stated "UPDATE versioned SET n = n + 1, v = v"
	measure versioned_ignoring "UPDATE ignoring SET pad = pad || '!'"
	measure versioned_no_version "UPDATE unversioned_rows SET n = n + 1"
} >"$WORK/memory.txt"
cluster_stop "$WORK"

memory_failed=()
{
	printf '%-22s %14s %14s %10s %10s %10s %10s %10s %10s %10s\n' update \
		ctx_before_B ctx_after_B hwm_bef_kB hwm_aft_kB rss_bef_kB rss_aft_kB \
		anon_bef_kB anon_aft_kB anon_peak_kB
	while read -r name bc ac bh ah br ar ba aa peak; do
		printf '%-22s %14d %14d %10d %10d %10d %10d %10d %10d %10d\n' \
			"$name" "$bc" "$ac" "$bh" "$ah" "$br" "$ar" "$ba" "$aa" "$peak"
	done <"$WORK/memory.txt"
} | tee "$WORK/memory-table.txt"
read -r _ _ base_after _ _ _ _ _ _ base_peak < <(grep '^noop_trigger ' "$WORK/memory.txt")
while read -r name bc ac bh ah br ar ba aa peak; do
	case $name in plain|noop_trigger) continue ;; esac
	if [ "$peak" -gt $((base_peak + MEMORY_SLACK_KB)) ]; then
		memory_failed+=("$name: peak private memory ${peak} kB, with a no-op trigger ${base_peak} kB")
	fi
	# what stays allocated after the statement: the caches it warmed, as
	# for the no-op trigger, plus the extension's entry for the table
	if [ "$ac" -gt $((base_after + CONTEXT_SLACK_BYTES)) ]; then
		memory_failed+=("$name: memory contexts hold ${ac} bytes after the UPDATE, with a no-op trigger ${base_after}")
	fi
done <"$WORK/memory.txt"

[ "${VALGRIND_KEEP:-0}" = 1 ] || rm -rf "$WORK/data"
trap - EXIT

echo
echo "suites under valgrind: ${suite_seconds}s, failed: ${failed[*]:-none}"
cat "$WORK/summary.txt" | head -4
echo "memory check: ${#memory_failed[@]} problem(s)"
for m in "${memory_failed[@]}"; do echo "  $m"; done
echo "logs, diffs and figures: $WORK"

status=0
[ "${ext_errors:-1}" = 0 ] || { say "memcheck errors in the extension's code: $ext_errors"; status=1; }
[ "${ext_signals:-1}" = 0 ] || { say "processes killed in the extension's code: $ext_signals"; status=1; }
[ ${#failed[@]} = 0 ] || { say "failed suites: ${failed[*]}"; status=1; }
[ ${#memory_failed[@]} = 0 ] || status=1
exit $status
