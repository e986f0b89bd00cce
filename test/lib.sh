# test/lib.sh: shared steps of the demo and the test runner.
#
# Sourced by test/demo.sh and test/run.sh.  Installs what is missing (as
# root, with apt-get), builds and installs the extension, and runs a
# throwaway PostgreSQL cluster.  As root, the cluster and the tests run as
# the "postgres" user, because initdb refuses root.

#
# By default the PostgreSQL is Debian's 15, installed with apt.  With
# PG_CONFIG=/path/to/pg_config the scripts use that installation instead
# (any major the extension supports, built from source or from PGDG
# packages) and install only the tools around it.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -n "${PG_CONFIG:-}" ]; then
	[ -x "$PG_CONFIG" ] || { printf 'error: PG_CONFIG=%s is not an executable\n' "$PG_CONFIG" >&2; exit 1; }
	PG_BIN=$("$PG_CONFIG" --bindir)
	PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')
	PG_FROM_DEBIAN=false
else
	PG_MAJOR=${PG_MAJOR:-15}
	PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
	PG_CONFIG=$PG_BIN/pg_config
	PG_FROM_DEBIAN=true
fi
export PG_CONFIG PG_MAJOR

DEB_PACKAGES=(
	make gcc libc6-dev
	libtap-parser-sourcehandler-pgtap-perl libipc-run-perl
	python3 python3-psycopg2
)
if $PG_FROM_DEBIAN; then
	DEB_PACKAGES+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" "postgresql-$PG_MAJOR-pgtap")
fi

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Install the Debian packages that are not there yet.
install_packages() {
	local missing=() p
	for p in "${DEB_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	if is_root; then
		say "installing: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	elif command -v sudo >/dev/null; then
		sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		die "missing packages: ${missing[*]} (install them, or run as root)"
	fi
}

# Build warning-free and install into the server's directories.
build_and_install() {
	local pg_config="$PG_CONFIG"
	[ -x "$pg_config" ] || pg_config=pg_config
	# from scratch: objects built against another major must not be linked in
	make -s -C "$TOP" PG_CONFIG="$pg_config" clean >/dev/null
	make -s -C "$TOP" PG_CONFIG="$pg_config" PG_CFLAGS=-Werror >/dev/null
	if is_root; then
		make -s -C "$TOP" PG_CONFIG="$pg_config" install >/dev/null
	else
		sudo make -s -C "$TOP" PG_CONFIG="$pg_config" install >/dev/null
	fi
}

# Run a command as the user that owns the cluster.
as_pg() {
	if is_root; then
		runuser -u postgres -- env PATH="$PG_BIN:$PATH" "$@"
	else
		env PATH="$PG_BIN:$PATH" "$@"
	fi
}

# A port nothing listens on, from $1 upwards.
free_port() {
	local port=${1:-55432}
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	echo "$port"
}

# cluster_start DIR PORT: a new cluster in DIR/data, listening on
# 127.0.0.1:PORT and on a socket in DIR; stopped by cluster_stop DIR.
cluster_start() {
	local dir=$1 port=$2
	shift 2
	as_pg mkdir -p "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg initdb -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	# more server options, if given: cluster_start DIR PORT -c name=value ...
	as_pg pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off $*" start
}

cluster_stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] && as_pg pg_ctl -D "$dir/data" -w -s -m fast stop || true
}
