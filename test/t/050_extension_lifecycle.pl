# The extension's own lifecycle: DROP EXTENSION, CREATE EXTENSION again,
# and ALTER EXTENSION UPDATE from every released version.
#
#   1. DROP EXTENSION concurrency on a database with versioned tables
#      (plain, strict, check_columns, partitioned, in another schema, a
#      view on a version column, an index on one):
#      - without CASCADE it fails with PostgreSQL's dependency error, which
#        lists every version column, view and version trigger, and nothing
#        changes: rows, versions, options (the concurrency.options() calls
#        that are the version columns' defaults, and what
#        concurrency.options_of() reads), triggers, enforcement;
#      - inside a transaction that is rolled back, CASCADE changes nothing
#        either;
#      - with CASCADE, the NOTICE lists what goes (the version columns, the
#        view on one, the triggers); the tables stay, every other column
#        intact, and take writes with no trace of versioning;
#      - CREATE EXTENSION again and ALTER TABLE ... ADD COLUMN version
#        rowversion version the tables again: one internal trigger per
#        table that stores rows, existing rows at version 1, enforcement on.
#      A session that wrote to the tables before the DROP stays connected
#      throughout and is held to the same rules at every step.
#   2. Every released version: each version an install or upgrade script in
#      the installed extension directory names (concurrency--X.sql,
#      concurrency--X--Y.sql) is installed with CREATE EXTENSION ...
#      VERSION, by a superuser and by a database owner (the extension is
#      trusted), a versioned table with options is made (under 1.0, whose
#      enable() today's library refuses, as a row of
#      concurrency.table_options), and ALTER EXTENSION concurrency UPDATE
#      brings it to default_version: the extension's objects are then
#      exactly those of a fresh install (which has no configuration table),
#      and the table keeps its rows, versions and options, now in its
#      version column's default, and is enforced.  A new release (say
#      concurrency--1.2.sql and concurrency--1.1--1.2.sql) is picked up with
#      no change here.
#   3. From 1.0, where the options were rows of concurrency.table_options,
#      to 1.1, where they are the default of the version column, exactly: a
#      1.0 database with a table for each kind of option (check_columns,
#      ignore_columns, strict, both, disabled, disabled and strict, a
#      partitioned table with options, a partition without a row of its
#      own, one with its own options, one with a row at the defaults, version
#      columns with defaults of their own, no row at all, names that need
#      quoting):
#      - with today's library on 1.0's objects, the options are read from
#        table_options and enforced, in a session that stays for the update
#        too; enable() and disable() fail with 55000 until the update;
#      - after ALTER EXTENSION UPDATE, concurrency.tables and the rows read
#        as before, table_options and its functions are gone, each version
#        column's default is the exact concurrency.options() call (an own
#        default kept as start), concurrency.verify() finds nothing, and
#        stale writes (40V01), unstated ones on strict tables (23V01) and
#        disabled tables behave as before, the old session's too;
#      - pg_dump | psql of the updated database restores the same options.

use strict;
use warnings;

use File::Basename;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', 'log_statement = none');
$node->start;

# --- helpers ---------------------------------------------------------------

# Run SQL without stopping at errors; returns (stdout, stderr) with psql's
# "psql:<stdin>:N: " prefixes taken off stderr.
sub run_sql
{
	my ($db, $sql, @connopts) = @_;
	my ($rc, $out, $err) = $node->psql($db, $sql, on_error_stop => 0, @connopts);

	$err =~ s/^psql:<stdin>:\d+: //mg;
	return ($out, $err);
}

# The version triggers of a database: table, whether the trigger is
# internal, enabled, calls the extension's trigger function and is named
# after its OID.
my $triggers_sql = q{
SELECT tgrelid::regclass,
	   tgisinternal AND tgenabled = 'O' AND tgtype = 23
	   AND tgname = '!concurrency_version_' || oid
	   AND tgfoid = (SELECT p.oid FROM pg_proc p
					  JOIN pg_namespace n ON n.oid = p.pronamespace
					 WHERE n.nspname = 'concurrency'
					   AND p.proname = 'version_trigger')
  FROM pg_trigger WHERE tgname LIKE '!concurrency_version_%'
 ORDER BY tgrelid::regclass::text};

# The defaults of the version columns, where the options are kept: table,
# column, default as PostgreSQL prints it.
my $defaults_sql = q{
SELECT a.attrelid::regclass, a.attname, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attribute a
  JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.atttypid = 'rowversion'::regtype AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid::regclass::text COLLATE "C"};

# The options in effect for every versioned table, as the row trigger reads
# them.
my $options_of_sql = q{
SELECT format('%I.%I', t.schema_name, t.table_name), o.*
  FROM concurrency.tables t
 CROSS JOIN LATERAL concurrency.options_of(format('%I.%I', t.schema_name, t.table_name)::regclass) o
 ORDER BY t.schema_name COLLATE "C", t.table_name COLLATE "C"};

# --- 1. DROP EXTENSION, CREATE EXTENSION again ------------------------------

my $db = 'lifecycle';
$node->safe_psql('postgres', "CREATE DATABASE $db");
$node->safe_psql(
	$db, q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE SCHEMA other;

CREATE TABLE t1 (id int PRIMARY KEY, a text, b int, version rowversion);
INSERT INTO t1 VALUES (1, 'x', 10, 3), (2, 'y', 20, DEFAULT);
CREATE VIEW t1_v AS SELECT id, a, version FROM t1;
CREATE VIEW t1_plain AS SELECT id, a FROM t1;
CREATE INDEX t1_version ON t1 (version);

CREATE TABLE t2 (id int PRIMARY KEY, a text, version rowversion);
SELECT FROM concurrency.enable('t2', strict => true);
INSERT INTO t2 VALUES (1, 'x', 5);

CREATE TABLE parted (id int, region text, val text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
INSERT INTO parted VALUES (1, 'eu', 'p', 4), (2, 'us', 'q', DEFAULT);

CREATE TABLE other.accounts (id int PRIMARY KEY, owner text, balance numeric,
							 version rowversion);
SELECT FROM concurrency.enable('other.accounts', check_columns => '{balance}');
INSERT INTO other.accounts VALUES (1, 'ann', 100, 7);
UPDATE other.accounts SET owner = 'Ann' WHERE id = 1;
});

# A session that writes before, during and after.
my $old = $node->background_psql($db, on_error_stop => 0);
is( $old->query(
		q{UPDATE t1 SET b = b + 1 WHERE id = 1 RETURNING version;
UPDATE parted SET val = 'p2', version = 4 WHERE id = 1 RETURNING version;}),
	"4\n5",
	'old session: writes before the drop move the versions');

# All that must come through a refused DROP unchanged.
my %state_sql = (
	rows => q{
SELECT 't1', t::text FROM t1 t
UNION ALL SELECT 't2', t::text FROM t2 t
UNION ALL SELECT 'parted', tableoid::regclass || ' ' || p::text FROM parted p
UNION ALL SELECT 'accounts', a::text FROM other.accounts a
UNION ALL SELECT 't1_v', v::text FROM t1_v v
ORDER BY 1, 2},
	'concurrency.tables' => 'SELECT * FROM concurrency.tables ORDER BY 1, 2',
	'version column defaults' => $defaults_sql,
	'concurrency.options_of' => $options_of_sql,
	'version triggers' => $triggers_sql,
	'extension' => q{SELECT extname, extversion FROM pg_extension
					  WHERE extname = 'concurrency'});

sub state_of
{
	return { map { ($_ => $node->safe_psql($db, $state_sql{$_})) }
		  keys %state_sql };
}

sub state_unchanged
{
	my ($before, $label) = @_;
	my $now = state_of();

	is($now->{$_}, $before->{$_}, "$label: $_ unchanged")
	  foreach sort keys %state_sql;
}

# What survives a DROP EXTENSION ... CASCADE: every column but the
# version, every row.
my $data_sql = q{
SELECT 't1', (to_jsonb(t) - 'version')::text FROM t1 t
UNION ALL SELECT 't2', (to_jsonb(t) - 'version')::text FROM t2 t
UNION ALL SELECT 'parted', tableoid::regclass || ' ' || (to_jsonb(p) - 'version')::text FROM parted p
UNION ALL SELECT 'accounts', (to_jsonb(a) - 'version')::text FROM other.accounts a
UNION ALL SELECT 't1_plain', (to_jsonb(v))::text FROM t1_plain v
ORDER BY 1, 2};

my $before = state_of();
is( $before->{rows},
	q{accounts|(1,Ann,100,7)
parted|parted_eu (1,eu,p2,5)
parted|parted_us (2,us,q,1)
t1|(1,x,11,4)
t1|(2,y,20,1)
t1_v|(1,x,4)
t1_v|(2,y,1)
t2|(1,x,5)},
	'before the drop: rows and versions');
is( $before->{'concurrency.tables'},
	q{other|accounts|version|{balance}||f|t
public|parted|version|||f|t
public|parted_eu|version|||f|t
public|parted_us|version|||f|t
public|t1|version|||f|t
public|t2|version|||t|t},
	'before the drop: concurrency.tables');
is( $before->{'version column defaults'},
	q{other.accounts|version|concurrency.options(check_columns => '{balance}'::name[])
t2|version|concurrency.options(strict => true)},
	'before the drop: the options are the defaults of the version columns');
is( $before->{'version triggers'},
	q{other.accounts|t
parted_eu|t
parted_us|t
t1|t
t2|t},
	'before the drop: one version trigger per table that stores rows');
my $data_before = $node->safe_psql($db, $data_sql);

my %trigger_of = map { split /\|/ } split /\n/, $node->safe_psql(
	$db, q{
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgname LIKE '!concurrency_version_%'});

# Without CASCADE: refused, and the error says why.
my ($out, $err) = run_sql($db, 'DROP EXTENSION concurrency');
is( $err,
	qq{ERROR:  cannot drop extension concurrency because other objects depend on it
DETAIL:  column version of table t1 depends on type rowversion
view t1_v depends on column version of table t1
column version of table t2 depends on type rowversion
column version of table parted depends on type rowversion
column version of table parted_eu depends on type rowversion
column version of table parted_us depends on type rowversion
column version of table other.accounts depends on type rowversion
trigger $trigger_of{t1} on table t1 depends on function concurrency.version_trigger()
trigger $trigger_of{t2} on table t2 depends on function concurrency.version_trigger()
trigger $trigger_of{parted_eu} on table parted_eu depends on function concurrency.version_trigger()
trigger $trigger_of{parted_us} on table parted_us depends on function concurrency.version_trigger()
trigger $trigger_of{'other.accounts'} on table other.accounts depends on function concurrency.version_trigger()
HINT:  Use DROP ... CASCADE to drop the dependent objects too.},
	'DROP EXTENSION without CASCADE: refused, naming every dependent object');
state_unchanged($before, 'after the refused DROP');

# CASCADE in a transaction rolled back: nothing changes either.
($out, $err) = run_sql(
	$db, q{
BEGIN;
DROP EXTENSION concurrency CASCADE;
SELECT count(*) FROM pg_extension WHERE extname = 'concurrency';
ROLLBACK;});
is($out, '0', 'DROP EXTENSION CASCADE rolled back: gone inside the transaction');
state_unchanged($before, 'after the rolled-back DROP');

# Still enforced, in a new session and in the old one.
($out, $err) = run_sql(
	$db, q{
UPDATE t1 SET a = 'stale', version = 3 WHERE id = 1;
UPDATE t2 SET a = 'unstated' WHERE id = 1;
UPDATE t1 SET a = 'fresh', version = 4 WHERE id = 1 RETURNING version;});
is($out, '5', 'after the refused DROP: a fresh write moves the version');
is( $err,
	q{ERROR:  row in "public.t1" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.t2" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.},
	'after the refused DROP: stale and unstated writes are refused');
is( $old->query(
		q{UPDATE t1 SET a = 'old stale', version = 4 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE t1 SET a = 'x', version = 5 WHERE id = 1 RETURNING version;}),
	"40V01\n6",
	'old session, after the refused DROP: still enforced');

# Now with CASCADE.
$before = state_of();
$data_before = $node->safe_psql($db, $data_sql);
($out, $err) = run_sql($db, 'DROP EXTENSION concurrency CASCADE');
is( $err,
	qq{NOTICE:  drop cascades to 12 other objects
DETAIL:  drop cascades to column version of table t1
drop cascades to view t1_v
drop cascades to column version of table t2
drop cascades to column version of table parted
drop cascades to column version of table parted_eu
drop cascades to column version of table parted_us
drop cascades to column version of table other.accounts
drop cascades to trigger $trigger_of{t1} on table t1
drop cascades to trigger $trigger_of{t2} on table t2
drop cascades to trigger $trigger_of{parted_eu} on table parted_eu
drop cascades to trigger $trigger_of{parted_us} on table parted_us
drop cascades to trigger $trigger_of{'other.accounts'} on table other.accounts},
	'DROP EXTENSION CASCADE: the NOTICE lists what went with it');

is( $node->safe_psql(
		$db, q{
SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'concurrency'),
	   (SELECT count(*) FROM pg_namespace WHERE nspname = 'concurrency'),
	   (SELECT count(*) FROM pg_type WHERE typname = 'rowversion'),
	   (SELECT count(*) FROM pg_event_trigger),
	   (SELECT count(*) FROM pg_trigger WHERE tgname LIKE '!concurrency%'),
	   (SELECT count(*) FROM pg_attribute
		 WHERE attname = 'version' AND NOT attisdropped AND attnum > 0
		   AND attrelid IN ('t1'::regclass, 't2'::regclass, 'parted'::regclass,
							'parted_eu'::regclass, 'parted_us'::regclass,
							'other.accounts'::regclass)),
	   (SELECT count(*) FROM pg_class WHERE relname IN ('t1_v', 't1_version')),
	   (SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
		 WHERE relname IN ('t1', 't2', 'parted', 'parted_eu', 'parted_us',
						   'accounts', 't1_plain'))}),
	'0|0|0|0|0|0|0|accounts parted parted_eu parted_us t1 t1_plain t2',
	'after DROP CASCADE: extension, schema, type, event triggers, triggers, version columns, the view and index on them gone; tables stay'
);
is($node->safe_psql($db, $data_sql),
	$data_before,
	'after DROP CASCADE: every other column of every row intact');
is( $data_before,
	q{accounts|{"id": 1, "owner": "Ann", "balance": 100}
parted|parted_eu {"id": 1, "val": "p2", "region": "eu"}
parted|parted_us {"id": 2, "val": "q", "region": "us"}
t1|{"a": "x", "b": 11, "id": 1}
t1|{"a": "y", "b": 20, "id": 2}
t1_plain|{"a": "x", "id": 1}
t1_plain|{"a": "y", "id": 2}
t2|{"a": "x", "id": 1}},
	'the data before the drop (every column but the version)');

# Plain tables now: writes of any kind go through.
($out, $err) = run_sql(
	$db, q{
UPDATE t1 SET a = 'after drop' WHERE id = 1;
UPDATE t2 SET a = 'after drop';
UPDATE parted SET region = 'us', val = 'moved' WHERE id = 1 RETURNING tableoid::regclass;
INSERT INTO t1 VALUES (3, 'z', 30);});
is($out, 'parted_us', 'after DROP CASCADE: writes go through');
is($err, '', 'after DROP CASCADE: no error');
is( $old->query(
		q{UPDATE t1 SET b = b + 1 WHERE id = 1;
\echo :SQLSTATE
SELECT t::text FROM t1 t WHERE id = 1;}),
	"00000\n(1,\"after drop\",12)",
	'old session, after DROP CASCADE: writes go through, no trace of versioning'
);

# --- CREATE EXTENSION again, and the columns back ----------------------------

($out, $err) = run_sql(
	$db, q{
CREATE EXTENSION concurrency;
SELECT count(*) FROM concurrency.tables;
ALTER TABLE t1 ADD COLUMN version rowversion;
ALTER TABLE t2 ADD COLUMN version rowversion;
ALTER TABLE parted ADD COLUMN version rowversion;
ALTER TABLE other.accounts ADD COLUMN version rowversion;
SELECT * FROM concurrency.tables ORDER BY 1, 2;});
is( $out,
	q{0
other|accounts|version|||f|t
public|parted|version|||f|t
public|parted_eu|version|||f|t
public|parted_us|version|||f|t
public|t1|version|||f|t
public|t2|version|||f|t},
	'CREATE EXTENSION again: no table versioned, then each one with a new column, default options'
);
is($err, '', 'CREATE EXTENSION again: no error, no notice');
is( $node->safe_psql($db, $triggers_sql),
	q{other.accounts|t
parted_eu|t
parted_us|t
t1|t
t2|t},
	'CREATE EXTENSION again: one internal version trigger per table that stores rows'
);

($out, $err) = run_sql(
	$db, q{
SELECT id, version FROM t1 ORDER BY id;
UPDATE t1 SET a = 'v2' WHERE id = 1 RETURNING version;
UPDATE t1 SET a = 'stale', version = 1 WHERE id = 1;
UPDATE t1 SET a = 'echo', version = 2 WHERE id = 1 RETURNING version;
UPDATE t2 SET a = 'unstated' WHERE id = 1 RETURNING version;
SELECT FROM concurrency.enable('t2', strict => true);
UPDATE t2 SET a = 'unstated again' WHERE id = 1;
UPDATE t2 SET a = 'stated', version = 2 WHERE id = 1 RETURNING version;
UPDATE parted SET val = 'v2' WHERE id = 1 RETURNING tableoid::regclass, version;
UPDATE parted SET region = 'eu', val = 'stale', version = 1 WHERE id = 1;
UPDATE other.accounts SET balance = 0, version = 1 WHERE id = 1 RETURNING version;
INSERT INTO t1 (id, a, b) VALUES (4, 'new', 40) RETURNING version;});
is( $out,
	q{1|1
2|1
3|1
2
3
2
3
parted_us|2
2
1},
	'versioned again: existing rows at 1, writes move the version once');
is( $err,
	q{ERROR:  row in "public.t1" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.t2" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.parted_us" was modified by another transaction
DETAIL:  Key (id, region)=(1, us): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.},
	'versioned again: stale and unstated writes are refused');

# The session that lived through it all: its writes are checked against the
# new version column, and its other columns are written where they belong.
is( $old->query(
		q{UPDATE t1 SET a = 'old stale', version = 2 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
UPDATE t1 SET b = b + 1 WHERE id = 1 RETURNING version;
UPDATE t2 SET a = 'old unstated' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
SELECT t::text FROM t1 t ORDER BY id;}),
	q{40V01 row in "public.t1" was modified by another transaction
4
23V01 update of "public.t2" does not state a row version
(1,echo,13,4)
(2,y,20,1)
(3,z,30,1)
(4,new,40,1)},
	'old session, versioned again: enforced, every column in its place');
$old->quit;

# --- 2. ALTER EXTENSION UPDATE from every released version -------------------

my $extdir = pg_config_of($node, '--sharedir') . '/extension';
my (%install, %upgrade);
foreach my $path (glob("$extdir/concurrency--*.sql"))
{
	my $name = basename($path, '.sql');

	$name =~ s/^concurrency--//;
	if ($name =~ /^(.+)--(.+)$/)
	{
		$upgrade{$name} = [ $1, $2 ];
	}
	else
	{
		$install{$name} = 1;
	}
}
my %released = %install;
$released{ $_->[0] } = $released{ $_->[1] } = 1 foreach values %upgrade;
my @released = sort keys %released;

my $control = slurp_file("$extdir/concurrency.control");
my ($default_version) = $control =~ /^\s*default_version\s*=\s*'([^']*)'/m;
note "extension directory: $extdir";
note 'install scripts: ' . join(', ', sort keys %install);
note 'upgrade scripts: ' . (join(', ', sort keys %upgrade) || '(none)');
note "default_version: $default_version";

ok(scalar(@released) > 0, 'at least one released version');
ok($released{$default_version},
	"the default version $default_version is one a script names");
is( $node->safe_psql(
		'postgres', q{SELECT default_version FROM pg_available_extensions
					   WHERE name = 'concurrency'}),
	$default_version,
	'the server reads the same default_version');
is( $node->safe_psql(
		'postgres', q{SELECT string_agg(version, ' ' ORDER BY version COLLATE "C")
					   FROM pg_available_extension_versions
					  WHERE name = 'concurrency'}),
	join(' ', @released),
	'every version a script names can be installed');

# Everything the extension consists of, described without OIDs: its member
# objects with their definitions, comments and privileges, the triggers
# and indexes of its tables, and its configuration tables.
my $contents_sql = q{
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'concurrency'),
members AS (
	SELECT classid, objid, objsubid FROM pg_depend
	 WHERE refclassid = 'pg_extension'::regclass
	   AND refobjid = (SELECT oid FROM ext) AND deptype = 'e')
SELECT pg_describe_object(m.classid, m.objid, m.objsubid)
	   || E'\n  comment: ' || coalesce(obj_description(m.objid, m.classid::regclass::name), '-')
	   || E'\n  ' ||
	   CASE m.classid
		WHEN 'pg_proc'::regclass THEN
			(SELECT pg_get_functiondef(p.oid) || ' acl: ' || coalesce(p.proacl::text, '-')
			   FROM pg_proc p WHERE p.oid = m.objid)
		WHEN 'pg_type'::regclass THEN
			(SELECT format('%s base %s default %s notnull %s acl %s',
						   t.typtype, format_type(t.typbasetype, t.typtypmod),
						   t.typdefault, t.typnotnull, coalesce(t.typacl::text, '-'))
			   FROM pg_type t WHERE t.oid = m.objid)
		WHEN 'pg_namespace'::regclass THEN
			(SELECT 'acl ' || coalesce(n.nspacl::text, '-')
			   FROM pg_namespace n WHERE n.oid = m.objid)
		WHEN 'pg_event_trigger'::regclass THEN
			(SELECT format('%s %s %s %s', e.evtevent, e.evttags,
						   e.evtfoid::regprocedure, e.evtenabled)
			   FROM pg_event_trigger e WHERE e.oid = m.objid)
		WHEN 'pg_class'::regclass THEN
			(SELECT format('%s acl %s options %s', c.relkind,
						   coalesce(c.relacl::text, '-'), c.reloptions)
					|| coalesce(E'\n  view: ' || CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END, '')
					|| coalesce((SELECT string_agg(E'\n  column ' || a.attname || ' '
												   || format_type(a.atttypid, a.atttypmod)
												   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
												   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
												   || coalesce(' comment ' || col_description(c.oid, a.attnum), ''),
												   '' ORDER BY a.attnum)
								   FROM pg_attribute a
								   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
								  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
					|| coalesce((SELECT string_agg(E'\n  constraint ' || co.conname || ' ' || pg_get_constraintdef(co.oid), '' ORDER BY co.conname)
								   FROM pg_constraint co WHERE co.conrelid = c.oid), '')
					|| coalesce((SELECT string_agg(E'\n  ' || pg_get_triggerdef(tg.oid), '' ORDER BY tg.tgname)
								   FROM pg_trigger tg WHERE tg.tgrelid = c.oid), '')
					|| coalesce((SELECT string_agg(E'\n  ' || pg_get_indexdef(i.indexrelid), '' ORDER BY 1)
								   FROM pg_index i WHERE i.indrelid = c.oid), '')
			   FROM pg_class c WHERE c.oid = m.objid)
		ELSE 'other'
	   END
  FROM members m
UNION ALL
SELECT 'configuration: ' || coalesce(extconfig::regclass[]::text, '-') || ' '
	   || coalesce(extcondition::text, '-') || ' relocatable ' || extrelocatable
	   || ' schema ' || extnamespace::regnamespace
  FROM pg_extension WHERE extname = 'concurrency'
ORDER BY 1};

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION concurrency');
my $fresh_contents = $node->safe_psql('fresh', $contents_sql);
like(
	$fresh_contents,
	qr/^function concurrency\.version_trigger\(\)/m,
	'a fresh install: its contents are described');
like(
	$fresh_contents,
	qr/^configuration: - - relocatable false schema public$/m,
	'a fresh install: no configuration table (pg_extension.extconfig names none)');

# A versioned table made under the old version, written after the update.
# A version that kept the options in concurrency.table_options (1.0) gets
# them as its enable() wrote them, a row there: with today's library its
# enable() refuses to run until the update (part 3 shows it).
my $table_sql = q{
CREATE TABLE app_items (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT to_regclass('concurrency.table_options') IS NOT NULL AS options_table \gset
\if :options_table
INSERT INTO concurrency.table_options (relid, check_columns, strict)
	VALUES ('app_items', '{a}', true);
\else
SELECT FROM concurrency.enable('app_items', check_columns => '{a}', strict => true);
\endif
INSERT INTO app_items VALUES (1, 'x', 'y', 4), (2, 'x', 'y', DEFAULT);
UPDATE app_items SET a = 'x2', version = 4 WHERE id = 1;
UPDATE app_items SET b = 'y2', version = 1 WHERE id = 2;
};
my $after_update_sql = q{
SELECT extversion FROM pg_extension WHERE extname = 'concurrency';
SELECT * FROM concurrency.tables;
SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'app_items'::regclass;
SELECT to_regclass('concurrency.table_options') IS NULL;
SELECT t::text FROM app_items t ORDER BY id;
UPDATE app_items SET a = 'stale', version = 4 WHERE id = 1;
UPDATE app_items SET a = 'unstated' WHERE id = 1;
UPDATE app_items SET a = 'x3', version = 5 WHERE id = 1 RETURNING version;
UPDATE app_items SET b = 'y3', version = 1 WHERE id = 2 RETURNING version;
CREATE TABLE app_new (id int PRIMARY KEY, version rowversion);
INSERT INTO app_new VALUES (1, 9);
UPDATE app_new SET version = 8;
SELECT * FROM concurrency.tables WHERE table_name = 'app_new';
SELECT count(*) FROM concurrency.verify();
};
my $after_update_out = qq{$default_version
public|app_items|version|{a}||t|t
concurrency.options(check_columns => '{a}'::name[], strict => true)
t
(1,x2,y,5)
(2,x,y2,1)
6
1
public|app_new|version|||f|t
0};
my $after_update_err = q{ERROR:  row in "public.app_items" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 4, but the current version is 5.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.app_items" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.app_new" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 8, but the current version is 9.
HINT:  Re-read the row and apply the change again.};

$node->safe_psql('postgres', 'CREATE ROLE app_owner LOGIN');
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');

my $n = 0;
foreach my $version (@released)
{
	foreach my $installer ('superuser', 'database owner')
	{
		my $label = "from $version, installed by the $installer";
		my $updb = 'upgrade_' . ++$n;
		my @as = $installer eq 'superuser' ? () : (extra_params => [ '-U', 'app_owner' ]);

		$node->safe_psql('postgres',
			"CREATE DATABASE $updb"
			  . ($installer eq 'superuser' ? '' : ' OWNER app_owner'));
		$node->safe_psql($updb, 'GRANT CREATE ON SCHEMA public TO app_owner')
		  if $installer ne 'superuser';

		($out, $err) = run_sql(
			$updb, qq{
CREATE EXTENSION concurrency VERSION '$version';
SELECT extversion, extowner::regrole FROM pg_extension WHERE extname = 'concurrency';
$table_sql}, @as);
		is( $out,
			"$version|" . ($installer eq 'superuser' ? $superuser : 'app_owner'),
			"$label: CREATE EXTENSION ... VERSION installs it");
		is($err, '', "$label: no error");

		($out, $err) = run_sql($updb, 'ALTER EXTENSION concurrency UPDATE', @as);
		is( $err,
			$version eq $default_version
			? qq{NOTICE:  version "$version" of extension "concurrency" is already installed}
			: '',
			"$label: ALTER EXTENSION UPDATE succeeds");

		($out, $err) = run_sql($updb, $after_update_sql, @as);
		is($out, $after_update_out,
			"$label: now at $default_version; rows, versions and options kept, writes move versions");
		is($err, $after_update_err,
			"$label: stale and unstated writes refused");
		is($node->safe_psql($updb, $contents_sql),
			$fresh_contents,
			"$label: the extension's objects are those of a fresh install");
	}
}

# --- 3. From 1.0: the options move from table_options to the defaults -------

# Version 1.0 kept each table's options in a row of concurrency.table_options;
# 1.1 keeps them in the default of the version column.  A 1.0 database
# with a table for each kind of option: the rows are those 1.0's enable()
# and disable() wrote (with today's library those refuse to run until the
# update, shown below).
my $mig = 'migrate';
$node->safe_psql('postgres', "CREATE DATABASE $mig");
$node->safe_psql(
	$mig, q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency VERSION '1.0';
CREATE SCHEMA "Odd Schema";

CREATE TABLE checked (id int PRIMARY KEY, a text, b text, version rowversion);
CREATE TABLE ignored (id int PRIMARY KEY, a text, seen int, version rowversion);
CREATE TABLE strict_t (id int PRIMARY KEY, a text, version rowversion);
CREATE TABLE both_t (id int PRIMARY KEY, a text, b text, version rowversion);
CREATE TABLE off_t (id int PRIMARY KEY, a text, version rowversion);
CREATE TABLE off_strict (id int PRIMARY KEY, a text, version rowversion);
-- parted_eu has no row of its own (it takes parted's), parted_us and
-- parted_as have theirs, parted_as one with every option at its default
CREATE TABLE parted (id int, region text, a text, b text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
CREATE TABLE parted_as PARTITION OF parted FOR VALUES IN ('as');
-- version columns with defaults of their own (seven's row has the default options)
CREATE TABLE zero (id int PRIMARY KEY, a text, b text, version rowversion DEFAULT 0);
CREATE TABLE seven (id int PRIMARY KEY, a text, version rowversion DEFAULT 7);
-- no row: the default options
CREATE TABLE plain (id int PRIMARY KEY, a text, version rowversion);
-- names that need quoting everywhere
CREATE TABLE "Odd Schema"."Odd Table" ("Key" int PRIMARY KEY, "Col A" text, "b,c" text,
									   "o'k" text, other text,
									   "Ver Sion" rowversion DEFAULT 5);

INSERT INTO concurrency.table_options (relid, check_columns, ignore_columns, strict, active)
VALUES ('checked', '{a}', NULL, false, true),
	   ('ignored', NULL, '{seen}', false, true),
	   ('strict_t', NULL, NULL, true, true),
	   ('both_t', '{a}', NULL, true, true),
	   ('off_t', NULL, NULL, false, false),
	   ('off_strict', NULL, NULL, true, false),
	   ('parted', NULL, NULL, true, true),
	   ('parted_us', '{a}', NULL, false, true),
	   ('parted_as', NULL, NULL, false, true),
	   ('zero', '{a}', NULL, false, true),
	   ('seven', NULL, NULL, false, true),
	   ('"Odd Schema"."Odd Table"', '{"Col A","b,c","o''k"}', NULL, true, true);

INSERT INTO checked VALUES (1, 'x', 'y', 3);
INSERT INTO ignored VALUES (1, 'x', 0, DEFAULT);
INSERT INTO strict_t VALUES (1, 'x', 5);
INSERT INTO both_t VALUES (1, 'x', 'y', 2);
INSERT INTO off_t VALUES (1, 'x', 9);
INSERT INTO off_strict VALUES (1, 'x', 4);
INSERT INTO parted VALUES (1, 'eu', 'x', 'y', 4), (2, 'us', 'x', 'y', DEFAULT),
						  (3, 'as', 'x', 'y', 6);
INSERT INTO zero VALUES (1, 'x', 'y', DEFAULT);
INSERT INTO seven VALUES (1, 'x', DEFAULT);
INSERT INTO plain VALUES (1, 'x', DEFAULT);
INSERT INTO "Odd Schema"."Odd Table" VALUES (1, 'x', 'y', 'z', 'w', DEFAULT);
});

my $mig_rows_sql = q{
SELECT * FROM (
SELECT 'checked', t::text FROM checked t
UNION ALL SELECT 'ignored', t::text FROM ignored t
UNION ALL SELECT 'strict_t', t::text FROM strict_t t
UNION ALL SELECT 'both_t', t::text FROM both_t t
UNION ALL SELECT 'off_t', t::text FROM off_t t
UNION ALL SELECT 'off_strict', t::text FROM off_strict t
UNION ALL SELECT 'parted', tableoid::regclass || ' ' || t::text FROM parted t
UNION ALL SELECT 'zero', t::text FROM zero t
UNION ALL SELECT 'seven', t::text FROM seven t
UNION ALL SELECT 'plain', t::text FROM plain t
UNION ALL SELECT 'Odd Table', t::text FROM "Odd Schema"."Odd Table" t) r(tbl, row_text)
ORDER BY tbl COLLATE "C", row_text COLLATE "C"};
my $mig_tables_sql = q{SELECT * FROM concurrency.tables
 ORDER BY schema_name COLLATE "C", table_name COLLATE "C"};

my $tables_1_0 = $node->safe_psql($mig, $mig_tables_sql);
is( $tables_1_0,
	q{Odd Schema|Odd Table|Ver Sion|{"Col A","b,c",o'k}||t|t
public|both_t|version|{a}||t|t
public|checked|version|{a}||f|t
public|ignored|version||{seen}|f|t
public|off_strict|version|||t|f
public|off_t|version|||f|f
public|parted|version|||t|t
public|parted_as|version|||f|t
public|parted_eu|version|||t|t
public|parted_us|version|{a}||f|t
public|plain|version|||f|t
public|seven|version|||f|t
public|strict_t|version|||t|t
public|zero|version|{a}||f|t},
	'1.0: concurrency.tables reads the options of table_options');
is( $node->safe_psql($mig, $defaults_sql),
	q{"Odd Schema"."Odd Table"|Ver Sion|5
seven|version|7
zero|version|0},
	'1.0: the version columns have only the defaults they were given');

# A session that caches the options 1.0 keeps and lives through the update.
my $mig_old = $node->background_psql($mig, on_error_stop => 0);
my $mig_old_sql = q{
UPDATE strict_t SET a = 'old session' WHERE id = 1;
\echo strict_t unstated :SQLSTATE
UPDATE parted SET a = 'old session' WHERE id = 1;
\echo parted_eu unstated :SQLSTATE
UPDATE parted SET a = 'old session' WHERE id = 3 RETURNING version;
UPDATE checked SET b = 'old session' WHERE id = 1 RETURNING version;
UPDATE off_t SET a = 'old session', version = 1 WHERE id = 1 RETURNING version;};
is( $mig_old->query($mig_old_sql),
	q{strict_t unstated 23V01
parted_eu unstated 23V01
7
3
1},
	'1.0, a session of the new library: the options of table_options are enforced');

# With today's library and 1.0's objects, the options are read from
# table_options and enforced; enable() and disable() ask for the update.
($out, $err) = run_sql(
	$mig, q{
UPDATE checked SET b = 'b only' WHERE id = 1 RETURNING version;
UPDATE checked SET a = 'a counts' WHERE id = 1 RETURNING version;
UPDATE checked SET a = 'stale', version = 3 WHERE id = 1;
\echo checked stale :SQLSTATE
UPDATE ignored SET seen = seen + 1 WHERE id = 1 RETURNING version;
UPDATE ignored SET a = 'a counts' WHERE id = 1 RETURNING version;
UPDATE strict_t SET a = 'unstated' WHERE id = 1;
\echo strict_t unstated :SQLSTATE
UPDATE strict_t SET a = 'stated', version = 5 WHERE id = 1 RETURNING version;
UPDATE both_t SET b = 'b only', version = 2 WHERE id = 1 RETURNING version;
UPDATE both_t SET b = 'unstated' WHERE id = 1;
\echo both_t unstated :SQLSTATE
UPDATE off_t SET a = 'stale', version = 0 WHERE id = 1 RETURNING version;
UPDATE off_strict SET a = 'unstated' WHERE id = 1 RETURNING version;
UPDATE parted SET b = 'unstated' WHERE id = 1;
\echo parted_eu unstated :SQLSTATE
UPDATE parted SET b = 'b only' WHERE id = 2 RETURNING version;
UPDATE parted SET a = 'unstated' WHERE id = 3 RETURNING version;
INSERT INTO zero (id, a, b) VALUES (2, 'n', 'n') RETURNING version;
UPDATE zero SET b = 'b only' WHERE id = 2 RETURNING version;
INSERT INTO seven (id, a) VALUES (2, 'n') RETURNING version;
UPDATE seven SET a = 'unstated' WHERE id = 2 RETURNING version;
UPDATE plain SET a = 'unstated' WHERE id = 1 RETURNING version;
UPDATE plain SET a = 'stale', version = 1 WHERE id = 1;
\echo plain stale :SQLSTATE
UPDATE "Odd Schema"."Odd Table" SET other = 'unstated';
\echo Odd Table unstated :SQLSTATE
UPDATE "Odd Schema"."Odd Table" SET other = 'not counted', "Ver Sion" = 5 RETURNING "Ver Sion";
UPDATE "Odd Schema"."Odd Table" SET "o'k" = 'counted', "Ver Sion" = 5 RETURNING "Ver Sion";
SELECT concurrency.enable('plain', strict => true);
\echo enable :SQLSTATE
SELECT concurrency.disable('strict_t');
\echo disable :SQLSTATE});
is( $out,
	q{3
4
checked stale 40V01
1
2
strict_t unstated 23V01
6
2
both_t unstated 23V01
0
4
parted_eu unstated 23V01
1
8
0
0
7
8
2
plain stale 40V01
Odd Table unstated 23V01
5
6
enable 55000
disable 55000},
	'1.0, new library: check_columns, ignore_columns, strict, disabled and partitions enforced as 1.0 does'
);
is( $err,
	q{ERROR:  row in "public.checked" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  update of "public.both_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  update of "public.parted_eu" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.plain" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "Odd Schema.Odd Table" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "Ver Sion" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., "Ver Sion" = <version read>.
ERROR:  extension "concurrency" must be updated before options can change
DETAIL:  The database has the objects of an older version of the extension.
HINT:  Run ALTER EXTENSION concurrency UPDATE.
ERROR:  extension "concurrency" must be updated before options can change
DETAIL:  The database has the objects of an older version of the extension.
HINT:  Run ALTER EXTENSION concurrency UPDATE.},
	'1.0, new library: the refused writes, and enable() and disable() refused with 55000 until the update'
);
is($node->safe_psql($mig, $mig_tables_sql),
	$tables_1_0, '1.0: the refused enable() and disable() changed no option');
my $rows_1_0 = $node->safe_psql($mig, $mig_rows_sql);
is( $rows_1_0,
	q{Odd Table|(1,x,y,counted,"not counted",6)
both_t|(1,x,"b only",2)
checked|(1,"a counts","b only",4)
ignored|(1,"a counts",1,2)
off_strict|(1,unstated,4)
off_t|(1,stale,0)
parted|parted_as (3,as,unstated,y,8)
parted|parted_eu (1,eu,x,y,4)
parted|parted_us (2,us,x,"b only",1)
plain|(1,unstated,2)
seven|(1,x,7)
seven|(2,unstated,8)
strict_t|(1,stated,6)
zero|(1,x,y,0)
zero|(2,n,"b only",0)},
	'1.0: the rows and their versions');

# The update.
($out, $err) = run_sql($mig, 'ALTER EXTENSION concurrency UPDATE');
is($err, '', 'from 1.0 with options: ALTER EXTENSION UPDATE succeeds, no notice');
is( $node->safe_psql(
		$mig, q{
SELECT extversion FROM pg_extension WHERE extname = 'concurrency';
SELECT to_regclass('concurrency.table_options') IS NULL;
SELECT count(*) FROM pg_proc WHERE pronamespace = 'concurrency'::regnamespace
   AND proname IN ('options_changed', 'options_guard');
SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'table\_options\_%';}),
	"$default_version\nt\n0\n0",
	'after the update: at the default version; table_options, its functions and triggers gone');
is($node->safe_psql($mig, $mig_tables_sql),
	$tables_1_0, 'after the update: concurrency.tables is what it was under 1.0');
is($node->safe_psql($mig, $mig_rows_sql),
	$rows_1_0, 'after the update: the rows and their versions are unchanged');
my $mig_defaults = $node->safe_psql($mig, $defaults_sql);
is( $mig_defaults,
	q{"Odd Schema"."Odd Table"|Ver Sion|concurrency.options((5)::rowversion, check_columns => '{"Col A","b,c",o''k}'::name[], strict => true)
both_t|version|concurrency.options(check_columns => '{a}'::name[], strict => true)
checked|version|concurrency.options(check_columns => '{a}'::name[])
ignored|version|concurrency.options(ignore_columns => '{seen}'::name[])
off_strict|version|concurrency.options(strict => true, active => false)
off_t|version|concurrency.options(active => false)
parted|version|concurrency.options(strict => true)
parted_as|version|concurrency.options()
parted_us|version|concurrency.options(check_columns => '{a}'::name[])
seven|version|7
strict_t|version|concurrency.options(strict => true)
zero|version|concurrency.options((0)::rowversion, check_columns => '{a}'::name[])},
	'after the update: each table\'s options in its version column\'s default, an own default kept as start'
);
is( $node->safe_psql($mig, $options_of_sql),
	q{"Odd Schema"."Odd Table"|{"Col A","b,c",o'k}||t|t
public.both_t|{a}||t|t
public.checked|{a}||f|t
public.ignored||{seen}|f|t
public.off_strict|||t|f
public.off_t|||f|f
public.parted|||t|t
public.parted_as|||f|t
public.parted_eu|||t|t
public.parted_us|{a}||f|t
public.plain|||f|t
public.seven|||f|t
public.strict_t|||t|t
public.zero|{a}||f|t},
	'after the update: concurrency.options_of() reads them (parted_eu\'s from parted)');
is($node->safe_psql($mig, 'SELECT count(*) FROM concurrency.verify()'),
	'0', 'after the update: concurrency.verify() finds nothing');

# Enforced right after the update as before it, in a new session and in
# the one that cached the options of 1.0.
($out, $err) = run_sql(
	$mig, q{
UPDATE checked SET b = 'b again' WHERE id = 1 RETURNING version;
UPDATE checked SET a = 'stale', version = 3 WHERE id = 1;
\echo checked stale :SQLSTATE
UPDATE checked SET a = 'fresh', version = 4 WHERE id = 1 RETURNING version;
UPDATE ignored SET seen = seen + 1 WHERE id = 1 RETURNING version;
UPDATE strict_t SET a = 'unstated' WHERE id = 1;
\echo strict_t unstated :SQLSTATE
UPDATE strict_t SET a = 'stale', version = 5 WHERE id = 1;
\echo strict_t stale :SQLSTATE
UPDATE both_t SET a = 'unstated' WHERE id = 1;
\echo both_t unstated :SQLSTATE
UPDATE off_t SET a = 'stale again', version = 1 WHERE id = 1 RETURNING version;
UPDATE off_strict SET a = 'unstated again' WHERE id = 1 RETURNING version;
UPDATE parted SET a = 'unstated' WHERE id = 1;
\echo parted_eu unstated :SQLSTATE
UPDATE parted SET a = 'stale', version = 3 WHERE id = 1;
\echo parted_eu stale :SQLSTATE
UPDATE parted SET b = 'b again' WHERE id = 2 RETURNING version;
UPDATE parted SET a = 'unstated again' WHERE id = 3 RETURNING version;
INSERT INTO parted VALUES (4, 'eu', 'n', 'n') RETURNING version;
INSERT INTO zero (id, a, b) VALUES (3, 'n', 'n') RETURNING version;
INSERT INTO seven (id, a) VALUES (3, 'n') RETURNING version;
UPDATE plain SET a = 'stale', version = 1 WHERE id = 1;
\echo plain stale :SQLSTATE
UPDATE "Odd Schema"."Odd Table" SET other = 'unstated';
\echo Odd Table unstated :SQLSTATE
UPDATE "Odd Schema"."Odd Table" SET "b,c" = 'counted', "Ver Sion" = 6 RETURNING "Ver Sion";
INSERT INTO "Odd Schema"."Odd Table" ("Key") VALUES (2) RETURNING "Ver Sion";});
is( $out,
	q{4
checked stale 40V01
5
2
strict_t unstated 23V01
strict_t stale 40V01
both_t unstated 23V01
1
4
parted_eu unstated 23V01
parted_eu stale 40V01
1
9
1
0
7
plain stale 40V01
Odd Table unstated 23V01
7
5},
	'after the update: stale writes 40V01, unstated on strict tables 23V01, disabled tables take anything'
);
is( $err,
	q{ERROR:  row in "public.checked" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.strict_t" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 5, but the current version is 6.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.both_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  update of "public.parted_eu" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.parted_eu" was modified by another transaction
DETAIL:  Key (id, region)=(1, eu): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  row in "public.plain" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "Odd Schema.Odd Table" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "Ver Sion" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., "Ver Sion" = <version read>.},
	'after the update: the errors of the refused writes');
is( $mig_old->query($mig_old_sql),
	q{strict_t unstated 23V01
parted_eu unstated 23V01
10
5
1},
	'after the update, the session of before: enforced as before');
$mig_old->quit;

# A dump of the updated database restores with the same options.
$node->safe_psql('postgres', "CREATE DATABASE ${mig}_restored");
my ($dump_err, $restore_out, $restore_err) = ('', '', '');
IPC::Run::run(
	[ 'pg_dump', '-d', $node->connstr($mig) ],
	'2>', \$dump_err, '|',
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr("${mig}_restored") ],
	'>', \$restore_out, '2>', \$restore_err,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default))
  or note "pg_dump | psql exited with $?";
is("$dump_err$restore_err", '', 'pg_dump | psql of the updated database: no error');
is($node->safe_psql("${mig}_restored", $mig_tables_sql),
	$tables_1_0, 'restored: concurrency.tables is the same');
is($node->safe_psql("${mig}_restored", $options_of_sql),
	$node->safe_psql($mig, $options_of_sql),
	'restored: concurrency.options_of() reads the same');
is($node->safe_psql("${mig}_restored", $mig_rows_sql),
	$node->safe_psql($mig, $mig_rows_sql), 'restored: the same rows and versions');
is($node->safe_psql("${mig}_restored", 'SELECT count(*) FROM concurrency.verify()'),
	'0', 'restored: concurrency.verify() finds nothing');

# Options change again now, with enable() and disable() of 1.1.
($out, $err) = run_sql(
	$mig, q{
SELECT FROM concurrency.enable('plain', strict => true);
SELECT FROM concurrency.disable('strict_t');
SELECT * FROM concurrency.tables WHERE table_name IN ('plain', 'strict_t') ORDER BY 2;
SELECT a.attrelid::regclass, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE a.attrelid IN ('plain'::regclass, 'strict_t'::regclass) ORDER BY 1::text;});
is( $out,
	q{public|plain|version|||t|t
public|strict_t|version|||t|f
plain|concurrency.options(strict => true)
strict_t|concurrency.options(strict => true, active => false)},
	'after the update: enable() and disable() write the defaults');
is($err, '', 'after the update: enable() and disable() run');

$node->stop;
done_testing();
