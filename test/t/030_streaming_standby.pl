# A streaming standby of a primary with versioned tables, then promoted.
#
# SPEC.md section 7: hot standbys read versions as written.  A standby
# replays the primary's WAL: the rows with their versions, the internal
# version triggers and the options (the concurrency.options() calls that
# are the defaults of the version columns) all arrive as they are on the
# primary, and concurrency.tables and concurrency.options_of() read the
# same.
# Writes on the standby are refused by PostgreSQL itself (read-only).
#
# After the primary is gone and the standby is promoted, versioning is
# enforced there exactly as it was on the primary: a stale write is
# refused with 40V01, a strict table wants a version (23V01), a fresh write
# moves the version, options (check_columns, ignore_columns, strict set
# while the standby was streaming, disabled) still apply, and a session
# that was connected to the standby before the promotion is held to the
# same rules.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', 'log_statement = none');
$primary->start;

# --- helpers ---------------------------------------------------------------

# Run SQL without stopping at errors; returns (stdout, stderr) with psql's
# "psql:<stdin>:N: " prefixes taken off stderr.
sub run_sql
{
	my ($node, $sql) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', $sql, on_error_stop => 0);

	$err =~ s/^psql:<stdin>:\d+: //mg;
	return ($out, $err);
}

# What a standby must read as the primary does.
my %snapshot_sql = (
	'concurrency.tables' => 'SELECT * FROM concurrency.tables ORDER BY 1, 2',
	'version column defaults' => q{
SELECT a.attrelid::regclass, a.attname, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attribute a
  JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.atttypid = 'rowversion'::regtype AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid::regclass::text},
	'concurrency.options_of' => q{
SELECT c.oid::regclass, o.*
  FROM pg_class c CROSS JOIN LATERAL concurrency.options_of(c.oid) o
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
 ORDER BY c.oid::regclass::text},
	'version triggers' => q{
SELECT tgrelid::regclass, tgname = '!concurrency_version_' || oid,
	   tgisinternal, tgenabled, tgfoid::regproc, tgtype
  FROM pg_trigger WHERE tgname LIKE '!concurrency_version_%' ORDER BY 1},
	'rows' => q{
SELECT 'plain', p::text FROM plain p
UNION ALL SELECT 'strict_t', s::text FROM strict_t s
UNION ALL SELECT 'checked', c::text FROM checked c
UNION ALL SELECT 'ignored', i::text FROM ignored i
UNION ALL SELECT 'parted', tableoid::regclass || ' ' || p::text FROM parted p
UNION ALL SELECT 'off_t', o::text FROM off_t o
UNION ALL SELECT 'late', l::text FROM late l
ORDER BY 1, 2});

sub snapshot
{
	my ($node) = @_;

	return { map { ($_ => $node->safe_psql('postgres', $snapshot_sql{$_})) }
		  keys %snapshot_sql };
}

sub standby_reads_as_primary
{
	my ($standby, $label) = @_;
	my $want = snapshot($primary);
	my $got = snapshot($standby);

	foreach my $key (sort keys %snapshot_sql)
	{
		is($got->{$key}, $want->{$key},
			"$label: the standby reads the same $key as the primary");
	}
	return $want;
}

# --- the primary and its standby -------------------------------------------

$primary->safe_psql(
	'postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;

CREATE TABLE plain (id int PRIMARY KEY, val text, version rowversion);
INSERT INTO plain (id, val) VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE plain SET val = val || '+' WHERE id <= 2;
UPDATE plain SET val = val || '+', version = version WHERE id = 1;
UPDATE plain SET val = 'jump', version = 10 WHERE id = 3;

CREATE TABLE strict_t (id int PRIMARY KEY, a text, version rowversion);
SELECT FROM concurrency.enable('strict_t', strict => true);
INSERT INTO strict_t VALUES (1, 'x', 5);
UPDATE strict_t SET a = 'x2', version = 5 WHERE id = 1;

CREATE TABLE checked (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT FROM concurrency.enable('checked', check_columns => '{a}');
INSERT INTO checked (id, a, b) VALUES (1, 'x', 'y');
UPDATE checked SET a = 'x2' WHERE id = 1;
UPDATE checked SET b = 'y2' WHERE id = 1;

CREATE TABLE ignored (id int PRIMARY KEY, a text, seen int, version rowversion);
SELECT FROM concurrency.enable('ignored', ignore_columns => '{seen}');
INSERT INTO ignored VALUES (1, 'x', 0, 3);
UPDATE ignored SET seen = seen + 1;

CREATE TABLE parted (id int, region text, a text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
SELECT FROM concurrency.enable('parted', strict => true);
INSERT INTO parted VALUES (1, 'eu', 'x', 4), (2, 'us', 'x', DEFAULT);
UPDATE parted SET region = 'us', a = 'moved', version = 4 WHERE id = 1;

CREATE TABLE off_t (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO off_t VALUES (1, 'x', 9);
SELECT FROM concurrency.disable('off_t');
UPDATE off_t SET a = 'x2', version = 2 WHERE id = 1;

-- versioned only later, while the standby streams
CREATE TABLE late (id int PRIMARY KEY, a text);
INSERT INTO late VALUES (1, 'x'), (2, 'y');
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');

my $source = standby_reads_as_primary($standby, 'after the base backup');
is( $source->{'concurrency.tables'},
	q{public|checked|version|{a}||f|t
public|ignored|version||{seen}|f|t
public|off_t|version|||f|f
public|parted|version|||t|t
public|parted_eu|version|||t|t
public|parted_us|version|||t|t
public|plain|version|||f|t
public|strict_t|version|||t|t},
	'primary: concurrency.tables');
is( $source->{'version column defaults'},
	q{checked|version|concurrency.options(check_columns => '{a}'::name[])
ignored|version|concurrency.options(ignore_columns => '{seen}'::name[])
off_t|version|concurrency.options(active => false)
parted|version|concurrency.options(strict => true)
strict_t|version|concurrency.options(strict => true)},
	'primary: the options are the defaults of the version columns');
is( $source->{'concurrency.options_of'},
	q{checked|{a}||f|t
ignored||{seen}|f|t
late|||f|t
off_t|||f|f
parted|||t|t
parted_eu|||t|t
parted_us|||t|t
plain|||f|t
strict_t|||t|t},
	'primary: concurrency.options_of() of every table');
is( $source->{rows},
	q{checked|(1,x2,y2,2)
ignored|(1,x,1,3)
late|(1,x)
late|(2,y)
off_t|(1,x2,2)
parted|parted_us (1,us,moved,5)
parted|parted_us (2,us,x,1)
plain|(1,a++,3)
plain|(2,b+,2)
plain|(3,jump,10)
strict_t|(1,x2,6)},
	'primary: the rows and their versions');
is( $source->{'version triggers'},
	q{plain|t|t|O|concurrency.version_trigger|23
strict_t|t|t|O|concurrency.version_trigger|23
checked|t|t|O|concurrency.version_trigger|23
ignored|t|t|O|concurrency.version_trigger|23
parted_eu|t|t|O|concurrency.version_trigger|23
parted_us|t|t|O|concurrency.version_trigger|23
off_t|t|t|O|concurrency.version_trigger|23},
	'primary: one internal version trigger per versioned table that stores rows'
);

# The standby refuses writes itself, before any trigger.
my ($out, $err) =
  run_sql($standby, q{UPDATE plain SET val = 'x', version = 1 WHERE id = 1});
is( $err,
	"ERROR:  cannot execute UPDATE in a read-only transaction",
	'standby: an UPDATE is refused as read-only, not as a version conflict');

# A session on the standby, kept across the promotion.
my $session = $standby->background_psql('postgres', on_error_stop => 0);
is($session->query('SELECT version FROM plain WHERE id = 1'),
	'3', 'standby session: reads the version the primary wrote');

# --- writes on the primary while the standby streams ------------------------

($out, $err) = run_sql(
	$primary, q{
UPDATE plain SET val = 'stale', version = 2 WHERE id = 1;
UPDATE strict_t SET a = 'unstated' WHERE id = 1;
UPDATE plain SET val = val || '.' WHERE id = 2;
UPDATE plain SET val = val || '.' WHERE id = 2;
UPDATE plain SET val = val || '.', version = version WHERE id = 2;
UPDATE plain SET val = 'fresh', version = 3 WHERE id = 1 RETURNING version;
UPDATE checked SET b = 'b only' WHERE id = 1 RETURNING version;
UPDATE ignored SET seen = 7, a = 'counted' WHERE id = 1 RETURNING version;
INSERT INTO plain (id, val) VALUES (4, 'new') RETURNING version;
SELECT FROM concurrency.enable('ignored', ignore_columns => '{seen}', strict => true);
ALTER TABLE late ADD COLUMN version rowversion;
UPDATE late SET a = 'x2' WHERE id = 1 RETURNING version;
SELECT FROM concurrency.enable('checked', check_columns => '{a,b}');
});
is($out, "4\n2\n4\n1\n2",
	'primary: stale and unstated writes refused, fresh ones moved on');
is( $err,
	q{ERROR:  row in "public.plain" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 2, but the current version is 3.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.},
	'primary: the errors of the refused writes');

$primary->wait_for_catchup($standby);
my $streamed = standby_reads_as_primary($standby, 'while streaming');
like(
	$streamed->{'concurrency.tables'},
	qr/^public\|checked\|version\|\{a,b\}\|\|f\|t
public\|ignored\|version\|\|\{seen\}\|t\|t
public\|late\|version\|\|\|f\|t$/m,
	'standby: options changed and a table versioned on the primary show up');
is( $streamed->{'version column defaults'},
	q{checked|version|concurrency.options(check_columns => '{a,b}'::name[])
ignored|version|concurrency.options(ignore_columns => '{seen}'::name[], strict => true)
off_t|version|concurrency.options(active => false)
parted|version|concurrency.options(strict => true)
strict_t|version|concurrency.options(strict => true)},
	'standby: the options changed on the primary, in the version columns\' defaults');
is( $streamed->{'concurrency.options_of'},
	q{checked|{a,b}||f|t
ignored||{seen}|t|t
late|||f|t
off_t|||f|f
parted|||t|t
parted_eu|||t|t
parted_us|||t|t
plain|||f|t
strict_t|||t|t},
	'standby: concurrency.options_of() reads the changed options');
is( $streamed->{rows},
	q{checked|(1,x2,"b only",2)
ignored|(1,counted,7,4)
late|(1,x2,2)
late|(2,y,1)
off_t|(1,x2,2)
parted|parted_us (1,us,moved,5)
parted|parted_us (2,us,x,1)
plain|(1,fresh,4)
plain|(2,b+...,5)
plain|(3,jump,10)
plain|(4,new,1)
strict_t|(1,x2,6)},
	'standby: the versions written on the primary, as written');
is($session->query('SELECT version FROM plain WHERE id = 1'),
	'4', 'standby session: reads the newer version');

# --- promotion --------------------------------------------------------------

$primary->stop;
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'the standby was not promoted';
my $promoted = $standby;

($out, $err) = run_sql(
	$promoted, q{
UPDATE plain SET val = 'stale', version = 3 WHERE id = 1;
\echo plain stale :SQLSTATE
UPDATE plain SET val = 'echo', version = 4 WHERE id = 1 RETURNING version;
UPDATE plain SET val = 'orm', version = 6 WHERE id = 1 RETURNING version;
UPDATE plain SET val = 'unstated' WHERE id = 1 RETURNING version;
WITH u AS (UPDATE plain SET val = 'all' RETURNING id, version)
SELECT * FROM u ORDER BY id;
UPDATE strict_t SET a = 'unstated' WHERE id = 1;
\echo strict unstated :SQLSTATE
UPDATE strict_t SET a = 'stale', version = 5 WHERE id = 1;
\echo strict stale :SQLSTATE
UPDATE strict_t SET a = 'stated', version = 6 WHERE id = 1 RETURNING version;
UPDATE checked SET b = 'b counts now' WHERE id = 1 RETURNING version;
UPDATE checked SET b = 'b counts now', version = 3 WHERE id = 1 RETURNING version;
UPDATE ignored SET seen = 8 WHERE id = 1;
\echo ignored unstated :SQLSTATE
UPDATE ignored SET seen = 8, version = 4 WHERE id = 1 RETURNING version;
UPDATE ignored SET a = 'counted again', version = 4 WHERE id = 1 RETURNING version;
UPDATE parted SET a = 'unstated' WHERE id = 2;
\echo parted unstated :SQLSTATE
UPDATE parted SET region = 'eu', a = 'back', version = 5 WHERE id = 1 RETURNING tableoid::regclass, version;
UPDATE parted SET a = 'stale', version = 5 WHERE id = 1;
\echo parted stale :SQLSTATE
UPDATE off_t SET a = 'off', version = 1 WHERE id = 1 RETURNING version;
UPDATE late SET a = 'stale', version = 1 WHERE id = 1;
\echo late stale :SQLSTATE
UPDATE late SET a = 'fresh', version = 1 WHERE id = 2 RETURNING version;
INSERT INTO plain (id, val) VALUES (5, 'inserted') RETURNING version;
CREATE TABLE made_here (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO made_here VALUES (1, 'x', 7);
UPDATE made_here SET a = 'stale', version = 6 WHERE id = 1;
\echo made_here stale :SQLSTATE
UPDATE made_here SET a = 'fresh' WHERE id = 1 RETURNING version;
SELECT * FROM concurrency.tables WHERE table_name = 'made_here';
});
is( $out, q{plain stale 40V01
5
6
7
1|8
2|6
3|11
4|2
strict unstated 23V01
strict stale 40V01
7
3
3
ignored unstated 23V01
4
5
parted unstated 23V01
parted_eu|6
parted stale 40V01
1
late stale 40V01
2
1
made_here stale 40V01
8
public|made_here|version|||f|t},
	'promoted: stale and unstated writes refused, fresh ones move the version once'
);
is( $err,
	q{ERROR:  row in "public.plain" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_t" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.strict_t" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 5, but the current version is 6.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.ignored" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  update of "public.parted_us" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.parted_eu" was modified by another transaction
DETAIL:  Key (id, region)=(1, eu): the update was based on version 5, but the current version is 6.
HINT:  Re-read the row and apply the change again.
ERROR:  row in "public.late" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.
ERROR:  row in "public.made_here" was modified by another transaction
DETAIL:  Key (id)=(1): the update was based on version 6, but the current version is 7.
HINT:  Re-read the row and apply the change again.},
	'promoted: the errors name the table, the key and both versions');

# The session opened on the standby before the promotion writes now, under
# the same rules.
is( $session->query(q{
UPDATE plain SET val = 'old session stale', version = 7 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
UPDATE plain SET val = 'old session', version = 8 WHERE id = 1 RETURNING version;
UPDATE strict_t SET a = 'old session';
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE}),
	q{40V01 row in "public.plain" was modified by another transaction
9
23V01 update of "public.strict_t" does not state a row version},
	'standby session after the promotion: stale refused, fresh bumped, strict enforced'
);
$session->quit;

is( $promoted->safe_psql(
		'postgres', 'SELECT id, val, version FROM plain ORDER BY id'),
	q{1|old session|9
2|all|6
3|all|11
4|all|2
5|inserted|1},
	'promoted: only the accepted writes are in');

$promoted->stop;
done_testing();
