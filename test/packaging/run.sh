#!/usr/bin/env bash
# test/packaging/run.sh: build, install and test what a release ships.
#
# Runs as root.  From a copy of the working tree it builds the Debian
# package postgresql-15-concurrency (dpkg-buildpackage -b), checks its file
# list, installs it with apt-get, checks that the installed files are the
# packaged ones, and runs the pg_regress suites against a throwaway cluster.
# Then it makes the PGXN archive with "make dist" in a clone of the
# repository (so from HEAD), validates its META.json (check_meta.py, with
# its self-test), checks what the archive holds and builds it the way a
# PGXN client does.
#
# The extension may already be installed by "make install" into the same
# directories.  Those files are saved first, and at the end the package is
# purged and they are put back, so the system is left as it was found; with
# KEEP_PACKAGE=1 the package stays installed.  A package that was installed
# before the run stays installed (at the version built here).
#
# The cluster listens on the first free port from $PORT (default 55532).
# KEEP_WORK=1 keeps the work directory (the .deb, the archive, the logs).
# Ends with "N passed, N failed" and exits non-zero if a check failed.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

is_root || die "run test/packaging/run.sh as root: it installs a package"
install_packages dpkg-dev debhelper fakeroot postgresql-server-dev-all git unzip

PKG=postgresql-$PG_MAJOR-concurrency
PKGLIBDIR=$("$PG_BIN/pg_config" --pkglibdir)
SHAREDIR=$("$PG_BIN/pg_config" --sharedir)
EXTENSION=concurrency

WORK=$(mktemp -d /tmp/concurrency-packaging.XXXXXX)
chmod 755 "$WORK"
CLUSTER=
INSTALLED_BEFORE=no
INSTALLED_BY_US=no

passed=0
failed=0
pass() { passed=$((passed + 1)); say "ok - $*"; }
fail() { failed=$((failed + 1)); say "FAILED - $*"; }

cleanup() {
	local rc=$?
	[ -n "$CLUSTER" ] && cluster_stop "$CLUSTER"
	if [ "$INSTALLED_BY_US" = yes ] && [ "${KEEP_PACKAGE:-0}" != 1 ]; then
		if [ -n "$(dpkg -V "$PKG" 2>&1)" ]; then
			say "warning: files of $PKG changed since it was installed (another make install?);"
			say "         leaving $PKG installed and $WORK/backup in place"
			return $rc
		fi
		dpkg --purge "$PKG" >/dev/null
		if [ -d "$WORK/backup" ]; then
			cp -a "$WORK/backup/." /
			say "removed $PKG, put back the files that were installed before"
		fi
	fi
	if [ -n "${KEEP_WORK:-}" ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
	return $rc
}
trap cleanup EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }

# A copy of the working tree: tracked files and new ones not ignored, as
# they are now (uncommitted changes included), without build output.
copy_tree() {
	local dest=$1 f
	mkdir -p "$dest"
	git -C "$TOP" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$TOP/$f" ] && printf '%s\0' "$f"
		done |
		tar -C "$TOP" --null -T - -cf - | tar -C "$dest" -xf -
}

# ---------------------------------------------------------------------------
say "=== Debian package"

SRC=$WORK/build/$EXTENSION
copy_tree "$SRC"
DEB=
if (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
	DEB=$(ls "$WORK"/build/${PKG}_*.deb 2>/dev/null | head -1)
fi
if [ -n "$DEB" ]; then
	pass "dpkg-buildpackage built $(basename "$DEB")"
else
	tail -40 "$WORK/build.log" >&2
	fail "dpkg-buildpackage -b (log above)"
fi

# The package's files: the module, its bitcode, the control file, every
# install and upgrade script, and the documentation; nothing else.
if [ -n "$DEB" ]; then
	dpkg-deb -x "$DEB" "$WORK/deb"
	(cd "$WORK/deb" && find . -type f | sed 's/^\.//' | sort) >"$WORK/deb.files"
	say "files in $(basename "$DEB"):"
	sed 's/^/    /' "$WORK/deb.files" >&2
	# the files the server uses, which "make install" writes too
	grep -v "^/usr/share/doc/" "$WORK/deb.files" >"$WORK/deb.server-files" || true
	problems=()
	expected=("$PKGLIBDIR/$EXTENSION.so" "$SHAREDIR/extension/$EXTENSION.control")
	for f in "$SRC"/$EXTENSION--*.sql; do
		expected+=("$SHAREDIR/extension/$(basename "$f")")
	done
	for f in "${expected[@]}"; do
		grep -qxF "$f" "$WORK/deb.files" || problems+=("missing $f")
	done
	while read -r f; do
		case $f in
			"$PKGLIBDIR/$EXTENSION.so" | "$SHAREDIR/extension/$EXTENSION.control" | \
				"$SHAREDIR/extension/$EXTENSION"--*.sql | \
				"$PKGLIBDIR/bitcode/$EXTENSION.index.bc" | "$PKGLIBDIR/bitcode/$EXTENSION/"*.bc | \
				/usr/share/doc/$PKG/*) ;;
			*) problems+=("unexpected $f") ;;
		esac
	done <"$WORK/deb.files"
	for f in "$SRC"/$EXTENSION--*.sql "$SRC/$EXTENSION.control"; do
		cmp -s "$f" "$WORK/deb$SHAREDIR/extension/$(basename "$f")" ||
			problems+=("$(basename "$f") differs from the source tree")
	done
	if [ ${#problems[@]} = 0 ]; then
		pass "the package holds the module, the control file and $((${#expected[@]} - 2)) SQL script(s)"
	else
		fail "package contents: ${problems[*]}"
	fi
fi

# ---------------------------------------------------------------------------
say "=== installing the package"

if [ -n "$DEB" ]; then
	if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; then
		INSTALLED_BEFORE=yes
	else
		# Save what "make install" may have put in the same places.
		while read -r f; do
			[ -e "$f" ] || continue
			mkdir -p "$WORK/backup$(dirname "$f")"
			cp -a "$f" "$WORK/backup$f"
		done <"$WORK/deb.server-files"
	fi
	if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" \
		>"$WORK/install.log" 2>&1; then
		[ "$INSTALLED_BEFORE" = yes ] || INSTALLED_BY_US=yes
		pass "apt-get install $(basename "$DEB")"
	else
		cat "$WORK/install.log" >&2
		fail "apt-get install $(basename "$DEB")"
		DEB=
	fi
fi

# dpkg -L names the module, the control file and the scripts, and every
# installed file is byte for byte the packaged one (dpkg -V and sha256).
check_installed() {
	local when=$1 problems=() f
	dpkg -L "$PKG" >"$WORK/dpkg-L"
	for f in "$PKGLIBDIR/$EXTENSION.so" "$SHAREDIR/extension/$EXTENSION.control" \
		"$SHAREDIR"/extension/$EXTENSION--*.sql; do
		grep -qxF "$f" "$WORK/dpkg-L" || problems+=("dpkg -L lacks $f")
	done
	[ -z "$(dpkg -V "$PKG" 2>&1)" ] || problems+=("dpkg -V: $(dpkg -V "$PKG" 2>&1 | tr '\n' ' ')")
	while read -r f; do
		[ -f "$f" ] && [ "$(sha "$f")" = "$(sha "$WORK/deb$f")" ] ||
			problems+=("$f is not the packaged file")
	done <"$WORK/deb.server-files"
	if [ ${#problems[@]} = 0 ]; then
		pass "$when: the installed files are the packaged ones ($EXTENSION.so sha256 $(sha "$PKGLIBDIR/$EXTENSION.so" | cut -c1-16)...)"
	else
		fail "$when: ${problems[*]}"
	fi
}
[ -n "$DEB" ] && check_installed "before the suites"

# ---------------------------------------------------------------------------
say "=== pg_regress suites against the installed package"

if [ -n "$DEB" ]; then
	REGRESS_TREE=$WORK/regress
	copy_tree "$REGRESS_TREE"
	chown -R postgres: "$REGRESS_TREE"
	CLUSTER=$(mktemp -d /tmp/concurrency-packaging-cluster.XXXXXX)
	chown postgres: "$CLUSTER"
	PORT=$(free_port "${PORT:-55532}")
	cluster_start "$CLUSTER" "$PORT"
	if as_pg env PGHOST="$CLUSTER" PGPORT="$PORT" PGUSER=postgres \
		make -s -C "$REGRESS_TREE" installcheck-regress-only; then
		pass "pg_regress suites"
	else
		[ -s "$REGRESS_TREE/regression.diffs" ] && cat "$REGRESS_TREE/regression.diffs" >&2
		fail "pg_regress suites"
	fi
	# The version the server offers is the packaged control file's.
	ver=$(as_pg psql -X -A -t -h "$CLUSTER" -p "$PORT" -U postgres -d postgres -c \
		"SELECT default_version FROM pg_available_extensions WHERE name = '$EXTENSION'")
	want=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" \
		"$WORK/deb$SHAREDIR/extension/$EXTENSION.control")
	if [ -n "$want" ] && [ "$ver" = "$want" ]; then
		pass "the server offers $EXTENSION $ver, the packaged default_version"
	else
		fail "the server offers $EXTENSION '$ver', the package has '$want'"
	fi
	cluster_stop "$CLUSTER"
	rm -rf "$CLUSTER"
	CLUSTER=
	check_installed "after the suites"
fi

# ---------------------------------------------------------------------------
say "=== PGXN archive (make dist, from HEAD)"

CLONE=$WORK/clone
git clone -q "$TOP" "$CLONE"
ZIP=
if make -s -C "$CLONE" dist >"$WORK/dist.log" 2>&1; then
	ZIP=$(ls "$CLONE"/dist/$EXTENSION-*.zip 2>/dev/null | head -1)
fi
if [ -n "$ZIP" ]; then
	pass "make dist wrote dist/$(basename "$ZIP")"
else
	cat "$WORK/dist.log" >&2
	fail "make dist"
fi

if [ -n "$ZIP" ]; then
	VERSION=$(make -s -C "$CLONE" version)
	DISTVERSION=$(echo "$VERSION" | sed 's/^[0-9]*\.[0-9]*$/&.0/')
	[ "$(basename "$ZIP")" = "$EXTENSION-$DISTVERSION.zip" ] &&
		pass "archive named after default_version '$VERSION': $EXTENSION-$DISTVERSION.zip" ||
		fail "archive is $(basename "$ZIP"), expected $EXTENSION-$DISTVERSION.zip"

	if python3 "$TOP/test/packaging/check_meta.py" --self-test "$ZIP" >&2; then
		pass "META.json in the archive is valid, and broken variants are rejected"
	else
		fail "META.json in the archive"
	fi

	# An archive without the <name>-<version>/ directory is refused.
	git -C "$CLONE" archive --format zip --prefix=$EXTENSION/ -o "$WORK/wrong-prefix.zip" HEAD
	out=$(python3 "$TOP/test/packaging/check_meta.py" "$WORK/wrong-prefix.zip" 2>&1) && rc=0 || rc=$?
	if [ $rc = 1 ] && grep -q "top-level directory is \"$EXTENSION/\", PGXN expects \"$EXTENSION-$DISTVERSION/\"" <<<"$out"; then
		pass "an archive with the wrong top-level directory is refused"
	else
		fail "wrong top-level directory not refused (exit $rc): $out"
	fi

	# What the archive holds: what an installer needs, the documentation and
	# the test suites; no repository plumbing, packaging or build output.
	prefix=$EXTENSION-$DISTVERSION/
	unzip -Z1 "$ZIP" | grep -v '/$' | sed "s|^$prefix||" | sort >"$WORK/zip.files"
	problems=()
	required=(META.json Makefile $EXTENSION.control README.md CHANGELOG.md LICENSE)
	for f in "$CLONE"/$EXTENSION--*.sql "$CLONE"/src/*.[ch] "$CLONE"/sql/*.sql "$CLONE"/expected/*.out \
		"$CLONE"/test/isolation/specs/*.spec "$CLONE"/test/t/*.pl "$CLONE"/test/lib.sh "$CLONE"/test/run.sh; do
		[ -e "$f" ] && required+=("${f#$CLONE/}")
	done
	for f in "${required[@]}"; do
		grep -qxF "$f" "$WORK/zip.files" || problems+=("missing $f")
	done
	while read -r f; do
		case $f in
			.ci/* | .gitignore | */.gitignore | .gitattributes | */.gitattributes | debian/* | test/bench/* | test/packaging/* | \
				dist/* | results/* | regression.* | *.o | *.so | *.bc | tmp_check*/* | .git/*)
				problems+=("holds $f") ;;
		esac
	done <"$WORK/zip.files"
	if [ ${#problems[@]} = 0 ]; then
		pass "the archive holds $(wc -l <"$WORK/zip.files") files: ${#required[@]} required ones, none of the excluded ones"
	else
		fail "archive contents: ${problems[*]}"
	fi

	# Built the way a PGXN client does it (pgxn install runs make, then
	# make install): unpacked on its own, without the repository.
	mkdir -p "$WORK/pgxn"
	unzip -q "$ZIP" -d "$WORK/pgxn"
	if make -s -C "$WORK/pgxn/$prefix" PG_CONFIG="$PG_BIN/pg_config" PG_CFLAGS=-Werror \
		>"$WORK/pgxn.log" 2>&1 && [ -f "$WORK/pgxn/$prefix/$EXTENSION.so" ]; then
		pass "the unpacked archive builds with -Werror"
	else
		cat "$WORK/pgxn.log" >&2
		fail "the unpacked archive does not build"
	fi
fi

# ---------------------------------------------------------------------------
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
