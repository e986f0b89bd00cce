# pg_upgrade of a cluster that uses the extension: every versioned table is
# enforced from the first statement after the upgrade, with its rows,
# versions and options, and with no step by hand.
#
# pg_upgrade restores the schema before the extension's event triggers
# exist (they come last in its dump), and the row triggers are internal
# (pg_dump never emits them), so the tables arrive without them; the
# options arrive with the schema (they are the version columns' defaults).
# The first event the event triggers see in binary-upgrade mode is the
# ALTER EXTENSION ... ADD EVENT TRIGGER that follows their creation, and
# there they attach every missing row trigger.
#
# By default the old and the new cluster are of the installation under
# test (15 to 15 in CI).  CONCURRENCY_UPGRADE_FROM=/path/to/prefix takes
# the old cluster from another installation (an older major, with the
# extension installed into it), for upgrades across majors.

use strict;
use warnings;

use Cwd;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $from = $ENV{CONCURRENCY_UPGRADE_FROM};
my $old =
  $from
  ? PostgreSQL::Test::Cluster->new('old', install_path => $from)
  : PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->start;
$old->safe_psql(
	'postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE TABLE accounts (id int PRIMARY KEY, balance int, version rowversion);
INSERT INTO accounts VALUES (1, 100, 7), (2, 200, 1);
SELECT concurrency.enable('accounts', strict => true);
CREATE TABLE orders (id int, region text, status text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
SELECT concurrency.enable('orders', check_columns => '{status}');
INSERT INTO orders VALUES (1, 'eu', 'new', 3);
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Counters" (id int PRIMARY KEY, hits int, "Last Seen" timestamptz,
	"Row Version" rowversion DEFAULT 0);
INSERT INTO "Odd Schema"."Counters" VALUES (1, 0, NULL);
SELECT concurrency.enable('"Odd Schema"."Counters"', 'Row Version', ignore_columns => '{hits,"Last Seen"}');
CREATE TABLE paused (id int PRIMARY KEY, v rowversion);
INSERT INTO paused VALUES (1, 5);
SELECT concurrency.enable('paused', 'v', strict => true);
SELECT concurrency.disable('paused');
CREATE TABLE plain_versioned (id int PRIMARY KEY, version rowversion);
INSERT INTO plain_versioned VALUES (1, 2);
});
my $tables_sql = 'SELECT * FROM concurrency.tables ORDER BY 1, 2';
my $tables_before = $old->safe_psql('postgres', $tables_sql);
my $rows_sql = q{SELECT * FROM accounts ORDER BY id;
SELECT * FROM orders ORDER BY id;
SELECT id, hits, "Row Version" FROM "Odd Schema"."Counters" ORDER BY id;
SELECT * FROM paused ORDER BY id;
SELECT * FROM plain_versioned ORDER BY id};
my $rows_before = $old->safe_psql('postgres', $rows_sql);
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('new');
# initdb turns data checksums on by default from 18 on; pg_upgrade wants
# them as the old cluster has them
$new->init(
	pg_major($new) >= 18 && pg_major($old) < 18
	? (extra => ['--no-data-checksums'])
	: ());

# pg_upgrade writes its files into the current directory
my $cwd = getcwd();
chdir $PostgreSQL::Test::Utils::tmp_check;
command_ok(
	[
		'pg_upgrade', (pg_major($new) >= 15 ? ('--no-sync') : ()),
		'-d', $old->data_dir,
		'-D', $new->data_dir,
		'-b', pg_config_of($old, '--bindir'),
		'-B', pg_config_of($new, '--bindir'),
		'-s', $new->host,
		'-p', $old->port,
		'-P', $new->port
	],
	'pg_upgrade of a cluster with versioned tables');
chdir $cwd;

$new->start;

# the very first statements: stale and unstated writes are refused
my ($ret, $stdout, $stderr) = $new->psql('postgres',
	'UPDATE accounts SET balance = 0, version = 6 WHERE id = 1');
like(
	$stderr,
	qr/ERROR:  row in "public\.accounts" was modified by another transaction\nDETAIL:  Key \(id\)=\(1\): the update was based on version 6, but the current version is 7\./,
	'a stale write is rejected by the first statement after the upgrade');
($ret, $stdout, $stderr) =
  $new->psql('postgres', 'UPDATE accounts SET balance = 0 WHERE id = 1');
like(
	$stderr,
	qr/ERROR:  update of "public\.accounts" does not state a row version/,
	'the strict table is strict');
($ret, $stdout, $stderr) = $new->psql('postgres',
	q{UPDATE orders SET status = 'x', version = 2 WHERE id = 1});
like(
	$stderr,
	qr/ERROR:  row in "public\.orders_eu" was modified by another transaction\nDETAIL:  Key \(id, region\)=\(1, eu\): the update was based on version 2, but the current version is 3\./,
	'a stale write on a partition is rejected');

is($new->safe_psql('postgres', $tables_sql),
	$tables_before, 'concurrency.tables is as it was: options, and every table active');
is($new->safe_psql('postgres', 'SELECT count(*) FROM concurrency.verify()'),
	'0', 'concurrency.verify() finds nothing to mend');
is( $new->safe_psql(
		'postgres', q{SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY 1)
		  FROM pg_trigger
		 WHERE tgfoid = 'concurrency.version_trigger()'::regprocedure AND tgisinternal
		   AND tgenabled = 'O'}),
	'"Odd Schema"."Counters",accounts,orders_eu,paused,plain_versioned',
	'one enabled internal row trigger per table that stores rows');
is($new->safe_psql('postgres', $rows_sql),
	$rows_before, 'rows and versions survive pg_upgrade');

is( $new->safe_psql(
		'postgres',
		q{UPDATE orders SET status = 'paid', version = 3 WHERE id = 1 RETURNING version}),
	'4',
	'an echo on a partition with check_columns moves the version');
is( $new->safe_psql(
		'postgres',
		q{UPDATE "Odd Schema"."Counters" SET hits = hits + 1 WHERE id = 1 RETURNING "Row Version"}),
	'0',
	'an ignored column does not move the version');
is( $new->safe_psql(
		'postgres',
		q{INSERT INTO "Odd Schema"."Counters" (id, hits) VALUES (2, 0) RETURNING "Row Version"}),
	'0',
	'the column keeps its own default as the start');
is( $new->safe_psql(
		'postgres', q{UPDATE paused SET v = 1 WHERE id = 1 RETURNING v}),
	'1',
	'a disabled table stays disabled');
is( $new->safe_psql(
		'postgres', q{UPDATE plain_versioned SET id = 1 RETURNING version}),
	'3',
	'a table with the default options moves its version');

$new->stop;
done_testing();
