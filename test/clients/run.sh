#!/usr/bin/env bash
# test/clients/run.sh: run the client examples against a running cluster.
#
#   PGHOST=... PGPORT=... PGUSER=... bash test/clients/run.sh [python] [sqlalchemy] [django] [node] [sequelize] [typeorm] [mikroorm] [ruby] [jdbc] [c]
#
# Each example is a short program a user could copy: it connects with the
# standard libpq environment, creates its own tables, shows a conflict and
# its handling through a real driver, checks every outcome, drops its
# tables, and exits non-zero on any wrong outcome.
#
# As root, installs what the examples need with apt-get first.  Then runs
# `npm ci` for the node example, builds the C example, creates the database
# concurrency_clients (or $CLIENTS_DB) if it is missing, runs
# CREATE EXTENSION concurrency there, and runs every example (or those
# named) with PGDATABASE set to it.  Ends with "N passed, N failed" and
# exits non-zero if any failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${CLIENTS_DB:-concurrency_clients}
PG_MAJOR=${PG_MAJOR:-15}

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# psycopg 3 is Debian's python3-psycopg: use Debian's interpreter, not one
# that a version manager (pyenv, ...) put first on PATH.
PYTHON=${PYTHON:-/usr/bin/python3}
RUBY=${RUBY:-/usr/bin/ruby}
PATH=$PATH:/usr/lib/postgresql/$PG_MAJOR/bin	# psql, pg_config if nowhere else

# --- what the examples need ----------------------------------------------

packages=(python3-psycopg python3-psycopg2 python3-sqlalchemy python3-django
	ruby-activerecord ruby-pg libpq-dev gcc make libc6-dev
	default-jdk-headless libpostgresql-jdbc-java)
command -v psql >/dev/null || packages+=(postgresql-client)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	have_package "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		say "installing: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt_log=$(mktemp)
		if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
			cat "$apt_log" >&2
			die "apt-get install ${missing[*]} failed"
		fi
		rm -f "$apt_log"
	else
		die "missing packages: ${missing[*]} (install them, or run as root)"
	fi
fi

# node-postgres, Sequelize, TypeORM and MikroORM, at the versions
# package-lock.json pins.  npm needs a cache
# it can write, and $HOME may not be writable (sudo -u keeps the caller's).
if [ -w "${HOME:-/nonexistent}" ]; then
	npm_cache=${npm_config_cache:-$HOME/.npm}
else
	npm_cache=$(mktemp -d /tmp/concurrency-npm.XXXXXX)
	trap 'rm -rf "$npm_cache"' EXIT
fi
say "npm ci in node/"
(cd "$HERE/node" && npm ci --cache "$npm_cache" --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null) ||
	die "npm ci failed in $HERE/node"

say "compiling java/JdbcExample.java"
JDBC_JAR=/usr/share/java/postgresql.jar
rm -rf "$HERE/java/classes"
javac -Xlint:all -Werror -d "$HERE/java/classes" -cp "$JDBC_JAR" "$HERE/java/JdbcExample.java" ||
	die "compiling the JDBC example failed"

say "building c/libpq_example"
make -s -B -C "$HERE/c" CFLAGS="-O2 -g -Wall -Wextra -Werror" >/dev/null || die "building the C example failed"

# --- the database ----------------------------------------------------------

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

if [ "$(psql_admin -At -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
	say "creating database $DB"
	psql_admin -c "CREATE DATABASE \"$DB\"" || die "cannot create database $DB"
fi
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c 'SET client_min_messages = warning' \
	-c 'CREATE EXTENSION IF NOT EXISTS concurrency' || die "cannot create the extension in $DB"
export PGDATABASE=$DB

# --- the examples ------------------------------------------------------------

declare -A example=(
	[python]="$PYTHON $HERE/python/psycopg_example.py"
	[sqlalchemy]="$PYTHON $HERE/python/sqlalchemy_example.py"
	[django]="$PYTHON $HERE/python/django_example.py"
	[node]="node $HERE/node/pg_example.js"
	[sequelize]="node $HERE/node/sequelize_example.js"
	[typeorm]="node $HERE/node/typeorm_example.js"
	[mikroorm]="node $HERE/node/mikroorm_example.js"
	[ruby]="$RUBY $HERE/ruby/activerecord_example.rb"
	[jdbc]="env PGHOST_TCP=127.0.0.1 java -cp $HERE/java/classes:$JDBC_JAR JdbcExample"
	[c]="$HERE/c/libpq_example"
)
order=(python sqlalchemy django node sequelize typeorm mikroorm ruby jdbc c)
[ $# -gt 0 ] && order=("$@")

passed=() failed=()
for name in "${order[@]}"; do
	[ -n "${example[$name]:-}" ] || die "no example named $name (${!example[*]})"
	printf '\n=== %s\n\n' "$name"
	# shellcheck disable=SC2086	# the command line is split on purpose
	if ${example[$name]}; then
		passed+=("$name")
	else
		failed+=("$name")
	fi
done

printf '\n'
[ ${#failed[@]} -gt 0 ] && say "failed examples: ${failed[*]}"
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} = 0 ]
