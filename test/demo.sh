#!/usr/bin/env bash
# test/demo.sh: the lost update, and how concurrency stops it.
#
#   bash test/demo.sh         install what is missing, build, install, start
#                             a throwaway cluster and play the story
#   bash test/demo.sh stop    stop the demo cluster and remove its files
#
# The cluster lives in .demo/ at the top of the checkout (or in
# /tmp/concurrency-demo when the postgres user cannot reach the checkout)
# and keeps running after the story, so that you can try things yourself.
# Running the demo again reuses it and recreates the demo database.
#
# Alice and Bob share an account.  Each of them talks to the database in a
# session of their own: two psql processes, fed one statement at a time,
# so that the order of the steps is exactly the order printed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd /			# every path below is absolute; the server's user may not read ours

DB=concurrency_demo
FALLBACK_DIR=/tmp/concurrency-demo

# Where the cluster lives: in the checkout if the user that runs the
# server can get there, else under /tmp.
demo_dir() {
	if is_root; then
		if [ -w "$TOP" ] && as_pg test -x "$TOP"; then
			echo "$TOP/.demo"
			return
		fi
	elif [ -w "$TOP" ]; then
		echo "$TOP/.demo"
		return
	fi
	echo "$FALLBACK_DIR"
}

remove_cluster() {
	local dir=$1
	[ -d "$dir" ] || return 0
	cluster_stop "$dir"
	rm -rf "$dir"
	say "stopped and removed the demo cluster in $dir"
}

if [ "${1:-}" = stop ]; then
	[ -d "$TOP/.demo" ] || [ -d "$FALLBACK_DIR" ] || say "no demo cluster to stop"
	remove_cluster "$TOP/.demo"
	remove_cluster "$FALLBACK_DIR"
	exit 0
elif [ $# -gt 0 ]; then
	die "usage: bash test/demo.sh [stop]"
fi

# --- output ------------------------------------------------------------

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	BOLD=$'\e[1m' RED=$'\e[31m' GREEN=$'\e[32m'
	CYAN=$'\e[36m' MAGENTA=$'\e[35m' YELLOW=$'\e[33m' RESET=$'\e[0m'
else
	BOLD='' RED='' GREEN='' CYAN='' MAGENTA='' YELLOW='' RESET=''
fi

WHO_WIDTH=10					# widest name: "DBA (psql)"
PAD=$(printf '%*s' $((4 + 2 + WHO_WIDTH + 2)) '')	# the SQL column
RESULT_PAD="$PAD  "				# what the database answers
STEP=0

heading() {
	printf '\n\n%s%s%s\n' "$BOLD" "$1" "$RESET"
	printf '%s%s%s\n' "$BOLD" "$(printf '%s' "$1" | tr -c '\n' '=')" "$RESET"
}

# Narration between the steps, one argument a line.
tell() {
	local line
	printf '\n'
	for line in "$@"; do
		printf '%s%s%s\n' "$YELLOW" "$line" "$RESET"
	done
	printf '\n'
}

# --- cluster -----------------------------------------------------------

install_packages
build_and_install

DIR=$(demo_dir)
if [ "$DIR" = "$FALLBACK_DIR" ]; then
	say "note: the user that runs the server cannot reach or write $TOP"
	say "      (a parent directory is not traversable, or the checkout is read-only),"
	say "      so the demo cluster lives in $FALLBACK_DIR instead of $TOP/.demo"
fi
if is_root && [ ! -d "$DIR" ]; then
	mkdir -p "$DIR"
	chown postgres: "$DIR"
fi

if [ -f "$DIR/data/postmaster.pid" ] && as_pg pg_ctl -D "$DIR/data" status >/dev/null 2>&1; then
	PORT=$(sed -n 4p "$DIR/data/postmaster.pid")
	say "reusing the demo cluster in $DIR (port $PORT)"
else
	PORT=$(free_port 55432)
	say "starting a demo cluster in $DIR (port $PORT)"
	cluster_start "$DIR" "$PORT"
fi

PSQL=("$PG_BIN/psql" -X -h "$DIR" -p "$PORT" -U postgres)
PGOPTIONS='-c client_min_messages=warning' \
	"${PSQL[@]}" -q -d postgres -v ON_ERROR_STOP=1 >/dev/null <<-EOF
	DROP DATABASE IF EXISTS $DB WITH (FORCE);
	CREATE DATABASE $DB;
	\\connect $DB
	CREATE EXTENSION concurrency;
EOF

# --- two sessions --------------------------------------------------------

RUN=$(mktemp -d /tmp/concurrency-demo-run.XXXXXX)
trap '' PIPE					# a session that died is reported, not fatal
declare -A SESSION_FD=()
SESSION_PIDS=()

close_sessions() {
	local name fd
	for name in "${!SESSION_FD[@]}"; do
		fd=${SESSION_FD[$name]}
		printf '\\q\n' >&"$fd" 2>/dev/null || true
		exec {fd}>&-
		unset "SESSION_FD[$name]"
	done
	[ ${#SESSION_PIDS[@]} -eq 0 ] || wait "${SESSION_PIDS[@]}" 2>/dev/null || true
	SESSION_PIDS=()
	rm -rf "$RUN"
}
trap close_sessions EXIT

# open_session NAME: a psql connection that reads statements from a pipe
# and writes results and errors, in order, to $RUN/NAME.out.
open_session() {
	local name=$1 fd
	mkfifo "$RUN/$name.in"
	: >"$RUN/$name.out"
	PGAPPNAME="demo $name" "${PSQL[@]}" -d "$DB" \
		-v VERBOSITY=verbose -v SHOW_CONTEXT=never -P footer=off \
		<"$RUN/$name.in" >"$RUN/$name.out" 2>&1 &
	SESSION_PIDS+=($!)
	exec {fd}>"$RUN/$name.in"
	SESSION_FD[$name]=$fd
}

# step SESSION WHO SQL: WHO runs SQL in SESSION; print both, then the
# result once the session has finished it.
step() {
	local session=$1 who=$2 sql=$3 colour marker out before line first=1 i
	STEP=$((STEP + 1))
	marker="__demo_step_${STEP}__"
	out=$RUN/$session.out
	case $who in
		Alice*) colour=$CYAN ;;
		Bob*) colour=$MAGENTA ;;
		*) colour=$BOLD ;;
	esac

	while IFS= read -r line; do
		if [ $first = 1 ]; then
			printf '%4d  %s%-*s%s  %s\n' "$STEP" "$colour" $WHO_WIDTH "$who" "$RESET" "$line"
			first=0
		else
			printf '%s%s\n' "$PAD" "$line"
		fi
	done <<<"$sql"

	before=$(wc -l <"$out")
	printf '%s\n\\echo %s\n' "$sql" "$marker" >&"${SESSION_FD[$session]}" 2>/dev/null ||
		die "session $session has gone away: $(cat "$out")"
	for ((i = 0; i < 600; i++)); do
		grep -qx "$marker" "$out" && break
		sleep 0.05
	done
	grep -qx "$marker" "$out" || die "session $session did not answer; its output is in $out"

	tail -n "+$((before + 1))" "$out" | while IFS= read -r line; do
		case $line in
			"$marker" | "" | LOCATION:*) continue ;;
			ERROR:* | DETAIL:* | HINT:* | *" NAME:"*) colour=$RED ;;
			INSERT* | UPDATE* | CREATE* | ALTER* | DROP*) colour=$GREEN ;;
			*) colour='' ;;
		esac
		printf '%s%s%s%s\n' "$RESULT_PAD" "$colour" "$line" "${colour:+$RESET}"
	done
}

open_session one
open_session two

printf '\n%s\n' "Two sessions, one account.  Each step: its number, who runs it, the SQL,"
printf '%s\n' "and below it what the database answers."

# --- (a) -----------------------------------------------------------------

heading "(a) A plain table: Alice's deposit is silently lost"
tell "Alice and Bob share an account holding 100."
step one setup "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL);
INSERT INTO accounts VALUES (1, 'Alice and Bob', 100);"
tell "Both open the account in their banking app: each reads the row."
step one Alice "SELECT id, balance FROM accounts WHERE id = 1;"
step two Bob "SELECT id, balance FROM accounts WHERE id = 1;"
tell "Alice deposits 50: her app writes 100 + 50."
step one Alice "UPDATE accounts SET balance = 150 WHERE id = 1;"
tell "Bob withdraws 30: his app writes 100 - 30, from what it read."
step two Bob "UPDATE accounts SET balance = 70 WHERE id = 1;"
step one Alice "SELECT id, balance FROM accounts WHERE id = 1;"
tell "The balance should be 120.  Alice's 50 is gone, and nobody got an error."

# --- (b) -----------------------------------------------------------------

heading "(b) The same story with a rowversion column: Bob's stale write is refused"
tell "Put the 100 back and add a version column: versioning is now on."
step one setup "UPDATE accounts SET balance = 100 WHERE id = 1;
ALTER TABLE accounts ADD COLUMN version rowversion;"
step one Alice "SELECT id, balance, version FROM accounts WHERE id = 1;"
step two Bob "SELECT id, balance, version FROM accounts WHERE id = 1;"
tell "Each app sends back the version it read, as a full-row save does."
step one Alice "UPDATE accounts SET balance = 150, version = 1 WHERE id = 1
RETURNING balance, version;"
step two Bob "UPDATE accounts SET balance = 70, version = 1 WHERE id = 1
RETURNING balance, version;"
tell "Bob's write was based on version 1, but Alice's made it 2: SQLSTATE 40V01." \
	"His app re-reads the row and applies the withdrawal again."
step two Bob "SELECT id, balance, version FROM accounts WHERE id = 1;"
step two Bob "UPDATE accounts SET balance = 120, version = 2 WHERE id = 1
RETURNING balance, version;"
tell "120: both changes are in."

# --- (c) -----------------------------------------------------------------

heading "(c) A hand edit that never mentions the version still protects it"
tell "Bob's app shows him the account."
step two "Bob's app" "SELECT id, balance, version FROM accounts WHERE id = 1;"
tell "Meanwhile a DBA refunds a 5 fee by hand, in psql, without a thought for versions."
step one "DBA (psql)" "UPDATE accounts SET balance = balance + 5 WHERE id = 1
RETURNING balance, version;"
tell "The version moved anyway.  Bob's app now saves what it showed him, minus 20."
step two "Bob's app" "UPDATE accounts SET balance = 100, version = 3 WHERE id = 1;"
tell "Caught: without the check, the DBA's refund would have been overwritten."
step two "Bob's app" "SELECT id, balance, version FROM accounts WHERE id = 1;"

# --- the end -------------------------------------------------------------

close_sessions
trap - EXIT

printf '\n%sThe demo cluster is still running.%s\n' "$BOLD" "$RESET"
printf '  connect:  %s\n' "psql -h $DIR -p $PORT -U postgres $DB"
printf '  stop it:  %s\n' "bash test/demo.sh stop"
