# pg_dump / pg_restore of a database that uses the concurrency extension.
#
# SPEC.md section 5: a dump restores without a single error, with every
# version value and every table's options intact, and versioning is
# enforced in the restored database.  The version trigger is internal, so
# pg_dump does not emit it; each restored CREATE TABLE attaches it again
# through the event trigger.  The options travel with the schema: a table's
# options are the arguments of the concurrency.options() call that is the
# default of its version column, so they arrive in pre-data, inline in
# CREATE TABLE (or, for a column inherited through INHERITS, as the
# ALTER TABLE ONLY ... SET DEFAULT that pg_dump writes after it), and the
# dump carries no data of the extension's own.
#
# The source database holds every kind of versioned table: plain, with
# check_columns, with ignore_columns, strict, disabled, partitioned (a
# sub-partitioned level, a default partition, one partition with options
# of its own), an inheritance parent and child, a table and version column
# with odd identifiers, a table in another schema, all owned by a
# non-superuser; a session keeps a versioned temporary table with options
# while the dumps are taken.  It is restored:
#   - from a plain dump with psql -v ON_ERROR_STOP=1;
#   - from a plain dump taken with --column-inserts --load-via-partition-root;
#   - from a custom dump with pg_restore --exit-on-error, and with -j 2;
#   - from a --no-owner dump;
#   - section by section (pre-data, data, post-data as three runs);
#   - schema first, then data only, with and without --disable-triggers.
# Each restored database must match the source (concurrency.tables, the
# version columns' defaults, every row), carry exactly one internal version
# trigger per versioned table that stores rows, and enforce versioning.
#
# Four more databases: one owned and dumped by a non-superuser that
# installed the (trusted) extension itself, as on managed services; one
# whose rows were stored while versioning was off or before the column
# became a rowversion; one where the OID of a vanished temporary table with
# options went to an index; one where the extension's schema was renamed.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');

my $odd_table = q{"Odd ""Schema"""."Odd ""Tbl"" Name"};

# the tables of the source database that store rows
my @leaf_tables = (
	$odd_table, 'other.accounts',
	'public.checked', 'public.ignored',
	'public.inh_child', 'public.inh_parent',
	'public.off_t', 'public.parted_asia_1',
	'public.parted_asia_2', 'public.parted_eu',
	'public.parted_rest', 'public.parted_us',
	'public.plain', 'public.strict_t');

# --- helpers ---------------------------------------------------------------

# Connection string for a database, optionally as another user.
sub connstr
{
	my ($db, $user) = @_;
	my $str = $node->connstr($db);

	$str .= " user=$user" if defined $user;
	return $str;
}

# Run a client program; returns (exit status, stdout, stderr).
sub run_tool
{
	my @cmd = @_;
	my ($out, $err) = ('', '');

	IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

# Run one step of a dump or a restore: it must succeed and say nothing on
# stderr, in particular no ERROR and no duplicate trigger.
sub step_ok
{
	my ($label, @cmd) = @_;
	my ($rc, $out, $err) = run_tool(@cmd);

	is($rc, 0, "$label: exit status 0");
	unlike($err, qr/\bERROR\b|error:/, "$label: no ERROR on stderr");
	unlike($err, qr/already exists/, "$label: no duplicate object");
	is($err, '', "$label: stderr is empty");
	return $rc == 0;
}

sub createdb
{
	my ($db, $owner) = @_;

	$node->safe_psql('postgres',
		"CREATE DATABASE $db" . (defined $owner ? " OWNER $owner" : ''));
}

# What must survive a dump and restore, as text.
sub snapshot
{
	my ($db, @tables) = @_;
	my %snap;

	$snap{tables} = $node->safe_psql($db,
		'SELECT * FROM concurrency.tables ORDER BY 1, 2');
	# the options as written: the default of every version column, the
	# rowversion type found through the extension, whatever its schema is
	# called.  A NULL default is pg_dump's way of saying that an inherited
	# column has no default of its own (the child takes its parent's
	# options); it counts as none.
	$snap{options} = $node->safe_psql(
		$db, q{
SELECT a.attrelid::regclass::text, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d
  JOIN pg_attribute a ON (a.attrelid, a.attnum) = (d.adrelid, d.adnum)
 WHERE a.atttypid = (SELECT t.oid FROM pg_type t
					   JOIN pg_extension e ON e.extnamespace = t.typnamespace
					  WHERE e.extname = 'concurrency' AND t.typname = 'rowversion')
   AND pg_get_expr(d.adbin, d.adrelid) !~ '^NULL::'
 ORDER BY a.attrelid::regclass::text COLLATE "C"});
	foreach my $table (@tables)
	{
		$snap{"rows of $table"} = $node->safe_psql($db,
			"SELECT t::text FROM ONLY $table AS t ORDER BY t::text");
	}
	return \%snap;
}

sub snapshot_is
{
	my ($db, $expected, $label) = @_;
	my @tables = map { /^rows of (.*)$/ ? ($1) : () } sort keys %$expected;
	my $got = snapshot($db, @tables);

	foreach my $key (sort keys %$expected)
	{
		is($got->{$key}, $expected->{$key}, "$label: $key as in the source");
	}
}

# Dump $source in the custom format, restore it into a new database $target
# with --exit-on-error, and compare the target with the snapshot taken of
# the source.
sub custom_dump_restored_ok
{
	my ($source, $target, $source_snapshot, $label) = @_;
	my $dump = "$tempdir/$source.dump";

	step_ok("$label: pg_dump", 'pg_dump', '-d', connstr($source), '-Fc',
		'-f', $dump);
	createdb($target);
	step_ok("$label: pg_restore", 'pg_restore', '--exit-on-error',
		'-d', connstr($target), $dump);
	snapshot_is($target, $source_snapshot, "$label restore");
}

# The version triggers of the tables under the given schemas: one per
# table that stores rows, none on a partitioned table; each internal,
# enabled, calling concurrency.version_trigger(), and named after its OID.
sub triggers_of
{
	my ($db, @schemas) = @_;
	my $schemas = join(', ', map { "'$_'" } @schemas);

	return $node->safe_psql(
		$db, qq{
SELECT format('%I.%I', n.nspname, c.relname), c.relkind, count(t.oid),
	   coalesce(bool_and(t.tgisinternal AND t.tgenabled = 'O'
						 AND t.tgfoid = 'concurrency.version_trigger'::regproc
						 AND t.tgtype = 23
						 AND t.tgname = '!concurrency_version_' || t.oid), true)
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_trigger t ON t.tgrelid = c.oid
	   AND t.tgname LIKE '!concurrency_version_%'
 WHERE n.nspname IN ($schemas) AND c.relkind IN ('r', 'p')
 GROUP BY 1, 2
 ORDER BY 1;
SELECT count(*) FROM pg_trigger WHERE tgname LIKE '!concurrency_version_%';
SELECT count(*) FROM pg_trigger
 WHERE tgfoid = 'concurrency.version_trigger'::regproc AND NOT tgisinternal;});
}

my $expected_triggers = <<'EOF';
"Odd ""Schema"""."Odd ""Tbl"" Name"|r|1|t
other.accounts|r|1|t
public.checked|r|1|t
public.ignored|r|1|t
public.inh_child|r|1|t
public.inh_parent|r|1|t
public.off_t|r|1|t
public.parted|p|0|t
public.parted_asia|p|0|t
public.parted_asia_1|r|1|t
public.parted_asia_2|r|1|t
public.parted_eu|r|1|t
public.parted_rest|r|1|t
public.parted_us|r|1|t
public.plain|r|1|t
public.strict_t|r|1|t
14
0
EOF
chomp $expected_triggers;

sub triggers_ok
{
	my ($db, $label) = @_;

	is(triggers_of($db, 'public', 'other', 'Odd "Schema"'),
		$expected_triggers,
		"$label: one internal version trigger per versioned table that stores rows"
	);
}

# Owner of every table of the source's schemas, as a single name.
sub table_owners
{
	my ($db) = @_;

	return $node->safe_psql(
		$db, q{
SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner), ',')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('public', 'other', 'Odd "Schema"')
   AND c.relkind IN ('r', 'p')});
}

# Run SQL in db without stopping at errors; returns (stdout, stderr) with
# psql's "psql:<stdin>:N: " prefixes taken off stderr.
sub run_sql
{
	my ($db, $sql, $user) = @_;
	my ($out, $err) = ('', '');

	IPC::Run::run([ 'psql', '-XAtq', '-d', connstr($db, $user), '-f', '-' ],
		'<', \$sql, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	$err =~ s/^psql:<stdin>:\d+: //mg;
	chomp $out;
	return ($out, $err);
}

# Versioning is enforced in a restored database: stale writes are refused
# with 40V01, strict tables want a version, fresh writes move the version,
# options (check_columns, ignore_columns, disabled, per partition, on an
# inheritance child) apply.
my $enforcement_sql = <<'EOF';
UPDATE public.plain SET val = 'stale', version = 2 WHERE id = 1;
\echo plain stale :SQLSTATE
UPDATE public.plain SET val = 'fresh', version = 3 WHERE id = 1 RETURNING version;
UPDATE public.plain SET val = 'unstated' WHERE id = 2 RETURNING version;
INSERT INTO public.plain (id, val) VALUES (5, 'new') RETURNING version;
UPDATE public.checked SET b = 'b only', version = 2 WHERE id = 1 RETURNING version;
UPDATE public.checked SET a = 'a too', version = 2 WHERE id = 1 RETURNING version;
UPDATE public.ignored SET seen = 99 WHERE id = 2 RETURNING version;
UPDATE public.ignored SET seen = 100, version = 7 WHERE id = 2;
\echo ignored stale :SQLSTATE
UPDATE public.strict_t SET a = 'unstated' WHERE id = 1;
\echo strict unstated :SQLSTATE
UPDATE public.strict_t SET a = 'stated', version = 4 WHERE id = 1 RETURNING version;
UPDATE public.off_t SET a = 'off', version = 1 WHERE id = 1 RETURNING version;
UPDATE public.parted SET a = 'stale', version = 11 WHERE id = 4;
\echo parted stale :SQLSTATE
UPDATE public.parted SET a = 'unstated' WHERE id = 4;
\echo parted unstated :SQLSTATE
UPDATE public.parted SET a = 'fresh', version = 12 WHERE id = 4 RETURNING tableoid::regclass, version;
UPDATE public.parted SET b = 'b only', version = 5 WHERE id = 1 RETURNING version;
UPDATE public.parted SET b = 'unstated' WHERE id = 2 RETURNING version;
UPDATE public.parted SET a = 'unstated' WHERE id = 2 RETURNING version;
UPDATE public.parted SET region = 'eu', a = 'moved', version = 3 WHERE id = 2 RETURNING tableoid::regclass, version;
UPDATE public.inh_parent SET a = 'ignored' WHERE id = 1 RETURNING version;
UPDATE public.inh_parent SET a = 'child' WHERE id = 2 RETURNING tableoid::regclass, version;
UPDATE public.inh_parent SET a = 'stale', version = 7 WHERE id = 2;
\echo inh stale :SQLSTATE
UPDATE "Odd ""Schema"""."Odd ""Tbl"" Name" SET "Other" = 'unstated';
\echo odd unstated :SQLSTATE
UPDATE "Odd ""Schema"""."Odd ""Tbl"" Name" SET "Mixed Case" = 'stale', "Row ""Ver"" sion" = 21;
\echo odd stale :SQLSTATE
UPDATE "Odd ""Schema"""."Odd ""Tbl"" Name" SET "Mixed Case" = 'fresh', "Row ""Ver"" sion" = 22 RETURNING "Row ""Ver"" sion";
UPDATE other.accounts SET balance = 5, version = 1 WHERE id = 2;
\echo accounts stale :SQLSTATE
UPDATE other.accounts SET balance = 5 WHERE id = 2 RETURNING version;
EOF

my $enforcement_out = <<'EOF';
plain stale 40V01
4
3
1
2
3
8
ignored stale 40V01
strict unstated 23V01
5
1
parted stale 40V01
parted unstated 23V01
parted_asia_2|13
5
2
3
parted_eu|4
6
inh_child|8
inh stale 40V01
odd unstated 23V01
odd stale 40V01
23
accounts stale 40V01
3
EOF
chomp $enforcement_out;

my $enforcement_err = <<'EOF';
ERROR:  row in "public.plain" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 2, but the current version is 3.
HINT:  Re-read the row and apply the change again.
ERROR:  row in "public.ignored" was modified by another transaction
DETAIL:  Key (id)=(2): the update was based on version 7, but the current version is 8.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.parted_asia_2" was modified by another transaction
DETAIL:  Key (id, region)=(4, au): the update was based on version 11, but the current version is 12.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.parted_asia_2" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.inh_child" was modified by another transaction
DETAIL:  The update was based on version 7, but the current version is 8.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "Odd "Schema".Odd "Tbl" Name" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "Row "Ver" sion" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., "Row ""Ver"" sion" = <version read>.
ERROR:  row in "Odd "Schema".Odd "Tbl" Name" was modified by another transaction
DETAIL:  Key ("Key Col")=(1): the update was based on version 21, but the current version is 22.
HINT:  Re-read the row and apply the change again.
ERROR:  row in "other.accounts" was modified by another transaction
DETAIL:  Key (id)=(2): the update was based on version 1, but the current version is 3.
HINT:  Re-read the row and apply the change again.
EOF

sub enforcement_ok
{
	my ($db, $label) = @_;
	my ($out, $err) = run_sql($db, $enforcement_sql);

	is($out, $enforcement_out,
		"$label: versions move, stale and unstated writes are refused");
	is($err, $enforcement_err, "$label: the errors name table, key and versions");
	is( $node->safe_psql($db,
			"SELECT active FROM concurrency.tables WHERE table_name = 'off_t'"),
		'f',
		"$label: the disabled table stays disabled");
}

# --- the source database ---------------------------------------------------

$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
createdb('src');
$node->safe_psql(
	'src', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
GRANT CREATE ON SCHEMA public TO app;
CREATE SCHEMA other AUTHORIZATION app;
CREATE SCHEMA "Odd ""Schema""" AUTHORIZATION app;
SET ROLE app;

-- a plain versioned table, versions above 1 and one supplied by the writer
CREATE TABLE plain (id int PRIMARY KEY, val text, version rowversion);
INSERT INTO plain (id, val) VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE plain SET val = val || '+';
UPDATE plain SET val = val || '+' WHERE id = 1;
INSERT INTO plain VALUES (4, 'd', 100);

CREATE TABLE checked (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT FROM concurrency.enable('checked', check_columns => '{a}');
INSERT INTO checked (id, a, b) VALUES (1, 'x', 'y'), (2, 'x', 'y');
UPDATE checked SET a = 'x2' WHERE id = 1;
UPDATE checked SET b = 'y2' WHERE id = 2;

CREATE TABLE ignored (id int PRIMARY KEY, a text, seen int, version rowversion);
SELECT FROM concurrency.enable('ignored', ignore_columns => '{seen}');
INSERT INTO ignored VALUES (1, 'x', 0, 5), (2, 'x', 0, 7);
UPDATE ignored SET seen = seen + 1;
UPDATE ignored SET a = 'x2' WHERE id = 2;

CREATE TABLE strict_t (id int PRIMARY KEY, a text, version rowversion);
SELECT FROM concurrency.enable('strict_t', strict => true);
INSERT INTO strict_t VALUES (1, 'x', 3);
UPDATE strict_t SET a = 'x2', version = 3 WHERE id = 1;

-- disabled: the trigger stays and does nothing
CREATE TABLE off_t (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO off_t VALUES (1, 'x', 9);
SELECT FROM concurrency.disable('off_t');
UPDATE off_t SET a = 'x2', version = 2 WHERE id = 1;

-- partitioned, options on the parent; a sub-partitioned level, a partition
-- attached after its creation, and one partition with options of its own
CREATE TABLE parted (id int, region text, a text, b text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
CREATE TABLE parted_asia PARTITION OF parted FOR VALUES IN ('asia', 'au')
	PARTITION BY LIST (region);
CREATE TABLE parted_asia_1 PARTITION OF parted_asia FOR VALUES IN ('asia');
CREATE TABLE parted_asia_2 PARTITION OF parted_asia FOR VALUES IN ('au');
CREATE TABLE parted_rest (id int NOT NULL, region text NOT NULL, a text, b text,
						  version rowversion);
ALTER TABLE parted ATTACH PARTITION parted_rest DEFAULT;
SELECT FROM concurrency.enable('parted', check_columns => '{a}', strict => true);
SELECT FROM concurrency.enable('parted_us', ignore_columns => '{b}');
INSERT INTO parted VALUES (1, 'eu', 'x', 'y', 4), (2, 'us', 'x', 'y', DEFAULT),
	(3, 'asia', 'x', 'y', 11), (4, 'au', 'x', 'y', 12), (5, 'mars', 'x', 'y', 13);
UPDATE parted SET a = 'x2', version = version WHERE id IN (1, 2);
UPDATE parted SET region = 'au', a = 'moved', version = version WHERE id = 3;

-- inheritance: enable() on the parent gives the child, created before, the
-- same options (ALTER TABLE ... SET DEFAULT recurses to it); the child's
-- version column is inherited, so pg_dump writes its default apart
CREATE TABLE inh_parent (id int PRIMARY KEY, a text, version rowversion);
CREATE TABLE inh_child (extra text) INHERITS (inh_parent);
SELECT FROM concurrency.enable('inh_parent', ignore_columns => '{a}');
INSERT INTO inh_parent VALUES (1, 'p', 6);
INSERT INTO inh_child VALUES (2, 'c', 8, 'e');
UPDATE inh_parent SET version = version WHERE id IN (1, 2);

-- odd identifiers everywhere, and a version column not called "version"
CREATE TABLE "Odd ""Schema"""."Odd ""Tbl"" Name" (
	"Key Col" int PRIMARY KEY, "Mixed Case" text,
	"Row ""Ver"" sion" rowversion, "Other" text);
SELECT FROM concurrency.enable('"Odd ""Schema"""."Odd ""Tbl"" Name"',
	version_column => 'Row "Ver" sion',
	check_columns => ARRAY['Mixed Case']::name[], strict => true);
INSERT INTO "Odd ""Schema"""."Odd ""Tbl"" Name" VALUES (1, 'm', 21, 'o');
UPDATE "Odd ""Schema"""."Odd ""Tbl"" Name"
   SET "Mixed Case" = 'm2', "Row ""Ver"" sion" = 21;

CREATE TABLE other.accounts (id int PRIMARY KEY, balance numeric, version rowversion);
SELECT FROM concurrency.enable('other.accounts', ignore_columns => '{balance}');
INSERT INTO other.accounts VALUES (1, 10, 2), (2, 20, 3);
UPDATE other.accounts SET balance = 0;
});

my $source = snapshot('src', @leaf_tables);

# The source is what it should be; everything restored is compared to it.
is( $source->{tables}, q{Odd "Schema"|Odd "Tbl" Name|Row "Ver" sion|{"Mixed Case"}||t|t
other|accounts|version||{balance}|f|t
public|checked|version|{a}||f|t
public|ignored|version||{seen}|f|t
public|inh_child|version||{a}|f|t
public|inh_parent|version||{a}|f|t
public|off_t|version|||f|f
public|parted|version|{a}||t|t
public|parted_asia|version|{a}||t|t
public|parted_asia_1|version|{a}||t|t
public|parted_asia_2|version|{a}||t|t
public|parted_eu|version|{a}||t|t
public|parted_rest|version|{a}||t|t
public|parted_us|version||{b}|f|t
public|plain|version|||f|t
public|strict_t|version|||t|t},
	'source: concurrency.tables');
# Every version column with options carries them in its default; plain
# has none.  The partitions and inh_child (INHERITS), created before
# enable() on their parents, carry none of their own and take their
# parent's (concurrency.tables above); parted_us has its own.
is( $source->{options}, q{"Odd ""Schema"""."Odd ""Tbl"" Name"|concurrency.options(check_columns => '{"Mixed Case"}'::name[], strict => true)
checked|concurrency.options(check_columns => '{a}'::name[])
ignored|concurrency.options(ignore_columns => '{seen}'::name[])
inh_parent|concurrency.options(ignore_columns => '{a}'::name[])
off_t|concurrency.options(active => false)
other.accounts|concurrency.options(ignore_columns => '{balance}'::name[])
parted|concurrency.options(check_columns => '{a}'::name[], strict => true)
parted_us|concurrency.options(ignore_columns => '{b}'::name[])
strict_t|concurrency.options(strict => true)},
	"source: the version columns' defaults");
is( join("\n",
		map {
			my $rows = $source->{"rows of $_"};
			"$_: " . ($rows eq '' ? '(none)' : $rows =~ s/\n/ /gr)
		} @leaf_tables),
	q{"Odd ""Schema"""."Odd ""Tbl"" Name": (1,m2,22,o)
other.accounts: (1,0,2) (2,0,3)
public.checked: (1,x2,y,2) (2,x,y2,1)
public.ignored: (1,x,1,5) (2,x2,1,8)
public.inh_child: (2,c,8,e)
public.inh_parent: (1,p,6)
public.off_t: (1,x2,2)
public.parted_asia_1: (none)
public.parted_asia_2: (3,au,moved,y,12) (4,au,x,y,12)
public.parted_eu: (1,eu,x2,y,5)
public.parted_rest: (5,mars,x,y,13)
public.parted_us: (2,us,x2,y,2)
public.plain: (1,a++,3) (2,b+,2) (3,c+,2) (4,d,100)
public.strict_t: (1,x2,4)},
	'source: rows and versions');
triggers_ok('src', 'source');

# A session keeps a versioned temporary table, with options, while the
# dumps are taken: the options are in the temporary table's own default,
# and neither the table nor they may be dumped.
my $temp_session = $node->background_psql('src');
$temp_session->query_safe(
	q{SET client_min_messages = warning;
SET ROLE app;
CREATE TEMP TABLE temp_versioned (id int PRIMARY KEY, v rowversion);
SELECT FROM concurrency.enable('temp_versioned', version_column => 'v', strict => true);
INSERT INTO temp_versioned VALUES (1, 5);});
is( $node->safe_psql(
		'src', q{
SELECT a.attname, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid
  JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
 WHERE c.relname = 'temp_versioned' AND c.relpersistence = 't'}),
	'v|concurrency.options(strict => true)',
	'source: the temporary table carries its options in its own default while the dumps run');

# --- the dumps -------------------------------------------------------------

my $plain_dump = "$tempdir/plain.sql";
my $inserts_dump = "$tempdir/inserts.sql";
my $custom_dump = "$tempdir/custom.dump";
my $noowner_dump = "$tempdir/noowner.sql";

step_ok('pg_dump plain', 'pg_dump', '-d', connstr('src'), '-f', $plain_dump);
step_ok(
	'pg_dump --column-inserts --load-via-partition-root',
	'pg_dump', '-d', connstr('src'), '--column-inserts',
	'--load-via-partition-root', '-f', $inserts_dump);
step_ok('pg_dump custom', 'pg_dump', '-d', connstr('src'), '-Fc', '-f',
	$custom_dump);
step_ok('pg_dump --no-owner', 'pg_dump', '-d', connstr('src'), '--no-owner',
	'-f', $noowner_dump);

$temp_session->quit;

my $plain_text = slurp_file($plain_dump);
my $inserts_text = slurp_file($inserts_dump);
my $noowner_text = slurp_file($noowner_dump);
my ($toc_rc, $custom_toc) = run_tool('pg_restore', '-l', $custom_dump);
is($toc_rc, 0, 'custom dump: pg_restore -l lists it');
foreach my $dump ([ 'plain dump', $plain_text ],
	[ '--column-inserts dump', $inserts_text ],
	[ '--no-owner dump', $noowner_text ],
	[ 'custom dump (its list)', $custom_toc ])
{
	my ($label, $text) = @$dump;

	unlike($text, qr/temp_versioned|pg_temp/,
		"$label: no trace of the temporary table");
	unlike($text, qr/CREATE TRIGGER|!concurrency/,
		"$label: no version trigger (it is internal)");
	unlike($text, qr/table_options/, "$label: no options table");
}
unlike($plain_text, qr/^COPY concurrency\./m,
	'plain dump: no data of a table of the extension');
unlike($inserts_text, qr/^INSERT INTO concurrency\./m,
	'--column-inserts dump: no data of a table of the extension');
unlike($custom_toc, qr/ TABLE DATA concurrency /,
	'custom dump: no data of a table of the extension');

# The options arrive with the schema: inline in CREATE TABLE for every
# table with options of its own; plain has none.  inh_child's version
# column is inherited, and has no default of its own: pg_dump says so with
# SET DEFAULT NULL after CREATE TABLE ... INHERITS copied the parent's.
is( join("\n",
		$plain_text =~ /^CREATE TABLE (\S+(?: \S+)*) \((?:\n(?!\)).*)*?\n    \S.* DEFAULT concurrency\.options\(/mg),
	q{"Odd ""Schema"""."Odd ""Tbl"" Name"
other.accounts
public.checked
public.ignored
public.inh_parent
public.off_t
public.parted
public.parted_us
public.strict_t},
	'plain dump: CREATE TABLE carries the options of the tables with options');
is(scalar(() = $plain_text =~ /DEFAULT concurrency\.options\(/g),
	9, 'plain dump: nine version columns with options, no more');
like(
	$plain_text,
	qr/^ALTER TABLE ONLY public\.inh_child ALTER COLUMN version SET DEFAULT NULL;$/m,
	'plain dump: the inheritance child has no default of its own');
like(
	$plain_text,
	qr/^CREATE TABLE public\.parted_us \((?:\n(?!\)).*)*?\n    version public\.rowversion DEFAULT concurrency\.options\(ignore_columns => '\{b\}'::name\[\]\)\n\);$/m,
	'plain dump: the partition with options of its own keeps them');
unlike($noowner_text, qr/OWNER TO/,
	'--no-owner dump: no OWNER TO');

# --- restores of the whole database ----------------------------------------

# Everything a restored database must show.
sub restored_ok
{
	my ($db, $label, $owner) = @_;

	snapshot_is($db, $source, $label);
	triggers_ok($db, $label);
	is($node->safe_psql($db, 'SELECT * FROM concurrency.verify()'),
		'', "$label: concurrency.verify() finds nothing amiss");
	is(table_owners($db), $owner, "$label: tables owned by $owner");
	enforcement_ok($db, $label);
}

createdb('r_plain');
step_ok('plain restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
	'-d', connstr('r_plain'), '-f', $plain_dump);
restored_ok('r_plain', 'plain restore', 'app');

createdb('r_inserts');
step_ok('--column-inserts restore', 'psql', '-X', '-q', '-v',
	'ON_ERROR_STOP=1', '-d', connstr('r_inserts'), '-f', $inserts_dump);
restored_ok('r_inserts', '--column-inserts restore', 'app');

createdb('r_custom');
step_ok('pg_restore', 'pg_restore', '--exit-on-error',
	'-d', connstr('r_custom'), $custom_dump);
restored_ok('r_custom', 'pg_restore', 'app');

createdb('r_parallel');
step_ok('pg_restore -j 2', 'pg_restore', '--exit-on-error', '-j', '2',
	'-d', connstr('r_parallel'), $custom_dump);
restored_ok('r_parallel', 'pg_restore -j 2', 'app');

createdb('r_noowner');
step_ok('--no-owner restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
	'-d', connstr('r_noowner'), '-f', $noowner_dump);
restored_ok('r_noowner', '--no-owner restore', $superuser);

# --- restore section by section --------------------------------------------

createdb('r_sections');
step_ok('pg_restore --section=pre-data', 'pg_restore', '--exit-on-error',
	'--section=pre-data', '-d', connstr('r_sections'), $custom_dump);
triggers_ok('r_sections', 'after pre-data');

# the options are in the schema: in effect before any row arrives
my $after_pre_data = snapshot('r_sections');
is($after_pre_data->{tables}, $source->{tables},
	'after pre-data: concurrency.tables as in the source');
is($after_pre_data->{options}, $source->{options},
	"after pre-data: the version columns' defaults as in the source");
step_ok('pg_restore --section=data', 'pg_restore', '--exit-on-error',
	'--section=data', '-d', connstr('r_sections'), $custom_dump);
snapshot_is('r_sections', $source, 'after data');
step_ok('pg_restore --section=post-data', 'pg_restore', '--exit-on-error',
	'--section=post-data', '-d', connstr('r_sections'), $custom_dump);
restored_ok('r_sections', 'sections restore', 'app');

# --- schema first, then data only ------------------------------------------
#
# The options arrive with the schema, so a session that uses the tables
# after --schema-only, before a single row is restored, already works under
# them: strict refuses an UPDATE that states no version, check_columns
# leaves the version alone when no checked column changes.  The data-only
# restore then brings every row and version as they were, into the tables
# that session has used, and the options stay.

createdb('r_data_only');
step_ok('pg_restore --schema-only', 'pg_restore', '--exit-on-error',
	'--schema-only', '-d', connstr('r_data_only'), $custom_dump);
triggers_ok('r_data_only', 'after --schema-only');
my $after_schema = snapshot('r_data_only');
is($after_schema->{tables}, $source->{tables},
	'after --schema-only: concurrency.tables as in the source');
is($after_schema->{options}, $source->{options},
	"after --schema-only: the version columns' defaults as in the source");

my $early_session =
  $node->background_psql('r_data_only', on_error_stop => 0);
is( scalar $early_session->query(
		qq{INSERT INTO $odd_table VALUES (99, 'early', 1, 'early');
UPDATE $odd_table SET "Other" = 'unstated' WHERE "Key Col" = 99;
\\echo :SQLSTATE
UPDATE $odd_table SET "Other" = 'stated', "Row ""Ver"" sion" = 1 WHERE "Key Col" = 99 RETURNING "Row ""Ver"" sion";
UPDATE $odd_table SET "Mixed Case" = 'checked', "Row ""Ver"" sion" = 1 WHERE "Key Col" = 99 RETURNING "Row ""Ver"" sion";}),
	"23V01\n1\n2",
	'after --schema-only: a session that uses the tables has the restored strict and check_columns options'
);
is( scalar $early_session->query(
		qq{INSERT INTO public.strict_t VALUES (99, 'early', 1);
UPDATE public.strict_t SET a = 'unstated' WHERE id = 99;
\\echo :SQLSTATE
UPDATE public.strict_t SET a = 'stated', version = 1 WHERE id = 99 RETURNING version;}),
	"23V01\n2",
	'after --schema-only: the same for a table with strict alone');
is( scalar $early_session->query(
		qq{DELETE FROM $odd_table RETURNING "Key Col", "Row ""Ver"" sion";
DELETE FROM public.strict_t RETURNING id, version;}),
	"99|2\n99|2",
	'after --schema-only: the early rows go, at the versions they reached');

step_ok(
	'pg_restore --data-only --disable-triggers',
	'pg_restore', '--exit-on-error', '--data-only', '--disable-triggers',
	'-d', connstr('r_data_only'), $custom_dump);

is( scalar $early_session->query(
		qq{UPDATE $odd_table SET "Other" = 'unstated';
\\echo :SQLSTATE}),
	'23V01',
	'data-only restore: the early session still has the strict option, on the restored rows');
is( scalar $early_session->query(
		qq{UPDATE public.strict_t SET a = 'unstated';
\\echo :SQLSTATE}),
	'23V01',
	'data-only restore: the same for the table with strict alone');
$early_session->quit;

restored_ok('r_data_only', 'data-only restore with --disable-triggers', 'app');

createdb('r_data_only_triggers');
step_ok('pg_restore --schema-only (2)', 'pg_restore', '--exit-on-error',
	'--schema-only', '-d', connstr('r_data_only_triggers'), $custom_dump);
step_ok('pg_restore --data-only', 'pg_restore', '--exit-on-error',
	'--data-only', '-d', connstr('r_data_only_triggers'), $custom_dump);
restored_ok('r_data_only_triggers', 'data-only restore with triggers', 'app');

# --- a database owner without superuser (trusted extension) ----------------
#
# The database owner installs the extension itself, dumps the database and
# restores it into another database it owns, as on a managed service.

createdb('owned_src', 'app');
createdb('owned_dst', 'app');
my ($out, $err) = run_sql(
	'owned_src', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE TABLE acct (id int PRIMARY KEY, note text, version rowversion);
SELECT FROM concurrency.enable('acct', check_columns => '{note}', strict => true);
INSERT INTO acct VALUES (1, 'a', 7), (2, 'b', DEFAULT);
UPDATE acct SET note = 'b2', version = 1 WHERE id = 2;
CREATE TABLE ledger (id int, day date, amount int, version rowversion,
					 PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ledger_2025 PARTITION OF ledger FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
SELECT FROM concurrency.enable('ledger', ignore_columns => '{amount}');
INSERT INTO ledger VALUES (1, '2024-05-01', 10, 3), (2, '2025-05-01', 20, 4);
UPDATE ledger SET amount = 0, day = day + 1, version = version;
}, 'app');
is($err, '', 'owner-installed: setup as the database owner');
my $owned_source = snapshot('owned_src', 'public.acct', 'public.ledger_2024',
	'public.ledger_2025');
is( $owned_source->{options},
	q{acct|concurrency.options(check_columns => '{note}'::name[], strict => true)
ledger|concurrency.options(ignore_columns => '{amount}'::name[])},
	'owner-installed: source options');
is( $node->safe_psql('owned_src', 'SELECT * FROM concurrency.tables ORDER BY 1, 2'),
	q{public|acct|version|{note}||t|t
public|ledger|version||{amount}|f|t
public|ledger_2024|version||{amount}|f|t
public|ledger_2025|version||{amount}|f|t},
	'owner-installed: source tables');
is( $owned_source->{'rows of public.acct'} . "\n"
	  . $owned_source->{'rows of public.ledger_2024'} . "\n"
	  . $owned_source->{'rows of public.ledger_2025'},
	"(1,a,7)\n(2,b2,2)\n(1,2024-05-02,0,4)\n(2,2025-05-02,0,5)",
	'owner-installed: source rows');

my $owned_dump = "$tempdir/owned.dump";
SKIP:
{
	skip 'the database owner cannot dump its database', 10
	  unless step_ok(
		'owner-installed: pg_dump as the database owner',
		'pg_dump', '-d', connstr('owned_src', 'app'),
		'--no-owner', '-Fc', '-f', $owned_dump);

	step_ok(
		'owner-installed: pg_restore --no-owner as the database owner',
		'pg_restore', '--exit-on-error', '--no-owner',
		'-d', connstr('owned_dst', 'app'), $owned_dump);
	snapshot_is('owned_dst', $owned_source, 'owner-installed restore');
	($out, $err) = run_sql(
		'owned_dst', q{
UPDATE acct SET note = 'stale', version = 6 WHERE id = 1;
\echo :SQLSTATE
UPDATE acct SET note = 'unstated' WHERE id = 1;
\echo :SQLSTATE
UPDATE acct SET note = 'fresh', version = 7 WHERE id = 1 RETURNING version;
UPDATE ledger SET amount = 1 WHERE id = 2 RETURNING version;
UPDATE ledger SET amount = 2, version = 4 WHERE id = 2;
\echo :SQLSTATE
}, 'app');
	is($out, "40V01\n23V01\n8\n5\n40V01",
		'owner-installed restore: versioning enforced');
}

# --- rows stored while versioning was off ----------------------------------
#
# Versions are not negative (SPEC.md section 1), a restore's COPY refuses
# negative ones and turns NULL into 1 (section 5), yet the dump must
# restore without error and with every version as it was.  So whatever
# the extension lets a table store must survive that COPY: here a disabled
# table written to with NULL, zero and negative versions (the option that
# says it is disabled comes with its CREATE TABLE, before its rows), a
# bigint column converted to rowversion, rowversion columns
# added with DEFAULT NULL and DEFAULT 0, and CREATE TABLE AS.  Each
# statement may be refused; what is stored must restore.  pg_restore runs
# without --exit-on-error, so that every table is tried.

createdb('legacy');
my (undef, $legacy_err) = run_sql(
	'legacy', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE SCHEMA app;
CREATE TABLE app.legacy (id int PRIMARY KEY, note text, version rowversion);
INSERT INTO app.legacy VALUES (1, 'before disable', 4);
SELECT FROM concurrency.disable('app.legacy');
INSERT INTO app.legacy VALUES (2, 'null', NULL);
INSERT INTO app.legacy VALUES (3, 'zero', 0);
INSERT INTO app.legacy VALUES (4, 'negative', -3);
UPDATE app.legacy SET version = 0 WHERE id = 1;
CREATE TABLE app.converted (id int PRIMARY KEY, version bigint);
INSERT INTO app.converted VALUES (1, NULL), (2, 0), (3, 5);
ALTER TABLE app.converted ALTER COLUMN version TYPE rowversion;
CREATE TABLE app.added_null (id int PRIMARY KEY);
INSERT INTO app.added_null VALUES (1);
ALTER TABLE app.added_null ADD COLUMN version rowversion DEFAULT NULL;
CREATE TABLE app.added_zero (id int PRIMARY KEY);
INSERT INTO app.added_zero VALUES (1);
ALTER TABLE app.added_zero ADD COLUMN version rowversion DEFAULT 0;
CREATE TABLE app.selected AS
	SELECT 1 AS id, NULL::rowversion AS version
	UNION ALL SELECT 2, 0::rowversion;
});
# Every way to a null or negative version is refused at the source: a
# disabled table still keeps its versions valid, and a table that becomes
# versioned must bring valid versions along.  Zero is a version, and rows
# at 0 restore as they are.
my @legacy_refusals = (
	qr/ERROR:  row version in column "version" of relation "app\.legacy" cannot be negative\nDETAIL:  The row has version -3\./,
	qr/ERROR:  column "version" of table "app\.converted" has rows without a valid version/,
	qr/ERROR:  column "version" of table "app\.added_null" has rows without a valid version/,
	qr/ERROR:  column "version" of table "app\.selected" has rows without a valid version/,);
foreach my $refusal (@legacy_refusals)
{
	like($legacy_err, $refusal, "legacy: refused at the source: $refusal");
}
is(scalar(() = $legacy_err =~ /^ERROR:/mg), 4, 'legacy: four statements refused, no other error');
is( $node->safe_psql('legacy', 'SELECT id, version FROM app.legacy ORDER BY id'),
	"1|0\n2|1\n3|0", 'legacy: the disabled table holds only valid versions, zeros included');
is( $node->safe_psql('legacy', 'SELECT id, version FROM app.added_zero ORDER BY id'),
	"1|0", 'legacy: ADD COLUMN ... DEFAULT 0 versions the table at 0');
my @legacy_tables = ('app.added_null', 'app.added_zero', 'app.converted',
	'app.legacy');
is( $node->safe_psql('legacy', q{SELECT to_regclass('app.selected') IS NULL}),
	't', 'legacy: CREATE TABLE AS with a null version left nothing');
my $legacy_source = snapshot('legacy', @legacy_tables);
my $legacy_dump = "$tempdir/legacy.dump";
step_ok('legacy: pg_dump', 'pg_dump', '-d', connstr('legacy'), '-Fc', '-f',
	$legacy_dump);
createdb('r_legacy');
step_ok('legacy: pg_restore', 'pg_restore', '-d', connstr('r_legacy'),
	$legacy_dump);
snapshot_is('r_legacy', $legacy_source, 'legacy restore');

# --- a temporary table's options after it is gone --------------------------
#
# A temporary table vanishes at the end of its session without a DROP, so
# no event trigger sees it go.  Its OID may then be given to another
# relation: here, with the OID counter set back, to an index on a table
# with options.  Version 1.0 kept the options in a table keyed by OID,
# where the vanished table's row stayed behind and then named the index;
# now they are the temporary table's column default and go with it.  The
# dump must restore without error, with the other table's options, rows
# and nothing else.

createdb('reuse');
$node->safe_psql(
	'reuse', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE TABLE keep (id int PRIMARY KEY, v text, version rowversion);
SELECT FROM concurrency.enable('keep', check_columns => '{v}');
INSERT INTO keep VALUES (1, 'x', 3);});
my $short_session = $node->background_psql('reuse');
my $temp_oid = $short_session->query_safe(
	q{SET client_min_messages = warning;
CREATE TEMP TABLE gone (id int, version rowversion);
SELECT FROM concurrency.enable('gone', strict => true);
SELECT 'gone'::regclass::oid;});
$short_session->quit;
$node->poll_query_until('reuse',
	"SELECT NOT EXISTS (SELECT FROM pg_class WHERE oid = $temp_oid)")
  or die 'the temporary table outlived its session';

$node->stop;
command_ok([ 'pg_resetwal', '-o', $temp_oid, $node->data_dir ],
	'reuse: OID counter set back to the temporary table\'s OID');
$node->start;
$node->safe_psql('reuse', 'CREATE INDEX keep_v ON keep (v)');

SKIP:
{
	skip 'the index did not get the OID of the temporary table', 13
	  unless $node->safe_psql('reuse', "SELECT 'keep_v'::regclass::oid") eq
	  $temp_oid;

	my $reuse_source = snapshot('reuse', 'public.keep');
	is($reuse_source->{tables}, 'public|keep|version|{v}||f|t',
		'reuse: source tables');
	is( $reuse_source->{options},
		q{keep|concurrency.options(check_columns => '{v}'::name[])},
		"reuse: source version columns' defaults, none left of the temporary table"
	);
	custom_dump_restored_ok('reuse', 'r_reuse', $reuse_source, 'reuse');
}

# --- the extension's schema renamed ----------------------------------------
# The version column's type is in the extension's schema, its default calls
# concurrency.options() whose start is of that type: renaming the schema
# the extension was installed into leaves pg_dump working, and the restore
# has every option and version.

createdb('renamed');
$node->safe_psql(
	'renamed', q{
SET client_min_messages = warning;
CREATE SCHEMA ext;
CREATE EXTENSION concurrency SCHEMA ext;
CREATE TABLE acct (id int PRIMARY KEY, a text, version ext.rowversion);
INSERT INTO acct VALUES (1, 'x', 4);
SELECT FROM concurrency.enable('acct', check_columns => '{a}', strict => true);
ALTER SCHEMA ext RENAME TO ext2;});
my $renamed_source = snapshot('renamed', 'public.acct');
is($renamed_source->{tables}, 'public|acct|version|{a}||t|t',
	'renamed schema: source tables');
is( $renamed_source->{options},
	q{acct|concurrency.options(check_columns => '{a}'::name[], strict => true)},
	"renamed schema: source version columns' defaults");
custom_dump_restored_ok('renamed', 'r_renamed', $renamed_source,
	'renamed schema');
is( $node->safe_psql(
		'r_renamed', q{
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'concurrency'}),
	'ext2',
	'renamed schema restore: the extension is in the renamed schema');
my ($renamed_rc, $renamed_out, $renamed_err) = run_tool(
	'psql', '-X', '-d', connstr('r_renamed'), '-c',
	q{UPDATE acct SET a = 'stale', version = 3 WHERE id = 1});
like($renamed_err, qr/ERROR:  row in "public\.acct" was modified by another transaction/,
	'renamed schema restore: enforced');

$node->stop;
done_testing();
